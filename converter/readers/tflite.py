"""TFLite reader: lowers a `.tflite` flatbuffer (MediaPipe's models included) into an ir.Graph.

The file is read through tflite_schema (no TensorFlow, no flatc).  Subgraph 0, or the
subgraph of the model's first SignatureDef, is lowered operator by operator, in the
file's order (TFLite stores operators topologically sorted); each builtin operator has
one lowering function in LOWERINGS, and MediaPipe's custom operators that runtime ops
express are in CUSTOM_LOWERINGS.  TFLite is NHWC like the runtime; only filters change
layout: conv filters are OHWI (made HWIO), depthwise filters [1, h, w, C*m] (made
[h, w, C, m]), transposed-conv filters OHWI (made [h, w, O, I]).

Weights: float constants are parameters.  A DEQUANTIZE of a float16 constant is
folded into its float32 value, and the result's `exact_float16` has the writer store
weights float16 holds exactly as float16 again (lossless: the values came from
float16).  int8/uint8 weights with per-tensor or per-channel scales (dynamic-range
quantisation) are dequantized while reading, their grids recorded in
`source_grids` so the writer keeps their codes.  Sparse constants are made dense.
A fully quantized model (quantized activations: int8/uint8 inputs, QUANTIZE
operators) is converted to a float graph: every quantized value becomes the real
number it stands for, inputs and outputs included, and the reader says so in its
notes.  TFLite metadata (normalisation, labels) goes to model.json's metadata.

Names: the inputs and outputs of the first SignatureDef (by their keys), else the
subgraph's input and output tensor names.
"""

from __future__ import annotations

import io
import math
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .. import ops
from ..errors import ConversionError, MalformedModelError, UnsupportedOpsError
from ..ir import Graph
from ..quantize import SourceGrid
from . import tf
from .lowering import Known, Lowering, LoweringTable, ReadResult, Unsupported, narrow, runtime_dtype_of_array
from .tflite_schema import (TENSOR_TYPE_NAMES, TENSOR_TYPES, FlatbufferError, Table, TensorDef, buffer_bytes,
                            operator_name, root, tensor_def)

# builtin options tables: name -> {field: (field id, struct format, default)}, by the schema's field numbers
OPTION_FIELDS: dict[str, dict[str, tuple[int, str, object]]] = {
    "conv": {"padding": (0, "b", 0), "stride_w": (1, "i", 1), "stride_h": (2, "i", 1), "activation": (3, "b", 0),
             "dilation_w": (4, "i", 1), "dilation_h": (5, "i", 1)},
    "depthwise": {"padding": (0, "b", 0), "stride_w": (1, "i", 1), "stride_h": (2, "i", 1),
                  "depth_multiplier": (3, "i", 0), "activation": (4, "b", 0), "dilation_w": (5, "i", 1),
                  "dilation_h": (6, "i", 1)},
    "transpose_conv": {"padding": (0, "b", 0), "stride_w": (1, "i", 1), "stride_h": (2, "i", 1),
                       "activation": (3, "b", 0)},
    "pool": {"padding": (0, "b", 0), "stride_w": (1, "i", 1), "stride_h": (2, "i", 1), "filter_w": (3, "i", 1),
             "filter_h": (4, "i", 1), "activation": (5, "b", 0)},
    "fully_connected": {"activation": (0, "b", 0), "weights_format": (1, "b", 0), "keep_num_dims": (2, "B", 0)},
    "activation_only": {"activation": (0, "b", 0)},  # Add, Sub, Mul, Div
    "concatenation": {"axis": (0, "i", 0), "activation": (1, "b", 0)},
    "softmax": {"beta": (0, "f", 1.0)},
    "resize_bilinear": {"align_corners": (2, "B", 0), "half_pixel_centers": (3, "B", 0)},
    "resize_nearest": {"align_corners": (0, "B", 0), "half_pixel_centers": (1, "B", 0)},
    "block_size": {"block_size": (0, "i", 0)},  # DepthToSpace, SpaceToDepth
    "strided_slice": {"begin_mask": (0, "i", 0), "end_mask": (1, "i", 0), "ellipsis_mask": (2, "i", 0),
                      "new_axis_mask": (3, "i", 0), "shrink_axis_mask": (4, "i", 0), "offset": (5, "B", 0)},
    "gather": {"axis": (0, "i", 0), "batch_dims": (1, "i", 0)},
    "split": {"num_split": (0, "i", 1)},
    "pack": {"values_count": (0, "i", 0), "axis": (1, "i", 0)},
    "unpack": {"num": (0, "i", 0), "axis": (1, "i", 0)},
    "reducer": {"keep_dims": (0, "B", 0)},
    "batch_matmul": {"adj_x": (0, "B", 0), "adj_y": (1, "B", 0)},
    "mirror_pad": {"mode": (0, "b", 0)},
    "leaky_relu": {"alpha": (0, "f", 0.0)},
}
PADDING = {0: "same", 1: "valid"}  # enum Padding
MIRROR_PAD_MODES = {0: "reflect", 1: "symmetric"}
# enum ActivationFunctionType -> how it is emitted after its operator
FUSED_ACTIVATIONS: dict[int, tuple[str, dict] | None] = {
    0: None, 1: ("relu", {}), 2: ("clipByValue", {"clipValueMin": -1.0, "clipValueMax": 1.0}), 3: ("relu6", {}),
    4: ("tanh", {}),
}
TYPE = {name: code for code, name in TENSOR_TYPE_NAMES.items()}
FLOAT_TYPES = {TYPE["FLOAT32"], TYPE["FLOAT16"], TYPE["FLOAT64"]}
# integers standing for reals when they carry a scale
QUANTIZED_TYPES = {TYPE["UINT8"], TYPE["INT16"], TYPE["INT8"]}
EIGHT_BIT_TYPES = {TYPE["UINT8"], TYPE["INT8"]}  # the ones model.json can keep as they are (uint8 codes)


@dataclass
class Value:
    """What a TFLite tensor holds while lowering: a runtime tensor (ir name), a Known value, or the
    argmax indices of a MaxPoolingWithArgmax2D, which are not computed: MaxUnpooling2D, their only
    reader, recomputes the windows' maxima from `pooled` (the pooled input, window [h, w])."""
    ir: str | None = None
    known: Known | None = None
    pooled: tuple[str, list[int], list[int]] | None = None  # (input, window, strides)


