"""matmul/matmul.wgsl, matmul/matmul_vec4.wgsl and split-K against numpy."""

import numpy as np
import pytest

from tensorweb.kernels import Output, body, broadcast_strides, grid, types

TILE = {"WG_X": 8, "WG_Y": 8, "TILE_K": 8}  # 32 x 32 output tiles: small shapes span several
PLACEHOLDER = np.zeros(4, np.float32)


def tolerance(k):
    return {"rtol": 1e-4, "atol": 1e-5 * np.sqrt(max(k, 1)) * 10}


def run_matmul(runner, a, b, *, transpose_a=False, transpose_b=False, bias=None, residual=None,
               activation="v", alpha=0.0, vec4=False, splits=1, k_chunk=None, elem="f32", tile=TILE):
    """a is [..., M, K] (or [..., K, M] with transpose_a); b is [..., K, N] (or [..., N, K])."""
    m, k = a.shape[-2:][::-1] if transpose_a else a.shape[-2:]
    n = b.shape[-2] if transpose_b else b.shape[-1]
    batch_shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    assert len(batch_shape) <= 4
    padded = (1,) * (4 - len(batch_shape)) + batch_shape
    batch = int(np.prod(batch_shape))
    a_batch_strides = broadcast_strides(a.shape[:-2], padded)
    b_batch_strides = broadcast_strides(b.shape[:-2], padded)
    a_batch_strides = [s * m * k for s in a_batch_strides]
    b_batch_strides = [s * k * n for s in b_batch_strides]
    tile_m = tile["WG_Y"] * (8 if vec4 else 4)  # rows per thread
    tile_n = tile["WG_X"] * 4
    m_tiles = -(-m // tile_m)
    k_chunk = k_chunk or k
    dtype = np.float16 if elem == "f16" else np.float32
    params = {"m": m, "n": n, "k": k, "batch": batch, "m_tiles": m_tiles, "splits": splits,
              "k_chunk": k_chunk, "batch_shape": padded, "a_batch_strides": a_batch_strides,
              "b_batch_strides": b_batch_strides, "alpha": alpha, "beta": 0.0}
    if not vec4:
        params |= {"a_stride_m": 1 if transpose_a else k, "a_stride_k": m if transpose_a else 1,
                   "b_stride_k": 1 if transpose_b else n, "b_stride_n": k if transpose_b else 1}
    epilogue = splits == 1
    slots = {"types": types(Elem=elem)}
    if epilogue:
        slots["body"] = body(activation)
    out_shape = (splits,) + batch_shape + (m, n)
    placeholder = PLACEHOLDER.astype(dtype)
    result = runner.run(
        "matmul/matmul_vec4.wgsl" if vec4 else "matmul/matmul.wgsl", slots=slots,
        constants=tile | {"HAS_BIAS": epilogue and bias is not None,
                          "HAS_RESIDUAL": epilogue and residual is not None},
        workgroups=(-(-n // tile_n),) + grid(m_tiles * batch * splits, runner.max_per_dimension)[:2],
        a=a, b=b, bias=placeholder if bias is None else bias,
        residual=placeholder if residual is None else residual,
        out=Output(out_shape, dtype), params=params)["out"]
    if epilogue:
        return result[0]
    size = batch * m * n
    return runner.run(
        "matmul/split_k_reduce.wgsl", slots={"types": types(Elem=elem), "body": body(activation)},
        constants={"HAS_BIAS": bias is not None, "HAS_RESIDUAL": residual is not None},
        workgroups=-(-size // 64), partials=result, bias=placeholder if bias is None else bias,
        residual=placeholder if residual is None else residual, out=Output(batch_shape + (m, n), dtype),
        params={"size": size, "n": n, "splits": splits, "alpha": alpha, "beta": 0.0})["out"]


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


@pytest.mark.parametrize("vec4", [False, True])
def test_batched_matmul_broadcasts_batch_dims(runner, rng, vec4):
    a, b = rand(rng, 2, 1, 3, 9, 12), rand(rng, 4, 1, 12, 8)
    np.testing.assert_allclose(run_matmul(runner, a, b, vec4=vec4), reference(a, b), **tolerance(12))


@pytest.mark.parametrize("m, k, n", [(1, 4, 4), (37, 20, 36), (70, 48, 132)])
def test_vec4_matmul(runner, rng, m, k, n):
    a, b = rand(rng, m, k), rand(rng, k, n)
    np.testing.assert_allclose(run_matmul(runner, a, b, vec4=True), reference(a, b), **tolerance(k))


@pytest.mark.parametrize("vec4", [False, True])
def test_fused_bias_activation_residual(runner, rng, vec4):
    m, k, n = 45, 24, 20
    a, b, bias, residual = rand(rng, m, k), rand(rng, k, n), rand(rng, n), rand(rng, m, n)
    out = run_matmul(runner, a, b, bias=bias, residual=residual, vec4=vec4,
                     activation="select(alpha() * v, v, v >= 0.0)", alpha=0.1)
    pre = reference(a, b) + bias + residual
    np.testing.assert_allclose(out, np.where(pre >= 0, pre, 0.1 * pre), **tolerance(k))


@pytest.mark.parametrize("vec4", [False, True])
def test_split_k_with_epilogue(runner, rng, vec4):
    # A long K with a small output: 4 splits of 96, the last one short.
    m, k, n = 6, 360, 12
    a, b, bias = rand(rng, 2, m, k), rand(rng, k, n), rand(rng, n)
    out = run_matmul(runner, a, b, bias=bias, vec4=vec4, splits=4, k_chunk=96, activation="max(v, 0.0)")
    np.testing.assert_allclose(out, np.maximum(reference(a, b) + bias, 0), **tolerance(k))


@pytest.mark.parametrize("vec4", [False, True])
def test_f16_storage(runner, rng, vec4):
    m, k, n = 19, 32, 24
    a = rng.uniform(-1, 1, (m, k)).astype(np.float16)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float16)
    bias = rng.uniform(-1, 1, n).astype(np.float16)
    out = run_matmul(runner, a, b, bias=bias, vec4=vec4, elem="f16")
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
