"""EfficientNet-Lite0: the package's state dict fits our architecture, and the converted model gives
the top-5 PyTorch recorded (tests/fixtures/examples/efficientnet_lite0.json) with the labels in its metadata."""

import json

import numpy as np
import pytest
import torch
from recorded import read_fixture

from tensorweb.converter import reference
from tensorweb.converter.writer import load_model
from tensorweb.examples import efficientnet_lite0 as lite0

NAME = "efficientnet-lite0"  # the demos load /models/efficientnet-lite0/model.json


@pytest.fixture(scope="module")
def fixture():
    return read_fixture("efficientnet_lite0.json")


def test_state_dict_fits_the_architecture_exactly():
    state = torch.load(lite0.weights_file(), map_location="cpu", weights_only=True)
    model_state = lite0.EfficientNetLite0().state_dict()
    assert set(state) == set(model_state)
    assert all(state[k].shape == model_state[k].shape for k in state)


def test_synthetic_image_follows_its_recorded_formula(fixture):
    image = lite0.synthetic_image()
    assert list(image.shape) == fixture["image"]["shape"]
    assert int(image.sum(dtype=np.float64)) == fixture["image"]["pixelSum"]
    assert image[0, [0, 0, -1, -1], [0, -1, 0, -1]].astype(int).tolist() == fixture["image"]["corners"]
    assert image.min() >= 0 and image.max() <= 255


def test_pytorch_top5_is_the_recorded_one(fixture):
    model = lite0.PixelClassifier(lite0.load_network()).eval()
    with torch.no_grad():
        probabilities, features = model(torch.from_numpy(lite0.synthetic_image()))
    probabilities = probabilities[0].numpy()
    assert lite0.top_k(probabilities) == [entry["index"] for entry in fixture["top5"]]
    np.testing.assert_allclose(probabilities[[e["index"] for e in fixture["top5"]]],
                               [e["probability"] for e in fixture["top5"]], atol=1e-6)
    assert features.shape == (1, 1280)


def test_converted_model_gives_the_recorded_top5(examples_dir, fixture):
    graph, _ = load_model(examples_dir / NAME)
    outputs = reference.run(graph, {"image": lite0.synthetic_image()})
    probabilities = outputs["probabilities"][0]
    assert lite0.top_k(probabilities) == [entry["index"] for entry in fixture["top5"]]
    np.testing.assert_allclose(probabilities[[e["index"] for e in fixture["top5"]]],
                               [e["probability"] for e in fixture["top5"]], atol=1e-5)
    assert float(probabilities.sum()) == pytest.approx(1.0, abs=1e-5)
    assert float(outputs["features"].sum()) == pytest.approx(fixture["featuresSum"], rel=1e-4)


def test_converted_model_carries_the_imagenet_labels(examples_dir, fixture):
    document = json.loads((examples_dir / NAME / "model.json").read_text(encoding="utf-8"))
    metadata = document["metadata"]
    labels = metadata["labels"]
    assert len(labels) == 1000 and labels[0] == "tench, Tinca tinca" and labels[999].startswith("toilet tissue")
    assert [labels[e["index"]] for e in fixture["top5"]] == [e["label"] for e in fixture["top5"]]
    assert metadata["input"]["layout"] == "NHWC" and metadata["input"]["range"] == [0, 255]
    shapes = {e["name"]: e["shape"] for e in document["topology"]["inputs"] + document["topology"]["outputs"]}
    assert shapes == {"image": [1, 224, 224, 3], "probabilities": [1, 1000], "features": [1, 1280]}


def test_converted_graph_has_no_transposes_and_folded_batch_norms(examples_dir):
    record = json.loads((examples_dir / NAME / "example.json").read_text(encoding="utf-8"))
    counts = record["opCounts"]
    assert "transpose" not in counts and "batchNormalization" not in counts and "pad" not in counts
    assert counts["fusedConv2d"] == 33 and counts["fusedDepthwiseConv2d"] == 16
    assert all(e["relativeError"] <= record["verify"]["rtol"] for e in record["verify"]["outputs"].values())
