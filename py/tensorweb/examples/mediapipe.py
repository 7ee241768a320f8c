"""MediaPipe's face detector, face landmark and selfie segmentation models, from the mediapipe 0.10.14 wheel.

The wheel (from PyPI, with `pip download --no-deps`: it is never installed, and nothing but the
package index is asked) is kept in a cache folder and checked against its sha256; the models are
read out of it. The face-landmarks demo loads the three converted models. This recipe needs neither
PyTorch nor TensorFlow: the source is the .tflite file itself, verified by LiteRT when
`ai-edge-litert` is installed, else by the reference interpreter.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from tensorweb.paths import state_folder

VERSION = "0.10.14"
# the CPython 3.11 manylinux wheel: any one build holds the same .tflite files
WHEEL = f"mediapipe-{VERSION}-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
WHEEL_SHA256 = "a807328339e7356fda0bb14df12fedbf1d33bdf81649c5f8666b0026b1cc30b4"
# the model (its file name in the wheel, and the folder it is served from) -> its folder in the wheel, its input
# (name, shape) and the input range its MediaPipe graph feeds it
MODELS = {
    "face_detection_short_range": ("face_detection", "input", [1, 128, 128, 3], (-1.0, 1.0)),
    "face_landmark": ("face_landmark", "input_1", [1, 192, 192, 3], (0.0, 1.0)),
    "selfie_segmentation": ("selfie_segmentation", "input_1", [1, 256, 256, 3], (0.0, 1.0)),
}
INPUT_SHAPES: dict[str, list[int]] = {}  # the models' shapes are all fixed


def cache_folder() -> Path:
    return state_folder() / "downloads" / f"mediapipe-{VERSION}"


def wheel(cache: Path | None = None) -> Path:
    """The wheel's path in `cache` (default: .tensorweb/downloads/), downloaded from the package index once."""
    cache = cache if cache is not None else cache_folder()
    path = cache / WHEEL
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                   "--python-version", "3.11", "--platform", "manylinux2014_x86_64", f"mediapipe=={VERSION}",
                   "-d", str(cache)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0 or not path.exists():
            raise RuntimeError(f"could not download {WHEEL} with pip (its models are the face demo's): "
                               f"{(result.stderr or result.stdout).strip() or 'pip saved no such file'}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise RuntimeError(f"{path}: sha256 {digest}, not mediapipe {VERSION}'s {WHEEL_SHA256}; delete it to download "
                           "it again")
    return path


def model_bytes(name: str, cache: Path | None = None) -> bytes:
    """mediapipe/modules/<folder>/`name`.tflite, read out of the wheel."""
    member = f"mediapipe/modules/{MODELS[name][0]}/{name}.tflite"
    with zipfile.ZipFile(wheel(cache)) as archive:
        return archive.read(member)


def picture(shape: list[int], value_range: tuple[float, float]) -> np.ndarray:
    """A smooth colour picture (waves in each channel) in the model's input range, to verify on: random noise
    would be far from anything these models are made for."""
    n, h, w, c = shape
    y, x, channel = np.meshgrid(np.linspace(0, 1, h), np.linspace(0, 1, w), np.arange(c), indexing="ij")
    unit = 0.5 + 0.5 * np.sin(2 * np.pi * (x * (1 + channel) + 1.5 * y * (2 - channel / 2)))
    low, high = value_range
    return np.broadcast_to(low + (high - low) * unit, (n, h, w, c)).astype(np.float32)


def make_source(path: Path) -> dict[str, np.ndarray]:
    """Writes the model named by `path`'s stem to `path`; returns the inputs to verify it on."""
    _, input_name, shape, value_range = MODELS[path.stem]
    path.write_bytes(model_bytes(path.stem))
    return {input_name: picture(shape, value_range)}


def metadata() -> dict:
    """Added to what the converter reads from the models' TFLite metadata (their input normalisation)."""
    return {"source": f"mediapipe {VERSION} wheel (PyPI), mediapipe/modules/"}
