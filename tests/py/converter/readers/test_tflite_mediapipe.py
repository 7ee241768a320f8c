"""MediaPipe's models from the mediapipe 0.10.14 wheel (tests/fixtures/mediapipe_models.py), converted
with `tensorweb convert`, read back and run by reference.py, against LiteRT on every output."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tflite_models import run_litert

from tensorweb.converter import reference
from tensorweb.converter.cli import main
from tensorweb.converter.writer import load_model

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "fixtures"))
import mediapipe_models  # noqa: E402

RTOL = 1e-4  # of each output's largest magnitude: the weights are the source's own float16 values


def picture(shape, seed: int) -> np.ndarray:
    """A smooth picture in [0, 1] (blobs of colour over a gradient, a little grain), the input range these
    models' calculators feed them."""
    rng = np.random.default_rng(seed)
    n, h, w, c = shape
    coarse = rng.uniform(0, 1, (n, 6, 6, c))
    rows, cols = np.linspace(0, 5, h), np.linspace(0, 5, w)
    r0, c0 = np.floor(rows).astype(int).clip(0, 4), np.floor(cols).astype(int).clip(0, 4)
    fr, fc = (rows - r0)[None, :, None, None], (cols - c0)[None, None, :, None]
    top = coarse[:, r0][:, :, c0] * (1 - fc) + coarse[:, r0][:, :, c0 + 1] * fc
    bottom = coarse[:, r0 + 1][:, :, c0] * (1 - fc) + coarse[:, r0 + 1][:, :, c0 + 1] * fc
    smooth = top * (1 - fr) + bottom * fr
    return np.clip(smooth + rng.normal(0, 0.02, shape), 0, 1).astype(np.float32)


@pytest.fixture(scope="module", params=mediapipe_models.MODELS)
def converted(request, tmp_path_factory):
    source = mediapipe_models.model_path(request.param)
    out = tmp_path_factory.mktemp(request.param) / "web"
    assert main(["convert", str(source), str(out)]) == 0
    return request.param, source, out


@pytest.mark.parametrize("scale", ["unit", "signed"])
def test_matches_litert_on_every_output(converted, scale):
    name, source, out = converted
    graph, document = load_model(out)
    assert document["producer"]["sourceFormat"] == "tflite"
    feeds = {i: picture([d if d > 0 else 1 for d in graph.info[i].shape], seed=len(name)) for i in graph.inputs}
    if scale == "signed":  # the detectors and landmark models take [-1, 1]
        feeds = {k: v * 2 - 1 for k, v in feeds.items()}
    expected = run_litert(source, feeds)
    actual = reference.run(graph, feeds)
    assert set(actual) == set(expected) == set(graph.outputs)
    for output, value in expected.items():
        error = np.abs(actual[output].astype(np.float64) - value).max()
        assert error <= RTOL * np.abs(value).max(), f"{name} {output}: error {error}, largest {np.abs(value).max()}"
        if value.size > 1:
            assert value.std() > 0, f"{name} {output} is constant on this input"


def test_weights_stay_float16(converted):
    """MediaPipe stores its weights as float16 behind DEQUANTIZE operators: model.json keeps them so.
    iris_landmark's are float32, and stay so."""
    name, _, out = converted
    _, document = load_model(out)
    entries = [w for group in document["weightsManifest"] for w in group["weights"]]
    stored16 = sum(int(np.prod(w["shape"])) for w in entries if w.get("quantization", {}).get("dtype") == "float16")
    total = sum(int(np.prod(w["shape"])) for w in entries)
    assert stored16 == 0 if name == "iris_landmark" else stored16 > 0.9 * total


def test_browser_fixtures_are_current():
    """tests/fixtures/tflite's recorded LiteRT outputs are what LiteRT gives now (the browser tier's oracle)."""
    script = Path(__file__).resolve().parents[3] / "fixtures" / "tflite" / "make_tflite_fixtures.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_metadata_carries_normalisation_and_labels(converted):
    """TFLite metadata: each input's normalisation, and labels where they name an output's last axis."""
    name, _, out = converted
    metadata = load_model(out)[1]["metadata"]
    if name == "face_detection_short_range":
        assert metadata["tflite"]["name"] == "Short Range Face Detection"
        assert metadata["inputs"]["input"]["normalization"] == {"mean": [127.5], "std": [127.5]}
        assert "labels" not in metadata
    elif name == "selfie_segmentation":
        assert metadata["inputs"]["input_1"]["normalization"] == {"mean": [0.0], "std": [255.0]}
        assert metadata["labels"] == ["selfie"] == metadata["outputs"]["activation_10"]["labels"]
    elif name == "iris_landmark":
        assert "tflite" not in metadata  # it has none


def test_labels_that_do_not_fit_are_left_out_with_a_note(tmp_path, capsys):
    """hand_landmark_lite's metadata lists handedness.txt (2 labels) for its first output, 63 values wide."""
    out = tmp_path / "web"
    assert main(["convert", str(mediapipe_models.model_path("hand_landmark_lite")), str(out)]) == 0
    assert "note: 2 labels do not name the 63 entries of output 'Identity''s last axis; left out" in \
        capsys.readouterr().out
    assert "labels" not in load_model(out)[1]["metadata"]
