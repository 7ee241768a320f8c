"""conv/conv*.wgsl (conv1d, conv2d, conv3d as implicit GEMMs, and computed directly) against numpy references."""

import numpy as np
import pytest

import windows as ref
from matmul_launch import run_matmul
from tensorweb.kernels import Output, body, grid, types

TILE = {"WG_X": 8, "WG_Y": 8, "TILE_K": 8}
TILE_N = 32

# (x shape, kernel, Cout, stride, dilation, pads ((before, after) per spatial dim)); 2-D unless noted.
CASES = {
    "3x3 same": ((2, 7, 9, 5), (3, 3), 6, (1, 1), (1, 1), ((1, 1), (1, 1))),
    "stride 2 asymmetric pad": ((1, 11, 8, 3), (3, 3), 37, (2, 2), (1, 1), ((0, 1), (0, 1))),
    "dilated 5x3": ((2, 12, 10, 4), (5, 3), 9, (1, 2), (2, 1), ((2, 2), (1, 0))),
    "1x1": ((3, 5, 5, 34), (1, 1), 33, (1, 1), (1, 1), ((0, 0), (0, 0))),
    "conv1d": ((2, 40, 6), (7,), 10, (3,), (1,), ((3, 3),)),
    "conv3d": ((2, 5, 6, 4, 3), (3, 2, 3), 7, (2, 1, 1), (1, 2, 1), ((1, 1), (0, 1), (1, 1))),
}
# Output channel counts that are multiples of 4 (any input channels), for conv_vec4.wgsl.
VEC4_CASES = {
    "first layer, 3 input channels": ((2, 9, 8, 3), (3, 3), 16, (2, 2), (1, 1), ((1, 1), (0, 1))),
    "conv1d, 1 input channel": ((3, 30, 1), (5,), 8, (1,), (2,), ((4, 4),)),
    "3x3 same": ((2, 7, 9, 8), (3, 3), 12, (1, 1), (1, 1), ((1, 1), (1, 1))),
    "stride 2 asymmetric pad": ((1, 11, 8, 4), (3, 3), 36, (2, 2), (1, 1), ((0, 1), (0, 1))),
    "dilated 5x3": ((2, 12, 10, 4), (5, 3), 8, (1, 2), (2, 1), ((2, 2), (1, 0))),
    "1x1": ((3, 5, 5, 32), (1, 1), 40, (1, 1), (1, 1), ((0, 0), (0, 0))),
    "conv3d": ((1, 4, 5, 6, 8), (2, 3, 3), 4, (1, 2, 1), (1, 1, 2), ((1, 0), (1, 1), (2, 2))),
}


def tolerance(k):
    return {"rtol": 1e-4, "atol": 1e-5 * np.sqrt(k) * 10}


def lift(values, fill):
    """A spatial tuple as (depth, height, width): conv1d and conv2d are conv3d with leading 1s."""
    return (fill,) * (3 - len(values)) + tuple(values)


def geometry(case):
    x_shape, kernel, out_c, stride, dilation, pads = case
    spatial = x_shape[1:-1]
    out_spatial = tuple(ref.output_size(s, k, st, d, *p) for s, k, st, d, p in zip(spatial, kernel, stride, dilation, pads))
    return {"batch": x_shape[0], "in_c": x_shape[-1], "out_c": out_c,
            "in_size": lift(spatial, 1), "out_size": lift(out_spatial, 1), "kernel_size": lift(kernel, 1),
            "stride": lift(stride, 1), "dilation": lift(dilation, 1), "pad": lift([p[0] for p in pads], 0)}


def out_shape(case):
    g = geometry(case)
    return (g["batch"],) + g["out_size"][3 - (len(case[0]) - 2):] + (g["out_c"],)


