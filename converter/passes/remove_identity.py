"""Removes nodes that pass their input through: Identity and inference-time Dropout (lowered to
`clone`), reshapes to the same shape, transposes by the identity permutation."""

from __future__ import annotations

from ..ir import Graph, Node


def is_pass_through(graph: Graph, node: Node) -> bool:
    if node.op == "clone":
        return True
    if node.op == "reshape":
        source = graph.info[node.inputs[0]].shape
        return -1 not in source and list(source) == list(node.attrs["shape"])
    if node.op == "transpose":
        return node.attrs["perm"] == sorted(node.attrs["perm"])
    return False


def remove_identity(graph: Graph) -> bool:
    producers = graph.producers()
    changed = False
    for node in list(graph.nodes):
        if not graph.contains(node) or not is_pass_through(graph, node):
            continue
        out, source = node.outputs[0], node.inputs[0]
        if out in graph.outputs and (source not in producers or source in graph.outputs):
            continue  # the graph's output name must survive
        graph.remove_node(node)
        graph.replace_value(out, source)
        changed = True
    return changed
