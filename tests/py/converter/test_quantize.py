import numpy as np
import pytest

from tensorweb.converter.errors import ConversionError
from tensorweb.converter.ir import Graph
from tensorweb.converter.quantize import (SourceGrid, dequantize, encode_weights, on_source_grid,
                                          output_channel_axes, parse_rule, quantize_weight)

rng = np.random.default_rng(0)


@pytest.mark.parametrize("dtype,bound", [("float16", 1e-3), ("uint16", 1e-4), ("uint8", 1e-2)])
def test_round_trip_error_is_bounded(dtype, bound):
    w = rng.standard_normal((3, 3, 8, 16)).astype(np.float32)
    encoded = quantize_weight("w", w, dtype)
    restored = dequantize(encoded.data, encoded.quantization)
    assert np.abs(restored - w).max() <= bound * np.abs(w).max() * 4
    assert encoded.data.dtype == np.dtype(dtype)


def test_affine_entries_are_tfjs_style_with_zero_exact():
    w = rng.uniform(-1, 3, (64, 2)).astype(np.float32)
    w[0], w[1], w[2] = -1.0, 3.0, 0.0  # both columns span the same range, and hold an exact zero
    entry = quantize_weight("w", w, "uint8")
    q = entry.quantization
    assert set(q) == {"dtype", "min", "scale", "original_dtype"} and q["dtype"] == "uint8"
    assert (dequantize(entry.data, q)[2] == 0.0).all()


def test_per_channel_is_chosen_when_channels_differ_in_range():
    w = rng.standard_normal((16, 4)).astype(np.float32) * np.array([0.01, 0.1, 1, 10], np.float32)
    entry = quantize_weight("w", w, "uint8")
    assert entry.quantization["axis"] == 1 and len(entry.quantization["scale"]) == 4
    restored = dequantize(entry.data, entry.quantization)
    per_tensor_step = np.ptp(w) / 255
    # the smallest channel keeps its detail instead of drowning in the largest one's step
    assert np.abs(restored[:, 0] - w[:, 0]).max() < per_tensor_step / 100


def test_per_tensor_is_kept_when_channels_look_alike():
    w = rng.uniform(-1, 1, (64, 4)).astype(np.float32)
    w[0] = [-1, -1, -1, -1]
    w[1] = [1, 1, 1, 1]
    assert "axis" not in quantize_weight("w", w, "uint8").quantization


def test_rules_pick_weights_by_name_and_skip_integers():
    constants = {"conv1/filter": rng.standard_normal((3, 3)).astype(np.float32),
                 "dense/kernel": rng.standard_normal((3, 3)).astype(np.float32),
                 "indices": np.arange(3, dtype=np.int32)}
    encoded = {e.name: e for e in encode_weights(constants, [parse_rule("uint8:*CONV*"), parse_rule("float16")])}
    assert encoded["conv1/filter"].data.dtype == np.uint8
    assert encoded["conv1/filter"].quantization["dtype"] == "uint8"
    assert encoded["dense/kernel"].quantization == {"dtype": "float16"}
    assert encoded["indices"].quantization is None and encoded["indices"].dtype == "int32"


def test_unknown_types_are_refused():
    with pytest.raises(ConversionError, match="must be one of"):
        parse_rule("int4")


def test_weights_the_type_cannot_hold_stay_float32():
    constants = {"mask_fill": np.array([-3.4e38], np.float32), "nan": np.array([np.nan, 1], np.float32),
                 "fine": np.array([1.0, -2.0], np.float32)}
    encoded = {e.name: e for e in encode_weights(constants, [parse_rule("float16")])}
    assert encoded["mask_fill"].quantization is None and encoded["nan"].quantization is None
    assert encoded["fine"].quantization == {"dtype": "float16"}
    assert encode_weights({"m": np.ones((2, 2), np.float32) * -3.4e38}, [parse_rule("uint8")])[0].quantization


def test_depthwise_filters_get_per_channel_ranges_along_their_channel_axis():
    # [fh, fw, C, 1]: channel c scaled by 10^c, as a batch norm folded into a depthwise conv leaves it
    g = Graph()
    x = g.add_input("x", [1, 5, 5, 4], "float32")
    w = rng.standard_normal((3, 3, 4, 1)).astype(np.float32) * np.array([1, 10, 100, 1000], np.float32)[:, None]
    g.outputs = [g.emit("depthwiseConv2d", x, g.add_constant(w, "dw"))]
    assert output_channel_axes(g) == {"dw": 2}
    entry = quantize_weight("w", w, "uint8", channel_axis=2)
    assert entry.quantization["axis"] == 2 and len(entry.quantization["min"]) == 4
    restored = dequantize(entry.data, entry.quantization)
    assert np.abs(restored - w)[:, :, 0].max() < np.abs(w[:, :, 0]).max() / 100


def test_vectors_are_not_given_8_or_16_bit_codes():
    constants = {"bias": rng.standard_normal(8).astype(np.float32)}
    assert encode_weights(constants, [parse_rule("uint8")])[0].quantization is None
    assert encode_weights(constants, [parse_rule("float16")])[0].quantization == {"dtype": "float16"}


def test_matmul_weights_take_the_axis_of_their_outputs():
    g = Graph()
    x = g.add_input("x", [2, 4], "float32")
    g.outputs = [g.emit("matMul", x, g.add_constant(np.ones((4, 3), np.float32), "kn")),
                 g.emit("matMul", x, g.add_constant(np.ones((3, 4), np.float32), "nk"), transposeB=True)]
    assert output_channel_axes(g) == {"kn": 1, "nk": 0}


def test_weights_on_a_source_grid_keep_their_codes_wherever_their_channel_axis_went():
    rng = np.random.default_rng(3)
    codes = rng.integers(-128, 128, (4, 6)).astype(np.int8)
    grid = SourceGrid(np.array([0.5, 0.25, 0.125, 2.0], np.float32), np.array([0, 3, -2, 1]), signed=True)
    values = ((codes - grid.zero_point[:, None]) * grid.scale[:, None]).astype(np.float32)
    for array, axis in ((values, 0), (np.ascontiguousarray(values.T), 1)):
        entry = on_source_grid("w", array, grid)
        assert entry.quantization["axis"] == axis and entry.data.dtype == np.uint8
        np.testing.assert_allclose(dequantize(entry.data, entry.quantization), array, rtol=1e-6, atol=1e-6)
    assert on_source_grid("w", values * 1.001, grid) is None  # a pass changed the values: stored as float32


def test_a_per_tensor_uint8_grid():
    grid = SourceGrid(np.array([0.1], np.float32), np.array([128]), signed=False)
    codes = np.arange(256, dtype=np.uint8).reshape(16, 16)
    values = ((codes.astype(np.int64) - 128) * np.float32(0.1)).astype(np.float32)
    entry = on_source_grid("w", values, grid)
    assert "axis" not in entry.quantization
    np.testing.assert_array_equal(entry.data, codes)
    np.testing.assert_allclose(dequantize(entry.data, entry.quantization), values, atol=1e-5)
