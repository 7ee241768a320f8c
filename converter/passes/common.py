"""Helpers the passes share: matching chains of nodes, and applying a rewrite over the graph."""

from __future__ import annotations

from collections.abc import Callable

from ..ir import Graph, Node


def sole_consumer(graph: Graph, consumers: dict[str, list[Node]], value: str) -> Node | None:
    """The one node reading `value`, when no other node nor a graph output reads it."""
    readers = consumers.get(value, [])
    if len(readers) != 1 or value in graph.outputs or readers[0].inputs.count(value) != 1:
        return None
    return readers[0]


def other_input(node: Node, value: str) -> str:
    return node.inputs[1] if node.inputs[0] == value else node.inputs[0]


def rewrite_each(graph: Graph, *rewrites: Callable[[Node], bool]) -> bool:
    """Applies each rewrite to every node still in the graph, in order; then, if any changed it, drops what no
    node reads any more and infers shapes again. True when the graph changed."""
    changed = False
    for rewrite in rewrites:
        for node in list(graph.nodes):
            if graph.contains(node) and rewrite(node):
                changed = True
    if changed:
        graph.remove_unused()
        graph.reinfer()
    return changed
