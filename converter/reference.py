"""A numpy interpreter of the op set in ops.py: the oracle for converter tests and `verify`, and
(ORACLE) of the runtime's other ops, which the op goldens and the kernel tier check against.

Kernels follow TensorFlow.js semantics (NHWC, HWIO filters, TF padding and
resize rules).  Float work is done in float64 and returned as float32, so the
oracle's own rounding stays well under the tolerances it checks.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import control_flow, ops
from .shape_program import attr_value

Kernel = Callable[[list[np.ndarray], dict], list[np.ndarray]]
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _as(result, like: np.ndarray) -> np.ndarray:
    return np.asarray(result).astype(like.dtype, copy=False)


def _f64(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float64, copy=False)


def _wide(x: np.ndarray) -> np.ndarray:
    """float32 as float64; integers and bools stay exact in their own dtype."""
    return _f64(x) if x.dtype == np.float32 else x


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu(x, approximate):
    x = _f64(x)
    if approximate:
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _floor_div(a, b):
    """floor(a / b), as TF.js computes it (numpy's floor_divide differs at infinities); integers floor-divide."""
    if np.issubdtype(np.asarray(a).dtype, np.integer):
        return np.floor_divide(a, b)
    return np.floor(np.divide(a, b))


def _div_no_nan(a, b):
    return np.where(b == 0, 0, a / np.where(b == 0, 1, b))


# Every unary op of the runtime on float64 (and on int32 for the ops that keep it).
UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "sigmoid": _sigmoid,
    "logSigmoid": lambda x: -np.logaddexp(0, -x),
    "silu": lambda x: x * _sigmoid(x),
    "tanh": np.tanh,
    "erf": _erf,
    "sqrt": np.sqrt,
    "rsqrt": lambda x: 1 / np.sqrt(x),
    "exp": np.exp,
    "expm1": np.expm1,
    "log": np.log,
    "log1p": np.log1p,
    "neg": np.negative,
    "abs": np.abs,
    "square": np.square,
    "reciprocal": lambda x: 1 / x,
    "floor": np.floor,
    "ceil": np.ceil,
    "round": np.round,  # half to even, as TF.js and ONNX
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
    "sign": np.sign,
    "softplus": lambda x: np.logaddexp(0, x),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "hardSwish": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "elu": _elu,
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    "clone": np.copy,
}

# Unary ops with a bool result.
PREDICATES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "isNaN": np.isnan,
    "isInf": np.isinf,
    "isFinite": np.isfinite,
    "logicalNot": np.logical_not,
}

BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "divNoNan": _div_no_nan,
    "floorDiv": _floor_div,
    "pow": np.power,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "mod": np.mod,
    "squaredDifference": lambda a, b: np.square(a - b),
    "atan2": np.arctan2,
    "prelu": lambda x, alpha: np.where(x < 0, alpha * x, x),
    "equal": np.equal,
    "notEqual": np.not_equal,
    "less": np.less,
    "lessEqual": np.less_equal,
    "greater": np.greater,
    "greaterEqual": np.greater_equal,
    "logicalAnd": np.logical_and,
    "logicalOr": np.logical_or,
    "logicalXor": np.logical_xor,
    "bitwiseAnd": np.bitwise_and,
}
# Binary ops with a bool result.
BOOL_RESULTS = ("equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual", "logicalAnd", "logicalOr",
                "logicalXor")

REDUCE = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod, "all": np.all, "any": np.any}
# A reduction's result dtype for int32 and bool x, as TF.js: sums and products count in int32, the mean is float32,
# all and any are bool; max and min keep x's dtype.
INT_REDUCED_DTYPE = {"sum": np.int32, "prod": np.int32, "mean": np.float32, "all": np.bool_, "any": np.bool_}


def unary_kernel(fn):
    def kernel(inputs, attrs):
        x = inputs[0]
        return [_as(fn(_wide(x)), x)]
    return kernel


def predicate_kernel(fn):
    def kernel(inputs, attrs):
        return [np.asarray(fn(inputs[0]), dtype=np.bool_)]
    return kernel


def binary_kernel(fn, bool_result):
    def kernel(inputs, attrs):
        a, b = inputs
        result = fn(_f64(a), _f64(b)) if a.dtype == np.float32 else fn(a, b)
        return [np.asarray(result, dtype=np.bool_) if bool_result else _as(result, a)]
    return kernel


# ------------------------------------------------------------------ reductions and scans

def reduce_axes(axis):
    """TF.js's axis attribute (null for every axis, a number, or a list) as numpy's."""
    return None if axis is None else tuple(axis) if isinstance(axis, (list, tuple)) else axis


def reduce_kernel(name, fn):
    def kernel(inputs, attrs):
        x = inputs[0]
        dtype = x.dtype if x.dtype == np.float32 and name not in ("all", "any") else INT_REDUCED_DTYPE.get(name, x.dtype)
        return [np.asarray(fn(_wide(x), axis=reduce_axes(attrs["axis"]), keepdims=attrs["keepDims"])).astype(dtype)]
    return kernel


def scan(x, axis, exclusive, reverse, product=False):
    """cumsum (cumprod with ``product``) with TF's flags: exclusive shifts the identity in, reverse runs from the end."""
    axis = ops.normalize_axis(axis, x.ndim)
    y = np.flip(_wide(x), axis) if reverse else _wide(x)
    if exclusive:
        shifted_in = [(1, 0) if a == axis else (0, 0) for a in range(y.ndim)]
        y = np.take(np.pad(y, shifted_in, constant_values=1 if product else 0), range(y.shape[axis]), axis=axis)
    y = (np.multiply if product else np.add).accumulate(y, axis=axis)
    return _as(np.flip(y, axis) if reverse else y, x)


def log_sum_exp(inputs, attrs):
    x, axes = _f64(inputs[0]), reduce_axes(attrs["axis"])
    top = x.max(axis=axes, keepdims=True)
    shift = np.where(np.isfinite(top), top, 0)  # by the (finite) max, so exp cannot overflow
    kept = np.log(np.exp(x - shift).sum(axis=axes, keepdims=True)) + shift
    return [(kept if attrs["keepDims"] else np.squeeze(kept, axes)).astype(np.float32)]


def moments(inputs, attrs):
    x, axes, keep = _f64(inputs[0]), reduce_axes(attrs["axis"]), attrs["keepDims"]
    return [x.mean(axis=axes, keepdims=keep).astype(np.float32), x.var(axis=axes, keepdims=keep).astype(np.float32)]


def norm(inputs, attrs):
    """Vector norms (any p, 'euclidean', ±inf) or, over two axes, matrix norms (1, ±inf, 'fro'/'euclidean')."""
    a, order, axis, keep = np.abs(_f64(inputs[0])), attrs["ord"], attrs["axis"], attrs["keepDims"]
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        y = np.linalg.norm(a, "fro" if order in ("euclidean", "fro") else order, axis=tuple(axis), keepdims=keep)
    elif order in ("euclidean", 2):
        y = np.sqrt(np.sum(a * a, axis=reduce_axes(axis), keepdims=keep))
    elif order in (math.inf, -math.inf):
        y = (np.max if order > 0 else np.min)(a, axis=reduce_axes(axis), keepdims=keep)
    else:
        y = np.sum(a**order, axis=reduce_axes(axis), keepdims=keep) ** (1 / order)
    return [np.asarray(y).astype(np.float32)]


