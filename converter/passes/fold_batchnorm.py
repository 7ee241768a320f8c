"""Batch-norm folding: conv2d / depthwiseConv2d / matMul [+ bias] -> batchNorm becomes the op with
scaled weights plus one bias add (which fuse.py then folds into a fused op).  A batchNorm after the
channel concat of such ops (a grouped convolution lowered to split/conv2d/concat) folds into each of them."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ir import Graph, Node
from .common import other_input, rewrite_each, sole_consumer

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


def affine(graph: Graph, batch_norm: Node, channels: int):
    """batchNorm(x) as x * scale + shift, or None when its statistics are not constants."""
    params = [channel_vector(graph, name, channels) for name in batch_norm.inputs[1:]]
    if any(p is None for p in params):
        return None
    mean, variance = params[0], params[1]
    offset = params[2] if len(params) > 2 else np.zeros(channels)
    gamma = params[3] if len(params) > 3 else np.ones(channels)
    scale = gamma / np.sqrt(variance + batch_norm.attrs["varianceEpsilon"])
    return scale, offset - mean * scale


def foldable(graph: Graph, node: Node | None) -> bool:
    return node is not None and node.op in FOLDABLE and graph.is_constant(node.inputs[1])


def scaled_copy(graph: Graph, node: Node, scale: np.ndarray, bias: np.ndarray, output: str, batch_norm: Node,
                added: str | None) -> list[Node] | None:
    """node with its weight scaled, then add(bias) writing `output`.  The scaled weight is a parameter iff
    the weight or what the scale comes from (variance, gamma) is; the bias iff the constant `added` before
    the batch norm or one of its statistics is."""
    weight = scaled_filter(node, graph.constants[node.inputs[1]], scale.astype(np.float32))
    if weight is None:
        return None
    statistics = batch_norm.inputs[1:]
    weight_name = graph.add_constant(weight, f"{node.inputs[1]}/folded", graph.derived_from_parameter(
        [node.inputs[1], *statistics[1:2], *statistics[3:4]]))
    scaled = Node(node.name, node.op, [node.inputs[0], weight_name], [graph.unique_name(f"{node.name}/scaled")],
                  node.attrs)
    bias_name = graph.add_constant(bias.astype(np.float32), f"{node.name}/bias",
                                   graph.derived_from_parameter([*statistics, *([added] if added else [])]))
    return [scaled, Node(graph.unique_name(f"{node.name}/bias"), "add", [scaled.outputs[0], bias_name], [output], {})]


def fold_one(graph: Graph, node: Node, consumers) -> bool:
    if not foldable(graph, node):
        return False
    channels = graph.info[node.outputs[0]].shape[-1]
    chain, bias, added, current = [node], np.zeros(channels), None, node.outputs[0]
    reader = sole_consumer(graph, consumers, current)
    if reader is not None and reader.op == "add":
        added = other_input(reader, current)
        vector = channel_vector(graph, added, channels)
        if vector is None:
            return False
        bias, current = vector, reader.outputs[0]
        chain.append(reader)
        reader = sole_consumer(graph, consumers, current)
    if reader is None or reader.op != "batchNorm" or reader.inputs[0] != current:
        return False
    folded = affine(graph, reader, channels)
    rewrite = folded and scaled_copy(graph, node, folded[0], bias * folded[0] + folded[1], reader.outputs[0],
                                     reader, added)
    if not rewrite:
        return False
    graph.replace_nodes([*chain, reader], rewrite)
    graph.discard_if_unused(node.inputs[1])
    return True


def group_feeding(graph: Graph, value: str, reader: Node, producers, consumers):
    """(op, its bias, the bias constant, the nodes) when `value`, read only by `reader`, is a foldable op
    [+ constant bias]."""
    node = producers.get(value)
    if node is None or sole_consumer(graph, consumers, value) is not reader:
        return None
    channels = graph.info[value].shape[-1]
    if node.op == "add":
        source = next((i for i in node.inputs if foldable(graph, producers.get(i))), None)
        bias = source and channel_vector(graph, other_input(node, source), channels)
        if bias is None or sole_consumer(graph, consumers, source) is not node:
            return None
        return producers[source], bias, other_input(node, source), [producers[source], node]
    return (node, np.zeros(channels), None, [node]) if foldable(graph, node) else None


def fold_into_concat(graph: Graph, concat: Node, consumers, producers) -> bool:
    shape = graph.info[concat.outputs[0]].shape
    if concat.op != "concat" or ops.normalize_axis(concat.attrs["axis"], len(shape)) != len(shape) - 1:
        return False
    reader = sole_consumer(graph, consumers, concat.outputs[0])
    groups = [group_feeding(graph, i, concat, producers, consumers) for i in concat.inputs]
    if reader is None or reader.op != "batchNorm" or len(set(concat.inputs)) != len(groups) or None in groups:
        return False
    folded = affine(graph, reader, shape[-1])
    if folded is None:
        return False
    rewrite, replaced, start, outputs = [], [], 0, []
    for (node, bias, added, chain), value in zip(groups, concat.inputs):
        window = slice(start, start + len(bias))
        outputs.append(graph.unique_name(f"{node.name}/normalised"))
        nodes = scaled_copy(graph, node, folded[0][window], bias * folded[0][window] + folded[1][window],
                            outputs[-1], reader, added)
        if nodes is None:
            return False
        rewrite += nodes
        replaced += chain
        start += len(bias)
    rewrite.append(Node(concat.name, "concat", outputs, reader.outputs, concat.attrs))
    graph.replace_nodes([*replaced, concat, reader], rewrite)
    for node, *_ in groups:
        graph.discard_if_unused(node.inputs[1])
    return True


def fold_batchnorm(graph: Graph) -> bool:
    return rewrite_each(graph, lambda node: fold_one(graph, node, graph.consumers()) or fold_into_concat(
        graph, node, graph.consumers(), graph.producers()))
