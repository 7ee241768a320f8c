"""readers/keras/weights.py: the same weights under the same names from a `.keras` archive and an `.h5` file;
a layer with too few weights."""

import numpy as np
import pytest
from keras_sources import layers_document, sequential, write_h5

from tensorweb.converter.errors import MalformedModelError
from tensorweb.converter.readers.keras import read_keras


def test_keras_and_h5_hold_the_same_weights(tmp_path):
    _, from_keras = layers_document("two_branch.keras", tmp_path / "a")
    _, from_h5 = layers_document("two_branch.h5", tmp_path / "b")
    assert sorted(from_keras) == sorted(from_h5)
    for name in from_keras:
        np.testing.assert_array_equal(from_keras[name], from_h5[name])


def test_missing_weight_is_reported(tmp_path):
    config = sequential([{"class_name": "Dense", "config": {"name": "out", "units": 3,
                                                            "batch_input_shape": [None, 2]}}])
    path = tmp_path / "missing.h5"
    write_h5(path, config, {"out": {"kernel": np.zeros((2, 3), np.float32)}})  # no bias
    with pytest.raises(MalformedModelError, match=r"layer 'out' \(Dense\) has 1 weights, expected 2"):
        read_keras(path)
