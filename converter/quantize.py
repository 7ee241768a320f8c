"""Weight quantization: `--quantize float16 | uint8 | uint16`, optionally per weight-name pattern.

Affine quantization follows TensorFlow.js (value = q * scale + min, with min nudged so
that 0.0 is exactly representable).  Where one (min, scale) per output channel (the
weight's last axis) at least halves the worst error of any channel, measured relative
to that channel's largest magnitude, a weight gets per-channel vectors and an `axis`
entry; otherwise its manifest entry is TF.js's own.
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


def affine_encode(weight: np.ndarray, dtype: str, per_channel: bool):
    levels = np.iinfo(QUANTIZED_TYPES[dtype]).max
    values = weight.astype(np.float64)
    axes = tuple(range(weight.ndim - 1)) if per_channel else None
    scale, nudged_min = affine_range(values.min(axis=axes), values.max(axis=axes), levels)
    codes = np.clip(np.round((values - nudged_min) / scale), 0, levels).astype(QUANTIZED_TYPES[dtype])
    return codes, scale, nudged_min, worst_channel_error(codes * scale + nudged_min, values)


def worst_channel_error(restored: np.ndarray, values: np.ndarray) -> float:
    """The largest error of any output channel, relative to that channel's largest magnitude."""
    axes = tuple(range(values.ndim - 1))
    error = np.abs(restored - values).max(axis=axes) if values.ndim else np.abs(restored - values)
    magnitude = np.abs(values).max(axis=axes) if values.ndim else np.abs(values)
    return float(np.max(error / np.where(magnitude > 0, magnitude, 1.0)))


def quantize_weight(name: str, weight: np.ndarray, dtype: str) -> EncodedWeight:
    shape = list(weight.shape)
    if dtype == "float16":
        return EncodedWeight(name, shape, "float32", weight.astype(np.float16), {"dtype": "float16"})
    codes, scale, low, error = affine_encode(weight, dtype, per_channel=False)
    if weight.ndim >= 2 and weight.shape[-1] > 1:
        channel_codes, channel_scale, channel_low, channel_error = affine_encode(weight, dtype, per_channel=True)
        if channel_error * PER_CHANNEL_GAIN <= error:
            return EncodedWeight(name, shape, "float32", channel_codes, {
                "dtype": dtype, "min": [float(v) for v in channel_low], "scale": [float(v) for v in channel_scale],
                "axis": weight.ndim - 1, "original_dtype": "float32"})
    return EncodedWeight(name, shape, "float32", codes,
                         {"dtype": dtype, "min": float(low), "scale": float(scale), "original_dtype": "float32"})


FLOAT16_MAX = float(np.finfo(np.float16).max)


def representable(array: np.ndarray, dtype: str) -> bool:
    """Whether quantizing keeps the weight's meaning: finite, and inside float16's range for float16
    (an attention mask's float32-min would turn into -inf, and 0 * -inf into NaN)."""
    if not np.isfinite(array).all():
        return False
    return dtype != "float16" or float(np.abs(array).max()) <= FLOAT16_MAX


def encode_weights(constants: dict[str, np.ndarray], rules: list[QuantizeRule]) -> list[EncodedWeight]:
    """Manifest entries for every weight, float32 ones quantized by the first rule matching their name
    (weights the quantized type cannot represent stay float32)."""
    encoded = []
    for name, array in constants.items():
        rule = next((r for r in rules if r.matches(name)), None) if array.dtype == np.float32 else None
        if rule is None or array.size == 0 or not representable(array, rule.dtype):
            encoded.append(EncodedWeight(name, list(array.shape), str(array.dtype), array))
        else:
            encoded.append(quantize_weight(name, array, rule.dtype))
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
