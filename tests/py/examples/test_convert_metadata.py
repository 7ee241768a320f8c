"""ConvertOptions.metadata reaches model.json (the example models carry labels and tokenizers this way)."""

import json
from pathlib import Path

from tensorweb.converter.convert import ConvertOptions, convert

CONVNET = Path(__file__).resolve().parents[2] / "fixtures" / "onnx" / "torch_convnet.onnx"


def test_given_metadata_is_written_beside_the_converters_own(tmp_path):
    labels = [f"class {i}" for i in range(10)]
    convert(CONVNET, tmp_path / "web", ConvertOptions(metadata={"labels": labels, "task": "image-classification"}))
    metadata = json.loads((tmp_path / "web" / "model.json").read_text())["metadata"]
    assert metadata["labels"] == labels and metadata["task"] == "image-classification"
    assert metadata["optimized"] is True and metadata["quantization"] == []
