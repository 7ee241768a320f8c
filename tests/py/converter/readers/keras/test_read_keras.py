"""readers/keras/__init__.py: the reader's entry point."""

import pytest
from keras_sources import FIXTURES

from tensorweb.converter.errors import ConversionError
from tensorweb.converter.readers.keras import read_keras


def test_output_format_must_be_known(tmp_path):
    with pytest.raises(ConversionError, match="--output-format"):
        read_keras(FIXTURES / "two_branch.keras", output_format="onnx")
