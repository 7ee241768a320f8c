"""Graph optimisations, run in order by `optimize` (off with --no-optimize).

Each pass takes an ir.Graph, rewrites it in place and returns whether it changed it.
"""

from __future__ import annotations

from typing import Callable

from ..ir import Graph
from .commute_resize import conv_before_resize
from .dead_nodes import remove_dead_nodes
from .fold_batchnorm import fold_batchnorm
from .fold_constants import fold_constants
from .fold_pad import fold_pad_into_conv
from .fold_scale import fold_channel_scale
from .fuse import fuse_bias_activation, fuse_residual_add
from .fuse_decompositions import fuse_decompositions
from .layout import to_channels_last
from .mean_of_sum import pool_operands_of_sum
from .remove_identity import remove_identity
from .untranspose_weights import untranspose_weights

PASSES: list[tuple[str, Callable[[Graph], bool]]] = [
    ("remove identity and dropout", remove_identity),
    ("fold constants", fold_constants),
    ("NCHW to NHWC", to_channels_last),
    ("fold batch norm", fold_batchnorm),
    ("fold padding into convolutions", fold_pad_into_conv),
    ("fuse layer norm and GELU", fuse_decompositions),
    ("fuse bias and activation", fuse_bias_activation),
    ("fuse residual adds", fuse_residual_add),
    ("pool a sum's operands", pool_operands_of_sum),
    ("run 1x1 convs before the upsampling before them", conv_before_resize),
    ("fold channel scales into convolutions", fold_channel_scale),
    ("store matmul weights untransposed", untranspose_weights),
    ("fold constants again", fold_constants),
    ("remove dead nodes", remove_dead_nodes),
]


def optimize(graph: Graph, progress=None) -> Graph:
    for _, run_pass in PASSES:
        run_pass(graph)
        if progress:
            progress.advance()
    return graph
