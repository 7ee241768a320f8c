"""What every graph reader shares while it lowers source nodes into runtime ops.

A reader walks its source graph node by node; for each node a lowering
function (registered in the reader's `LoweringTable` under the source op
type) reads the node's inputs through a `Lowering` context and emits runtime
ops into the IR. Values computable while converting (shapes and the
arithmetic on them) are kept as `Known` arrays instead of being emitted, and
a node whose inputs are all known is evaluated while reading (`folded`).  The
Keras reader, which lowers layers rather than nodes, shares the `Lowerings`
table, the handling of --input-shape and the binding of outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

import math

import numpy as np

from .. import ops
from ..errors import ConversionError
from ..ir import Graph

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
FREE_DIM_STANDINS = (7, 11)  # sizes a free dimension takes in the two evaluations of a partial value
EAGER_LIMIT = 1 << 16  # most elements a node may read to be folded while reading


@dataclass
class ReadResult:
    """What a reader hands the converter: the graph, and what `verify` and model.json say of the source."""
    graph: Graph
    opset: int | None  # ONNX's opset, TF's GraphDef producer version; None for Keras
    producer: str
    source_inputs: dict[str, str]  # input name -> the source's dtype name, for verify's feeds
    layers: Any = None  # a Keras model written as tensorweb-layers (keras.LayersModel), else None
    notes: list[str] = field(default_factory=list)  # what the user should know of the conversion
    exact_float16: bool = False  # the source stored its weights as float16: the writer keeps them float16
    metadata: dict = field(default_factory=dict)  # the source's own (labels, input normalisation), for model.json
    source_grids: dict = field(default_factory=dict)  # constant -> quantize.SourceGrid: 8-bit weights kept so


class Unsupported(Exception):
    """One node that cannot be lowered; gathered with the others into UnsupportedOpsError."""


def narrow(array: np.ndarray, what: str) -> np.ndarray:
    """Brings an array to a runtime dtype: floats to float32, integers to int32 (range-checked)."""
    if array.dtype == np.bool_:
        return array
    if is_float(array):
        return array.astype(np.float32, copy=False)
    if np.issubdtype(array.dtype, np.integer):
        if array.size and (array.min() < INT32_MIN or array.max() > INT32_MAX):
            raise ConversionError(f"{what}: values from {array.min()} to {array.max()} do not fit in int32")
        return array.astype(np.int32, copy=False)
    raise ConversionError(f"{what}: numpy dtype {array.dtype} has no runtime equivalent")


def runtime_dtype_of_array(array: np.ndarray) -> str:
    """The runtime dtype `narrow` gives an array."""
    if array.dtype == np.bool_:
        return "bool"
    return "int32" if np.issubdtype(array.dtype, np.integer) else "float32"


def is_float(array: np.ndarray) -> bool:
    return np.issubdtype(array.dtype, np.floating) or array.dtype.name == "bfloat16"


def input_shape(name: str, declared: list[int] | None, overrides: dict[str, list[int]]) -> list[int] | None:
    """An input's shape: the model's (None for an unknown rank), or the one --input-shape gives it,
    which must keep the model's fixed sizes."""
    override = overrides.get(name)
    if override is None:
        return declared
    if declared is not None and (len(override) != len(declared)
                                 or any(d >= 0 and o != d for d, o in zip(declared, override))):
        raise ConversionError(f"--input-shape {name}:{override} does not match the model's {declared}")
    return override


def check_input_shapes_named(overrides: dict[str, list[int]], inputs) -> None:
    """Every --input-shape must name one of the model's `inputs`."""
    unknown = set(overrides) - set(inputs)
    if unknown:
        raise ConversionError(f"--input-shape names no model input: {sorted(unknown)} (the model's inputs: "
                              f"{', '.join(inputs) or 'none'})")


def bind_output(graph: Graph, value: str, name: str) -> None:
    """Makes `value` the graph output `name`: the node writing it is renamed, unless no node writes
    it (an input, a constant) or it is already an output; then a clone carries the name."""
    if value != name:
        if value in graph.producers() and value not in graph.outputs:
            graph._rename(value, name)
        else:
            graph.add_node("clone", [value], {}, name, outputs=[name])
    graph.outputs.append(name)


def folded_parameter(inputs: list[Known], value: np.ndarray) -> bool:
    """Whether a value a reader folded from `inputs` is a parameter: a float computed from one."""
    return is_float(value) and any(k.parameter for k in inputs)


