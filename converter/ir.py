"""The converter's graph: named nodes whose op names and attrs are the runtime's registry entries.

Every value (graph input, constant, node output) has a TensorInfo (shape with -1
for a free dimension, runtime dtype) inferred when its node is added.  Nodes are
kept in topological order, with an index of each value's producer and readers
that the graph keeps up to date: passes change nodes' inputs and the node list
only through the Graph's methods (or by assigning `nodes`, which re-indexes).  A graph built with ``eager=True`` evaluates each node
at once with the reference kernels and keeps only constants: the ONNX reader uses
such scratch graphs to fold shape-computing subgraphs.

`parameters` names the constants that are the source model's parameters (its
weights: ONNX weight initializers, TF variables, Keras layer weights) or were
derived from them (a transposed filter, a folded batch norm): the weights model.json
lists as trainable.  Constants the converter makes up (fills, shape arithmetic,
synthesised gammas) are not parameters.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from . import control_flow, ops, reference
from .errors import ConversionError, ShapeError
from .ops import TensorInfo
from .shape_program import ShapeProgram

NUMPY_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_}


@dataclass(eq=False)  # nodes compare by identity
class Node:
    name: str
    op: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict = field(default_factory=dict)
    shape_attrs: dict = field(default_factory=dict)  # attr -> shape program value computing it at run time
    subgraphs: dict = field(default_factory=dict)  # a control-flow node's bodies by role (control_flow.py)


def runtime_dtype(array: np.ndarray) -> str:
    for name, np_type in NUMPY_DTYPES.items():
        if array.dtype == np_type:
            return name
    raise ConversionError(f"constant of numpy dtype {array.dtype} has no runtime dtype")


class Graph:
    def __init__(self, eager: bool = False, parent: Graph | None = None):
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self.nodes = []
        self.constants: dict[str, np.ndarray] = {}
        self.parameters: set[str] = set()  # constants that are (derived from) source parameters
        self.info: dict[str, TensorInfo] = {}
        self.eager = eager
        # a subgraph (control_flow.py) names its values in its root graph's namespace, and reads the
        # enclosing scope's values listed in `outer` under their own names
        self._taken: set[str] = parent._taken if parent is not None else set()
        self.outer: list[str] = []
        self.shape_program = ShapeProgram()  # shape arithmetic over free dimensions (shape_program.py)

    # ------------------------------------------------------------ the node list and its index

    @property
    def nodes(self) -> list[Node]:
        return self._nodes

    @nodes.setter
    def nodes(self, nodes):
        self._nodes: list[Node] = list(nodes)
        if not hasattr(self, "_producers"):
            self._producers: dict[str, Node] = {}
            self._consumers: dict[str, list[Node]] = defaultdict(list)
            self._live: set[int] = set()
        # the same dicts, refilled: passes hold on to them across rewrites
        self._producers.clear()
        self._consumers.clear()
        self._live.clear()
        for node in self._nodes:
            self._index(node)

    def _index(self, node: Node):
        self._live.add(id(node))
        for out in node.outputs:
            self._producers[out] = node
        for name in dict.fromkeys(node.inputs):
            self._consumers[name].append(node)

    def _unindex(self, node: Node):
        self._live.discard(id(node))
        for out in node.outputs:
            if self._producers.get(out) is node:
                del self._producers[out]
        for name in dict.fromkeys(node.inputs):
            self._consumers[name] = [n for n in self._consumers[name] if n is not node]

    def contains(self, node: Node) -> bool:
        return id(node) in self._live

    def set_inputs(self, node: Node, inputs: list[str]):
        self._unindex(node)
        for old, new in zip(node.inputs, inputs):
            if old != new:  # a captured value renamed: its subgraphs read it under the new name
                for body in node.subgraphs.values():
                    body.rename_outer(old, new)
        node.inputs = list(inputs)
        self._index(node)

    def rename_outer(self, old: str, new: str):
        """The enclosing scope's value `old` is now called `new` (in nested subgraphs too)."""
        if old not in self.outer:
            return
        self.outer = [new if o == old else o for o in self.outer]
        self.info[new] = self.info.pop(old)
        for node in list(self.nodes):
            if old in node.inputs:
                self.set_inputs(node, [new if i == old else i for i in node.inputs])
        self.outputs = [new if o == old else o for o in self.outputs]

    def add_outer(self, name: str, info: TensorInfo) -> str:
        """Makes the enclosing scope's value `name` readable here."""
        if name not in self.outer:
            self.outer.append(name)
            self.info[name] = info
        return name

    def remove_node(self, node: Node):
        self._unindex(node)
        self._nodes.remove(node)

    def replace_nodes(self, old: list[Node], new: list[Node]):
        """Swaps nodes for their rewrite, placed where the last of them stood; infers the new nodes."""
        last = max(old, key=self._nodes.index)  # list scans compare by identity, in C
        for node in old:
            self._unindex(node)
            if node is not last:
                self._nodes.remove(node)
        position = self._nodes.index(last)
        self._nodes[position:position + 1] = new
        for node in new:
            self._index(node)
            self.infer_node(node)

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

    def add_constant(self, array: np.ndarray, hint: str = "const", parameter: bool = False) -> str:
        name = self.unique_name(hint)
        self.set_constant(name, array, parameter)
        return name

    def set_constant(self, name: str, array: np.ndarray, parameter: bool | None = None):
        """Stores a constant; `parameter` marks it a parameter or not, None keeps its current mark."""
        array = np.asarray(array)
        self._taken.add(name)
        self.constants[name] = array
        self.info[name] = TensorInfo(tuple(array.shape), runtime_dtype(array))
        if parameter:
            self.parameters.add(name)
        elif parameter is not None:
            self.parameters.discard(name)

    def derived_from_parameter(self, names) -> bool:
        """Whether a constant computed from the values `names` is a parameter: iff one of them is."""
        return any(name in self.parameters for name in names)

    def _drop_constant(self, name: str):
        del self.constants[name]
        del self.info[name]
        self.parameters.discard(name)

    def add_node(self, op: str, inputs: list[str], attrs: dict | None = None, name: str | None = None,
                 outputs: list[str] | None = None, shape_attrs: dict | None = None) -> list[str]:
        """Adds one node (or, in an eager graph, its values); returns its output names. `shape_attrs`
        names the shape program values that give attrs their run-time values."""
        name = self.unique_name(name or op)
        shape_attrs = dict(shape_attrs or {})
        if shape_attrs and self.eager:
            raise ConversionError(f"node {name!r} ({op}): attrs follow a free dimension")
        try:
            attrs = ops.complete_attrs(op, attrs or {})
            infos = ops.infer(op, [self.info[i] for i in inputs], attrs, shape_attrs)
        except ShapeError as e:
            raise ShapeError(f"node {name!r} ({op}): {e}") from None
        outputs = outputs or [name if len(infos) == 1 else f"{name}:{i}" for i in range(len(infos))]
        if self.eager:
            values = reference.KERNELS[op]([self.constants[i] for i in inputs], attrs)
            for out, value in zip(outputs, values):
                self.set_constant(out, value, self.derived_from_parameter(inputs))
            return outputs
        for out, out_info in zip(outputs, infos):
            self._taken.add(out)
            self.info[out] = out_info
        node = Node(name, op, list(inputs), outputs, attrs, shape_attrs)
        self._nodes.append(node)
        self._index(node)
        return outputs

    def emit(self, op: str, *inputs: str, name: str | None = None, **attrs) -> str:
        """Adds a single-output node and returns its output."""
        return self.add_node(op, list(inputs), attrs, name)[0]

    # ------------------------------------------------------------ queries

    def is_constant(self, name: str) -> bool:
        return name in self.constants

    def producers(self) -> dict[str, Node]:
        """Value -> the node writing it (kept up to date; do not modify)."""
        return self._producers

    def consumers(self) -> dict[str, list[Node]]:
        """Value -> the nodes reading it (kept up to date; do not modify)."""
        return self._consumers

    def op_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for node in self.nodes:
            counts[node.op] += 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    # ------------------------------------------------------------ rewriting

    def replace_value(self, old: str, new: str):
        """Points every use of `old` (graph outputs included) at `new`, keeping output names stable."""
        self._redirect_readers(old, new)
        if old not in self.outputs:
            return
        if new in self._producers and new not in self.outputs:
            if old in self._producers:
                retired = self.unique_name(f"{old}/replaced")
                self._set_output_name(self._producers[old], old, retired)
                self.info[retired] = self.info[old]
            self._rename(new, old)
        else:
            self.outputs = [new if o == old else o for o in self.outputs]

    def _redirect_readers(self, old: str, new: str):
        self.shape_program.rename_graph_value(old, new)
        for node in list(self._consumers.get(old, [])):
            self.set_inputs(node, [new if i == old else i for i in node.inputs])

    def _set_output_name(self, node: Node, old: str, new: str):
        self._unindex(node)
        node.outputs = [new if o == old else o for o in node.outputs]
        self._index(node)

    def _rename(self, old: str, new: str):
        self._redirect_readers(old, new)
        if old in self._producers:
            self._set_output_name(self._producers[old], old, new)
        self.info[new] = self.info.pop(old)

    def discard_if_unused(self, name: str):
        """Drops a constant no node reads any more, so large rewritten weights do not pile up."""
        if name in self.constants and name not in self.outputs and not self._consumers.get(name):
            self._drop_constant(name)

    def remove_unused(self):
        """Drops nodes and constants nothing downstream of the graph outputs reads."""
        needed: set[str] = set(self.outputs)
        live: list[Node] = []
        for node in reversed(self.nodes):
            if any(o in needed for o in node.outputs):
                live.append(node)
                needed.update(node.inputs)
                # the shape program reads shapes of earlier values, which must then be computed
                needed.update(self.shape_program.graph_reads(node.shape_attrs.values()))
        self.nodes = live[::-1]
        self.shape_program.keep_only(v for node in self.nodes for v in node.shape_attrs.values())
        for name in list(self.constants):
            if name not in needed:
                self._drop_constant(name)
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

    def add_control_flow(self, op: str, inputs: list[str], subgraphs: dict, name: str,
                         outputs: list[str] | None = None) -> list[str]:
        """Adds an `if` or `loop` node (control_flow.py) whose inputs end with what its bodies read."""
        name = self.unique_name(name)
        try:
            infos = control_flow.output_infos(op, inputs, [self.info[i] if i else None for i in inputs], subgraphs)
        except ConversionError as e:
            raise ConversionError(f"node {name!r} ({op}): {e}") from None
        outputs = outputs or [name if len(infos) == 1 else f"{name}:{i}" for i in range(len(infos))]
        for out, out_info in zip(outputs, infos):
            self._taken.add(out)
            self.info[out] = out_info
        node = Node(name, op, list(inputs), outputs, {}, {}, dict(subgraphs))
        self._nodes.append(node)
        self._index(node)
        return outputs

    def infer_node(self, node: Node):
        """(Re)computes one node's output info; passes call it for the nodes they create."""
        if node.subgraphs:
            return  # a control-flow node's outputs follow its bodies, fixed when it was read
        try:
            infos = ops.infer(node.op, [self.info[i] for i in node.inputs], node.attrs, node.shape_attrs)
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
