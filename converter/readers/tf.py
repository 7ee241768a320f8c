"""TensorFlow reader: frozen GraphDefs (`.pb`) and SavedModel folders, without TensorFlow.

A SavedModel is `saved_model.pb` (a SavedModel protobuf) plus `variables/` (a
TensorBundle checkpoint, read by tf_bundle).  The meta graph is picked by its
tags (`--tags`, default "serve"), the signature by name (`--signature`, default
"serving_default"); the signature's inputs become the graph inputs and its
outputs the graph outputs, both named by the signature's keys.  Variables are
resolved the way TensorFlow's own loader restores them: the saver's restore op
(a call to a `__inference__traced_restore` function in TF2, `save/restore_all`
in TF1) assigns each checkpoint tensor to a variable; following those
assignments maps every VarHandleOp / VariableV2 node to its checkpoint key.

Lowering walks backwards from the wanted outputs, so only what they need is
read (the saver's functions, for one, never are).  Function calls
(StatefulPartitionedCall, PartitionedCall) are inlined: the callee's body is
lowered in a scope whose arguments are the caller's values.  Inside function
bodies an input reads `node:output_arg:index`; OUTPUT_ARGS gives the position
of an op's output args for the few ops with more than one.

As in the ONNX reader, each TF op has one lowering function in LOWERINGS, and a
node whose inputs are all known and which computes shapes (integers, or values
that depend on a free dimension) is evaluated at once on a scratch graph with
the reference kernels, so Shape -> StridedSlice -> Pack -> Reshape chains fold
into constant attrs.  A frozen graph's outputs are its sinks: nodes whose
outputs nothing reads.  If/While and TF1 control flow are reported as
unsupported, with every such node named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .. import ops
from ..control_flow import UNROLL_NODES, captured, refined, seal
from ..errors import ConversionError, MalformedModelError, UnsupportedOpsError
from ..ir import Graph
from . import tf_protos
from .lowering import (INT32_MAX, Known, Lowering, LoweringTable, ReadResult, Unsupported, bind_output,
                       check_input_shapes_named, folded, input_shape, is_float, narrow, runtime_dtype_of_array,
                       worth_folding)
from .loading import check_text, parse_message, read_bytes
from .tf_bundle import NUMPY_OF_DTYPE, TensorBundle, bfloat16_to_float32

MAX_CALL_DEPTH = 64
DEFAULT_TAGS = ("serve",)
DEFAULT_SIGNATURE = "serving_default"

FLOAT_DTYPES = {1: "DT_FLOAT", 2: "DT_DOUBLE", 14: "DT_BFLOAT16", 19: "DT_HALF"}
INT_DTYPES = {3: "DT_INT32", 4: "DT_UINT8", 5: "DT_INT16", 6: "DT_INT8", 9: "DT_INT64", 17: "DT_UINT16",
              22: "DT_UINT32", 23: "DT_UINT64"}
DT_BOOL, DT_STRING = 10, 7
# TensorProto's typed value fields, by DataType
VALUE_FIELDS = {1: "float_val", 2: "double_val", 3: "int_val", 4: "int_val", 5: "int_val", 6: "int_val",
                9: "int64_val", 10: "bool_val", 14: "half_val", 17: "int_val", 19: "half_val", 22: "uint32_val",
                23: "uint64_val"}

# output args of ops with more than one, in order; other ops number their outputs within their only output arg
OUTPUT_ARGS = {
    "FusedBatchNorm": ("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2"),
    "FusedBatchNormV2": ("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2"),
    "FusedBatchNormV3": ("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2",
                         "reserve_space_3"),
    "TopKV2": ("values", "indices"),
    "Unique": ("y", "idx"),
    "NonMaxSuppressionV4": ("selected_indices", "valid_outputs"),
    "NonMaxSuppressionV5": ("selected_indices", "selected_scores", "valid_outputs"),
}


def runtime_dtype_of(dtype: int, what: str) -> str:
    dtype %= 100  # reference types (DT_FLOAT_REF...) hold the same values
    if dtype in FLOAT_DTYPES:
        return "float32"
    if dtype in INT_DTYPES:
        return "int32"
    if dtype == DT_BOOL:
        return "bool"
    raise ConversionError(f"{what}: TensorFlow dtype {dtype} is not supported")


def shape_of(proto) -> list[int] | None:
    """A TensorShapeProto's dims (-1 free), None for an unknown rank."""
    if proto.unknown_rank:
        return None
    return [int(d.size) if d.size >= 0 else -1 for d in proto.dim]


def tensor_array(tensor, what: str) -> np.ndarray:
    """The contents of a TensorProto (Const values), checked against its shape."""
    dtype = tensor.dtype
    shape = shape_of(tensor.tensor_shape) or []
    if any(d < 0 for d in shape):
        raise MalformedModelError(f"{what}: tensor with free dimension in {shape}")
    count = math.prod(shape)
    if count > ops.MAX_ELEMENTS:
        raise MalformedModelError(f"{what}: declares {count} elements, past the limit of {ops.MAX_ELEMENTS}")
    if dtype not in NUMPY_OF_DTYPE:
        kind = "strings" if dtype == DT_STRING else f"dtype {dtype}"
        raise ConversionError(f"{what}: constants of {kind} are not supported")
    np_type = np.dtype(NUMPY_OF_DTYPE[dtype])
    if tensor.tensor_content:
        content = tensor.tensor_content
        if len(content) != count * np_type.itemsize:
            raise MalformedModelError(f"{what}: holds {len(content)} bytes, its shape {shape} needs "
                                      f"{count * np_type.itemsize}")
        array = np.frombuffer(content, np_type.newbyteorder("<"), count).astype(np_type)
    else:
        values = getattr(tensor, VALUE_FIELDS[dtype])
        if dtype in (19, 14):  # halves and bfloat16s travel as the low 16 bits of int32s
            values = np.array(values, np.uint32).astype(np.uint16).view(np_type)
        array = np.array(values, dtype=np_type)
        if array.size == 0 and count:
            array = np.zeros(count, np_type)
        elif array.size not in (1, count):
            raise MalformedModelError(f"{what}: {array.size} values for shape {shape}")
        # a shorter list repeats its last value (TensorFlow's encoding of splat constants)
        if array.size != count:
            array = np.full(count, array[-1], np_type)
    if dtype == 14:
        array = bfloat16_to_float32(array.view(np.uint16))
    return array.reshape(shape)


class CalleeUnsupported(Exception):
    """A call whose function body holds unsupported nodes, already listed under their own names."""


@dataclass
class Resource:
    """A variable handle; `known` holds the variable's value (None in a graph with no checkpoint)."""
    name: str
    known: Known | None


Value = str | Known | Resource  # an IR value name, a known array, or a variable handle


@dataclass
class Scope:
    """The nodes of the main graph or of one function body being inlined, and the values found so far."""
    nodes: dict
    function: str | None = None
    depth: int = 0
    values: dict[str, Value] = field(default_factory=dict)  # "node:index" -> value
    done: set[str] = field(default_factory=set)
    poisoned: set[str] = field(default_factory=set)

    def key(self, ref: str) -> str:
        """The canonical "node:index" of an input reference in this scope."""
        if self.function is None:
            name, _, index = ref.partition(":")
            return f"{name}:{index or 0}"
        parts = ref.split(":")
        if len(parts) == 1:
            return f"{ref}:0"  # a function argument
        if len(parts) != 3 or not parts[2].isdigit():
            raise MalformedModelError(f"function {self.function!r}: malformed input reference {ref!r}")
        name, arg, index = parts
        node = self.nodes.get(name)
        if node is None:
            raise MalformedModelError(f"function {self.function!r}: input {ref!r} names no node")
        args = OUTPUT_ARGS.get(node.op)
        base = args.index(arg) if args and arg in args else 0
        return f"{name}:{base + int(index)}"

    def where(self) -> str:
        return f" in function {self.function!r}" if self.function else ""


def node_of(key: str) -> str:
    return key.rpartition(":")[0]