# ------------------------------------------------------------------ matmul and convolution

def activate(y, activation, alpha=None, leaky=0.2):
    """The fused ops' epilogue, in float64."""
    return {
        "linear": lambda: y,
        "relu": lambda: np.maximum(y, 0),
        "relu6": lambda: np.clip(y, 0, 6),
        "elu": lambda: _elu(y),
        "prelu": lambda: np.where(y > 0, y, _f64(alpha) * y),
        "leakyrelu": lambda: np.where(y > 0, y, leaky * y),
        "sigmoid": lambda: 1 / (1 + np.exp(-y)),
        "hardswish": lambda: UNARY["hardSwish"](y),
    }[activation]()


def fused_extras(extra, activation):
    """A fused op's inputs after its operands: (bias, prelu weights, addend), None where absent; the prelu
    weights come only with activation 'prelu', an addend after the bias (and the weights)."""
    prelu = activation == "prelu"
    at = lambda i: extra[i] if len(extra) > i else None  # noqa: E731
    return at(0), at(1) if prelu else None, at(2 if prelu else 1)


def fused(base: Kernel) -> Kernel:
    def kernel(inputs, attrs):
        y = base(inputs[:2], attrs)[0]
        bias, alpha, addend = fused_extras(inputs[2:], attrs["activation"])
        after = attrs["addendAfterActivation"]
        for term in (bias, None if after else addend):
            if term is not None:
                y = y + _f64(term)
        y = activate(y, attrs["activation"], alpha, attrs["leakyreluAlpha"])
        return [_as(y + _f64(addend) if after else y, inputs[0])]
    return kernel


def matmul(inputs, attrs):
    a, b = (_f64(i) for i in inputs)
    if attrs["transposeA"]:
        a = np.swapaxes(a, -1, -2)
    if attrs["transposeB"]:
        b = np.swapaxes(b, -1, -2)
    return [np.matmul(a, b)]


# The round of an explicit-padding output size, by TF.js's dimRoundingMode.
_ROUND = {None: math.trunc, "floor": math.floor, "round": lambda v: math.floor(v + 0.5), "ceil": math.ceil}


def per_dim(v, rank):
    return [v] * rank if isinstance(v, int) else list(v)


class Taps:
    """The padded input frame of a convolution or pool over x [N, *spatial, C], any number of spatial dims,
    and per window tap the index of its slab: the input values that tap meets for every output pixel.

    ``pad`` is TF.js's: 'valid', 'same' (ops.spatial_padding: the one place TF's "same" is computed), a
    number for every side (output sizes rounded by ``rounding``), or [[0, 0], [before, after]..., [0, 0]].
    """

    def __init__(self, x_shape, window, strides, dilations, pad, rounding=None):
        rank = len(window)
        self.window = list(window)
        self.strides, self.dilations = per_dim(strides, rank), per_dim(dilations, rank)
        self.in_spatial = list(x_shape[1:-1])
        if pad == "same":
            pads = ops.spatial_padding("same", self.in_spatial, self.window, self.strides, self.dilations)
            self.out = [math.ceil(n / s) for n, s in zip(self.in_spatial, self.strides)]
        else:
            pads = ([(0, 0)] * rank if pad == "valid" else [(pad, pad)] * rank if isinstance(pad, int)
                    else [tuple(p) for p in pad[1:-1]])
            self.out = [_ROUND[rounding]((n - (w - 1) * d - 1 + b + a) / s + 1) for n, w, d, s, (b, a)
                        in zip(self.in_spatial, self.window, self.dilations, self.strides, pads)]
        self.before = [b for b, _ in pads]
        # The padded frame: large enough for every tap of every output.
        self.frame = [max(b + n, (o - 1) * s + (w - 1) * dl + 1) for b, n, o, s, w, dl in
                      zip(self.before, self.in_spatial, self.out, self.strides, self.window, self.dilations)]

    def pad(self, x, value=0.0):
        widths = [(0, 0)] + [(b, f - b - n) for b, f, n in zip(self.before, self.frame, self.in_spatial)] + [(0, 0)]
        return np.pad(x, widths, constant_values=value)

    def crop(self, framed):
        return framed[(slice(None),) + tuple(slice(b, b + n) for b, n in zip(self.before, self.in_spatial))]

    def slabs(self):
        for tap in np.ndindex(*self.window):
            index = tuple(slice(t * dl, t * dl + (o - 1) * s + 1, s)
                          for t, dl, o, s in zip(tap, self.dilations, self.out, self.strides))
            yield tap, (slice(None),) + index


