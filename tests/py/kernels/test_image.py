"""image/*.wgsl against converter/reference: cropAndResize, transform, rotateWithOffset."""

import math

import numpy as np
import pytest
from tensorweb.converter.reference import crop_and_resize, rotate_with_offset, transform

from tensorweb.kernels import Output, types


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
@pytest.mark.parametrize("crop", [(3, 4), (1, 1), (6, 2)])
@pytest.mark.parametrize("elem", ["f32", "i32"])
def test_crop_and_resize(runner, rng, method, crop, elem):
    image = rng.standard_normal((2, 5, 6, 3)) * 10
    image = (np.round(image).astype(np.int32) if elem == "i32" else image.astype(np.float32))
    # Inside, flipped, partly outside (extrapolated), on image 1, and one whose index is outside the batch (zeros);
    # no sample near a half pixel, where float32 rounds to nearest differently from the float64 oracle.
    boxes = np.array([[0.12, 0.23, 0.81, 0.94], [0.93, 0.71, 0.17, 0.09], [-0.31, 0.47, 1.22, 1.38], [0.43, 0.41, 0.61, 0.62], [0.01, 0.02, 0.98, 0.99]], np.float32)
    box_index = np.array([0, 1, 0, 1, 2], np.int32)
    attrs = {"cropSize": list(crop), "method": method, "extrapolationValue": -7.5}
    shape = (len(boxes), *crop, 3)
    size = int(np.prod(shape))
    out = runner.run("image/crop_and_resize.wgsl", slots={"types": types(Elem=elem)}, constants={"NEAREST": method == "nearest"},
                     workgroups=-(-size // 64), image=image, boxes=boxes, box_index=box_index, out=Output(shape),
                     params={"size": size, "batch": 2, "in_h": 5, "in_w": 6, "channels": 3, "crop_h": crop[0], "crop_w": crop[1],
                             "extrapolation": -7.5})["out"]
    np.testing.assert_allclose(out, crop_and_resize([image, boxes, box_index], attrs)[0], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "wrap", "nearest"])
def test_transform(runner, rng, interpolation, fill_mode):
    image = rng.standard_normal((2, 5, 6, 2)).astype(np.float32)
    # Per image: a rotation with shift, and a projective map whose denominator stays positive here; no sample
    # within 0.009 of a half pixel, where float32 rounds to nearest differently from the float64 oracle.
    transforms = np.array([[0.83, -0.59, 2.31, 0.59, 0.83, -1.13, 0.0, 0.0], [1.21, 0.31, -1.73, -0.22, 0.93, 0.61, 0.02, -0.03]], np.float32)
    attrs = {"interpolation": interpolation, "fillMode": fill_mode, "fillValue": -2.5, "outputShape": [7, 4]}
    shape = (2, 7, 4, 2)
    size = int(np.prod(shape))
    out = runner.run("image/transform.wgsl", constants={"NEAREST": interpolation == "nearest",
                                                         "FILL_MODE": ["constant", "reflect", "wrap", "nearest"].index(fill_mode)},
                     workgroups=-(-size // 64), image=image, transforms=transforms, out=Output(shape),
                     params={"size": size, "in_h": 5, "in_w": 6, "channels": 2, "out_h": 7, "out_w": 4, "per_image": 1,
                             "fill_value": -2.5})["out"]
    np.testing.assert_allclose(out, transform([image, transforms], attrs)[0], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("radians, fill, center", [(0.7, [0.0], [0.5, 0.5]), (-2.1, [10.0, 20.0, 30.0], [0.31, 0.77])])
def test_rotate(runner, rng, radians, fill, center):
    image = rng.standard_normal((2, 5, 6, 4)).astype(np.float32)  # no source coordinate within 0.003 of a half pixel
    size = image.size
    out = runner.run("image/rotate.wgsl", constants={"PER_CHANNEL": len(fill) > 1}, workgroups=-(-size // 64), image=image,
                     out=Output(image.shape),
                     params={"size": size, "height": 5, "width": 6, "channels": 4, "fill": (fill + [0.0] * 3)[:4],
                             "center_x": 6 * center[0], "center_y": 5 * center[1], "sin": math.sin(radians), "cos": math.cos(radians)})["out"]
    np.testing.assert_array_equal(out, rotate_with_offset([image], {"radians": radians, "fillValue": fill, "center": center})[0])


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_from_pixels(runner, rng, channels):
    # 70 pixels a row: texel rows are padded to 128 words (256-byte rows), which the kernel must skip.
    height, width, row_words = 3, 70, 128
    texels = rng.integers(0, 2**32, (height, row_words), dtype=np.uint64).astype(np.uint32)
    size = height * width * channels
    out = runner.run("image/from_pixels.wgsl", workgroups=-(-size // 64), texels=texels,
                     out=Output((height, width, channels), np.int32),
                     params={"size": size, "width": width, "channels": channels, "row_words": row_words})["out"]
    rgba = texels[:, :width].view(np.uint8).reshape(height, width, 4)  # little-endian: R is the low byte
    np.testing.assert_array_equal(out, rgba[..., :channels].astype(np.int32))


@pytest.mark.parametrize("elem", ["f32", "i32"])
@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_to_canvas(runner, rng, elem, channels, alpha):
    height, width, row_words = 3, 70, 128
    if elem == "i32":
        image, scale = rng.integers(0, 256, (height, width, channels)).astype(np.int32), 1 / 255
    else:
        image, scale = rng.random((height, width, channels)).astype(np.float32), 1.0
    texels = runner.run("image/to_canvas.wgsl", slots={"types": types(Elem=elem)}, workgroups=-(-height * width // 64),
                        image=image, texels=Output((height, row_words), np.uint32),
                        params={"size": height * width, "width": width, "channels": channels, "row_words": row_words,
                                "alpha": alpha, "scale": scale})["texels"]
    values = image.astype(np.float64) * scale
    rgba = np.empty((height, width, 4))
    rgba[..., :3] = values[..., :1] if channels == 1 else values[..., :3]
    rgba[..., 3] = values[..., 3] if channels == 4 else alpha
    rgba[..., :3] *= rgba[..., 3:]
    expected = np.floor(0.5 + 255 * np.clip(rgba, 0, 1)).astype(np.int32)[..., [2, 1, 0, 3]]  # bgra8unorm
    got = texels[:, :width].copy().view(np.uint8).reshape(height, width, 4).astype(np.int32)
    # Exact but where float32 lands a product on the other side of a half (premultiplied odd bytes).
    assert np.abs(got - expected).max() <= (0 if alpha == 1.0 and elem == "i32" else 1)