def data_inputs(node) -> list[str]:
    return [i for i in node.input if not i.startswith("^")]


class TfLowering(Lowering):
    """What a lowering function works with while it lowers one TF node."""

    def __init__(self, reader: "TfReader", graph: Graph, scope: Scope):
        self.reader, self.graph, self.scope = reader, graph, scope
        self.node = None
        self.node_name = ""
        self.inputs: list[str] = []

    def begin(self, node, inputs: list[str]):
        self.node, self.node_name, self.inputs = node, node.name, inputs

    # -- attributes

    def attr(self, name: str, default=None):
        """An attribute's value as plain Python (lists, strings, ints, floats, shapes as dim lists)."""
        if name not in self.node.attr:
            return default
        value = self.node.attr[name]
        kind = value.WhichOneof("value")
        if kind == "s":
            return value.s.decode("utf-8", "replace")
        if kind == "shape":
            return shape_of(value.shape)
        if kind == "tensor":
            return tensor_array(value.tensor, f"node {self.node_name!r} attribute {name!r}")
        if kind == "func":
            return value.func.name
        if kind == "list":
            items = value.list
            for list_kind in ("i", "f", "s", "type", "b"):
                if len(getattr(items, list_kind)):
                    values = list(getattr(items, list_kind))
                    return [v.decode("utf-8", "replace") for v in values] if list_kind == "s" else values
            return [shape_of(s) for s in items.shape] if len(items.shape) else []
        return getattr(value, kind) if kind else default

    # -- values

    def value(self, index: int) -> Value:
        if index >= len(self.inputs):
            raise Unsupported(f"input {index} is missing")
        return self.scope.values[self.inputs[index]]

    def is_known(self, index: int) -> bool:
        value = self.value(index)
        return isinstance(value, Known) and not value.partial

    def info(self, index: int) -> ops.TensorInfo:
        value = self.value(index)
        if isinstance(value, Known):
            return ops.TensorInfo(tuple(value.value.shape), runtime_dtype_of_array(value.value))
        if isinstance(value, Resource):
            raise Unsupported(f"input {self.inputs[index]!r} is a variable handle, not a tensor")
        return self.graph.info[value]

    def tensor(self, index: int) -> str:
        """The IR value of input `index`, adding known contents to the graph as a constant."""
        value = self.value(index)
        if isinstance(value, str):
            return value
        if isinstance(value, Resource):
            raise Unsupported(f"input {self.inputs[index]!r} is a variable handle, not a tensor")
        if value.partial:
            raise Unsupported(f"input {self.inputs[index]!r} depends on a free dimension at run time; "
                              f"fix its size with --input-shape")
        if value.ir_name is None or value.ir_name not in self.graph.info:
            hint = value.hint or node_of(self.inputs[index])
            value.ir_name = self.graph.add_constant(narrow(value.value, f"tensor {hint!r}"), hint, value.parameter)
        return value.ir_name

    def tensor_in(self, graph: Graph, value) -> str:
        """A value (an IR name or known contents) as a value of `graph`, adding known contents as a constant."""
        if isinstance(value, str):
            return value
        if isinstance(value, Resource) or value.partial:
            raise Unsupported("a control-flow value is a variable handle or follows a free dimension")
        return graph.add_constant(narrow(value.value, f"node {self.node_name!r} value"), f"{self.node_name}/value",
                                  value.parameter)

    def const(self, index: int) -> np.ndarray:
        """The contents of input `index`, which must be known while converting."""
        value = self.value(index)
        if not isinstance(value, Known):
            raise Unsupported(f"input {self.inputs[index]!r} must be a constant")
        if value.partial:
            raise Unsupported(f"input {self.inputs[index]!r} depends on a free dimension; "
                              f"fix its size with --input-shape")
        return value.value

    def dims(self, index: int) -> list[int]:
        """An integer vector input (a shape, say) with -1 where a free dimension decides the entry."""
        value = self.value(index)
        if not isinstance(value, Known):
            raise Unsupported(f"input {self.inputs[index]!r} must be computable while converting")
        return value.entries()

    def output(self, index: int, value: Value):
        self.scope.values[f"{self.node_name}:{index}"] = value

    def set_known(self, index: int, value: np.ndarray, alternate: np.ndarray | None = None):
        ops.check_size(value.shape, f"node {self.node_name!r} output")
        self.output(index, Known(np.asarray(value), alternate))

    # -- emitting

    def data_format(self) -> str:
        layout = self.attr("data_format", "NHWC")
        if layout not in ("NHWC", "NCHW"):
            raise Unsupported(f"data_format {layout!r}")
        return layout

    def channels_last(self, x: str) -> str:
        return self.emit("transpose", x, perm=[0, 2, 3, 1]) if self.data_format() == "NCHW" else x

    def channels_first(self, y: str) -> str:
        return self.emit("transpose", y, perm=[0, 3, 1, 2]) if self.data_format() == "NCHW" else y

    def spatial(self, values: list[int], what: str) -> list[int]:
        """The H, W entries of a 4-long NHWC/NCHW attribute (strides, ksize, dilations)."""
        if len(values) != 4:
            raise ConversionError(f"node {self.node_name!r}: {what} {values} must have 4 entries")
        return list(values[2:4]) if self.data_format() == "NCHW" else list(values[1:3])


Lower = Callable[[TfLowering], None]
LOWERINGS: LoweringTable[TfLowering] = LoweringTable()
lowers = LOWERINGS.lowers


# ------------------------------------------------------------------------ sources, identities, variables

@lowers("Const")
def lower_const(ctx):
    if ctx.node.attr["value"].tensor.dtype == DT_STRING:
        raise Unsupported("string constants (text processing inside the graph) are not supported")
    value = ctx.attr("value")
    if not isinstance(value, np.ndarray):
        raise ConversionError(f"node {ctx.node_name!r}: Const without a tensor value")
    # a graph without a checkpoint (a frozen GraphDef, a TF.js graph model) holds its variables as Consts:
    # there a float Const of rank >= 1 is a parameter (scalars are literals: epsilons, scales, fill values)
    parameter = ctx.reader.frozen and is_float(value) and value.ndim >= 1
    ctx.output(0, Known(value, hint=ctx.node_name, parameter=parameter))


@lowers("Identity", "StopGradient", "Snapshot", "PreventGradient", "EnsureShape", "CheckNumerics",
        "PlaceholderWithDefault")
def lower_identity(ctx):
    ctx.output(0, ctx.value(0))


@lowers("IdentityN")
def lower_identity_n(ctx):
    for i in range(len(ctx.inputs)):
        ctx.output(i, ctx.value(i))


@lowers("NoOp")
def lower_no_op(ctx):
    pass


@lowers("Placeholder")
def lower_placeholder(ctx):
    # declared inputs are bound before the walk, so the walk reaches only placeholders nobody feeds
    raise Unsupported("placeholder is not an input of the chosen signature")


@lowers("VarHandleOp", "VariableV2", "Variable")
def lower_variable(ctx):
    resource = ctx.reader.variable(ctx.node)
    if ctx.node.op == "VarHandleOp":
        ctx.output(0, resource)
    elif resource.known is None:
        raise Unsupported(f"variable {resource.name!r} has no value (a frozen graph should hold none)")
    else:
        ctx.output(0, resource.known)


def variable_value(ctx: TfLowering, index: int) -> Known:
    resource = ctx.value(index)
    if not isinstance(resource, Resource):
        raise Unsupported(f"input {ctx.inputs[index]!r} is not a variable handle")
    if resource.known is None:
        raise Unsupported(f"variable {resource.name!r} has no value in the checkpoint")
    return resource.known


@lowers("ReadVariableOp")
def lower_read_variable(ctx):
    ctx.output(0, variable_value(ctx, 0))


@lowers("StatefulPartitionedCall", "PartitionedCall")
def lower_call(ctx):
    ctx.reader.inline_call(ctx, ctx.attr("f"))


