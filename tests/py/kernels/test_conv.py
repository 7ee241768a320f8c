"""conv/*.wgsl against numpy references (tests/py/kernels/conv_reference.py)."""

import numpy as np
import pytest

import conv_reference as ref
from matmul_launch import run_matmul
from tensorweb.kernels import Output, body, grid, types

TILE = {"WG_X": 8, "WG_Y": 8, "TILE_K": 8}
TILE_M = TILE_N = 32
PLACEHOLDER = np.zeros(4, np.float32)

# (x shape NHWC, filter (KH, KW), Cout, stride, dilation, pads (top, bottom, left, right))
CASES = {
    "3x3 same": ((2, 7, 9, 5), (3, 3), 6, (1, 1), (1, 1), (1, 1, 1, 1)),
    "stride 2 asymmetric pad": ((1, 11, 8, 3), (3, 3), 37, (2, 2), (1, 1), (0, 1, 0, 1)),
    "dilated 5x3": ((2, 12, 10, 4), (5, 3), 9, (1, 2), (2, 1), (2, 2, 1, 0)),
    "1x1": ((3, 5, 5, 34), (1, 1), 33, (1, 1), (1, 1), (0, 0, 0, 0)),
    "conv1d": ((2, 1, 40, 6), (1, 7), 10, (1, 3), (1, 1), (0, 0, 3, 3)),
}


def tolerance(k):
    return {"rtol": 1e-4, "atol": 1e-5 * np.sqrt(k) * 10}


def geometry(x_shape, filter_hw, out_c, stride, dilation, pads):
    n, h, w, c = x_shape
    out_h = ref.output_size(h, filter_hw[0], stride[0], dilation[0], pads[0], pads[1])
    out_w = ref.output_size(w, filter_hw[1], stride[1], dilation[1], pads[2], pads[3])
    return {"batch": n, "in_h": h, "in_w": w, "in_c": c, "out_h": out_h, "out_w": out_w, "out_c": out_c,
            "kernel_h": filter_hw[0], "kernel_w": filter_hw[1], "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h": dilation[0], "dilation_w": dilation[1], "pad_top": pads[0], "pad_left": pads[2]}


