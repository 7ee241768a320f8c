"""NCHW -> NHWC: cancels the transposes the ONNX reader puts around every channels-last op.

The reader lowers NCHW ops as transpose -> NHWC op -> transpose.  This pass pushes
each transpose down through ops that do not care about layout (elementwise ops,
concat, reductions, softmax, pad, slice, split), merges consecutive transposes and
drops identity ones, so that transposes remain only where the graph meets its
inputs and outputs (or an op the pass cannot see through).
"""

from __future__ import annotations

import itertools
from typing import Callable

import numpy as np

from .. import ops
from ..ir import Graph, Node

MAX_ROUNDS = 1000

# op -> rule(attrs, perm) -> (new attrs, output perm) or None; `perm` is the input transposes' perm
Rule = Callable[[dict, list[int]], tuple[dict, list[int]] | None]


def keep(attrs, perm):
    return attrs, perm


def permuted_axis(name):
    def rule(attrs, perm):
        return attrs | {name: perm[ops.normalize_axis(attrs[name], len(perm))]}, perm
    return rule


def reduced_perm(perm, reduced):
    remaining = [perm[i] for i in range(len(perm)) if i not in reduced]
    order = sorted(remaining)
    return [order.index(v) for v in remaining]


def reduction(attrs, perm):
    axes = [ops.normalize_axis(a, len(perm)) for a in attrs["axis"]]
    out_perm = perm if attrs["keepDims"] else reduced_perm(perm, set(axes))
    return attrs | {"axis": sorted(perm[a] for a in axes)}, out_perm


def arg_reduction(attrs, perm):
    axis = ops.normalize_axis(attrs["axis"], len(perm))
    return attrs | {"axis": perm[axis]}, reduced_perm(perm, {axis})


def per_axis(*names):
    """Attrs holding one entry per axis (paddings, begin, size) move with the axes."""
    def rule(attrs, perm):
        moved = {}
        for name in names:
            values = [None] * len(perm)
            for i, p in enumerate(perm):
                values[p] = attrs[name][i]
            moved[name] = values
        return attrs | moved, perm
    return rule


ELEMENTWISE_OPS = (set(ops.UNARY_OPS) | set(ops.BINARY_OPS) | set(ops.COMPARISON_OPS)
                   | {"gelu", "leakyRelu", "hardSigmoid", "prelu", "clipByValue", "logicalNot", "isNaN", "cast", "where"})
RULES: dict[str, Rule] = {
    **{op: keep for op in ELEMENTWISE_OPS},
    **{op: reduction for op in ops.REDUCE_OPS},
    "argMax": arg_reduction,
    "argMin": arg_reduction,
    "concat": permuted_axis("axis"),
    "cumsum": permuted_axis("axis"),
    "split": permuted_axis("axis"),
    "softmax": permuted_axis("dim"),
    "logSoftmax": permuted_axis("axis"),
    "pad": per_axis("paddings"),
    "mirrorPad": per_axis("paddings"),
    "slice": per_axis("begin", "size"),
}
# ops whose every input is laid out like the output; the others only move their first input
ALL_INPUTS_OPS = ELEMENTWISE_OPS | {"concat"}


def inverse(perm):
    result = [0] * len(perm)
    for i, p in enumerate(perm):
        result[p] = i
    return result


def untransposed_constant(array: np.ndarray, perm: list[int]) -> np.ndarray:
    """The constant c' with transpose(c', perm) == c (after broadcasting c to the full rank)."""
    full = array.reshape((1,) * (len(perm) - array.ndim) + array.shape)
    moved = np.ascontiguousarray(np.transpose(full, inverse(perm)))
    while moved.ndim > 1 and moved.shape[0] == 1:
        moved = moved[0]  # leading unit dims broadcast anyway: the transposed operand has the full rank
    return moved