CONTROL_FLOW = ("Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond", "Case", "StatelessCase")


@lowers(*CONTROL_FLOW)
def lower_control_flow(ctx):
    raise Unsupported("TF1 control flow (Switch/Merge, Enter/Exit loops) and Case are not supported; export the "
                      "model with TF2's functional If and While")


@lowers("If", "StatelessIf")
def lower_if(ctx: TfLowering):
    """A known condition inlines the branch taken; else an `if` node whose branches read the If's inputs
    as outer values (control_flow.py)."""
    branches = {"then": ctx.attr("then_branch"), "else": ctx.attr("else_branch")}
    args = [ctx.value(i) for i in range(1, len(ctx.inputs))]
    if ctx.is_known(0):
        chosen = branches["then" if ctx.const(0).reshape(-1)[0] else "else"]
        for i, value in enumerate(ctx.reader.call(ctx, chosen, args)):
            ctx.output(i, value)
        return
    if ctx.info(0).shape != ():
        raise Unsupported(f"a condition of shape {list(ctx.info(0).shape)}: only a scalar one is read")
    condition = ctx.tensor(0)
    bodies = {}
    for role, function in branches.items():
        body = Graph(parent=ctx.graph)
        outer = [body.add_outer(v, ctx.graph.info[v]) if isinstance(v, str) else v for v in args]
        body.outputs = ctx.reader.call_in_body(ctx, body, lambda: ctx.reader.call(ctx, function, outer))
        bodies[role] = seal(body, ctx.graph)
    outputs = ctx.graph.add_control_flow("if", [condition, *captured(bodies.values())], bodies, ctx.node_name)
    for i, out in enumerate(outputs):
        ctx.output(i, out)


@lowers("While", "StatelessWhile")
def lower_while(ctx: TfLowering):
    """Iterations whose condition is known while converting are unrolled (a loop counter compared with a
    constant), up to UNROLL_NODES nodes; what remains is a `loop` without a trip count whose body runs
    the body function, then the condition function on its results."""
    cond, step = ctx.attr("cond"), ctx.attr("body")
    state = [ctx.value(i) for i in range(len(ctx.inputs))]
    nodes = len(ctx.graph.nodes)
    for unrolled in range(UNROLL_NODES + 1):
        going = ctx.reader.call(ctx, cond, state)[0]
        if not (isinstance(going, Known) and not going.partial):
            break
        if not going.value.reshape(-1)[0]:
            for i, value in enumerate(state):
                ctx.output(i, value)
            return
        if len(ctx.graph.nodes) - nodes > UNROLL_NODES or unrolled == UNROLL_NODES:
            break  # the rest runs as a loop, from the state reached
        state = ctx.reader.call(ctx, step, state)
    initial = [ctx.tensor_in(ctx.graph, value) for value in state]
    condition = ctx.tensor_in(ctx.graph, going)
    if ctx.graph.info[condition].shape != ():
        raise Unsupported(f"a condition of shape {list(ctx.graph.info[condition].shape)}: only a scalar one is read")

    def build(infos):
        body = Graph(parent=ctx.graph)
        body.add_input(body.unique_name(f"{ctx.node_name}/iteration"), (), "int32")
        body.add_input(body.unique_name(f"{ctx.node_name}/condition"), (), "bool")
        carried = [body.add_input(body.unique_name(f"{ctx.node_name}/carried"), info.shape, info.dtype) for info in infos]

        def iteration():
            results = ctx.reader.call(ctx, step, carried)
            return [ctx.reader.call(ctx, cond, results)[0], *results]
        body.outputs = ctx.reader.call_in_body(ctx, body, iteration)
        return body

    body = refined(build, [ctx.graph.info[v] for v in initial], ctx.graph, f"node {ctx.node_name!r} ({ctx.node.op})")
    outputs = ctx.graph.add_control_flow("loop", ["", condition, *initial, *captured([body])], {"body": body},
                                         ctx.node_name)
    for i, out in enumerate(outputs):
        ctx.output(i, out)


# ------------------------------------------------------------------------ elementwise

UNARY = {"Relu": "relu", "Relu6": "relu6", "Elu": "elu", "Selu": "selu", "Sigmoid": "sigmoid", "Tanh": "tanh",
         "Exp": "exp", "Log": "log", "Sqrt": "sqrt", "Rsqrt": "rsqrt", "Neg": "neg", "Abs": "abs", "Erf": "erf",
         "Reciprocal": "reciprocal", "Inv": "reciprocal", "Floor": "floor", "Ceil": "ceil", "Round": "round",
         "Sin": "sin", "Cos": "cos", "Sign": "sign", "Softplus": "softplus", "Softsign": "softsign", "LogicalNot": "logicalNot",
         "IsNan": "isNaN"}
BINARY = {"Add": "add", "AddV2": "add", "Sub": "sub", "Mul": "mul", "RealDiv": "div", "Div": "div",
          "FloorDiv": "floorDiv", "Maximum": "maximum", "Minimum": "minimum", "Pow": "pow", "FloorMod": "mod",
          "SquaredDifference": "squaredDifference", "Equal": "equal", "NotEqual": "notEqual", "Less": "less",
          "LessEqual": "lessEqual", "Greater": "greater", "GreaterEqual": "greaterEqual",
          "LogicalAnd": "logicalAnd", "LogicalOr": "logicalOr"}


def binary(op: str) -> Lower:
    def lower(ctx: TfLowering):
        a, b = ctx.tensor(0), ctx.tensor(1)
        ctx.output(0, ctx.emit(op, a, b))
    return lower


LOWERINGS.update({tf_op: LOWERINGS.unary(op) for tf_op, op in UNARY.items()})
LOWERINGS.update({tf_op: binary(op) for tf_op, op in BINARY.items()})


@lowers("Erfc")
def lower_erfc(ctx):
    ctx.output(0, ctx.emit("sub", ctx.constant(np.float32(1), "one"), ctx.emit("erf", ctx.tensor(0))))


@lowers("Log1p")
def lower_log1p(ctx):
    ctx.output(0, ctx.emit("log", ctx.emit("add", ctx.tensor(0), ctx.constant(np.float32(1), "one"))))


@lowers("Expm1")
def lower_expm1(ctx):
    ctx.output(0, ctx.emit("sub", ctx.emit("exp", ctx.tensor(0)), ctx.constant(np.float32(1), "one")))


@lowers("Cumsum")
def lower_cumsum(ctx):
    ctx.output(0, ctx.emit("cumsum", ctx.tensor(0), axis=int(ctx.const(1).reshape(-1)[0]),
                           exclusive=bool(ctx.attr("exclusive", False)), reverse=bool(ctx.attr("reverse", False))))


@lowers("Square")
def lower_square(ctx):
    x = ctx.tensor(0)
    ctx.output(0, ctx.emit("mul", x, x))


@lowers("LeakyRelu")
def lower_leaky_relu(ctx):
    ctx.output(0, ctx.emit("leakyRelu", ctx.tensor(0), alpha=float(ctx.attr("alpha", 0.2))))


@lowers("ClipByValue")
def lower_clip(ctx):
    low, high = float(ctx.const(1).reshape(-1)[0]), float(ctx.const(2).reshape(-1)[0])
    x = ctx.tensor(0)
    ctx.output(0, ctx.emit("relu6", x) if (low, high) == (0.0, 6.0)
               else ctx.emit("clipByValue", x, clipValueMin=low, clipValueMax=high))


@lowers("AddN")
def lower_add_n(ctx):
    total = ctx.tensor(0)
    for i in range(1, len(ctx.inputs)):
        total = ctx.emit("add", total, ctx.tensor(i))
    ctx.output(0, total)


@lowers("BiasAdd", "BiasAddV1")
def lower_bias_add(ctx):
    x, bias = ctx.tensor(0), ctx.tensor(1)
    if ctx.data_format() == "NCHW" and ctx.rank(0) > 2:
        bias = ctx.emit("reshape", bias, shape=[-1] + [1] * (ctx.rank(0) - 2))
    ctx.output(0, ctx.emit("add", x, bias))