def launch(runner, m, n, tile_m=TILE_M):
    m_tiles = -(-m // tile_m)
    return m_tiles, (-(-n // TILE_N),) + grid(m_tiles, runner.max_per_dimension)[:2]


def run_conv2d(runner, x, w, case, *, bias=None, residual=None, activation="v", elem="f32", vec4=False):
    g = geometry(x.shape, w.shape[:2], w.shape[3], *case[3:])
    # vec4 tiles are 8 rows per thread: 64 pixels by 32 channels with 8 x 8 threads.
    m_tiles, workgroups = launch(runner, g["batch"] * g["out_h"] * g["out_w"], g["out_c"], 2 * TILE_M if vec4 else TILE_M)
    dtype = x.dtype
    return runner.run(
        "conv/conv2d_vec4.wgsl" if vec4 else "conv/conv2d.wgsl",
        slots={"types": types(Elem=elem), "body": body(activation)},
        constants=TILE | {"HAS_BIAS": bias is not None, "HAS_RESIDUAL": residual is not None},
        workgroups=workgroups, x=x, weights=w,
        bias=PLACEHOLDER.astype(dtype) if bias is None else bias,
        residual=PLACEHOLDER.astype(dtype) if residual is None else residual,
        out=Output((g["batch"], g["out_h"], g["out_w"], g["out_c"]), dtype),
        params=g | {"m_tiles": m_tiles, "alpha": 0.0, "beta": 0.0})["out"]


def case_arrays(rng, case):
    x_shape, filter_hw, out_c = case[:3]
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(filter_hw + (x_shape[3], out_c)).astype(np.float32)
    return x, w


@pytest.mark.parametrize("name", CASES)
def test_conv2d_implicit_gemm(runner, rng, name):
    case = CASES[name]
    x, w = case_arrays(rng, case)
    expected = ref.conv2d(x, w, *case[3:])
    np.testing.assert_allclose(run_conv2d(runner, x, w, case), expected, **tolerance(w[..., 0].size))


# Cases whose channel counts are multiples of 4, for the vec4 kernel.
VEC4_CASES = {
    "3x3 same": ((2, 7, 9, 8), (3, 3), 12, (1, 1), (1, 1), (1, 1, 1, 1)),
    "stride 2 asymmetric pad": ((1, 11, 8, 4), (3, 3), 36, (2, 2), (1, 1), (0, 1, 0, 1)),
    "dilated 5x3 many pixels": ((2, 12, 10, 4), (5, 3), 8, (1, 2), (2, 1), (2, 2, 1, 0)),
    "1x1": ((3, 5, 5, 32), (1, 1), 40, (1, 1), (1, 1), (0, 0, 0, 0)),
}


@pytest.mark.parametrize("name", VEC4_CASES)
def test_conv2d_vec4(runner, rng, name):
    case = VEC4_CASES[name]
    x, w = case_arrays(rng, case)
    expected = ref.conv2d(x, w, *case[3:])
    np.testing.assert_allclose(run_conv2d(runner, x, w, case, vec4=True), expected, **tolerance(w[..., 0].size))


@pytest.mark.parametrize("vec4", [False, True])
def test_conv2d_fused_bias_residual_relu6(runner, rng, vec4):
    case = VEC4_CASES["3x3 same"]
    x, w = case_arrays(rng, case)
    bias = rng.standard_normal(w.shape[3]).astype(np.float32)
    residual = rng.standard_normal((2, 7, 9, 12)).astype(np.float32)
    out = run_conv2d(runner, x, w, case, bias=bias, residual=residual, activation="clamp(v, 0.0, 6.0)", vec4=vec4)
    expected = np.clip(ref.conv2d(x, w, *case[3:]) + bias + residual, 0, 6)
    np.testing.assert_allclose(out, expected, **tolerance(w[..., 0].size))


@pytest.mark.parametrize("vec4", [False, True])
def test_conv2d_f16(runner, rng, vec4):
    case = VEC4_CASES["stride 2 asymmetric pad"]
    x, w = (a.astype(np.float16) for a in case_arrays(rng, case))
    out = run_conv2d(runner, x, w, case, elem="f16", vec4=vec4)
    np.testing.assert_allclose(out.astype(np.float32), ref.conv2d(x, w, *case[3:]), rtol=1e-2, atol=5e-2)


@pytest.mark.parametrize("name", CASES)
def test_conv2d_backprop_input(runner, rng, name):
    case = CASES[name]
    x, w = case_arrays(rng, case)
    g = geometry(x.shape, w.shape[:2], w.shape[3], *case[3:])
    dy = rng.standard_normal((g["batch"], g["out_h"], g["out_w"], g["out_c"])).astype(np.float32)
    m_tiles, workgroups = launch(runner, x.shape[0] * x.shape[1] * x.shape[2], x.shape[3])
    dx = runner.run(
        "conv/conv2d_backprop_input.wgsl", constants=TILE, workgroups=workgroups,
        dy=dy, weights=w, bias=PLACEHOLDER, dx=Output(x.shape),
        params=g | {"m_tiles": m_tiles, "alpha": 0.0, "beta": 0.0})["dx"]
    expected = ref.conv2d_backprop_input(dy, w, x.shape, *case[3:])
    np.testing.assert_allclose(dx, expected, **tolerance(w[:, :, 0].size))


def test_conv2d_transpose_with_bias_and_activation(runner, rng):
    # conv2dTranspose(y, w) is conv2d's input gradient: upsample 4x5 -> 8x10 with stride 2.
    y = rng.standard_normal((1, 4, 5, 7)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 7)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    g = geometry((1, 8, 10, 3), (3, 3), 7, (2, 2), (1, 1), (1, 0, 1, 0))
    assert (g["out_h"], g["out_w"]) == (4, 5)
    m_tiles, workgroups = launch(runner, 80, 3)
    out = runner.run(
        "conv/conv2d_backprop_input.wgsl", slots={"body": body("max(v, 0.0)")},
        constants=TILE | {"HAS_BIAS": True}, workgroups=workgroups, dy=y, weights=w, bias=bias,
        dx=Output((1, 8, 10, 3)), params=g | {"m_tiles": m_tiles, "alpha": 0.0, "beta": 0.0})["dx"]
    expected = np.maximum(ref.conv2d_backprop_input(y, w, (1, 8, 10, 3), (2, 2), (1, 1), (1, 0, 1, 0)) + bias, 0)
    np.testing.assert_allclose(out, expected, **tolerance(63))


def run_backprop_filter(runner, x, dy, g, splits, k_chunk):
    m_tiles = -(-(g["kernel_h"] * g["kernel_w"] * g["in_c"]) // TILE_M)
    workgroups = (-(-g["out_c"] // TILE_N),) + grid(m_tiles * splits, runner.max_per_dimension)[:2]
    filter_shape = (g["kernel_h"], g["kernel_w"], g["in_c"], g["out_c"])
    partials = runner.run(
        "conv/conv2d_backprop_filter.wgsl", constants=TILE, workgroups=workgroups, x=x, dy=dy,
        dweights=Output((splits,) + filter_shape),
        params=g | {"m_tiles": m_tiles, "splits": splits, "k_chunk": k_chunk})["dweights"]
    if splits == 1:
        return partials[0]
    size = partials[0].size
    return runner.run(
        "matmul/split_k_reduce.wgsl", workgroups=-(-size // 64), partials=partials, bias=PLACEHOLDER,
        residual=PLACEHOLDER, out=Output(filter_shape),
        params={"size": size, "n": g["out_c"], "splits": splits, "alpha": 0.0, "beta": 0.0})["out"]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("split_k", [False, True])
def test_conv2d_backprop_filter(runner, rng, name, split_k):
    case = CASES[name]
    x, w = case_arrays(rng, case)
    g = geometry(x.shape, w.shape[:2], w.shape[3], *case[3:])
    pixels = g["batch"] * g["out_h"] * g["out_w"]
    dy = rng.standard_normal((g["batch"], g["out_h"], g["out_w"], g["out_c"])).astype(np.float32)
    splits, k_chunk = (3, -(-pixels // 3)) if split_k else (1, pixels)
    dw = run_backprop_filter(runner, x, dy, g, splits, k_chunk)
    expected = ref.conv2d_backprop_filter(x, dy, w.shape[:2], *case[3:])
    np.testing.assert_allclose(dw, expected, **tolerance(pixels))


def test_1x1_conv_runs_as_vec4_matmul(runner, rng):
    # A 1x1, stride-1, unpadded conv is [N*H*W, Cin] @ [Cin, Cout]: the runtime sends it to matmul_vec4.
    case = CASES["1x1"]
    x, w = case_arrays(rng, ((3, 5, 5, 36),) + case[1:2] + (32,) + case[3:])
    bias = rng.standard_normal(32).astype(np.float32)
    out = run_matmul(runner, x.reshape(-1, 36), w.reshape(36, 32), bias=bias, vec4=True)
    np.testing.assert_allclose(out.reshape(3, 5, 5, 32), ref.conv2d(x, w) + bias, **tolerance(36))
