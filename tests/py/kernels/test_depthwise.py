"""conv/depthwise_conv2d*.wgsl against numpy references."""

import json
from pathlib import Path

import numpy as np
import pytest

import windows as ref
from tensorweb.kernels import Output, body, read_shader, repeat_templates, types

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
    "3x3 stride 2, rows of 4 and 1 pixels": ((1, 10, 11, 8), (3, 3), 1, (2, 2), (1, 1), ((1, 1), (0, 1))),
    "5x5 stride 2": ((1, 11, 9, 12), (5, 5), 1, (2, 2), (1, 1), ((1, 2), (2, 1))),
    "dilated": ((2, 9, 9, 4), (3, 3), 1, (1, 1), (2, 2), ((2, 2), (2, 2))),
}


def vec4_params(g, threads):
    fields = {k: v for k, v in g.items() if k not in ("in_c", "out_c", "multiplier")}
    return fields | {"channels": g["in_c"], "size": threads}


def vec4_threads(g):
    """depthwise_conv2d_vec4.wgsl's threads: a vec4 of channels at 4 pixels along a row each."""
    return g["batch"] * g["out_h"] * -(-g["out_w"] // 4) * g["in_c"] // 4


@pytest.mark.parametrize("name", VEC4_CASES)
def test_depthwise_conv2d_vec4(runner, rng, name):
    case = VEC4_CASES[name]
    x, w = arrays(rng, case)
    g = geometry(x.shape, *case[1:])
    threads = vec4_threads(g)
    # out starts as NaN, as a reused buffer holds stale values: every pixel of a row's last, partial group of 4
    # must be written, and none past it (out's exact size: a write past the row would land on the next one).
    out = runner.run("conv/depthwise_conv2d_vec4.wgsl", workgroups=-(-threads // 64), x=x, weights=w,
                     bias=PLACEHOLDER, residual=PLACEHOLDER, out=np.full(out_shape(g), np.nan, np.float32),
                     params=vec4_params(g, threads) | {"alpha": 0.0, "beta": 0.0})["out"]
    np.testing.assert_allclose(out, ref.depthwise_conv2d(x, w, *case[3:]), rtol=1e-4, atol=1e-4)


def test_depthwise_conv2d_vec4_fused_bias_relu6_f16(runner, rng):
    case = VEC4_CASES["5x5 stride 2"]
    x, w = (a.astype(np.float16) for a in arrays(rng, case))
    bias = rng.standard_normal(12).astype(np.float16)
    g = geometry(x.shape, *case[1:])
    threads = vec4_threads(g)
    out = runner.run("conv/depthwise_conv2d_vec4.wgsl",
                     slots={"types": types(Elem="f16"), "body": body("clamp(v, 0.0, 6.0)")},
                     constants={"HAS_BIAS": True}, workgroups=-(-threads // 64), x=x, weights=w, bias=bias,
                     residual=PLACEHOLDER.astype(np.float16), out=Output(out_shape(g), np.float16), params=vec4_params(g, threads) | {"alpha": 0.0, "beta": 0.0})["out"]
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


# The `taps` slot as the runtime writes it out for each tile case's window (js/src/backends/webgpu/kernels/conv.ts's
# depthwiseTapItems, recorded by tests/fixtures/make_depthwise_taps.mjs): its integers and the text they make.
TAPS_FIXTURE = Path(__file__).parents[2] / "fixtures" / "depthwise_taps.json"
RUNTIME_TAPS = {(tuple(c["window"]), tuple(c["strides"]), tuple(c["dilations"]), c["tileRows"]): c
                for c in json.loads(TAPS_FIXTURE.read_text())["cases"]}


def unrolled_taps(kernel_hw, stride, dilation, tile_rows):
    """The runtime's `taps` text for this window, expanded here from the shader's templates with its integers;
    the same text as the runtime's, so kernels.py's repeat_templates and shaders.ts's repeatTemplates agree."""
    key = (tuple(kernel_hw), tuple(stride), tuple(dilation), tile_rows)
    assert key in RUNTIME_TAPS, f"{TAPS_FIXTURE} has no window {key}: add it to tests/fixtures/make_depthwise_taps.mjs"
    case = RUNTIME_TAPS[key]
    text = repeat_templates(read_shader("conv/depthwise_conv2d_vec4_tile.wgsl"), "taps", case["items"])
    assert text == case["text"], f"repeat_templates and the runtime's repeatTemplates differ for window {key}"
    return text


def run_tile(runner, case, x, w, bias=PLACEHOLDER, residual=PLACEHOLDER, *, tile_rows, constants=None, **launch):
    g = geometry(x.shape, *case[1:])
    threads = g["batch"] * -(-g["out_h"] // tile_rows) * -(-g["out_w"] // 4) * g["in_c"] // 4
    out = runner.run("conv/depthwise_conv2d_vec4_tile.wgsl", workgroups=-(-threads // 64), x=x, weights=w, bias=bias,
                     residual=residual.astype(x.dtype),
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


@pytest.mark.parametrize("after", [False, True])
@pytest.mark.parametrize("kernel", ["vec4", "tile"])
def test_depthwise_vec4_residual_before_or_after_the_activation(runner, rng, kernel, after):
    # x + relu(depthwise(x) + bias) (RESIDUAL_AFTER_ACTIVATION: the fused ops' addendAfterActivation), or relu(... + x).
    case = VEC4_CASES["3x3 same"]
    x, w = arrays(rng, case)
    bias = rng.standard_normal(8).astype(np.float32)
    residual = rng.standard_normal(x.shape).astype(np.float32)
    constants = {"HAS_BIAS": True, "HAS_RESIDUAL": True, "RESIDUAL_AFTER_ACTIVATION": after}
    relu = body("max(v, 0.0)")
    if kernel == "tile":
        out = run_tile(runner, case, x, w, bias, residual, tile_rows=4, constants=constants,
                       slots={"body": relu, "taps": unrolled_taps(*case[1:2], *case[3:5], 4)})
    else:
        g = geometry(x.shape, *case[1:])
        threads = vec4_threads(g)
        out = runner.run("conv/depthwise_conv2d_vec4.wgsl", slots={"body": relu}, constants=constants,
                         workgroups=-(-threads // 64), x=x, weights=w, bias=bias, residual=residual,
                         out=Output(out_shape(g)), params=vec4_params(g, threads) | {"alpha": 0.0, "beta": 0.0})["out"]
    core = ref.depthwise_conv2d(x, w, *case[3:]) + bias
    expected = np.maximum(core, 0) + residual if after else np.maximum(core + residual, 0)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
