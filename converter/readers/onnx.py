"""ONNX reader: lowers an ONNX model (opsets 7 to 23) into an ir.Graph of runtime ops.

Each ONNX op has one lowering function in LOWERINGS.  Lowerings see an OnnxLowering
context: the graph being built, the runtime tensor behind each ONNX value, and
the ONNX values whose contents are known at conversion time (initializers,
Constant nodes, shapes).  A node whose inputs are all known and which computes
shapes (integer data, or data read from a Shape) is evaluated right away on a
scratch graph with the reference kernels, so Shape -> Gather -> Concat ->
Reshape chains become constant attrs.  A shape read from a free dimension is
"partially known": it is evaluated twice, with the free dimensions set to two
different sizes, and the entries that differ stay free (-1).

NCHW ops (convolution, pooling, batch norm, resize...) are lowered as
transpose -> NHWC runtime op -> transpose; passes/layout.py cancels the pairs.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
from onnx import AttributeProto, TensorProto, numpy_helper

from .. import ops
from ..errors import ConversionError, MalformedModelError, UnsupportedOpsError
from ..ir import Graph
from .lowering import (FREE_DIM_STANDINS, INT32_MAX, Known, Lowering, LoweringTable, ReadResult, Unsupported, bind_output,
                       check_input_shapes_named, folded, input_shape, is_float, narrow, runtime_dtype_of_array,
                       worth_folding)
from .loading import check_text, parse_message
from .onnx_wire import WireError, model_without_weights

MIN_OPSET, MAX_OPSET = 7, 23
FLOAT32_MAX = float(np.finfo(np.float32).max)

FLOAT_TYPES = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.BFLOAT16}
INT_TYPES = {TensorProto.INT8, TensorProto.INT16, TensorProto.INT32, TensorProto.INT64, TensorProto.UINT8,
             TensorProto.UINT16, TensorProto.UINT32, TensorProto.UINT64}


def runtime_dtype_of(elem_type: int, what: str) -> str:
    if elem_type in FLOAT_TYPES:
        return "float32"
    if elem_type in INT_TYPES:
        return "int32"
    if elem_type == TensorProto.BOOL:
        return "bool"
    raise ConversionError(f"{what}: element type {TensorProto.DataType.Name(elem_type)} is not supported")


# ------------------------------------------------------------------------ loading


def load_model(path: Path) -> onnx.ModelProto:
    """The model's structure; inline weights become references into the file (see onnx_wire)."""
    try:
        data = model_without_weights(path)
    except OSError as e:
        raise MalformedModelError(f"{path}: cannot read ({e.strerror})") from None
    except WireError as e:
        raise MalformedModelError(f"{path}: not a valid ONNX protobuf (truncated or corrupt: {e})") from None
    model = parse_message(onnx.ModelProto, data, path, "ONNX")
    if not model.HasField("graph") or not model.graph.output or not model.opset_import:
        raise MalformedModelError(f"{path}: not an ONNX model (no graph, outputs or opset)")
    check_names(model.graph, path)
    return model


def check_names(graph: onnx.GraphProto, path: Path):
    """The names of the graph's nodes, inputs, outputs and initializers are text."""
    names = [name for n in graph.node for name in (n.name, n.op_type, *n.input, *n.output)]
    check_text(names + [v.name for v in (*graph.input, *graph.output, *graph.initializer)], path)


def tensor_array(tensor: TensorProto, base_dir: Path, what: str) -> np.ndarray:
    """The contents of an initializer or Constant tensor, checked against its declared size."""
    dims = list(tensor.dims)
    if any(d < 0 for d in dims):
        raise MalformedModelError(f"{what}: negative dimension in {dims}")
    count = math.prod(dims)
    if count > ops.MAX_ELEMENTS:
        raise MalformedModelError(f"{what}: declares {count} elements, past the limit of {ops.MAX_ELEMENTS}")
    if tensor.data_type in (TensorProto.STRING, TensorProto.UNDEFINED):
        raise ConversionError(f"{what}: tensors of type {TensorProto.DataType.Name(tensor.data_type)} are not supported")
    if tensor.data_location == TensorProto.EXTERNAL:
        return external_array(tensor, base_dir, dims, what)
    try:
        np_type = onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type)
    except (KeyError, ValueError):
        raise MalformedModelError(f"{what}: unknown element type {tensor.data_type}") from None
    if tensor.HasField("raw_data") and len(tensor.raw_data) != count * np_type.itemsize:
        raise MalformedModelError(f"{what}: holds {len(tensor.raw_data)} bytes, its shape {dims} needs "
                                  f"{count * np_type.itemsize}")
    try:
        return numpy_helper.to_array(tensor)
    except (ValueError, TypeError) as e:
        raise MalformedModelError(f"{what}: contents do not match its shape {dims} ({e})") from None


def external_array(tensor: TensorProto, base_dir: Path, dims: list[int], what: str) -> np.ndarray:
    entries = {e.key: e.value for e in tensor.external_data}
    location = entries.get("location", "")
    folder = base_dir.resolve()
    target = (folder / location).resolve()
    if not location or os.path.isabs(location) or folder not in target.parents:
        raise MalformedModelError(f"{what}: external data {location!r} is not a file inside {folder}")
    np_type = onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type)
    expected = math.prod(dims) * np_type.itemsize
    try:
        offset, length = int(entries.get("offset", 0)), int(entries.get("length", expected))
    except ValueError:
        raise MalformedModelError(f"{what}: external data offset/length are not integers") from None
    if length != expected:
        raise MalformedModelError(f"{what}: holds {length} bytes, its shape {dims} needs {expected}")
    try:
        with open(target, "rb") as f:
            f.seek(offset)
            array = np.fromfile(f, dtype=np_type.newbyteorder("<"), count=math.prod(dims))
    except (OSError, ValueError) as e:
        raise MalformedModelError(f"{what}: cannot read external data {location!r} ({e})") from None
    if array.nbytes != length:
        raise MalformedModelError(f"{what}: external data {location!r} is truncated")
    return array.reshape(dims).astype(np_type, copy=False)


# ------------------------------------------------------------------------ the lowering context

ATTRIBUTE_KINDS = {int: AttributeProto.INT, float: AttributeProto.FLOAT, str: AttributeProto.STRING,
                   "ints": AttributeProto.INTS, "floats": AttributeProto.FLOATS, "tensor": AttributeProto.TENSOR,
                   "graph": AttributeProto.GRAPH}


