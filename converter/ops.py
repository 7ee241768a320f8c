"""The op set the converter may emit: one entry per runtime registry op.

Op names and attribute names are the TensorFlow.js function and argument names
(layerNorm is the one Keras-like addition).  Arguments TF.js takes as tensors
are node inputs; plain numbers, arrays, strings and booleans are attrs.  Each
entry carries its attributes (kind and default) and its shape/dtype rule; the
IR's shape inference and reference.py's kernels both key on this table.
Layout is NHWC, conv filters HWIO, depthwise filters [fh, fw, inC, multiplier].
A dimension of -1 is free (batch, sequence).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from .errors import ShapeError

DTYPES = ("float32", "int32", "bool")
MAX_ELEMENTS = 2**31 - 1  # the runtime indexes with int32 and WebGPU buffers are smaller still
ACTIVATIONS = ("linear", "relu", "relu6", "elu", "prelu", "leakyrelu", "sigmoid")
REQUIRED = object()


class TensorInfo(NamedTuple):
    shape: tuple[int, ...]
    dtype: str


@dataclass(frozen=True)
class Attr:
    kind: str  # int, float, bool, str, ints, pairs, pad, dtype
    default: Any = REQUIRED


@dataclass(frozen=True)
class OpSpec:
    name: str
    inputs: tuple[str, ...]  # "name?" optional, "name*" variadic (last only)
    attrs: dict[str, Attr]
    infer: Callable[[list[TensorInfo], dict], list[TensorInfo]]

    def input_range(self) -> tuple[int, int | None]:
        """(least, most) number of inputs; most is None for a variadic op."""
        required = sum(1 for i in self.inputs if not i.endswith(("?", "*")))
        if self.inputs and self.inputs[-1].endswith("*"):
            return max(required, 1), None
        return required, len(self.inputs)


# ---------------------------------------------------------------- shape helpers


def known(dim: int) -> bool:
    return dim >= 0


def num_elements(shape) -> int:
    return math.prod(shape) if all(known(d) for d in shape) else -1


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < max(rank, 1):
        raise ShapeError(f"{what} {axis} is out of range for rank {rank}")
    return axis % max(rank, 1)


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dims = [s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0]
        sized = {d for d in dims if d != 1 and known(d)}
        if len(sized) > 1:
            raise ShapeError(f"shapes {' and '.join(str(list(s)) for s in shapes)} do not broadcast")
        if sized:
            out.append(sized.pop())
        elif any(not known(d) for d in dims):
            out.append(-1)
        else:
            out.append(1)
    return tuple(out)


def conv_output_size(size: int, kernel: int, stride: int, dilation: int, pad_before: int, pad_after: int) -> int:
    if not known(size):
        return -1
    effective = (kernel - 1) * dilation + 1
    out = (size + pad_before + pad_after - effective) // stride + 1
    if out < 1:
        raise ShapeError(f"window of {effective} does not fit in {size} padded by {pad_before}+{pad_after}")
    return out


def spatial_padding(pad, sizes, kernel, strides, dilations) -> list[tuple[int, int]]:
    """Resolves TF.js's pad ('valid' | 'same' | explicit NHWC pairs) to (before, after) per spatial dim."""
    if pad == "valid":
        return [(0, 0)] * len(sizes)
    if pad == "same":
        result = []
        for size, k, s, d in zip(sizes, kernel, strides, dilations):
            if not known(size):
                result.append((-1, -1))
                continue
            total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
            result.append((total // 2, total - total // 2))
        return result
    return [tuple(p) for p in pad[1:-1]]


def window_output(shape, kernel, strides, dilations, pad) -> list[int]:
    pads = spatial_padding(pad, shape[1:3], kernel, strides, dilations)
    if pad == "same":
        return [-1 if not known(n) else math.ceil(n / s) for n, s in zip(shape[1:3], strides)]
    return [conv_output_size(n, k, s, d, *p) for n, k, s, d, p in zip(shape[1:3], kernel, strides, dilations, pads)]


def require_rank(info: TensorInfo, rank: int, what: str):
    if len(info.shape) != rank:
        raise ShapeError(f"{what} must have rank {rank}, got shape {list(info.shape)}")


def same_dim(a: int, b: int, what: str):
    if known(a) and known(b) and a != b:
        raise ShapeError(f"{what}: {a} != {b}")


# ---------------------------------------------------------------- shape rules


def same_as_first(inputs, attrs):
    return [inputs[0]]


def to_dtype(dtype):
    return lambda inputs, attrs: [TensorInfo(inputs[0].shape, dtype)]


def broadcast(dtype=None):
    def rule(inputs, attrs):
        return [TensorInfo(broadcast_shapes(*(i.shape for i in inputs)), dtype or inputs[0].dtype)]
    return rule


def infer_where(inputs, attrs):
    return [TensorInfo(broadcast_shapes(*(i.shape for i in inputs)), inputs[1].dtype)]


def infer_cast(inputs, attrs):
    return [TensorInfo(inputs[0].shape, attrs["dtype"])]


def infer_matmul(inputs, attrs):
    a, b = inputs[0].shape, inputs[1].shape
    if len(a) < 2 or len(b) < 2:
        raise ShapeError(f"matMul needs rank >= 2 operands, got {list(a)} and {list(b)}")
    m, k = (a[-1], a[-2]) if attrs["transposeA"] else (a[-2], a[-1])
    k2, n = (b[-1], b[-2]) if attrs["transposeB"] else (b[-2], b[-1])
    same_dim(k, k2, f"matMul inner dimensions of {list(a)} and {list(b)}")
    batch = broadcast_shapes(a[:-2], b[:-2])
    return [TensorInfo(batch + (m, n), inputs[0].dtype)]


def check_bias(inputs, channels: int, op: str):
    if len(inputs) > 2:
        bias = inputs[2].shape
        if num_elements(bias) not in (-1, 1, channels) and channels >= 0:
            raise ShapeError(f"{op} bias of shape {list(bias)} does not match {channels} output channels")


def infer_conv2d(inputs, attrs, depthwise=False):
    x, w = inputs[0], inputs[1]
    require_rank(x, 4, "conv2d input")
    require_rank(w, 4, "conv2d filter")
    same_dim(x.shape[3], w.shape[2], "conv2d input channels vs filter")
    hw = window_output(x.shape, w.shape[:2], attrs["strides"], attrs["dilations"], attrs["pad"])
    channels = x.shape[3] * w.shape[3] if depthwise and known(x.shape[3]) else (-1 if depthwise else w.shape[3])
    check_bias(inputs, channels, "conv2d")
    return [TensorInfo((x.shape[0], *hw, channels), x.dtype)]


def infer_conv2d_transpose(inputs, attrs):
    x, w = inputs
    require_rank(x, 4, "conv2dTranspose input")
    same_dim(x.shape[3], w.shape[3], "conv2dTranspose input channels vs filter")
    height, width, channels = attrs["outputShape"][-3:]
    same_dim(channels, w.shape[2], "conv2dTranspose output channels vs filter")
    return [TensorInfo((x.shape[0], height, width, channels), x.dtype)]


def infer_pool(inputs, attrs):
    x = inputs[0]
    require_rank(x, 4, "pool input")
    hw = window_output(x.shape, attrs["filterSize"], attrs["strides"], [1, 1], attrs["pad"])
    return [TensorInfo((x.shape[0], *hw, x.shape[3]), x.dtype)]


def reduced_shape(shape, axes, keep):
    axes = {normalize_axis(a, len(shape)) for a in axes}
    return tuple(1 if i in axes else d for i, d in enumerate(shape) if keep or i not in axes)


def infer_reduce(inputs, attrs):
    return [TensorInfo(reduced_shape(inputs[0].shape, attrs["axis"], attrs["keepDims"]), inputs[0].dtype)]


def infer_arg_reduce(inputs, attrs):
    return [TensorInfo(reduced_shape(inputs[0].shape, [attrs["axis"]], False), "int32")]


def infer_reshape(inputs, attrs):
    shape = list(attrs["shape"])
    if shape.count(-1) > 1 or any(d < -1 for d in shape):
        raise ShapeError(f"reshape target {shape} may hold one -1 and no other negative")
    total = num_elements(inputs[0].shape)
    if -1 in shape and total >= 0:
        rest = math.prod(d for d in shape if d != -1)
        if rest == 0 or total % rest:
            raise ShapeError(f"cannot reshape {list(inputs[0].shape)} into {shape}")
        shape[shape.index(-1)] = total // rest
    elif -1 not in shape and total >= 0 and total != math.prod(shape):
        raise ShapeError(f"cannot reshape {list(inputs[0].shape)} ({total} elements) into {shape}")
    return [TensorInfo(tuple(shape), inputs[0].dtype)]


def infer_transpose(inputs, attrs):
    shape, perm = inputs[0].shape, attrs["perm"]
    if sorted(perm) != list(range(len(shape))):
        raise ShapeError(f"perm {perm} is not a permutation of rank {len(shape)}")
    return [TensorInfo(tuple(shape[p] for p in perm), inputs[0].dtype)]


def infer_concat(inputs, attrs):
    rank = len(inputs[0].shape)
    axis = normalize_axis(attrs["axis"], rank)
    for i in inputs:
        if len(i.shape) != rank:
            raise ShapeError(f"concat inputs differ in rank: {[list(i.shape) for i in inputs]}")
    sizes = [i.shape[axis] for i in inputs]
    joined = sum(sizes) if all(known(s) for s in sizes) else -1
    rest = [tuple(d for j, d in enumerate(i.shape) if j != axis) for i in inputs]
    merged = list(rest[0])
    for other in rest[1:]:
        for j, (a, b) in enumerate(zip(merged, other)):
            same_dim(a, b, "concat inputs")
            merged[j] = a if known(a) else b
    merged.insert(axis, joined)
    return [TensorInfo(tuple(merged), inputs[0].dtype)]


def infer_split(inputs, attrs):
    shape = inputs[0].shape
    axis = normalize_axis(attrs["axis"], len(shape))
    sizes = attrs["numOrSizeSplits"]
    if known(shape[axis]) and sum(sizes) != shape[axis]:
        raise ShapeError(f"split sizes {sizes} do not add up to {shape[axis]}")
    return [TensorInfo(shape[:axis] + (s,) + shape[axis + 1:], inputs[0].dtype) for s in sizes]


def infer_slice(inputs, attrs):
    shape = inputs[0].shape
    begin, size = attrs["begin"], attrs["size"]
    if len(begin) != len(shape) or len(size) != len(shape):
        raise ShapeError(f"slice begin {begin} / size {size} do not match rank {len(shape)}")
    out = []
    for dim, b, s in zip(shape, begin, size):
        if b < 0 or (known(dim) and (b > dim or (s >= 0 and b + s > dim))):
            raise ShapeError(f"slice begin {begin} size {size} is outside {list(shape)}")
        out.append(s if s >= 0 else (dim - b if known(dim) else -1))
    return [TensorInfo(tuple(out), inputs[0].dtype)]


def strided_range(dim, begin, end, stride, begin_masked, end_masked):
    """The indices TF's stridedSlice picks along one dim (dim known)."""
    if stride > 0:
        start = 0 if begin_masked else min(max(begin + dim if begin < 0 else begin, 0), dim)
        stop = dim if end_masked else min(max(end + dim if end < 0 else end, 0), dim)
    else:
        start = dim - 1 if begin_masked else min(max(begin + dim if begin < 0 else begin, -1), dim - 1)
        stop = -1 if end_masked else min(max(end + dim if end < 0 else end, -1), dim - 1)
    return range(start, stop, stride)


def infer_strided_slice(inputs, attrs):
    shape = inputs[0].shape
    out = []
    for i, dim in enumerate(shape):
        whole = attrs["strides"][i] == 1 and attrs["endMask"] >> i & 1 and (
            attrs["begin"][i] == 0 or attrs["beginMask"] >> i & 1)
        if not known(dim):
            if not whole:
                raise ShapeError(f"stridedSlice can only keep free dimension {i} whole")
            out.append(-1)
            continue
        picked = strided_range(dim, attrs["begin"][i], attrs["end"][i], attrs["strides"][i],
                               attrs["beginMask"] >> i & 1, attrs["endMask"] >> i & 1)
        out.append(len(picked))
    return [TensorInfo(tuple(out), inputs[0].dtype)]


def infer_gather(inputs, attrs):
    x, indices = inputs[0].shape, inputs[1].shape
    axis = normalize_axis(attrs["axis"], len(x))
    batch = attrs["batchDims"]
    return [TensorInfo(x[:axis] + indices[batch:] + x[axis + 1:], inputs[0].dtype)]


def infer_pad(inputs, attrs):
    shape, paddings = inputs[0].shape, attrs["paddings"]
    if len(paddings) != len(shape):
        raise ShapeError(f"paddings {paddings} do not match rank {len(shape)}")
    return [TensorInfo(tuple(d + a + b if known(d) else -1 for d, (a, b) in zip(shape, paddings)), inputs[0].dtype)]


def infer_expand_dims(inputs, attrs):
    shape = list(inputs[0].shape)
    shape.insert(normalize_axis(attrs["axis"], len(shape) + 1), 1)
    return [TensorInfo(tuple(shape), inputs[0].dtype)]


def infer_squeeze(inputs, attrs):
    shape = inputs[0].shape
    axes = {normalize_axis(a, len(shape)) for a in attrs["axis"]}
    for a in axes:
        if known(shape[a]) and shape[a] != 1:
            raise ShapeError(f"cannot squeeze axis {a} of size {shape[a]}")
    return [TensorInfo(tuple(d for i, d in enumerate(shape) if i not in axes), inputs[0].dtype)]


def infer_tile(inputs, attrs):
    shape, reps = inputs[0].shape, attrs["reps"]
    if len(reps) != len(shape):
        raise ShapeError(f"tile reps {reps} do not match rank {len(shape)}")
    return [TensorInfo(tuple(d * r if known(d) else -1 for d, r in zip(shape, reps)), inputs[0].dtype)]


def infer_broadcast_to(inputs, attrs):
    target = tuple(attrs["shape"])
    if broadcast_shapes(inputs[0].shape, target) != target:
        raise ShapeError(f"cannot broadcast {list(inputs[0].shape)} to {list(target)}")
    return [TensorInfo(target, inputs[0].dtype)]


def infer_resize(inputs, attrs):
    x = inputs[0]
    require_rank(x, 4, "resize input")
    return [TensorInfo((x.shape[0], *attrs["size"], x.shape[3]), x.dtype)]


def infer_depth_to_space(inputs, attrs):
    n, h, w, c = inputs[0].shape
    b = attrs["blockSize"]
    if known(c) and c % (b * b):
        raise ShapeError(f"depthToSpace: {c} channels are not divisible by {b * b}")
    scale = lambda d, f: d * f if known(d) else -1  # noqa: E731
    return [TensorInfo((n, scale(h, b), scale(w, b), c // (b * b) if known(c) else -1), inputs[0].dtype)]


EINSUM_PATTERN = re.compile(r"^([a-z]*)(,[a-z]*)*->[a-z]*$")


def infer_einsum(inputs, attrs):
    equation = attrs["equation"].replace(" ", "")
    if not EINSUM_PATTERN.match(equation):
        raise ShapeError(f"einsum equation {equation!r} must be explicit ('ab,bc->ac'), without ellipsis")
    operands, result = equation.split("->")
    terms = operands.split(",")
    if len(terms) != len(inputs):
        raise ShapeError(f"einsum equation {equation!r} names {len(terms)} operands, got {len(inputs)}")
    sizes: dict[str, int] = {}
    for term, info in zip(terms, inputs):
        if len(term) != len(info.shape):
            raise ShapeError(f"einsum term {term!r} does not match shape {list(info.shape)}")
        for letter, dim in zip(term, info.shape):
            if known(sizes.get(letter, -1)) and known(dim) and sizes[letter] != dim and 1 not in (dim, sizes[letter]):
                raise ShapeError(f"einsum index {letter!r} is both {sizes[letter]} and {dim}")
            sizes[letter] = max(sizes.get(letter, -1), dim) if known(dim) else sizes.get(letter, -1)
    return [TensorInfo(tuple(sizes[c] for c in result), inputs[0].dtype)]


def infer_norm(inputs, attrs):
    return [inputs[0]]


# ---------------------------------------------------------------- the table

CONV_ATTRS = {
    "strides": Attr("ints", [1, 1]),
    "pad": Attr("pad", "valid"),
    "dataFormat": Attr("str", "NHWC"),
    "dilations": Attr("ints", [1, 1]),
}
FUSED_ATTRS = {"activation": Attr("str", "linear"), "leakyreluAlpha": Attr("float", 0.2)}
REDUCE_ATTRS = {"axis": Attr("ints"), "keepDims": Attr("bool", False)}
POOL_ATTRS = {"filterSize": Attr("ints"), "strides": Attr("ints", [1, 1]), "pad": Attr("pad", "valid")}
RESIZE_ATTRS = {"size": Attr("ints"), "alignCorners": Attr("bool", False), "halfPixelCenters": Attr("bool", False)}
MATMUL_ATTRS = {"transposeA": Attr("bool", False), "transposeB": Attr("bool", False)}

UNARY_OPS = ("relu", "relu6", "sigmoid", "tanh", "erf", "sqrt", "rsqrt", "exp", "log", "neg", "abs",
             "reciprocal", "floor", "ceil", "round", "sin", "cos", "sign", "softplus", "softsign", "elu", "selu",
             "hardSwish", "clone")
BINARY_OPS = ("add", "sub", "mul", "div", "floorDiv", "pow", "maximum", "minimum", "mod", "squaredDifference")
COMPARISON_OPS = ("equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual", "logicalAnd", "logicalOr")
REDUCE_OPS = ("sum", "mean", "max", "min", "prod")


def _table() -> dict[str, OpSpec]:
    specs = [OpSpec(name, ("x",), {}, same_as_first) for name in UNARY_OPS]
    specs += [OpSpec(name, ("a", "b"), {}, broadcast()) for name in BINARY_OPS]
    specs += [OpSpec(name, ("a", "b"), {}, broadcast("bool")) for name in COMPARISON_OPS]
    specs += [OpSpec(name, ("x",), REDUCE_ATTRS, infer_reduce) for name in REDUCE_OPS]
    specs += [
        OpSpec("gelu", ("x",), {"approximate": Attr("bool", False)}, same_as_first),
        OpSpec("leakyRelu", ("x",), {"alpha": Attr("float", 0.2)}, same_as_first),
        OpSpec("hardSigmoid", ("x",), {"alpha": Attr("float", 1 / 6), "beta": Attr("float", 0.5)}, same_as_first),
        OpSpec("prelu", ("x", "alpha"), {}, broadcast()),
        OpSpec("clipByValue", ("x",), {"clipValueMin": Attr("float"), "clipValueMax": Attr("float")}, same_as_first),
        OpSpec("logicalNot", ("x",), {}, to_dtype("bool")),
        OpSpec("isNaN", ("x",), {}, to_dtype("bool")),
        OpSpec("cast", ("x",), {"dtype": Attr("dtype")}, infer_cast),
        OpSpec("where", ("condition", "a", "b"), {}, infer_where),
        OpSpec("softmax", ("logits",), {"dim": Attr("int", -1)}, same_as_first),
        OpSpec("logSoftmax", ("logits",), {"axis": Attr("int", -1)}, same_as_first),
        OpSpec("cumsum", ("x",), {"axis": Attr("int", 0), "exclusive": Attr("bool", False),
                                  "reverse": Attr("bool", False)}, same_as_first),
        OpSpec("argMax", ("x",), {"axis": Attr("int", 0)}, infer_arg_reduce),
        OpSpec("argMin", ("x",), {"axis": Attr("int", 0)}, infer_arg_reduce),
        OpSpec("matMul", ("a", "b"), MATMUL_ATTRS, infer_matmul),
        OpSpec("fusedMatMul", ("a", "b", "bias?", "preluActivationWeights?"), MATMUL_ATTRS | FUSED_ATTRS,
               infer_matmul),
        OpSpec("conv2d", ("x", "filter"), CONV_ATTRS, infer_conv2d),
        OpSpec("fusedConv2d", ("x", "filter", "bias?", "preluActivationWeights?"), CONV_ATTRS | FUSED_ATTRS,
               infer_conv2d),
        OpSpec("depthwiseConv2d", ("x", "filter"), CONV_ATTRS,
               lambda i, a: infer_conv2d(i, a, depthwise=True)),
        OpSpec("fusedDepthwiseConv2d", ("x", "filter", "bias?", "preluActivationWeights?"),
               CONV_ATTRS | FUSED_ATTRS, lambda i, a: infer_conv2d(i, a, depthwise=True)),
        OpSpec("conv2dTranspose", ("x", "filter"),
               {"outputShape": Attr("ints"), "strides": Attr("ints", [1, 1]), "pad": Attr("pad", "valid")},
               infer_conv2d_transpose),
        OpSpec("maxPool", ("x",), POOL_ATTRS, infer_pool),
        OpSpec("avgPool", ("x",), POOL_ATTRS, infer_pool),
        OpSpec("batchNorm", ("x", "mean", "variance", "offset?", "scale?"),
               {"varianceEpsilon": Attr("float", 0.001)}, infer_norm),
        OpSpec("layerNorm", ("x", "gamma?", "beta?"), {"axis": Attr("ints", [-1]), "epsilon": Attr("float", 0.001)},
               infer_norm),
        OpSpec("localResponseNormalization", ("x",),
               {"depthRadius": Attr("int", 5), "bias": Attr("float", 1.0), "alpha": Attr("float", 1.0),
                "beta": Attr("float", 0.5)}, infer_norm),
        OpSpec("reshape", ("x",), {"shape": Attr("ints")}, infer_reshape),
        OpSpec("transpose", ("x",), {"perm": Attr("ints")}, infer_transpose),
        OpSpec("concat", ("tensors*",), {"axis": Attr("int", 0)}, infer_concat),
        OpSpec("split", ("x",), {"numOrSizeSplits": Attr("ints"), "axis": Attr("int", 0)}, infer_split),
        OpSpec("slice", ("x",), {"begin": Attr("ints"), "size": Attr("ints")}, infer_slice),
        OpSpec("stridedSlice", ("x",),
               {"begin": Attr("ints"), "end": Attr("ints"), "strides": Attr("ints"), "beginMask": Attr("int", 0),
                "endMask": Attr("int", 0)}, infer_strided_slice),
        OpSpec("gather", ("x", "indices"), {"axis": Attr("int", 0), "batchDims": Attr("int", 0)}, infer_gather),
        OpSpec("pad", ("x",), {"paddings": Attr("pairs"), "constantValue": Attr("float", 0.0)}, infer_pad),
        OpSpec("mirrorPad", ("x",), {"paddings": Attr("pairs"), "mode": Attr("str")}, infer_pad),
        OpSpec("expandDims", ("x",), {"axis": Attr("int", 0)}, infer_expand_dims),
        OpSpec("squeeze", ("x",), {"axis": Attr("ints")}, infer_squeeze),
        OpSpec("tile", ("x",), {"reps": Attr("ints")}, infer_tile),
        OpSpec("broadcastTo", ("x",), {"shape": Attr("ints")}, infer_broadcast_to),
        OpSpec("resizeBilinear", ("images",), RESIZE_ATTRS, infer_resize),
        OpSpec("resizeNearestNeighbor", ("images",), RESIZE_ATTRS, infer_resize),
        OpSpec("depthToSpace", ("x",), {"blockSize": Attr("int"), "dataFormat": Attr("str", "NHWC")},
               infer_depth_to_space),
        OpSpec("einsum", ("tensors*",), {"equation": Attr("str")}, infer_einsum),
    ]
    return {s.name: s for s in specs}


OPS: dict[str, OpSpec] = _table()


# ---------------------------------------------------------------- attribute checks

def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


ATTR_CHECKS: dict[str, Callable[[Any], bool]] = {
    "int": _is_int,
    "float": _is_number,
    "bool": lambda v: isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "ints": lambda v: isinstance(v, list) and all(_is_int(i) for i in v),
    "pairs": lambda v: isinstance(v, list) and all(isinstance(p, list) and len(p) == 2
                                                   and all(_is_int(i) and i >= 0 for i in p) for p in v),
    "pad": lambda v: v in ("valid", "same") or (isinstance(v, list) and len(v) == 4 and v[0] == [0, 0]
                                                and v[3] == [0, 0] and ATTR_CHECKS["pairs"](v)),
    "dtype": lambda v: v in DTYPES,
}


def complete_attrs(op: str, attrs: dict) -> dict:
    """Checks a node's attrs against the table and fills in the defaults."""
    spec = OPS[op]
    unknown = set(attrs) - set(spec.attrs)
    if unknown:
        raise ShapeError(f"{op} has no attribute(s) {sorted(unknown)}")
    result = {}
    for name, attr in spec.attrs.items():
        value = attrs.get(name, attr.default)
        if value is REQUIRED:
            raise ShapeError(f"{op} needs attribute {name!r}")
        if isinstance(value, float) and attr.kind == "float":
            value = float(value)
        elif attr.kind == "float" and _is_int(value):
            value = float(value)
        if not ATTR_CHECKS[attr.kind](value):
            raise ShapeError(f"{op} attribute {name!r} must be {attr.kind}, got {value!r}")
        result[name] = value
    if "activation" in result and result["activation"] not in ACTIVATIONS:
        raise ShapeError(f"{op} activation must be one of {ACTIVATIONS}, got {result['activation']!r}")
    return result


def check_size(shape, what: str):
    count = math.prod(d for d in shape if known(d))
    if count > MAX_ELEMENTS or any(d < -1 for d in shape):
        raise ShapeError(f"{what} would have shape {list(shape)} ({count} elements), past the limit of {MAX_ELEMENTS}")


def infer(op: str, inputs: list[TensorInfo], attrs: dict) -> list[TensorInfo]:
    """Output shapes and dtypes of one node, with its inputs and attrs checked."""
    spec = OPS[op]
    least, most = spec.input_range()
    if len(inputs) < least or (most is not None and len(inputs) > most):
        raise ShapeError(f"{op} takes {spec.inputs}, got {len(inputs)} input(s)")
    outputs = spec.infer(inputs, attrs)
    for out in outputs:
        check_size(out.shape, f"{op} output")
    return outputs
