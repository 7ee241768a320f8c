"""The op set the converter may emit: the runtime registry's ops it has shape rules for.

Op names, inputs and attributes (types, defaults, nullability, allowed values)
come from op_schema.json beside this file: the runtime registry's schema,
written by its build (scripts/write_op_schema.mjs) and checked fresh by the test
run. This module adds only what the converter needs on top: each op's
shape/dtype rule over free dimensions (-1: batch, sequence), which the IR's
shape inference and constant folding (reference.py's kernels) rely on. Where the
schema admits more forms than the converter writes (an int for a [height,
width] pair, a null axis list), the rule rejects them by name.
Layout is NHWC, conv filters HWIO, depthwise filters [fh, fw, inC, multiplier].
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple

from .errors import ConversionError, ShapeError

SCHEMA_FILE = Path(__file__).with_name("op_schema.json")
DTYPES = ("float32", "int32", "bool")  # what the converter's graphs hold (float16 is storage only)
MAX_ELEMENTS = 2**31 - 1  # the runtime indexes with int32 and WebGPU buffers are smaller still


class TensorInfo(NamedTuple):
    shape: tuple[int, ...]
    dtype: str


Rule = Callable[[list[TensorInfo], dict], list[TensorInfo]]


@dataclass(frozen=True)
class OpSpec:
    name: str
    inputs: tuple[dict, ...]  # the schema's: {name, optional?, variadic? (last only)}
    attrs: dict[str, dict]  # the schema's: {type, default?, nullable?, oneOf?}
    outputs: int | str  # the schema's: a count, or "variable" (the inputs and attrs decide)
    infer: Rule

    def input_range(self) -> tuple[int, int | None]:
        """(least, most) number of inputs; most is None for a variadic op."""
        required = sum(1 for i in self.inputs if not i.get("optional") and not i.get("variadic"))
        if self.inputs and self.inputs[-1].get("variadic"):
            return max(required, 1), None
        return required, len(self.inputs)

    def signature(self) -> str:
        """The inputs as 'x, filter, bias?' ('tensors*' for a variadic one)."""
        return ", ".join(i["name"] + ("*" if i.get("variadic") else "?" if i.get("optional") else "")
                         for i in self.inputs)


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


def listed(attrs: dict, name: str, length: int | None = None) -> list:
    """An attribute the schema also lets be an int or null, in the list form the converter writes."""
    value = attrs[name]
    if not isinstance(value, list) or (length is not None and len(value) != length):
        form = f"a list of {length}" if length else "a list"
        raise ShapeError(f"attribute {name!r} must be {form} here (the converter writes it out), got {value!r}")
    return value


def conv_pad(attrs: dict):
    """The schema's pad in the forms the converter writes: 'valid', 'same' or NHWC pairs."""
    pad = attrs["pad"]
    if pad in ("valid", "same") or (isinstance(pad, list) and len(pad) == 4 and pad[0] == [0, 0] == pad[3]
                                    and all(a >= 0 for pair in pad for a in pair)):
        return pad
    raise ShapeError("attribute 'pad' must be 'valid', 'same' or [[0, 0], [top, bottom], [left, right], [0, 0]] "
                     f"here, got {pad!r}")


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
    if attrs["dtype"] not in DTYPES:
        raise ShapeError(f"attribute 'dtype' must be one of {list(DTYPES)} here, got {attrs['dtype']!r}")
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
    hw = window_output(x.shape, w.shape[:2], listed(attrs, "strides", 2), listed(attrs, "dilations", 2),
                       conv_pad(attrs))
    channels = x.shape[3] * w.shape[3] if depthwise and known(x.shape[3]) else (-1 if depthwise else w.shape[3])
    check_bias(inputs, channels, "conv2d")
    return [TensorInfo((x.shape[0], *hw, channels), x.dtype)]


