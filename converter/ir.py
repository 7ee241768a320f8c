"""The converter's graph: named nodes whose op names and attrs are the runtime's registry entries.

Every value (graph input, constant, node output) has a TensorInfo (shape with -1
for a free dimension, runtime dtype) inferred when its node is added.  Nodes are
kept in topological order.  A graph built with ``eager=True`` evaluates each node
at once with the reference kernels and keeps only constants: the ONNX reader uses
such scratch graphs to fold shape-computing subgraphs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from . import ops, reference
from .errors import ConversionError, ShapeError
from .ops import TensorInfo

NUMPY_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_}


@dataclass(eq=False)  # nodes compare by identity
class Node:
    name: str
    op: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict = field(default_factory=dict)


def runtime_dtype(array: np.ndarray) -> str:
    for name, np_type in NUMPY_DTYPES.items():
        if array.dtype == np_type:
            return name
    raise ConversionError(f"constant of numpy dtype {array.dtype} has no runtime dtype")


class Graph:
    def __init__(self, eager: bool = False):
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self.nodes: list[Node] = []
        self.constants: dict[str, np.ndarray] = {}
        self.info: dict[str, TensorInfo] = {}
        self.eager = eager
        self._taken: set[str] = set()

    # ------------------------------------------------------------ building

    def unique_name(self, hint: str) -> str:
        name, counter = hint, 1
        while name in self._taken or name in self.info:
            counter += 1
            name = f"{hint}_{counter}"
        self._taken.add(name)
        return name

    def reserve(self, names):
        """Keeps generated names clear of names the graph must end up with (its outputs)."""
        self._taken.update(names)

    def add_input(self, name: str, shape, dtype: str) -> str:
        ops.check_size(shape, f"input {name!r}")
        self._taken.add(name)
        self.inputs.append(name)
        self.info[name] = TensorInfo(tuple(int(d) for d in shape), dtype)
        return name

    def add_constant(self, array: np.ndarray, hint: str = "const") -> str:
        name = self.unique_name(hint)
        self.set_constant(name, array)
        return name

    def set_constant(self, name: str, array: np.ndarray):
        array = np.asarray(array)
        self._taken.add(name)
        self.constants[name] = array
        self.info[name] = TensorInfo(tuple(array.shape), runtime_dtype(array))

    def add_node(self, op: str, inputs: list[str], attrs: dict | None = None, name: str | None = None,
                 outputs: list[str] | None = None) -> list[str]:
        """Adds one node (or, in an eager graph, its values); returns its output names."""
        name = self.unique_name(name or op)
        try:
            attrs = ops.complete_attrs(op, attrs or {})
            infos = ops.infer(op, [self.info[i] for i in inputs], attrs)
        except ShapeError as e:
            raise ShapeError(f"node {name!r} ({op}): {e}") from None
        outputs = outputs or [name if len(infos) == 1 else f"{name}:{i}" for i in range(len(infos))]
        if self.eager:
            values = reference.KERNELS[op]([self.constants[i] for i in inputs], attrs)
            for out, value in zip(outputs, values):
                self.set_constant(out, value)
            return outputs
        for out, out_info in zip(outputs, infos):
            self._taken.add(out)
            self.info[out] = out_info
        self.nodes.append(Node(name, op, list(inputs), outputs, attrs))
        return outputs

    def emit(self, op: str, *inputs: str, name: str | None = None, **attrs) -> str:
        """Adds a single-output node and returns its output."""
        return self.add_node(op, list(inputs), attrs, name)[0]

    # ------------------------------------------------------------ queries

    def is_constant(self, name: str) -> bool:
        return name in self.constants

    def producers(self) -> dict[str, Node]:
        return {out: node for node in self.nodes for out in node.outputs}

    def consumers(self) -> dict[str, list[Node]]:
        result: dict[str, list[Node]] = defaultdict(list)
        for node in self.nodes:
            for i in dict.fromkeys(node.inputs):
                result[i].append(node)
        return result

    def op_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for node in self.nodes:
            counts[node.op] += 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    # ------------------------------------------------------------ rewriting

    def replace_value(self, old: str, new: str):
        """Points every use of `old` (graph outputs included) at `new`, keeping output names stable."""
        for node in self.nodes:
            node.inputs = [new if i == old else i for i in node.inputs]
        if old not in self.outputs:
            return
        producers = self.producers()
        if new in producers and new not in self.outputs:
            if old in producers:
                retired = self.unique_name(f"{old}/replaced")
                producers[old].outputs = [retired if o == old else o for o in producers[old].outputs]
                self.info[retired] = self.info[old]
            self._rename(new, old)
        else:
            self.outputs = [new if o == old else o for o in self.outputs]

    def _rename(self, old: str, new: str):
        for node in self.nodes:
            node.inputs = [new if i == old else i for i in node.inputs]
            node.outputs = [new if o == old else o for o in node.outputs]
        self.info[new] = self.info.pop(old)

    def discard_if_unused(self, name: str):
        """Drops a constant no node reads any more, so large rewritten weights do not pile up."""
        if name in self.constants and name not in self.outputs and not any(name in n.inputs for n in self.nodes):
            del self.constants[name]
            del self.info[name]

    def remove_unused(self):
        """Drops nodes and constants nothing downstream of the graph outputs reads."""
        needed: set[str] = set(self.outputs)
        live: list[Node] = []
        for node in reversed(self.nodes):
            if any(o in needed for o in node.outputs):
                live.append(node)
                needed.update(node.inputs)
        self.nodes = live[::-1]
        for name in list(self.constants):
            if name not in needed:
                del self.constants[name]
                del self.info[name]
        produced = {o for node in self.nodes for o in node.outputs}
        for name in list(self.info):
            if name not in needed and name not in produced and name not in self.inputs:
                del self.info[name]

    def toposort(self):
        """Restores topological order after a pass added nodes out of order."""
        available = set(self.inputs) | set(self.constants)
        pending = list(self.nodes)
        ordered: list[Node] = []
        while pending:
            remaining = []
            for node in pending:
                if all(i in available for i in node.inputs):
                    ordered.append(node)
                    available.update(node.outputs)
                else:
                    remaining.append(node)
            if len(remaining) == len(pending):
                names = ", ".join(n.name for n in remaining[:5])
                raise ConversionError(f"graph has a cycle or a dangling input around node(s) {names}")
            pending = remaining
        self.nodes = ordered

    def infer_node(self, node: Node):
        """(Re)computes one node's output info; passes call it for the nodes they create."""
        try:
            infos = ops.infer(node.op, [self.info[i] for i in node.inputs], node.attrs)
        except ShapeError as e:
            raise ShapeError(f"node {node.name!r} ({node.op}): {e}") from None
        for out, out_info in zip(node.outputs, infos):
            self._taken.add(out)
            self.info[out] = out_info

    def reinfer(self):
        """Recomputes every node's output info in order, after rewrites."""
        for node in self.nodes:
            self.infer_node(node)

    def parameter_count(self) -> int:
        return sum(int(a.size) for a in self.constants.values())
