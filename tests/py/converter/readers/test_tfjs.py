"""The TensorFlow.js reader: the fixture graph model (uint8 and float16 weights) and layers model (a uint8
kernel) against TensorFlow's recorded outputs for the dequantised weights, and malformed folders."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from onnx_models import relative_error

from tensorweb.converter import reference
from tensorweb.converter.convert import ConvertOptions, convert, read_graph
from tensorweb.converter.errors import ConversionError, MalformedModelError
from tensorweb.converter.readers.tfjs import read_tfjs
from tensorweb.converter.writer import load_model

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "tf"


def recorded(name: str):
    with np.load(FIXTURES / f"{name}.npz") as data:
        feeds = {k.partition(":")[2]: data[k] for k in data.files if k.startswith("input:")}
        outputs = {k.partition(":")[2]: data[k] for k in data.files if k.startswith("output:")}
    return feeds, outputs


def assert_matches(graph, name: str):
    feeds, expected = recorded(name)
    got = reference.run(graph, feeds)
    assert sorted(got) == sorted(expected)
    for output, value in expected.items():
        assert relative_error(got[output], value) < 1e-4, output


@pytest.mark.parametrize("optimize", [False, True], ids=["raw", "optimized"])
@pytest.mark.parametrize("source", ["cnn_tfjs_graph", "cnn_tfjs_graph/model.json"])
def test_graph_model_matches_tensorflow(source, optimize):
    format_name, result = read_graph(FIXTURES / source, optimized=optimize)
    assert format_name == "tfjs"
    assert result.graph.inputs == ["image"]
    assert_matches(result.graph, "cnn_tfjs_graph")


def test_graph_model_quantised_weights_are_dequantised():
    document = json.loads((FIXTURES / "cnn_tfjs_graph" / "model.json").read_text())
    kinds = {w.get("quantization", {}).get("dtype") for w in document["weightsManifest"][0]["weights"]}
    assert {"uint8", "float16"} <= kinds  # the fixture exercises both
    _, result = read_graph(FIXTURES / "cnn_tfjs_graph", optimized=False)
    assert all(a.dtype != np.uint8 and a.dtype != np.float16 for a in result.graph.constants.values())


def test_layers_model_to_graph_matches_keras(tmp_path):
    convert(FIXTURES / "two_branch_tfjs_layers", tmp_path / "out", ConvertOptions(output_format="graph"))
    graph, document = load_model(tmp_path / "out")
    assert document["producer"]["sourceFormat"] == "tfjs"
    assert_matches(graph, "two_branch_tfjs_layers")


def test_layers_model_stays_a_layers_model(tmp_path):
    convert(FIXTURES / "two_branch_tfjs_layers", tmp_path / "out")
    document = json.loads((tmp_path / "out" / "model.json").read_text())
    assert document["format"] == "tensorweb-layers"
    names = [layer["name"] for layer in document["modelTopology"]["config"]["layers"]]
    assert names[0] == "image" and names[-1] == "probabilities"
    weights = {w["name"] for w in document["weightsManifest"][0]["weights"]}
    assert {"right_conv/kernel", "left_dw/depthwise_kernel", "stem_bn/moving_variance"} <= weights


def test_graph_model_cannot_become_a_layers_model():
    with pytest.raises(ConversionError, match="graph model has no layers"):
        read_tfjs(FIXTURES / "cnn_tfjs_graph", output_format="layers")


def copy_fixture(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / name
    shutil.copytree(FIXTURES / name, folder)
    return folder


def fails_leaving_nothing(folder: Path, tmp_path: Path, error, match: str):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(error, match=match):
        convert(folder, out / "model")
    assert list(out.iterdir()) == []


def test_truncated_shard_is_reported(tmp_path):
    folder = copy_fixture("cnn_tfjs_graph", tmp_path)
    shard = folder / "group1-shard1of1.bin"
    shard.write_bytes(shard.read_bytes()[:500])
    fails_leaving_nothing(folder, tmp_path, MalformedModelError, "runs past the end of the shards")


def test_missing_constant_value_is_reported(tmp_path):
    folder = copy_fixture("cnn_tfjs_graph", tmp_path)
    document = json.loads((folder / "model.json").read_text())
    dropped = document["weightsManifest"][0]["weights"].pop()
    (folder / "model.json").write_text(json.dumps(document))
    fails_leaving_nothing(folder, tmp_path, MalformedModelError, f"constant {dropped['name']!r} has no value")


def test_shard_path_outside_the_folder_is_refused(tmp_path):
    folder = copy_fixture("cnn_tfjs_graph", tmp_path)
    document = json.loads((folder / "model.json").read_text())
    document["weightsManifest"][0]["paths"] = ["../../etc/passwd"]
    (folder / "model.json").write_text(json.dumps(document))
    fails_leaving_nothing(folder, tmp_path, MalformedModelError, "leaves the model folder")


def test_broken_model_json_is_reported(tmp_path):
    folder = copy_fixture("two_branch_tfjs_layers", tmp_path)
    text = (folder / "model.json").read_text()
    (folder / "model.json").write_text(text[: len(text) // 2])
    fails_leaving_nothing(folder, tmp_path, MalformedModelError, "not valid JSON")


def test_savedmodel_options_are_refused():
    with pytest.raises(ConversionError, match="--signature"):
        read_tfjs(FIXTURES / "cnn_tfjs_graph", signature="serving_default")
    with pytest.raises(ConversionError, match="--tags"):
        read_tfjs(FIXTURES / "two_branch_tfjs_layers", tags=["serve"])


def test_keras2_style_inbound_nodes_are_read(tmp_path):
    # TF.js's own converter writes Keras 2 configs: [[layer, node, tensor, kwargs], ...] per call
    folder = copy_fixture("two_branch_tfjs_layers", tmp_path)
    document = json.loads((folder / "model.json").read_text())
    for layer in document["modelTopology"]["config"]["layers"]:
        calls = []
        for call in layer["inbound_nodes"]:
            args = call["args"][0] if isinstance(call["args"][0], list) else call["args"]
            calls.append([[*t["config"]["keras_history"], {}] for t in args])
        layer["inbound_nodes"] = calls
        layer["config"]["batch_input_shape"] = layer["config"].pop("batch_shape", None)
    document["modelTopology"]["config"]["input_layers"] = [["image", 0, 0]]
    (folder / "model.json").write_text(json.dumps(document))
    _, result = read_graph(folder, reader_options={"output_format": "graph"})
    assert_matches(result.graph, "two_branch_tfjs_layers")