@lowers("Select", "SelectV2")
def lower_select(ctx):
    condition = ctx.tensor(0)
    if ctx.node.op == "Select" and ctx.rank(0) == 1 and ctx.rank(1) > 1:
        condition = ctx.emit("reshape", condition, shape=[-1] + [1] * (ctx.rank(1) - 1))  # picks whole rows
    ctx.output(0, ctx.emit("where", condition, ctx.tensor(1), ctx.tensor(2)))


# Data-dependent shapes: host ops, which the runtime runs in executeAsync (readers/onnx.py says more).

@lowers("Where")
def lower_where(ctx):
    """One input (Select is the three-input form): the coordinates of the true (non-zero) elements, as
    tf.boolean_mask's graph uses them (Where -> Reshape -> GatherV2)."""
    ctx.output(0, ctx.emit("whereAsync", ctx.tensor(0)))


@lowers("NonMaxSuppressionV3", "NonMaxSuppressionV4", "NonMaxSuppressionV5")
def lower_non_max_suppression(ctx):
    inputs = [ctx.tensor(i) for i in range(6 if ctx.node.op == "NonMaxSuppressionV5" else 5)]
    selected, scores, valid = ctx.emit_many("nonMaxSuppression", inputs,
                                            padToMaxOutputSize=bool(ctx.attr("pad_to_max_output_size", False)))
    outputs = {"NonMaxSuppressionV3": [selected], "NonMaxSuppressionV4": [selected, valid],
               "NonMaxSuppressionV5": [selected, scores, valid]}[ctx.node.op]
    for index, value in enumerate(outputs):
        ctx.output(index, value)


@lowers("Unique")
def lower_unique(ctx):
    """TF's Unique (1-D): the distinct values in order of first appearance and each element's index among them."""
    values, _, inverse, _ = ctx.emit_many("uniqueAsync", [ctx.tensor(0)], axis=0, sorted=False)
    ctx.output(0, values)
    ctx.output(1, inverse)


@lowers("Cast")
def lower_cast(ctx):
    dtype = runtime_dtype_of(ctx.attr("DstT", 1), f"node {ctx.node_name!r}")
    x = ctx.tensor(0)
    ctx.output(0, x if ctx.graph.info[x].dtype == dtype else ctx.emit("cast", x, dtype=dtype))


@lowers("Softmax", "LogSoftmax")
def lower_softmax(ctx):
    x = ctx.tensor(0)
    ctx.output(0, ctx.emit("softmax", x, dim=-1) if ctx.node.op == "Softmax" else ctx.emit("logSoftmax", x, axis=-1))


# ------------------------------------------------------------------------ reductions and matmul

REDUCTIONS = {"Mean": "mean", "Sum": "sum", "Max": "max", "Min": "min", "Prod": "prod"}


def reduction(op: str) -> Lower:
    def lower(ctx: TfLowering):
        rank = ctx.rank(0)
        axes = sorted({ops.normalize_axis(a, rank) for a in ctx.const_ints(1)})
        x = ctx.tensor(0)
        ctx.output(0, ctx.emit(op, x, axis=axes, keepDims=bool(ctx.attr("keep_dims", False))) if axes else x)
    return lower


LOWERINGS.update({tf_op: reduction(op) for tf_op, op in REDUCTIONS.items()})


@lowers("ArgMax", "ArgMin")
def lower_arg_reduce(ctx):
    axis = ops.normalize_axis(int(ctx.const(1).reshape(-1)[0]), ctx.rank(0))
    ctx.output(0, ctx.emit("argMax" if ctx.node.op == "ArgMax" else "argMin", ctx.tensor(0), axis=axis))


@lowers("MatMul")
def lower_matmul(ctx):
    ctx.output(0, ctx.emit("matMul", ctx.tensor(0), ctx.tensor(1), transposeA=bool(ctx.attr("transpose_a", False)),
                           transposeB=bool(ctx.attr("transpose_b", False))))


@lowers("BatchMatMul", "BatchMatMulV2", "BatchMatMulV3")
def lower_batch_matmul(ctx):
    ctx.output(0, ctx.emit("matMul", ctx.tensor(0), ctx.tensor(1), transposeA=bool(ctx.attr("adj_x", False)),
                           transposeB=bool(ctx.attr("adj_y", False))))


@lowers("Einsum")
def lower_einsum(ctx):
    equation = ctx.attr("equation", "").replace(" ", "")
    if "..." in equation or "->" not in equation:
        raise Unsupported(f"einsum equation {equation!r} (ellipsis or implicit output)")
    ctx.output(0, ctx.emit("einsum", *(ctx.tensor(i) for i in range(len(ctx.inputs))), equation=equation))


# ------------------------------------------------------------------------ convolution, pooling, normalisation

def padding(ctx: TfLowering):
    """TF's padding attr as the runtime's pad ('same' | 'valid' | NHWC pairs)."""
    kind = ctx.attr("padding", "VALID")
    if kind == "SAME":
        return "same"
    if kind == "VALID":
        return "valid"
    if kind == "EXPLICIT":
        flat = ctx.attr("explicit_paddings", [])
        if len(flat) != 8:
            raise ConversionError(f"node {ctx.node_name!r}: explicit_paddings {flat} must have 8 entries")
        pairs = [[int(flat[2 * i]), int(flat[2 * i + 1])] for i in range(4)]
        if ctx.data_format() == "NCHW":
            pairs = [pairs[0], pairs[2], pairs[3], pairs[1]]
        return "valid" if pairs == [[0, 0]] * 4 else pairs
    raise ConversionError(f"node {ctx.node_name!r}: unknown padding {kind!r}")


def conv_attrs(ctx: TfLowering) -> dict:
    return dict(strides=ctx.spatial(ctx.attr("strides", [1, 1, 1, 1]), "strides"), pad=padding(ctx),
                dilations=ctx.spatial(ctx.attr("dilations", [1, 1, 1, 1]), "dilations"))


@lowers("Conv2D")
def lower_conv2d(ctx):
    y = ctx.emit("conv2d", ctx.channels_last(ctx.tensor(0)), ctx.tensor(1), **conv_attrs(ctx))
    ctx.output(0, ctx.channels_first(y))


@lowers("DepthwiseConv2dNative")
def lower_depthwise(ctx):
    y = ctx.emit("depthwiseConv2d", ctx.channels_last(ctx.tensor(0)), ctx.tensor(1), **conv_attrs(ctx))
    ctx.output(0, ctx.channels_first(y))


@lowers("Conv2DBackpropInput")
def lower_conv_transpose(ctx):
    sizes = ctx.const_ints(0)
    attrs = conv_attrs(ctx)
    if attrs["dilations"] != [1, 1]:
        raise Unsupported("dilated transposed convolution")
    height, width, channels = (sizes[2], sizes[3], sizes[1]) if ctx.data_format() == "NCHW" else sizes[1:4]
    y = ctx.emit("conv2dTranspose", ctx.channels_last(ctx.tensor(2)), ctx.tensor(1),
                 outputShape=[height, width, channels], strides=attrs["strides"], pad=attrs["pad"])
    ctx.output(0, ctx.channels_first(y))


@lowers("MaxPool", "AvgPool")
def lower_pool(ctx):
    attrs = dict(filterSize=ctx.spatial(ctx.attr("ksize", []), "ksize"),
                 strides=ctx.spatial(ctx.attr("strides", []), "strides"), pad=padding(ctx))
    op = "maxPool" if ctx.node.op == "MaxPool" else "avgPool"
    ctx.output(0, ctx.channels_first(ctx.emit(op, ctx.channels_last(ctx.tensor(0)), **attrs)))


@lowers("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3")
def lower_fused_batch_norm(ctx):
    if ctx.attr("is_training", True):
        raise Unsupported("training-mode batch normalisation (is_training=true)")
    x = ctx.channels_last(ctx.tensor(0))
    y = ctx.emit("batchNorm", x, ctx.tensor(3), ctx.tensor(4), ctx.tensor(2), ctx.tensor(1),
                 varianceEpsilon=float(ctx.attr("epsilon", 1e-4)))
    ctx.output(0, ctx.channels_first(y))