def _grouped(a, groups):
    return a.reshape(a.shape[:-1] + (groups, a.shape[-1] // groups))


def as_grouped(depthwise_filter):
    """A depthwise filter [*window, C, M] as the grouped filter [*window, 1, C*M] of C groups."""
    return depthwise_filter.reshape(depthwise_filter.shape[:-2] + (1, -1))


def conv(x, w, strides, pad, dilations=1, groups=1, rounding=None):
    """x [N, *spatial, C], w [*window, C/groups, O], in float64: output channel g * O/groups + o."""
    t = Taps(x.shape, list(w.shape[:-2]), strides, dilations, pad, rounding)
    xp = t.pad(_f64(x))
    y = np.zeros([x.shape[0], *t.out, w.shape[-1]])
    for tap, index in t.slabs():
        wt = _f64(w[tap])
        y += np.einsum("...gc,cgo->...go", _grouped(xp[index], groups), wt.reshape(wt.shape[0], groups, -1)).reshape(y.shape)
    return y


def conv_backprop_input(x_shape, dy, w, strides, pad, dilations=1, groups=1, rounding=None):
    """conv's input gradient (conv2dTranspose, conv3dTranspose) for an input of ``x_shape``."""
    t = Taps(x_shape, list(w.shape[:-2]), strides, dilations, pad, rounding)
    dxp = t.pad(np.zeros(x_shape))
    for tap, index in t.slabs():
        wt = _f64(w[tap])
        dxp[index] += np.einsum("...go,cgo->...gc", _grouped(_f64(dy), groups),
                                wt.reshape(wt.shape[0], groups, -1)).reshape(dxp[index].shape)
    return t.crop(dxp)


def conv_backprop_filter(x, dy, w_shape, strides, pad, dilations=1, groups=1, rounding=None):
    """conv's filter gradient, of ``w_shape``."""
    t = Taps(x.shape, list(w_shape[:-2]), strides, dilations, pad, rounding)
    xp = t.pad(_f64(x))
    dw = np.zeros(w_shape)
    dy_groups = _grouped(_f64(dy), groups).reshape(-1, groups, w_shape[-1] // groups)
    for tap, index in t.slabs():
        slab = _grouped(xp[index], groups).reshape(-1, groups, w_shape[-2])
        dw[tap] = np.einsum("ngc,ngo->cgo", slab, dy_groups).reshape(w_shape[-2], w_shape[-1])
    return dw


def pool(x, window, strides, pad, kind, rounding=None, dilations=1):
    """maxPool or avgPool ('max', 'avg'), in float64; the average counts the window's in-bounds elements only
    (a window with none averages to 0, as TF.js's; its max is -inf)."""
    t = Taps(x.shape, window, strides, dilations, pad, rounding)
    if kind == "max":
        xp = t.pad(_f64(x), -np.inf)
        return np.max(np.stack([xp[index] for _, index in t.slabs()]), axis=0)
    xp = t.pad(_f64(x))
    ones = t.pad(np.ones(x.shape))
    return sum(xp[index] for _, index in t.slabs()) / np.maximum(sum(ones[index] for _, index in t.slabs()), 1)


def max_pool_grad(dy, x, window, strides, pad, rounding=None, dilations=1):
    """Each dy element goes to the first maximum of its window in tap order (NaN wins)."""
    t = Taps(x.shape, window, strides, dilations, pad, rounding)
    xp = t.pad(_f64(x), -np.inf)
    valid = t.pad(np.ones(x.shape, bool), False)
    best = np.full(dy.shape, -np.inf)
    winner = np.full(dy.shape, -1)
    for k, (_, index) in enumerate(t.slabs()):
        v, inside = xp[index], valid[index]
        better = inside & ((winner < 0) | (~np.isnan(best) & ((v > best) | np.isnan(v))))
        best, winner = np.where(better, v, best), np.where(better, k, winner)
    dxp = np.zeros(xp.shape)
    for k, (_, index) in enumerate(t.slabs()):
        dxp[index] += np.where(winner == k, dy, 0)
    return t.crop(dxp)


def avg_pool_grad(dy, x_shape, window, strides, pad, rounding=None, dilations=1):
    t = Taps(x_shape, window, strides, dilations, pad, rounding)
    ones = t.pad(np.ones(x_shape))
    count = sum(ones[index] for _, index in t.slabs())
    share = np.divide(dy, count, out=np.zeros(count.shape), where=count > 0)  # a window only in padding passes nothing
    dxp = np.zeros(ones.shape)
    for _, index in t.slabs():
        dxp[index] += share
    return t.crop(dxp)


def dilation2d(inputs, attrs):
    """Grayscale dilation: the max over the window of x + filter [fh, fw, C] (TF's Dilation2D), outside x skipped."""
    x, f = _f64(inputs[0]), _f64(inputs[1])
    batched = x.ndim == 4
    x = x if batched else x[None]
    t = Taps(x.shape, list(f.shape[:2]), attrs["strides"], attrs["dilations"], attrs["pad"])
    xp = t.pad(x, -np.inf)
    y = np.full([x.shape[0], *t.out, x.shape[-1]], -np.inf)
    for tap, index in t.slabs():
        y = np.maximum(y, xp[index] + f[tap])
    return [(y if batched else y[0]).astype(np.float32)]


def max_pool_with_argmax(inputs, attrs):
    """maxPool and, per output, the flat index in x of the first maximum in window order ((b*H + y)*W + x)*C + c,
    b left out unless includeBatchInIndex."""
    x = _f64(inputs[0])
    n, h, w, c = x.shape
    t = Taps(x.shape, per_dim(attrs["filterSize"], 2), attrs["strides"], 1, attrs["pad"])
    xp = t.pad(x, -np.inf)
    best = np.full([n, *t.out, c], -np.inf)
    where = np.zeros([n, *t.out, c], np.int64)
    rows = np.arange(t.out[0])[None, :, None, None] * t.strides[0] - t.before[0]
    cols = np.arange(t.out[1])[None, None, :, None] * t.strides[1] - t.before[1]
    flat = lambda i, j: ((rows + i) * w + cols + j) * c + np.arange(c)  # noqa: E731
    for (i, j), index in t.slabs():
        better = xp[index] > best
        best = np.where(better, xp[index], best)
        where = np.where(better, flat(i, j), where)
    if attrs["includeBatchInIndex"]:
        where = where + np.arange(n)[:, None, None, None] * h * w * c
    return [best.astype(np.float32), where.astype(np.int32)]


def conv2d(inputs, attrs):
    return [conv(inputs[0], inputs[1], attrs["strides"], attrs["pad"], attrs["dilations"])]


def depthwise_conv2d(inputs, attrs):
    x, w = inputs
    return [conv(x, as_grouped(w), attrs["strides"], attrs["pad"], attrs["dilations"], groups=x.shape[-1])]


def conv2d_transpose(inputs, attrs):
    x, w = inputs
    return [conv_backprop_input((x.shape[0], *attrs["outputShape"][-3:]), x, w, attrs["strides"], attrs["pad"])]


def max_pool(inputs, attrs):
    return [_as(pool(inputs[0], attrs["filterSize"], attrs["strides"], attrs["pad"], "max"), inputs[0])]


def avg_pool(inputs, attrs):
    return [_as(pool(inputs[0], attrs["filterSize"], attrs["strides"], attrs["pad"], "avg"), inputs[0])]


# ------------------------------------------------------------------ normalisation

def _optional(inputs, index, absent):
    """An optional input in float64: ``absent`` where it is left out or None (TF.js's null)."""
    return _f64(inputs[index]) if len(inputs) > index and inputs[index] is not None else absent


def batch_norm(inputs, attrs):
    x, mean, variance = (_f64(i) for i in inputs[:3])
    offset, scale = _optional(inputs, 3, 0.0), _optional(inputs, 4, 1.0)
    return [_as((x - mean) / np.sqrt(variance + attrs["varianceEpsilon"]) * scale + offset, inputs[0])]


def layer_norm(inputs, attrs):
    x = _f64(inputs[0])
    listed = attrs["axis"] if isinstance(attrs["axis"], (list, tuple)) else [attrs["axis"]]
    axes = tuple(ops.normalize_axis(a, x.ndim) for a in listed)
    mean = x.mean(axis=axes, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(variance + attrs["epsilon"]) * _optional(inputs, 1, 1.0) + _optional(inputs, 2, 0.0)
    return [_as(y, inputs[0])]


def local_response_normalization(inputs, attrs):
    x = _f64(inputs[0])
    radius = attrs["depthRadius"]
    squares = np.pad(x * x, [(0, 0)] * (x.ndim - 1) + [(radius, radius)])
    window_sum = sum(squares[..., k: k + x.shape[-1]] for k in range(2 * radius + 1))
    return [_as(x / (attrs["bias"] + attrs["alpha"] * window_sum) ** attrs["beta"], inputs[0])]


def softmax_along(x, axis, log):
    x = _f64(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted - log_sum if log else np.exp(shifted - log_sum)


# ------------------------------------------------------------------ shape ops

def gather(x, indices, axis, batch_dims):
    if batch_dims == 0:
        return np.take(x, indices, axis=axis)
    return np.stack([gather(xi, ii, axis - 1, batch_dims - 1) for xi, ii in zip(x, indices)])


def split(inputs, attrs):
    """numOrSizeSplits: a count of equal parts, or the parts' sizes with at most one -1 (the rest of the axis)."""
    x, parts, axis = inputs[0], attrs["numOrSizeSplits"], attrs["axis"]
    if isinstance(parts, int):
        return list(np.split(x, parts, axis=axis))
    sizes = [x.shape[axis] - sum(p for p in parts if p >= 0) if p == -1 else p for p in parts]
    return list(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


def slice_kernel(inputs, attrs):
    x = inputs[0]
    index = tuple(slice(b, b + s if s >= 0 else None) for b, s in zip(attrs["begin"], attrs["size"]))
    return [x[index]]


def strided_slice(inputs, attrs):
    """TF's stridedSlice as a Python index: masked bounds become None, and Ellipsis, np.newaxis or an int."""
    index = []
    for i, (begin, end, stride) in enumerate(zip(attrs["begin"], attrs["end"], attrs["strides"])):
        if attrs["ellipsisMask"] >> i & 1:
            index.append(Ellipsis)
        elif attrs["newAxisMask"] >> i & 1:
            index.append(np.newaxis)
        elif attrs["shrinkAxisMask"] >> i & 1:
            index.append(begin)
        else:
            index.append(slice(None if attrs["beginMask"] >> i & 1 else begin, None if attrs["endMask"] >> i & 1 else end,
                               stride))
    return [np.ascontiguousarray(inputs[0][tuple(index)])]


def gather_nd(x, indices):
    depth = indices.shape[-1]
    flat = indices.reshape(-1, depth)
    out = np.stack([x[tuple(t)] for t in flat]) if len(flat) else np.zeros((0,) + x.shape[depth:], x.dtype)
    return out.reshape(indices.shape[:-1] + x.shape[depth:])


def scatter_nd(indices, updates, shape):
    """Updates summed into zeros of ``shape``: duplicate indices add up."""
    out = np.zeros(shape, dtype=updates.dtype)
    depth = indices.shape[-1]
    for t, u in zip(indices.reshape(-1, depth), updates.reshape((-1,) + tuple(shape[depth:]))):
        out[tuple(t)] += u
    return out



def tensor_scatter_update(tensor, indices, updates):
    """A copy of ``tensor`` with each update slice written at its index tuple (the last of repeats wins); tuples outside are dropped."""
    out = tensor.copy()
    depth = indices.shape[-1]
    for t, u in zip(indices.reshape(-1, depth), updates.reshape((-1,) + tensor.shape[depth:])):
        if all(0 <= i < n for i, n in zip(t, tensor.shape)):
            out[tuple(t)] = u
    return out


def sparse_to_dense(indices, values, default, shape):
    """``default`` everywhere but at the index tuples (a scalar is one index, a vector one per entry), which take ``values``."""
    count = indices.shape[0] if indices.ndim else 1
    depth = indices.shape[1] if indices.ndim > 1 else 1
    return tensor_scatter_update(np.full(shape, default, values.dtype), indices.reshape(count, depth), np.broadcast_to(values, (count,)))

def topk(inputs, attrs):
    """The k largest along the last axis; a stable sort of -x keeps the lower index first among ties."""
    x = inputs[0]
    order = np.argsort(-x, axis=-1, kind="stable")[..., :attrs["k"]].astype(np.int32)
    return [np.take_along_axis(x, order, axis=-1), order]


def _iou(a, b) -> float:
    """IoU of two [y1, x1, y2, x2] boxes (either corner order); 0 where either is empty."""
    ya0, ya1, xa0, xa1 = min(a[0], a[2]), max(a[0], a[2]), min(a[1], a[3]), max(a[1], a[3])
    yb0, yb1, xb0, xb1 = min(b[0], b[2]), max(b[0], b[2]), min(b[1], b[3]), max(b[1], b[3])
    area_a, area_b = (ya1 - ya0) * (xa1 - xa0), (yb1 - yb0) * (xb1 - xb0)
    if area_a <= 0 or area_b <= 0:
        return 0.0
    inter = max(min(ya1, yb1) - max(ya0, yb0), 0.0) * max(min(xa1, xb1) - max(xa0, xb0), 0.0)
    return inter / (area_a + area_b - inter)


def greedy_nms(boxes, scores, max_out, iou_threshold, score_threshold, sigma=0.0, strict=False):
    """TensorFlow's NonMaxSuppressionV5 (V3/V4 with sigma 0): best first; a candidate within iou_threshold
    of a selected box is dropped (`strict`: only past it, as ONNX has it); with soft-NMS its score decays by exp(-iou^2 / (2 sigma)) against the
    boxes selected since it was last looked at, and it waits its turn again. Returns (indices, scores)."""
    boxes, scores = _f64(boxes), _f64(scores)
    pending = [[float(scores[i]), i, 0] for i in range(len(scores)) if scores[i] > score_threshold]
    selected, selected_scores = [], []
    while len(selected) < max_out and pending:
        best = max(range(len(pending)), key=lambda j: (pending[j][0], -pending[j][1]))
        score, index, begin = pending.pop(best)
        original, dropped = score, False
        for j in range(len(selected) - 1, begin - 1, -1):
            iou = _iou(boxes[index], boxes[selected[j]])
            if iou > iou_threshold or (iou == iou_threshold and not strict):
                dropped = True
                break
            if sigma > 0:
                score *= np.exp(-0.5 * iou * iou / sigma)
            if score <= score_threshold:
                break
        if dropped:
            continue
        if score == original:
            selected.append(index)
            selected_scores.append(score)
        elif score > score_threshold:
            pending.append([score, index, len(selected)])
    return selected, selected_scores


def _scalar(inputs, i, default):
    return float(np.asarray(inputs[i]).reshape(-1)[0]) if len(inputs) > i and inputs[i] is not None else default


def non_max_suppression(inputs, attrs):
    """TensorFlow's V3/V4/V5 as one op: selected indices, their scores, how many before padding."""
    count = int(_scalar(inputs, 2, 0))
    picked, picked_scores = greedy_nms(inputs[0], inputs[1], count, _scalar(inputs, 3, 1.0),
                                       _scalar(inputs, 4, -np.inf), _scalar(inputs, 5, 0.0))
    valid = len(picked)
    if attrs["padToMaxOutputSize"]:
        picked, picked_scores = picked + [0] * (count - valid), picked_scores + [0.0] * (count - valid)
    return [np.array(picked, np.int32), np.array(picked_scores, np.float32), np.array(valid, np.int32)]


def non_max_suppression_per_class(inputs, attrs):
    """ONNX's NonMaxSuppression: per batch and class, rows (batch, class, box)."""
    boxes, scores = _f64(inputs[0]), _f64(inputs[1])
    if attrs["centerPointBox"]:
        xc, yc, w, h = (boxes[..., k] for k in range(4))
        boxes = np.stack([yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2], axis=-1)
    count = int(_scalar(inputs, 2, 0))
    rows = [(b, c, i) for b in range(scores.shape[0]) for c in range(scores.shape[1])
            for i in greedy_nms(boxes[b], scores[b, c], count, _scalar(inputs, 3, 0.0), _scalar(inputs, 4, -np.inf),
                                strict=True)[0]]
    return [np.array(rows, np.int32).reshape(-1, 3)]


def unique(inputs, attrs):
    """ONNX's Unique: values (sorted or in order of first appearance), first indices, inverse indices, counts."""
    x, axis = inputs[0], attrs["axis"]
    if axis is None:
        x, axis = x.reshape(-1), 0
    moved = np.moveaxis(x, axis, 0).reshape(x.shape[axis], int(np.prod(x.shape)) // max(x.shape[axis], 1))
    keys = [tuple(row.tolist()) for row in moved]
    firsts = list(dict.fromkeys(keys))
    order = sorted(firsts) if attrs["sorted"] else firsts
    first_index = {key: keys.index(key) for key in firsts}
    position = {key: r for r, key in enumerate(order)}
    indices = np.array([first_index[key] for key in order], np.int32)
    inverse = np.array([position[key] for key in keys], np.int32)
    counts = np.array([keys.count(key) for key in order], np.int32)
    return [np.take(x, indices, axis=axis), indices, inverse, counts]


def space_to_batch(x, block, paddings):
    """Element by element: output batch (offsets, n) at spatial pos reads the padded input n at pos * block + offsets."""
    padded = np.pad(x, [(0, 0)] + [tuple(p) for p in paddings] + [(0, 0)] * (x.ndim - 1 - len(block)))
    n = x.shape[0]
    spatial = [padded.shape[1 + d] // b for d, b in enumerate(block)]
    out = np.zeros((n * int(np.prod(block)), *spatial, *x.shape[1 + len(block):]), x.dtype)
    for k in range(out.shape[0]):
        offsets = np.unravel_index(k // n, block)
        for pos in np.ndindex(*spatial):
            out[(k,) + pos] = padded[(k % n,) + tuple(p * b + o for p, b, o in zip(pos, block, offsets))]
    return out


def batch_to_space(x, block, crops):
    """space_to_batch's inverse, then the crops cut off."""
    n = x.shape[0] // int(np.prod(block))
    spatial = x.shape[1:1 + len(block)]
    full = np.zeros((n, *[s * b for s, b in zip(spatial, block)], *x.shape[1 + len(block):]), x.dtype)
    for k in range(x.shape[0]):
        offsets = np.unravel_index(k // n, block)
        for pos in np.ndindex(*spatial):
            full[(k % n,) + tuple(p * b + o for p, b, o in zip(pos, block, offsets))] = x[(k,) + pos]
    return full[(slice(None),) + tuple(slice(c[0], full.shape[1 + d] - c[1]) for d, c in enumerate(crops))]


def _source_coordinates(out_size, in_size, align_corners, half_pixel):
    scale = (in_size - 1) / (out_size - 1) if align_corners and out_size > 1 else in_size / out_size
    out = np.arange(out_size, dtype=np.float64)
    return (out + 0.5) * scale - 0.5 if half_pixel else out * scale, scale


def resize_bilinear(inputs, attrs):
    x = _f64(inputs[0])
    for axis, size in zip((1, 2), attrs["size"]):
        coords, _ = _source_coordinates(size, x.shape[axis], attrs["alignCorners"], attrs["halfPixelCenters"])
        floor = np.floor(coords)
        lower = np.clip(floor, 0, x.shape[axis] - 1).astype(int)
        upper = np.clip(np.ceil(coords), 0, x.shape[axis] - 1).astype(int)
        weight = (coords - floor).reshape([-1 if a == axis else 1 for a in range(4)])
        x = np.take(x, lower, axis=axis) * (1 - weight) + np.take(x, upper, axis=axis) * weight
    return [_as(x, inputs[0])]


def resize_nearest(inputs, attrs):
    x = inputs[0]
    for axis, size in zip((1, 2), attrs["size"]):
        in_size = x.shape[axis]
        scale = (in_size - 1) / (size - 1) if attrs["alignCorners"] and size > 1 else in_size / size
        coords = (np.arange(size) + (0.5 if attrs["halfPixelCenters"] else 0.0)) * scale
        index = np.floor(coords + 0.5) if attrs["alignCorners"] else np.floor(coords)  # halves up, as TF.js
        x = np.take(x, np.clip(index, 0, in_size - 1).astype(int), axis=axis)
    return [x]


def crop_and_resize(inputs, attrs):
    """TF's CropAndResize: each box [y1, x1, y2, x2] (image fractions) sampled on a crop grid from image box_ind[b]."""
    image, boxes, box_ind = _f64(inputs[0]), inputs[1].astype(np.float64), inputs[2]
    (crop_h, crop_w), nearest = attrs["cropSize"], attrs["method"] == "nearest"
    batch, height, width, channels = image.shape
    out = np.zeros((len(boxes), crop_h, crop_w, channels))

    def coords(start, end, crop, size):
        if crop == 1:
            return np.array([0.5 * (start + end) * (size - 1)])
        return start * (size - 1) + np.arange(crop) * ((end - start) * (size - 1) / (crop - 1))

    for b, (y1, x1, y2, x2) in enumerate(boxes):
        if not 0 <= box_ind[b] < batch:
            continue
        img = image[box_ind[b]]
        ys, xs = coords(y1, y2, crop_h, height), coords(x1, x2, crop_w, width)
        inside = ((ys >= 0) & (ys <= height - 1))[:, None] & ((xs >= 0) & (xs <= width - 1))[None, :]
        yc, xc = np.clip(ys, 0, height - 1), np.clip(xs, 0, width - 1)
        if nearest:
            sampled = img[np.floor(yc + 0.5).astype(int)][:, np.floor(xc + 0.5).astype(int)]
        else:
            top, left = np.floor(yc).astype(int), np.floor(xc).astype(int)
            bottom, right = np.ceil(yc).astype(int), np.ceil(xc).astype(int)
            wy, wx = (yc - top)[:, None, None], (xc - left)[None, :, None]
            upper = img[top][:, left] + (img[top][:, right] - img[top][:, left]) * wx
            lower = img[bottom][:, left] + (img[bottom][:, right] - img[bottom][:, left]) * wx
            sampled = upper + (lower - upper) * wy
        out[b] = np.where(inside[:, :, None], sampled, attrs["extrapolationValue"])
    return [out.astype(np.float32)]


def _map_coordinate(v, size, mode):
    """TF's image_ops.h: a source coordinate outside [0, size - 1] by the fill mode (constant: left as it is)."""
    if mode == "constant":
        return v
    if mode == "nearest" or size <= 1:
        return np.clip(v, 0, size - 1) if mode == "nearest" else np.where((v < 0) | (v > size - 1), 0.0, v)
    if mode == "reflect":
        period = 2 * size
        low = np.trunc(-v / period) * period + v
        low = np.where(low < -size, low + period, -low - 1)
        high = v - period * np.trunc(v / period)
        high = np.where(high >= size, period - high - 1, high)
    else:  # wrap
        low = v + size * (np.trunc(-v / (size - 1)) + 1)
        high = v - size * np.trunc(v / (size - 1))
    return np.clip(np.where(v < 0, low, np.where(v > size - 1, high, v)), 0, size - 1)


def transform(inputs, attrs):
    """TF's ImageProjectiveTransformV3 (TF.js's tf.image.transform): output (x, y) samples the input at the
    projective map of the image's 8-vector; reads outside the image, and a zero denominator, give fillValue."""
    image, transforms = _f64(inputs[0]), inputs[1].astype(np.float64)
    batch, height, width, channels = image.shape
    out_h, out_w = attrs["outputShape"] or (height, width)
    fill, mode = attrs["fillValue"], attrs["fillMode"]
    y, x = np.meshgrid(np.arange(out_h, dtype=np.float64), np.arange(out_w, dtype=np.float64), indexing="ij")
    out = np.full((batch, out_h, out_w, channels), float(fill))

    def read(img, yy, xx):
        inside = (yy >= 0) & (yy < height) & (xx >= 0) & (xx < width)
        values = img[np.clip(yy, 0, height - 1).astype(int), np.clip(xx, 0, width - 1).astype(int)]
        return np.where(inside[..., None], values, fill)

    for b in range(batch):
        t = transforms[0 if len(transforms) == 1 else b]
        k = t[6] * x + t[7] * y + 1
        with np.errstate(divide="ignore", invalid="ignore"):
            xs = _map_coordinate((t[0] * x + t[1] * y + t[2]) / k, width, mode)
            ys = _map_coordinate((t[3] * x + t[4] * y + t[5]) / k, height, mode)
        if attrs["interpolation"] == "nearest":
            sampled = read(image[b], np.floor(ys + 0.5), np.floor(xs + 0.5))
        else:
            y0, x0 = np.floor(ys), np.floor(xs)
            wx, wy = (xs - x0)[..., None], (ys - y0)[..., None]
            upper = (1 - wx) * read(image[b], y0, x0) + wx * read(image[b], y0, x0 + 1)
            lower = (1 - wx) * read(image[b], y0 + 1, x0) + wx * read(image[b], y0 + 1, x0 + 1)
            sampled = (1 - wy) * upper + wy * lower
        out[b] = np.where((k == 0)[..., None], fill, sampled)
    return [out.astype(np.float32)]


def rotate_with_offset(inputs, attrs):
    """TF.js's RotateWithOffset: output (x, y) takes the input at its rotation about the centre, rounded (halves
    up); outside the image the fill ([v], or [r, g, b] with 255 from channel 3 on)."""
    image = _f64(inputs[0])
    batch, height, width, channels = image.shape
    cx, cy = width * attrs["center"][0], height * attrs["center"][1]
    sin, cos = math.sin(attrs["radians"]), math.cos(attrs["radians"])
    y, x = np.meshgrid(np.arange(height) - cy, np.arange(width) - cx, indexing="ij")
    sx, sy = np.floor(x * cos - y * sin + cx + 0.5), np.floor(x * sin + y * cos + cy + 0.5)
    inside = (sx >= 0) & (sx < width) & (sy >= 0) & (sy < height)
    fill_value = attrs["fillValue"]
    fill = np.array([fill_value[0]] * channels if len(fill_value) == 1 else [*fill_value[:3], *[255.0] * (channels - 3)][:channels])
    sampled = image[:, np.clip(sy, 0, height - 1).astype(int), np.clip(sx, 0, width - 1).astype(int)]
    return [np.where(inside[None, :, :, None], sampled, fill).astype(np.float32)]


def depth_to_space(inputs, attrs):
    x, b = inputs[0], attrs["blockSize"]
    if attrs["dataFormat"] == "NCHW":
        nhwc = depth_to_space([x.transpose(0, 2, 3, 1)], {**attrs, "dataFormat": "NHWC"})[0]
        return [nhwc.transpose(0, 3, 1, 2)]
    n, h, w, c = x.shape
    y = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
    return [y.reshape(n, h * b, w * b, c // (b * b))]


def cast(inputs, attrs):
    x = inputs[0]
    if attrs["dtype"] == "bool":
        return [x != 0]
    return [x.astype(attrs["dtype"])]


# ------------------------------------------------------------------ creation, and the random streams

def tfjs_range(start, stop, step):
    """TF.js range: empty for wrong-way ranges, and a step of 1 counts down when stop < start."""
    if start == stop or (start < stop and step < 0) or (stop < start and step > 1):
        return np.zeros([0])
    if stop < start and step == 1:
        step = -1
    return start + np.arange(abs(math.ceil((stop - start) / step))) * step


def one_hot(inputs, attrs):
    """Out-of-range indices give all-off rows."""
    hot = inputs[0][..., None] == np.arange(attrs["depth"])
    return [np.where(hot, attrs["onValue"], attrs["offValue"]).astype(attrs["dtype"])]


def eye(inputs, attrs):
    rows, columns = attrs["numRows"], attrs["numColumns"] or attrs["numRows"]
    identity = np.eye(rows, columns, dtype=attrs["dtype"])
    return [np.broadcast_to(identity, [*(attrs["batchShape"] or []), rows, columns]).copy()]


# Philox4x32-10, by the contract written in js/src/core/random.ts: element i of a random op depends only on
# (seed, i), so these numbers are the runtime's on every backend.
_MASK = 0xFFFFFFFF
_PHILOX_M0, _PHILOX_M1 = 0xD2511F53, 0xCD9E8D57
_PHILOX_W0, _PHILOX_W1 = 0x9E3779B9, 0xBB67AE85


def philox4x32(counter, key):
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for round_ in range(10):
        if round_ > 0:
            k0, k1 = (k0 + _PHILOX_W0) & _MASK, (k1 + _PHILOX_W1) & _MASK
        p0, p1 = _PHILOX_M0 * c0, _PHILOX_M1 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & _MASK, (p0 >> 32) ^ c3 ^ k1, p0 & _MASK
    return c0, c1, c2, c3


def seed_key(seed):
    """The two 32-bit words of the seed's float64 bits, [low, high]."""
    low, high = np.array([seed], dtype="<f8").view("<u4")
    return int(low), int(high)


def philox_words(key, index, round_=0):
    return philox4x32((index & _MASK, index >> 32, round_, 0), key)


def uniform_at(key, index):
    return (philox_words(key, index)[0] >> 8) * 2.0**-24


def normal_at(key, index, round_=0):
    """Box-Muller on the first two words: u1 in (0, 1], u2 in [0, 1)."""
    w = philox_words(key, index, round_)
    u1 = ((w[0] >> 8) + 1) * 2.0**-24
    u2 = (w[1] >> 8) * 2.0**-24
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def truncated_normal_at(key, index):
    """Redraws (round 1, 2, ...) until the sample is within two standard deviations."""
    round_, z = 0, normal_at(key, index)
    while abs(z) > 2:
        round_ += 1
        z = normal_at(key, index, round_)
    return z


def gamma_at(key, index, alpha):
    """Marsaglia and Tsang, round by round (the contract's words: normal from 0 and 1, u from 2, alpha < 1's boost from 3)."""
    d = alpha + 2 / 3 if alpha < 1 else alpha - 1 / 3
    c = 1 / math.sqrt(9 * d)
    round_ = 0
    while True:
        w = philox_words(key, index, round_)
        x = normal_at(key, index, round_)
        round_ += 1
        if 1 + c * x <= 0:
            continue
        v = (1 + c * x) ** 3
        u = ((w[2] >> 8) + 1) * 2.0**-24
        if u < 1 - 0.0331 * x**4 or math.log(u) < 0.5 * x * x + d * (1 - v + math.log(v)):
            return d * v * (((w[3] >> 8) + 1) * 2.0**-24) ** (1 / alpha) if alpha < 1 else d * v


def random_kernel(draw, low_attr, scale, whole=lambda v: np.floor(v + 0.5)):
    """A random op: ``draw(key, i)`` is the unit sample, ``low + sample * scale`` the value (low 0 without
    ``low_attr``); int32 takes
    ``whole`` of it (the normals round half up, as TF.js; uniform passes np.floor, staying below maxval)."""
    def kernel(inputs, attrs):
        key = seed_key(attrs["seed"])
        shape = attrs["shape"]
        low = attrs[low_attr] if low_attr else 0
        v = np.array([low + draw(key, i) * scale(attrs) for i in range(int(np.prod(shape)))], np.float64)
        return [(whole(v).astype(np.int32) if attrs["dtype"] == "int32" else v.astype(np.float32)).reshape(shape)]
    return kernel


# ------------------------------------------------------------------ audio

def hertz_to_mel(hz):
    """The HTK mel scale, as TensorFlow's linear_to_mel_weight_matrix."""
    return 1127.0 * np.log(1.0 + hz / 700.0)


def mel_matrix(num_mel_bins, num_bins, sample_rate, lower, upper):
    """TensorFlow's linear_to_mel_weight_matrix [num_bins, num_mel_bins]: triangles on the mel scale, the DC bin left out."""
    freqs = np.linspace(0.0, sample_rate / 2.0, num_bins)[1:]
    mels = hertz_to_mel(freqs)[:, None]
    edges = np.linspace(hertz_to_mel(lower), hertz_to_mel(upper), num_mel_bins + 2)
    left, center, right = edges[:-2], edges[1:-1], edges[2:]
    weights = np.maximum(0.0, np.minimum((mels - left) / (center - left), (right - mels) / (right - center)))
    return np.pad(weights, [[1, 0], [0, 0]])


def log_mel_spectrogram(inputs, attrs):
    """Hann-windowed frames, numpy's rfft (independent of the runtime's DFT as a matmul), mel bins, log."""
    frame_length, frame_step = attrs["frameLength"], attrs["frameStep"]
    fft = attrs["fftLength"] or 1 << (frame_length - 1).bit_length()
    signals = _f64(inputs[0])
    count = 0 if signals.shape[-1] < frame_length else 1 + (signals.shape[-1] - frame_length) // frame_step
    index = np.arange(count)[:, None] * frame_step + np.arange(frame_length)[None, :]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame_length) / frame_length)
    spectrum = np.abs(np.fft.rfft(signals[..., index] * window, n=fft, axis=-1)) ** attrs["power"]
    mel = spectrum @ mel_matrix(attrs["numMelBins"], fft // 2 + 1, attrs["sampleRate"], attrs["lowerEdgeHertz"],
                                attrs["upperEdgeHertz"] or attrs["sampleRate"] / 2)
    return [_as(np.log(mel + attrs["logOffset"]), inputs[0])]


def _complex(re, im):
    """complex64 with these parts as they are (re + 1j * im would turn an infinite part's 0 * inf into NaN)."""
    z = np.empty(np.shape(re), np.complex64)
    z.real, z.imag = re, im
    return z


def _first(fn) -> Kernel:
    return lambda inputs, attrs: [fn(inputs[0], attrs)]


def _step(x, alpha):
    return np.where(np.isnan(x), np.nan, np.where(x > 0, 1.0, alpha))


# Every op the oracle knows, by the runtime's name: the converter's op set (KERNELS) and the runtime's
# other ops that the op goldens and the kernel tier check against it.
ORACLE: dict[str, Kernel] = {
    **{name: unary_kernel(fn) for name, fn in UNARY.items()},
    **{name: predicate_kernel(fn) for name, fn in PREDICATES.items()},
    **{name: binary_kernel(fn, name in BOOL_RESULTS) for name, fn in BINARY.items()},
    **{name: reduce_kernel(name, fn) for name, fn in REDUCE.items()},
    "gelu": lambda i, a: [_as(_gelu(i[0], a["approximate"]), i[0])],
    "hardSigmoid": lambda i, a: [_as(np.clip(a["alpha"] * _f64(i[0]) + a["beta"], 0, 1), i[0])],
    "step": lambda i, a: [_as(_step(_f64(i[0]), a["alpha"]), i[0])],
    "cumsum": lambda i, a: [scan(i[0], a["axis"], a["exclusive"], a["reverse"])],
    "cumprod": lambda i, a: [scan(i[0], a["axis"], a["exclusive"], a["reverse"], product=True)],
    "logSumExp": log_sum_exp,
    "moments": moments,
    "norm": norm,
    "leakyRelu": lambda i, a: [_as(np.where(i[0] < 0, a["alpha"] * _f64(i[0]), i[0]), i[0])],
    "clipByValue": lambda i, a: [_as(np.clip(i[0], a["clipValueMin"], a["clipValueMax"]), i[0])],
    "addN": lambda i, a: [_as(sum(_wide(t) for t in i), i[0])],
    "cast": cast,
    "where": lambda i, a: [np.where(i[0], i[1], i[2])],
    "softmax": lambda i, a: [_as(softmax_along(i[0], a["dim"], log=False), i[0])],
    "logSoftmax": lambda i, a: [_as(softmax_along(i[0], a["axis"], log=True), i[0])],
    "argMax": lambda i, a: [np.argmax(i[0], axis=a["axis"]).astype(np.int32)],
    "argMin": lambda i, a: [np.argmin(i[0], axis=a["axis"]).astype(np.int32)],
    "matMul": lambda i, a: [_as(matmul(i, a)[0], i[0])],
    "dot": lambda i, a: [_as(np.dot(_wide(i[0]), _wide(i[1])), i[0])],
    "outerProduct": lambda i, a: [_as(np.outer(_wide(i[0]), _wide(i[1])), i[0])],
    "fusedMatMul": fused(matmul),
    "conv2d": lambda i, a: [_as(conv2d(i, a)[0], i[0])],
    "fusedConv2d": fused(conv2d),
    "depthwiseConv2d": lambda i, a: [_as(depthwise_conv2d(i, a)[0], i[0])],
    "fusedDepthwiseConv2d": fused(depthwise_conv2d),
    "conv2dTranspose": lambda i, a: [_as(conv2d_transpose(i, a)[0], i[0])],
    "maxPool": max_pool,
    "avgPool": avg_pool,
    "batchNorm": batch_norm,
    "layerNorm": layer_norm,
    "localResponseNormalization": local_response_normalization,
    "reshape": _first(lambda x, a: x.reshape(a["shape"])),
    "transpose": _first(lambda x, a: np.transpose(x, a["perm"])),
    "concat": lambda i, a: [np.concatenate(i, axis=a["axis"])],
    "stack": lambda i, a: [np.stack(i, axis=a["axis"])],
    "unstack": lambda i, a: list(np.moveaxis(i[0], a["axis"], 0)),
    "reverse": _first(lambda x, a: np.flip(x, reduce_axes(a["axis"]))),
    "split": split,
    "slice": slice_kernel,
    "stridedSlice": strided_slice,
    "gather": lambda i, a: [gather(i[0], i[1], ops.normalize_axis(a["axis"], i[0].ndim), a["batchDims"])],
    "gatherND": lambda i, a: [gather_nd(i[0], i[1])],
    "scatterND": lambda i, a: [scatter_nd(i[0], i[1], a["shape"])],
    "tensorScatterUpdate": lambda i, a: [tensor_scatter_update(*i)],
    "sparseToDense": lambda i, a: [sparse_to_dense(i[0], i[1], i[2], a["outputShape"])],
    "topk": topk,
    "whereAsync": lambda i, a: [np.argwhere(i[0]).astype(np.int32)],
    "topkAsync": lambda i, a: topk(i[:1], {"k": int(np.asarray(i[1]).reshape(-1)[0])}),
    "nonMaxSuppression": non_max_suppression,
    "nonMaxSuppressionPerClass": non_max_suppression_per_class,
    "uniqueAsync": unique,
    "spaceToBatchND": _first(lambda x, a: space_to_batch(x, a["blockShape"], a["paddings"])),
    "batchToSpaceND": _first(lambda x, a: batch_to_space(x, a["blockShape"], a["crops"])),
    "pad": _first(lambda x, a: np.pad(x, a["paddings"], constant_values=np.asarray(a["constantValue"], x.dtype))),
    "mirrorPad": _first(lambda x, a: np.pad(x, a["paddings"], mode=a["mode"])),
    "expandDims": _first(lambda x, a: np.expand_dims(x, a["axis"])),
    "squeeze": _first(lambda x, a: np.squeeze(x, axis=reduce_axes(a["axis"]))),
    "tile": _first(lambda x, a: np.tile(x, a["reps"])),
    "broadcastTo": _first(lambda x, a: np.broadcast_to(x, a["shape"]).copy()),
    "resizeBilinear": resize_bilinear,
    "resizeNearestNeighbor": resize_nearest,
    "cropAndResize": crop_and_resize,
    "transform": transform,
    "rotateWithOffset": rotate_with_offset,
    "dilation2d": dilation2d,
    "maxPoolWithArgmax": max_pool_with_argmax,
    "depthToSpace": depth_to_space,
    "fill": lambda i, a: [np.full(a["shape"], a["value"], a["dtype"])],
    "zeros": lambda i, a: [np.zeros(a["shape"], a["dtype"])],
    "ones": lambda i, a: [np.ones(a["shape"], a["dtype"])],
    "zerosLike": lambda i, a: [np.zeros_like(i[0])],
    "onesLike": lambda i, a: [np.ones_like(i[0])],
    "range": lambda i, a: [tfjs_range(a["start"], a["stop"], a["step"]).astype(a["dtype"])],
    "linspace": lambda i, a: [np.linspace(a["start"], a["stop"], a["num"]).astype(np.float32)],
    "eye": eye,
    "oneHot": one_hot,
    "randomUniform": random_kernel(uniform_at, "minval", lambda a: a["maxval"] - a["minval"], np.floor),
    "randomNormal": random_kernel(normal_at, "mean", lambda a: a["stdDev"]),
    "truncatedNormal": random_kernel(truncated_normal_at, "mean", lambda a: a["stdDev"]),
    "randomGamma": lambda inputs, attrs: random_kernel(lambda key, i: gamma_at(key, i, attrs["alpha"]), None, lambda a: a["beta"])(inputs, attrs),
    "logMelSpectrogram": log_mel_spectrogram,
    "einsum": lambda i, a: [_as(np.einsum(a["equation"], *(_f64(t) for t in i)), i[0])],
    "complex": lambda i, a: [_complex(i[0], i[1])],
    "real": _first(lambda x, a: np.real(x).astype(np.float32)),
    "imag": _first(lambda x, a: np.imag(x).astype(np.float32)),
    "viewAsReal": _first(lambda x, a: np.stack([x.real, x.imag], axis=-1).astype(np.float32)),
    "viewAsComplex": _first(lambda x, a: _complex(x[..., 0], x[..., 1])),
    "fft": _first(lambda x, a: np.fft.fft(x.astype(np.complex128), axis=-1).astype(np.complex64)),
    "ifft": _first(lambda x, a: np.fft.ifft(x.astype(np.complex128), axis=-1).astype(np.complex64)),
}

# The graph interpreter's kernels: exactly the converter's op set (ops.OPS).
KERNELS: dict[str, Kernel] = {name: ORACLE[name] for name in ops.OPS}


def run(graph, feeds: dict[str, np.ndarray], outputs: list[str] | None = None) -> dict[str, np.ndarray]:
    """Evaluates an ir.Graph on the given inputs; returns the requested (default: graph) outputs."""
    for name in graph.inputs:
        if name not in feeds:
            raise KeyError(f"no value fed for graph input {name!r}")
    return run_scope(graph, {name: np.asarray(feeds[name]) for name in graph.inputs}, outputs or graph.outputs)


def run_body(body, bound: dict[str, np.ndarray]) -> list[np.ndarray]:
    """A control-flow body's outputs, given its inputs and the enclosing values it reads."""
    values = run_scope(body, bound, body.outputs)
    return [values[name] for name in body.outputs]


def run_scope(graph, bound: dict[str, np.ndarray], wanted: list[str]) -> dict[str, np.ndarray]:
    values: dict[str, np.ndarray] = {**graph.constants, **bound}
    remaining_uses: dict[str, int] = {}
    for node in graph.nodes:
        for i in node.inputs:
            remaining_uses[i] = remaining_uses.get(i, 0) + 1
    shapes = {name: np.shape(value) for name, value in values.items()}  # what the shape program reads
    for node in graph.nodes:
        attrs = node.attrs
        if node.shape_attrs:  # attrs that follow free dimensions: from the shape program, at these shapes
            computed = graph.shape_program.evaluate(list(node.shape_attrs.values()), shapes.__getitem__)
            attrs = {**attrs, **{a: attr_value(computed[v]) for a, v in node.shape_attrs.items()}}
        inputs = [values[i] if i else None for i in node.inputs]  # '' is an optional input left out
        if node.subgraphs:
            results = control_flow.run_node(node, inputs, run_body)
        else:
            results = KERNELS[node.op](inputs, attrs)
        values.update(zip(node.outputs, results))
        shapes.update((name, np.shape(value)) for name, value in zip(node.outputs, results))
        for i in node.inputs:  # free intermediates as soon as their last reader ran
            remaining_uses[i] -= 1
            if i and remaining_uses[i] == 0 and i not in wanted and i not in graph.constants:
                del values[i]
    return {name: values[name] for name in wanted}