def infer_conv2d_transpose(inputs, attrs):
    x, w = inputs
    require_rank(x, 4, "conv2dTranspose input")
    same_dim(x.shape[3], w.shape[3], "conv2dTranspose input channels vs filter")
    listed(attrs, "strides", 2)
    conv_pad(attrs)
    if attrs["dilations"] != [1, 1]:
        raise ShapeError(f"attribute 'dilations' must be [1, 1] (no dilated conv2dTranspose), got {attrs['dilations']!r}")
    height, width, channels = attrs["outputShape"][-3:]
    same_dim(channels, w.shape[2], "conv2dTranspose output channels vs filter")
    return [TensorInfo((x.shape[0], height, width, channels), x.dtype)]


def infer_pool(inputs, attrs):
    x = inputs[0]
    require_rank(x, 4, "pool input")
    hw = window_output(x.shape, listed(attrs, "filterSize", 2), listed(attrs, "strides", 2), [1, 1], conv_pad(attrs))
    return [TensorInfo((x.shape[0], *hw, x.shape[3]), x.dtype)]


def reduced_shape(shape, axes, keep):
    axes = {normalize_axis(a, len(shape)) for a in axes}
    return tuple(1 if i in axes else d for i, d in enumerate(shape) if keep or i not in axes)


def infer_reduce(inputs, attrs):
    return [TensorInfo(reduced_shape(inputs[0].shape, listed(attrs, "axis"), attrs["keepDims"]), inputs[0].dtype)]


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
    shape, perm = inputs[0].shape, listed(attrs, "perm")
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
    sizes = listed(attrs, "numOrSizeSplits")
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
    for name in ("begin", "end", "strides"):
        listed(attrs, name, len(shape))
    for name in ("ellipsisMask", "newAxisMask", "shrinkAxisMask"):
        if attrs[name]:
            raise ShapeError(f"attribute {name!r} must be 0 here (the readers expand it), got {attrs[name]}")
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
    if any(a < 0 for pair in paddings for a in pair):
        raise ShapeError(f"paddings {paddings} may not be negative")
    return [TensorInfo(tuple(d + a + b if known(d) else -1 for d, (a, b) in zip(shape, paddings)), inputs[0].dtype)]


def infer_expand_dims(inputs, attrs):
    shape = list(inputs[0].shape)
    shape.insert(normalize_axis(attrs["axis"], len(shape) + 1), 1)
    return [TensorInfo(tuple(shape), inputs[0].dtype)]


def infer_squeeze(inputs, attrs):
    shape = inputs[0].shape
    axes = {normalize_axis(a, len(shape)) for a in listed(attrs, "axis")}
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


def infer_fill(inputs, attrs):
    return [TensorInfo(tuple(attrs["shape"]), attrs["dtype"])]


def infer_range(inputs, attrs):
    start, stop, step = attrs["start"], attrs["stop"], attrs["step"]
    if step == 0:
        raise ShapeError("range step 0")
    return [TensorInfo((max(math.ceil((stop - start) / step), 0),), attrs["dtype"])]


def infer_resize(inputs, attrs):
    x = inputs[0]
    require_rank(x, 4, "resize input")
    return [TensorInfo((x.shape[0], *listed(attrs, "size", 2), x.shape[3]), x.dtype)]


def infer_depth_to_space(inputs, attrs):
    if attrs["dataFormat"] != "NHWC":
        raise ShapeError(f"attribute 'dataFormat' must be 'NHWC' here, got {attrs['dataFormat']!r}")
    require_rank(inputs[0], 4, "depthToSpace input")
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


def infer_layer_norm(inputs, attrs):
    for a in listed(attrs, "axis"):
        normalize_axis(a, len(inputs[0].shape))
    return [inputs[0]]


# ---------------------------------------------------------------- the rules, by op

UNARY_OPS = ("relu", "relu6", "sigmoid", "tanh", "erf", "sqrt", "rsqrt", "exp", "log", "neg", "abs",
             "reciprocal", "floor", "ceil", "round", "sin", "cos", "sign", "softplus", "softsign", "elu", "selu",
             "hardSwish", "clone")
