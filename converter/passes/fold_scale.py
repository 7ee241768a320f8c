"""A per-channel scale of a convolution's input moves onto its filter: conv(x * s, W) = conv(x, W * s) where s
scales the input channels alike at every pixel (s shaped [1, ..., 1, C]). Squeeze-and-excite blocks (MobileNetV3,
MediaPipe's selfie segmentation) scale a feature map by gates computed from it, then convolve it: the product
then runs on the filter's C x Cout values instead of the feature map's pixels x C."""

from __future__ import annotations

from ..ir import Graph, Node
from ..ops import complete_attrs
from .common import other_input, rewrite_each, sole_consumer

# Ops whose input 1 is a filter [..window, C, ...] with the input channels on its second-to-last axis.
CONVOLUTIONS = ("conv2d", "depthwiseConv2d", "fusedConv2d", "fusedDepthwiseConv2d")


def channel_scale(graph: Graph, mul: Node, x: str) -> str | None:
    """The operand of `mul` scaling `x` per channel ([1, ..., 1, C] of x's channels), if it is one."""
    scale = other_input(mul, x)
    shape, x_shape = graph.info[scale].shape, graph.info[x].shape
    if (graph.info[scale].dtype != "float32" or graph.info[x].dtype != "float32" or len(shape) > len(x_shape) or
            not shape or shape[-1] != x_shape[-1] or x_shape[-1] < 0 or any(d != 1 for d in shape[:-1])):
        return None
    return scale


def fold_one(graph: Graph, mul: Node, consumers) -> bool:
    if mul.op != "mul" or mul.inputs[0] == mul.inputs[1]:
        return False
    conv = sole_consumer(graph, consumers, mul.outputs[0])
    if conv is None or conv.op not in CONVOLUTIONS or conv.inputs[0] != mul.outputs[0] or conv.attrs["dataFormat"] != "NHWC":
        return False
    for x in mul.inputs:
        scale = channel_scale(graph, mul, x)
        if scale is not None:
            break
    else:
        return False
    filter_shape = graph.info[conv.inputs[1]].shape
    column = [1] * (len(filter_shape) - 2) + [filter_shape[-2], 1]
    reshaped = graph.unique_name(f"{conv.name}/scale")
    scaled = graph.unique_name(f"{conv.name}/scaled_filter")
    new = [Node(reshaped, "reshape", [scale], [reshaped], complete_attrs("reshape", {"shape": column})),
           Node(scaled, "mul", [conv.inputs[1], reshaped], [scaled], complete_attrs("mul", {})),
           Node(conv.name, conv.op, [x, scaled, *conv.inputs[2:]], conv.outputs, dict(conv.attrs))]
    graph.replace_nodes([mul, conv], new)
    return True


def fold_channel_scale(graph: Graph) -> bool:
    return rewrite_each(graph, lambda node: fold_one(graph, node, graph.consumers()))
