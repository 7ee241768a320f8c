"""Constant matMul weights stored untransposed: a matMul or fusedMatMul with transposeB whose B is a
constant read by nothing else gets B transposed once here and transposeB off, so the runtime's vec4
kernels (which need B untransposed) run rather than its scalar one.  PyTorch exports nn.Linear as Gemm
with transB=1: EfficientNet-Lite0's classifier took 38 ms as a transposed product on SwiftShader."""

from __future__ import annotations

import numpy as np

from ..ir import Graph
from .common import sole_consumer


def untranspose_weights(graph: Graph) -> bool:
    consumers = graph.consumers()
    changed = False
    for node in graph.nodes:
        if node.op not in ("matMul", "fusedMatMul") or not node.attrs["transposeB"]:
            continue
        weight = node.inputs[1]
        # A weight shared with other readers (tied embeddings) would be stored twice.
        if (not graph.is_constant(weight) or graph.constants[weight].ndim < 2
                or sole_consumer(graph, consumers, weight) is not node):
            continue
        graph.set_constant(weight, np.ascontiguousarray(np.swapaxes(graph.constants[weight], -1, -2)))
        node.attrs["transposeB"] = False
        changed = True
    return changed