BINARY_OPS = ("add", "sub", "mul", "div", "floorDiv", "pow", "maximum", "minimum", "mod", "squaredDifference")
COMPARISON_OPS = ("equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual", "logicalAnd", "logicalOr")
REDUCE_OPS = ("sum", "mean", "max", "min", "prod")

def infer_unique(inputs, attrs):
    x = inputs[0]
    if attrs["axis"] is None:
        return [TensorInfo((-1,), x.dtype), TensorInfo((-1,), "int32"), TensorInfo((num_elements(x.shape),), "int32"),
                TensorInfo((-1,), "int32")]
    axis = normalize_axis(attrs["axis"], len(x.shape))
    values = tuple(-1 if i == axis else d for i, d in enumerate(x.shape))
    return [TensorInfo(values, x.dtype), TensorInfo((-1,), "int32"), TensorInfo((x.shape[axis],), "int32"),
            TensorInfo((-1,), "int32")]


def infer_topk(inputs, attrs, k=None):
    x = inputs[0]
    if not x.shape:
        raise ShapeError("topk's x must have rank >= 1")
    k = attrs["k"] if k is None else k
    if k >= 0 and known(x.shape[-1]) and k > x.shape[-1]:
        raise ShapeError(f"topk's k {k} exceeds the last dim {x.shape[-1]}")
    out = x.shape[:-1] + (k,)
    return [TensorInfo(out, x.dtype), TensorInfo(out, "int32")]


# Host ops (the runtime's OpDef.host): their -1 sizes are decided by the data, at run time.
HOST_RULES: dict[str, Rule] = {
    "whereAsync": lambda i, a: [TensorInfo((-1, len(i[0].shape)), "int32")],
    "nonMaxSuppression": lambda i, a: [TensorInfo((-1,), "int32"), TensorInfo((-1,), "float32"), TensorInfo((), "int32")],
    "nonMaxSuppressionPerClass": lambda i, a: [TensorInfo((-1, 3), "int32")],
    "topkAsync": lambda i, a: infer_topk(i, a, k=-1),
    "uniqueAsync": infer_unique,
}

RULES: dict[str, Rule] = {
    **dict.fromkeys(UNARY_OPS + ("gelu", "leakyRelu", "hardSigmoid", "clipByValue", "softmax", "logSoftmax",
                                 "cumsum", "batchNorm", "localResponseNormalization"), same_as_first),
    **dict.fromkeys(BINARY_OPS + ("prelu",), broadcast()),
    **dict.fromkeys(COMPARISON_OPS, broadcast("bool")),
    **dict.fromkeys(REDUCE_OPS, infer_reduce),
    "logicalNot": to_dtype("bool"),
    "isNaN": to_dtype("bool"),
    "cast": infer_cast,
    "where": infer_where,
    "argMax": infer_arg_reduce,
    "argMin": infer_arg_reduce,
    "matMul": infer_matmul,
    "fusedMatMul": infer_matmul,
    "conv2d": infer_conv2d,
    "fusedConv2d": infer_conv2d,
    "depthwiseConv2d": lambda i, a: infer_conv2d(i, a, depthwise=True),
    "fusedDepthwiseConv2d": lambda i, a: infer_conv2d(i, a, depthwise=True),
    "conv2dTranspose": infer_conv2d_transpose,
    "maxPool": infer_pool,
    "avgPool": infer_pool,
    "layerNorm": infer_layer_norm,
    "reshape": infer_reshape,
    "transpose": infer_transpose,
    "concat": infer_concat,
    "split": infer_split,
    "slice": infer_slice,
    "stridedSlice": infer_strided_slice,
    "gather": infer_gather,
    "pad": infer_pad,
    "mirrorPad": infer_pad,
    "expandDims": infer_expand_dims,
    "squeeze": infer_squeeze,
    "tile": infer_tile,
    "broadcastTo": infer_broadcast_to,
    "fill": infer_fill,
    "range": infer_range,
    "resizeBilinear": infer_resize,
    "resizeNearestNeighbor": infer_resize,
    "depthToSpace": infer_depth_to_space,
    "einsum": infer_einsum,
    "topk": infer_topk,
    **HOST_RULES,
}


