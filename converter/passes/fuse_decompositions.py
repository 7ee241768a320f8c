"""Recognises layer norm and GELU written out in elementwise ops (PyTorch's exports before opset 17
and 20) and replaces each with the runtime's layerNorm / gelu."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..ir import Graph, Node
from .common import other_input, sole_consumer

SQRT2 = math.sqrt(2)


def scalar(graph: Graph, name: str) -> float | None:
    if graph.is_constant(name) and graph.constants[name].size == 1:
        return float(graph.constants[name].reshape(-1)[0])
    return None


def close(value: float | None, target: float) -> bool:
    return value is not None and math.isclose(value, target, rel_tol=1e-5)


def produced(producers, name: str, op: str) -> Node | None:
    node = producers.get(name)
    return node if node is not None and node.op == op else None


def trailing_axes(graph: Graph, node: Node) -> list[int] | None:
    """A keepDims mean over the last axes, as negative axis numbers."""
    rank = len(graph.info[node.inputs[0]].shape)
    axes = sorted(ops.normalize_axis(a, rank) for a in node.attrs["axis"])
    if not node.attrs["keepDims"] or axes != list(range(rank - len(axes), rank)):
        return None
    return [a - rank for a in axes]


def match_layer_norm(graph: Graph, divide: Node, producers, consumers):
    """div(x - mean(x), sqrt(mean((x - mean(x))^2) + eps)) [* gamma] [+ beta]; returns (nodes, rewrite)."""
    centred, root = divide.inputs
    sqrt = produced(producers, root, "sqrt")
    shift = sqrt and produced(producers, sqrt.inputs[0], "add")
    variance = shift and (produced(producers, shift.inputs[0], "mean") or produced(producers, shift.inputs[1], "mean"))
    epsilon = variance and scalar(graph, other_input(shift, variance.outputs[0]))
    sub = produced(producers, centred, "sub")
    mean = sub and produced(producers, sub.inputs[1], "mean")
    square = variance and producers.get(variance.inputs[0])
    if None in (sqrt, shift, variance, epsilon, sub, mean, square) or mean.inputs[0] != sub.inputs[0]:
        return None
    squares_centred = (square.op == "pow" and square.inputs[0] == centred and close(scalar(graph, square.inputs[1]), 2)
                       ) or (square.op == "mul" and square.inputs == [centred, centred])
    axes = trailing_axes(graph, mean)
    if not squares_centred or axes is None or trailing_axes(graph, variance) != axes:
        return None
    inner = [mean, sub, square, variance, shift, sqrt, divide]
    if any(len(consumers.get(n.outputs[0], [])) != (2 if n is sub else 1) or n.outputs[0] in graph.outputs
           for n in inner[:-1]):
        return None
    x, end = sub.inputs[0], divide
    affine = {}
    for op, role in (("mul", "gamma"), ("add", "beta")):
        reader = sole_consumer(graph, consumers, end.outputs[0])
        if reader is not None and reader.op == op and graph.is_constant(other_input(reader, end.outputs[0])):
            affine[role] = other_input(reader, end.outputs[0])
            inner.append(reader)
            end = reader
    inputs = [x]
    if affine:
        normalized = graph.info[x].shape[len(graph.info[x].shape) + axes[0]:]
        # a gamma of ones made up here is no parameter of the source model: not trainable
        gamma = affine.get("gamma") or graph.add_constant(np.ones(normalized, np.float32), f"{divide.name}/gamma")
        inputs += [gamma] + ([affine["beta"]] if "beta" in affine else [])
    rewrite = Node(divide.name, "layerNorm", inputs, end.outputs,
                   ops.complete_attrs("layerNorm", {"axis": axes, "epsilon": epsilon}))
    return inner, rewrite


def match_gelu(graph: Graph, erf: Node, producers, consumers):
    """x * 0.5 * (1 + erf(x / sqrt(2))), multiplied in any order; returns (nodes, rewrite)."""
    scaled = producers.get(erf.inputs[0])
    if scaled is None or scaled.op not in ("div", "mul") or not close(
            scalar(graph, scaled.inputs[1]), SQRT2 if scaled.op == "div" else 1 / SQRT2):
        return None
    x = scaled.inputs[0]
    one_plus = sole_consumer(graph, consumers, erf.outputs[0])
    if one_plus is None or one_plus.op != "add" or not close(scalar(graph, other_input(one_plus, erf.outputs[0])), 1):
        return None
    first = sole_consumer(graph, consumers, one_plus.outputs[0])
    if first is None or first.op != "mul":
        return None
    partner = other_input(first, one_plus.outputs[0])
    half_x = produced(producers, partner, "mul")
    if half_x is not None and x in half_x.inputs and close(scalar(graph, other_input(half_x, x)), 0.5):
        inner, end = [first], first  # (x * 0.5) * (1 + erf)
    else:  # (x * (1 + erf)) * 0.5 or (0.5 * (1 + erf)) * x
        second = sole_consumer(graph, consumers, first.outputs[0])
        if second is None or second.op != "mul":
            return None
        remaining = other_input(second, first.outputs[0])
        if not ((partner == x and close(scalar(graph, remaining), 0.5))
                or (remaining == x and close(scalar(graph, partner), 0.5))):
            return None
        inner, end = [first, second], second
    if len(consumers.get(scaled.outputs[0], [])) != 1 or scaled.outputs[0] in graph.outputs:
        return None
    rewrite = Node(erf.name, "gelu", [x], end.outputs, ops.complete_attrs("gelu", {"approximate": False}))
    return [scaled, erf, one_plus, *inner], rewrite


MATCHERS = {"div": match_layer_norm, "erf": match_gelu}


def fuse_decompositions(graph: Graph) -> bool:
    changed = False
    for node in list(graph.nodes):
        if node.op not in MATCHERS or not graph.contains(node):
            continue
        found = MATCHERS[node.op](graph, node, graph.producers(), graph.consumers())
        if found:
            graph.replace_nodes(found[0], [found[1]])
            changed = True
    if changed:
        graph.remove_unused()
    return changed
