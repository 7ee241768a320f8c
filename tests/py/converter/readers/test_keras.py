"""The Keras reader: the fixture `.keras` and `.h5` against Keras's recorded outputs, the tensorweb-layers
model.json it writes, hand-made h5 files, and hostile or corrupt archives."""

import json
import tempfile
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from onnx_models import relative_error

from tensorweb.converter import reference
from tensorweb.converter.convert import ConvertOptions, convert, read_graph
from tensorweb.converter.errors import ConversionError, MalformedModelError, UnsupportedOpsError
from tensorweb.converter.quantize import parse_rule
from tensorweb.converter.readers.keras import read_keras
from tensorweb.converter.writer import read_weights

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "tf"
SOURCES = ["two_branch.keras", "two_branch.h5"]


def recorded(name: str = "two_branch"):
    with np.load(FIXTURES / f"{name}.npz") as data:
        feeds = {k.partition(":")[2]: data[k] for k in data.files if k.startswith("input:")}
        outputs = {k.partition(":")[2]: data[k] for k in data.files if k.startswith("output:")}
    return feeds, outputs


def assert_matches(graph, name: str = "two_branch", rtol: float = 1e-4):
    feeds, expected = recorded(name)
    got = reference.run(graph, feeds)
    assert sorted(got) == sorted(expected)
    for output, value in expected.items():
        assert relative_error(got[output], value) < rtol, output


@pytest.mark.parametrize("optimize", [False, True], ids=["raw", "optimized"])
@pytest.mark.parametrize("name", SOURCES)
def test_graph_of_keras_model_matches_keras(name, optimize):
    _, result = read_graph(FIXTURES / name, optimized=optimize, reader_options={"output_format": "graph"})
    assert result.layers is None
    assert result.graph.inputs == ["image"] and result.graph.outputs == ["probabilities"]
    assert_matches(result.graph)


@pytest.mark.parametrize("name", SOURCES)
def test_graph_output_format_writes_a_graph_model(name, tmp_path):
    from tensorweb.converter.writer import load_model

    convert(FIXTURES / name, tmp_path / "out", ConvertOptions(output_format="graph"))
    graph, document = load_model(tmp_path / "out")
    assert document["format"] == "tensorweb-graph"
    assert_matches(graph)


@pytest.mark.parametrize("name", SOURCES)
def test_graph_output_parameters_are_the_weights_the_layers_output_lists_trainable(name, tmp_path):
    layers, _ = layers_document(name, tmp_path / "layers")
    _, result = read_graph(FIXTURES / name, optimized=False, reader_options={"output_format": "graph"})
    assert result.graph.parameters == set(layers["trainable"])  # moving statistics are not


def test_graph_output_leaves_frozen_layers_and_made_up_constants_out_of_trainable(tmp_path):
    rng = np.random.default_rng(0)
    weights = {"frozen": {"kernel": rng.standard_normal((4, 3)).astype(np.float32)},
               "bn": {"moving_mean": rng.standard_normal(3).astype(np.float32),
                      "moving_variance": np.abs(rng.standard_normal(3)).astype(np.float32) + 0.5},
               "out": {"kernel": rng.standard_normal((3, 2)).astype(np.float32),
                       "bias": rng.standard_normal(2).astype(np.float32)}}
    config = sequential([
        {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [None, 4]}},
        {"class_name": "Dense", "config": {"name": "frozen", "units": 3, "use_bias": False, "trainable": False}},
        # no gamma nor beta: the reader makes up ones and zeros
        {"class_name": "BatchNormalization", "config": {"name": "bn", "center": False, "scale": False}},
        {"class_name": "Dense", "config": {"name": "out", "units": 2, "activation": "relu"}},
    ])
    write_h5(tmp_path / "m.h5", config, weights)
    convert(tmp_path / "m.h5", tmp_path / "out", ConvertOptions(output_format="graph"))
    document = json.loads((tmp_path / "out" / "model.json").read_text())
    names = [w["name"] for w in document["weightsManifest"][0]["weights"]]
    assert document["trainable"] == ["out/kernel", "out/matMul/bias"]  # the bias split off for fusion
    # the frozen kernel scaled by the statistics, and the bias they make: none of it trainable
    untrained = [n for n in names if n not in document["trainable"]]
    assert len(untrained) == 2 and all(n.startswith("frozen/") for n in untrained)


