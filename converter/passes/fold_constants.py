"""Constant folding: a node whose inputs are all weights is evaluated now, with the reference kernels.
The result is a parameter (trainable) iff one of the node's inputs is."""

from __future__ import annotations

from .. import ops, reference
from ..ir import Graph

SMALL_RESULT = 1 << 16  # results may grow past their inputs up to this many elements


def fold_constants(graph: Graph) -> bool:
    changed = False
    for node in list(graph.nodes):
        if not graph.contains(node) or node.shape_attrs or node.subgraphs or not all(graph.is_constant(i) for i in node.inputs) or any(o in graph.outputs for o in node.outputs):
            continue
        input_size = sum(graph.constants[i].size for i in node.inputs)
        output_size = sum(max(0, ops.num_elements(graph.info[o].shape)) for o in node.outputs)
        if output_size > max(input_size, SMALL_RESULT):
            continue  # folding would store a much larger weight than it saves work
        values = reference.KERNELS[node.op]([graph.constants[i] for i in node.inputs], node.attrs)
        graph.remove_node(node)
        for out, value in zip(node.outputs, values):
            graph.set_constant(out, value, graph.derived_from_parameter(node.inputs))
        changed = True
    return changed

