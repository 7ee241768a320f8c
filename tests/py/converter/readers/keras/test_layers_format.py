"""readers/keras/layers_format.py: the tensorweb-layers model.json a Keras model becomes: topology, TF.js-style
configs, weights by layer/weight name, quantized weights."""

import numpy as np
import pytest
from keras_sources import SOURCES, layers_document
from onnx_models import relative_error

from tensorweb.converter.convert import ConvertOptions
from tensorweb.converter.quantize import parse_rule


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


def test_layers_weights_can_be_quantized(tmp_path):
    document, weights = layers_document("two_branch.keras", tmp_path, ConvertOptions(
        quantize=[parse_rule("uint8:*kernel*")]))
    entries = {w["name"]: w for w in document["weightsManifest"][0]["weights"]}
    assert entries["stem/kernel"]["quantization"]["dtype"] == "uint8"
    assert "quantization" not in entries["stem/bias"]
    _, exact = layers_document("two_branch.keras", tmp_path / "exact")
    assert relative_error(weights["stem/kernel"], exact["stem/kernel"]) < 5e-2


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

