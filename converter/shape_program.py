"""The shape program: shape arithmetic over free dimensions, kept for the runtime to evaluate.

A value a reader computes from a free dimension (Shape -> Gather -> Concat, a Range's length...)
cannot be fixed while converting. The reader evaluates it with stand-in sizes (to learn its
shape and which entries stay fixed) and also records how to compute it as nodes of the graph's
shape program: small integer arrays computed from the actual shapes of graph values. A runtime
node whose attribute follows such a value names it in `shapeAttrs` (attribute -> program value);
the runtime evaluates the program on the CPU when a new set of input shapes arrives, and the
attribute takes the program's value (its entries as a list, or a scalar for a one-element value).

Ops and their meaning (the ONNX operators of the same name; `axis`/`axes` and the like are
attrs, everything else is an input):

    shape {of, start, end}   the shape of graph value `of` (entries start:end)
    size {of}                its element count
    const {values, shape}    a literal (row-major values)
    gather {axis}  concat {axis}  unsqueeze {axes}  squeeze {axes}
    slice (data, starts, ends, axes?, steps?)  reshape {allowzero} (data, shape)
    expand (data, shape)  range (start, limit, delta)
    add sub mul div mod min max neg equal less greater where not cast {to}  reduceProd {axes, keepdims}

Integer division truncates toward zero, as ONNX's Div does on integers.
This module is the program's Python evaluator (for reference.run and verify); the runtime's is
js/src/graph/shape_program.ts, with the same ops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .errors import ConversionError


@dataclass
class ShapeNode:
    name: str
    op: str
    inputs: list[str]
    attrs: dict = field(default_factory=dict)


def _int_div(a, b):
    if np.issubdtype(np.result_type(a, b), np.floating):
        return np.asarray(a) / np.asarray(b)
    if np.any(np.asarray(b) == 0):
        raise ValueError("integer division by zero")
    return np.trunc(np.asarray(a, np.float64) / np.asarray(b, np.float64)).astype(np.int64)


def _slice(inputs, attrs):
    data, starts, ends = inputs[0], inputs[1].reshape(-1), inputs[2].reshape(-1)
    axes = inputs[3].reshape(-1) if len(inputs) > 3 else np.arange(len(starts))
    steps = inputs[4].reshape(-1) if len(inputs) > 4 else np.ones(len(starts), np.int64)
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        if step == 0:
            raise ValueError("slice step 0")
        index[int(axis) % data.ndim] = slice(int(start), int(end), int(step))  # clamped as ONNX clamps
    return data[tuple(index)]


def _reshape(inputs, attrs):
    data, target = inputs[0], [int(d) for d in inputs[1].reshape(-1)]
    if not attrs.get("allowzero", 0):
        target = [data.shape[i] if d == 0 else d for i, d in enumerate(target)]
    return data.reshape(target)


def _cast(inputs, attrs):
    return inputs[0].astype({"int": np.int64, "float": np.float64, "bool": np.bool_}[attrs["to"]])


OPS: dict[str, Callable[[list[np.ndarray], dict], np.ndarray]] = {
    "gather": lambda i, a: np.take(i[0], i[1].astype(np.int64), axis=a["axis"]),
    "concat": lambda i, a: np.concatenate(i, axis=a["axis"]),
    "unsqueeze": lambda i, a: np.expand_dims(i[0], tuple(a["axes"])),
    "squeeze": lambda i, a: np.squeeze(i[0], tuple(a["axes"])) if a["axes"] else np.squeeze(i[0]),
    "slice": _slice,
    "reshape": _reshape,
    "expand": lambda i, a: i[0] * np.ones([int(d) for d in i[1].reshape(-1)], i[0].dtype),
    "range": lambda i, a: np.arange(i[0].item(), i[1].item(), i[2].item()).astype(i[0].dtype),
    "add": lambda i, a: i[0] + i[1],
    "sub": lambda i, a: i[0] - i[1],
    "mul": lambda i, a: i[0] * i[1],
    "div": lambda i, a: _int_div(i[0], i[1]),
    "mod": lambda i, a: np.mod(i[0], i[1]),
    "min": lambda i, a: np.minimum(i[0], i[1]),
    "max": lambda i, a: np.maximum(i[0], i[1]),
    "neg": lambda i, a: -i[0],
    "equal": lambda i, a: np.equal(i[0], i[1]),
    "less": lambda i, a: np.less(i[0], i[1]),
    "greater": lambda i, a: np.greater(i[0], i[1]),
    "where": lambda i, a: np.where(i[0], i[1], i[2]),
    "not": lambda i, a: np.logical_not(i[0]),
    "cast": _cast,
    "reduceProd": lambda i, a: np.prod(i[0], axis=tuple(a["axes"]) if a["axes"] else None,
                                       keepdims=bool(a["keepdims"])),
}
SOURCE_OPS = ("shape", "size", "const")  # read graph shapes or literals, no program inputs


class ShapeProgram:
    """The graph's shape program: nodes in an order that runs (each reads earlier ones)."""

    def __init__(self):
        self.nodes: list[ShapeNode] = []
        self._by_name: dict[str, ShapeNode] = {}

    def __len__(self):
        return len(self.nodes)

    def add(self, op: str, inputs: list[str], attrs: dict, hint: str) -> str:
        if op not in OPS and op not in SOURCE_OPS:
            raise ConversionError(f"shape program: no op {op!r}")
        name, counter = hint, 1
        while name in self._by_name:
            counter += 1
            name = f"{hint}_{counter}"
        node = ShapeNode(name, op, list(inputs), dict(attrs))
        self.nodes.append(node)
        self._by_name[name] = node
        return name

    def const(self, array: np.ndarray, hint: str) -> str:
        array = np.asarray(array)
        kind = "float" if np.issubdtype(array.dtype, np.floating) else "bool" if array.dtype == np.bool_ else "int"
        values = [v.item() if kind != "int" else int(v) for v in array.reshape(-1)]
        return self.add("const", [], {"values": values, "shape": list(array.shape), "dtype": kind}, hint)

    def closure(self, names) -> list[ShapeNode]:
        """The nodes computing `names`, in program order."""
        wanted, pending = set(), list(names)
        while pending:
            name = pending.pop()
            if name not in wanted:
                if name not in self._by_name:
                    raise ConversionError(f"shape program: no value {name!r}")
                wanted.add(name)
                pending.extend(self._by_name[name].inputs)
        return [n for n in self.nodes if n.name in wanted]

    def graph_reads(self, names) -> set[str]:
        """The graph values whose shapes the program reads to compute `names`."""
        return {n.attrs["of"] for n in self.closure(names) if n.op in ("shape", "size")}

    def rename_graph_value(self, old: str, new: str):
        for node in self.nodes:
            if node.op in ("shape", "size") and node.attrs["of"] == old:
                node.attrs["of"] = new

    def keep_only(self, names):
        """Drops the nodes no value of `names` needs."""
        kept = {n.name for n in self.closure(names)}
        self.nodes = [n for n in self.nodes if n.name in kept]
        self._by_name = {n.name: n for n in self.nodes}

    def to_json(self) -> list[dict]:
        return [{"name": n.name, "op": n.op, "inputs": n.inputs, "attrs": n.attrs} for n in self.nodes]

    def evaluate(self, names, shape_of: Callable[[str], tuple]) -> dict[str, np.ndarray]:
        """The values `names`, with graph values' shapes read through `shape_of`."""
        values: dict[str, np.ndarray] = {}
        for node in self.closure(names):
            values[node.name] = evaluate_node(node, [values[i] for i in node.inputs], shape_of)
        return {name: values[name] for name in names}


def evaluate_node(node: ShapeNode, inputs: list[np.ndarray], shape_of: Callable[[str], tuple]) -> np.ndarray:
    attrs = node.attrs
    if node.op == "shape":
        dims = list(shape_of(attrs["of"]))
        return np.array(dims[slice(attrs.get("start", 0), attrs.get("end"))], np.int64)
    if node.op == "size":
        return np.array(math.prod(shape_of(attrs["of"])), np.int64)
    if node.op == "const":
        dtype = {"int": np.int64, "float": np.float64, "bool": np.bool_}[attrs["dtype"]]
        return np.array(attrs["values"], dtype).reshape(attrs["shape"])
    try:
        return np.asarray(OPS[node.op](inputs, attrs))
    except (ValueError, IndexError, TypeError) as e:
        raise ConversionError(f"shape program value {node.name!r} ({node.op}): {e}") from None


def attr_value(value: np.ndarray):
    """A program value as a runtime attribute: a list of its entries, or the scalar of a rank-0 value."""
    value = np.asarray(value)
    if value.ndim == 0:
        return value.item()
    return [v.item() for v in value.reshape(-1)]
