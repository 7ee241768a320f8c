"""shape/*.wgsl against numpy: the strided copy behind the data-movement ops, gather, mirror pad."""

import numpy as np
import pytest

from tensorweb.kernels import Output, contiguous_strides, types


def strided_copy(runner, x, out, shape, in_strides, *, in_offset=0, out_strides=None, out_offset=0,
                 elem="f32", items_per_thread=1):
    """Copies `x` viewed through (in_offset, shape, in_strides) into `out` (an array: its initial contents)."""
    size = int(np.prod(shape))
    innermost = shape[-1] if shape else 1
    threads = size // innermost * -(-innermost // items_per_thread)  # a row's last thread copies what is left
    return runner.run(
        "shape/strided_copy.wgsl", slots={"types": types(Elem=elem)},
        constants={"ITEMS_PER_THREAD": items_per_thread}, workgroups=-(-threads // 64), x=x, out=out,
        params={"size": size, "rank": len(shape), "in_offset": in_offset, "out_offset": out_offset,
                "shape": shape, "in_strides": in_strides,
                "out_strides": contiguous_strides(shape) if out_strides is None else out_strides})["out"]


def view(array, out_shape):
    return np.zeros(out_shape, array.dtype)


def test_transpose_rank_6(runner, rng):
    x = rng.standard_normal((2, 3, 1, 4, 2, 3)).astype(np.float32)
    perm = (5, 0, 3, 1, 4, 2)
    strides = contiguous_strides(x.shape)
    out_shape = tuple(x.shape[p] for p in perm)
    out = strided_copy(runner, x, view(x, out_shape), out_shape, [strides[p] for p in perm])
    np.testing.assert_array_equal(out, x.transpose(perm))


@pytest.mark.parametrize("items_per_thread", [2, 8])
def test_items_per_thread_along_the_innermost_dim(runner, rng, items_per_thread):
    # A transpose whose innermost dim (8) is read with a stride: each thread copies a run of it.
    x = rng.standard_normal((3, 8, 5)).astype(np.float32)
    out = strided_copy(runner, x, np.zeros((3, 5, 8), np.float32), (3, 5, 8), [40, 1, 5],
                       items_per_thread=items_per_thread)
    np.testing.assert_array_equal(out, x.transpose(0, 2, 1))


@pytest.mark.parametrize("innermost", [16, 23, 37])
def test_items_per_thread_that_do_not_divide_the_innermost_dim(runner, rng, innermost):
    # 16 items a thread whatever the row's length, as the runtime takes them from 16 on: each row's last
    # thread copies the rest, and no thread writes into the next row.
    x = rng.standard_normal((4, innermost, 3)).astype(np.float32)
    out = strided_copy(runner, x, np.zeros((4, 3, innermost), np.float32), (4, 3, innermost),
                       [3 * innermost, 1, 3], items_per_thread=16)
    np.testing.assert_array_equal(out, x.transpose(0, 2, 1))


def test_transpose_keeping_the_last_axis_in_vec4s(runner, rng):
    # As the runtime copies where the innermost dim runs contiguously: Elem vec4<u32>, shape, strides and
    # offsets in vec4s. [2, 3, 5, 8] with perm (0, 2, 1, 3), from offset 8 of a larger buffer.
    x = rng.integers(0, 2**31, (1 * 8 + 2 * 3 * 5 * 8,), dtype=np.uint32)
    source = x[8:].reshape(2, 3, 5, 8)
    out_shape = (2, 5, 3, 8)
    out = strided_copy(runner, x, np.zeros(out_shape, np.uint32), (2, 5, 3, 2), [30, 2, 10, 1], in_offset=2,
                       out_strides=[30, 6, 2, 1], elem="vec4<u32>")
    np.testing.assert_array_equal(out, source.transpose(0, 2, 1, 3))


def test_strided_slice_and_reverse(runner, rng):
    x = rng.integers(-1000, 1000, (6, 10, 5)).astype(np.int32)
    s = contiguous_strides(x.shape)
    # x[1:6:2, ::-3, 4:0:-2]
    expected = x[1:6:2, ::-3, 4:0:-2]
    offset = 1 * s[0] + 9 * s[1] + 4 * s[2]
    out = strided_copy(runner, x, view(x, expected.shape), expected.shape, [2 * s[0], -3 * s[1], -2 * s[2]],
                       in_offset=offset, elem="i32")
    np.testing.assert_array_equal(out, expected)


def test_broadcast_to_and_tile(runner, rng):
    x = rng.standard_normal((3, 1, 4)).astype(np.float32)
    out = strided_copy(runner, x, view(x, (2, 3, 5, 4)), (2, 3, 5, 4), [0, 4, 0, 1])
    np.testing.assert_array_equal(out, np.broadcast_to(x, (2, 3, 5, 4)))
    y = rng.standard_normal((2, 3)).astype(np.float32)
    tiled_shape = (4, 2, 2, 3)  # tile(y, [4, 2]) viewed as [r0, d0, r1, d1]
    out = strided_copy(runner, y, view(y, tiled_shape), tiled_shape, [0, 3, 0, 1])
    np.testing.assert_array_equal(out.reshape(8, 6), np.tile(y, (4, 2)))


def test_concat_writes_each_input_into_its_region(runner, rng):
    parts = [rng.standard_normal((3, w, 2)).astype(np.float32) for w in (1, 4, 2)]
    out = np.zeros((3, 7, 2), np.float32)
    out_strides = contiguous_strides(out.shape)
    start = 0
    for part in parts:
        out = strided_copy(runner, part, out, part.shape, contiguous_strides(part.shape),
                           out_strides=out_strides, out_offset=start * out_strides[1])
        start += part.shape[1]
    np.testing.assert_array_equal(out, np.concatenate(parts, axis=1))


def test_depth_to_space_as_rank_6_transpose(runner, rng):
    n, h, w, bs, c = 2, 3, 4, 2, 3
    x = rng.standard_normal((n, h, w, bs * bs * c)).astype(np.float32)
    # NHWC depthToSpace: [n, h, w, bs, bs, c] -> [n, h, bs, w, bs, c]
    six = (n, h, w, bs, bs, c)
    strides = contiguous_strides(six)
    perm = (0, 1, 3, 2, 4, 5)
    shape = tuple(six[p] for p in perm)
    out = strided_copy(runner, x, np.zeros(shape, np.float32), shape, [strides[p] for p in perm])
    expected = x.reshape(six).transpose(perm).reshape(n, h * bs, w * bs, c)
    np.testing.assert_array_equal(out.reshape(n, h * bs, w * bs, c), expected)


def test_copy_past_65535_workgroups(runner, rng):
    x = rng.standard_normal((64, 65536 + 3)).astype(np.float32)
    out = strided_copy(runner, x, view(x, (65539, 64)), (65539, 64), [1, 65539])
    np.testing.assert_array_equal(out, x.T)


@pytest.mark.parametrize("axis_shape, indices", [((4, 7, 3), [6, 0, 0, 2, 6]), ((1, 5, 1), [4, 1]),
                                                 ((2, 3, 4), [2, -1, 3])])
def test_gather(runner, rng, axis_shape, indices):
    outer, axis_size, inner = axis_shape
    x = rng.standard_normal(axis_shape).astype(np.float32)
    idx = np.array(indices, np.int32)
    shape = (outer, len(idx), inner)
    out = runner.run("shape/gather.wgsl", workgroups=-(-int(np.prod(shape)) // 64), x=x, indices=idx,
                     out=Output(shape), params={"size": int(np.prod(shape)), "axis_size": axis_size,
                                                "count": len(idx), "inner": inner})["out"]
    valid = (idx >= 0) & (idx < axis_size)
    expected = np.where(valid[None, :, None], x[:, np.clip(idx, 0, axis_size - 1)], 0)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("mode", ["reflect", "symmetric"])
def test_mirror_pad(runner, rng, mode):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    # reflect pads stay below the dim, symmetric ones reach it (TensorFlow's limits).
    pads = [(2, 1), (0, 3), (3, 2)] if mode == "reflect" else [(3, 1), (0, 4), (5, 2)]
    expected = np.pad(x, pads, mode=mode)
    out = runner.run("shape/mirror_pad.wgsl", constants={"SYMMETRIC": mode == "symmetric"},
                     workgroups=-(-expected.size // 64), x=x, out=Output(expected.shape),
                     params={"size": expected.size, "rank": 3, "in_shape": x.shape, "out_shape": expected.shape,
                             "pad_before": [b for b, _ in pads]})["out"]
    np.testing.assert_array_equal(out, expected)


def test_gather_nd(runner, rng):
    x = rng.standard_normal((4, 3, 5, 2)).astype(np.float32)
    idx = np.array([[3, 0], [1, 2], [0, 0], [4, 1], [2, -1]], np.int32)  # the last two are outside x
    shape = (len(idx), 5, 2)
    strides = contiguous_strides(x.shape)[:2]
    out = runner.run("shape/gather_nd.wgsl", workgroups=1, x=x, indices=idx, out=Output(shape),
                     params={"size": 50, "depth": 2, "slice_size": 10, "x_shape": x.shape[:2],
                             "x_strides": strides})["out"]
    expected = np.stack([x[i, j] if 0 <= i < 4 and 0 <= j < 3 else np.zeros((5, 2)) for i, j in idx])
    np.testing.assert_array_equal(out, expected)


def test_scatter_nd_sums_duplicates(runner, rng):
    out_shape = (5, 3, 4)
    idx = np.array([[1, 2], [4, 0], [1, 2], [0, 1], [1, 2], [7, 0]], np.int32)  # [1, 2] thrice; [7, 0] outside
    updates = rng.standard_normal((len(idx), 4)).astype(np.float32)
    out = runner.run("shape/scatter_nd.wgsl", workgroups=1, updates=updates, indices=idx,
                     out=np.zeros(out_shape, np.float32),
                     params={"size": updates.size, "depth": 2, "slice_size": 4, "out_shape": out_shape[:2],
                             "out_strides": contiguous_strides(out_shape)[:2]})["out"]
    expected = np.zeros(out_shape)
    for (i, j), update in zip(idx, updates):
        if i < 5:
            expected[i, j] += update
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)



def test_scatter_nd_replace_stores_the_bits(runner):
    """ACCUMULATE off (tensorScatterUpdate): each update's bits replace its element in the copy; int32 values
    that are float denormals or NaN patterns come through unchanged, and a tuple outside is dropped."""
    out_shape = (4, 3)
    tensor = np.arange(12, dtype=np.int32).reshape(out_shape)
    idx = np.array([[2], [0], [9]], np.int32)
    updates = np.array([[1, -1, 0x7FC00001], [7, 8, 9], [5, 5, 5]], np.int32)
    out = runner.run("shape/scatter_nd.wgsl", workgroups=1, constants={"ACCUMULATE": False}, updates=updates, indices=idx,
                     out=tensor.copy(),
                     params={"size": updates.size, "depth": 1, "slice_size": 3, "out_shape": out_shape[:1],
                             "out_strides": contiguous_strides(out_shape)[:1]})["out"]
    expected = tensor.copy()
    expected[2], expected[0] = updates[0], updates[1]
    np.testing.assert_array_equal(out, expected)

def resize_reference(x, out_hw, bilinear, align_corners, half_pixel):
    """TensorFlow.js's CPU resizeBilinear / resizeNearestNeighbor."""
    n, h, w, c = x.shape
    scales = [((i - 1) / (o - 1) if align_corners and o > 1 else i / o) for i, o in zip((h, w), out_hw)]

    def sources(o, scale, size):
        r = np.arange(o, dtype=np.float64)
        if not bilinear:
            src = (r + 0.5) * scale if half_pixel else r * scale
            near = np.floor(src + 0.5) if align_corners else np.floor(src)
            return np.clip(near, 0, size - 1).astype(int)
        src = (r + 0.5) * scale - 0.5 if half_pixel else r * scale
        low = np.maximum(np.floor(src), 0)
        return low.astype(int), np.minimum(np.ceil(src), size - 1).astype(int), src - low

    if not bilinear:
        return x[:, sources(out_hw[0], scales[0], h)][:, :, sources(out_hw[1], scales[1], w)]
    (r0, r1, fr), (c0, c1, fc) = sources(out_hw[0], scales[0], h), sources(out_hw[1], scales[1], w)
    fc = fc[None, None, :, None]
    top = x[:, r0][:, :, c0] * (1 - fc) + x[:, r0][:, :, c1] * fc
    bottom = x[:, r1][:, :, c0] * (1 - fc) + x[:, r1][:, :, c1] * fc
    return top * (1 - fr[None, :, None, None]) + bottom * fr[None, :, None, None]


@pytest.mark.parametrize("bilinear", [True, False])
@pytest.mark.parametrize("align_corners, half_pixel", [(False, False), (True, False), (False, True)])
@pytest.mark.parametrize("out_hw", [(7, 11), (2, 3)])
@pytest.mark.parametrize("channels, vec4", [(3, False), (8, True)])
def test_resize(runner, rng, bilinear, align_corners, half_pixel, out_hw, channels, vec4):
    # vec4: the types slot makes a thread compute 4 channels (params count them in vec4s).
    x = rng.standard_normal((2, 4, 6, channels)).astype(np.float32)
    h, w = x.shape[1:3]
    scales = [((i - 1) / (o - 1) if align_corners and o > 1 else i / o) for i, o in zip((h, w), out_hw)]
    shape = (2,) + out_hw + (channels,)
    per = 4 if vec4 else 1
    size = int(np.prod(shape)) // per
    slots = {"types": types(Elem="vec4<f32>", Value="vec4<f32>")} if vec4 else {}
    out = runner.run("shape/resize.wgsl", workgroups=-(-size // 64), slots=slots,
                     constants={"BILINEAR": bilinear, "ALIGN_CORNERS": align_corners,
                                "HALF_PIXEL_CENTERS": half_pixel},
                     x=x, out=Output(shape),
                     params={"size": size, "in_h": h, "in_w": w, "channels": channels // per, "out_h": out_hw[0],
                             "out_w": out_hw[1], "scale_h": scales[0], "scale_w": scales[1]})["out"]
    expected = resize_reference(x.astype(np.float64), out_hw, bilinear, align_corners, half_pixel)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