def launch(runner, m, n, tile_m):
    m_tiles = -(-m // tile_m)
    return m_tiles, (-(-n // TILE_N),) + grid(m_tiles, runner.max_per_dimension)[:2]


def case_arrays(rng, case, dtype=np.float32):
    x_shape, kernel, out_c = case[:3]
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(tuple(kernel) + (x_shape[-1], out_c)).astype(dtype)
    return x, w


def run_conv(runner, x, w, case, *, bias=None, residual=None, prelu=None, activation="v", vec4=False, registers=False):
    """conv.wgsl, conv_vec4.wgsl (vec4) or conv_vec4_registers.wgsl (registers: Cin and Cout multiples of 4)."""
    g = geometry(case)
    shape = out_shape(case)
    placeholder = np.zeros(4, x.dtype)
    if registers:
        # 8 pixels x 16 channels a thread, WG_X * WG_Y threads a workgroup (the runtime's gemmTiles).
        tiles = {"WG_X": 2, "WG_Y": 4}
        m_tiles = -(-int(np.prod(shape[:-1])) // (tiles["WG_Y"] * 8))
        workgroups = (-(-g["out_c"] // (tiles["WG_X"] * 16)),) + grid(m_tiles, runner.max_per_dimension)[:2]
        shader, constants = "conv/conv_vec4_registers.wgsl", tiles
    else:
        # Scalar tiles are WG_Y * 4 pixels tall, vec4 tiles WG_Y * 8.
        m_tiles, workgroups = launch(runner, int(np.prod(shape[:-1])), g["out_c"], TILE["WG_Y"] * (8 if vec4 else 4))
        shader, constants = "conv/conv_vec4.wgsl" if vec4 else "conv/conv.wgsl", TILE
    return runner.run(
        shader, slots={"types": types(Elem="f16" if x.dtype == np.float16 else "f32"), "body": body(activation)},
        constants=constants | {"HAS_BIAS": bias is not None, "HAS_RESIDUAL": residual is not None, "HAS_PRELU": prelu is not None},
        workgroups=workgroups, x=x, weights=w,
        bias=placeholder if bias is None else bias, residual=placeholder if residual is None else residual,
        prelu_weights=placeholder if prelu is None else prelu,
        out=Output(shape, x.dtype), params=g | {"m_tiles": m_tiles, "alpha": 0.0, "beta": 0.0})["out"]


@pytest.mark.parametrize("name", CASES)
def test_conv(runner, rng, name):
    case = CASES[name]
    x, w = case_arrays(rng, case)
    expected = ref.conv(x, w, *case[3:])
    np.testing.assert_allclose(run_conv(runner, x, w, case), expected, **tolerance(w[..., 0].size))


@pytest.mark.parametrize("name", VEC4_CASES)
def test_conv_vec4(runner, rng, name):
    case = VEC4_CASES[name]
    x, w = case_arrays(rng, case)
    expected = ref.conv(x, w, *case[3:])
    np.testing.assert_allclose(run_conv(runner, x, w, case, vec4=True), expected, **tolerance(w[..., 0].size))


@pytest.mark.parametrize("kernel", ["scalar", "vec4", "registers"])
def test_conv_fused_bias_residual_prelu(runner, rng, kernel):
    # HAS_PRELU: prelu's slope per output channel, after the bias and the residual.
    case = VEC4_CASES["3x3 same"]
    x, w = case_arrays(rng, case)
    bias = rng.standard_normal(w.shape[-1]).astype(np.float32)
    residual = rng.standard_normal(out_shape(case)).astype(np.float32)
    slopes = rng.uniform(0, 0.5, w.shape[-1]).astype(np.float32)
    out = run_conv(runner, x, w, case, bias=bias, residual=residual, prelu=slopes, vec4=kernel == "vec4",
                   registers=kernel == "registers")
    pre = ref.conv(x, w, *case[3:]) + bias + residual
    np.testing.assert_allclose(out, np.where(pre < 0, pre * slopes, pre), **tolerance(w[..., 0].size))


@pytest.mark.parametrize("vec4", [False, True])
def test_conv_fused_bias_residual_relu6(runner, rng, vec4):
    case = VEC4_CASES["3x3 same"]
    x, w = case_arrays(rng, case)
    bias = rng.standard_normal(w.shape[-1]).astype(np.float32)
    residual = rng.standard_normal(out_shape(case)).astype(np.float32)
    out = run_conv(runner, x, w, case, bias=bias, residual=residual, activation="relu6_f32(v)", vec4=vec4)
    expected = np.clip(ref.conv(x, w, *case[3:]) + bias + residual, 0, 6)
    np.testing.assert_allclose(out, expected, **tolerance(w[..., 0].size))


@pytest.mark.parametrize("vec4", [False, True])
def test_conv_f16(runner, rng, vec4):
    case = VEC4_CASES["stride 2 asymmetric pad"]
    x, w = case_arrays(rng, case, np.float16)
    out = run_conv(runner, x, w, case, vec4=vec4)
    assert out.dtype == np.float16
    np.testing.assert_allclose(out.astype(np.float32), ref.conv(x, w, *case[3:]), rtol=1e-2, atol=5e-2)


@pytest.mark.parametrize("name", CASES)
def test_conv_backprop_input(runner, rng, name):
    case = CASES[name]
    x, w = case_arrays(rng, case)
    dy = rng.standard_normal(out_shape(case)).astype(np.float32)
    m_tiles, workgroups = launch(runner, int(np.prod(x.shape[:-1])), x.shape[-1], TILE["WG_Y"] * 4)
    dx = runner.run(
        "conv/conv_backprop_input.wgsl", constants=TILE, workgroups=workgroups,
        dy=dy, weights=w, bias=np.zeros(4, np.float32), dx=Output(x.shape),
        params=geometry(case) | {"m_tiles": m_tiles, "alpha": 0.0, "beta": 0.0})["dx"]
    expected = ref.conv_backprop_input(dy, w, x.shape, *case[3:])
    np.testing.assert_allclose(dx, expected, **tolerance(w[..., 0, :].size))


# Input channel counts that are multiples of 4, any output channels.
INPUT_VEC4_CASES = {
    "3x3 same": ((2, 7, 9, 8), (3, 3), 5, (1, 1), (1, 1), ((1, 1), (1, 1))),
    "stride 2 asymmetric pad": ((1, 11, 8, 4), (3, 3), 7, (2, 2), (1, 1), ((0, 1), (0, 1))),
    "dilated 5x3 stride 3": ((2, 12, 10, 12), (5, 3), 3, (3, 2), (2, 1), ((2, 2), (1, 0))),
    "conv3d": ((2, 5, 6, 4, 4), (3, 2, 3), 6, (2, 1, 1), (1, 2, 1), ((1, 1), (0, 1), (1, 1))),
}


@pytest.mark.parametrize("name", INPUT_VEC4_CASES)
def test_conv_backprop_input_vec4(runner, rng, name):
    case = INPUT_VEC4_CASES[name]
    x, w = case_arrays(rng, case)
    dy = rng.standard_normal(out_shape(case)).astype(np.float32)
    # The kernel reads the weights as [*kernel, Cout, Cin]: the runtime transposes them with one strided copy.
    w_t = np.ascontiguousarray(np.swapaxes(w, -1, -2))
    m_tiles, workgroups = launch(runner, int(np.prod(x.shape[:-1])), x.shape[-1], TILE["WG_Y"] * 8)
    dx = runner.run(
        "conv/conv_backprop_input_vec4.wgsl", constants=TILE, workgroups=workgroups,
        dy=dy, weights_t=w_t, bias=np.zeros(4, np.float32), dx=Output(x.shape),
        params=geometry(case) | {"m_tiles": m_tiles, "alpha": 0.0, "beta": 0.0})["dx"]
    expected = ref.conv_backprop_input(dy, w, x.shape, *case[3:])
    np.testing.assert_allclose(dx, expected, **tolerance(w[..., 0, :].size))


# Windows that tile x exactly (stride = window, no dilation, no padding), Cout a multiple of 4: a transposed conv
# upsampling by its window, which conv_transpose_tiles.wgsl computes a dy pixel and dx channel a thread.
TILES_CASES = {
    "2x2, one dx channel (selfie segmentation's last layer)": ((2, 8, 6, 1), (2, 2), 16, (2, 2), (1, 1), ((0, 0), (0, 0))),
    "3x2, 5 dx channels": ((1, 9, 8, 5), (3, 2), 8, (3, 2), (1, 1), ((0, 0), (0, 0))),
    "conv1d": ((2, 12, 3), (4,), 4, (4,), (1,), ((0, 0),)),
    "conv3d": ((1, 4, 6, 4, 2), (2, 3, 2), 12, (2, 3, 2), (1, 1, 1), ((0, 0), (0, 0), (0, 0))),
}


@pytest.mark.parametrize("name", TILES_CASES)
def test_conv_transpose_tiles(runner, rng, name):
    case = TILES_CASES[name]
    x, w = case_arrays(rng, case)
    dy = rng.standard_normal(out_shape(case)).astype(np.float32)
    g = geometry(case)
    threads = int(np.prod(dy.shape[:-1])) * g["in_c"]
    dx = runner.run(
        "conv/conv_transpose_tiles.wgsl", workgroups=-(-threads // 64), dy=dy, weights=w, dx=Output(x.shape),
        params={"size": threads, "in_c": g["in_c"], "out_c": g["out_c"], "out_size": g["out_size"],
                "window": g["kernel_size"]})["dx"]
    expected = ref.conv_backprop_input(dy, w, x.shape, *case[3:])
    np.testing.assert_allclose(dx, expected, **tolerance(g["out_c"]))


@pytest.mark.parametrize("vec4", [False, True])
def test_conv2d_transpose_with_bias_and_activation(runner, rng, vec4):
    # conv2dTranspose(y, w) is conv2d's input gradient: upsample 4x5 -> 8x10 with stride 2.
    case = ((1, 8, 10, 4), (3, 3), 7, (2, 2), (1, 1), ((1, 0), (1, 0)))
    assert out_shape(case) == (1, 4, 5, 7)
    y = rng.standard_normal((1, 4, 5, 7)).astype(np.float32)
    w = rng.standard_normal((3, 3, 4, 7)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    m_tiles, workgroups = launch(runner, 80, 4, TILE["WG_Y"] * (8 if vec4 else 4))
    weights = {"weights_t": np.ascontiguousarray(np.swapaxes(w, -1, -2))} if vec4 else {"weights": w}
    out = runner.run(
        "conv/conv_backprop_input_vec4.wgsl" if vec4 else "conv/conv_backprop_input.wgsl",
        slots={"body": body("relu_f32(v)")}, constants=TILE | {"HAS_BIAS": True}, workgroups=workgroups,
        dy=y, bias=bias, dx=Output((1, 8, 10, 4)),
        params=geometry(case) | {"m_tiles": m_tiles, "alpha": 0.0, "beta": 0.0}, **weights)["dx"]
    expected = np.maximum(ref.conv_backprop_input(y, w, (1, 8, 10, 4), *case[3:]) + bias, 0)
    np.testing.assert_allclose(out, expected, **tolerance(63))


def run_backprop_filter(runner, x, dy, case, splits, vec4=False):
    g = geometry(case)
    kernel = case[1]
    pixels = int(np.prod(dy.shape[:-1]))
    k_chunk = -(-pixels // splits)
    m_tiles = -(-(int(np.prod(kernel)) * g["in_c"]) // (TILE["WG_Y"] * (8 if vec4 else 4)))
    workgroups = (-(-g["out_c"] // TILE_N),) + grid(m_tiles * splits, runner.max_per_dimension)[:2]
    weights_shape = tuple(kernel) + (g["in_c"], g["out_c"])
    partials = runner.run(
        "conv/conv_backprop_filter_vec4.wgsl" if vec4 else "conv/conv_backprop_filter.wgsl",
        constants=TILE, workgroups=workgroups, x=x, dy=dy,
        dweights=Output((splits,) + weights_shape),
        params=g | {"m_tiles": m_tiles, "splits": splits, "k_chunk": k_chunk})["dweights"]
    if splits == 1:
        return partials[0]
    size = partials[0].size
    placeholder = np.zeros(4, np.float32)
    return runner.run(
        "matmul/split_k_reduce.wgsl", workgroups=-(-size // 64), partials=partials, bias=placeholder,
        residual=placeholder, prelu_weights=placeholder, out=Output(weights_shape),
        params={"size": size, "n": g["out_c"], "splits": splits, "alpha": 0.0, "beta": 0.0})["out"]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("splits", [1, 3])
def test_conv_backprop_filter(runner, rng, name, splits):
    case = CASES[name]
    x, w = case_arrays(rng, case)
    dy = rng.standard_normal(out_shape(case)).astype(np.float32)
    dw = run_backprop_filter(runner, x, dy, case, splits)
    expected = ref.conv_backprop_filter(x, dy, case[1], *case[3:])
    np.testing.assert_allclose(dw, expected, **tolerance(dy[..., 0].size))


# Output channel counts that are multiples of 4, any input channels.
FILTER_VEC4_CASES = {
    "3x3 same, one input channel": ((2, 7, 9, 1), (3, 3), 8, (1, 1), (1, 1), ((1, 1), (1, 1))),
    "stride 2 asymmetric pad": ((1, 11, 8, 3), (3, 3), 36, (2, 2), (1, 1), ((0, 1), (0, 1))),
    "dilated 5x3": ((2, 12, 10, 5), (5, 3), 4, (1, 2), (2, 1), ((2, 2), (1, 0))),
    "conv3d": ((2, 5, 6, 4, 3), (3, 2, 3), 12, (2, 1, 1), (1, 2, 1), ((1, 1), (0, 1), (1, 1))),
}


@pytest.mark.parametrize("name", FILTER_VEC4_CASES)
@pytest.mark.parametrize("splits", [1, 3])
def test_conv_backprop_filter_vec4(runner, rng, name, splits):
    case = FILTER_VEC4_CASES[name]
    x, w = case_arrays(rng, case)
    dy = rng.standard_normal(out_shape(case)).astype(np.float32)
    dw = run_backprop_filter(runner, x, dy, case, splits, vec4=True)
    expected = ref.conv_backprop_filter(x, dy, case[1], *case[3:])
    np.testing.assert_allclose(dw, expected, **tolerance(dy[..., 0].size))


def test_1x1_conv_runs_as_vec4_matmul(runner, rng):
    # A 1x1, stride-1, unpadded conv is [N*H*W, Cin] @ [Cin, Cout]: the runtime sends it to matmul_vec4.
    x = rng.standard_normal((3, 5, 5, 36)).astype(np.float32)
    w = rng.standard_normal((1, 1, 36, 32)).astype(np.float32)
    bias = rng.standard_normal(32).astype(np.float32)
    out = run_matmul(runner, x.reshape(-1, 36), w.reshape(36, 32), bias=bias, vec4=True)
    expected = ref.conv(x, w, (1, 1), (1, 1), ((0, 0), (0, 0))) + bias
    np.testing.assert_allclose(out.reshape(3, 5, 5, 32), expected, **tolerance(36))


def run_direct(runner, x_or_dy, w, case, *, backprop_input, four_channels, bias=None, residual=None, prelu=None, activation="v"):
    g = geometry(case)
    shape = case[0] if backprop_input else out_shape(case)
    threads = int(np.prod(shape)) // (4 if four_channels else 1)
    placeholder = np.zeros(4, np.float32)
    return runner.run(
        "conv/conv_direct.wgsl", slots={"body": body(activation)}, workgroups=-(-threads // 64),
        constants={"BACKPROP_INPUT": backprop_input, "FOUR_CHANNELS": four_channels, "HAS_BIAS": bias is not None,
                   "HAS_RESIDUAL": residual is not None, "HAS_PRELU": prelu is not None},
        x=x_or_dy, weights=w, bias=placeholder if bias is None else bias, residual=placeholder if residual is None else residual,
        prelu_weights=placeholder if prelu is None else prelu, out=Output(shape),
        params=geometry(case) | {"size": threads, "alpha": 0.0, "beta": 0.0})["out"]


# Thin convolutions, which the runtime computes directly; Cout (forward) or Cin (input gradient) 4 or 8 for FOUR_CHANNELS.
DIRECT_CASES = {
    "1 -> 8, 3x3 same": ((2, 7, 9, 1), (3, 3), 8, (1, 1), (1, 1), ((1, 1), (1, 1))),
    "3 -> 4, stride 2 asymmetric pad": ((1, 11, 8, 3), (3, 3), 4, (2, 2), (1, 1), ((0, 1), (0, 1))),
    "8 -> 3, dilated 5x3": ((2, 12, 10, 8), (5, 3), 3, (1, 2), (2, 1), ((2, 2), (1, 0))),
    "conv3d 4 -> 2": ((2, 5, 6, 4, 4), (3, 2, 3), 2, (2, 1, 1), (1, 2, 1), ((1, 1), (0, 1), (1, 1))),
}


# Every case one channel per thread, and 4 where the output's channel count allows.
DIRECT_FORWARD = [(name, False) for name in DIRECT_CASES] + \
    [(name, True) for name, case in DIRECT_CASES.items() if case[2] % 4 == 0]
DIRECT_BACKPROP = [(name, False) for name in DIRECT_CASES] + \
    [(name, True) for name, case in DIRECT_CASES.items() if case[0][-1] % 4 == 0]


@pytest.mark.parametrize("name, four_channels", DIRECT_FORWARD)
def test_conv_direct(runner, rng, name, four_channels):
    case = DIRECT_CASES[name]
    x, w = case_arrays(rng, case)
    bias = rng.standard_normal(case[2]).astype(np.float32)
    out = run_direct(runner, x, w, case, backprop_input=False, four_channels=four_channels, bias=bias,
                     activation="relu_f32(v)")
    expected = np.maximum(ref.conv(x, w, case[3], case[4], case[5]) + bias, 0)
    np.testing.assert_allclose(out, expected, **tolerance(w[..., 0].size))


@pytest.mark.parametrize("four_channels", [False, True])
def test_conv_direct_residual_prelu(runner, rng, four_channels):
    case = DIRECT_CASES["1 -> 8, 3x3 same"]
    x, w = case_arrays(rng, case)
    bias = rng.standard_normal(case[2]).astype(np.float32)
    residual = rng.standard_normal(out_shape(case)).astype(np.float32)
    slopes = rng.uniform(0, 0.5, case[2]).astype(np.float32)
    out = run_direct(runner, x, w, case, backprop_input=False, four_channels=four_channels, bias=bias, residual=residual,
                     prelu=slopes)
    pre = ref.conv(x, w, case[3], case[4], case[5]) + bias + residual
    np.testing.assert_allclose(out, np.where(pre < 0, pre * slopes, pre), **tolerance(w[..., 0].size))


@pytest.mark.parametrize("name, four_channels", DIRECT_BACKPROP)
def test_conv_direct_backprop_input(runner, rng, name, four_channels):
    case = DIRECT_CASES[name]
    x, w = case_arrays(rng, case)
    dy = rng.standard_normal(out_shape(case)).astype(np.float32)
    dx = run_direct(runner, dy, w, case, backprop_input=True, four_channels=four_channels)
    expected = ref.conv_backprop_input(dy, w, x.shape, *case[3:])
    np.testing.assert_allclose(dx, expected, **tolerance(w[..., 0, :].size))


# Few input channels (off a multiple of 4) and Cout a multiple of 4: conv_thin_input.wgsl, 8 pixels of a row x 16
# channels a thread. Widths off a multiple of 8, Cout off a multiple of 16 (a part-used column block), more than 4
# input channels, batches, dilation, conv1d and conv3d.
THIN_INPUT_CASES = {
    "RGB 5x5 stride 2 same": ((2, 13, 11, 3), (5, 5), 24, (2, 2), (1, 1), ((1, 2), (1, 2))),
    "RGB 3x3 stride 2, 3 column blocks": ((1, 10, 17, 3), (3, 3), 40, (2, 2), (1, 1), ((0, 1), (0, 1))),
    "one channel dilated": ((1, 9, 20, 1), (3, 3), 8, (1, 1), (2, 2), ((2, 2), (2, 2))),
    "6 channels, stride 3 valid": ((2, 12, 12, 6), (3, 3), 16, (3, 3), (1, 1), ((0, 0), (0, 0))),
    "conv1d": ((2, 30, 2), (5,), 12, (1,), (1,), ((2, 2),)),
    "conv3d": ((1, 4, 6, 9, 3), (2, 3, 3), 20, (1, 2, 1), (1, 1, 1), ((1, 0), (1, 1), (0, 2))),
}


@pytest.mark.parametrize("name", THIN_INPUT_CASES)
@pytest.mark.parametrize("residual, prelu", [(False, False), (True, False), (True, True)])
def test_conv_thin_input(runner, rng, name, residual, prelu):
    case = THIN_INPUT_CASES[name]
    x, w = case_arrays(rng, case)
    bias = rng.standard_normal(case[2]).astype(np.float32)
    shape = out_shape(case)
    addend = rng.standard_normal(shape).astype(np.float32) if residual else np.zeros(4, np.float32)
    slopes = rng.uniform(0, 0.5, case[2]).astype(np.float32) if prelu else np.zeros(4, np.float32)
    g = geometry(case)
    tiles_w = -(-g["out_size"][2] // 8)
    threads = g["batch"] * g["out_size"][0] * g["out_size"][1] * tiles_w * -(-case[2] // 16)
    out = runner.run(
        "conv/conv_thin_input.wgsl", slots={"body": body("v" if prelu else "relu_f32(v)")}, workgroups=-(-threads // 64),
        constants={"HAS_BIAS": True, "HAS_RESIDUAL": residual, "HAS_PRELU": prelu},
        x=x, weights=w, bias=bias, residual=addend, prelu_weights=slopes, out=Output(shape),
        params=g | {"size": threads, "tiles_w": tiles_w, "alpha": 0.0, "beta": 0.0})["out"]
    pre = ref.conv(x, w, case[3], case[4], case[5]) + bias + (addend if residual else 0)
    expected = np.where(pre < 0, pre * slopes, pre) if prelu else np.maximum(pre, 0)
    np.testing.assert_allclose(out, expected, **tolerance(w[..., 0].size))


# conv/im2col.wgsl: each output pixel's window as a row (filter order, zeros in the padding and up to a multiple of
# 4), so that the rows times the filter as [taps * Cin, Cout] (zero-padded alike) are the conv; with Cin a multiple
# of 4 also copying 4 channels an item.
IM2COL_CASES = {**{f"vec4 {name}": case for name, case in VEC4_CASES.items()}, **{f"thin {name}": case for name, case in THIN_INPUT_CASES.items()}}


@pytest.mark.parametrize("name, vec4", [(name, False) for name in IM2COL_CASES] +
                         [(name, True) for name, case in IM2COL_CASES.items() if case[0][-1] % 4 == 0])
def test_im2col(runner, rng, name, vec4):
    case = IM2COL_CASES[name]
    x, w = case_arrays(rng, case)
    g = geometry(case)
    taps = int(np.prod(case[1]))
    window_rows = taps // case[1][-1]
    k = taps * g["in_c"]
    row = -(-k // 4) * 4
    pixels = g["batch"] * int(np.prod(g["out_size"]))
    per_item = 4 if vec4 else 1
    # out starts as NaN, as a reused buffer holds stale values: every element must be written.
    rows = runner.run(
        "conv/im2col.wgsl", workgroups=-(-pixels * window_rows // 64), slots={"items": "alias Item = vec4<Elem>;"} if vec4 else {},
        x=x, out=np.full((pixels, row), np.nan, np.float32),
        params={key: g[key] for key in ("in_size", "out_size", "kernel_size", "stride", "dilation", "pad")}
        | {"size": pixels * window_rows, "window_rows": window_rows, "row": row // per_item, "in_c": g["in_c"] // per_item})["out"]
    assert not rows[:, k:].any() and not np.isnan(rows).any(), "the padding columns are zeros"
    weights = np.zeros((row, case[2]), np.float32)
    weights[:k] = w.reshape(k, case[2])
    expected = ref.conv(x, w, case[3], case[4], case[5])
    np.testing.assert_allclose((rows @ weights).reshape(expected.shape), expected, **tolerance(k))
