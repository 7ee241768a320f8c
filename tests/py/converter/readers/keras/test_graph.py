"""readers/keras/graph.py: Keras models lowered to the op graph, against Keras's recorded outputs; which weights
become parameters; layers that cannot be lowered, listed by name."""

import json
import zipfile

import numpy as np
import pytest
from keras_sources import FIXTURES, SOURCES, assert_matches, layers_document, rezip, sequential, write_h5

from tensorweb.converter.convert import ConvertOptions, convert, read_graph
from tensorweb.converter.errors import UnsupportedOpsError
from tensorweb.converter.readers.keras import read_keras


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


# ------------------------------------------------------------------ a text model: embedding and self-attention


@pytest.mark.parametrize("name", ["tiny_text.keras", "tiny_text.h5"])
def test_attention_model_matches_keras(name):
    _, result = read_graph(FIXTURES / name, reader_options={"output_format": "graph"})
    assert result.graph.info["tokens"].dtype == "int32"
    assert result.graph.op_counts()["einsum"] == 6
    assert_matches(result.graph, "tiny_text")


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
