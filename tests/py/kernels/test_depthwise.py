"""conv/depthwise_conv2d*.wgsl against numpy references."""

import numpy as np
import pytest

import windows as ref
from tensorweb.kernels import Output, body, types

PLACEHOLDER = np.zeros(4, np.float32)

# (x shape NHWC, filter (KH, KW), multiplier, stride, dilation, pads ((top, bottom), (left, right)))
CASES = {
    "3x3 same": ((2, 6, 7, 5), (3, 3), 1, (1, 1), (1, 1), ((1, 1), (1, 1))),
    "5x5 stride 2 multiplier 3": ((1, 11, 9, 4), (5, 5), 3, (2, 2), (1, 1), ((1, 2), (2, 1))),
    "dilated": ((2, 9, 9, 3), (3, 3), 2, (1, 1), (2, 2), ((2, 2), (2, 2))),
}


def geometry(x_shape, filter_hw, multiplier, stride, dilation, pads):
    n, h, w, c = x_shape
    return {"batch": n, "in_h": h, "in_w": w, "in_c": c,
            "out_h": ref.output_size(h, filter_hw[0], stride[0], dilation[0], *pads[0]),
            "out_w": ref.output_size(w, filter_hw[1], stride[1], dilation[1], *pads[1]),
            "out_c": c * multiplier, "multiplier": multiplier,
            "kernel_h": filter_hw[0], "kernel_w": filter_hw[1], "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h": dilation[0], "dilation_w": dilation[1], "pad_top": pads[0][0], "pad_left": pads[1][0]}


def arrays(rng, case):
    x_shape, filter_hw, multiplier = case[:3]
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(filter_hw + (x_shape[3], multiplier)).astype(np.float32)
    return x, w


def out_shape(g):
    return (g["batch"], g["out_h"], g["out_w"], g["out_c"])


