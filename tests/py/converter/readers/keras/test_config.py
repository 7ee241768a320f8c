"""readers/keras/config.py: a Keras 2 Sequential model read as a Functional chain."""

import json

import numpy as np
from keras_sources import sequential, write_h5
from onnx_models import relative_error

from tensorweb.converter import reference
from tensorweb.converter.convert import convert
from tensorweb.converter.readers.keras import read_keras


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
