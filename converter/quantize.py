"""Weight quantization: `--quantize float16 | uint8 | uint16`, optionally per weight-name pattern.

Affine quantization follows TensorFlow.js (value = q * scale + min, with min nudged so
that 0.0 is exactly representable).  Where one (min, scale) per output channel (the axis
the consuming convolution or matmul writes its channels from; the last axis otherwise)
at least halves the worst error of any channel, measured relative to that channel's
largest magnitude, a weight gets per-channel vectors and an `axis` entry; otherwise its
manifest entry is TF.js's own.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import numpy as np

from .errors import ConversionError

QUANTIZED_TYPES = {"float16": np.float16, "uint8": np.uint8, "uint16": np.uint16}
PER_CHANNEL_GAIN = 2.0  # per-channel pays for its longer manifest entry only when it halves the error


@dataclass(frozen=True)
class QuantizeRule:
    dtype: str
    pattern: str = "*"

    def matches(self, weight_name: str) -> bool:
        return fnmatch.fnmatchcase(weight_name.lower(), self.pattern.lower())


def parse_rule(spec: str) -> QuantizeRule:
    """'uint8' or 'uint8:*conv*'."""
    dtype, _, pattern = spec.partition(":")
    if dtype not in QUANTIZED_TYPES:
        raise ConversionError(f"--quantize {spec!r}: the type must be one of {', '.join(QUANTIZED_TYPES)}")
    return QuantizeRule(dtype, pattern or "*")


@dataclass
class EncodedWeight:
    """One manifest entry and the array whose bytes the shards hold."""
    name: str
    shape: list[int]
    dtype: str  # the runtime dtype the loader produces
    data: np.ndarray
    quantization: dict | None = None

    def manifest_entry(self) -> dict:
        entry = {"name": self.name, "shape": self.shape, "dtype": self.dtype}
        if self.quantization:
            entry["quantization"] = self.quantization
        return entry


def affine_range(low, high, levels: int):
    """TF.js's (scale, nudged min) for values in [low, high]; works elementwise on arrays."""
    low, high = np.minimum(low, 0.0), np.maximum(high, 0.0)  # keep 0.0 representable
    scale = (high - low) / levels
    scale = np.where(scale == 0, 1.0, scale)
    nudged_min = -np.round(-low / scale) * scale
    return scale, nudged_min


# the axis of a weight that holds its op's output channels: op -> (input position, axis from the attrs)
OUTPUT_CHANNEL_AXES = {
    "conv2d": (1, lambda attrs: 3), "fusedConv2d": (1, lambda attrs: 3),  # HWIO
    "depthwiseConv2d": (1, lambda attrs: 2), "fusedDepthwiseConv2d": (1, lambda attrs: 2),  # [fh, fw, C, mult]
    "conv2dTranspose": (1, lambda attrs: 2),  # [fh, fw, outC, inC]
    "matMul": (1, lambda attrs: -2 if attrs["transposeB"] else -1),
    "fusedMatMul": (1, lambda attrs: -2 if attrs["transposeB"] else -1),
}


def output_channel_axes(graph) -> dict[str, int]:
    """Weight name -> the axis of its output channels, for the weights a convolution or matmul reads."""
    axes = {}
    for node in graph.nodes:
        if node.op in OUTPUT_CHANNEL_AXES:
            position, axis = OUTPUT_CHANNEL_AXES[node.op]
            name = node.inputs[position]
            if graph.is_constant(name) and graph.constants[name].ndim >= 2:
                axes[name] = axis(node.attrs) % graph.constants[name].ndim
    return axes


def affine_encode(values: np.ndarray, dtype: str, axis: int | None):
    """Codes, scale and min for one range over the whole weight (axis None) or one per slice along `axis`."""
    levels = np.iinfo(QUANTIZED_TYPES[dtype]).max
    reduced = None if axis is None else tuple(a for a in range(values.ndim) if a != axis)
    scale, nudged_min = affine_range(values.min(axis=reduced), values.max(axis=reduced), levels)
    if axis is not None:
        scale, nudged_min = (np.expand_dims(v, reduced) for v in (scale, nudged_min))
    codes = np.clip(np.round((values - nudged_min) / scale), 0, levels).astype(QUANTIZED_TYPES[dtype])
    return codes, scale, nudged_min


def worst_channel_error(restored: np.ndarray, values: np.ndarray, axis: int) -> float:
    """The largest error of any channel along `axis`, relative to that channel's largest magnitude."""
    reduced = tuple(a for a in range(values.ndim) if a != axis)
    error = np.abs(restored - values).max(axis=reduced)
    magnitude = np.abs(values).max(axis=reduced)
    return float(np.max(error / np.where(magnitude > 0, magnitude, 1.0)))


def quantize_weight(name: str, weight: np.ndarray, dtype: str, channel_axis: int | None = None) -> EncodedWeight:
    """`channel_axis`: where the output channels lie (default: the last axis)."""
    shape = list(weight.shape)
    if dtype == "float16":
        return EncodedWeight(name, shape, "float32", weight.astype(np.float16), {"dtype": "float16"})
    values = weight.astype(np.float64)
    axis = weight.ndim - 1 if channel_axis is None else channel_axis
    codes, scale, low = affine_encode(values, dtype, None)
    if weight.shape[axis] > 1:
        channel_codes, channel_scale, channel_low = affine_encode(values, dtype, axis)
        if (worst_channel_error(channel_codes * channel_scale + channel_low, values, axis) * PER_CHANNEL_GAIN
                <= worst_channel_error(codes * scale + low, values, axis)):
            return EncodedWeight(name, shape, "float32", channel_codes, {
                "dtype": dtype, "min": channel_low.reshape(-1).tolist(), "scale": channel_scale.reshape(-1).tolist(),
                "axis": axis, "original_dtype": "float32"})
    return EncodedWeight(name, shape, "float32", codes,
                         {"dtype": dtype, "min": float(low), "scale": float(scale), "original_dtype": "float32"})