def worth_folding(inputs: list[Known]) -> bool:
    """Whether a node whose inputs are all known is evaluated while reading: small inputs, and
    shape arithmetic (a free dimension's stand-ins among them, or no float: known float tensors
    are weights, which stay weights)."""
    if sum(k.value.size for k in inputs) > EAGER_LIMIT:
        return False
    return any(k.partial for k in inputs) or all(not np.issubdtype(k.value.dtype, np.floating) for k in inputs)


def folded(inputs: list[Known], evaluate: Callable[[list[Known]], dict[Any, np.ndarray]]) -> dict[Any, Known] | None:
    """A node's outputs (by the reader's keys) evaluated on its known `inputs`: once, or with each
    free-dimension stand-in when an input is partial.  None when they are not fixed while converting,
    so the node must be emitted instead: an output's shape follows the free dimension, or a stand-in
    size makes no sense to the node (emitted, it runs on the real size, or is reported)."""
    variants = 2 if any(k.partial for k in inputs) else 1
    evaluations = []
    for variant in range(variants):
        try:
            evaluations.append(evaluate([Known(k.variant(variant)) for k in inputs]))
        except ConversionError:
            if variants == 1:
                raise
            return None
    first, last = evaluations[0], evaluations[-1]
    if any(first[key].shape != last[key].shape for key in first):
        return None
    return {key: Known(value, None if np.array_equal(value, last[key]) else last[key],
                       parameter=folded_parameter(inputs, value)) for key, value in first.items()}


@dataclass
class Known:
    """A value known while converting; `alternate` is set when it depends on a free dimension
    (it is the value computed with the free dimensions at another size). `hint` names the weight
    it becomes; `ir_name` remembers that constant once added to the graph.  `parameter` marks a
    source model parameter (or a value computed from one): its constant is a Graph parameter."""
    value: np.ndarray
    alternate: np.ndarray | None = None
    hint: str | None = None
    ir_name: str | None = None
    parameter: bool = False
    symbol: str | None = None  # the shape program value computing it at run time (shape_program.py)

    @property
    def partial(self) -> bool:
        return self.alternate is not None

    def symbol_in(self, program, hint: str) -> str:
        """Its shape program value; a value fixed while converting becomes a literal there."""
        if self.symbol is None:
            if self.partial:
                raise Unsupported(f"{hint} follows a free dimension through a computation the shape program "
                                  f"does not express; fix its size with --input-shape")
            value = self.value
            if np.issubdtype(value.dtype, np.integer):  # int64 sentinels (INT64_MAX slice ends) clamp to int32
                value = np.clip(value, INT32_MIN, INT32_MAX)
            self.symbol = program.const(value, f"{hint}/const")
        return self.symbol

    def variant(self, index: int) -> np.ndarray:
        return self.alternate if index and self.partial else self.value

    def entries(self) -> list[int]:
        """Integer entries, -1 where a free dimension decides them."""
        flat, other = self.value.reshape(-1), self.variant(1).reshape(-1)
        return [int(a) if a == b else -1 for a, b in zip(flat, other)]


