"""A 1x1 conv after an upsampling resize runs before it: conv(resize(x)) = resize(conv(x)) for a 1x1 conv (a linear
map of each pixel's channels, plus a bias per channel) and a bilinear or nearest resize (each output pixel a
weighted sum of input pixels whose weights sum to 1, channel by channel). The conv then runs on the smaller image,
and the resize on the conv's channels, where there are no more of them than of x's. Segmentation decoders upsample
and then mix channels so (MediaPipe's selfie segmentation: 16x16x128 -> 32x32, then 128 -> 24 channels)."""

from __future__ import annotations

import numpy as np

from ..ir import Graph, Node
from .common import rewrite_each, sole_consumer

RESIZES = ("resizeBilinear", "resizeNearestNeighbor")


def pointwise(graph: Graph, conv: Node) -> bool:
    """Whether `conv` is a 1x1 stride-1 NHWC conv without explicit padding whose epilogue is at most a bias per
    channel."""
    if conv.op not in ("conv2d", "fusedConv2d") or conv.attrs["dataFormat"] != "NHWC":
        return False
    filter_shape = graph.info[conv.inputs[1]].shape
    if tuple(filter_shape[:2]) != (1, 1) or conv.attrs["pad"] not in ("same", "valid") or list(conv.attrs["strides"]) != [1, 1]:
        return False
    if conv.op == "conv2d":
        return True
    bias_size = int(np.prod(graph.info[conv.inputs[2]].shape)) if len(conv.inputs) > 2 else 1
    return conv.attrs["activation"] == "linear" and len(conv.inputs) <= 3 and bias_size in (1, filter_shape[-1])


def commute_one(graph: Graph, resize: Node, consumers) -> bool:
    if resize.op not in RESIZES:
        return False
    conv = sole_consumer(graph, consumers, resize.outputs[0])
    if conv is None or conv.inputs[0] != resize.outputs[0] or not pointwise(graph, conv):
        return False
    small, large = graph.info[resize.inputs[0]].shape, graph.info[resize.outputs[0]].shape
    channels_in, channels_out = graph.info[conv.inputs[1]].shape[-2:]
    if any(d < 0 for d in (*small, *large)) or small[1] * small[2] > large[1] * large[2] or channels_out > channels_in:
        return False
    mixed = graph.unique_name(f"{conv.name}/before_{resize.name}")
    graph.replace_nodes([resize, conv], [
        Node(conv.name, conv.op, [resize.inputs[0], *conv.inputs[1:]], [mixed], dict(conv.attrs)),
        Node(resize.name, resize.op, [mixed], conv.outputs, dict(resize.attrs)),
    ])
    return True


def conv_before_resize(graph: Graph) -> bool:
    return rewrite_each(graph, lambda node: commute_one(graph, node, graph.consumers()))