@lowers("LRN")
def lower_lrn(ctx):
    ctx.output(0, ctx.emit("localResponseNormalization", ctx.tensor(0), depthRadius=int(ctx.attr("depth_radius", 5)),
                           bias=float(ctx.attr("bias", 1.0)), alpha=float(ctx.attr("alpha", 1.0)),
                           beta=float(ctx.attr("beta", 0.5))))


@lowers("ResizeBilinear", "ResizeNearestNeighbor")
def lower_resize(ctx):
    op = "resizeBilinear" if ctx.node.op == "ResizeBilinear" else "resizeNearestNeighbor"
    ctx.output(0, ctx.emit(op, ctx.tensor(0), size=ctx.const_ints(1),
                           alignCorners=bool(ctx.attr("align_corners", False)),
                           halfPixelCenters=bool(ctx.attr("half_pixel_centers", False))))


@lowers("DepthToSpace")
def lower_depth_to_space(ctx):
    y = ctx.emit("depthToSpace", ctx.channels_last(ctx.tensor(0)), blockSize=int(ctx.attr("block_size", 2)))
    ctx.output(0, ctx.channels_first(y))


# ------------------------------------------------------------------------ shapes known while converting

@lowers("Shape")
def lower_shape(ctx):
    ctx.set_known_shape(0, ctx.shape(0))


@lowers("Size")
def lower_size(ctx):
    ctx.set_known_size(0, ctx.shape(0))


@lowers("Rank")
def lower_rank(ctx):
    ctx.set_known(0, np.array(ctx.rank(0), np.int32))


@lowers("Range")
def lower_range(ctx):
    start, limit, delta = (ctx.const(i).item() for i in range(3))
    if delta == 0:
        raise ConversionError(f"node {ctx.node_name!r}: Range with delta 0")
    count = max(math.ceil((limit - start) / delta), 0)
    ops.check_size([count], f"node {ctx.node_name!r} output")
    ctx.set_known(0, (np.arange(count) * delta + start).astype(ctx.const(0).dtype))


@lowers("Fill")
def lower_fill(ctx):
    shape = ctx.dims(0)
    if -1 in shape:
        raise Unsupported("Fill to a shape with a free dimension")
    ops.check_size(shape, f"node {ctx.node_name!r} output")
    ctx.set_known(0, np.full(shape, ctx.const(1).reshape(-1)[0]))


@lowers("ZerosLike", "OnesLike")
def lower_zeros_like(ctx):
    info = ctx.info(0)
    if -1 in info.shape:
        raise Unsupported(f"{ctx.node.op} of a tensor with a free dimension")
    fill = 0 if ctx.node.op == "ZerosLike" else 1
    ctx.set_known(0, np.full(info.shape, fill, dtype={"float32": np.float32, "int32": np.int32,
                                                      "bool": np.bool_}[info.dtype]))


# ------------------------------------------------------------------------ shape ops

@lowers("Reshape")
def lower_reshape(ctx):
    target = ctx.value(1)
    if not isinstance(target, Known):
        raise Unsupported("the target shape must be computable while converting")
    ctx.output(0, ctx.reshape_to_known(ctx.tensor(0), target))


@lowers("Squeeze")
def lower_squeeze(ctx):
    shape = ctx.shape(0)
    axes = ctx.attr("squeeze_dims", [])
    if not axes:
        if -1 in shape:
            raise Unsupported("Squeeze without squeeze_dims over free dimensions")
        axes = [i for i, d in enumerate(shape) if d == 1]
    x = ctx.tensor(0)
    axes = sorted({ops.normalize_axis(a, len(shape)) for a in axes})
    ctx.output(0, ctx.emit("squeeze", x, axis=axes) if axes else x)


@lowers("ExpandDims")
def lower_expand_dims(ctx):
    ctx.output(0, ctx.emit("expandDims", ctx.tensor(0), axis=int(ctx.const(1).reshape(-1)[0])))


def concat(ctx: TfLowering, indices: list[int], axis: int):
    inputs = [ctx.tensor(i) for i in indices]
    inputs = [i for i in inputs if 0 not in ctx.graph.info[i].shape] or inputs[:1]
    ctx.output(0, ctx.emit("concat", *inputs, axis=axis) if len(inputs) > 1 else inputs[0])


@lowers("ConcatV2")
def lower_concat_v2(ctx):
    count = len(ctx.inputs) - 1
    concat(ctx, list(range(count)), int(ctx.const(count).reshape(-1)[0]))


@lowers("Concat")
def lower_concat(ctx):
    concat(ctx, list(range(1, len(ctx.inputs))), int(ctx.const(0).reshape(-1)[0]))


@lowers("Pack")
def lower_pack(ctx):
    axis = ops.normalize_axis(int(ctx.attr("axis", 0)), ctx.rank(0) + 1)
    parts = [ctx.emit("expandDims", ctx.tensor(i), axis=axis) for i in range(len(ctx.inputs))]
    ctx.output(0, ctx.emit("concat", *parts, axis=axis) if len(parts) > 1 else parts[0])


@lowers("Unpack")
def lower_unpack(ctx):
    shape = ctx.shape(0)
    axis = ops.normalize_axis(int(ctx.attr("axis", 0)), len(shape))
    if shape[axis] < 0:
        raise Unsupported("Unpack along a free dimension")
    parts = ctx.emit_many("split", [ctx.tensor(0)], numOrSizeSplits=[1] * shape[axis], axis=axis)
    for i, part in enumerate(parts):
        ctx.output(i, ctx.emit("squeeze", part, axis=[axis]))


def split(ctx: TfLowering, x_index: int, axis: int, sizes: list[int]):
    shape = ctx.shape(x_index)
    axis = ops.normalize_axis(axis, len(shape))
    if -1 in sizes:
        if shape[axis] < 0:
            raise Unsupported("SplitV with an inferred size along a free dimension")
        sizes[sizes.index(-1)] = shape[axis] - (sum(sizes) + 1)
    for i, part in enumerate(ctx.emit_many("split", [ctx.tensor(x_index)], numOrSizeSplits=sizes, axis=axis)):
        ctx.output(i, part)


