"""matmul/matmul.wgsl, matmul/matmul_vec4.wgsl, matmul/matmul_vec4_registers.wgsl, matmul/matvec.wgsl (B float32 or
packed: float16, uint8 codes) and split-K against numpy."""

import numpy as np
import pytest

from tensorweb.converter.quantize import affine_encode, dequantize
from matmul_launch import pack_weight, run_matmul, tolerance


def reference(a, b, transpose_a=False, transpose_b=False):
    a64 = np.swapaxes(a, -1, -2) if transpose_a else a
    b64 = np.swapaxes(b, -1, -2) if transpose_b else b
    return np.matmul(a64.astype(np.float64), b64.astype(np.float64))


def rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("m, k, n", [(1, 1, 1), (33, 17, 65), (64, 32, 32), (5, 70, 3), (40, 0, 7)])
def test_scalar_matmul_odd_shapes(runner, rng, m, k, n):
    a, b = rand(rng, m, k), rand(rng, k, n)
    np.testing.assert_allclose(run_matmul(runner, a, b), reference(a, b), **tolerance(k))


@pytest.mark.parametrize("transpose_a, transpose_b", [(True, False), (False, True), (True, True)])
def test_scalar_matmul_transposes(runner, rng, transpose_a, transpose_b):
    m, k, n = 37, 19, 41
    a = rand(rng, *((k, m) if transpose_a else (m, k)))
    b = rand(rng, *((n, k) if transpose_b else (k, n)))
    out = run_matmul(runner, a, b, transpose_a=transpose_a, transpose_b=transpose_b)
    np.testing.assert_allclose(out, reference(a, b, transpose_a, transpose_b), **tolerance(k))


VEC4_VARIANTS = [pytest.param({"vec4": True}, id="vec4"), pytest.param({"registers": 32}, id="registers32"),
                 pytest.param({"registers": 16}, id="registers16"), pytest.param({"registers": 8}, id="registers8")]
VARIANTS = [pytest.param({}, id="scalar"), *VEC4_VARIANTS]


@pytest.mark.parametrize("variant", VARIANTS)
def test_batched_matmul_broadcasts_batch_dims(runner, rng, variant):
    a, b = rand(rng, 2, 1, 3, 9, 12), rand(rng, 4, 1, 12, 8)
    np.testing.assert_allclose(run_matmul(runner, a, b, **variant), reference(a, b), **tolerance(12))


# K = 20 and 36 are odd counts of 4-deep K steps (the registers kernel's tail
# step); N = 36 and 132 leave a thread's last vec4 columns past the edge; 70
# rows end inside a thread's 32 (or 16) and, with 16, in a second registers
# workgroup of rows.
@pytest.mark.parametrize("variant", VEC4_VARIANTS)
@pytest.mark.parametrize("m, k, n", [(1, 4, 4), (37, 20, 36), (70, 48, 132), (100, 36, 20)])
def test_vec4_matmul(runner, rng, variant, m, k, n):
    a, b = rand(rng, m, k), rand(rng, k, n)
    np.testing.assert_allclose(run_matmul(runner, a, b, **variant), reference(a, b), **tolerance(k))


# TWO_K_STEPS runs only where every split's K depth is a multiple of 8; 70
# rows and 33 vec4 columns leave threads past both edges.
@pytest.mark.parametrize("m, k, n, splits, k_chunk", [(70, 48, 132, 1, None), (37, 8, 36, 1, None), (6, 352, 12, 4, 96)])
def test_registers_two_k_steps_with_epilogue(runner, rng, m, k, n, splits, k_chunk):
    a, b, bias, residual = rand(rng, 2, m, k), rand(rng, k, n), rand(rng, n), rand(rng, 2, m, n)
    out = run_matmul(runner, a, b, bias=bias, residual=residual, registers=32, two_k_steps=True, splits=splits,
                     k_chunk=k_chunk, activation="relu_f32(v)")
    np.testing.assert_allclose(out, np.maximum(reference(a, b) + bias + residual, 0), **tolerance(k))


@pytest.mark.parametrize("variant", VARIANTS)
def test_fused_bias_activation_residual(runner, rng, variant):
    m, k, n = 45, 24, 20
    a, b, bias, residual = rand(rng, m, k), rand(rng, k, n), rand(rng, n), rand(rng, m, n)
    out = run_matmul(runner, a, b, bias=bias, residual=residual, **variant,
                     activation="leakyRelu_f32(v)", alpha=0.1)
    pre = reference(a, b) + bias + residual
    np.testing.assert_allclose(out, np.where(pre >= 0, pre, 0.1 * pre), **tolerance(k))


