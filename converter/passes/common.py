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
