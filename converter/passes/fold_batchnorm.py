"""Batch-norm folding: conv2d / depthwiseConv2d / matMul [+ bias] -> batchNorm becomes the op with
scaled weights plus one bias add (which fuse.py then folds into a fused op)."""

from __future__ import annotations

import numpy as np

from ..ir import Graph, Node
from .common import other_input, replace_nodes, sole_consumer

FOLDABLE = ("conv2d", "depthwiseConv2d", "matMul")


def scaled_filter(node: Node, weight: np.ndarray, scale: np.ndarray) -> np.ndarray | None:
    """The weight with output channel k multiplied by scale[k]; None when the layout does not allow it."""
    if node.op == "conv2d":
        return weight * scale
    if node.op == "depthwiseConv2d":
        return weight * scale.reshape(weight.shape[2], weight.shape[3])
    if node.op == "matMul" and weight.ndim == 2 and not node.attrs["transposeA"]:
        return weight * (scale[:, None] if node.attrs["transposeB"] else scale)
    return None


def channel_vector(graph: Graph, name: str, channels: int) -> np.ndarray | None:
    """A constant broadcast along the last axis only, as a [channels] float64 vector."""
    if not graph.is_constant(name):
        return None
    value = graph.constants[name]
    if value.size not in (1, channels) or (value.ndim and value.shape[-1] != value.size):
        return None
    return np.broadcast_to(value.reshape(-1).astype(np.float64), (channels,))


def fold_one(graph: Graph, node: Node, consumers) -> bool:
    if node.op not in FOLDABLE or not graph.is_constant(node.inputs[1]):
        return False
    channels = graph.info[node.outputs[0]].shape[-1]
    chain = [node]
    bias = np.zeros(channels)
    current = node.outputs[0]
    reader = sole_consumer(graph, consumers, current)
    if reader is not None and reader.op == "add":
        vector = channel_vector(graph, other_input(reader, current), channels)
        if vector is None:
            return False
        bias, current = vector, reader.outputs[0]
        chain.append(reader)
        reader = sole_consumer(graph, consumers, current)
    if reader is None or reader.op != "batchNorm" or reader.inputs[0] != current:
        return False
    params = [channel_vector(graph, name, channels) for name in reader.inputs[1:]]
    if any(p is None for p in params):
        return False
    mean, variance = params[0], params[1]
    offset = params[2] if len(params) > 2 else np.zeros(channels)
    gamma = params[3] if len(params) > 3 else np.ones(channels)
    scale = gamma / np.sqrt(variance + reader.attrs["varianceEpsilon"])
    weight = scaled_filter(node, graph.constants[node.inputs[1]], scale.astype(np.float32))
    if weight is None:
        return False
    chain.append(reader)
    folded = Node(node.name, node.op, [node.inputs[0], graph.add_constant(weight, f"{node.name}/folded_filter")],
                  [graph.unique_name(f"{node.name}/scaled")], node.attrs)
    new_bias = graph.add_constant(((bias - mean) * scale + offset).astype(np.float32), f"{node.name}/folded_bias")
    add = Node(graph.unique_name(f"{reader.name}/bias"), "add", [folded.outputs[0], new_bias], reader.outputs, {})
    replace_nodes(graph, chain, [folded, add])
    graph.discard_if_unused(node.inputs[1])
    return True


def fold_batchnorm(graph: Graph) -> bool:
    changed = False
    for node in list(graph.nodes):
        if node in graph.nodes and fold_one(graph, node, graph.consumers()):
            changed = True
    if changed:
        graph.remove_unused()
        graph.reinfer()
    return changed