PRELU_VARIANTS = [*VARIANTS, pytest.param({"matvec": {"WG_COLUMNS": 4, "WG_K": 4, "ROWS": 3}}, id="matvec")]


@pytest.mark.parametrize("variant", PRELU_VARIANTS)
@pytest.mark.parametrize("splits", [1, 3])
def test_fused_prelu_after_bias_and_residual(runner, rng, variant, splits):
    # HAS_PRELU: prelu's slope per output column, after the bias and the residual (split-K: in the second pass).
    m, k, n = 5 if "matvec" in variant else 45, 96, 20
    a, b, bias, residual = rand(rng, m, k), rand(rng, k, n), rand(rng, n), rand(rng, m, n)
    slopes = rng.uniform(0, 0.5, n).astype(np.float32)
    out = run_matmul(runner, a, b, bias=bias, residual=residual, prelu=slopes, **variant, splits=splits,
                     k_chunk=32 if splits > 1 else None)
    pre = reference(a, b) + bias + residual
    np.testing.assert_allclose(out, np.where(pre < 0, pre * slopes, pre), **tolerance(k))


PARAMS_VARIANTS = [pytest.param({"registers": 16}, id="registers16"), pytest.param({"registers": 8}, id="registers8"),
                   pytest.param({"matvec": {"WG_COLUMNS": 4, "WG_K": 4, "ROWS": 3}}, id="matvec")]


ACTIVATIONS = {"v": lambda y: y, "relu_f32(v)": lambda y: np.maximum(y, 0), "relu6_f32(v)": lambda y: np.clip(y, 0, 6),
               "elu_f32(v)": lambda y: np.where(y < 0, np.expm1(np.minimum(y, 0)), y),
               "leakyRelu_f32(v)": lambda y: np.where(y < 0, 0.1 * y, y), "sigmoid_f32(v)": lambda y: 1 / (1 + np.exp(-y)),
               "hardSwish_f32(v)": lambda y: y * np.clip(y + 3, 0, 6) / 6}


@pytest.mark.parametrize("variant", PARAMS_VARIANTS)
@pytest.mark.parametrize("parts, activation", [("", "v"), ("bias", "relu_f32(v)"), ("residual", "relu6_f32(v)"),
                                               ("bias prelu", "v"), ("bias residual prelu", "v"), ("bias residual", "relu_f32(v)"),
                                               ("bias", "relu6_f32(v)"), ("bias nan", "relu_f32(v)"),
                                               ("bias residual", "hardSwish_f32(v)"), ("bias nan", "hardSwish_f32(v)")])
def test_epilogue_switched_by_params(runner, rng, variant, parts, activation):
    # EPILOGUE_IN_PARAMS: one pipeline, the bias, residual and prelu each switched on by a bit of params.epilogue, the
    # activation the clamp to [alpha, beta] (none, relu, relu6) or hardswish (bit 8), which keep a NaN as relu does.
    m, k, n = 5 if "matvec" in variant else 45, 24, 20
    a, b = rand(rng, m, k), rand(rng, k, n)
    if "nan" in parts:
        a[1, 3] = np.nan
    bias = rand(rng, n) if "bias" in parts else None
    residual = rand(rng, m, n) if "residual" in parts else None
    slopes = rng.uniform(0, 0.5, n).astype(np.float32) if "prelu" in parts else None
    out = run_matmul(runner, a, b, bias=bias, residual=residual, prelu=slopes, **variant, epilogue_in_params=True,
                     activation=activation, alpha=0.1)
    pre = reference(a, b) + (0 if bias is None else bias) + (0 if residual is None else residual)
    pre = pre if slopes is None else np.where(pre < 0, pre * slopes, pre)
    np.testing.assert_allclose(out, ACTIVATIONS[activation](pre), **tolerance(k))


