"""pool/pool.wgsl and pool/pool_backprop.wgsl (2-D and 3-D; the gradient per dx element and PER_WINDOW) against
converter/reference's pool, max_pool_grad and avg_pool_grad."""

import numpy as np
import pytest

from tensorweb.converter import reference
from tensorweb.kernels import Output

# (x shape, window, stride, dilation, pads ((before, after) per spatial dim)); 2-D unless noted.
CASES = {
    "2x2 stride 2": ((2, 6, 8, 3), (2, 2), (2, 2), (1, 1), ((0, 0), (0, 0))),
    "3x3 same stride 2": ((1, 7, 5, 4), (3, 3), (2, 2), (1, 1), ((1, 1), (1, 1))),
    "3x2 overlapping dilated": ((2, 8, 7, 2), (3, 2), (1, 2), (2, 1), ((2, 1), (0, 1))),
    "3d 2x3x2": ((2, 5, 6, 4, 3), (2, 3, 2), (1, 2, 2), (1, 1, 1), ((0, 1), (1, 1), (0, 0))),
}


def lift(values, fill):
    return (fill,) * (3 - len(values)) + tuple(values)


def geometry(case):
    x_shape, window, stride, dilation, pads = case
    spatial = x_shape[1:-1]
    out = tuple((s + b + a - d * (w - 1) - 1) // st + 1
                for s, w, st, d, (b, a) in zip(spatial, window, stride, dilation, pads))
    return {"batch": x_shape[0], "channels": x_shape[-1], "in_size": lift(spatial, 1), "out_size": lift(out, 1),
            "window": lift(window, 1), "stride": lift(stride, 1), "dilation": lift(dilation, 1),
            "pad": lift([b for b, _ in pads], 0)}, (x_shape[0],) + out + (x_shape[-1],)


def explicit_pad(case):
    """The case's pads as TF.js's explicit padding, [[0, 0], [before, after]..., [0, 0]]."""
    return [[0, 0], *case[4], [0, 0]]


def pool_reference(x, case, out_shape, average):
    _, window, stride, dilation, _ = case
    out = reference.pool(x, window, stride, explicit_pad(case), "avg" if average else "max", dilations=dilation)
    assert out.shape == out_shape
    return out


def pool_backprop_reference(x, dy, case, average):
    _, window, stride, dilation, _ = case
    if average:
        return reference.avg_pool_grad(dy, x.shape, window, stride, explicit_pad(case), dilations=dilation)
    return reference.max_pool_grad(dy, x, window, stride, explicit_pad(case), dilations=dilation)


