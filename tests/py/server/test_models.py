import json

from tensorweb.server.models import Tensor, read_model


def write_json(folder, data):
    (folder / "model.json").write_text(json.dumps(data))


def test_inputs_and_outputs_come_from_the_signature_when_there_is_one(tmp_path):
    # A layers model (what a .keras file converts to) lists its inputs only in the signature.
    write_json(tmp_path, {
        "format": "layers-model",
        "modelTopology": {"class_name": "Sequential"},
        "signature": {"inputs": {"image": {"dtype": "float32", "shape": [-1, 12, 12, 3]}},
                      "outputs": {"probabilities": {"dtype": "float32", "shape": [-1, 4]}}},
    })
    entry = read_model("m", tmp_path)
    assert entry.error is None
    assert entry.inputs == [Tensor("image", "float32", [-1, 12, 12, 3])]
    assert entry.outputs == [Tensor("probabilities", "float32", [-1, 4])]


def test_without_a_signature_the_topology_lists_are_read(tmp_path):
    write_json(tmp_path, {"topology": {"inputs": [{"name": "x", "dtype": "int32", "shape": [1, -1]}], "outputs": [{"shape": [2]}]}})
    entry = read_model("m", tmp_path)
    assert (entry.error, entry.inputs, entry.outputs) == (None, [Tensor("x", "int32", [1, -1])], [Tensor("outputs0", "?", [2])])


def test_a_malformed_signature_is_named(tmp_path):
    for signature, message in [
        ([], "signature.inputs is not an object"),
        ({"inputs": []}, "signature.inputs is not an object"),
        ({"inputs": {"x": {"shape": "28x28"}}}, "signature.inputs.x.shape is not a list of integers"),
        ({"inputs": {}, "outputs": {"y": 3}}, "signature.outputs.y is not an object"),
    ]:
        write_json(tmp_path, {"signature": signature})
        assert read_model("m", tmp_path).error == message, signature