@pytest.mark.parametrize("variant", VARIANTS)
def test_split_k_with_epilogue(runner, rng, variant):
    # A long K with a small output: 4 splits of 96, the last one short (68:
    # an odd count of 4-deep K steps).
    m, k, n = 6, 356, 12
    a, b, bias, residual = rand(rng, 2, m, k), rand(rng, k, n), rand(rng, n), rand(rng, 2, m, n)
    out = run_matmul(runner, a, b, bias=bias, residual=residual, **variant, splits=4, k_chunk=96,
                     activation="relu_f32(v)")
    np.testing.assert_allclose(out, np.maximum(reference(a, b) + bias + residual, 0), **tolerance(k))


@pytest.mark.parametrize("variant", VARIANTS)
def test_f16_storage(runner, rng, variant):
    m, k, n = 19, 32, 24
    a = rng.uniform(-1, 1, (m, k)).astype(np.float16)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float16)
    bias = rng.uniform(-1, 1, n).astype(np.float16)
    out = run_matmul(runner, a, b, bias=bias, **variant, elem="f16")
    assert out.dtype == np.float16
    np.testing.assert_allclose(out.astype(np.float32), reference(a, b) + bias, rtol=1e-2, atol=1e-2)


def test_default_16x16_tiles_and_tall_output(runner, rng):
    # 1000 rows in 64-row tiles; the default workgroup size of 256 threads.
    a, b = rand(rng, 1000, 8), rand(rng, 8, 4)
    tile = {"WG_X": 16, "WG_Y": 16, "TILE_K": 16}
    for vec4 in (False, True):
        np.testing.assert_allclose(run_matmul(runner, a, b, vec4=vec4, tile=tile), reference(a, b), **tolerance(8))


def test_more_than_65535_row_tiles_spill_into_z(runner, rng):
    # One-thread workgroups own 4 rows each: 65,538 row tiles need a second z layer.
    a, b = rand(rng, 65538 * 4, 2), rand(rng, 2, 1)
    out = run_matmul(runner, a, b, tile={"WG_X": 1, "WG_Y": 1, "TILE_K": 4})
    np.testing.assert_allclose(out, reference(a, b), **tolerance(2))


# matmul/matvec.wgsl: one workgroup of WG_COLUMNS x WG_K threads per ROWS rows
# and 4 * WG_COLUMNS columns. The shapes leave threads past the last column
# (N = 36 with 16 columns of threads), rows past the last (5 and 11 rows in
# tiles of 2, 4 and 8), K depths that are not a multiple of 4 * WG_K, and batches that
# broadcast on either side.
MATVEC_VARIANTS = [pytest.param({"WG_COLUMNS": 64, "WG_K": 4, "ROWS": 1}, id="64x4-rows1"),
                   pytest.param({"WG_COLUMNS": 16, "WG_K": 16, "ROWS": 2}, id="16x16-rows2"),
                   pytest.param({"WG_COLUMNS": 4, "WG_K": 1, "ROWS": 4}, id="4x1-rows4"),
                   pytest.param({"WG_COLUMNS": 8, "WG_K": 2, "ROWS": 8}, id="8x2-rows8")]


@pytest.mark.parametrize("matvec", MATVEC_VARIANTS)
@pytest.mark.parametrize("transpose_b", [False, True], ids=["b", "b_transposed"])
@pytest.mark.parametrize("m, k, n", [(1, 4, 4), (1, 1028, 36), (3, 200, 64), (5, 36, 132), (11, 20, 8)])
def test_matvec(runner, rng, matvec, transpose_b, m, k, n):
    a = rand(rng, m, k)
    b = rand(rng, *((n, k) if transpose_b else (k, n)))
    out = run_matmul(runner, a, b, transpose_b=transpose_b, matvec=matvec)
    np.testing.assert_allclose(out, reference(a, b, transpose_b=transpose_b), **tolerance(k))


@pytest.mark.parametrize("transpose_b", [False, True], ids=["b", "b_transposed"])
def test_matvec_batches_and_epilogue(runner, rng, transpose_b):
    m, k, n = 2, 48, 20
    a, bias, residual = rand(rng, 3, 1, m, k), rand(rng, n), rand(rng, 3, 2, m, n)
    b = rand(rng, 2, *((n, k) if transpose_b else (k, n)))
    out = run_matmul(runner, a, b, transpose_b=transpose_b, bias=bias, residual=residual,
                     matvec={"WG_COLUMNS": 4, "WG_K": 8, "ROWS": 2}, activation="relu_f32(v)")
    expected = np.maximum(reference(a, b, transpose_b=transpose_b) + bias + residual, 0)
    np.testing.assert_allclose(out, expected, **tolerance(k))