@lowers("Split")
def lower_split(ctx):
    axis = int(ctx.const(0).reshape(-1)[0])
    size = ctx.shape(1)[ops.normalize_axis(axis, ctx.rank(1))]
    parts = int(ctx.attr("num_split", 1))
    if size < 0:
        raise Unsupported("Split along a free dimension")
    if size % parts:
        raise ConversionError(f"node {ctx.node_name!r}: {size} does not split into {parts} equal parts")
    split(ctx, 1, axis, [size // parts] * parts)


@lowers("SplitV")
def lower_split_v(ctx):
    split(ctx, 0, int(ctx.const(2).reshape(-1)[0]), ctx.const_ints(1))


@lowers("Transpose")
def lower_transpose(ctx):
    ctx.output(0, ctx.emit("transpose", ctx.tensor(0), perm=ctx.const_ints(1)))


@lowers("Tile")
def lower_tile(ctx):
    ctx.output(0, ctx.emit("tile", ctx.tensor(0), reps=ctx.const_ints(1)))


@lowers("BroadcastTo")
def lower_broadcast_to(ctx):
    target = ctx.dims(1)
    x = ctx.tensor(0)
    if -1 not in target:
        ctx.output(0, ctx.emit("broadcastTo", x, shape=target))
        return
    # a free dimension cannot appear in broadcastTo's shape: broadcast against zeros instead
    info = ctx.graph.info[x]
    zeros = ctx.constant(np.zeros([1 if d == -1 else d for d in target], dtype=info.dtype), "zeros")
    ctx.output(0, ctx.emit("logicalOr" if info.dtype == "bool" else "add", x, zeros))


@lowers("Pad", "PadV2", "MirrorPad")
def lower_pad(ctx):
    paddings = [[int(a), int(b)] for a, b in ctx.const(1).reshape(-1, 2)]
    x = ctx.tensor(0)
    if ctx.node.op == "MirrorPad":
        mode = ctx.attr("mode", "REFLECT").lower()
        if mode not in ops.allowed_values("mirrorPad", "mode"):
            raise Unsupported(f"MirrorPad mode {mode!r}")
        ctx.output(0, ctx.emit("mirrorPad", x, paddings=paddings, mode=mode))
        return
    value = float(ctx.const(2).reshape(-1)[0]) if ctx.node.op == "PadV2" else 0.0
    ctx.output(0, ctx.emit("pad", x, paddings=paddings, constantValue=value))


@lowers("Slice")
def lower_slice(ctx):
    shape = ctx.shape(0)
    begin, size = ctx.const_ints(1), ctx.const_ints(2)
    size = [s if s >= 0 or d < 0 else d - b for s, b, d in zip(size, begin, shape)]
    ctx.output(0, ctx.emit("slice", ctx.tensor(0), begin=begin, size=size))


def bit(mask: int, i: int) -> bool:
    return bool(mask >> i & 1)


@lowers("StridedSlice")
def lower_strided_slice(ctx):
    """TF's strided slice (ellipsis, new axes, shrinking) as slice/stridedSlice, squeeze and expandDims."""
    shape = list(ctx.shape(0))
    rank = len(shape)
    begin, end, strides = ctx.const_ints(1), ctx.const_ints(2), ctx.const_ints(3)
    masks = {m: int(ctx.attr(m, 0)) for m in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                              "shrink_axis_mask")}
    specs = len(begin)
    real = sum(1 for i in range(specs) if not bit(masks["ellipsis_mask"], i) and not bit(masks["new_axis_mask"], i))
    full = (0, 0, 1, True, True, False)
    per_dim, layout = [], []  # per input dim (begin, end, stride, begin masked, end masked, shrink); output layout
    for i in range(specs):
        if bit(masks["ellipsis_mask"], i):
            for _ in range(rank - real):
                layout.append(len(per_dim))
                per_dim.append(full)
        elif bit(masks["new_axis_mask"], i):
            layout.append(None)
        else:
            shrink = bit(masks["shrink_axis_mask"], i)
            if not shrink:
                layout.append(len(per_dim))
            per_dim.append((begin[i], end[i], strides[i], bit(masks["begin_mask"], i), bit(masks["end_mask"], i),
                            shrink))
    while len(per_dim) < rank:
        layout.append(len(per_dim))
        per_dim.append(full)
    if len(per_dim) != rank:
        raise ConversionError(f"node {ctx.node_name!r}: slice spec of {specs} entries does not fit rank {rank}")
    starts, sizes, stops, steps, end_mask = [], [], [], [], 0
    for axis, (b, e, s, begin_masked, end_masked, shrink) in enumerate(per_dim):
        dim = shape[axis]
        if s == 0:
            raise ConversionError(f"node {ctx.node_name!r}: stride 0")
        if shrink:
            if dim < 0 and b < 0:
                raise Unsupported("negative index into a free dimension")
            b = b + dim if b < 0 else b
            if dim >= 0 and not 0 <= b < dim:
                raise ConversionError(f"node {ctx.node_name!r}: index {b} is outside dimension {axis} of size {dim}")
            starts.append(b), sizes.append(1), stops.append(b + 1), steps.append(1)
        elif dim < 0:
            whole = s == 1 and (begin_masked or b == 0) and (end_masked or e >= INT32_MAX)
            if not whole:
                raise Unsupported(f"strided slice along free dimension {axis}; fix it with --input-shape")
            starts.append(0), sizes.append(-1), stops.append(0), steps.append(1)
            end_mask |= 1 << axis
        else:
            picked = ops.strided_range(dim, b, e, s, begin_masked, end_masked)
            starts.append(picked.start), sizes.append(len(picked)), steps.append(s)
            stops.append(picked.stop if picked.stop >= 0 else 0)
            if picked.stop < 0:
                end_mask |= 1 << axis
    x = ctx.tensor(0)
    if all(s == 1 for s in steps):
        if starts != [0] * rank or any(sz != d for sz, d in zip(sizes, shape) if d >= 0):
            x = ctx.emit("slice", x, begin=starts, size=sizes)
    else:
        x = ctx.emit("stridedSlice", x, begin=starts, end=stops, strides=steps, beginMask=0, endMask=end_mask)
    shrunk = [axis for axis, spec in enumerate(per_dim) if spec[5]]
    if shrunk:
        x = ctx.emit("squeeze", x, axis=shrunk)
    for position, source in enumerate(layout):
        if source is None:
            x = ctx.emit("expandDims", x, axis=position)
    ctx.output(0, x)


def gather(ctx: TfLowering, params: str, params_shape, indices_index: int, axis: int, batch_dims: int):
    axis = ops.normalize_axis(axis, len(params_shape))
    if ctx.is_known(indices_index):
        indices = ctx.const(indices_index).astype(np.int64)
        if params_shape[axis] >= 0 and indices.size and (indices.min() < 0 or indices.max() >= params_shape[axis]):
            raise ConversionError(f"node {ctx.node_name!r}: gather indices outside [0, {params_shape[axis]})")
        indices_ir = ctx.constant(narrow(indices, "gather indices"), "indices")
    else:
        indices_ir = ctx.tensor(indices_index)
    ctx.output(0, ctx.emit("gather", params, indices_ir, axis=axis, batchDims=batch_dims))


@lowers("GatherV2", "Gather")
def lower_gather(ctx):
    axis = int(ctx.const(2).reshape(-1)[0]) if ctx.node.op == "GatherV2" else 0
    gather(ctx, ctx.tensor(0), ctx.shape(0), 1, axis, int(ctx.attr("batch_dims", 0)))


@lowers("ResourceGather")
def lower_resource_gather(ctx):
    known = variable_value(ctx, 0)
    if known.ir_name is None or known.ir_name not in ctx.graph.info:
        known.ir_name = ctx.graph.add_constant(narrow(known.value, f"variable {known.hint!r}"), known.hint,
                                               known.parameter)
    batch_dims = int(ctx.attr("batch_dims", 0))
    gather(ctx, known.ir_name, known.value.shape, 1, batch_dims, batch_dims)  # gathers along axis batch_dims


# ------------------------------------------------------------------------ loading


def check_names(graph_def, path: Path):
    """The names of the graph's nodes and of its functions' nodes are text."""
    nodes = [*graph_def.node, *(node for function in graph_def.library.function for node in function.node_def)]
    check_text((name for node in nodes for name in (node.name, node.op, *node.input)), path)


def select_meta_graph(saved_model, tags: list[str] | None, path: Path):
    if not saved_model.meta_graphs:
        raise MalformedModelError(f"{path}: holds no meta graph")
    wanted = set(tags or DEFAULT_TAGS)
    available = [sorted(m.meta_info_def.tags) for m in saved_model.meta_graphs]
    for meta_graph in saved_model.meta_graphs:
        if set(meta_graph.meta_info_def.tags) == wanted:
            return meta_graph
    if tags is None and len(saved_model.meta_graphs) == 1:
        return saved_model.meta_graphs[0]
    raise ConversionError(f"{path}: no meta graph tagged {sorted(wanted)}; it has {available} (choose with --tags)")


def variable_keys(meta_graph, functions: dict, path: Path) -> dict[str, str]:
    """Variable node name -> checkpoint key, by following the saver's restore op's assignments."""
    restore = meta_graph.saver_def.restore_op_name.lstrip("^").partition(":")[0]
    main_nodes = {n.name: n for n in meta_graph.graph_def.node}
    if restore not in main_nodes:
        raise MalformedModelError(f"{path}: the saver's restore op {restore!r} is not in the graph")
    restore_node = main_nodes[restore]
    if restore_node.op in ("StatefulPartitionedCall", "PartitionedCall"):
        body = functions.get(restore_node.attr["f"].func.name)
        if body is None:
            raise MalformedModelError(f"{path}: restore function {restore_node.attr['f'].func.name!r} is missing")
        nodes = {n.name: n for n in body.node_def}
        scope = Scope(nodes, body.signature.name)
        arg_to_caller = {arg.name: ref.partition(":")[0]
                         for arg, ref in zip(body.signature.input_arg, data_inputs(restore_node))}
    else:  # TF1: save/restore_all groups Assign nodes of the main graph
        nodes, scope, arg_to_caller = main_nodes, Scope(main_nodes), {}
    keys = {}
    for node in nodes.values():
        if node.op not in ("AssignVariableOp", "Assign") or len(data_inputs(node)) < 2:
            continue
        target, value = data_inputs(node)[:2]
        key, steps = scope.key(value), 0
        while node_of(key) in nodes and nodes[node_of(key)].op == "Identity" and steps < len(nodes):
            key, steps = scope.key((data_inputs(nodes[node_of(key)]) or [""])[0]), steps + 1
        source = nodes.get(node_of(key))
        if source is None or source.op not in ("RestoreV2", "Restore", "RestoreSlice"):
            continue
        names_node = nodes.get((data_inputs(source)[1:] or [""])[0].partition(":")[0])
        if names_node is None:
            raise MalformedModelError(f"{path}: restore op {source.name!r} has no tensor-names input")
        names = names_node.attr["value"].tensor.string_val
        index = int(key.rpartition(":")[2])
        if index >= len(names):
            raise MalformedModelError(f"{path}: restore op {source.name!r} has no tensor name {index}")
        variable = arg_to_caller.get(target, target).partition(":")[0]
        keys[variable] = names[index].decode("utf-8", "replace")
    return keys


class TfReader:
    """Lowers a frozen GraphDef or one SavedModel signature into an ir.Graph."""

    def __init__(self, path: Path, input_shapes=None, progress=None, signature: str | None = None,
                 tags: list[str] | None = None):
        self.path = Path(path)
        self.input_shapes = dict(input_shapes or {})
        self.progress = progress
        self.signature = signature
        self.tags = tags
        self.graph = Graph()
        self.functions: dict = {}
        self.bundle: TensorBundle | None = None
        self.checkpoint_keys: dict[str, str] = {}
        self.resources: dict[str, Resource] = {}
        self.problems: list[tuple[str, str, str]] = []
        self.source_inputs: dict[str, str] = {}

    # -- entry points

    def read(self) -> ReadResult:
        if self.progress:
            self.progress.stage(f"reading {self.path.name}", 1)
        if self.path.is_dir():
            graph_def, inputs, outputs, producer = self.load_saved_model()
        else:
            if self.signature or self.tags:
                raise ConversionError(f"{self.path}: --signature and --tags apply to SavedModel folders, "
                                      f"not frozen graphs")
            graph_def = parse_message(tf_protos.GraphDef, read_bytes(self.path), self.path, "TensorFlow GraphDef")
            inputs, outputs = self.frozen_endpoints(graph_def)
            producer = f"TensorFlow GraphDef (producer {graph_def.versions.producer})"
        return self.lower(graph_def, inputs, outputs, producer)

    def lower(self, graph_def, inputs, outputs, producer: str) -> ReadResult:
        """Lowers what `outputs` ([(name, tensor reference)]) need, with `inputs` ([(name, reference,
        SignatureDef TensorInfo or None)]) as the graph inputs."""
        check_names(graph_def, self.path)
        self.functions = {f.signature.name: f for f in graph_def.library.function}
        scope = Scope({n.name: n for n in graph_def.node})
        self.bind_inputs(scope, inputs)
        check_input_shapes_named(self.input_shapes, self.source_inputs)
        self.graph.reserve(name for name, _ in outputs)
        if self.progress:
            self.progress.stage("lowering", len(graph_def.node))
        try:
            self.evaluate(scope, [scope.key(ref) for _, ref in outputs])
        except ConversionError as e:
            raise type(e)(f"{self.path}: {e}") from None
        if self.problems:
            raise UnsupportedOpsError(self.problems)
        self.bind_outputs(scope, outputs)
        return ReadResult(self.graph, graph_def.versions.producer or None, producer, self.source_inputs)

    def load_saved_model(self):
        model_file = self.path / "saved_model.pb"
        if not model_file.is_file():
            hint = " (text saved_model.pbtxt is not supported)" if (self.path / "saved_model.pbtxt").exists() else ""
            raise MalformedModelError(f"{self.path}: no saved_model.pb{hint}")
        saved_model = parse_message(tf_protos.SavedModel, read_bytes(model_file), model_file, "SavedModel")
        meta_graph = select_meta_graph(saved_model, self.tags, model_file)
        signature_name = self.signature or DEFAULT_SIGNATURE
        signatures = dict(meta_graph.signature_def)
        if signature_name not in signatures:
            names = sorted(n for n in signatures if not n.startswith("__"))
            raise ConversionError(f"{self.path}: no signature {signature_name!r}; it has {names} "
                                  f"(choose with --signature)")
        signature = signatures[signature_name]
        if not signature.outputs:
            raise ConversionError(f"{self.path}: signature {signature_name!r} has no outputs")
        for entry in list(signature.inputs.values()) + list(signature.outputs.values()):
            if entry.WhichOneof("encoding") != "name":
                raise ConversionError(f"{self.path}: signature {signature_name!r} uses sparse or composite tensors")
        inputs = [(key, entry.name, entry) for key, entry in sorted(signature.inputs.items())]
        outputs = [(key, entry.name) for key, entry in sorted(signature.outputs.items())]
        self.functions = {f.signature.name: f for f in meta_graph.graph_def.library.function}
        if meta_graph.saver_def.restore_op_name:
            self.checkpoint_keys = variable_keys(meta_graph, self.functions, model_file)
        variables = self.path / "variables" / "variables"
        if self.checkpoint_keys:
            self.bundle = TensorBundle(variables)
        version = meta_graph.meta_info_def.tensorflow_version
        producer = f"TensorFlow {version} SavedModel" if version else "TensorFlow SavedModel"
        return meta_graph.graph_def, inputs, outputs, producer

    def frozen_endpoints(self, graph_def):
        """A frozen graph's inputs (the Placeholders its outputs read) and outputs (nodes nothing reads)."""
        read = {i.partition(":")[0] for n in graph_def.node for i in data_inputs(n)}
        sources = ("Const", "NoOp", "Placeholder", "VarHandleOp", "VariableV2", "Assign", "AssignVariableOp",
                   "SaveV2", "RestoreV2")
        outputs = [(n.name, n.name) for n in graph_def.node if n.name not in read and n.op not in sources]
        if not outputs:
            raise ConversionError(f"{self.path}: the graph has no outputs (every node's result is read or constant)")
        by_name = {n.name: n for n in graph_def.node}
        needed, stack = set(), [name for name, _ in outputs]
        while stack:
            name = stack.pop()
            if name not in needed and name in by_name:
                needed.add(name)
                stack.extend(i.partition(":")[0] for i in data_inputs(by_name[name]))
        inputs = [(n.name, n.name, None) for n in graph_def.node if n.op == "Placeholder" and n.name in needed]
        return inputs, outputs

    # -- inputs and outputs

    def bind_inputs(self, scope: Scope, inputs):
        for name, ref, entry in inputs:
            node = scope.nodes.get(ref.partition(":")[0])
            if node is None:
                raise MalformedModelError(f"{self.path}: input {name!r} refers to {ref!r}, which is not in the graph")
            dtype = entry.dtype if entry is not None and entry.dtype else node.attr["dtype"].type
            shape = shape_of(entry.tensor_shape) if entry is not None and entry.HasField("tensor_shape") else None
            if shape is None and "shape" in node.attr:
                shape = shape_of(node.attr["shape"].shape)
            shape = input_shape(name, shape, self.input_shapes)
            if shape is None:
                raise ConversionError(f"{self.path}: input {name!r} has an unknown rank; give it with --input-shape")
            runtime = runtime_dtype_of(dtype, f"{self.path}: input {name!r}")
            scope.values[scope.key(ref)] = self.graph.add_input(name, shape, runtime)
            scope.done.add(node.name)
            self.source_inputs[name] = {**FLOAT_DTYPES, **INT_DTYPES}.get(dtype, "DT_BOOL")

    def bind_outputs(self, scope: Scope, outputs):
        for name, ref in outputs:
            key = scope.key(ref)
            value = scope.values.get(key)
            if isinstance(value, Known):
                if value.partial:
                    raise ConversionError(f"{self.path}: output {name!r} depends on a free dimension")
                ir_name = self.graph.add_constant(narrow(value.value, f"output {name!r}"), f"{name}/value",
                                                  value.parameter)
            elif isinstance(value, str):
                ir_name = value
            else:
                raise ConversionError(f"{self.path}: output {name!r} ({ref}) is not a tensor")
            bind_output(self.graph, ir_name, name)

    # -- variables

    @property
    def frozen(self) -> bool:
        """No checkpoint to read variables from: the weights are Const nodes (see lower_const)."""
        return self.bundle is None

    def variable(self, node) -> Resource:
        if node.name in self.resources:
            return self.resources[node.name]
        shared = node.attr["shared_name"].s.decode("utf-8", "replace") if "shared_name" in node.attr else ""
        label = shared or node.name
        key = self.checkpoint_keys.get(node.name)
        if self.bundle is None or key is None:
            resource = Resource(label, None)
        else:
            value = self.bundle.tensor(key)
            # variables are the model's parameters (float ones: a step counter is not)
            resource = Resource(label, Known(value, hint=label, parameter=is_float(value)))
        self.resources[node.name] = resource
        return resource

    # -- the walk

    def evaluate(self, scope: Scope, keys: list[str]):
        """Lowers, in dependency order, every node of `scope` that the values `keys` need."""
        stack = [node_of(k) for k in keys if k not in scope.values]
        visiting: set[str] = set()
        while stack:
            name = stack[-1]
            if name in scope.done:
                stack.pop()
                continue
            node = scope.nodes.get(name)
            if node is None:
                raise MalformedModelError(f"input {name!r}{scope.where()} is produced by no node")
            pending = [n for n in (node_of(scope.key(i)) for i in data_inputs(node)) if n not in scope.done]
            if pending:
                if name in visiting:
                    cycle = pending[0]
                    self.problems.append((name, node.op, f"is part of a cycle through {cycle!r}{scope.where()} "
                                          f"(TF1 control flow is not supported)"))
                    scope.poisoned.add(name)
                    scope.done.add(name)
                    stack.pop()
                    continue
                visiting.add(name)
                stack.extend(pending)
                continue
            stack.pop()
            self.lower_node(scope, node)
            scope.done.add(name)
            if self.progress and scope.function is None:
                self.progress.advance()

    def lower_node(self, scope: Scope, node):
        inputs = [scope.key(i) for i in data_inputs(node)]
        if any(node_of(i) in scope.poisoned for i in inputs):
            scope.poisoned.add(node.name)
            return
        ctx = TfLowering(self, self.graph, scope)
        ctx.begin(node, inputs)
        try:
            if node.op not in LOWERINGS:
                raise Unsupported("no lowering")
            if not (should_fold(ctx) and fold(ctx)):
                LOWERINGS[node.op](ctx)
        except Unsupported as e:
            self.problems.append((node.name, node.op, f"{e}{scope.where()}"))
            scope.poisoned.add(node.name)
        except CalleeUnsupported:
            scope.poisoned.add(node.name)
        except ConversionError as e:
            raise type(e)(f"{e}{scope.where()}") from None
        except (ValueError, IndexError, TypeError, KeyError, OverflowError) as e:
            raise ConversionError(f"node {node.name!r} ({node.op}){scope.where()}: malformed node "
                                  f"({type(e).__name__}: {e})") from None

    def inline_call(self, ctx: TfLowering, function_name: str):
        for i, value in enumerate(self.call(ctx, function_name, [ctx.value(i) for i in range(len(ctx.inputs))])):
            ctx.output(i, value)

    def call(self, ctx: TfLowering, function_name: str, args: list) -> list:
        """Lowers a library function on `args` (values) into the graph being built; returns its results."""
        body = self.functions.get(function_name)
        if body is None:
            raise MalformedModelError(f"node {ctx.node_name!r} calls function {function_name!r}, which the graph "
                                      f"library does not hold")
        if ctx.scope.depth >= MAX_CALL_DEPTH:
            raise Unsupported(f"function calls nested deeper than {MAX_CALL_DEPTH} (recursion?)")
        signature = body.signature
        if len(signature.input_arg) != len(args):
            raise MalformedModelError(f"node {ctx.node_name!r} passes {len(args)} inputs to "
                                      f"{function_name!r}, which takes {len(signature.input_arg)}")
        callee = Scope({n.name: n for n in body.node_def}, function_name, ctx.scope.depth + 1)
        for arg, value in zip(signature.input_arg, args):
            callee.values[f"{arg.name}:0"] = value
            callee.done.add(arg.name)
        results = []
        for arg in signature.output_arg:
            if arg.name not in body.ret:
                raise MalformedModelError(f"function {function_name!r} returns nothing for output {arg.name!r}")
            results.append(callee.key(body.ret[arg.name]))
        self.evaluate(callee, results)
        if any(node_of(r) in callee.poisoned for r in results):
            raise CalleeUnsupported()
        return [callee.values[key] for key in results]

    def call_in_body(self, ctx: TfLowering, body: Graph, calls) -> list[str]:
        """Lowers `calls(reader)` (function calls on values of `body`) into `body`, a control-flow body
        (control_flow.py); returns its results as `body`'s values."""
        outer, self.graph = self.graph, body
        try:
            results = calls()
            return [ctx.tensor_in(body, value) for value in results]
        finally:
            self.graph = outer


def should_fold(ctx: TfLowering) -> bool:
    """Shape-computing nodes with every input known are evaluated while reading."""
    if ctx.node.op in ("Shape", "Size", "Rank", "Const") or not ctx.inputs or ctx.node.op not in FOLDABLE:
        return False
    values = [ctx.scope.values.get(i) for i in ctx.inputs]
    return all(isinstance(v, Known) for v in values) and worth_folding(values)


def fold(ctx: TfLowering) -> bool:
    """Evaluates the node on scratch graphs; False when its result is not fixed at conversion time."""
    def evaluate(inputs: list[Known]) -> dict[str, np.ndarray]:
        scope = Scope(ctx.scope.nodes, ctx.scope.function)
        scope.values = dict(zip(ctx.inputs, inputs))
        scratch = TfLowering(ctx.reader, Graph(eager=True), scope)
        scratch.begin(ctx.node, ctx.inputs)
        LOWERINGS[ctx.node.op](scratch)
        outputs = {}
        for key, value in scope.values.items():
            if node_of(key) == ctx.node_name and key not in ctx.inputs:
                outputs[key] = value.value if isinstance(value, Known) else scratch.graph.constants[value]
        return outputs

    knowns = folded([ctx.scope.values[i] for i in ctx.inputs], evaluate)
    if knowns is None:
        return False
    ctx.scope.values.update(knowns)
    return True


# ops whose lowering only reads its inputs' values: safe to evaluate on known inputs
FOLDABLE = set(LOWERINGS) - {"Placeholder", "VarHandleOp", "VariableV2", "Variable", "ReadVariableOp",
                             "ResourceGather", "StatefulPartitionedCall", "PartitionedCall", *CONTROL_FLOW,
                             "If", "StatelessIf", "While", "StatelessWhile"}


def read_tf(path, input_shapes=None, progress=None, signature=None, tags=None) -> ReadResult:
    return TfReader(Path(path), input_shapes, progress, signature, tags).read()