def sink(graph: Graph, node: Node, producers: dict[str, Node]) -> bool:
    """Rewrites node(transpose(x)...) as transpose(node(x...)) when every input allows it."""
    positions = range(len(node.inputs)) if node.op in ALL_INPUTS_OPS else range(1)
    transposes = [producers.get(node.inputs[i]) for i in positions]
    perms = {tuple(t.attrs["perm"]) for t in transposes if t is not None and t.op == "transpose"}
    if len(perms) != 1:
        return False
    perm = list(perms.pop())
    new_inputs = list(node.inputs)
    for i, t in zip(positions, transposes):
        name = node.inputs[i]
        if t is not None and t.op == "transpose":
            new_inputs[i] = t.inputs[0]
        elif graph.is_constant(name) and graph.constants[name].ndim <= len(perm):
            new_inputs[i] = graph.add_constant(untransposed_constant(graph.constants[name], perm), name,
                                               name in graph.parameters)
        elif ops.num_elements(graph.info[name].shape) != 1:
            return False  # a runtime tensor in the other layout
    rewritten = RULES[node.op](node.attrs, perm)
    if rewritten is None:
        return False
    attrs, out_perm = rewritten
    inner = Node(graph.unique_name(node.name), node.op, new_inputs,
                 [graph.unique_name(f"{o}/nhwc") for o in node.outputs], attrs)
    outer = [Node(graph.unique_name(f"{node.name}/transpose"), "transpose", [inner_out], [out],
                  {"perm": out_perm}) for inner_out, out in zip(inner.outputs, node.outputs)]
    graph.replace_nodes([node], [inner, *outer])
    return True


def merge(graph: Graph, node: Node, producers: dict[str, Node]) -> bool:
    """transpose(transpose(x)) -> one transpose; identity transposes disappear."""
    source = producers.get(node.inputs[0])
    if source is not None and source.op == "transpose":
        first = source.attrs["perm"]
        graph.set_inputs(node, [source.inputs[0]])
        node.attrs = {"perm": [first[p] for p in node.attrs["perm"]]}
        return True
    return False


def reshape_through(graph: Graph, node: Node, consumers: dict[str, list[Node]]) -> bool:
    """reshape(transpose(x)) -> reshape(x) when the transpose only moves unit dimensions."""
    readers = consumers.get(node.outputs[0], [])
    if not readers or node.outputs[0] in graph.outputs or any(r.op != "reshape" for r in readers):
        return False
    shape = graph.info[node.inputs[0]].shape
    moved = [p for p in node.attrs["perm"] if shape[p] != 1]
    if moved != sorted(moved):
        return False
    for reader in list(readers):
        graph.set_inputs(reader, [node.inputs[0]])
    return True


def flatten_into_weights(graph: Graph, node: Node, consumers: dict[str, list[Node]]) -> bool:
    """matMul(reshape(transpose(x)), W) -> matMul(reshape(x), W with its rows reordered).

    The NCHW flatten before a classifier (AlexNet, VGG) otherwise keeps a real transpose inside the graph.
    """
    perm, shape = node.attrs["perm"], graph.info[node.inputs[0]].shape
    readers = consumers.get(node.outputs[0], [])
    if perm[0] != 0 or -1 in shape[1:] or len(readers) != 1 or node.outputs[0] in graph.outputs:
        return False
    flatten = readers[0]
    features = ops.num_elements(shape[1:])
    if flatten.op != "reshape" or list(graph.info[flatten.outputs[0]].shape[1:]) != [features]:
        return False
    matmuls = consumers.get(flatten.outputs[0], [])
    if len(matmuls) != 1 or flatten.outputs[0] in graph.outputs:
        return False
    matmul = matmuls[0]
    if (matmul.op != "matMul" or matmul.inputs[0] != flatten.outputs[0] or matmul.attrs["transposeA"]
            or not graph.is_constant(matmul.inputs[1]) or graph.constants[matmul.inputs[1]].ndim != 2):
        return False
    # feature j of the transposed flatten is element source[j] of x's own flatten
    source = np.transpose(np.arange(features).reshape(shape[1:]), [p - 1 for p in perm[1:]]).reshape(-1)
    weight = graph.constants[matmul.inputs[1]]
    reordered = np.empty_like(weight)
    if matmul.attrs["transposeB"]:
        reordered[:, source] = weight
    else:
        reordered[source] = weight
    weight_nhwc = graph.add_constant(reordered, f"{matmul.name}/weight_nhwc", matmul.inputs[1] in graph.parameters)
    graph.set_inputs(matmul, [matmul.inputs[0], weight_nhwc])
    graph.set_inputs(flatten, [node.inputs[0]])
    return True