@pytest.mark.parametrize("transpose_b", [False, True], ids=["b", "b_transposed"])
def test_matvec_split_k(runner, rng, transpose_b):
    # 1,000 deep in splits of 256: the last split is short, and a thread's K
    # lane may have no step in it.
    m, k, n = 1, 1000, 24
    a, bias = rand(rng, m, k), rand(rng, n)
    b = rand(rng, *((n, k) if transpose_b else (k, n)))
    out = run_matmul(runner, a, b, transpose_b=transpose_b, bias=bias, splits=4, k_chunk=256,
                     matvec={"WG_COLUMNS": 8, "WG_K": 32, "ROWS": 1}, activation="relu_f32(v)")
    np.testing.assert_allclose(out, np.maximum(reference(a, b, transpose_b=transpose_b) + bias, 0), **tolerance(k))


def quantised(values, storage, axis):
    """A weight as the converter stores it (converter/quantize.py): its stored array and manifest quantization."""
    if storage == "float16":
        return values.astype(np.float16), {"dtype": "float16"}
    codes, scale, low = affine_encode(values.astype(np.float64), "uint8", axis)
    if axis is None:
        return codes, {"dtype": "uint8", "scale": float(scale), "min": float(low)}
    return codes, {"dtype": "uint8", "scale": scale.reshape(-1).tolist(), "min": low.reshape(-1).tolist(), "axis": axis}


# B packed (float16 halves, uint8 codes with one scale and min or one per row
# or column of B as stored), dequantised as the kernel reads it; the expected
# values multiply by the weight the converter's own `dequantize` recovers.
PACKED = [pytest.param("float16", None, id="float16"), pytest.param("uint8", None, id="uint8-tensor"),
          pytest.param("uint8", -2, id="uint8-rows"), pytest.param("uint8", -1, id="uint8-columns")]


@pytest.mark.parametrize("storage, axis", PACKED)
@pytest.mark.parametrize("transpose_b", [False, True], ids=["b", "b_transposed"])
@pytest.mark.parametrize("m, k, n, matvec", [(1, 1028, 36, {"WG_COLUMNS": 16, "WG_K": 16, "ROWS": 1}),
                                             (5, 36, 132, {"WG_COLUMNS": 4, "WG_K": 4, "ROWS": 4})])
def test_matvec_packed_b(runner, rng, storage, axis, transpose_b, m, k, n, matvec):
    a = rand(rng, m, k)
    b = rand(rng, *((n, k) if transpose_b else (k, n)))
    codes, quantization = quantised(b, storage, None if axis is None else axis % 2)
    out = run_matmul(runner, a, b, transpose_b=transpose_b, matvec=matvec, b_packed=pack_weight(codes, quantization))
    weight = dequantize(codes, quantization)
    np.testing.assert_allclose(out, reference(a, weight, transpose_b=transpose_b), **tolerance(k))


@pytest.mark.parametrize("storage, axis", PACKED)
def test_matvec_packed_b_batches_epilogue_and_split_k(runner, rng, storage, axis):
    # Batched B [2, K, N] (per-row and per-column scales are per matrix row or column, shared by the batch), bias,
    # residual and relu, then split-K's second pass.
    m, k, n = 2, 48, 20
    a, bias, residual = rand(rng, 3, 1, m, k), rand(rng, n), rand(rng, 3, 2, m, n)
    b = rand(rng, 2, k, n)
    codes, quantization = quantised(b, storage, None if axis is None else axis % 3)
    packed = pack_weight(codes, quantization)
    weight = dequantize(codes, quantization)
    out = run_matmul(runner, a, b, bias=bias, residual=residual, matvec={"WG_COLUMNS": 4, "WG_K": 8, "ROWS": 2},
                     activation="relu_f32(v)", b_packed=packed)
    expected = np.maximum(reference(a, weight) + bias + residual, 0)
    np.testing.assert_allclose(out, expected, **tolerance(k))
    split = run_matmul(runner, a[0], b[0], matvec={"WG_COLUMNS": 8, "WG_K": 4, "ROWS": 1}, splits=3, k_chunk=16,
                       b_packed=pack_weight(*quantised(b[0], storage, None if axis is None else axis % 2)))
    single = dequantize(*quantised(b[0], storage, None if axis is None else axis % 2))
    np.testing.assert_allclose(split, reference(a[0], single), **tolerance(k))