# ---------------------------------------------------------------- attribute types (the registry's AttrSpec.type)

def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_ints(v):
    return isinstance(v, list) and all(_is_int(i) for i in v)


def _is_pairs(v):
    return isinstance(v, list) and all(_is_ints(p) and len(p) == 2 for p in v)


def attr_checks(dtypes) -> dict[str, Callable[[Any], bool]]:
    """A test per schema attribute type, as registry.ts's attrProblem checks it."""
    return {
        "number": _is_number,
        "int": _is_int,
        "bool": lambda v: isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "dtype": lambda v: v in dtypes,
        "ints": _is_ints,
        "numbers": lambda v: isinstance(v, list) and all(_is_number(i) for i in v),
        "intOrInts": lambda v: _is_int(v) or _is_ints(v),
        "numberOrString": lambda v: _is_number(v) or isinstance(v, str),
        "pairs": _is_pairs,
        "pad": lambda v: v in ("valid", "same") or _is_int(v) or _is_pairs(v),
    }


# ---------------------------------------------------------------- the op set: the schema's ops with a rule

def read_schema(path: Path = SCHEMA_FILE) -> dict:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ConversionError(f"{path}: cannot read the runtime's op schema ({e}); `npm run build` writes it") from None
    if not isinstance(schema, dict) or not {"ops", "dtypes"} <= set(schema):
        raise ConversionError(f"{path}: not the runtime's op schema (it needs 'ops' and 'dtypes'); "
                              "`npm run build` writes it")
    return schema


def op_set(schema: dict, rules: dict[str, Rule]) -> dict[str, OpSpec]:
    """The schema's ops that have a shape rule here; a rule for an op the schema lacks is an error."""
    missing = sorted(set(rules) - set(schema["ops"]))
    if missing:
        raise ConversionError(f"{SCHEMA_FILE.name} has no op(s) {missing}, which converter/ops.py has shape rules "
                              "for: the runtime registry lacks them, or the file is stale (`npm run build`)")
    checks = attr_checks(schema["dtypes"])
    for op in rules:
        for name, attr in schema["ops"][op]["attrs"].items():
            if attr["type"] not in checks:
                raise ConversionError(f"{SCHEMA_FILE.name}: {op} attribute {name!r} has type {attr['type']!r}, "
                                      "which converter/ops.py cannot check")
    return {op: OpSpec(op, tuple(entry["inputs"]), entry["attrs"], entry["outputs"], rule)
            for op, rule in sorted(rules.items()) for entry in [schema["ops"][op]]}


SCHEMA = read_schema()
ATTR_CHECKS = attr_checks(SCHEMA["dtypes"])
OPS: dict[str, OpSpec] = op_set(SCHEMA, RULES)


def allowed_values(op: str, attr: str) -> list:
    """The values the schema allows for one attribute (its oneOf)."""
    return list(OPS[op].attrs[attr]["oneOf"])


def op_spec(op: str) -> OpSpec:
    if op in OPS:
        return OPS[op]
    if op in SCHEMA["ops"]:
        raise ShapeError(f"op {op!r} is in the runtime registry but the converter has no shape rule for it")
    raise ShapeError(f"no op named {op!r} in the runtime registry ({SCHEMA_FILE.name})")