@pytest.mark.parametrize("name", CASES)
def test_depthwise_conv2d(runner, rng, name):
    case = CASES[name]
    x, w = arrays(rng, case)
    g = geometry(x.shape, *case[1:])
    size = int(np.prod(out_shape(g)))
    out = runner.run("conv/depthwise_conv2d.wgsl", workgroups=-(-size // 64), x=x, weights=w,
                     bias=PLACEHOLDER, out=Output(out_shape(g)),
                     params=g | {"size": size, "alpha": 0.0, "beta": 0.0})["out"]
    np.testing.assert_allclose(out, ref.depthwise_conv2d(x, w, *case[3:]), rtol=1e-4, atol=1e-4)


def test_depthwise_fused_bias_leaky_relu_f16(runner, rng):
    case = CASES["5x5 stride 2 multiplier 3"]
    x, w = (a.astype(np.float16) for a in arrays(rng, case))
    bias = rng.standard_normal(12).astype(np.float16)
    g = geometry(x.shape, *case[1:])
    size = int(np.prod(out_shape(g)))
    out = runner.run("conv/depthwise_conv2d.wgsl", slots={"types": types(Elem="f16"),
                                                            "body": body("leakyRelu_f32(v)")},
                     constants={"HAS_BIAS": True}, workgroups=-(-size // 64), x=x, weights=w, bias=bias,
                     out=Output(out_shape(g), np.float16), params=g | {"size": size, "alpha": 0.3, "beta": 0.0})["out"]
    pre = ref.depthwise_conv2d(x, w, *case[3:]) + bias
    np.testing.assert_allclose(out.astype(np.float32), np.where(pre >= 0, pre, 0.3 * pre), rtol=1e-2, atol=5e-2)


@pytest.mark.parametrize("name", CASES)
def test_depthwise_backprop_input(runner, rng, name):
    case = CASES[name]
    x, w = arrays(rng, case)
    g = geometry(x.shape, *case[1:])
    dy = rng.standard_normal(out_shape(g)).astype(np.float32)
    dx = runner.run("conv/depthwise_conv2d_backprop_input.wgsl", workgroups=-(-x.size // 64), dy=dy, weights=w,
                    dx=Output(x.shape), params=g | {"size": x.size})["dx"]
    expected = ref.depthwise_conv2d_backprop_input(dy, w, x.shape, *case[3:])
    np.testing.assert_allclose(dx, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", CASES)
def test_depthwise_backprop_filter(runner, rng, name):
    case = CASES[name]
    x, w = arrays(rng, case)
    g = geometry(x.shape, *case[1:])
    dy = rng.standard_normal(out_shape(g)).astype(np.float32)
    dw = runner.run("conv/depthwise_conv2d_backprop_filter.wgsl", workgroups=w.size, x=x, dy=dy,
                    dweights=Output(w.shape), params=g)["dweights"]
    expected = ref.depthwise_conv2d_backprop_filter(x, dy, w.shape[:2], w.shape[3], *case[3:])
    pixels = g["batch"] * g["out_h"] * g["out_w"]
    np.testing.assert_allclose(dw, expected, rtol=1e-4, atol=1e-5 * np.sqrt(pixels) * 10)


# Multiplier 1 and channels divisible by 4, for depthwise_conv2d_vec4.wgsl.
VEC4_CASES = {
    "3x3 same": ((2, 6, 7, 8), (3, 3), 1, (1, 1), (1, 1), ((1, 1), (1, 1))),
    "5x5 stride 2": ((1, 11, 9, 12), (5, 5), 1, (2, 2), (1, 1), ((1, 2), (2, 1))),
    "dilated": ((2, 9, 9, 4), (3, 3), 1, (1, 1), (2, 2), ((2, 2), (2, 2))),
}


def vec4_params(g, threads):
    fields = {k: v for k, v in g.items() if k not in ("in_c", "out_c", "multiplier")}
    return fields | {"channels": g["in_c"], "size": threads}


@pytest.mark.parametrize("name", VEC4_CASES)
def test_depthwise_conv2d_vec4(runner, rng, name):
    case = VEC4_CASES[name]
    x, w = arrays(rng, case)
    g = geometry(x.shape, *case[1:])
    size = int(np.prod(out_shape(g)))
    out = runner.run("conv/depthwise_conv2d_vec4.wgsl", workgroups=-(-size // 4 // 64), x=x, weights=w,
                     bias=PLACEHOLDER, out=Output(out_shape(g)),
                     params=vec4_params(g, size // 4) | {"alpha": 0.0, "beta": 0.0})["out"]
    np.testing.assert_allclose(out, ref.depthwise_conv2d(x, w, *case[3:]), rtol=1e-4, atol=1e-4)


def test_depthwise_conv2d_vec4_fused_bias_relu6_f16(runner, rng):
    case = VEC4_CASES["5x5 stride 2"]
    x, w = (a.astype(np.float16) for a in arrays(rng, case))
    bias = rng.standard_normal(12).astype(np.float16)
    g = geometry(x.shape, *case[1:])
    size = int(np.prod(out_shape(g)))
    out = runner.run("conv/depthwise_conv2d_vec4.wgsl",
                     slots={"types": types(Elem="f16"), "body": body("clamp(v, 0.0, 6.0)")},
                     constants={"HAS_BIAS": True}, workgroups=-(-size // 4 // 64), x=x, weights=w, bias=bias,
                     out=Output(out_shape(g), np.float16), params=vec4_params(g, size // 4) | {"alpha": 0.0, "beta": 0.0})["out"]
    expected = np.clip(ref.depthwise_conv2d(x, w, *case[3:]) + bias, 0, 6)
    np.testing.assert_allclose(out.astype(np.float32), expected, rtol=1e-2, atol=5e-2)


# Multiplier 1 and channels divisible by 4, for depthwise_conv2d_vec4_tile.wgsl (4 or 8 rows of 4 pixels per thread):
# heights and widths that leave partial tiles, padding on every side, unequal height and width geometry,
# strides that make tile rows share input rows and ones that do not.
TILE_CASES = {
    "3x3 same, 6x7 in partial tiles": ((2, 6, 7, 8), (3, 3), 1, (1, 1), (1, 1), ((1, 1), (1, 1))),
    "3x3 stride 2": ((1, 9, 10, 8), (3, 3), 1, (2, 2), (1, 1), ((0, 1), (0, 1))),
    "5x5 stride 2 dilation 2": ((1, 13, 11, 12), (5, 5), 1, (2, 2), (2, 2), ((4, 4), (4, 3))),
    "3x5 valid, stride (2, 1), dilation (3, 1)": ((2, 11, 6, 4), (3, 5), 1, (2, 1), (3, 1), ((0, 0), (0, 0))),
    "1x1 on a 1-wide input": ((1, 3, 1, 4), (1, 1), 1, (1, 1), (1, 1), ((0, 0), (0, 0))),
}


def unrolled_taps(kernel_hw, stride, dilation, tile_rows):
    """The `taps` slot as js/src/backends/webgpu/kernels/conv.ts fills it: the window's loops written out."""
    (kernel_h, kernel_w), (stride_h, stride_w), (dilation_h, dilation_w) = kernel_hw, stride, dilation
    statements = [f"let w{kh}_{kw} = tap_weight(tile, {kh}u, {kw}u);" for kh in range(kernel_h) for kw in range(kernel_w)]
    rows = {}  # the tile's input rows by offset, each with the (tile row, tap row) pairs that read it
    for kh in range(kernel_h):
        for r in range(tile_rows):
            rows.setdefault(r * stride_h + kh * dilation_h, []).append((r, kh))
    for row_offset, pairs in rows.items():
        columns, sums = {}, []
        for r, kh in pairs:
            for kw in range(kernel_w):
                for p in range(4):
                    column = p * stride_w + kw * dilation_w
                    columns[column] = f"let x{column} = column(tile, {column}u);"
                    sums.append(f"tile.sums[{r}][{p}] = fma(x{column}, w{kh}_{kw}, tile.sums[{r}][{p}]);")
        statements += [f"{{ go_to_row(&tile, {row_offset}u);", *columns.values(), *sums, "}"]
    return " ".join(statements)


def run_tile(runner, case, x, w, bias=PLACEHOLDER, *, tile_rows, constants=None, **launch):
    g = geometry(x.shape, *case[1:])
    threads = g["batch"] * -(-g["out_h"] // tile_rows) * -(-g["out_w"] // 4) * g["in_c"] // 4
    out = runner.run("conv/depthwise_conv2d_vec4_tile.wgsl", workgroups=-(-threads // 64), x=x, weights=w, bias=bias,
                     out=Output(out_shape(g), x.dtype), params=vec4_params(g, threads) | {"alpha": 0.0, "beta": 0.0},
                     constants={"TILE_ROWS": tile_rows} | (constants or {}), **launch)
    return out["out"]


# Each case with 4 and 8 tile rows, its taps written out, and with the loops as written where they apply
# (width dilation == width stride).
TILE_RUNS = [(name, taps, tile_rows) for name, case in TILE_CASES.items()
             for taps in ["unrolled"] + (["loops"] if case[3][1] == case[4][1] else []) for tile_rows in (4, 8)]


@pytest.mark.parametrize(("name", "taps", "tile_rows"), TILE_RUNS)
def test_depthwise_conv2d_vec4_tile(runner, rng, name, taps, tile_rows):
    case = TILE_CASES[name]
    x, w = arrays(rng, case)
    slots = {"taps": unrolled_taps(*case[1:2], *case[3:5], tile_rows)} if taps == "unrolled" else {}
    out = run_tile(runner, case, x, w, slots=slots, tile_rows=tile_rows)
    np.testing.assert_allclose(out, ref.depthwise_conv2d(x, w, *case[3:]), rtol=1e-4, atol=1e-4)


def test_depthwise_conv2d_vec4_tile_fused_bias_relu6_f16(runner, rng):
    case = TILE_CASES["3x3 same, 6x7 in partial tiles"]
    x, w = (a.astype(np.float16) for a in arrays(rng, case))
    bias = rng.standard_normal(8).astype(np.float16)
    out = run_tile(runner, case, x, w, bias, slots={"types": types(Elem="f16"), "body": body("clamp(v, 0.0, 6.0)"),
                                                    "taps": unrolled_taps(*case[1:2], *case[3:5], 8)},
                   tile_rows=8, constants={"HAS_BIAS": True})
    expected = np.clip(ref.depthwise_conv2d(x, w, *case[3:]) + bias, 0, 6)
    np.testing.assert_allclose(out.astype(np.float32), expected, rtol=1e-2, atol=5e-2)