def layers_document(name: str, tmp_path: Path, options: ConvertOptions | None = None) -> tuple[dict, dict]:
    convert(FIXTURES / name, tmp_path / "out", options)
    document = json.loads((tmp_path / "out" / "model.json").read_text())
    return document, read_weights(tmp_path / "out", document["weightsManifest"][0])


@pytest.mark.parametrize("name", SOURCES)
def test_layers_model_keeps_topology_configs_and_weights(name, tmp_path):
    document, weights = layers_document(name, tmp_path)
    assert document["format"] == "tensorweb-layers" and document["formatVersion"] == 1
    assert document["producer"]["sourceFormat"] == "keras"
    topology = document["modelTopology"]
    assert topology["class_name"] == "Functional"
    layers = {layer["name"]: layer for layer in topology["config"]["layers"]}
    assert topology["config"]["input_layers"] == [["image", 0, 0]]
    assert topology["config"]["output_layers"] == [["probabilities", 0, 0]]
    # every inbound reference names a layer of the model; the merges read two branches
    for layer in layers.values():
        for call in layer["inbound_nodes"]:
            assert all(ref[0] in layers and len(ref) == 4 for ref in call)
    assert [ref[0] for ref in layers["add"]["inbound_nodes"][0]] == ["left_pw", "right_conv"]
    assert [ref[0] for ref in layers["join"]["inbound_nodes"][0]] == ["flatten", "gap"]
    # TF.js-style camelCase configs
    stem = layers["stem"]["config"]
    assert stem["kernelSize"] == [3, 3] and stem["useBias"] is True and stem["dataFormat"] == "channelsLast"
    assert stem["kernelInitializer"]["className"] == "GlorotUniform" and stem["dtype"] == "float32"
    assert layers["image"]["config"]["batchInputShape"] == [None, 12, 12, 3]
    assert layers["left_dw"]["config"]["activation"] == "relu6"
    assert not any("module" in layer["config"] or "build_config" in layer["config"] for layer in layers.values())
    # weights by layer/weight name, TF.js's names (depthwise_kernel), values as saved
    assert weights["left_dw/depthwise_kernel"].shape == (3, 3, 8, 1)
    assert weights["stem/kernel"].shape == (3, 3, 3, 8) and weights["probabilities/bias"].shape == (5,)
    assert set(document["trainable"]) == set(weights) - {"stem_bn/moving_mean", "stem_bn/moving_variance"}
    assert document["signature"]["inputs"]["image"]["shape"] == [-1, 12, 12, 3]


def test_keras_and_h5_hold_the_same_weights(tmp_path):
    _, from_keras = layers_document("two_branch.keras", tmp_path / "a")
    _, from_h5 = layers_document("two_branch.h5", tmp_path / "b")
    assert sorted(from_keras) == sorted(from_h5)
    for name in from_keras:
        np.testing.assert_array_equal(from_keras[name], from_h5[name])


def test_layers_weights_can_be_quantized(tmp_path):
    document, weights = layers_document("two_branch.keras", tmp_path, ConvertOptions(
        quantize=[parse_rule("uint8:*kernel*")]))
    entries = {w["name"]: w for w in document["weightsManifest"][0]["weights"]}
    assert entries["stem/kernel"]["quantization"]["dtype"] == "uint8"
    assert "quantization" not in entries["stem/bias"]
    _, exact = layers_document("two_branch.keras", tmp_path / "exact")
    assert relative_error(weights["stem/kernel"], exact["stem/kernel"]) < 5e-2


# ------------------------------------------------------------------ hand-made legacy h5 files


def write_h5(path: Path, config: dict, weights: dict[str, dict[str, np.ndarray]]):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.15.0"
        root = f.create_group("model_weights")
        for layer, arrays in weights.items():
            group = root.create_group(layer)
            group.attrs["weight_names"] = [f"{layer}/{name}:0".encode() for name in arrays]
            for name, array in arrays.items():
                group[f"{layer}/{name}:0"] = array


def sequential(layers):
    return {"class_name": "Sequential", "config": {"name": "seq", "layers": layers}}