class Lowering:
    """The context of one source node being lowered; readers add how inputs and attributes are read.

    Subclasses provide `info(index)`, `const(index)`, and set `graph` and `node_name`.
    """

    graph: Graph
    node_name: str

    def info(self, index: int) -> ops.TensorInfo:
        raise NotImplementedError

    def const(self, index: int) -> np.ndarray:
        raise NotImplementedError

    def set_known(self, index: int, value: np.ndarray, alternate: np.ndarray | None = None):
        raise NotImplementedError

    def set_known_shape(self, index: int, dims) -> None:
        """Output `index` is the int32 vector `dims`, whose free (-1) entries are known only at run time."""
        values = [np.array([d if d >= 0 else standin for d in dims], np.int32) for standin in FREE_DIM_STANDINS]
        self.set_known(index, values[0], values[1] if -1 in dims else None)

    def set_known_size(self, index: int, dims) -> None:
        """Output `index` is the element count of a tensor of shape `dims`."""
        sizes = [np.int32(math.prod(d if d >= 0 else s for d in dims)) for s in FREE_DIM_STANDINS]
        self.set_known(index, np.array(sizes[0]), np.array(sizes[1]) if -1 in dims else None)

    def shape(self, index: int) -> tuple[int, ...]:
        return self.info(index).shape

    def rank(self, index: int) -> int:
        return len(self.shape(index))

    def const_ints(self, index: int) -> list[int]:
        return [int(v) for v in self.const(index).reshape(-1)]

    def emit(self, op: str, *inputs: str, **attrs) -> str:
        return self.graph.emit(op, *inputs, name=self.node_name, **attrs)

    def emit_many(self, op: str, inputs: list[str], **attrs) -> list[str]:
        return self.graph.add_node(op, inputs, attrs, self.node_name)

    def constant(self, array, hint: str = "const", parameter: bool = False) -> str:
        return self.graph.add_constant(np.asarray(array), f"{self.node_name}/{hint}", parameter)

    def reshape_to_known(self, x: str, target: Known, copy_zeros: bool = False) -> str:
        """Reshapes `x` to a target known while converting, whose entries may follow free dimensions.

        -1 infers an entry; with `copy_zeros` (ONNX) a 0 copies the input's dimension.
        """
        input_shape = self.graph.info[x].shape
        variants = []
        for variant, standin in enumerate(FREE_DIM_STANDINS):
            # resolve the target with the free dimensions at their stand-in sizes
            source = [d if d >= 0 else standin for d in input_shape]
            dims = [int(d) for d in target.variant(variant).reshape(-1)]
            dims = [source[i] if d == 0 and copy_zeros and i < len(source) else d for i, d in enumerate(dims)]
            if -1 in dims:
                rest = math.prod(d for d in dims if d != -1)
                dims[dims.index(-1)] = math.prod(source) // rest if rest else 0
            variants.append(dims)
        # entries that did not move with the free dimensions are fixed; the others stay free
        dims = [a if a == b else -1 for a, b in zip(*variants)]
        if dims.count(-1) <= 1:  # the runtime's reshape infers one free entry itself
            return self.reshape(x, dims)
        program = self.graph.shape_program
        symbol = target.symbol_in(program, f"{self.node_name}/shape")
        raw = [int(d) for d in target.value.reshape(-1)]
        if copy_zeros and 0 in raw:  # ONNX: a 0 entry copies the input's dimension
            shape = program.add("shape", [], {"of": x, "start": 0, "end": None}, f"{self.node_name}/input_shape")
            if len(raw) > len(input_shape):
                pad = program.const(np.ones(len(raw) - len(input_shape), np.int64), f"{self.node_name}/ones")
                shape = program.add("concat", [shape, pad], {"axis": 0}, f"{self.node_name}/padded_shape")
            starts, ends = (program.const(np.array([v], np.int64), f"{self.node_name}/{w}")
                            for w, v in (("start", 0), ("end", len(raw))))
            shape = program.add("slice", [shape, starts, ends], {}, f"{self.node_name}/leading_shape")
            zero = program.const(np.array(0, np.int64), f"{self.node_name}/zero")
            is_zero = program.add("equal", [symbol, zero], {}, f"{self.node_name}/is_zero")
            symbol = program.add("where", [is_zero, shape, symbol], {}, f"{self.node_name}/target")
        return self.graph.add_node("reshape", [x], {"shape": dims}, self.node_name, shape_attrs={"shape": symbol})[0]

    def reshape(self, x: str, shape: list[int]) -> str:
        """A reshape whose target may hold free (-1) entries; one of them can be left to the runtime."""
        if shape.count(-1) > 1:
            raise Unsupported(f"reshape to {shape} has {shape.count(-1)} free dimensions and no shape program "
                              f"computing them; fix the others with --input-shape")
        return self.emit("reshape", x, shape=shape)


Context = TypeVar("Context", bound=Lowering)
Lower = TypeVar("Lower", bound=Callable)


class Lowerings(Generic[Lower], dict[str, Lower]):
    """Source op type (a Keras layer class) -> the function that lowers it."""

    def lowers(self, *op_types: str):
        """Decorator: registers the function for each of `op_types`."""
        def register(fn: Lower) -> Lower:
            for op_type in op_types:
                self[op_type] = fn
            return fn
        return register


class LoweringTable(Lowerings[Callable[[Context], None]]):
    """The lowerings of a graph reader, each of which works through a `Lowering` context."""

    def unary(self, op: str) -> Callable[[Context], None]:
        """The lowering of a one-input source op that is runtime op `op`."""
        def lower(ctx: Context):
            ctx.output(0, ctx.emit(op, ctx.tensor(0)))
        return lower
