"""Bias and activation fusion: conv2d / depthwiseConv2d / matMul -> add(bias) -> activation
becomes one fusedConv2d / fusedDepthwiseConv2d / fusedMatMul (TF.js's tf.fused ops); then a residual
add of a fused op's output (and the activation after it) becomes the fused op's addend, and one after
the fused op's activation its addend after the activation (addendAfterActivation)."""

from __future__ import annotations

import numpy as np

from ..ir import Graph, Node
from ..ops import OPS, allowed_values, complete_attrs
from .common import other_input, rewrite_each, sole_consumer

FUSED = {"conv2d": "fusedConv2d", "depthwiseConv2d": "fusedDepthwiseConv2d", "matMul": "fusedMatMul"}
# runtime op -> its name as the fused ops' activation: the schema's activation values every fused op
# takes that name an op ('leakyrelu' is leakyRelu; 'linear' is none)
ACTIVATIONS = {op: name for name in allowed_values("fusedMatMul", "activation")
               if all(name in allowed_values(fused, "activation") for fused in FUSED.values())
               for op in OPS if op.lower() == name}


def last_axis_constant(graph: Graph, name: str, channels: int) -> np.ndarray | None:
    """A constant that varies along the last axis only, flattened to [channels] (or kept [1])."""
    if not graph.is_constant(name):
        return None
    value = graph.constants[name]
    if value.size not in (1, channels) or (value.ndim and value.shape[-1] != value.size):
        return None
    return value.reshape(-1)


def fuse_one(graph: Graph, node: Node, consumers) -> bool:
    if node.op not in FUSED:
        return False
    channels = graph.info[node.outputs[0]].shape[-1]
    chain, bias, bias_source, current = [node], None, None, node.outputs[0]
    reader = sole_consumer(graph, consumers, current)
    if reader is not None and reader.op == "add":
        bias_source = other_input(reader, current)
        bias = last_axis_constant(graph, bias_source, channels)
        if bias is not None:
            chain.append(reader)
            current = reader.outputs[0]
            reader = sole_consumer(graph, consumers, current)
    attrs = dict(node.attrs)
    prelu_weights = None
    if reader is not None and reader.op in ACTIVATIONS and reader.inputs[0] == current:
        if reader.op == "prelu":
            prelu_weights = last_axis_constant(graph, reader.inputs[1], channels)
        if reader.op != "prelu" or prelu_weights is not None:
            attrs["activation"] = ACTIVATIONS[reader.op]
            if reader.op == "leakyRelu":
                attrs["leakyreluAlpha"] = reader.attrs["alpha"]
            chain.append(reader)
    if len(chain) == 1:
        return False
    inputs = list(node.inputs)
    # the flattened bias and PReLU weights keep their source's mark; a zero bias made up here is no parameter
    if bias is not None or prelu_weights is not None:
        parameter = bias is not None and bias_source in graph.parameters
        bias = bias if bias is not None else np.zeros(1, np.float32)
        inputs.append(graph.add_constant(bias, f"{node.name}/bias", parameter))
    if prelu_weights is not None:
        inputs.append(graph.add_constant(prelu_weights, f"{node.name}/prelu", chain[-1].inputs[1] in graph.parameters))
    fused = Node(node.name, FUSED[node.op], inputs, chain[-1].outputs, complete_attrs(FUSED[node.op], attrs))
    graph.replace_nodes(chain, [fused])
    return True


def activation_into_groups(graph: Graph, node: Node, consumers, producers) -> bool:
    """activation(concat(convolutions)) -> concat(fused convolutions with that activation): a grouped
    convolution's activation comes after the concat that joins its groups."""
    concat = producers.get(node.inputs[0]) if node.op in ACTIVATIONS and node.op != "prelu" else None
    if concat is None or concat.op != "concat" or sole_consumer(graph, consumers, concat.outputs[0]) is not node:
        return False
    parts = [producers.get(i) for i in concat.inputs]
    if not all(p is not None and (p.op in FUSED or (p.op in FUSED.values() and p.attrs["activation"] == "linear"))
               and sole_consumer(graph, consumers, p.outputs[0]) is concat for p in parts):
        return False
    activation = {"activation": ACTIVATIONS[node.op], "leakyreluAlpha": node.attrs.get("alpha", 0.2)}
    for part in parts:
        op = FUSED.get(part.op, part.op)
        graph.replace_nodes([part], [Node(part.name, op, part.inputs, part.outputs,
                                          complete_attrs(op, part.attrs | activation))])
    graph.remove_node(node)
    graph.replace_value(node.outputs[0], concat.outputs[0])
    return True