def test_keras2_sequential_h5_becomes_a_functional_chain(tmp_path):
    rng = np.random.default_rng(0)
    kernel, bias = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    table = rng.standard_normal((10, 4)).astype(np.float32)
    config = sequential([
        {"class_name": "Embedding", "config": {"name": "embed", "input_dim": 10, "output_dim": 4,
                                               "batch_input_shape": [None, 5], "dtype": "float32"}},
        {"class_name": "GlobalAveragePooling1D", "config": {"name": "pool"}},
        {"class_name": "Dense", "config": {"name": "out", "units": 3, "activation": "sigmoid", "use_bias": True}},
    ])
    path = tmp_path / "seq.h5"
    write_h5(path, config, {"embed": {"embeddings": table}, "out": {"kernel": kernel, "bias": bias}})
    result = read_keras(path, output_format="graph")
    ids = np.array([[1, 2, 3, 4, 9], [0, 0, 5, 5, 5]], np.float32)
    got = reference.run(result.graph, {"input": ids})[result.graph.outputs[0]]
    expected = 1 / (1 + np.exp(-(table[ids.astype(int)].mean(axis=1) @ kernel + bias)))
    assert relative_error(got, expected) < 1e-5
    (tmp_path / "out").mkdir()
    convert(path, tmp_path / "out" / "m")
    topology = json.loads((tmp_path / "out" / "m" / "model.json").read_text())["modelTopology"]
    assert [layer["name"] for layer in topology["config"]["layers"]] == ["input", "embed", "pool", "out"]
    assert topology["config"]["layers"][2]["inbound_nodes"] == [[["embed", 0, 0, {}]]]


def test_unsupported_layers_are_listed_by_name(tmp_path):
    config = sequential([
        {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [None, 4, 3]}},
        {"class_name": "LSTM", "config": {"name": "recurrent", "units": 2}},
        {"class_name": "Dense", "config": {"name": "out", "units": 3, "use_bias": False}},
    ])
    path = tmp_path / "lstm.h5"
    write_h5(path, config, {"out": {"kernel": np.zeros((2, 3), np.float32)}})
    with pytest.raises(UnsupportedOpsError) as error:
        read_keras(path)
    assert [p[:2] for p in error.value.problems] == [("recurrent", "LSTM"), ("out", "Dense")]


def test_missing_weight_is_reported(tmp_path):
    config = sequential([{"class_name": "Dense", "config": {"name": "out", "units": 3,
                                                            "batch_input_shape": [None, 2]}}])
    path = tmp_path / "missing.h5"
    write_h5(path, config, {"out": {"kernel": np.zeros((2, 3), np.float32)}})  # no bias
    with pytest.raises(MalformedModelError, match=r"layer 'out' \(Dense\) has 1 weights, expected 2"):
        read_keras(path)


# ------------------------------------------------------------------ corrupt and hostile files


