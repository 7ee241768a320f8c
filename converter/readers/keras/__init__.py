"""Keras reader: Keras 3 `.keras` archives and legacy `.h5` files, through h5py, without Keras.

By default a Keras model becomes a **layers model** (`"tensorweb-layers"`), which
keeps the layer topology so that the page can go on training it with the layers
API (`tw.loadLayersModel`); `--output-format graph` lowers it to the op graph
(`"tensorweb-graph"`) like any other source.  TensorFlow.js layers models
(readers/tfjs.py) go through the same code.

The reader by concern:

- `config.py`: the model config (Keras 2 or 3, Functional or Sequential) as
  layers and the tensors each call of a layer reads.
- `weights.py`: TF.js's names for each layer class's weights, and which of
  them an optimizer may train.
- `files.py`: the `.keras` zip and the `.h5` file, read into a `KerasModel`
  in a child process (libhdf5 can hang on corrupt files).
- `graph.py`: each layer lowered to runtime ops, giving the op graph.
- `layers_format.py`: the tensorweb-layers model.json (its format is
  documented there).
"""

from __future__ import annotations

from pathlib import Path

from ...errors import ConversionError
from ..lowering import ReadResult
from .config import KerasModel
from .files import read_model_file
from .graph import to_graph
from .layers_format import LayersModel

OUTPUT_FORMATS = ("layers", "graph")


def model_result(model: KerasModel, input_shapes, output_format: str | None, where: str) -> ReadResult:
    output_format = output_format or "layers"
    if output_format not in OUTPUT_FORMATS:
        raise ConversionError(f"--output-format must be one of {OUTPUT_FORMATS}, got {output_format!r}")
    graph = to_graph(model, input_shapes, where)
    producer = f"Keras {model.keras_version}".strip()
    source_inputs = {name: graph.info[name].dtype for name in graph.inputs}
    layers = LayersModel(model, graph) if output_format == "layers" else None
    return ReadResult(graph, None, producer, source_inputs, layers)


def read_keras(path, input_shapes=None, progress=None, output_format=None) -> ReadResult:
    path = Path(path)
    if progress:
        progress.stage(f"reading {path.name}", 1)
    return model_result(read_model_file(path), input_shapes, output_format, str(path))