def fuse_bias_activation(graph: Graph) -> bool:
    return rewrite_each(graph, lambda node: fuse_one(graph, node, graph.consumers()),
                        lambda node: activation_into_groups(graph, node, graph.consumers(), graph.producers()))


def inputs_with_bias(graph: Graph, node: Node) -> list[str]:
    """node's inputs with a bias: an addend comes after one, so a node without gets a zero one (no parameter)."""
    inputs = list(node.inputs)
    if len(inputs) == 2:
        inputs.append(graph.add_constant(np.zeros(1, np.float32), f"{node.name}/bias", False))
    return inputs


def residual_add(graph: Graph, node: Node, consumers) -> tuple[Node | None, str | None]:
    """(add, other) where the one reader of node's output is an add of it and `other`, a float32 value of its
    fixed shape that is not a constant (a residual connection); (None, None) otherwise."""
    out = node.outputs[0]
    add = sole_consumer(graph, consumers, out)
    if add is None or add.op != "add":
        return None, None
    other = other_input(add, out)
    info, other_info = graph.info[out], graph.info[other]
    if (graph.is_constant(other) or other_info.dtype != "float32" or info.dtype != "float32" or
            tuple(other_info.shape) != tuple(info.shape) or any(d < 0 for d in info.shape)):
        return None, None
    return add, other


def residual_into_fused(graph: Graph, node: Node, consumers) -> bool:
    """fused op (linear; or the op it fuses) -> add(other value shaped like its output) -> activation becomes the fused op with
    `other` as its addend and that activation: a residual connection (MobileNet and MediaPipe blocks:
    conv, add the block's input, relu or prelu) in one kernel. The fused node takes the place of the last
    node it replaces, after whatever computes `other`."""
    plain = node.op in FUSED
    if not plain and (node.op not in FUSED.values() or node.attrs["activation"] != "linear" or len(node.inputs) > 3):
        return False
    add, other = residual_add(graph, node, consumers)
    if add is None:
        return False
    info = graph.info[node.outputs[0]]
    chain, attrs, prelu_weights = [node, add], dict(node.attrs), None
    reader = sole_consumer(graph, consumers, add.outputs[0])
    if reader is not None and reader.op in ACTIVATIONS and reader.inputs[0] == add.outputs[0]:
        if reader.op == "prelu":
            prelu_weights = last_axis_constant(graph, reader.inputs[1], info.shape[-1])
        if reader.op != "prelu" or prelu_weights is not None:
            attrs["activation"] = ACTIVATIONS[reader.op]
            if reader.op == "leakyRelu":
                attrs["leakyreluAlpha"] = reader.attrs["alpha"]
            chain.append(reader)
    inputs = inputs_with_bias(graph, node)
    if prelu_weights is not None:
        inputs.append(graph.add_constant(prelu_weights, f"{node.name}/prelu", chain[-1].inputs[1] in graph.parameters))
    inputs.append(other)
    op = FUSED.get(node.op, node.op)
    graph.replace_nodes(chain, [Node(node.name, op, inputs, chain[-1].outputs, complete_attrs(op, attrs))])
    return True


def residual_after_activation(graph: Graph, node: Node, consumers) -> bool:
    """fused op (an activation, no addend) -> add(other value shaped like its output) becomes the fused op with
    `other` as its addend after the activation: x + relu(depthwiseConv2d(x)), MediaPipe's selfie decoder blocks."""
    if node.op not in FUSED.values() or node.attrs["activation"] == "linear" or node.attrs.get("addendAfterActivation"):
        return False
    extras = 2 if node.attrs["activation"] == "prelu" else 1
    add, other = residual_add(graph, node, consumers) if len(node.inputs) <= 2 + extras else (None, None)
    if add is None:
        return False
    inputs = inputs_with_bias(graph, node)
    attrs = complete_attrs(node.op, dict(node.attrs, addendAfterActivation=True))
    graph.replace_nodes([node, add], [Node(node.name, node.op, [*inputs, other], add.outputs, attrs)])
    return True


def fuse_residual_add(graph: Graph) -> bool:
    return rewrite_each(graph, lambda node: residual_into_fused(graph, node, graph.consumers()),
                        lambda node: residual_after_activation(graph, node, graph.consumers()))