@pytest.fixture(autouse=True)
def scratch_space(tmp_path, monkeypatch):
    """A temporary-files folder of this test's own, to see that the reader's scratch files are removed."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def convert_fails(source: Path, tmp_path: Path, error, match: str):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(error, match=match):
        convert(source, out / "model")
    assert list(out.iterdir()) == []
    assert list((tmp_path / "scratch").iterdir()) == []


def rezip(tmp_path: Path, members: dict[str, bytes], name: str = "hostile.keras") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def fixture_members() -> dict[str, bytes]:
    with zipfile.ZipFile(FIXTURES / "two_branch.keras") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_corrupt_h5_is_reported(tmp_path):
    data = (FIXTURES / "two_branch.h5").read_bytes()
    broken = tmp_path / "broken.h5"
    broken.write_bytes(data[: len(data) // 3])
    convert_fails(broken, tmp_path, MalformedModelError, "broken.h5: not a readable HDF5 file")


def test_corrupt_weights_inside_the_archive_are_reported(tmp_path):
    members = fixture_members()
    members["model.weights.h5"] = members["model.weights.h5"][:2000]
    convert_fails(rezip(tmp_path, members), tmp_path, MalformedModelError, "model.weights.h5")


def test_truncated_archive_is_reported(tmp_path):
    broken = tmp_path / "broken.keras"
    data = (FIXTURES / "two_branch.keras").read_bytes()
    broken.write_bytes(data[: len(data) - 200])
    convert_fails(broken, tmp_path, MalformedModelError, "broken.keras: not a readable zip archive")


@pytest.mark.parametrize("member", ["../evil.json", "/etc/evil", "C:/evil", "a/../../evil"])
def test_members_pointing_outside_are_refused(member, tmp_path):
    members = fixture_members() | {member: b"{}"}
    convert_fails(rezip(tmp_path, members), tmp_path, MalformedModelError, "points outside the archive")


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    members = fixture_members() | {"model.weights.h5": bytes(64 << 20)}  # 64 MiB of zeros deflate ~1000:1
    convert_fails(rezip(tmp_path, members), tmp_path, MalformedModelError, "zip bomb")


def test_member_larger_than_declared_is_refused(tmp_path):
    members = fixture_members()
    members["config.json"] = members["config.json"] + b" " * 5000
    path = rezip(tmp_path, members)
    # shrink the declared size in both headers, as a lying archive would
    data = bytearray(path.read_bytes())
    true_size = len(members["config.json"]).to_bytes(4, "little")
    assert data.count(true_size) >= 2
    data = data.replace(true_size, (100).to_bytes(4, "little"))
    path.write_bytes(bytes(data))
    convert_fails(path, tmp_path, MalformedModelError, "config.json")


def test_archive_without_config_is_not_a_keras_model(tmp_path):
    members = fixture_members()
    del members["config.json"]
    convert_fails(rezip(tmp_path, members), tmp_path, MalformedModelError, "no config.json")


def test_broken_config_json_is_reported(tmp_path):
    members = fixture_members() | {"config.json": b"{\"class_name\": "}
    convert_fails(rezip(tmp_path, members), tmp_path, MalformedModelError, "config.json: not valid JSON")


def test_output_format_must_be_known(tmp_path):
    with pytest.raises(ConversionError, match="--output-format"):
        read_keras(FIXTURES / "two_branch.keras", output_format="onnx")


def test_a_reader_that_hangs_is_stopped(tmp_path):
    import time

    from tensorweb.converter.readers.keras import isolated

    started = time.monotonic()
    with pytest.raises(MalformedModelError, match="did not finish reading it in 1 s"):
        isolated(time.sleep, 30, what="slow.h5", timeout=1)
    assert time.monotonic() - started < 10


def test_hdf5_file_that_makes_libhdf5_loop_is_reported(tmp_path, monkeypatch):
    # a mutant of two_branch.h5 on which libhdf5 (2.0 here) spins in C code reading the root's attributes
    from tensorweb.converter.readers import keras

    monkeypatch.setattr(keras, "read_timeout", lambda path: 2)
    convert_fails(FIXTURES / "corrupt_hdf5_loops.h5", tmp_path, MalformedModelError, "corrupt_hdf5_loops.h5")


# ------------------------------------------------------------------ a text model: embedding and self-attention


@pytest.mark.parametrize("name", ["tiny_text.keras", "tiny_text.h5"])
def test_attention_model_matches_keras(name):
    _, result = read_graph(FIXTURES / name, reader_options={"output_format": "graph"})
    assert result.graph.info["tokens"].dtype == "int32"
    assert result.graph.op_counts()["einsum"] == 6
    assert_matches(result.graph, "tiny_text")


def test_attention_layer_keeps_its_weights_and_config_as_layers(tmp_path):
    document, weights = layers_document("tiny_text.keras", tmp_path)
    attention = next(layer for layer in document["modelTopology"]["config"]["layers"] if layer["name"] == "attention")
    assert attention["config"]["numHeads"] == 2 and attention["config"]["keyDim"] == 4
    assert [ref[0] for ref in attention["inbound_nodes"][0]] == ["embed", "embed"]  # query and value
    assert weights["attention/query/kernel"].shape == (8, 2, 4)
    assert weights["attention/query/bias"].shape == (2, 4)
    assert weights["attention/attention_output/kernel"].shape == (2, 4, 8)
    _, from_h5 = layers_document("tiny_text.h5", tmp_path / "h5")
    for name in weights:
        np.testing.assert_array_equal(weights[name], from_h5[name])


def test_attention_with_a_mask_tensor_is_refused_by_name(tmp_path):
    with zipfile.ZipFile(FIXTURES / "tiny_text.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    attention = next(layer for layer in config["config"]["layers"] if layer["name"] == "attention")
    tensor = attention["inbound_nodes"][0]["args"][0]
    attention["inbound_nodes"][0]["kwargs"] = {"attention_mask": tensor}
    members["config.json"] = json.dumps(config).encode()
    with pytest.raises(UnsupportedOpsError, match=r"attention \(MultiHeadAttention\).*attention_mask"):
        read_keras(rezip(tmp_path, members, "masked.keras"))


def test_one_dimensional_convolutions_and_pooling_match_keras():
    # causal (dilated), strided same and valid Conv1D; MaxPooling1D; AveragePooling1D with same padding
    _, result = read_graph(FIXTURES / "signal_1d.keras", reader_options={"output_format": "graph"})
    assert_matches(result.graph, "signal_1d")