class TfliteLowering(Lowering):
    """The context of one TFLite operator being lowered.  It also answers the calls tf.py's lowerings make
    (`attr`, `inputs`, `is_known`, `dims`), so operators TF and TFLite share share their lowering."""

    def __init__(self, reader: "TfliteReader"):
        self.reader = reader
        self.graph = reader.graph
        self.node_name = ""
        self.op_name = ""
        self.inputs: list[int] = []  # tensor indices of the present inputs
        self.positions: list[int] = []  # the operator's inputs with -1 for absent optional ones
        self.outputs: list[int] = []
        self.options: Table | None = None
        self.option_kind = ""
        self.custom_options: memoryview | None = None

    def begin(self, name: str, op_name: str, inputs: list[int], outputs: list[int], options: Table | None,
              custom_options: memoryview | None):
        self.node_name, self.op_name = name, op_name
        self.positions, self.inputs, self.outputs = inputs, [i for i in inputs if i >= 0], outputs
        self.options, self.custom_options = options, custom_options

    # -- options

    def option(self, kind: str, name: str):
        if kind != self.option_kind:
            raise ConversionError(f"reader bug: {self.op_name} reads {kind} options, its options are "
                                  f"{self.option_kind or 'none'}")
        field_id, fmt, default = OPTION_FIELDS[kind][name]
        return default if self.options is None else self.options.scalar(field_id, fmt, default, name)

    def attr(self, name: str, default=None):
        """tf.py's lowerings read TF attrs; here they are the options of the same name."""
        if name in OPTION_FIELDS.get(self.option_kind, {}):
            return self.option(self.option_kind, name)
        return default

    # -- values

    def has(self, index: int) -> bool:
        return index < len(self.positions) and self.positions[index] >= 0

    def tensor_index(self, index: int) -> int:
        if not self.has(index):
            raise Unsupported(f"input {index} is missing")
        return self.positions[index]

    def value(self, index: int) -> Value:
        return self.reader.value(self.tensor_index(index))

    def is_known(self, index: int) -> bool:
        return self.value(index).known is not None

    def info(self, index: int) -> ops.TensorInfo:
        value = self.value(index)
        if value.known is not None:
            return ops.TensorInfo(tuple(value.known.value.shape), runtime_dtype_of_array(value.known.value))
        return self.graph.info[value.ir]

    def tensor(self, index: int) -> str:
        return self.reader.tensor(self.tensor_index(index))

    def const(self, index: int) -> np.ndarray:
        value = self.value(index)
        if value.known is None:
            raise Unsupported(f"input {index} ({self.reader.tensors[self.tensor_index(index)].name!r}) must be a "
                              f"constant")
        return value.known.value

    def known(self, index: int) -> Known:
        self.const(index)
        return self.value(index).known

    def dims(self, index: int) -> list[int]:
        return self.const_ints(index)

    def output(self, index: int, value: str | Known):
        if index >= len(self.outputs):
            raise ConversionError(f"operator {self.node_name!r} ({self.op_name}) has no output {index}")
        tensor = self.outputs[index]
        self.reader.values[tensor] = Value(known=value) if isinstance(value, Known) else Value(ir=value)

    def set_known(self, index: int, value: np.ndarray, alternate: np.ndarray | None = None):
        self.output(index, Known(np.asarray(value), alternate))

    def output_def(self, index: int = 0) -> TensorDef:
        return self.reader.tensors[self.outputs[index]]

    def weight(self, index: int, transform: Callable[[np.ndarray], np.ndarray], hint: str) -> str:
        """A constant input rewritten into the runtime's layout (a parameter if the source one is); a
        computed one gets no layout change here, so it is refused."""
        known = self.known(index)
        return self.graph.add_constant(narrow(transform(known.value), hint), known.hint or f"{self.node_name}/{hint}",
                                       known.parameter)

    # -- emitting

    def activate(self, y: str, kind: str) -> str:
        code = self.option(kind, "activation")
        if code not in FUSED_ACTIVATIONS:
            raise Unsupported(f"fused activation {code}")
        activation = FUSED_ACTIVATIONS[code]
        return y if activation is None else self.emit(activation[0], y, **activation[1])


LOWERINGS: LoweringTable[TfliteLowering] = LoweringTable()
lowers = LOWERINGS.lowers
# which options table each builtin operator carries (tf.py's lowerings read it through `attr`)
OPTION_KIND: dict[str, str] = {}


def with_options(kind: str, *op_names: str):
    for op_name in op_names:
        OPTION_KIND[op_name] = kind


# ------------------------------------------------------------------------ elementwise

UNARY = {"RELU": "relu", "RELU6": "relu6", "LOGISTIC": "sigmoid", "TANH": "tanh", "HARD_SWISH": "hardSwish",
         "EXP": "exp", "LOG": "log", "SQRT": "sqrt", "RSQRT": "rsqrt", "ABS": "abs", "NEG": "neg", "FLOOR": "floor",
         "CEIL": "ceil", "ROUND": "round", "SIN": "sin", "COS": "cos", "ELU": "elu", "LOGICAL_NOT": "logicalNot",
         "SIGN": "sign"}
LOWERINGS.update({name: LOWERINGS.unary(op) for name, op in UNARY.items()})

BINARY = {"ADD": "add", "SUB": "sub", "MUL": "mul", "DIV": "div", "MAXIMUM": "maximum", "MINIMUM": "minimum",
          "POW": "pow", "SQUARED_DIFFERENCE": "squaredDifference", "FLOOR_DIV": "floorDiv", "FLOOR_MOD": "mod",
          "LESS": "less", "LESS_EQUAL": "lessEqual", "GREATER": "greater", "GREATER_EQUAL": "greaterEqual",
          "EQUAL": "equal", "NOT_EQUAL": "notEqual", "LOGICAL_AND": "logicalAnd", "LOGICAL_OR": "logicalOr"}
FUSED_BINARY = {"ADD", "SUB", "MUL", "DIV"}  # the ones whose options carry a fused activation
with_options("activation_only", *FUSED_BINARY)


def binary(op: str) -> Callable[[TfliteLowering], None]:
    def lower(ctx: TfliteLowering):
        y = ctx.emit(op, ctx.tensor(0), ctx.tensor(1))
        ctx.output(0, ctx.activate(y, "activation_only") if ctx.op_name in FUSED_BINARY else y)
    return lower


LOWERINGS.update({name: binary(op) for name, op in BINARY.items()})


@lowers("RELU_N1_TO_1")
def lower_relu_n1_to_1(ctx):
    ctx.output(0, ctx.emit("clipByValue", ctx.tensor(0), clipValueMin=-1.0, clipValueMax=1.0))


@lowers("RELU_0_TO_1")
def lower_relu_0_to_1(ctx):
    ctx.output(0, ctx.emit("clipByValue", ctx.tensor(0), clipValueMin=0.0, clipValueMax=1.0))


with_options("leaky_relu", "LEAKY_RELU")