class OnnxLowering(Lowering):
    """What a lowering function works with while it lowers one ONNX node."""

    def __init__(self, graph: Graph, known: dict[str, Known], opset: int, base_dir: Path,
                 parent: OnnxLowering | None = None):
        self.graph = graph
        self.parent = parent  # the enclosing scope's context, while lowering a control-flow body
        self.known = known
        self.values: dict[str, str] = {}  # ONNX value name -> IR value name
        self.opset = opset
        self.base_dir = base_dir
        self.node: onnx.NodeProto | None = None
        self.node_name = ""
        self.attributes: dict[str, AttributeProto] = {}

    # -- the node being lowered

    def begin(self, node: onnx.NodeProto, name: str):
        self.node, self.node_name = node, name
        self.attributes = {a.name: a for a in node.attribute}

    def has(self, index: int) -> bool:
        return index < len(self.node.input) and self.node.input[index] != ""

    def input_name(self, index: int) -> str:
        if not self.has(index):
            raise Unsupported(f"input {index} is missing")
        return self.node.input[index]

    def attr(self, name: str, default, kind=None):
        """An attribute's value, checked against the type its default (or kind) implies."""
        if name not in self.attributes:
            return default
        attribute = self.attributes[name]
        kind = kind or type(default)
        if attribute.type != ATTRIBUTE_KINDS[kind]:
            raise ConversionError(f"node {self.node_name!r} ({self.node.op_type}): attribute {name!r} has type "
                                  f"{AttributeProto.AttributeType.Name(attribute.type)}, expected "
                                  f"{AttributeProto.AttributeType.Name(ATTRIBUTE_KINDS[kind])}")
        value = onnx.helper.get_attribute_value(attribute)
        if kind is str:
            return value.decode("utf-8", "replace")
        if kind in ("ints", "floats"):
            return list(value)
        return value

    def ints(self, name: str, default=None):
        return self.attr(name, default, "ints")

    # -- values

    def info(self, index: int) -> ops.TensorInfo:
        name = self.input_name(index)
        if name in self.values:
            return self.graph.info[self.values[name]]
        if name in self.known:  # without adding it to the graph: a lowering may only need its shape
            value = self.known[name].value
            return ops.TensorInfo(tuple(value.shape), runtime_dtype_of_array(value))
        return self.graph.info[self.tensor(index)]

    def tensor(self, index: int) -> str:
        """The IR value of input `index`, adding known contents to the graph as a constant."""
        name = self.input_name(index)
        if name in self.values:
            return self.values[name]
        if name not in self.known:
            outer = self.outer_value(name)
            if outer is None:
                raise ConversionError(f"node {self.node_name!r}: input {name!r} is produced by no earlier node")
            return outer
        known = self.known[name]
        if known.partial:
            ir_name = self.computed_scalar(name, known)
            self.values[name] = ir_name
            return ir_name
        return self.known_constant(name, known, "tensor")

    def known_constant(self, name: str, known: Known, what: str) -> str:
        """The IR value of known contents `name`, added to the graph as a constant; an enclosing
        scope's weight read in a body stays one weight there, read as an outer value, so that the
        bodies (and the graph) sharing it train one variable, as in the source framework."""
        if known.parameter and self.parent is not None and name not in self.known.maps[0]:
            if name not in self.parent.values:
                self.parent.known_constant(name, self.parent.known[name], what)
            return self.outer_value(name)
        ir_name = self.graph.add_constant(narrow(known.value, f"{what} {name!r}"), name, known.parameter)
        self.values[name] = ir_name
        return ir_name

    def outer_value(self, name: str) -> str | None:
        """An enclosing scope's runtime value `name`, made readable in this body (control_flow.py)."""
        if self.parent is None:
            return None
        ir_name = self.parent.values.get(name) or self.parent.outer_value(name)
        if ir_name is not None:
            self.values[name] = self.graph.add_outer(ir_name, self.parent.graph.info[ir_name])
        return ir_name

    def computed_scalar(self, name: str, known: Known) -> str:
        """A one-element value that follows a free dimension (a past length added to position ids) as a
        runtime tensor: a fill whose value the shape program computes."""
        if known.value.size != 1:
            raise Unsupported(f"input {name!r} depends on a free dimension at run time; "
                              f"fix its size with --input-shape")
        program = self.graph.shape_program
        symbol = known.symbol_in(program, name)
        if known.value.ndim:
            symbol = program.add("squeeze", [symbol], {"axes": list(range(known.value.ndim))}, f"{name}/scalar")
        value = narrow(known.value, f"tensor {name!r}")
        return self.graph.add_node("fill", [], {"shape": list(value.shape), "value": value.item(),
                                                "dtype": runtime_dtype_of_array(value)},
                                   self.node_name, shape_attrs={"value": symbol})[0]

    def const(self, index: int) -> np.ndarray:
        """The contents of input `index`, which must be known while converting."""
        name = self.input_name(index)
        if name not in self.known:
            raise Unsupported(f"input {name!r} must be a constant")
        if self.known[name].partial:
            raise Unsupported(f"input {name!r} depends on a free dimension; fix its size with --input-shape")
        return self.known[name].value

    def is_parameter(self, index: int) -> bool:
        """Whether input `index` is known and a parameter, so that constants made from it are too."""
        known = self.known.get(self.input_name(index))
        return known is not None and known.parameter

    def dims(self, index: int) -> list[int]:
        """An integer vector input (a shape, say) with -1 where a free dimension decides the entry."""
        name = self.input_name(index)
        if name not in self.known:
            raise Unsupported(f"input {name!r} must be computable while converting")
        return self.known[name].entries()

    def output(self, index: int, ir_name: str):
        if index < len(self.node.output) and self.node.output[index]:
            self.values[self.node.output[index]] = ir_name

    def known_input(self, index: int) -> Known | None:
        return self.known.get(self.input_name(index)) if self.has(index) else None

    def set_symbol(self, index: int, op: str, attrs: dict, inputs: tuple[str, ...] = ()):
        """Output `index` (known, partially) is computed at run time by a shape program node."""
        known = self.known[self.node.output[index]]
        known.symbol = self.graph.shape_program.add(op, list(inputs), attrs, f"{self.node_name}:{index}")

    def set_known(self, index: int, value: np.ndarray, alternate: np.ndarray | None = None):
        if index < len(self.node.output) and self.node.output[index]:
            ops.check_size(value.shape, f"node {self.node_name!r} output")
            self.known[self.node.output[index]] = Known(np.asarray(value), alternate)

    # -- emitting

    def channels_last(self, x: str) -> str:
        """NCHW -> NHWC in front of a runtime op that works channels-last."""
        rank = len(self.graph.info[x].shape)
        return self.emit("transpose", x, perm=[0, *range(2, rank), 1])

    def channels_first(self, y: str) -> str:
        rank = len(self.graph.info[y].shape)
        return self.emit("transpose", y, perm=[0, rank - 1, *range(1, rank - 1)])


Lower = Callable[[OnnxLowering], None]
LOWERINGS: LoweringTable[OnnxLowering] = LoweringTable()
lowers = LOWERINGS.lowers


# ------------------------------------------------------------------------ elementwise

UNARY = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Exp": "exp", "Log": "log", "Sqrt": "sqrt",
         "Neg": "neg", "Abs": "abs", "Reciprocal": "reciprocal", "Floor": "floor", "Ceil": "ceil",
         "Round": "round", "Sin": "sin", "Cos": "cos", "Erf": "erf", "Sign": "sign", "Softplus": "softplus",
         "Not": "logicalNot", "IsNaN": "isNaN", "Identity": "clone", "HardSwish": "hardSwish",
         "Softsign": "softsign"}
BINARY = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Pow": "pow", "Mod": "mod", "Equal": "equal",
          "Less": "less", "Greater": "greater", "LessOrEqual": "lessEqual", "GreaterOrEqual": "greaterEqual",
          "And": "logicalAnd", "Or": "logicalOr"}
VARIADIC = {"Max": "maximum", "Min": "minimum", "Sum": "add", "Mean": "add"}


def binary(op: str) -> Lower:
    def lower(ctx: OnnxLowering):
        a, b = ctx.tensor(0), ctx.tensor(1)
        a_type, b_type = ctx.graph.info[a].dtype, ctx.graph.info[b].dtype
        if a_type != b_type:  # Pow may raise floats to integer powers
            b = ctx.emit("cast", b, dtype=a_type)
        # the runtime's div is real division; floorDiv matches ONNX's truncating integer Div on the
        # non-negative sizes and indices integer division meets in practice
        chosen = "floorDiv" if op == "div" and a_type == "int32" else op
        ctx.output(0, ctx.emit(chosen, a, b))
    return lower


def variadic(op: str, average: bool) -> Lower:
    def lower(ctx: OnnxLowering):
        total = ctx.tensor(0)
        for i in range(1, len(ctx.node.input)):
            total = ctx.emit(op, total, ctx.tensor(i))
        if average and len(ctx.node.input) > 1:
            total = ctx.emit("div", total, ctx.constant(np.float32(len(ctx.node.input)), "count"))
        ctx.output(0, total)
    return lower


LOWERINGS.update({onnx_op: LOWERINGS.unary(op) for onnx_op, op in UNARY.items()})
LOWERINGS.update({onnx_op: binary(op) for onnx_op, op in BINARY.items()})
LOWERINGS.update({onnx_op: variadic(op, onnx_op == "Mean") for onnx_op, op in VARIADIC.items()})


@lowers("Dropout")
def lower_dropout(ctx):
    """Inference-time Dropout passes its input through (removed by passes/remove_identity.py)."""
    if ctx.has(2) and bool(ctx.const(2).reshape(-1)[0]):
        raise Unsupported("Dropout in training mode")
    ctx.output(0, ctx.emit("clone", ctx.tensor(0)))
    if len(ctx.node.output) > 1 and ctx.node.output[1]:
        shape = ctx.shape(0)
        if -1 in shape:
            raise Unsupported("Dropout mask output over free dimensions")
        ctx.set_known(1, np.ones(shape, np.bool_))  # nothing is dropped at inference


def scaled_elu(ctx: OnnxLowering, x: str, alpha: float, gamma: float) -> str:
    """gamma * (relu(x) + alpha * (elu(x) - relu(x))): Elu/Selu with non-default constants."""
    positive = ctx.emit("relu", x)
    negative = ctx.emit("sub", ctx.emit("elu", x), positive)
    y = ctx.emit("add", positive, ctx.emit("mul", negative, ctx.constant(np.float32(alpha), "alpha")))
    return y if gamma == 1.0 else ctx.emit("mul", y, ctx.constant(np.float32(gamma), "gamma"))


@lowers("Elu")
def lower_elu(ctx):
    alpha = ctx.attr("alpha", 1.0)
    x = ctx.tensor(0)
    ctx.output(0, ctx.emit("elu", x) if alpha == 1.0 else scaled_elu(ctx, x, alpha, 1.0))


@lowers("Selu")
def lower_selu(ctx):
    alpha, gamma = ctx.attr("alpha", 1.67326319217681884765625), ctx.attr("gamma", 1.05070102214813232421875)
    x = ctx.tensor(0)
    default = math.isclose(alpha, 1.6732632, rel_tol=1e-6) and math.isclose(gamma, 1.0507010, rel_tol=1e-6)
    ctx.output(0, ctx.emit("selu", x) if default else scaled_elu(ctx, x, alpha, gamma))


@lowers("LeakyRelu")
def lower_leaky_relu(ctx):
    ctx.output(0, ctx.emit("leakyRelu", ctx.tensor(0), alpha=ctx.attr("alpha", 0.01)))


@lowers("PRelu")
def lower_prelu(ctx):
    ctx.output(0, ctx.emit("prelu", ctx.tensor(0), ctx.tensor(1)))


@lowers("HardSigmoid")
def lower_hard_sigmoid(ctx):
    ctx.output(0, ctx.emit("hardSigmoid", ctx.tensor(0), alpha=ctx.attr("alpha", 0.2), beta=ctx.attr("beta", 0.5)))


@lowers("Mish")
def lower_mish(ctx):
    x = ctx.tensor(0)
    ctx.output(0, ctx.emit("mul", x, ctx.emit("tanh", ctx.emit("softplus", x))))


