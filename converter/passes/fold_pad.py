"""Zero padding of the spatial dims right before a convolution becomes the convolution's own padding.

PyTorch's convolutions pad both sides alike, so a model that pads unevenly (TensorFlow's "SAME" for
a strided convolution, as in EfficientNet-Lite) is exported as a Pad node then an unpadded Conv.
"""

from __future__ import annotations

from ..ir import Graph
from .common import sole_consumer

CONVOLUTIONS = ("conv2d", "depthwiseConv2d")


def spatial_pairs(paddings) -> list[list[int]] | None:
    """The (before, after) pairs of H and W when an NHWC padding leaves batch and channels alone."""
    if len(paddings) != 4 or list(paddings[0]) != [0, 0] or list(paddings[3]) != [0, 0]:
        return None
    return [list(p) for p in paddings[1:3]]


def fold_pad_into_conv(graph: Graph) -> bool:
    consumers = graph.consumers()
    changed = False
    for pad in list(graph.nodes):
        if pad.op != "pad" or pad.attrs["constantValue"] != 0 or not graph.contains(pad):
            continue
        added = spatial_pairs(pad.attrs["paddings"])
        conv = sole_consumer(graph, consumers, pad.outputs[0])
        if (added is None or conv is None or conv.op not in CONVOLUTIONS or conv.inputs[0] != pad.outputs[0]
                or conv.attrs["dataFormat"] != "NHWC" or conv.attrs["pad"] == "same"):
            continue  # "same" pads by the input's size, which the folded pad would change
        own = [[0, 0], [0, 0]] if conv.attrs["pad"] == "valid" else spatial_pairs(conv.attrs["pad"])
        conv.attrs["pad"] = [[0, 0], *([a + b for a, b in zip(x, y)] for x, y in zip(added, own)), [0, 0]]
        graph.set_inputs(conv, [pad.inputs[0], *conv.inputs[1:]])
        graph.remove_node(pad)
        changed = True
    return changed