@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("four_channels", [False, True])
def test_pool(runner, rng, name, average, four_channels):
    # FOUR_CHANNELS: a thread per 4 channels of a pixel (the cases' channels repeated to a multiple of 4).
    case = CASES[name]
    if four_channels:
        case = (case[0][:-1] + (4 * case[0][-1],),) + case[1:]
    g, out_shape = geometry(case)
    x = rng.standard_normal(case[0]).astype(np.float32)
    size = int(np.prod(out_shape)) // (4 if four_channels else 1)
    out = runner.run("pool/pool.wgsl", constants={"AVERAGE": average, "FOUR_CHANNELS": four_channels}, workgroups=-(-size // 64),
                     x=x, out=Output(out_shape), params=g | {"size": size})["out"]
    np.testing.assert_allclose(out, pool_reference(x, case, out_shape, average), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("name", CASES)
def test_pool_backprop(runner, rng, name, average):
    g, out_shape = geometry(CASES[name])
    # Few distinct values: ties inside windows, which must go to the first largest tap.
    x = rng.integers(-2, 3, CASES[name][0]).astype(np.float32)
    dy = rng.standard_normal(out_shape).astype(np.float32)
    dx = runner.run("pool/pool_backprop.wgsl", constants={"AVERAGE": average}, workgroups=-(-x.size // 64),
                    x=x, dy=dy, dx=Output(x.shape), params=g | {"size": x.size})["dx"]
    np.testing.assert_allclose(dx, pool_backprop_reference(x, dy, CASES[name], average), rtol=1e-5, atol=1e-6)


# Windows that do not overlap: gaps between them, padding, a window only in the padding, 3-D.
DISJOINT_CASES = {
    "2x2 stride 2": CASES["2x2 stride 2"],
    "2x2 stride 3 padded": ((1, 7, 8, 2), (2, 2), (3, 3), (1, 1), ((1, 0), (0, 1))),
    "1x1 stride 2, windows in the padding": ((1, 3, 3, 1), (1, 1), (2, 2), (1, 1), ((1, 0), (1, 0))),
    "dilated 2x1": ((2, 9, 4, 3), (2, 1), (3, 1), (2, 1), ((0, 1), (0, 0))),
    "3d 2x2x2": ((1, 4, 5, 4, 2), (2, 2, 2), (2, 2, 2), (1, 1, 1), ((0, 0), (0, 1), (0, 0))),
}


@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("name", DISJOINT_CASES)
def test_pool_backprop_per_window(runner, rng, name, average):
    case = DISJOINT_CASES[name]
    g, out_shape = geometry(case)
    x = rng.integers(-2, 3, case[0]).astype(np.float32)  # ties go to the first largest tap
    x.reshape(-1)[rng.choice(x.size, 2, replace=False)] = np.nan
    dy = rng.standard_normal(out_shape).astype(np.float32)
    size = int(np.prod(out_shape))
    # dx starts as zeros (a new wgpu buffer; the runtime fills it), which taps no window reaches keep.
    dx = runner.run("pool/pool_backprop.wgsl", constants={"AVERAGE": average, "PER_WINDOW": True}, workgroups=-(-size // 64),
                    x=x, dy=dy, dx=Output(x.shape), params=g | {"size": size})["dx"]
    np.testing.assert_allclose(dx, pool_backprop_reference(x, dy, case, average), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["3x3 same stride 2", "3d 2x3x2"])
def test_max_pool_nan_wins_and_empty_windows_give_minus_inf(runner, rng, name):
    g, out_shape = geometry(CASES[name])
    x = rng.standard_normal(CASES[name][0]).astype(np.float32)
    x[:, :2] = -np.inf  # the first output row's windows hold only -inf (and padding)
    x.reshape(-1)[rng.choice(x.size, 5, replace=False)] = np.nan
    out = runner.run("pool/pool.wgsl", workgroups=-(-int(np.prod(out_shape)) // 64), x=x,
                     out=Output(out_shape), params=g | {"size": int(np.prod(out_shape))})["out"]
    np.testing.assert_array_equal(out, pool_reference(x, CASES[name], out_shape, False))
    if x.shape[-1] % 4 == 0:  # and 4 channels a thread
        out = runner.run("pool/pool.wgsl", constants={"FOUR_CHANNELS": True}, workgroups=-(-int(np.prod(out_shape)) // 256), x=x,
                         out=Output(out_shape), params=g | {"size": int(np.prod(out_shape)) // 4})["out"]
        np.testing.assert_array_equal(out, pool_reference(x, CASES[name], out_shape, False))
    dy = rng.standard_normal(out_shape).astype(np.float32)
    dx = runner.run("pool/pool_backprop.wgsl", workgroups=-(-x.size // 64), x=x, dy=dy, dx=Output(x.shape),
                    params=g | {"size": x.size})["dx"]
    np.testing.assert_allclose(dx, pool_backprop_reference(x, dy, CASES[name], False), rtol=1e-5, atol=1e-6)


def test_pool_window_entirely_in_padding(runner):
    # A 1x1 window, stride 2, padding 1: the first output row and column see only padding (max -inf, average 0 as TF.js's).
    case = ((1, 3, 3, 1), (1, 1), (2, 2), (1, 1), ((1, 0), (1, 0)))
    g, out_shape = geometry(case)
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    for average, empty in ((False, -np.inf), (True, 0)):
        out = runner.run("pool/pool.wgsl", constants={"AVERAGE": average}, workgroups=1, x=x, out=Output(out_shape),
                         params=g | {"size": int(np.prod(out_shape))})["out"]
        np.testing.assert_array_equal(out[0, :, :, 0], [[empty, empty], [empty, 4]])
