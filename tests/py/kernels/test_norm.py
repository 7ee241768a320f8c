"""norm/*.wgsl against numpy."""

import numpy as np
import pytest

from tensorweb.kernels import Output, body


@pytest.mark.parametrize("thread_per_row", [False, True], ids=["workgroup-per-row", "thread-per-row"])
@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("outer, cols, inner", [(3, 10, 1), (2, 1000, 1), (1, 1, 1), (2, 7, 5), (67, 3, 2)])
def test_softmax(runner, rng, log, thread_per_row, outer, cols, inner):
    # [outer, cols, inner]: the axis in the middle when inner > 1; 134 rows span three 64-thread workgroups
    x = (rng.standard_normal((outer, cols, inner)) * 30).astype(np.float32)  # large logits: must not overflow
    rows = outer * inner
    out = runner.run("norm/softmax.wgsl", constants={"LOG": log, "THREAD_PER_ROW": thread_per_row},
                     workgroups=-(-rows // 64) if thread_per_row else rows, x=x, out=Output(x.shape),
                     params={"rows": rows, "cols": cols, "inner": inner})["out"]
    shifted = x.astype(np.float64) - x.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(out, log_softmax if log else np.exp(log_softmax), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("thread_per_row", [False, True], ids=["workgroup-per-row", "thread-per-row"])
@pytest.mark.parametrize("log", [False, True])
def test_softmax_row_with_nan_is_nan(runner, log, thread_per_row):
    # WGSL's max may drop a NaN; the row max must not, or the row's other entries come out finite
    x = np.array([[2, 1, np.nan], [1, 2, 3]], np.float32)
    out = runner.run("norm/softmax.wgsl", constants={"LOG": log, "THREAD_PER_ROW": thread_per_row},
                     workgroups=1 if thread_per_row else 2, x=x, out=Output(x.shape),
                     params={"rows": 2, "cols": 3, "inner": 1})["out"]
    assert np.isnan(out[0]).all()
    assert np.isfinite(out[1]).all()


@pytest.mark.parametrize("thread_per_row", [False, True], ids=["workgroup-per-row", "thread-per-row"])
@pytest.mark.parametrize("affine", [True, False], ids=["gamma-beta", "plain"])
@pytest.mark.parametrize("outer, cols, inner", [(4, 33, 1), (2, 700, 1), (67, 3, 2), (3, 5, 4)])
def test_layer_norm(runner, rng, thread_per_row, affine, outer, cols, inner):
    # [outer, cols, inner]: the normalised axis in the middle when inner > 1; 134 rows span three 64-thread workgroups
    x = (rng.standard_normal((outer, cols, inner)) * 3 + 100).astype(np.float32)  # a large mean
    rows = outer * inner
    # gamma over the [cols, inner] suffix of x (period cols * inner), beta a scalar (period 1)
    gamma = rng.standard_normal((cols, inner)).astype(np.float32)
    beta = rng.standard_normal(1).astype(np.float32)
    out = runner.run("norm/layer_norm.wgsl", constants={"HAS_GAMMA": affine, "HAS_BETA": affine, "THREAD_PER_ROW": thread_per_row},
                     workgroups=-(-rows // 64) if thread_per_row else rows, x=x, gamma=gamma, beta=beta,
                     out=Output(x.shape), params={"rows": rows, "cols": cols, "inner": inner, "gamma_period": cols * inner,
                                                  "beta_period": 1, "epsilon": 1e-5})["out"]
    x64 = x.astype(np.float64)
    mean, var = x64.mean(axis=1, keepdims=True), x64.var(axis=1, keepdims=True)
    expected = (x64 - mean) / np.sqrt(var + 1e-5)
    if affine:
        expected = expected * gamma + beta
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("affine", [True, False], ids=["scale-offset", "plain"])
def test_batch_norm(runner, rng, affine):
    x = rng.standard_normal((2, 5, 3, 6)).astype(np.float32)
    # each input read as p[i % period]: per channel (6), a scalar (1), x's own shape, a [3, 6] suffix
    mean = rng.standard_normal(6).astype(np.float32)
    variance = rng.uniform(0.1, 2, 1).astype(np.float32)
    scale = rng.standard_normal(x.shape).astype(np.float32)
    offset = rng.standard_normal((3, 6)).astype(np.float32)
    out = runner.run("norm/batch_norm.wgsl", constants={"HAS_SCALE": affine, "HAS_OFFSET": affine}, workgroups=-(-x.size // 64),
                     x=x, mean=mean, variance=variance, scale=scale, offset=offset, out=Output(x.shape),
                     params={"size": x.size, "mean_period": 6, "variance_period": 1, "scale_period": x.size,
                             "offset_period": 18, "epsilon": 1e-3})["out"]
    expected = (x - mean) / np.sqrt(variance + 1e-3)
    if affine:
        expected = expected * scale + offset
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_lrn(runner, rng):
    x = rng.standard_normal((2, 3, 4, 7)).astype(np.float32)
    radius, bias, alpha, beta = 2, 1.5, 0.3, 0.75
    out = runner.run("norm/lrn.wgsl", workgroups=-(-x.size // 64), x=x, out=Output(x.shape),
                     params={"size": x.size, "channels": 7, "depth_radius": radius, "bias": bias, "alpha": alpha,
                             "beta": beta})["out"]
    squares = np.stack([(x[..., max(c - radius, 0):c + radius + 1] ** 2).sum(-1) for c in range(7)], -1)
    np.testing.assert_allclose(out, x / (bias + alpha * squares) ** beta, rtol=1e-4, atol=1e-6)
