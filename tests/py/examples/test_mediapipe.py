"""The MediaPipe recipes (tensorweb.examples.mediapipe): the three models the face demo loads, read out
of the mediapipe wheel checked by its sha256, converted and verified against LiteRT."""

import json
import subprocess

import pytest

from tensorweb.converter.writer import load_model
from tensorweb.examples import mediapipe


def test_the_face_demo_models_are_built_and_verified_against_litert(examples_dir):
    shapes = {}
    for name, (_, input_name, shape, _) in mediapipe.MODELS.items():
        record = json.loads((examples_dir / name / "example.json").read_text())
        assert record["verify"]["against"] == f"{name}.tflite run by LiteRT (ai-edge-litert)"
        assert all(e["relativeError"] <= record["verify"]["rtol"] for e in record["verify"]["outputs"].values())
        graph, document = load_model(examples_dir / name)
        assert document["producer"]["sourceFile"] == f"{name}.tflite"
        assert graph.inputs == [input_name]
        shapes[name] = {o: list(graph.info[o].shape) for o in graph.outputs}
        assert list(graph.info[input_name].shape) == shape
    # the outputs the demo decodes: 896 boxes of 16 numbers, 468 points of 3, a 256x256 mask
    assert shapes == {
        "face_detection_short_range": {"regressors": [1, 896, 16], "classificators": [1, 896, 1]},
        "face_landmark": {"conv2d_21": [1, 1, 1, 1404], "conv2d_31": [1, 1, 1, 1]},
        "selfie_segmentation": {"activation_10": [1, 256, 256, 1]},
    }


def test_a_wheel_that_is_not_the_pinned_one_is_refused(tmp_path):
    (tmp_path / mediapipe.WHEEL).write_bytes(b"not the wheel")
    with pytest.raises(RuntimeError, match=f"{mediapipe.WHEEL}: sha256 .*, not mediapipe 0.10.14's .*delete it"):
        mediapipe.wheel(tmp_path)


def test_a_failed_download_says_so_with_pips_message(tmp_path, monkeypatch):
    failed = subprocess.CompletedProcess([], 1, "", "ERROR: No matching distribution found for mediapipe==0.10.14")
    monkeypatch.setattr(mediapipe.subprocess, "run", lambda *args, **kwargs: failed)
    with pytest.raises(RuntimeError, match="could not download .* with pip .*No matching distribution"):
        mediapipe.model_bytes("face_landmark", tmp_path / "empty")
