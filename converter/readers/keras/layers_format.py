"""The tensorweb-layers model.json: a Keras model written with its layer topology, for `tw.loadLayersModel`.

Shaped like TensorFlow.js's layers-model model.json, inside the fields every
tensorweb model.json has (model_json.py; the schema model.schema.json)::

    {
      "format": "tensorweb-layers",
      "formatVersion": 1,
      "producer": {"name": "tensorweb.converter", "version", "sourceFormat": "keras" | "tfjs-layers",
                   "sourceFile", "sourceProducer": "Keras 3.15.1"},
      "modelTopology": {
        "class_name": "Functional",           # Sequential models are written as Functional chains
        "config": {
          "name": "two_branch",
          "layers": [
            {"class_name": "Conv2D", "name": "stem",
             "config": {"name": "stem", "filters": 8, "kernelSize": [3, 3], "strides": [1, 1],
                        "padding": "same", "dataFormat": "channelsLast", "dilationRate": [1, 1],
                        "activation": "linear", "useBias": true, "trainable": true, "dtype": "float32",
                        "kernelInitializer": {"className": "GlorotUniform", "config": {"seed": null}}, ...},
             "inbound_nodes": [[["image", 0, 0, {}]]]},
            ...
          ],
          "input_layers": [["image", 0, 0]],
          "output_layers": [["probabilities", 0, 0]]
        },
        "keras_version": "3.15.1",
        "backend": "tensorflow"
      },
      "weightsManifest": [{"paths": [...], "weights": [{"name": "stem/kernel", "shape": [3, 3, 3, 8],
                                                        "dtype": "float32", "quantization"?: {...}}, ...],
                           "shards": [{"path", "byteLength", "sha256"}]}],
      "signature": {"inputs": {"image": {"dtype": "float32", "shape": [-1, 12, 12, 3]}}, "outputs": {...}},
      "trainable": ["stem/kernel", "stem/bias", "stem_bn/gamma", ...],
      "metadata": {...}
    }

- The topology's own keys (`class_name`, `config`, `name`, `inbound_nodes`,
  `input_layers`, `output_layers`) are TF.js model.json's.  Each inbound node is
  one call of the layer: a list of `[layer name, node index, tensor index,
  kwargs]` inputs (Keras 2 / TF.js form; Keras 3's `args`/`kwargs` form is
  flattened into it: the args' tensors, then those of the `value` and `key`
  keywords, so MultiHeadAttention reads [query, value, key]).  A layer called
  with other tensor keywords (an attention mask) is refused, naming them.
- Layer **configs** use the TF.js layer-argument names (camelCase), so that
  they can be handed to the JS layer constructors as they are: every key is
  camelCased (`kernel_size` -> `kernelSize`), `batch_shape` /
  `batch_input_shape` -> `batchInputShape`, `data_format` values become
  `channelsLast` / `channelsFirst`, a dtype policy becomes its dtype name,
  initializers / regularizers / constraints become `{className, config}`,
  Keras 3's `LeakyReLU.negative_slope` -> `alpha`; Keras-only bookkeeping
  (`module`, `registered_name`, `build_config`, `shared_object_id`) is dropped.
- Weights are named `<layer name>/<weight name>` with TF.js's weight names per
  layer class (weights.WEIGHT_NAMES): kernel/bias (Dense, Conv*), depthwise_kernel
  (DepthwiseConv2D; Keras 3 calls it kernel), depthwise_kernel /
  pointwise_kernel (SeparableConv2D), gamma/beta/moving_mean/moving_variance
  (BatchNormalization), gamma/beta (LayerNormalization), embeddings
  (Embedding), alpha (PReLU), and for MultiHeadAttention query/kernel,
  query/bias, key/..., value/..., attention_output/kernel and
  attention_output/bias (Keras's EinsumDense shapes: [dim, heads, head dim],
  [heads, head dim], output kernel [heads, value dim, dim]).  Shapes are Keras's (conv kernels HWIO,
  depthwise [h, w, in, multiplier], dense [in, out]).
- `trainable` lists the weights an optimizer may update: not batch-norm moving
  statistics and nothing of a layer saved with `trainable: false`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...ir import Graph
from ...model_json import LAYERS_FORMAT, model_document, signature
from ...quantize import encode_weights
from ...writer import write_folder
from .config import KerasModel, dtype_name
from .weights import is_trainable

DROPPED_KEYS = {"module", "registered_name", "build_config", "shared_object_id", "compile_config"}
RENAMED_KEYS = {"batch_shape": "batchInputShape", "batch_input_shape": "batchInputShape"}
RENAMED_BY_CLASS = {("LeakyReLU", "negative_slope"): "alpha"}
DATA_FORMATS = {"channels_last": "channelsLast", "channels_first": "channelsFirst"}


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def tfjs_value(key: str, value):
    """A config value as TF.js's layer arguments expect it."""
    if key == "dtype":
        return dtype_name(value)
    if key == "data_format" and value in DATA_FORMATS:
        return DATA_FORMATS[value]
    if isinstance(value, dict) and "class_name" in value:  # initializers, regularizers, constraints
        return {"className": value["class_name"],
                "config": tfjs_config("", value.get("config") or {})}
    if isinstance(value, dict):
        return tfjs_config("", value)
    if isinstance(value, tuple):
        return list(value)
    return value


def tfjs_config(class_name: str, config: dict) -> dict:
    result = {}
    for key, value in config.items():
        if key in DROPPED_KEYS:
            continue
        name = RENAMED_BY_CLASS.get((class_name, key)) or RENAMED_KEYS.get(key) or camel(key)
        result[name] = tfjs_value(key, value)
    return result


def layers_topology(model: KerasModel) -> dict:
    layers = []
    for layer in model.layers:
        layers.append({
            "class_name": layer.class_name,
            "name": layer.name,
            "config": tfjs_config(layer.class_name, layer.config),
            "inbound_nodes": [[[name, node, tensor, {}] for name, node, tensor in call] for call in layer.calls],
        })
    return {
        "class_name": "Functional",
        "config": {"name": model.name, "layers": layers,
                   "input_layers": [list(r) for r in model.inputs],
                   "output_layers": [list(r) for r in model.outputs]},
        "keras_version": model.keras_version,
        "backend": model.backend,
    }


def layer_weights(model: KerasModel) -> tuple[dict[str, np.ndarray], list[str]]:
    """All weights as `layer/weight` -> float32 array, and the names an optimizer may train."""
    weights, trainable = {}, []
    for layer in model.layers:
        for name, array in model.weights.get(layer.name, {}).items():
            key = f"{layer.name}/{name}"
            weights[key] = array.astype(np.float32, copy=False) if array.dtype.kind == "f" else array
            if is_trainable(layer, name, array):
                trainable.append(key)
    return weights, trainable


@dataclass
class LayersModel:
    """A Keras model to be written as a tensorweb-layers model.json."""
    model: KerasModel
    graph: Graph  # its op graph, for the signature (and to prove every layer is understood)

    def write(self, out: Path, quantize_rules, *, producer: dict, metadata: dict, shard_bytes: int, force: bool,
              progress=None):
        weights, trainable = layer_weights(self.model)
        encoded = encode_weights(weights, quantize_rules)
        topology = layers_topology(self.model)
        return write_folder(Path(out), encoded, lambda shards: model_document(
            LAYERS_FORMAT, topology, weights=encoded, shards=shards, producer=producer, signature=signature(self.graph),
            trainable=trainable, metadata=metadata), shard_bytes=shard_bytes, force=force, progress=progress)