def chain_end(graph: Graph, node: Node, consumers) -> bool:
    """The last reshape/transpose of a run of them (a live node)."""
    readers = consumers.get(node.outputs[0], [])
    return (node.op in ("reshape", "transpose") and graph.contains(node)
            and not (len(readers) == 1 and readers[0].op in ("reshape", "transpose")))


def channel_permutation(graph: Graph, end: Node, producers, consumers) -> bool:
    """A chain of reshapes and transposes that amounts to reordering the last axis and one transpose
    (ShuffleNet's channel shuffle seen through the layout transposes around it) becomes one gather of
    that axis and that transpose, which can then move on or cancel."""
    chain = [end]
    while True:
        source = producers.get(chain[-1].inputs[0])
        if (source is None or source.op not in ("reshape", "transpose") or source.outputs[0] in graph.outputs
                or len(consumers.get(source.outputs[0], [])) != 1):
            break
        chain.append(source)
    chain.reverse()
    start = chain[0].inputs[0]
    shape, out_shape = graph.info[start].shape, graph.info[end.outputs[0]].shape
    rank, channels = len(shape), shape[-1]
    if len(chain) < 3 or len(out_shape) != rank or rank < 2 or -1 in shape[1:] or channels < 2:
        return False
    # run the chain on element numbers, with a batch of 2 so that the batch's own position is checked too
    values = np.arange(2 * ops.num_elements(shape[1:])).reshape((2, *shape[1:]))
    for node in chain:
        if node.op == "transpose":
            values = values.transpose(node.attrs["perm"])
            continue
        # a target that spells the graph's batch out (ShuffleNet's [1, groups, ...]) is given the batch of 2
        target = list(node.attrs["shape"])
        if target and target[0] == shape[0] and ops.num_elements(target[1:]) * 2 == values.size:
            target[0] = 2
        try:
            values = values.reshape(target)
        except ValueError:  # a reshape that mixes the batch with other dims: no channel permutation
            return False
    for perm in itertools.permutations(range(rank)):
        if perm[0] != 0 or values.shape != tuple((2, *shape[1:])[p] for p in perm):
            continue
        rows = values.transpose(inverse(list(perm))).reshape(-1, channels)
        order = rows[0]
        if sorted(order) == list(range(channels)) and np.array_equal(
                rows, np.arange(len(rows))[:, None] * channels + order):
            break
    else:
        return False
    rewrite, current = [], start
    if list(order) != sorted(order):
        indices = graph.add_constant(order.astype(np.int32), f"{end.name}/channel_order")
        current = graph.unique_name(f"{end.name}/shuffled")
        rewrite.append(Node(graph.unique_name(f"{end.name}/gather"), "gather", [start, indices], [current],
                            {"axis": rank - 1, "batchDims": 0}))
    # the (possibly identity) transpose left over; identity ones are dropped with the others
    rewrite.append(Node(graph.unique_name(f"{end.name}/transpose"), "transpose", [current], end.outputs,
                        {"perm": list(perm)}))
    graph.replace_nodes(chain, rewrite)
    return True


def to_channels_last(graph: Graph) -> bool:
    producers, consumers = graph.producers(), graph.consumers()  # kept current by the graph
    changed_any = False
    for _ in range(MAX_ROUNDS):
        changed = False
        # before sinking moves elementwise ops into a shuffle's chain, and after it moved them out
        for node in list(graph.nodes):
            if chain_end(graph, node, consumers):
                changed |= channel_permutation(graph, node, producers, consumers)
        for node in list(graph.nodes):
            if not graph.contains(node):
                continue
            if node.op == "transpose":
                changed |= (merge(graph, node, producers) or reshape_through(graph, node, consumers)
                            or flatten_into_weights(graph, node, consumers))
            elif node.op in RULES:
                changed |= sink(graph, node, producers)
        for node in list(graph.nodes):
            if node.op == "transpose" and node.attrs["perm"] == sorted(node.attrs["perm"]) and (
                    node.outputs[0] not in graph.outputs or node.inputs[0] in producers):
                graph.remove_node(node)
                graph.replace_value(node.outputs[0], node.inputs[0])
                changed = True
        graph.remove_unused()
        changed_any |= changed
        if not changed:
            break
    graph.reinfer()
    return changed_any
