"""Helpers the passes share for matching chains of nodes."""

from __future__ import annotations

from ..ir import Graph, Node


def sole_consumer(graph: Graph, consumers: dict[str, list[Node]], value: str) -> Node | None:
    """The one node reading `value`, when no other node nor a graph output reads it."""
    readers = consumers.get(value, [])
    if len(readers) != 1 or value in graph.outputs or readers[0].inputs.count(value) != 1:
        return None
    return readers[0]


def other_input(node: Node, value: str) -> str:
    return node.inputs[1] if node.inputs[0] == value else node.inputs[0]


def replace_nodes(graph: Graph, old: list[Node], new: list[Node]):
    """Swaps a matched chain for its rewrite, placed where the chain's last node stood."""
    removed = {id(n) for n in old}
    position = max(i for i, n in enumerate(graph.nodes) if id(n) in removed)
    kept_before = [n for n in graph.nodes[:position] if id(n) not in removed]
    kept_after = [n for n in graph.nodes[position + 1:] if id(n) not in removed]
    graph.nodes = kept_before + new + kept_after
    for node in new:
        graph.infer_node(node)