FLOAT16_MAX = float(np.finfo(np.float16).max)


def worth_quantizing(array: np.ndarray, dtype: str) -> bool:
    """Whether quantizing keeps the weight's meaning: finite; inside float16's range for float16 (an
    attention mask's float32-min would turn into -inf, and 0 * -inf into NaN); and, for the 8/16-bit
    codes, a matrix or filter: a bias or scale vector is small, and one range over all its entries
    costs the entries near zero most of their precision."""
    if not np.isfinite(array).all():
        return False
    if dtype == "float16":
        return float(np.abs(array).max()) <= FLOAT16_MAX
    return array.ndim >= 2


@dataclass(frozen=True)
class SourceGrid:
    """The 8-bit grid a source model stored a weight on: value = scale * (code - zero_point), with one
    scale (and zero point) for the weight or one per channel.  `signed`: int8 codes, else uint8."""
    scale: np.ndarray
    zero_point: np.ndarray
    signed: bool


def on_source_grid(name: str, array: np.ndarray, grid: SourceGrid) -> EncodedWeight | None:
    """The weight as the uint8 codes and (min, scale) it was stored with, when its values still lie exactly
    on `grid` (per channel: along the one axis where they do, wherever a pass moved it); None when a pass
    changed them."""
    if array.dtype != np.float32 or array.size == 0:
        return None
    per_channel = grid.scale.size > 1
    for axis in ([a for a in range(array.ndim) if array.shape[a] == grid.scale.size] if per_channel else [None]):
        shape = [1] * array.ndim
        if axis is not None:
            shape[axis] = -1
        scale = grid.scale.astype(np.float64).reshape(shape)
        zero_point = grid.zero_point.astype(np.float64).reshape(shape)
        codes = np.round(array / scale) + zero_point
        offset = 128 if grid.signed else 0  # int8 codes stored as uint8 ones
        if codes.min() + offset < 0 or codes.max() + offset > 255 or \
                not np.array_equal(((codes - zero_point) * scale).astype(np.float32), array):
            continue
        low = -(zero_point + offset) * scale
        quantization = {"dtype": "uint8", "min": low.reshape(-1).tolist(), "scale": scale.reshape(-1).tolist(),
                        "axis": axis, "original_dtype": "float32"} if per_channel else \
            {"dtype": "uint8", "min": float(low.reshape(-1)[0]), "scale": float(scale.reshape(-1)[0]),
             "original_dtype": "float32"}
        return EncodedWeight(name, list(array.shape), "float32", (codes + offset).astype(np.uint8), quantization)
    return None


def holds_exactly_in_float16(array: np.ndarray) -> bool:
    return array.dtype == np.float32 and array.size > 0 and np.array_equal(array.astype(np.float16), array)


def encode_weights(constants: dict[str, np.ndarray], rules: list[QuantizeRule],
                   channel_axes: dict[str, int] | None = None, exact_float16: bool = False,
                   source_grids: dict[str, SourceGrid] | None = None) -> list[EncodedWeight]:
    """Manifest entries for every weight, float32 ones quantized by the first rule matching their name
    (unless `worth_quantizing` says otherwise); `channel_axes` from `output_channel_axes`.  A weight no
    rule matches keeps the source's own storage, losslessly: the 8-bit codes of `source_grids` (a
    source's int8/uint8 weights) while its values are still on that grid, and with `exact_float16` (a
    source that stored its weights as float16) float16 where float16 holds every value exactly."""
    encoded = []
    for name, array in constants.items():
        rule = next((r for r in rules if r.matches(name)), None) if array.dtype == np.float32 else None
        kept = on_source_grid(name, array, source_grids[name]) if rule is None and name in (source_grids or {}) \
            else None
        if kept is not None:
            encoded.append(kept)
            continue
        if rule is None and exact_float16 and holds_exactly_in_float16(array):
            rule = QuantizeRule("float16")
        if rule is None or array.size == 0 or not worth_quantizing(array, rule.dtype):
            encoded.append(EncodedWeight(name, list(array.shape), str(array.dtype), array))
        else:
            encoded.append(quantize_weight(name, array, rule.dtype, (channel_axes or {}).get(name)))
    return encoded


def dequantize(data: np.ndarray, quantization: dict) -> np.ndarray:
    """The float32 values a loader recovers from a quantized manifest entry."""
    if quantization["dtype"] == "float16":
        return data.astype(np.float32)
    scale, low = np.asarray(quantization["scale"]), np.asarray(quantization["min"])
    if "axis" in quantization:
        axis = quantization["axis"]
        shape = [1] * data.ndim
        shape[axis] = -1
        scale, low = scale.reshape(shape), low.reshape(shape)
    return (data.astype(np.float64) * scale + low).astype(np.float32)