@lowers("LEAKY_RELU")
def lower_leaky_relu(ctx):
    ctx.output(0, ctx.emit("leakyRelu", ctx.tensor(0), alpha=float(ctx.option("leaky_relu", "alpha"))))


@lowers("PRELU")
def lower_prelu(ctx):
    ctx.output(0, ctx.emit("prelu", ctx.tensor(0), ctx.tensor(1)))


@lowers("SQUARE")
def lower_square(ctx):
    x = ctx.tensor(0)
    ctx.output(0, ctx.emit("mul", x, x))


@lowers("SELECT", "SELECT_V2")
def lower_select(ctx):
    ctx.output(0, ctx.emit("where", ctx.tensor(0), ctx.tensor(1), ctx.tensor(2)))


with_options("softmax", "SOFTMAX")


@lowers("SOFTMAX")
def lower_softmax(ctx):
    x = ctx.tensor(0)
    beta = float(ctx.option("softmax", "beta"))
    if beta != 1.0:
        x = ctx.emit("mul", x, ctx.constant(np.array(beta, np.float32), "beta"))
    ctx.output(0, ctx.emit("softmax", x, dim=-1))


@lowers("LOG_SOFTMAX")
def lower_log_softmax(ctx):
    ctx.output(0, ctx.emit("logSoftmax", ctx.tensor(0), axis=-1))


@lowers("CAST")
def lower_cast(ctx):
    target = ctx.output_def().type
    dtype = "float32" if target in FLOAT_TYPES else "bool" if target == TYPE["BOOL"] else "int32"
    ctx.output(0, ctx.emit("cast", ctx.tensor(0), dtype=dtype))


# ------------------------------------------------------------------------ convolution, pooling, matmul

def hw(ctx: TfliteLowering, kind: str, name: str) -> list[int]:
    return [int(ctx.option(kind, f"{name}_h")), int(ctx.option(kind, f"{name}_w"))]


def padding(ctx: TfliteLowering, kind: str) -> str:
    code = ctx.option(kind, "padding")
    if code not in PADDING:
        raise ConversionError(f"operator {ctx.node_name!r} ({ctx.op_name}): unknown padding {code}")
    return PADDING[code]


def add_bias(ctx: TfliteLowering, y: str, index: int) -> str:
    return ctx.emit("add", y, ctx.tensor(index)) if ctx.has(index) else y


with_options("conv", "CONV_2D")
with_options("depthwise", "DEPTHWISE_CONV_2D")
with_options("transpose_conv", "TRANSPOSE_CONV")
with_options("pool", "MAX_POOL_2D", "AVERAGE_POOL_2D")
with_options("fully_connected", "FULLY_CONNECTED")


@lowers("CONV_2D")
def lower_conv2d(ctx):
    filter_shape, channels = ctx.shape(1), ctx.shape(0)[-1]
    if channels >= 0 and channels != filter_shape[3]:
        raise Unsupported(f"grouped convolution ({channels} input channels, filter of {filter_shape[3]})")
    y = ctx.emit("conv2d", ctx.tensor(0), ctx.weight(1, lambda w: w.transpose(1, 2, 3, 0), "filter"),
                 strides=hw(ctx, "conv", "stride"), pad=padding(ctx, "conv"), dilations=hw(ctx, "conv", "dilation"))
    ctx.output(0, ctx.activate(add_bias(ctx, y, 2), "conv"))