@lowers("Gelu")
def lower_gelu(ctx):
    approximate = ctx.attr("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise Unsupported(f"approximate={approximate!r}")
    ctx.output(0, ctx.emit("gelu", ctx.tensor(0), approximate=approximate == "tanh"))


@lowers("Clip")
def lower_clip(ctx):
    if ctx.opset < 11:
        low, high = ctx.attr("min", -FLOAT32_MAX), ctx.attr("max", FLOAT32_MAX)
    else:
        low = float(ctx.const(1)) if ctx.has(1) else -FLOAT32_MAX
        high = float(ctx.const(2)) if ctx.has(2) else FLOAT32_MAX
    low, high = max(low, -FLOAT32_MAX), min(high, FLOAT32_MAX)
    x = ctx.tensor(0)
    if (low, high) == (0.0, 6.0):
        y = ctx.emit("relu6", x)
    elif (low, high) == (0.0, FLOAT32_MAX):
        y = ctx.emit("relu", x)
    else:
        y = ctx.emit("clipByValue", x, clipValueMin=low, clipValueMax=high)
    ctx.output(0, y)


@lowers("Cast")
def lower_cast(ctx):
    dtype = runtime_dtype_of(ctx.attr("to", 0), f"node {ctx.node_name!r}")
    x = ctx.tensor(0)
    ctx.output(0, x if ctx.graph.info[x].dtype == dtype else ctx.emit("cast", x, dtype=dtype))


@lowers("Where")
def lower_where(ctx):
    ctx.output(0, ctx.emit("where", ctx.tensor(0), ctx.tensor(1), ctx.tensor(2)))


def softmax(op: str, axis_attr: str) -> Lower:
    def lower(ctx: OnnxLowering):
        x, rank = ctx.tensor(0), ctx.rank(0)
        axis = ops.normalize_axis(ctx.attr("axis", -1 if ctx.opset >= 13 else 1), rank)
        if ctx.opset >= 13 or axis == rank - 1:
            ctx.output(0, ctx.emit(op, x, **{axis_attr: axis - rank}))
            return
        # before opset 13 the input is flattened to 2-D around `axis`
        shape = list(ctx.shape(0))
        inner = math.prod(shape[axis:])
        if inner < 0 or any(d < 0 for d in shape[axis:]):
            raise Unsupported("softmax over free dimensions before opset 13")
        flat = ctx.reshape(x, [-1, inner])
        ctx.output(0, ctx.reshape(ctx.emit(op, flat, **{axis_attr: -1}), shape))
    return lower


LOWERINGS["Softmax"] = softmax("softmax", "dim")
LOWERINGS["LogSoftmax"] = softmax("logSoftmax", "axis")


# ------------------------------------------------------------------------ reductions

REDUCTIONS = {"ReduceMean": "mean", "ReduceSum": "sum", "ReduceMax": "max", "ReduceMin": "min",
              "ReduceProd": "prod"}


def reduction_axes(ctx: OnnxLowering, axes_input_since: int) -> list[int] | None:
    """The reduced axes, None for all of them."""
    rank = ctx.rank(0)
    if ctx.opset >= axes_input_since:
        axes = ctx.const_ints(1) if ctx.has(1) else []
    else:
        axes = ctx.ints("axes", [])
    if not axes:
        return [] if ctx.attr("noop_with_empty_axes", 0) else None
    return sorted(ops.normalize_axis(a, rank) for a in axes)


def reduction(op: str, axes_input_since: int) -> Lower:
    def lower(ctx: OnnxLowering):
        axes = reduction_axes(ctx, axes_input_since)
        x = ctx.tensor(0)
        if axes == []:
            ctx.output(0, x)
            return
        axes = list(range(ctx.rank(0))) if axes is None else axes
        ctx.output(0, ctx.emit(op, x, axis=axes, keepDims=bool(ctx.attr("keepdims", 1))))
    return lower


LOWERINGS.update({onnx_op: reduction(op, 13 if onnx_op == "ReduceSum" else 18)
                  for onnx_op, op in REDUCTIONS.items()})


@lowers("ReduceL2", "ReduceSumSquare")
def lower_reduce_squares(ctx):
    axes = reduction_axes(ctx, 18)
    x = ctx.tensor(0)
    axes = list(range(ctx.rank(0))) if not axes else axes
    total = ctx.emit("sum", ctx.emit("mul", x, x), axis=axes, keepDims=bool(ctx.attr("keepdims", 1)))
    ctx.output(0, ctx.emit("sqrt", total) if ctx.node.op_type == "ReduceL2" else total)


@lowers("CumSum")
def lower_cumsum(ctx):
    axis = ops.normalize_axis(int(ctx.const(1).reshape(-1)[0]), ctx.rank(0))
    ctx.output(0, ctx.emit("cumsum", ctx.tensor(0), axis=axis, exclusive=bool(ctx.attr("exclusive", 0)),
                           reverse=bool(ctx.attr("reverse", 0))))


@lowers("ArgMax", "ArgMin")
def lower_arg_reduce(ctx):
    if ctx.attr("select_last_index", 0):
        raise Unsupported("select_last_index=1")
    axis = ops.normalize_axis(ctx.attr("axis", 0), ctx.rank(0))
    y = ctx.emit("argMax" if ctx.node.op_type == "ArgMax" else "argMin", ctx.tensor(0), axis=axis)
    ctx.output(0, ctx.emit("expandDims", y, axis=axis) if ctx.attr("keepdims", 1) else y)


# ------------------------------------------------------------------------ matmul

@lowers("MatMul")
def lower_matmul(ctx):
    a, b = ctx.tensor(0), ctx.tensor(1)
    vector_a, vector_b = ctx.rank(0) == 1, ctx.rank(1) == 1
    if vector_a:
        a = ctx.emit("expandDims", a, axis=0)
    if vector_b:
        b = ctx.emit("expandDims", b, axis=1)
    y = ctx.emit("matMul", a, b)
    squeezed = ([-2] if vector_a else []) + ([-1] if vector_b else [])
    ctx.output(0, ctx.emit("squeeze", y, axis=squeezed) if squeezed else y)


@lowers("Gemm")
def lower_gemm(ctx):
    alpha, beta = ctx.attr("alpha", 1.0), ctx.attr("beta", 1.0)
    y = ctx.emit("matMul", ctx.tensor(0), ctx.tensor(1),
                 transposeA=bool(ctx.attr("transA", 0)), transposeB=bool(ctx.attr("transB", 0)))
    if alpha != 1.0:
        y = ctx.emit("mul", y, ctx.constant(np.float32(alpha), "alpha"))
    if ctx.has(2) and beta != 0.0:
        if ctx.input_name(2) in ctx.known and not ctx.known[ctx.input_name(2)].partial:
            bias = ctx.constant(narrow(ctx.const(2), "Gemm C") * np.float32(beta), "bias", ctx.is_parameter(2))
        else:
            bias = ctx.tensor(2)
            if beta != 1.0:
                bias = ctx.emit("mul", bias, ctx.constant(np.float32(beta), "beta"))
        y = ctx.emit("add", y, bias)
    ctx.output(0, y)


# ------------------------------------------------------------------------ convolution and pooling

@dataclass
class Window:
    kernel: list[int]
    strides: list[int]
    dilations: list[int]
    pad: object  # 'valid' | 'same' | [[0,0],[t,b],[l,r],[0,0]]


def window_of(ctx: OnnxLowering, kernel: list[int], spatial: list[int]) -> Window:
    """Reads kernel/strides/dilations/pads/auto_pad in 2-D form (1-D ops get a leading unit dim)."""
    n = len(kernel)
    lift = (lambda v, fill: [fill] + v) if n == 1 else (lambda v, fill: v)
    strides = ctx.ints("strides", [1] * n)
    dilations = ctx.ints("dilations", [1] * n)
    pads = ctx.ints("pads", [0] * 2 * n)
    if n not in (1, 2):
        raise Unsupported(f"{n}-D windows (kernel {kernel}); 1-D and 2-D are supported")
    if len(strides) != n or len(dilations) != n or len(pads) != 2 * n:
        raise ConversionError(f"node {ctx.node_name!r}: strides {strides}, dilations {dilations} or pads {pads} "
                              f"do not match kernel {kernel}")
    if min(strides + dilations + kernel) < 1 or min(pads) < 0:
        raise ConversionError(f"node {ctx.node_name!r}: kernel/strides/dilations must be positive, pads >= 0")
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    kernel2, strides2, dilations2 = lift(list(kernel), 1), lift(strides, 1), lift(dilations, 1)
    if auto_pad == "VALID":
        return Window(kernel2, strides2, dilations2, "valid")
    if auto_pad == "SAME_UPPER":
        return Window(kernel2, strides2, dilations2, "same")
    if auto_pad == "SAME_LOWER":
        if any(d < 0 for d in spatial):
            raise Unsupported("auto_pad SAME_LOWER over free spatial dimensions")
        same = ops.spatial_padding("same", lift(list(spatial), 1), kernel2, strides2, dilations2)
        pairs = [[after, before] for before, after in same]  # the odd pixel goes first
    elif auto_pad == "NOTSET":
        pairs = [[pads[i], pads[i + n]] for i in range(n)]
        pairs = lift(pairs, [0, 0])
    else:
        raise ConversionError(f"node {ctx.node_name!r}: unknown auto_pad {auto_pad!r}")
    pad = "valid" if all(p == [0, 0] for p in pairs) else [[0, 0], *pairs, [0, 0]]
    return Window(kernel2, strides2, dilations2, pad)


def to_2d(ctx: OnnxLowering, x: str) -> str:
    """[N, C, L] -> [N, C, 1, L] so that 1-D convolution and pooling use the 2-D ops."""
    return ctx.emit("expandDims", x, axis=2) if len(ctx.graph.info[x].shape) == 3 else x


def from_2d(ctx: OnnxLowering, y: str, rank: int) -> str:
    return ctx.emit("squeeze", y, axis=[2]) if rank == 3 else y


def conv_filter(ctx: OnnxLowering, index: int, layout: list[int]) -> str:
    """The convolution weight in the runtime's layout; known weights are rearranged right here."""
    name = ctx.input_name(index)
    if name in ctx.known and not ctx.known[name].partial:
        weight = narrow(ctx.const(index), f"weight {name!r}")
        if weight.ndim == 3:
            weight = weight[:, :, None, :]
        # named after the source weight, so that --quantize patterns and `trainable` read naturally
        return ctx.graph.add_constant(np.ascontiguousarray(weight.transpose(layout)), name, ctx.is_parameter(index))
    weight = ctx.tensor(index)
    if len(ctx.graph.info[weight].shape) == 3:
        weight = ctx.emit("expandDims", weight, axis=2)
    return ctx.emit("transpose", weight, perm=layout)


def spatial_dims(ctx: OnnxLowering) -> list[int]:
    return list(ctx.shape(0)[2:])


@lowers("Conv")
def lower_conv(ctx):
    rank = ctx.rank(0)
    weight_shape = ctx.shape(1)
    if rank not in (3, 4) or len(weight_shape) != rank:
        raise Unsupported(f"convolution of rank-{rank} input with rank-{len(weight_shape)} weight")
    out_channels, group_channels = weight_shape[0], weight_shape[1]
    in_channels = ctx.shape(0)[1]
    group = ctx.attr("group", 1)
    if group < 1 or (in_channels >= 0 and in_channels != group * group_channels) or out_channels % group:
        raise ConversionError(f"node {ctx.node_name!r}: group {group} does not fit {in_channels} input and "
                              f"{out_channels} output channels")
    window = window_of(ctx, ctx.ints("kernel_shape", list(weight_shape[2:])), spatial_dims(ctx))
    attrs = dict(strides=window.strides, pad=window.pad, dilations=window.dilations)
    x = ctx.channels_last(to_2d(ctx, ctx.tensor(0)))
    if group == 1:
        y = ctx.emit("conv2d", x, conv_filter(ctx, 1, [2, 3, 1, 0]), **attrs)
    elif group_channels == 1:
        # depthwise: output channel c * multiplier + m reads input channel c
        multiplier = out_channels // group
        weight = narrow(ctx.const(1), "depthwise weight")
        weight = weight.reshape(group, multiplier, *weight.shape[2:])
        if weight.ndim == 3:
            weight = weight[:, :, None, :]
        weight = ctx.graph.add_constant(np.ascontiguousarray(weight.transpose(2, 3, 0, 1)), ctx.input_name(1),
                                        ctx.is_parameter(1))
        y = ctx.emit("depthwiseConv2d", x, weight, **attrs)
    else:
        # grouped: no runtime op takes groups, so split, convolve (and add the bias to) each group, concatenate
        widths = [out_channels // group] * group
        parts = ctx.emit_many("split", [x], numOrSizeSplits=[group_channels] * group, axis=3)
        filters = ctx.emit_many("split", [conv_filter(ctx, 1, [2, 3, 1, 0])], numOrSizeSplits=widths, axis=3)
        biases = ctx.emit_many("split", [ctx.tensor(2)], numOrSizeSplits=widths, axis=0) if ctx.has(2) else []
        groups = [ctx.emit("conv2d", p, f, **attrs) for p, f in zip(parts, filters)]
        groups = [ctx.emit("add", g, b) for g, b in zip(groups, biases)] or groups
        ctx.output(0, from_2d(ctx, ctx.channels_first(ctx.emit("concat", *groups, axis=3)), rank))
        return
    if ctx.has(2):
        y = ctx.emit("add", y, ctx.tensor(2))
    ctx.output(0, from_2d(ctx, ctx.channels_first(y), rank))


@lowers("ConvTranspose")
def lower_conv_transpose(ctx):
    if ctx.rank(0) != 4 or ctx.attr("group", 1) != 1:
        raise Unsupported("only 2-D, ungrouped ConvTranspose")
    _, out_channels, *kernel = ctx.shape(1)
    window = window_of(ctx, ctx.ints("kernel_shape", kernel), spatial_dims(ctx))
    if window.dilations != [1, 1]:
        raise Unsupported("dilated ConvTranspose")
    output_padding = ctx.ints("output_padding", [0, 0])
    sizes = spatial_dims(ctx)
    if any(d < 0 for d in sizes):
        raise Unsupported("ConvTranspose over free spatial dimensions")
    if "output_shape" in ctx.attributes or window.pad == "same":
        out = ctx.ints("output_shape", [s * n for s, n in zip(window.strides, sizes)])[-2:]
        total = [s * (n - 1) + op + k - o for s, n, op, k, o in zip(window.strides, sizes, output_padding,
                                                                       window.kernel, out)]
        pairs = [[t // 2, t - t // 2] if ctx.attr("auto_pad", "NOTSET") != "SAME_LOWER" else [t - t // 2, t // 2]
                 for t in total]
    else:
        pairs = [[0, 0], [0, 0]] if window.pad == "valid" else window.pad[1:3]
        out = [s * (n - 1) + op + k - a - b for s, n, op, k, (a, b) in zip(window.strides, sizes, output_padding,
                                                                          window.kernel, pairs)]
    if min(min(p) for p in pairs) < 0:
        raise Unsupported("ConvTranspose whose output_shape needs negative padding")
    x = ctx.channels_last(ctx.tensor(0))
    y = ctx.emit("conv2dTranspose", x, conv_filter(ctx, 1, [2, 3, 1, 0]), outputShape=[*out, out_channels],
                 strides=window.strides, pad=[[0, 0], *pairs, [0, 0]])
    if ctx.has(2):
        y = ctx.emit("add", y, ctx.tensor(2))
    ctx.output(0, ctx.channels_first(y))


def ceil_mode_padding(window: Window, sizes: list[int]) -> Window:
    """Extends the end padding so that floor division gives ONNX's ceil_mode output size."""
    pad = window.pad if isinstance(window.pad, list) else [[0, 0]] * 4
    pairs = [list(p) for p in pad[1:3]]
    for axis, (size, k, s) in enumerate(zip(sizes, window.kernel, window.strides)):
        if size < 0:
            raise Unsupported("ceil_mode over free spatial dimensions")
        before, after = pairs[axis]
        out = math.ceil((size + before + after - k) / s) + 1
        if (out - 1) * s >= size + before:  # the last window must start inside the input
            out -= 1
        pairs[axis][1] += max((out - 1) * s + k - (size + before + after), 0)
    return Window(window.kernel, window.strides, window.dilations, [[0, 0], *pairs, [0, 0]])


@lowers("MaxPool", "AveragePool")
def lower_pool(ctx):
    if len(ctx.node.output) > 1 and ctx.node.output[1]:
        raise Unsupported("MaxPool indices output")
    rank = ctx.rank(0)
    window = window_of(ctx, ctx.ints("kernel_shape", []), spatial_dims(ctx))
    if window.dilations != [1, 1]:
        raise Unsupported("dilated pooling")
    sizes = [1] * (4 - rank) + spatial_dims(ctx)
    if ctx.attr("ceil_mode", 0) and window.pad != "same":
        window = ceil_mode_padding(window, sizes)
    x = ctx.channels_last(to_2d(ctx, ctx.tensor(0)))
    if ctx.node.op_type == "AveragePool" and ctx.attr("count_include_pad", 0) and window.pad != "valid":
        if window.pad == "same":
            if any(d < 0 for d in sizes):
                raise Unsupported("count_include_pad with auto_pad SAME over free spatial dimensions")
            pairs = ops.spatial_padding("same", sizes[-2:], window.kernel, window.strides, window.dilations)
            window.pad = [[0, 0], *map(list, pairs), [0, 0]]
        x = ctx.emit("pad", x, paddings=window.pad)  # padded zeros count towards the average
        window.pad = "valid"
    op = "maxPool" if ctx.node.op_type == "MaxPool" else "avgPool"
    y = ctx.emit(op, x, filterSize=window.kernel, strides=window.strides, pad=window.pad)
    ctx.output(0, from_2d(ctx, ctx.channels_first(y), rank))


@lowers("GlobalAveragePool", "GlobalMaxPool")
def lower_global_pool(ctx):
    op = "mean" if ctx.node.op_type == "GlobalAveragePool" else "max"
    ctx.output(0, ctx.emit(op, ctx.tensor(0), axis=list(range(2, ctx.rank(0))), keepDims=True))


# ------------------------------------------------------------------------ normalisation

@lowers("BatchNormalization")
def lower_batch_norm(ctx):
    if ctx.attr("training_mode", 0) or any(ctx.node.output[1:]):
        raise Unsupported("training-mode BatchNormalization")
    if ctx.opset < 9 and ctx.attr("spatial", 1) == 0:
        raise Unsupported("per-activation (spatial=0) BatchNormalization")
    x = ctx.tensor(0)
    channels_last = ctx.rank(0) > 2
    if channels_last:
        x = ctx.channels_last(x)
    y = ctx.emit("batchNorm", x, ctx.tensor(3), ctx.tensor(4), ctx.tensor(2), ctx.tensor(1),
                 varianceEpsilon=ctx.attr("epsilon", 1e-5))
    ctx.output(0, ctx.channels_first(y) if channels_last else y)


@lowers("InstanceNormalization")
def lower_instance_norm(ctx):
    rank = ctx.rank(0)
    y = ctx.emit("layerNorm", ctx.tensor(0), axis=list(range(2, rank)), epsilon=ctx.attr("epsilon", 1e-5))
    unit = [1] * (rank - 2)
    scale = ctx.reshape(ctx.tensor(1), [-1, *unit])
    bias = ctx.reshape(ctx.tensor(2), [-1, *unit])
    ctx.output(0, ctx.emit("add", ctx.emit("mul", y, scale), bias))


@lowers("LayerNormalization")
def lower_layer_norm(ctx):
    if any(ctx.node.output[1:]):
        raise Unsupported("LayerNormalization mean / inverse-std outputs")
    rank = ctx.rank(0)
    axis = ops.normalize_axis(ctx.attr("axis", -1), rank)
    inputs = [ctx.tensor(0), ctx.tensor(1)] + ([ctx.tensor(2)] if ctx.has(2) else [])
    y = ctx.emit_many("layerNorm", inputs, axis=list(range(axis, rank)), epsilon=ctx.attr("epsilon", 1e-5))[0]
    ctx.output(0, y)


@lowers("LRN")
def lower_lrn(ctx):
    size = ctx.attr("size", 0)
    if size % 2 != 1:
        raise Unsupported(f"LRN with even size {size}")
    x = ctx.channels_last(ctx.tensor(0))
    y = ctx.emit("localResponseNormalization", x, depthRadius=(size - 1) // 2, bias=ctx.attr("bias", 1.0),
                 alpha=ctx.attr("alpha", 1e-4) / size, beta=ctx.attr("beta", 0.75))
    ctx.output(0, ctx.channels_first(y))


# ------------------------------------------------------------------------ shape ops

@lowers("Shape")
def lower_shape(ctx):
    shape = ctx.shape(0)
    start, end = ctx.attr("start", 0), ctx.attr("end", len(shape))
    ctx.set_known_shape(0, list(shape)[slice(start, end)])
    if -1 in shape:  # the runtime reads the actual shape
        ctx.set_symbol(0, "shape", {"of": ctx.tensor(0), "start": start, "end": end})


@lowers("Size")
def lower_size(ctx):
    ctx.set_known_size(0, ctx.shape(0))
    if -1 in ctx.shape(0):
        ctx.set_symbol(0, "size", {"of": ctx.tensor(0)})


@lowers("Constant")
def lower_constant(ctx):
    for name, kind in (("value", "tensor"), ("value_float", float), ("value_int", int), ("value_floats", "floats"),
                       ("value_ints", "ints")):
        if name in ctx.attributes:
            value = ctx.attr(name, None, kind)
            if kind == "tensor":
                value = tensor_array(value, ctx.base_dir, f"node {ctx.node_name!r} value")
            else:
                value = np.array(value, np.float32 if kind in (float, "floats") else np.int64)
            ctx.set_known(0, value)
            return
    raise Unsupported(f"Constant with attribute(s) {sorted(ctx.attributes)}")


@lowers("ConstantOfShape")
def lower_constant_of_shape(ctx):
    target = ctx.known_input(0)
    if target is not None and target.partial:  # a size that follows a free dimension: a runtime fill
        fill = np.zeros(1, np.float32)
        if "value" in ctx.attributes:
            fill = tensor_array(ctx.attr("value", None, "tensor"), ctx.base_dir, f"node {ctx.node_name!r} value")
        dtype = runtime_dtype_of_array(fill)
        if dtype == "bool":
            raise Unsupported("a boolean ConstantOfShape of a size that follows a free dimension")
        symbol = target.symbol_in(ctx.graph.shape_program, f"{ctx.node_name}/shape")
        ctx.output(0, ctx.graph.add_node("fill", [], {"shape": target.entries(), "value": fill.reshape(-1)[0].item(),
                                                      "dtype": dtype}, ctx.node_name,
                                         shape_attrs={"shape": symbol})[0])
        return
    shape = ctx.const_ints(0)
    ops.check_size(shape, f"node {ctx.node_name!r} output")
    fill = np.zeros(1, np.float32)
    if "value" in ctx.attributes:
        fill = tensor_array(ctx.attr("value", None, "tensor"), ctx.base_dir, f"node {ctx.node_name!r} value")
    ctx.set_known(0, np.full(shape, fill.reshape(-1)[0], dtype=fill.dtype))


@lowers("Range")
def lower_range(ctx):
    knowns = [ctx.known_input(i) for i in range(3)]
    if all(k is not None for k in knowns) and any(k.partial for k in knowns):
        # a length that follows a free dimension: a runtime range, its bounds from the shape program
        program = ctx.graph.shape_program
        attrs = {name: k.value.item() for name, k in zip(("start", "stop", "step"), knowns)}
        shape_attrs = {name: k.symbol_in(program, f"{ctx.node_name}/{name}")
                       for name, k in zip(("start", "stop", "step"), knowns) if k.partial}
        dtype = runtime_dtype_of_array(knowns[0].value)
        ctx.output(0, ctx.graph.add_node("range", [], {**attrs, "dtype": dtype}, ctx.node_name,
                                         shape_attrs=shape_attrs)[0])
        return
    start, limit, delta = (ctx.const(i).item() for i in range(3))
    if delta == 0:
        raise ConversionError(f"node {ctx.node_name!r}: Range with delta 0")
    count = max(math.ceil((limit - start) / delta), 0)
    ops.check_size([count], f"node {ctx.node_name!r} output")
    ctx.set_known(0, np.arange(count, dtype=ctx.const(0).dtype) * delta + start)


@lowers("Reshape")
def lower_reshape(ctx):
    if ctx.input_name(1) not in ctx.known:
        raise Unsupported("the target shape must be computable while converting")
    target = ctx.known[ctx.input_name(1)]
    ctx.output(0, ctx.reshape_to_known(ctx.tensor(0), target, copy_zeros=not ctx.attr("allowzero", 0)))


@lowers("Flatten")
def lower_flatten(ctx):
    shape = ctx.shape(0)
    axis = ops.normalize_axis(ctx.attr("axis", 1), len(shape) + 1)
    outer, inner = shape[:axis], shape[axis:]
    if -1 in inner and -1 in outer:
        raise Unsupported("Flatten with free dimensions on both sides of the axis")
    dims = [math.prod(outer) if -1 not in outer else -1, math.prod(inner) if -1 not in inner else -1]
    ctx.output(0, ctx.reshape(ctx.tensor(0), dims))


@lowers("Transpose")
def lower_transpose(ctx):
    rank = ctx.rank(0)
    perm = ctx.ints("perm", list(range(rank))[::-1])
    ctx.output(0, ctx.emit("transpose", ctx.tensor(0), perm=perm))


def axes_of(ctx: OnnxLowering, since: int) -> list[int] | None:
    if ctx.opset >= since:
        return ctx.const_ints(1) if ctx.has(1) else None
    return ctx.ints("axes")


@lowers("Squeeze")
def lower_squeeze(ctx):
    shape = ctx.shape(0)
    axes = axes_of(ctx, 13)
    if axes is None:
        if -1 in shape:
            raise Unsupported("Squeeze without axes over free dimensions")
        axes = [i for i, d in enumerate(shape) if d == 1]
    ctx.output(0, ctx.emit("squeeze", ctx.tensor(0), axis=sorted(ops.normalize_axis(a, len(shape)) for a in axes)))


@lowers("Unsqueeze")
def lower_unsqueeze(ctx):
    axes = axes_of(ctx, 13) or []
    rank = ctx.rank(0) + len(axes)
    y = ctx.tensor(0)
    for axis in sorted(ops.normalize_axis(a, rank) for a in axes):
        y = ctx.emit("expandDims", y, axis=axis)
    ctx.output(0, y)


@lowers("Concat")
def lower_concat(ctx):
    inputs = [ctx.tensor(i) for i in range(len(ctx.node.input)) if ctx.has(i)]
    inputs = [i for i in inputs if 0 not in ctx.graph.info[i].shape] or inputs[:1]
    axis = ctx.attr("axis", 0)
    ctx.output(0, ctx.emit("concat", *inputs, axis=axis) if len(inputs) > 1 else inputs[0])


@lowers("Split")
def lower_split(ctx):
    shape = ctx.shape(0)
    axis = ops.normalize_axis(ctx.attr("axis", 0), len(shape))
    if ctx.opset >= 13 and ctx.has(1):
        sizes = ctx.const_ints(1)
    elif ctx.opset < 13 and "split" in ctx.attributes:
        sizes = ctx.ints("split")
    else:
        if shape[axis] < 0:
            raise Unsupported("Split along a free dimension")
        parts = ctx.attr("num_outputs", len(ctx.node.output))
        chunk = math.ceil(shape[axis] / parts)
        sizes = [min(chunk, shape[axis] - i * chunk) for i in range(parts)]
    outputs = ctx.emit_many("split", [ctx.tensor(0)], numOrSizeSplits=sizes, axis=axis)
    for i, out in enumerate(outputs):
        ctx.output(i, out)


@lowers("Slice")
def lower_slice(ctx):
    shape = ctx.shape(0)
    rank = len(shape)
    if ctx.opset >= 10 and any(k is not None and k.partial for k in map(ctx.known_input, (1, 2))):
        ctx.output(0, slice_by_program(ctx, rank))
        return
    if ctx.opset >= 10:
        starts, ends = ctx.const_ints(1), ctx.const_ints(2)
        axes = ctx.const_ints(3) if ctx.has(3) else list(range(len(starts)))
        steps = ctx.const_ints(4) if ctx.has(4) else [1] * len(starts)
    else:
        starts, ends = ctx.ints("starts"), ctx.ints("ends")
        axes = ctx.ints("axes", list(range(len(starts))))
        steps = [1] * len(starts)
    begin, size, end, strides = [0] * rank, [-1] * rank, [0] * rank, [1] * rank
    end_mask = (1 << rank) - 1  # axes left alone run to their end
    for start, stop, axis, step in zip(starts, ends, axes, steps):
        axis = ops.normalize_axis(axis, rank)
        dim = shape[axis]
        if step == 0:
            raise ConversionError(f"node {ctx.node_name!r}: Slice step 0")
        if dim < 0:
            if step != 1 or start != 0 or stop < INT32_MAX:
                raise Unsupported(f"Slice along free dimension {axis}")
            continue
        picked = range(dim)[slice(start, stop, step)]  # ONNX clamps as Python slicing does
        begin[axis], size[axis], strides[axis] = picked.start, len(picked), step
        if picked.stop >= 0:  # a stop before index 0 only the end mask can express
            end[axis] = picked.stop
            end_mask &= ~(1 << axis)
    x = ctx.tensor(0)
    if all(s == 1 for s in strides):
        y = ctx.emit("slice", x, begin=begin, size=size)
    else:
        y = ctx.emit("stridedSlice", x, begin=begin, end=end, strides=strides, beginMask=0, endMask=end_mask)
    ctx.output(0, y)


def slice_by_program(ctx, rank: int) -> str:
    """A Slice whose starts or ends follow a free dimension: a runtime slice whose begin and size the
    shape program computes, clamping each bound into its axis as ONNX does (unit steps only)."""
    axes = ctx.const_ints(3) if ctx.has(3) else list(range(len(ctx.known_input(1).value.reshape(-1))))
    if ctx.has(4) and any(step != 1 for step in ctx.const_ints(4)):
        raise Unsupported("Slice with steps other than 1 and bounds that follow a free dimension")
    program, name = ctx.graph.shape_program, ctx.node_name
    x = ctx.tensor(0)
    shape = program.add("shape", [], {"of": x, "start": 0, "end": None}, f"{name}/input_shape")
    const = lambda value, hint: program.const(np.array(value, np.int64), f"{name}/{hint}")  # noqa: E731
    bounds = [ctx.known_input(i).symbol_in(program, f"{name}/{w}") for i, w in ((1, "starts"), (2, "ends"))]
    zero = const(0, "zero")
    begin, size = [const([0], "begin")] * rank, [const([-1], "size")] * rank  # axes left whole
    for k, axis in enumerate(ops.normalize_axis(a, rank) for a in axes):
        dim = program.add("gather", [shape, const(axis, "axis")], {"axis": 0}, f"{name}/dim")

        def clamped(bound: str) -> str:
            value = program.add("gather", [bound, const(k, "index")], {"axis": 0}, f"{name}/bound")
            negative = program.add("less", [value, zero], {}, f"{name}/negative")
            value = program.add("where", [negative, program.add("add", [value, dim], {}, f"{name}/wrapped"), value],
                                {}, f"{name}/index")
            return program.add("min", [program.add("max", [value, zero], {}, f"{name}/low"), dim], {}, f"{name}/clamped")

        start, end = clamped(bounds[0]), clamped(bounds[1])
        length = program.add("max", [program.add("sub", [end, start], {}, f"{name}/length"), zero], {}, f"{name}/size")
        begin[axis], size[axis] = (program.add("unsqueeze", [v], {"axes": [0]}, f"{name}/entry") for v in (start, length))
    begin_symbol = program.add("concat", begin, {"axis": 0}, f"{name}/begin")
    size_symbol = program.add("concat", size, {"axis": 0}, f"{name}/sizes")
    # the sizes written: those the free dimensions' stand-ins agree on, -1 for the others
    static = [d if d >= 0 else -1 for d in ctx.shape(0)]
    for k, axis in enumerate(ops.normalize_axis(a, rank) for a in axes):
        lengths = {len(range(standin if ctx.shape(0)[axis] < 0 else ctx.shape(0)[axis])[
            int(ctx.known_input(1).variant(v).reshape(-1)[k]):int(ctx.known_input(2).variant(v).reshape(-1)[k])])
            for v, standin in enumerate(FREE_DIM_STANDINS)}
        static[axis] = lengths.pop() if len(lengths) == 1 else -1
    return ctx.graph.add_node("slice", [x], {"begin": [0] * rank, "size": static}, name,
                              shape_attrs={"begin": begin_symbol, "size": size_symbol})[0]


@lowers("Gather")
def lower_gather(ctx):
    shape = ctx.shape(0)
    axis = ops.normalize_axis(ctx.attr("axis", 0), len(shape))
    name = ctx.input_name(1)
    if name in ctx.known and not ctx.known[name].partial:
        indices = ctx.const(1).astype(np.int64)
        if shape[axis] >= 0:
            if indices.size and (indices.min() < -shape[axis] or indices.max() >= shape[axis]):
                raise ConversionError(f"node {ctx.node_name!r}: Gather indices outside [0, {shape[axis]})")
            indices = np.where(indices < 0, indices + shape[axis], indices)
        indices_ir = ctx.constant(narrow(indices, "Gather indices"), "indices")
    else:
        indices_ir = ctx.tensor(1)
    ctx.output(0, ctx.emit("gather", ctx.tensor(0), indices_ir, axis=axis))


@lowers("Expand")
def lower_expand(ctx):
    x = ctx.tensor(0)
    shape = ctx.shape(0)
    target = ctx.dims(1)
    rank = max(len(shape), len(target))
    padded_x = [1] * (rank - len(shape)) + list(shape)
    padded_t = [1] * (rank - len(target)) + target
    out = []
    if any(b == -1 and a != -1 for a, b in zip(padded_x, padded_t)):
        # the target's free entries grow x's dimensions: broadcastTo the shape program's target
        ctx.output(0, expand_to_program_shape(ctx, x, len(shape), len(target), padded_x, padded_t))
        return
    for a, b in zip(padded_x, padded_t):
        out.append(a if b in (1, -1) else b)
    if -1 not in out:
        ctx.output(0, x if out == list(shape) else ctx.emit("broadcastTo", x, shape=out))
        return
    # a free dimension cannot appear in broadcastTo's shape: broadcast against zeros instead
    zeros_shape = [1 if d == -1 else d for d in out]
    dtype = ctx.graph.info[x].dtype
    zeros = ctx.constant(np.zeros(zeros_shape, dtype=dtype), "zeros")
    ctx.output(0, ctx.emit("logicalOr" if dtype == "bool" else "add", x, zeros))


def expand_to_program_shape(ctx, x: str, x_rank: int, target_rank: int, padded_x: list[int],
                            padded_t: list[int]) -> str:
    """broadcastTo(x, max(shape(x), target)), both padded with ones to one rank, as ONNX's Expand broadcasts."""
    program = ctx.graph.shape_program
    rank = len(padded_x)
    sides = [program.add("shape", [], {"of": x, "start": 0, "end": None}, f"{ctx.node_name}/input_shape"),
             ctx.known[ctx.input_name(1)].symbol_in(program, f"{ctx.node_name}/shape")]
    for i, length in enumerate((x_rank, target_rank)):
        if length < rank:
            ones = program.const(np.ones(rank - length, np.int64), f"{ctx.node_name}/ones")
            sides[i] = program.add("concat", [ones, sides[i]], {"axis": 0}, f"{ctx.node_name}/padded")
    symbol = program.add("max", sides, {}, f"{ctx.node_name}/target")
    out = [(a if a not in (1, -1) else -1) if b == -1 else a if b == 1 else b for a, b in zip(padded_x, padded_t)]
    return ctx.graph.add_node("broadcastTo", [x], {"shape": out}, ctx.node_name, shape_attrs={"shape": symbol})[0]


@lowers("Tile")
def lower_tile(ctx):
    ctx.output(0, ctx.emit("tile", ctx.tensor(0), reps=ctx.const_ints(1)))


@lowers("Pad")
def lower_pad(ctx):
    rank = ctx.rank(0)
    if ctx.opset >= 11:
        pads = ctx.const_ints(1)
        value = float(ctx.const(2).reshape(-1)[0]) if ctx.has(2) else 0.0
        axes = ctx.const_ints(3) if ctx.has(3) else list(range(rank))
    else:
        pads, value = ctx.ints("pads"), ctx.attr("value", 0.0)
        axes = list(range(rank))
    if len(pads) != 2 * len(axes) or min(pads, default=0) < 0:
        raise Unsupported(f"pads {pads} (negative pads, or not two per axis)")
    paddings = [[0, 0] for _ in range(rank)]
    for i, axis in enumerate(axes):
        paddings[ops.normalize_axis(axis, rank)] = [pads[i], pads[i + len(axes)]]
    mode = ctx.attr("mode", "constant")
    x = ctx.tensor(0)
    if mode == "constant":
        y = ctx.emit("pad", x, paddings=paddings, constantValue=value)
    elif mode == "reflect":
        y = ctx.emit("mirrorPad", x, paddings=paddings, mode="reflect")
    else:
        raise Unsupported(f"Pad mode {mode!r}")
    ctx.output(0, y)


@lowers("DepthToSpace")
def lower_depth_to_space(ctx):
    block = ctx.attr("blocksize", 0)
    n, c, h, w = ctx.shape(0)
    x = ctx.tensor(0)
    if ctx.attr("mode", "DCR") == "DCR":
        y = ctx.emit("depthToSpace", ctx.channels_last(x), blockSize=block)
        ctx.output(0, ctx.channels_first(y))
        return
    if -1 in (c, h, w):
        raise Unsupported("CRD DepthToSpace over free dimensions")
    y = ctx.emit("reshape", x, shape=[-1, c // block**2, block, block, h, w])
    y = ctx.emit("transpose", y, perm=[0, 1, 4, 2, 5, 3])
    ctx.output(0, ctx.emit("reshape", y, shape=[-1, c // block**2, h * block, w * block]))


@lowers("SpaceToDepth")
def lower_space_to_depth(ctx):
    block = ctx.attr("blocksize", 0)
    n, c, h, w = ctx.shape(0)
    if -1 in (c, h, w):
        raise Unsupported("SpaceToDepth over free dimensions")
    y = ctx.emit("reshape", ctx.tensor(0), shape=[-1, c, h // block, block, w // block, block])
    y = ctx.emit("transpose", y, perm=[0, 3, 5, 1, 2, 4])
    ctx.output(0, ctx.emit("reshape", y, shape=[-1, c * block * block, h // block, w // block]))


def resize_target(ctx: OnnxLowering, scales_index: int, sizes_index: int | None) -> list[int]:
    shape = ctx.shape(0)
    if sizes_index is not None and ctx.has(sizes_index) and ctx.shape(sizes_index) != (0,):
        sizes = ctx.dims(sizes_index)  # may copy a free batch from a Shape
        if any(s >= 0 and d >= 0 and s != d for s, d in zip(sizes[:2], shape[:2])):
            raise Unsupported("Resize of batch or channel dimensions")
        if -1 in sizes[2:]:
            raise Unsupported("Resize to a size that follows a free dimension")
        return sizes[2:]
    scales = [float(s) for s in ctx.const(scales_index).reshape(-1)]
    if scales[:2] != [1.0, 1.0]:
        raise Unsupported(f"Resize scales {scales} (batch and channels must stay)")
    if any(d < 0 for d in shape[2:]):
        raise Unsupported("Resize by scales of free spatial dimensions")
    return [int(math.floor(d * s)) for d, s in zip(shape[2:], scales[2:])]


@lowers("Resize", "Upsample")
def lower_resize(ctx):
    if ctx.rank(0) != 4:
        raise Unsupported("Resize of a non-4-D tensor")
    if ctx.node.op_type == "Upsample" or ctx.opset < 11:
        if ctx.opset < 9:
            size = [int(math.floor(d * s)) for d, s in zip(ctx.shape(0)[2:], ctx.attr("scales", None, "floats")[2:])]
        else:
            size = resize_target(ctx, 1, None)
        transform, nearest_mode = "asymmetric", "floor"
    else:
        size = resize_target(ctx, 2, 3)
        transform = ctx.attr("coordinate_transformation_mode", "half_pixel")
        nearest_mode = ctx.attr("nearest_mode", "round_prefer_floor")
    mode = ctx.attr("mode", "nearest")
    if transform == "pytorch_half_pixel" and min(size) > 1:
        transform = "half_pixel"
    if mode == "nearest" and transform == "half_pixel" and all(
            out % n == 0 for out, n in zip(size, ctx.shape(0)[2:]) if n > 0):
        # upsampling by whole factors never lands on a tie, so every rounding picks floor(out / factor)
        transform, nearest_mode = "asymmetric", "floor"
    options = {"align_corners": dict(alignCorners=True, halfPixelCenters=False),
               "asymmetric": dict(alignCorners=False, halfPixelCenters=False),
               "half_pixel": dict(alignCorners=False, halfPixelCenters=True)}
    if mode == "linear" and transform in options:
        op = "resizeBilinear"
    elif mode == "nearest" and (transform, nearest_mode) in (("asymmetric", "floor"),
                                                             ("half_pixel", "round_prefer_ceil"),
                                                             ("align_corners", "round_prefer_ceil")):
        op = "resizeNearestNeighbor"
    else:
        raise Unsupported(f"Resize mode {mode!r} with {transform!r}/{nearest_mode!r}")
    y = ctx.emit(op, ctx.channels_last(ctx.tensor(0)), size=size, **options[transform])
    ctx.output(0, ctx.channels_first(y))


@lowers("Einsum")
def lower_einsum(ctx):
    equation = ctx.attr("equation", "").replace(" ", "")
    if "..." in equation:
        raise Unsupported("Einsum with ellipsis")
    if "->" not in equation:
        letters = equation.replace(",", "")
        equation += "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    inputs = [ctx.tensor(i) for i in range(len(ctx.node.input))]
    ctx.output(0, ctx.emit("einsum", *inputs, equation=equation))


# ------------------------------------------------------------------------ data-dependent shapes
# Host ops (the runtime's OpDef.host): the runtime runs the graph up to them in executeAsync, they read
# back what decides their size, and the rest runs on the shapes they gave.

def count_input(ctx, index: int) -> str:
    """A count input (int64 in ONNX) as an int32 scalar; a constant past int32 is clamped (it asks for all)."""
    known = ctx.known_input(index)
    if known is not None and not known.partial:
        value = np.clip(known.value.astype(np.int64), 0, INT32_MAX).reshape(())
        return ctx.constant(value.astype(np.int32), "count")
    return ctx.tensor(index)


@lowers("NonZero")
def lower_non_zero(ctx):
    coords = ctx.emit("whereAsync", ctx.tensor(0))  # [count, rank]; ONNX wants [rank, count]
    ctx.output(0, ctx.emit("transpose", coords, perm=[1, 0]))


@lowers("NonMaxSuppression")
def lower_non_max_suppression(ctx):
    inputs = [ctx.tensor(0), ctx.tensor(1)]
    optional = [ctx.has(i) for i in (2, 3, 4)]
    if any(optional):
        inputs.append(count_input(ctx, 2) if optional[0] else ctx.constant(np.array(0, np.int32), "count"))
    if optional[1] or optional[2]:
        inputs.append(ctx.tensor(3) if optional[1] else ctx.constant(np.array(0, np.float32), "iou"))
    if optional[2]:
        inputs.append(ctx.tensor(4))
    center = ctx.attr("center_point_box", 0)
    if center not in (0, 1):
        raise ConversionError(f"node {ctx.node_name!r}: center_point_box must be 0 or 1, got {center}")
    ctx.output(0, ctx.emit("nonMaxSuppressionPerClass", *inputs, centerPointBox=bool(center)))


@lowers("TopK")
def lower_top_k(ctx):
    rank = ctx.rank(0)
    axis = ops.normalize_axis(ctx.attr("axis", -1), rank)
    largest = ctx.attr("largest", 1)
    x = ctx.tensor(0)
    if ctx.info(0).dtype == "bool":
        raise Unsupported("TopK of a bool tensor")
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    if axis != rank - 1:
        x = ctx.emit("transpose", x, perm=perm)
    if not largest:
        x = ctx.emit("neg", x)
    k = ctx.known_input(1)
    if k is not None and not k.partial:
        values, indices = ctx.emit_many("topk", [x], k=int(k.value.reshape(-1)[0]), sorted=True)
    elif k is not None:
        # k follows a (free or data-dependent) size: the shape program computes it when the schedule is compiled
        program = ctx.graph.shape_program
        symbol = k.symbol_in(program, f"{ctx.node_name}/k")
        if k.value.ndim:
            symbol = program.add("squeeze", [symbol], {"axes": []}, f"{ctx.node_name}/k")
        values, indices = ctx.graph.add_node("topk", [x], {"k": -1, "sorted": True}, ctx.node_name,
                                              shape_attrs={"k": symbol})
    else:  # k computed from values: read back at run time
        k_scalar = ctx.emit("reshape", ctx.tensor(1), shape=[])
        values, indices = ctx.emit_many("topkAsync", [x, k_scalar], sorted=True)
    if not largest:
        values = ctx.emit("neg", values)
    if axis != rank - 1:
        values, indices = (ctx.emit("transpose", v, perm=perm) for v in (values, indices))
    ctx.output(0, values)
    ctx.output(1, indices)


@lowers("Unique")
def lower_unique(ctx):
    axis = ops.normalize_axis(ctx.attr("axis", 0), ctx.rank(0)) if "axis" in ctx.attributes else None
    outputs = ctx.emit_many("uniqueAsync", [ctx.tensor(0)], axis=axis, sorted=bool(ctx.attr("sorted", 1)))
    for index, value in enumerate(outputs):
        ctx.output(index, value)


# ------------------------------------------------------------------------ the reader

def is_parameter_initializer(value: np.ndarray) -> bool:
    """The model's parameters: floating-point initializers of rank >= 1.  Integer initializers (shapes,
    indices) and float scalars (exporters store literals such as 1, -10000 or sqrt(d) as scalar
    initializers) are not; nor are Constant nodes, which exporters use for literals, not for weights."""
    return is_float(value) and value.ndim >= 1


def node_display_name(node: onnx.NodeProto, index: int) -> str:
    return node.name or f"{node.op_type}_{index}"


CONTROL_FLOW_LOWERINGS = ("If", "Loop", "Scan")  # readers/onnx_control_flow.py


def node_reads(node: onnx.NodeProto) -> list[str]:
    """The values a node reads: its inputs and what its subgraphs (If/Loop/Scan bodies) read, nested ones too."""
    names = list(node.input)
    for attribute in node.attribute:
        for body in ([attribute.g] if attribute.type == AttributeProto.GRAPH else attribute.graphs):
            for inner in body.node:
                names.extend(node_reads(inner))
    return names


def should_fold(ctx: OnnxLowering, node: onnx.NodeProto) -> bool:
    """Shape-computing nodes with every input known are evaluated while reading (control flow folds itself)."""
    if node.op_type in ("Shape", "Size", "Constant", *CONTROL_FLOW_LOWERINGS) or not node.input:
        return False
    names = [n for n in node.input if n]
    return all(n in ctx.known for n in names) and worth_folding([ctx.known[n] for n in names])


def fold(ctx: OnnxLowering, node: onnx.NodeProto, name: str) -> bool:
    """Evaluates `node` on scratch graphs; False when its result is not fixed at conversion time."""
    names = [n for n in node.input if n]

    def evaluate(inputs: list[Known]) -> dict[str, np.ndarray]:
        scratch = OnnxLowering(Graph(eager=True), dict(zip(names, inputs)), ctx.opset, ctx.base_dir)
        scratch.begin(node, name)
        LOWERINGS[node.op_type](scratch)
        outs = {}
        for out in node.output:
            if out in scratch.known:
                outs[out] = scratch.known[out].value
            elif out in scratch.values:
                outs[out] = scratch.graph.constants[scratch.values[out]]
        return outs

    inputs = [ctx.known[n] for n in names]
    knowns = folded(inputs, evaluate)
    if knowns is None:
        return False
    if any(k.partial for k in inputs):
        symbolic_fold(ctx, node, name, inputs, knowns)
    ctx.known.update(knowns)
    return True


def symbolic_fold(ctx: OnnxLowering, node: onnx.NodeProto, name: str, inputs: list[Known], knowns: dict[str, Known]):
    """Records how a node folded over free dimensions computes its partial outputs at run time, as
    shape program nodes (shape_program.py); an op the program lacks leaves them without one, and a
    reader needing them at run time is refused."""
    partial = [out for out in node.output if out in knowns and knowns[out].partial]
    if not partial or len(node.output) != 1 or any(k.partial and k.symbol is None for k in inputs):
        return
    spec = shape_program_op(ctx, node, inputs)
    if spec is None:
        return
    op, attrs, extra = spec
    program = ctx.graph.shape_program
    if op == "identity":
        knowns[partial[0]].symbol = inputs[0].symbol
        return
    args = [k.symbol_in(program, f"{name}/input{i}") for i, k in enumerate([*inputs, *extra])]
    if op in ("max", "min", "add") and len(args) > 2:  # variadic ONNX ops, pairwise
        while len(args) > 2:
            args = [program.add(op, args[:2], {}, f"{name}/partial"), *args[2:]]
    knowns[partial[0]].symbol = program.add(op, args, attrs, name)


ONNX_SHAPE_OPS = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Min": "min", "Max": "max", "Sum": "add",
                  "Neg": "neg", "Equal": "equal", "Less": "less", "Greater": "greater", "Where": "where", "Not": "not",
                  "Concat": "concat", "Gather": "gather", "Expand": "expand", "Range": "range", "Identity": "identity"}


def shape_program_op(ctx: OnnxLowering, node: onnx.NodeProto, inputs: list[Known]):
    """(op, attrs, extra literal inputs) of the shape program node computing an ONNX node, or None."""
    op_type = node.op_type
    rank = inputs[0].value.ndim
    if op_type in ("Gather", "Concat"):
        axis = ctx.attr("axis", 0)
        return ONNX_SHAPE_OPS[op_type], {"axis": ops.normalize_axis(axis, rank)}, []
    if op_type == "Mod":
        return None if ctx.attr("fmod", 0) else ("mod", {}, [])
    if op_type in ONNX_SHAPE_OPS:
        return ONNX_SHAPE_OPS[op_type], {}, []
    if op_type == "Cast":
        to = ctx.attr("to", 0)
        kind = "float" if to in FLOAT_TYPES else "int" if to in INT_TYPES else "bool" if to == TensorProto.BOOL else None
        return None if kind is None else ("cast", {"to": kind}, [])
    if op_type in ("Unsqueeze", "Squeeze"):
        axes = axes_of(ctx, 13)
        if op_type == "Unsqueeze":
            return "unsqueeze", {"axes": sorted(ops.normalize_axis(a, rank + len(axes)) for a in axes)}, []
        axes = [i for i, d in enumerate(inputs[0].value.shape) if d == 1] if axes is None else axes
        return "squeeze", {"axes": sorted(ops.normalize_axis(a, rank) for a in axes)}, []
    if op_type == "Reshape":
        return "reshape", {"allowzero": ctx.attr("allowzero", 0)}, []
    if op_type == "Slice":
        if ctx.opset >= 10:
            return "slice", {}, []
        starts, ends = ctx.ints("starts"), ctx.ints("ends")
        axes = ctx.ints("axes", list(range(len(starts))))
        return "slice", {}, [Known(np.array(v, np.int64)) for v in (starts, ends, axes)]
    if op_type == "ReduceProd":
        axes = ctx.const_ints(1) if ctx.opset >= 18 and ctx.has(1) else ctx.ints("axes", [])
        return "reduceProd", {"axes": [ops.normalize_axis(a, rank) for a in axes],
                              "keepdims": ctx.attr("keepdims", 1)}, []
    return None


class OnnxReader:
    def __init__(self, path: Path, input_shapes: dict[str, list[int]] | None = None, progress=None):
        self.path = Path(path)
        self.input_shapes = input_shapes or {}
        self.progress = progress

    def read(self) -> ReadResult:
        if self.progress:
            self.progress.stage(f"reading {self.path.name}", 1)
        model = load_model(self.path)
        opset = self.default_opset(model)
        graph = Graph()
        known: dict[str, Known] = {}
        ctx = OnnxLowering(graph, known, opset, self.path.parent)
        onnx_graph = model.graph
        for tensor in onnx_graph.initializer:
            value = tensor_array(tensor, self.path.parent, f"initializer {tensor.name!r}")
            known[tensor.name] = Known(value, parameter=is_parameter_initializer(value))
        source_inputs = self.add_inputs(onnx_graph, graph, ctx, known)
        self.check_ops(onnx_graph)
        if self.progress:
            self.progress.stage("lowering", len(onnx_graph.node))
        graph.reserve(o.name for o in onnx_graph.output)
        problems: list[tuple[str, str, str]] = []
        poisoned: set[str] = set()
        # known contents are dropped after their last reader, so a weight and its rearranged copy overlap briefly
        readers_left = Counter(i for node in onnx_graph.node for i in node_reads(node))
        readers_left.update(o.name for o in onnx_graph.output)
        for index, node in enumerate(onnx_graph.node):
            name = node_display_name(node, index)
            for i in node_reads(node):
                readers_left[i] -= 1
            if any(i in poisoned for i in node.input):
                poisoned.update(node.output)
                continue
            try:
                ctx.begin(node, name)
                if not (should_fold(ctx, node) and fold(ctx, node, name)):
                    LOWERINGS[node.op_type](ctx)
            except Unsupported as e:
                problems.append((name, node.op_type, str(e)))
                poisoned.update(node.output)
            except ConversionError as e:
                raise type(e)(f"{self.path}: {e}") from None
            except (ValueError, IndexError, TypeError, KeyError, OverflowError) as e:
                raise ConversionError(f"{self.path}: node {name!r} ({node.op_type}): malformed node "
                                      f"({type(e).__name__}: {e})") from None
            for i in node_reads(node):
                if readers_left[i] == 0:
                    known.pop(i, None)
            if self.progress:
                self.progress.advance()
        if problems:
            raise UnsupportedOpsError(problems)
        self.bind_outputs(onnx_graph, graph, ctx)
        producer = f"{model.producer_name} {model.producer_version}".strip()
        return ReadResult(graph, opset, producer, source_inputs)

    def default_opset(self, model: onnx.ModelProto) -> int:
        versions = {o.domain: o.version for o in model.opset_import}
        opset = versions.get("", versions.get("ai.onnx"))
        if opset is None:
            raise MalformedModelError(f"{self.path}: imports no default-domain opset")
        if not MIN_OPSET <= opset <= MAX_OPSET:
            raise ConversionError(f"{self.path}: opset {opset} is outside the supported {MIN_OPSET} to {MAX_OPSET}")
        return opset

    def check_ops(self, onnx_graph):
        """Lists every node whose op has no lowering, all at once."""
        problems = [(node_display_name(n, i), n.op_type,
                     f"domain {n.domain!r} is not supported" if n.domain not in ("", "ai.onnx") else "no lowering")
                    for i, n in enumerate(onnx_graph.node)
                    if n.domain not in ("", "ai.onnx") or n.op_type not in LOWERINGS]
        if problems:
            raise UnsupportedOpsError(problems)

    def add_inputs(self, onnx_graph, graph: Graph, ctx: OnnxLowering, known: dict[str, Known]) -> dict[str, str]:
        inputs = [v for v in onnx_graph.input if v.name not in known]  # before IR 4 initializers are inputs too
        for value in inputs:
            if not value.type.HasField("tensor_type"):
                raise ConversionError(f"{self.path}: input {value.name!r} is not a tensor")
        fixed = self.named_dims_fixed(inputs)
        source_inputs = {}
        for value in inputs:
            tensor_type = value.type.tensor_type
            dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else fixed.get(d.dim_param, -1)
                    for d in tensor_type.shape.dim]
            dims = input_shape(value.name, dims, self.input_shapes)
            dtype = runtime_dtype_of(tensor_type.elem_type, f"{self.path}: input {value.name!r}")
            ctx.values[value.name] = graph.add_input(value.name, dims, dtype)
            source_inputs[value.name] = TensorProto.DataType.Name(tensor_type.elem_type)
        check_input_shapes_named(self.input_shapes, source_inputs)
        return source_inputs

    def named_dims_fixed(self, inputs) -> dict[str, int]:
        """Sizes --input-shape gives to named free dimensions ('sequence'), for every input that shares them."""
        fixed = {}
        for value in inputs:
            override = self.input_shapes.get(value.name, [])
            for dim, size in zip(value.type.tensor_type.shape.dim, override):
                if dim.dim_param and size > 0:
                    fixed[dim.dim_param] = size
        return fixed

    def bind_outputs(self, onnx_graph, graph: Graph, ctx: OnnxLowering):
        """Makes the IR's output names the ONNX output names."""
        for value in onnx_graph.output:
            name = value.name
            if name in ctx.values:
                ir_name = ctx.values[name]
            elif name in ctx.known and not ctx.known[name].partial:
                ir_name = graph.add_constant(narrow(ctx.known[name].value, f"output {name!r}"), f"{name}/value",
                                             ctx.known[name].parameter)
            else:
                raise ConversionError(f"{self.path}: graph output {name!r} is produced by no node")
            bind_output(graph, ir_name, name)


def read_onnx(path, input_shapes=None, progress=None) -> ReadResult:
    return OnnxReader(Path(path), input_shapes, progress).read()


from . import onnx_control_flow  # noqa: E402,F401  (registers If, Loop and Scan in LOWERINGS)
