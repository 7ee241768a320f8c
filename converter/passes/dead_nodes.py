"""Dead-node removal: nodes and weights that no graph output depends on."""

from __future__ import annotations

from ..ir import Graph


def remove_dead_nodes(graph: Graph) -> bool:
    before = (len(graph.nodes), len(graph.constants))
    graph.remove_unused()
    return (len(graph.nodes), len(graph.constants)) != before
