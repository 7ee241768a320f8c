"""pool/pool2d.wgsl and pool/pool2d_backprop.wgsl against per-window numpy loops."""

import itertools

import numpy as np
import pytest

from tensorweb.kernels import Output

# (x shape NHWC, window, stride, dilation, pads (top, bottom, left, right))
CASES = {
    "2x2 stride 2": ((2, 6, 8, 3), (2, 2), (2, 2), (1, 1), (0, 0, 0, 0)),
    "3x3 same stride 2": ((1, 7, 5, 4), (3, 3), (2, 2), (1, 1), (1, 1, 1, 1)),
    "3x2 overlapping dilated": ((2, 8, 7, 2), (3, 2), (1, 2), (2, 1), (2, 1, 0, 1)),
}


def geometry(case):
    (n, h, w, c), (wh, ww), (sh, sw), (dh, dw), (top, bottom, left, right) = case
    out_h = (h + top + bottom - dh * (wh - 1) - 1) // sh + 1
    out_w = (w + left + right - dw * (ww - 1) - 1) // sw + 1
    return {"batch": n, "in_h": h, "in_w": w, "channels": c, "out_h": out_h, "out_w": out_w,
            "window_h": wh, "window_w": ww, "stride_h": sh, "stride_w": sw, "dilation_h": dh,
            "dilation_w": dw, "pad_top": top, "pad_left": left}


def windows(g):
    """(oh, ow, [(ih, iw) inside the image, in scan order]) for every output pixel."""
    for oh, ow in itertools.product(range(g["out_h"]), range(g["out_w"])):
        taps = [(oh * g["stride_h"] - g["pad_top"] + kh * g["dilation_h"],
                 ow * g["stride_w"] - g["pad_left"] + kw * g["dilation_w"])
                for kh in range(g["window_h"]) for kw in range(g["window_w"])]
        yield oh, ow, [(ih, iw) for ih, iw in taps if 0 <= ih < g["in_h"] and 0 <= iw < g["in_w"]]


def pool_reference(x, g, average):
    out = np.zeros((g["batch"], g["out_h"], g["out_w"], g["channels"]))
    for oh, ow, taps in windows(g):
        values = np.stack([x[:, ih, iw] for ih, iw in taps])
        out[:, oh, ow] = values.mean(0) if average else values.max(0)
    return out


def pool_backprop_reference(x, dy, g, average):
    dx = np.zeros(x.shape)
    for oh, ow, taps in windows(g):
        if average:
            for ih, iw in taps:
                dx[:, ih, iw] += dy[:, oh, ow] / len(taps)
            continue
        values = np.stack([x[:, ih, iw] for ih, iw in taps])  # [taps, n, c]
        first_max = values.argmax(0)
        for t, (ih, iw) in enumerate(taps):
            dx[:, ih, iw] += np.where(first_max == t, dy[:, oh, ow], 0)
    return dx


@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("name", CASES)
def test_pool2d(runner, rng, name, average):
    g = geometry(CASES[name])
    x = rng.standard_normal(CASES[name][0]).astype(np.float32)
    shape = (g["batch"], g["out_h"], g["out_w"], g["channels"])
    size = int(np.prod(shape))
    out = runner.run("pool/pool2d.wgsl", constants={"AVERAGE": average}, workgroups=-(-size // 64), x=x,
                     out=Output(shape), params=g | {"size": size})["out"]
    np.testing.assert_allclose(out, pool_reference(x, g, average), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("name", CASES)
def test_pool2d_backprop(runner, rng, name, average):
    g = geometry(CASES[name])
    # Few distinct values: ties inside windows, which must go to the first largest tap.
    x = rng.integers(-2, 3, CASES[name][0]).astype(np.float32)
    dy = rng.standard_normal((g["batch"], g["out_h"], g["out_w"], g["channels"])).astype(np.float32)
    dx = runner.run("pool/pool2d_backprop.wgsl", constants={"AVERAGE": average}, workgroups=-(-x.size // 64),
                    x=x, dy=dy, dx=Output(x.shape), params=g | {"size": x.size})["dx"]
    np.testing.assert_allclose(dx, pool_backprop_reference(x, dy, g, average), rtol=1e-5, atol=1e-6)