def complete_attrs(op: str, attrs: dict) -> dict:
    """Checks a node's attrs against the schema (names, types, null, allowed values) and fills in the defaults."""
    spec = op_spec(op)
    unknown = set(attrs) - set(spec.attrs)
    if unknown:
        raise ShapeError(f"{op} has no attribute(s) {sorted(unknown)} (it takes {sorted(spec.attrs) or 'none'})")
    result = {}
    for name, attr in spec.attrs.items():
        if name in attrs:
            value = attrs[name]
        elif "default" in attr or attr.get("nullable"):
            value = attr.get("default")
        else:
            raise ShapeError(f"{op} needs attribute {name!r}")
        if value is None:
            if not attr.get("nullable"):
                raise ShapeError(f"{op} attribute {name!r} may not be null")
        else:
            if attr["type"] == "number" and _is_int(value):
                value = float(value)
            if not ATTR_CHECKS[attr["type"]](value):
                raise ShapeError(f"{op} attribute {name!r} must be {attr['type']}, got {value!r}")
            if "oneOf" in attr and value not in attr["oneOf"]:
                raise ShapeError(f"{op} attribute {name!r} must be one of {attr['oneOf']}, got {value!r}")
        result[name] = value
    return result


def check_size(shape, what: str):
    count = math.prod(d for d in shape if known(d))
    if count > MAX_ELEMENTS or any(d < -1 for d in shape):
        raise ShapeError(f"{what} would have shape {list(shape)} ({count} elements), past the limit of {MAX_ELEMENTS}")


def check_input_count(spec: OpSpec, count: int):
    least, most = spec.input_range()
    if count < least or (most is not None and count > most):
        raise ShapeError(f"{spec.name} takes ({spec.signature()}), got {count} input(s)")


def node_attrs(name: str, op: str, inputs: list[str], attrs: dict) -> dict:
    """A node's attrs as model.json holds them: its op, input count and attrs checked against the
    schema, defaults filled in. The error names the node, its op and the field at fault."""
    try:
        check_input_count(op_spec(op), len(inputs))
        return complete_attrs(op, attrs)
    except ShapeError as e:
        raise ConversionError(f"node {name!r} ({op}): {e}") from None


# Rules for nodes whose attrs the shape program computes (shape_program.py): the attrs written hold
# the entries fixed while converting and -1 where a free dimension decides them.
SYMBOLIC_RULES: dict[str, tuple[set[str], Rule]] = {
    "reshape": ({"shape"}, lambda inputs, attrs: [TensorInfo(tuple(attrs["shape"]), inputs[0].dtype)]),
    "broadcastTo": ({"shape"}, lambda inputs, attrs: [TensorInfo(tuple(attrs["shape"]), inputs[0].dtype)]),
    "fill": ({"shape", "value"}, infer_fill),
    "range": ({"start", "stop", "step"}, lambda inputs, attrs: [TensorInfo((-1,), attrs["dtype"])]),
    "slice": ({"begin", "size"}, lambda inputs, attrs: [TensorInfo(tuple(attrs["size"]), inputs[0].dtype)]),
    "topk": ({"k"}, infer_topk),
}


def infer(op: str, inputs: list[TensorInfo], attrs: dict, symbolic=()) -> list[TensorInfo]:
    """Output shapes and dtypes of one node, with its inputs and attrs checked; `symbolic` names
    the attrs the shape program computes."""
    spec = op_spec(op)
    check_input_count(spec, len(inputs))
    if symbolic:
        allowed, rule = SYMBOLIC_RULES.get(op, (set(), None))
        if rule is None or not set(symbolic) <= allowed:
            raise ShapeError(f"attrs {sorted(symbolic)} cannot follow free dimensions "
                             f"(computed attrs: {', '.join(f'{o}.{sorted(a)}' for o, (a, _) in SYMBOLIC_RULES.items())})")
        outputs = rule(inputs, attrs)
    else:
        outputs = spec.infer(inputs, attrs)
    if spec.outputs != "variable" and len(outputs) != spec.outputs:
        raise ShapeError(f"the converter's {op} rule gave {len(outputs)} outputs, the schema says {spec.outputs}")
    for out in outputs:
        check_size(out.shape, f"{op} output")
    return outputs