@lowers("DEPTHWISE_CONV_2D")
def lower_depthwise(ctx):
    channels = ctx.shape(0)[-1]
    _, fh, fw, out_channels = ctx.shape(1)
    if channels < 0 or out_channels % channels:
        raise Unsupported(f"depthwise filter of {out_channels} channels over {channels} input channels")
    filter_ir = ctx.weight(1, lambda w: w.reshape(fh, fw, channels, out_channels // channels), "filter")
    y = ctx.emit("depthwiseConv2d", ctx.tensor(0), filter_ir, strides=hw(ctx, "depthwise", "stride"),
                 pad=padding(ctx, "depthwise"), dilations=hw(ctx, "depthwise", "dilation"))
    ctx.output(0, ctx.activate(add_bias(ctx, y, 2), "depthwise"))


def transposed_conv(ctx: TfliteLowering, x: int, weights: int, bias: int, strides: list[int], pad: str) -> str:
    """conv2dTranspose of input `x` with OHWI `weights` to the output tensor's shape, plus `bias`."""
    shape = ctx.output_def().shape
    if len(shape) != 4 or min(shape) <= 0:
        raise Unsupported(f"transposed convolution to output shape {shape}")
    filter_ir = ctx.weight(weights, lambda w: w.transpose(1, 2, 0, 3), "filter")
    y = ctx.emit("conv2dTranspose", ctx.tensor(x), filter_ir, outputShape=shape[1:], strides=strides, pad=pad)
    return add_bias(ctx, y, bias)


@lowers("TRANSPOSE_CONV")
def lower_transpose_conv(ctx):
    y = transposed_conv(ctx, 2, 1, 3, hw(ctx, "transpose_conv", "stride"), padding(ctx, "transpose_conv"))
    ctx.output(0, ctx.activate(y, "transpose_conv"))


def pool(op: str):
    def lower(ctx: TfliteLowering):
        y = ctx.emit(op, ctx.tensor(0), filterSize=hw(ctx, "pool", "filter"), strides=hw(ctx, "pool", "stride"),
                     pad=padding(ctx, "pool"))
        ctx.output(0, ctx.activate(y, "pool"))
    return lower


LOWERINGS["MAX_POOL_2D"] = pool("maxPool")
LOWERINGS["AVERAGE_POOL_2D"] = pool("avgPool")


@lowers("FULLY_CONNECTED")
def lower_fully_connected(ctx):
    if ctx.option("fully_connected", "weights_format"):
        raise Unsupported("shuffled int8 weights (weights_format SHUFFLED4x16INT8)")
    units, depth = ctx.shape(1)
    x = ctx.tensor(0)
    x_shape = ctx.shape(0)
    if len(x_shape) != 2 or x_shape[-1] != depth:
        x = ctx.reshape(x, [-1, depth])
    y = add_bias(ctx, ctx.emit("matMul", x, ctx.tensor(1), transposeA=False, transposeB=True), 2)
    if ctx.option("fully_connected", "keep_num_dims") and len(x_shape) != 2:
        y = ctx.reshape(y, [*x_shape[:-1], units])
    ctx.output(0, ctx.activate(y, "fully_connected"))


with_options("batch_matmul", "BATCH_MATMUL")


@lowers("BATCH_MATMUL")
def lower_batch_matmul(ctx):
    ctx.output(0, ctx.emit("matMul", ctx.tensor(0), ctx.tensor(1), transposeA=bool(ctx.option("batch_matmul", "adj_x")),
                           transposeB=bool(ctx.option("batch_matmul", "adj_y"))))


# ------------------------------------------------------------------------ shapes and data movement

@lowers("RESHAPE")
def lower_reshape(ctx):
    target = ctx.output_def().signature
    ctx.output(0, ctx.reshape(ctx.tensor(0), list(target)))


with_options("strided_slice", "STRIDED_SLICE")


@lowers("STRIDED_SLICE")
def lower_strided_slice(ctx):
    if ctx.option("strided_slice", "offset"):
        raise Unsupported("strided slice with offset=true (ends relative to the begins)")
    tf.lower_strided_slice(ctx)


LOWERINGS["SLICE"] = tf.lower_slice
LOWERINGS["TRANSPOSE"] = tf.lower_transpose
LOWERINGS["TILE"] = tf.lower_tile
with_options("split", "SPLIT", "SPLIT_V")
LOWERINGS["SPLIT"] = tf.lower_split
LOWERINGS["SPLIT_V"] = tf.lower_split_v
with_options("pack", "PACK")
LOWERINGS["PACK"] = tf.lower_pack
with_options("unpack", "UNPACK")
LOWERINGS["UNPACK"] = tf.lower_unpack


@lowers("SQUEEZE")
def lower_squeeze(ctx):
    shape = ctx.shape(0)
    dims = ctx.output_def().shape  # squeeze_dims may be empty (every 1); the output's rank says what went
    axes = [a for a, d in enumerate(shape) if d == 1]
    if len(shape) - len(axes) != len(dims):
        raise Unsupported(f"squeeze of {list(shape)} to {dims}")
    ctx.output(0, ctx.emit("squeeze", ctx.tensor(0), axis=axes) if axes else ctx.tensor(0))


@lowers("EXPAND_DIMS")
def lower_expand_dims(ctx):
    axis = ops.normalize_axis(int(ctx.const(1).reshape(-1)[0]), ctx.rank(0) + 1)
    ctx.output(0, ctx.emit("expandDims", ctx.tensor(0), axis=axis))


with_options("concatenation", "CONCATENATION")


@lowers("CONCATENATION")
def lower_concatenation(ctx):
    axis = ops.normalize_axis(int(ctx.option("concatenation", "axis")), ctx.rank(0))
    parts = [ctx.tensor(i) for i in range(len(ctx.inputs))]
    # its fused_activation_function is left alone, as LiteRT's float kernel leaves it
    ctx.output(0, ctx.emit("concat", *parts, axis=axis) if len(parts) > 1 else parts[0])


def paddings(ctx: TfliteLowering) -> list[list[int]]:
    return [[int(a), int(b)] for a, b in ctx.const(1).reshape(-1, 2)]


@lowers("PAD", "PADV2")
def lower_pad(ctx):
    value = float(ctx.const(2).reshape(-1)[0]) if ctx.op_name == "PADV2" and ctx.has(2) else 0.0
    ctx.output(0, ctx.emit("pad", ctx.tensor(0), paddings=paddings(ctx), constantValue=value))


with_options("mirror_pad", "MIRROR_PAD")


@lowers("MIRROR_PAD")
def lower_mirror_pad(ctx):
    mode = MIRROR_PAD_MODES.get(ctx.option("mirror_pad", "mode"))
    if mode is None:
        raise Unsupported(f"mirror pad mode {ctx.option('mirror_pad', 'mode')}")
    ctx.output(0, ctx.emit("mirrorPad", ctx.tensor(0), paddings=paddings(ctx), mode=mode))


REDUCTIONS = {"MEAN": "mean", "SUM": "sum", "REDUCE_MAX": "max", "REDUCE_MIN": "min", "REDUCE_PROD": "prod"}
with_options("reducer", *REDUCTIONS)


def reduction(op: str):
    def lower(ctx: TfliteLowering):
        axes = sorted({ops.normalize_axis(a, ctx.rank(0)) for a in ctx.const_ints(1)})
        ctx.output(0, ctx.emit(op, ctx.tensor(0), axis=axes, keepDims=bool(ctx.option("reducer", "keep_dims"))))
    return lower


LOWERINGS.update({name: reduction(op) for name, op in REDUCTIONS.items()})

with_options("resize_bilinear", "RESIZE_BILINEAR")
with_options("resize_nearest", "RESIZE_NEAREST_NEIGHBOR")


@lowers("RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR")
def lower_resize(ctx):
    bilinear = ctx.op_name == "RESIZE_BILINEAR"
    kind = "resize_bilinear" if bilinear else "resize_nearest"
    ctx.output(0, ctx.emit("resizeBilinear" if bilinear else "resizeNearestNeighbor", ctx.tensor(0),
                           size=ctx.const_ints(1), alignCorners=bool(ctx.option(kind, "align_corners")),
                           halfPixelCenters=bool(ctx.option(kind, "half_pixel_centers"))))


with_options("block_size", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH")


@lowers("DEPTH_TO_SPACE")
def lower_depth_to_space(ctx):
    ctx.output(0, ctx.emit("depthToSpace", ctx.tensor(0), blockSize=int(ctx.option("block_size", "block_size"))))


def to_blocks(ctx: TfliteLowering, x: str, block: list[int]) -> str:
    """[n, H, W, C] in blocks of bh x bw pixels as [n, H/bh, W/bw, bh * bw, C] (block row, block column)."""
    n, height, width, channels = ctx.graph.info[x].shape
    bh, bw = block
    if min(block) < 1 or height < 0 or width < 0 or height % bh or width % bw:
        raise Unsupported(f"blocks of {bh}x{bw} pixels in a tensor of shape {[n, height, width, channels]}")
    x = ctx.reshape(x, [n, height // bh, bh, width // bw, bw * channels])
    return ctx.reshape(ctx.emit("transpose", x, perm=[0, 1, 3, 2, 4]),
                       [n, height // bh, width // bw, bh * bw, channels])


def from_blocks(ctx: TfliteLowering, x: str, block: list[int]) -> str:
    """`to_blocks` undone."""
    n, h, w, _, channels = ctx.graph.info[x].shape
    bh, bw = block
    x = ctx.emit("transpose", ctx.reshape(x, [n, h, w, bh, bw * channels]), perm=[0, 1, 3, 2, 4])
    return ctx.reshape(x, [n, h * bh, w * bw, channels])


@lowers("SPACE_TO_DEPTH")
def lower_space_to_depth(ctx):
    """Blocks of b x b pixels become channels (TF's order: block row, block column, channel)."""
    block = int(ctx.option("block_size", "block_size"))
    blocks = to_blocks(ctx, ctx.tensor(0), [block, block])
    n, h, w, _, channels = ctx.graph.info[blocks].shape
    ctx.output(0, ctx.reshape(blocks, [n, h, w, block * block * channels]))


with_options("gather", "GATHER")


@lowers("GATHER")
def lower_gather(ctx):
    tf.gather(ctx, ctx.tensor(0), ctx.shape(0), 1, int(ctx.option("gather", "axis")),
              int(ctx.option("gather", "batch_dims")))


# ------------------------------------------------------------------------ weights

@lowers("DEQUANTIZE", "QUANTIZE")
def lower_dequantize(ctx):
    """Constants were dequantized as they were read, and in the float graph every value is already real."""
    value = ctx.value(0)
    ctx.output(0, value.known if value.known is not None else value.ir)


@lowers("DENSIFY")
def lower_densify(ctx):
    ctx.output(0, ctx.value(0).known if ctx.is_known(0) else ctx.tensor(0))


# ------------------------------------------------------------------------ MediaPipe's custom operators

CUSTOM_LOWERINGS: LoweringTable[TfliteLowering] = LoweringTable()
# TfLitePadding, the enum MediaPipe's custom operators memcpy into their options
TFLITE_PADDING = {1: "same", 2: "valid"}


@CUSTOM_LOWERINGS.lowers("Convolution2DTransposeBias")
def lower_convolution_transpose_bias(ctx):
    """Options: TfLiteTransposeConvParams {padding, stride_width, stride_height} as three int32s."""
    options = bytes(ctx.custom_options or b"")
    if len(options) < 12:
        raise ConversionError(f"operator {ctx.node_name!r} (Convolution2DTransposeBias): custom options of "
                              f"{len(options)} bytes, expected 12")
    code, stride_w, stride_h = struct.unpack_from("<3i", options)
    if code not in TFLITE_PADDING:
        raise ConversionError(f"operator {ctx.node_name!r} (Convolution2DTransposeBias): unknown padding {code}")
    ctx.output(0, transposed_conv(ctx, 0, 1, 2, [stride_h, stride_w], TFLITE_PADDING[code]))


def pool_options(ctx: TfliteLowering) -> tuple[str, list[int], list[int]]:
    """(pad, window [h, w], strides [h, w]) from MediaPipe's TfLitePoolParams: padding, stride_width,
    stride_height, filter_width, filter_height, activation, as int32s."""
    options = bytes(ctx.custom_options or b"")
    if len(options) < 24:
        raise ConversionError(f"custom options of {len(options)} bytes, expected at least 24 (TfLitePoolParams)")
    code, stride_w, stride_h, filter_w, filter_h, activation = struct.unpack_from("<6i", options)
    if code not in TFLITE_PADDING:
        raise ConversionError(f"unknown padding {code}")
    if activation:
        raise Unsupported(f"fused activation {activation}")
    return TFLITE_PADDING[code], [filter_h, filter_w], [stride_h, stride_w]


@CUSTOM_LOWERINGS.lowers("MaxPoolingWithArgmax2D")
def lower_max_pooling_with_argmax(ctx):
    pad, window, strides = pool_options(ctx)
    x = ctx.tensor(0)
    ctx.output(0, ctx.emit("maxPool", x, filterSize=window, strides=strides, pad=pad))
    ctx.reader.values[ctx.outputs[1]] = Value(pooled=(x, window, strides))


@CUSTOM_LOWERINGS.lowers("MaxUnpooling2D")
def lower_max_unpooling(ctx):
    """Each pooled value goes back where its window's (first) maximum was: the pooled values upsampled,
    times a one-hot mask of the maxima, found by argMax over each window of the pooling's input.
    Windows must tile the input (window = strides, dividing its size), as in MediaPipe's encoders."""
    source = ctx.value(1).pooled
    if source is None:
        raise Unsupported("its indices do not come from a MaxPoolingWithArgmax2D")
    x, window, strides = source
    if window != strides or ctx.output_def().shape != list(ctx.graph.info[x].shape) or \
            pool_options(ctx)[1:] != (window, strides):
        raise Unsupported(f"unpooling other than the {window} windows (strides {strides}) that tile its pooling's "
                          f"input")
    blocks = to_blocks(ctx, x, window)
    first_max = ctx.emit("expandDims", ctx.emit("argMax", blocks, axis=3), axis=3)
    positions = ctx.constant(np.arange(window[0] * window[1], dtype=np.int32).reshape(-1, 1), "positions")
    mask = from_blocks(ctx, ctx.emit("cast", ctx.emit("equal", first_max, positions), dtype="float32"), window)
    height, width = ctx.graph.info[x].shape[1:3]
    spread = ctx.emit("resizeNearestNeighbor", ctx.tensor(0), size=[height, width], alignCorners=False,
                      halfPixelCenters=False)
    ctx.output(0, ctx.emit("mul", spread, mask))


# ------------------------------------------------------------------------ TFLite metadata

# metadata_schema.fbs (tensorflow/tflite-support, file identifier M001), by field number:
# ModelMetadata {name 0, description 1, version 2, subgraph_metadata 3, author 4, license 5}
# SubGraphMetadata {input_tensor_metadata 2, output_tensor_metadata 3}
# TensorMetadata {name 0, description 1, process_units 4, associated_files 6}
# ProcessUnit {options_type 0, options 1}; NormalizationOptions (options type 1) {mean 0, std 1}
# AssociatedFile {name 0, type 2}; AssociatedFileType TENSOR_AXIS_LABELS = 2
METADATA_BUFFER = "TFLITE_METADATA"
NORMALIZATION_OPTIONS, TENSOR_AXIS_LABELS = 1, 2
MAX_LABELS_BYTES = 16 << 20


def model_metadata(data: memoryview, model: Table, buffers: list[Table], inputs: list[tuple[str, int]],
                   outputs: list[tuple[str, int]], subgraph: Table, notes: list[str]) -> dict:
    """What model.json's metadata gets from the model's TFLite metadata: its name and description, each
    input's normalisation ((value - mean) / std, per channel), and labels for an output whose last axis
    they name (read from the zip archive the metadata writer appends to the file)."""
    entry = next((m for m in model.tables(6, "metadata") if m.string(0, "name") == METADATA_BUFFER), None)
    if entry is None:
        return {}
    index = entry.scalar(1, "I", 0, "buffer")
    if not 0 < index < len(buffers):
        raise MalformedModelError(f"metadata {METADATA_BUFFER} names buffer {index}, of {len(buffers)}")
    raw = buffer_bytes(data, buffers[index], f"metadata {METADATA_BUFFER}")
    if len(raw) < 8:
        raise MalformedModelError(f"metadata {METADATA_BUFFER} of {len(raw)} bytes")
    root = Table(raw, struct.unpack_from("<I", raw, 0)[0], "ModelMetadata")
    about = {key: root.string(field_id, key) for key, field_id in
             (("name", 0), ("description", 1), ("version", 2), ("author", 4), ("license", 5))}
    metadata: dict = {"tflite": {k: v for k, v in about.items() if v}}
    subgraphs = root.tables(3, "subgraph_metadata")
    if not subgraphs:
        return metadata
    # by position, as the metadata format defines (a file listing them in another order is not caught)
    by_index = {index: name for name, index in inputs + outputs}
    positions = {"inputs": subgraph.ints(1, "inputs"), "outputs": subgraph.ints(2, "outputs")}
    for kind, field_id in (("inputs", 2), ("outputs", 3)):
        for position, tensor in enumerate(subgraphs[0].tables(field_id, f"{kind} metadata")):
            if position >= len(positions[kind]) or positions[kind][position] not in by_index:
                continue
            name = by_index[positions[kind][position]]
            described = tensor_metadata(tensor, data, name, notes)
            if described:
                metadata.setdefault(kind, {})[name] = described
    labelled = [entry["labels"] for entry in metadata.get("outputs", {}).values() if "labels" in entry]
    if len(labelled) == 1:
        metadata["labels"] = labelled[0]
    return metadata


def tensor_metadata(tensor: Table, data: memoryview, name: str, notes: list[str]) -> dict:
    described: dict = {"name": tensor.string(0, "name")} if tensor.string(0, "name") else {}
    if tensor.string(1, "description"):
        described["description"] = tensor.string(1, "description")
    for unit in tensor.tables(4, "process_units"):
        if unit.scalar(0, "B", 0, "options_type") == NORMALIZATION_OPTIONS and unit.table(1, "options"):
            options = unit.table(1, "options")
            mean, std = (options.array(i, np.float32, key) for i, key in ((0, "mean"), (1, "std")))
            described["normalization"] = {"mean": [] if mean is None else mean.tolist(),
                                          "std": [] if std is None else std.tolist()}
    for file in tensor.tables(6, "associated_files"):
        if file.scalar(2, "b", 0, "type") == TENSOR_AXIS_LABELS:
            described["labels"] = labels_file(data, file.string(0, "name") or "", name, notes)
            if described["labels"] is None:
                del described["labels"]
    return described


def labels_file(data: memoryview, file_name: str, output: str, notes: list[str]) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(file_name)
            if info.file_size > MAX_LABELS_BYTES:
                raise MalformedModelError(f"labels file {file_name!r} of {info.file_size} bytes")
            text = archive.read(info).decode("utf-8")
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, OSError, ValueError) as e:
        notes.append(f"labels file {file_name!r} of output {output!r} is not readable ({e}); left out")
        return None
    return [line for line in text.splitlines() if line.strip()]


# ------------------------------------------------------------------------ reading


def dequantized(raw: np.ndarray, tensor: TensorDef) -> np.ndarray:
    """The real values an integer tensor with a scale stands for (per tensor or per channel)."""
    q = tensor.quantization
    if q.scale.size == 1:
        return ((raw.astype(np.float64) - q.zero_point[0]) * q.scale[0]).astype(np.float32)
    axis = q.axis
    if not 0 <= axis < raw.ndim or raw.shape[axis] != q.scale.size:
        raise MalformedModelError(f"tensor {tensor.name!r}: {q.scale.size} scales for dimension {axis} of "
                                  f"shape {list(raw.shape)}")
    shape = [1] * raw.ndim
    shape[axis] = -1
    return ((raw.astype(np.float64) - q.zero_point.reshape(shape)) * q.scale.reshape(shape)).astype(np.float32)


class TfliteReader:
    def __init__(self, path: Path, input_shapes=None, progress=None):
        self.path = Path(path)
        self.input_shapes = dict(input_shapes or {})
        self.progress = progress
        self.graph = Graph()
        self.values: dict[int, Value] = {}
        self.tensors: list[TensorDef] = []
        self.buffers: list[Table] = []
        self.problems: list[tuple[str, str, str]] = []
        self.source_inputs: dict[str, str] = {}
        self.notes: list[str] = []
        self.failed: set[int] = set()  # tensors of operators that could not be lowered
        self.float16_source = False
        self.source_grids: dict[str, SourceGrid] = {}  # tensor name -> the int8/uint8 grid it was stored on
        self.data = memoryview(b"")

    # -- values

    def value(self, index: int) -> Value:
        if index not in self.values:
            if not 0 <= index < len(self.tensors):
                raise MalformedModelError(f"tensor index {index} is outside the subgraph's {len(self.tensors)} "
                                          f"tensors")
            self.values[index] = self.constant(self.tensors[index])
        return self.values[index]

    def tensor(self, index: int) -> str:
        value = self.value(index)
        if value.ir is not None:
            return value.ir
        if value.pooled is not None:
            raise Unsupported(f"reads the argmax indices {self.tensors[index].name!r}, which only MaxUnpooling2D "
                              f"can read")
        known = value.known
        if known.ir_name is None or known.ir_name not in self.graph.info:
            known.ir_name = self.graph.add_constant(narrow(known.value, f"tensor {known.hint!r}"), known.hint,
                                                    known.parameter)
        return known.ir_name

    def constant(self, tensor: TensorDef) -> Value:
        """A tensor no operator writes: its buffer's contents, dequantized if it carries a scale."""
        what = f"tensor {tensor.name!r}"
        if not 0 < tensor.buffer < len(self.buffers):
            raise Unsupported(f"{what} is read before any operator writes it and has no data")
        try:
            data = buffer_bytes(self.data, self.buffers[tensor.buffer], f"{what}'s buffer {tensor.buffer}")
        except FlatbufferError as e:
            raise MalformedModelError(str(e)) from None
        dtype = np.dtype(self.numpy_type(tensor)).newbyteorder("<")
        if tensor.sparsity is not None:
            if len(data) % dtype.itemsize:
                raise MalformedModelError(f"{what}: its sparse buffer of {len(data)} bytes is not whole "
                                          f"{tensor.type_name} values")
            raw = densify(tensor, np.frombuffer(data, dtype))
        else:
            count = math.prod(tensor.shape)
            if len(data) != count * dtype.itemsize:
                raise MalformedModelError(f"{what}: its buffer holds {len(data)} bytes, its shape {tensor.shape} of "
                                          f"{tensor.type_name} needs {count * dtype.itemsize}")
            raw = np.frombuffer(data, dtype, count).reshape(tensor.shape)
        if tensor.quantization is not None and tensor.type in QUANTIZED_TYPES | {TYPE["INT32"]}:  # int32: biases
            value = dequantized(raw, tensor)
            if tensor.type in EIGHT_BIT_TYPES:
                q = tensor.quantization
                self.source_grids[tensor.name] = SourceGrid(q.scale, q.zero_point, signed=tensor.type == TYPE["INT8"])
        elif tensor.type == TYPE["FLOAT16"]:
            value = raw.astype(np.float32)
            self.float16_source = True
        else:
            value = raw
        parameter = np.issubdtype(value.dtype, np.floating) and value.ndim >= 1
        return Value(known=Known(value, hint=tensor.name, parameter=parameter))

    def numpy_type(self, tensor: TensorDef):
        if tensor.type not in TENSOR_TYPES:
            raise ConversionError(f"tensor {tensor.name!r} has type {tensor.type_name}, which the runtime cannot "
                                  f"hold")
        return TENSOR_TYPES[tensor.type]

    # -- the walk

    def read(self) -> ReadResult:
        try:
            self.data = memoryview(self.path.read_bytes())
        except OSError as e:
            raise MalformedModelError(f"{self.path}: cannot read ({e.strerror})") from None
        try:
            return self.lower()
        except FlatbufferError as e:
            raise MalformedModelError(f"{self.path}: not a valid TFLite model (truncated or corrupt: {e})") from None
        except UnsupportedOpsError:
            raise
        except ConversionError as e:
            raise type(e)(f"{self.path}: {e}") from None

    def lower(self) -> ReadResult:
        model = root(self.data, str(self.path))
        codes = [operator_name(code) for code in model.tables(1, "operator_codes")]
        subgraphs = model.tables(2, "subgraphs")
        self.buffers = model.tables(4, "buffers")
        signatures = model.tables(7, "signature_defs")
        signature = signatures[0] if signatures else None
        index = signature.scalar(4, "I", 0, "subgraph_index") if signature else 0
        if not 0 <= index < len(subgraphs):
            raise MalformedModelError(f"the model has {len(subgraphs)} subgraph(s), no subgraph {index}")
        subgraph = subgraphs[index]
        self.tensors = [tensor_def(t, i) for i, t in enumerate(subgraph.tables(0, "tensors"))]
        for tensor in self.tensors:
            count = math.prod(d for d in tensor.shape if d > 0)
            if count > ops.MAX_ELEMENTS or any(d < -1 for d in tensor.shape):
                raise MalformedModelError(f"tensor {tensor.name!r} declares shape {tensor.shape} ({count} elements), "
                                          f"past the limit of {ops.MAX_ELEMENTS}")
        inputs, outputs = self.endpoints(subgraph, signature)
        self.bind_inputs(inputs)
        self.graph.reserve(name for name, _ in outputs)
        operators = subgraph.tables(3, "operators")
        if self.progress:
            self.progress.stage("lowering", len(operators))
        for position, operator in enumerate(operators):
            self.lower_operator(position, operator, codes)
            if self.progress:
                self.progress.advance()
        if self.problems:
            raise UnsupportedOpsError(self.problems)
        self.bind_outputs(outputs)
        metadata = model_metadata(self.data, model, self.buffers, inputs, outputs, subgraph, self.notes)
        for output, described in metadata.get("outputs", {}).items():
            width = self.graph.info[output].shape[-1] if self.graph.info[output].shape else 1
            if "labels" in described and len(described["labels"]) != width:
                self.notes.append(f"{len(described['labels'])} labels do not name the {width} entries of output "
                                  f"{output!r}'s last axis; left out")
                del described["labels"]
                metadata.pop("labels", None)
        if any(t.quantization is not None and t.type in QUANTIZED_TYPES and t.buffer == 0 for t in self.tensors):
            self.notes.append("fully quantized model: converted to a float graph (quantized activations, inputs "
                              "and outputs become the real values they stand for)")
        description = model.string(3, "description") or "TFLite"
        self.graph.remove_unused()
        return ReadResult(self.graph, 3, f"TFLite schema 3 ({description})", self.source_inputs, notes=self.notes,
                          exact_float16=self.float16_source, metadata=metadata,
                          source_grids={k: v for k, v in self.source_grids.items() if k in self.graph.constants})

    def endpoints(self, subgraph: Table, signature: Table | None):
        """[(name, tensor index)] of the inputs and the outputs: the signature's keys, else tensor names."""
        def entries(field_id, name, tensors):
            found = []
            for entry in signature.tables(field_id, name):
                index = entry.scalar(1, "I", 0, "tensor_index")
                if index >= len(tensors):
                    raise MalformedModelError(f"signature {name} entry names tensor {index}, of {len(tensors)}")
                found.append((entry.string(0, "name") or tensors[index].name, index))
            return found
        if signature is not None:
            return entries(0, "inputs", self.tensors), entries(1, "outputs", self.tensors)
        def tensor_names(indices):
            for i in indices:
                if not 0 <= i < len(self.tensors):
                    raise MalformedModelError(f"subgraph names tensor {i}, of {len(self.tensors)}")
            return [(self.tensors[i].name, i) for i in indices]
        return tensor_names(subgraph.ints(1, "inputs")), tensor_names(subgraph.ints(2, "outputs"))

    def bind_inputs(self, inputs: list[tuple[str, int]]):
        unknown = set(self.input_shapes) - {name for name, _ in inputs}
        if unknown:
            raise ConversionError(f"--input-shape names no model input: {sorted(unknown)}")
        for name, index in inputs:
            tensor = self.tensors[index]
            shape = list(tensor.signature)
            if name in self.input_shapes:
                override = self.input_shapes[name]
                if len(override) != len(shape) or any(d >= 0 and o != d for d, o in zip(shape, override)):
                    raise ConversionError(f"--input-shape {name}:{override} does not match the model's {shape}")
                shape = override
            quantized = tensor.quantization is not None and tensor.type in QUANTIZED_TYPES
            dtype = "float32" if quantized else runtime_dtype_of_array(np.zeros(0, self.numpy_type(tensor)))
            self.values[index] = Value(ir=self.graph.add_input(name, shape, dtype))
            self.source_inputs[name] = tensor.type_name

    def bind_outputs(self, outputs: list[tuple[str, int]]):
        for name, index in outputs:
            ir_name = self.tensor(index)
            if ir_name != name:
                producers = self.graph.producers()
                if ir_name in producers and ir_name not in self.graph.outputs and ir_name not in self.graph.inputs:
                    self.graph._rename(ir_name, name)
                else:
                    self.graph.add_node("clone", [ir_name], {}, name, outputs=[name])
            self.graph.outputs.append(name)

    def lower_operator(self, position: int, operator: Table, codes: list[tuple[str, str | None]]):
        code_index = operator.scalar(0, "I", 0, "opcode_index")
        if code_index >= len(codes):
            raise MalformedModelError(f"operator {position} uses operator code {code_index}, of {len(codes)}")
        op_name, custom = codes[code_index]
        inputs, outputs = operator.ints(1, "inputs"), operator.ints(2, "outputs")
        if not outputs or any(not 0 <= i < len(self.tensors) for i in outputs) or \
                any(not -1 <= i < len(self.tensors) for i in inputs):
            raise MalformedModelError(f"operator {position} ({op_name}) names tensors outside the subgraph's "
                                      f"{len(self.tensors)}")
        name = self.tensors[outputs[0]].name
        label = f"CUSTOM {custom}" if custom else op_name
        if any(i in self.failed for i in inputs):
            self.failed.update(outputs)  # an input's producer is already reported
            return
        ctx = TfliteLowering(self)
        ctx.option_kind = OPTION_KIND.get(op_name, "")
        options = operator.table(4, "builtin_options") if OPTION_KIND.get(op_name) else None
        ctx.begin(name, label, inputs, outputs, options, operator.bytes(5, "custom_options"))
        table = CUSTOM_LOWERINGS if custom else LOWERINGS
        key = custom or op_name
        try:
            if key not in table:
                raise Unsupported("custom operator not expressible in runtime ops" if custom else "no lowering")
            table[key](ctx)
            missing = [i for i in outputs if i not in self.values]
            if missing:
                raise ConversionError(f"operator {name!r} ({label}): lowering left output(s) {missing} unset")
        except Unsupported as e:
            self.problems.append((name, label, str(e)))
            self.failed.update(outputs)
        except FlatbufferError as e:
            raise MalformedModelError(f"operator {name!r} ({label}): {e}") from None
        except ConversionError as e:
            raise type(e)(str(e) if str(e).startswith("operator ") else f"operator {name!r} ({label}): {e}") \
                from None
        except (ValueError, IndexError, TypeError, KeyError, OverflowError) as e:
            raise ConversionError(f"operator {name!r} ({label}): malformed operator ({type(e).__name__}: {e})") \
                from None


DIMENSION_DENSE, DIMENSION_SPARSE_CSR = 0, 1
INDEX_VECTORS = {1: np.int32, 2: np.uint16, 3: np.uint8}  # union SparseIndexVector: Int32/Uint16/Uint8Vector


def densify(tensor: TensorDef, values: np.ndarray) -> np.ndarray:
    """A sparse constant (TFLite's SparsityParameters: a traversal order over the dimensions and their
    blocks, each level dense or compressed-sparse-row) as its dense array, with zeros where no value is
    stored.  The levels are walked breadth-first: each row of `coords` is one path from the root."""
    what = f"tensor {tensor.name!r}'s sparsity"
    sparsity, shape = tensor.sparsity, tensor.shape
    order, block_map = sparsity.ints(0, "traversal_order"), sparsity.ints(1, "block_map")
    levels = sparsity.tables(2, "dim_metadata")
    rank = len(shape)
    if sorted(order) != list(range(len(order))) or len(levels) != len(order) or len(order) != rank + len(block_map) \
            or any(not 0 <= b < rank for b in block_map):
        raise MalformedModelError(f"{what}: traversal order {order}, block map {block_map} and {len(levels)} level(s) "
                                  f"do not fit shape {shape}")
    block_sizes = [levels[rank + i].scalar(1, "i", 0, "dense_size") for i in range(len(block_map))]
    total = math.prod(shape)
    coords, previous = np.zeros((1, 0), np.int64), np.zeros(1, np.int64)
    for level, metadata in enumerate(levels):
        kind = metadata.scalar(0, "b", 0, "format")
        if kind == DIMENSION_DENSE:
            size = metadata.scalar(1, "i", 0, "dense_size")
            if size < 0 or len(previous) * size > total:
                raise MalformedModelError(f"{what}: level {level} of dense size {size} overflows shape {shape}")
            coords = np.concatenate([np.repeat(coords, size, axis=0), np.tile(np.arange(size), len(previous))[:, None]],
                                    axis=1)
            previous = (previous[:, None] * size + np.arange(size)).reshape(-1)
        elif kind == DIMENSION_SPARSE_CSR:
            segments = sparse_index_vector(metadata, 2, 3, "array_segments", what)
            indices = sparse_index_vector(metadata, 4, 5, "array_indices", what)
            if previous.size and previous.max() + 1 >= len(segments) or np.any(np.diff(segments) < 0) or \
                    (segments.size and (segments[0] < 0 or segments[-1] > len(indices))):
                raise MalformedModelError(f"{what}: level {level}'s segments do not index its {len(indices)} indices")
            starts, counts = segments[previous], segments[previous + 1] - segments[previous]
            if counts.sum() > total:
                raise MalformedModelError(f"{what}: level {level} holds more entries than shape {shape}")
            rows = np.repeat(np.arange(len(previous)), counts)
            positions = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
            coords = np.concatenate([coords[rows], indices[positions][:, None]], axis=1)
            previous = positions
        else:
            raise MalformedModelError(f"{what}: level {level} has unknown format {kind}")
    if len(coords) != values.size:
        raise MalformedModelError(f"{what}: its levels address {len(coords)} values, its buffer holds {values.size}")
    original = np.zeros((len(coords), rank), np.int64)
    for level in range(rank):
        original[:, order[level]] = coords[:, level]
    for level in range(rank, len(order)):
        block = order[level] - rank
        original[:, block_map[block]] = original[:, block_map[block]] * block_sizes[block] + coords[:, level]
    if np.any(original >= np.array(shape)) or np.any(original < 0):
        raise MalformedModelError(f"{what}: an index lies outside shape {shape}")
    dense = np.zeros(total, values.dtype)
    dense[np.ravel_multi_index(original.T, shape)] = values.reshape(-1)
    return dense.reshape(shape)


def sparse_index_vector(metadata: Table, type_field: int, value_field: int, name: str, what: str) -> np.ndarray:
    kind = metadata.scalar(type_field, "B", 0, f"{name}_type")
    vector = metadata.table(value_field, name)
    if kind not in INDEX_VECTORS or vector is None:
        raise MalformedModelError(f"{what}: {name} of union type {kind}")
    values = vector.array(0, INDEX_VECTORS[kind], "values")
    return np.zeros(0, np.int64) if values is None else values.astype(np.int64)


def read_tflite(path, input_shapes=None, progress=None) -> ReadResult:
    return TfliteReader(Path(path), input_shapes, progress).read()
