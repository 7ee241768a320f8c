"""Keras reader: Keras 3 `.keras` archives and legacy `.h5` files, through h5py, without Keras.

By default a Keras model becomes a **layers model** (`"tensorweb-layers"`), which
keeps the layer topology so that the page can go on training it with the layers
API (`tw.loadLayersModel`); `--output-format graph` lowers it to the op graph
(`"tensorweb-graph"`) like any other source.  TensorFlow.js layers models
(readers/tfjs.py) go through the same code.

The tensorweb-layers model.json
-------------------------------
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
  layer class (WEIGHT_NAMES): kernel/bias (Dense, Conv*), depthwise_kernel
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

Reading: a `.keras` file is a zip (read through archive.SafeZip) of
`config.json` and `model.weights.h5`, whose `layers/<object path>/vars` groups
carry the layer's name in their `name` attribute and its weights as datasets
`0`, `1`, ... in the layer's weight order (a composite layer's are in its
sublayers' groups, SUBLAYER_PATHS).  A legacy `.h5` keeps its config in
the `model_config` attribute and weights under `model_weights/<layer>/`, listed
by the group's `weight_names` attribute.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import h5py
import numpy as np

from .. import ops
from ..archive import SafeZip
from ..errors import ConversionError, MalformedModelError, UnsupportedOpsError
from ..ir import Graph
from ..model_json import LAYERS_FORMAT, model_document, signature
from ..quantize import encode_weights
from ..writer import write_folder
from .lowering import ReadResult, Unsupported

MAX_CONFIG_BYTES = 64 << 20
OUTPUT_FORMATS = ("layers", "graph")


@dataclass
class KerasLayer:
    class_name: str
    name: str
    config: dict  # Keras's snake_case config
    calls: list[list[tuple[str, int, int]]]  # per call (inbound node): its inputs as (layer, node, tensor)
    tensor_kwargs: set[str] = field(default_factory=set)  # keyword arguments given tensors (masks...)


@dataclass
class KerasModel:
    name: str
    layers: list[KerasLayer]
    inputs: list[tuple[str, int, int]]
    outputs: list[tuple[str, int, int]]
    weights: dict[str, dict[str, np.ndarray]]  # layer -> weight name -> value
    keras_version: str = ""
    backend: str = ""

    def layer(self, name: str) -> KerasLayer | None:
        return next((layer for layer in self.layers if layer.name == name), None)


# ------------------------------------------------------------------------ topology

def tensor_ref(entry, where: str) -> tuple[str, int, int]:
    if not (isinstance(entry, (list, tuple)) and len(entry) >= 3 and isinstance(entry[0], str)):
        raise MalformedModelError(f"{where}: {entry!r} is not a [layer, node, tensor] reference")
    return entry[0], int(entry[1]), int(entry[2])


def keras_tensors(value, where: str) -> list[tuple[str, int, int]]:
    """The `__keras_tensor__` references inside a Keras 3 call's args, in order."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [tensor_ref(value.get("config", {}).get("keras_history"), where)]
        return [ref for v in value.values() for ref in keras_tensors(v, where)]
    if isinstance(value, (list, tuple)):
        return [ref for v in value for ref in keras_tensors(v, where)]
    return []


INPUT_KWARGS = ("value", "key")  # keyword arguments that are layer inputs (MultiHeadAttention's), in order


def parse_calls(nodes, where: str) -> tuple[list[list[tuple[str, int, int]]], set[str]]:
    """Inbound nodes in either form: Keras 3 {args, kwargs}, or Keras 2 / TF.js [[layer, node, tensor, kwargs]...];
    also the names of other keyword arguments that were given tensors."""
    calls, tensor_kwargs = [], set()
    for node in nodes or []:
        if isinstance(node, dict):
            kwargs = node.get("kwargs") or {}
            inputs = keras_tensors(node.get("args", []), where)
            inputs += [ref for key in INPUT_KWARGS for ref in keras_tensors(kwargs.get(key), where)]
            tensor_kwargs |= {key for key, value in kwargs.items()
                              if key not in INPUT_KWARGS and keras_tensors(value, where)}
            calls.append(inputs)
        elif isinstance(node, list):
            calls.append([tensor_ref(entry, where) for entry in node])
        else:
            raise MalformedModelError(f"{where}: inbound node {node!r} is neither a list nor a dict")
    return calls, tensor_kwargs


def endpoint_list(value, where: str) -> list[tuple[str, int, int]]:
    if isinstance(value, list) and value and isinstance(value[0], str):
        value = [value]  # Keras 3 writes a single input or output unnested
    return [tensor_ref(v, where) for v in value or []]


def input_shape_of(config: dict) -> list | None:
    for key in ("batch_shape", "batch_input_shape"):
        if config.get(key) is not None:
            return list(config[key])
    build = config.get("build_config") or {}
    return list(build["input_shape"]) if build.get("input_shape") is not None else None


def parse_model_config(document: dict, where: str) -> tuple[str, list[KerasLayer], list, list]:
    """A Functional or Sequential model config as (name, layers, inputs, outputs)."""
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise MalformedModelError(f"{where}: the model config is not a {{class_name, config}} object")
    class_name, config = document.get("class_name"), document["config"]
    layer_entries = config.get("layers")
    if not isinstance(layer_entries, list):
        raise MalformedModelError(f"{where}: the model config lists no layers")
    name = config.get("name", "model")
    layers = []
    for entry in layer_entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
            raise MalformedModelError(f"{where}: layer entry {str(entry)[:80]!r} has no config")
        layer_config = entry["config"]
        layer_name = entry.get("name") or layer_config.get("name")
        if not isinstance(layer_name, str):
            raise MalformedModelError(f"{where}: a {entry.get('class_name')} layer has no name")
        calls, tensor_kwargs = parse_calls(entry.get("inbound_nodes"), f"{where}: layer {layer_name!r}")
        layers.append(KerasLayer(str(entry.get("class_name")), layer_name, layer_config, calls, tensor_kwargs))
    if class_name in ("Functional", "Model"):
        return name, layers, endpoint_list(config.get("input_layers"), where), \
            endpoint_list(config.get("output_layers"), where)
    if class_name == "Sequential":
        return (name, *sequential_chain(layers, where))
    raise ConversionError(f"{where}: models of class {class_name!r} are not supported (Functional or Sequential)")


def sequential_chain(layers: list[KerasLayer], where: str):
    """A Sequential model as a Functional chain, with an InputLayer in front if it has none."""
    if not layers:
        raise MalformedModelError(f"{where}: the Sequential model has no layers")
    if layers[0].class_name != "InputLayer":
        shape = input_shape_of(layers[0].config)
        if shape is None:
            raise ConversionError(f"{where}: the Sequential model was never built (no input shape)")
        layers.insert(0, KerasLayer("InputLayer", "input", {"name": "input", "batch_shape": shape,
                                                             "dtype": "float32"}, []))
    for previous, layer in zip(layers, layers[1:]):
        layer.calls = [[(previous.name, 0, 0)]]
    return layers, [(layers[0].name, 0, 0)], [(layers[-1].name, 0, 0)]


# ------------------------------------------------------------------------ weights

def weight_names(layer: KerasLayer) -> list[str]:
    """TF.js's names for a layer's weights, in Keras's order."""
    config = layer.config
    bias = ["bias"] if config.get("use_bias", True) else []
    names = WEIGHT_NAMES.get(layer.class_name)
    if names is None:
        return []
    return names(config, bias) if callable(names) else names + bias


def attention_weights(config, bias):
    return [f"{part}/{weight}" for part in ("query", "key", "value", "attention_output")
            for weight in ["kernel"] + bias]


def norm_weights(config, _bias):
    return (["gamma"] if config.get("scale", True) else []) + (["beta"] if config.get("center", True) else [])


WEIGHT_NAMES: dict[str, list[str] | Callable] = {
    "Dense": ["kernel"], "Conv1D": ["kernel"], "Conv2D": ["kernel"], "Conv3D": ["kernel"],
    "Conv2DTranspose": ["kernel"], "DepthwiseConv2D": ["depthwise_kernel"],
    "SeparableConv2D": ["depthwise_kernel", "pointwise_kernel"],
    "BatchNormalization": lambda c, b: norm_weights(c, b) + ["moving_mean", "moving_variance"],
    "LayerNormalization": norm_weights,
    "Embedding": lambda c, b: ["embeddings"],
    "PReLU": lambda c, b: ["alpha"],
    "MultiHeadAttention": attention_weights,
}
# composite layers keep their weights in sublayers: in a `.keras` file, the sublayers' object paths in order
SUBLAYER_PATHS = {"MultiHeadAttention": ("query_dense", "key_dense", "value_dense", "output_dense")}
NON_TRAINABLE_WEIGHTS = ("moving_mean", "moving_variance")


def name_weights(layer: KerasLayer, arrays: list[np.ndarray], where: str) -> dict[str, np.ndarray]:
    names = weight_names(layer)
    if len(arrays) != len(names):
        if layer.class_name not in WEIGHT_NAMES and arrays:
            raise UnsupportedOpsError([(layer.name, layer.class_name, f"layer with {len(arrays)} weight(s) is not "
                                        f"supported")])
        raise MalformedModelError(f"{where}: layer {layer.name!r} ({layer.class_name}) has {len(arrays)} weights, "
                                  f"expected {len(names)} ({', '.join(names) or 'none'})")
    return dict(zip(names, arrays))


def h5_array(dataset, where: str) -> np.ndarray:
    if not isinstance(dataset, h5py.Dataset):
        raise MalformedModelError(f"{where}: {dataset.name} is not a dataset")
    if math.prod(dataset.shape) > ops.MAX_ELEMENTS:
        raise MalformedModelError(f"{where}: {dataset.name} has {math.prod(dataset.shape)} elements, past the limit")
    array = np.asarray(dataset[()])
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise ConversionError(f"{where}: weight {dataset.name} has dtype {array.dtype}")
    return array


def open_h5(path: Path, where: str):
    try:
        return h5py.File(path, "r")
    except (OSError, ValueError) as e:
        raise MalformedModelError(f"{where}: not a readable HDF5 file ({e})") from None


def numbered_arrays(group, where: str) -> list[np.ndarray]:
    """The datasets `0`, `1`, ... of a `vars` group, in order."""
    keys = sorted(group.keys(), key=lambda k: int(k) if k.isdigit() else -1)
    if any(not k.isdigit() for k in keys):
        raise MalformedModelError(f"{where}: {group.name} holds non-numbered entries {keys}")
    return [h5_array(group[k], where) for k in keys]


def keras3_weights(path: Path, layers: list[KerasLayer], where: str) -> dict[str, dict[str, np.ndarray]]:
    """Weights of a Keras 3 `model.weights.h5`: each `layers/<object path>` group has a `vars` group carrying
    the layer's name in its `name` attribute (a composite layer's weights are in its sublayers' groups)."""
    by_name = {layer.name: layer for layer in layers}
    found: dict[str, list[np.ndarray]] = {}
    with open_h5(path, where) as f:
        if "layers" not in f:
            raise MalformedModelError(f"{where}: model.weights.h5 has no 'layers' group")
        try:
            for group in f["layers"].values():
                own = group.get("vars") if isinstance(group, h5py.Group) else None
                if own is None or "name" not in own.attrs:
                    continue
                name = own.attrs["name"]
                name = name.decode() if isinstance(name, bytes) else str(name)
                arrays = numbered_arrays(own, where)
                for part in SUBLAYER_PATHS.get(by_name[name].class_name, ()) if name in by_name else ():
                    if f"{part}/vars" not in group:
                        raise MalformedModelError(f"{where}: layer {name!r} lacks its {part!r} weights")
                    arrays += numbered_arrays(group[f"{part}/vars"], where)
                found[name] = arrays
        except (OSError, RuntimeError, KeyError, ValueError, TypeError, UnicodeError) as e:
            raise MalformedModelError(f"{where}: model.weights.h5 is corrupt ({type(e).__name__}: {e})") from None
    return {layer.name: name_weights(layer, found.get(layer.name, []), where) for layer in layers}


def legacy_h5_weights(f, layers: list[KerasLayer], where: str) -> dict[str, dict[str, np.ndarray]]:
    """Weights of a legacy `.h5`: `model_weights/<layer>` groups listing theirs in `weight_names`."""
    root = f["model_weights"] if "model_weights" in f else f
    result = {}
    for layer in layers:
        arrays = []
        if layer.name in root:
            group = root[layer.name]
            for name in group.attrs.get("weight_names", []):
                name = name.decode() if isinstance(name, bytes) else str(name)
                if name not in group:
                    raise MalformedModelError(f"{where}: weight {name!r} of layer {layer.name!r} is missing")
                arrays.append(h5_array(group[name], where))
        result[layer.name] = name_weights(layer, arrays, where)
    return result


def read_keras_archive(path: Path, scratch: Path) -> KerasModel:
    """A `.keras` archive; its weights file is copied into the folder `scratch`, which the caller removes."""
    with SafeZip(path) as archive:
        for member in ("config.json", "model.weights.h5"):
            if not archive.has(member):
                raise MalformedModelError(f"{path}: not a Keras 3 archive (no {member})")
        config = parse_json(archive.read("config.json", MAX_CONFIG_BYTES), f"{path}: config.json")
        metadata = {}
        if archive.has("metadata.json"):
            metadata = parse_json(archive.read("metadata.json", MAX_CONFIG_BYTES), f"{path}: metadata.json")
        name, layers, inputs, outputs = parse_model_config(config, str(path))
        weights_file = scratch / "model.weights.h5"
        archive.extract_to("model.weights.h5", weights_file)
        weights = keras3_weights(weights_file, layers, f"{path}: model.weights.h5")
    return KerasModel(name, layers, inputs, outputs, weights, str(metadata.get("keras_version", "3")), "tensorflow")


def read_legacy_h5(path: Path) -> KerasModel:
    with open_h5(path, str(path)) as f:
        try:
            raw = f.attrs.get("model_config")
            if raw is None:
                raise ConversionError(f"{path}: holds weights only (no model_config); save the whole model")
            # h5py hands back undecodable bytes as surrogates; they make parse_json report bad UTF-8
            text = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)
            config = parse_json(text, f"{path}: model_config")
            name, layers, inputs, outputs = parse_model_config(config, str(path))
            weights = legacy_h5_weights(f, layers, str(path))
            version = f.attrs.get("keras_version", "")
            backend = f.attrs.get("backend", "")
        except (OSError, RuntimeError, KeyError, ValueError, TypeError, UnicodeError) as e:
            raise MalformedModelError(f"{path}: corrupt HDF5 contents ({type(e).__name__}: {e})") from None
    as_text = lambda v: v.decode() if isinstance(v, bytes) else str(v)  # noqa: E731
    return KerasModel(name, layers, inputs, outputs, weights, as_text(version), as_text(backend))


def _report(sender, function, args):
    """The child side of `isolated`: sends back ("ok", result) or what went wrong."""
    try:
        sender.send(("ok", function(*args)))
    except UnsupportedOpsError as e:
        sender.send(("unsupported", e.problems))
    except MalformedModelError as e:
        sender.send(("malformed", str(e)))
    except ConversionError as e:
        sender.send(("conversion", str(e)))
    except Exception as e:  # noqa: BLE001 - anything else is reported by the parent as an internal error
        sender.send(("crash", f"{type(e).__name__}: {e}"))


def isolated(function, *args, what: str, timeout: float):
    """Runs function(*args) in a child process and returns its result.

    libhdf5 can loop forever on some corrupt files, inside C code no signal
    interrupts; in a child process such a read ends in an error after `timeout`.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_report, args=(sender, function, args), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise MalformedModelError(f"{what}: the HDF5 library did not finish reading it in {timeout:.0f} s "
                                      f"(corrupt files can make it loop)")
        kind, payload = receiver.recv()
    except EOFError:
        raise MalformedModelError(f"{what}: the HDF5 reader crashed (corrupt file?)") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind == "ok":
        return payload
    if kind == "unsupported":
        raise UnsupportedOpsError(payload)
    if kind == "malformed":
        raise MalformedModelError(payload)
    if kind == "conversion":
        raise ConversionError(payload)
    raise RuntimeError(payload)


def read_timeout(path: Path) -> float:
    """Generous: 2 minutes plus 10 s per 100 MB, far beyond what a sound file needs."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise MalformedModelError(f"{path}: cannot read ({e.strerror})") from None
    return 120 + size / 10e6


def parse_json(data: bytes, where: str):
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise MalformedModelError(f"{where}: not valid JSON ({e})") from None


# ------------------------------------------------------------------------ lowering to the op graph

RUNTIME_DTYPES = {"float16": "float32", "float32": "float32", "float64": "float32", "bfloat16": "float32",
                  "int8": "int32", "int16": "int32", "int32": "int32", "int64": "int32", "uint8": "int32",
                  "uint16": "int32", "uint32": "int32", "bool": "bool"}


def dtype_name(value) -> str:
    """A config dtype: a plain name, or a Keras 3 DTypePolicy ({"config": {"name": ...}})."""
    if isinstance(value, dict):
        value = value.get("config", {}).get("name", "float32")
    return value if isinstance(value, str) else "float32"


class LayerLowering:
    """What a layer's lowering works with: the graph, the model's weights and the layer being lowered."""

    def __init__(self, graph: Graph, model: KerasModel):
        self.graph, self.model = graph, model
        self.layer: KerasLayer | None = None
        self.constants: dict[str, str] = {}

    @property
    def config(self) -> dict:
        return self.layer.config

    def weight(self, name: str) -> str:
        key = f"{self.layer.name}/{name}"
        if key not in self.constants:
            array = self.model.weights.get(self.layer.name, {}).get(name)
            if array is None:
                raise MalformedModelError(f"layer {self.layer.name!r}: weight {name!r} is missing")
            self.constants[key] = self.graph.add_constant(array.astype(np.float32, copy=False), key,
                                                          is_trainable(self.layer, name, array))
        return self.constants[key]

    def has_weight(self, name: str) -> bool:
        return name in self.model.weights.get(self.layer.name, {})

    def emit(self, op: str, *inputs: str, **attrs) -> str:
        return self.graph.emit(op, *inputs, name=f"{self.layer.name}/{op}", **attrs)

    def constant(self, array, hint: str) -> str:
        return self.graph.add_constant(np.asarray(array), f"{self.layer.name}/{hint}")

    def shape(self, x: str) -> tuple[int, ...]:
        return self.graph.info[x].shape

    def activation(self, x: str, name=None) -> str:
        name = name if name is not None else self.config.get("activation", "linear")
        if isinstance(name, dict):
            name = name.get("config", {}).get("name", name.get("class_name"))
        lower = ACTIVATIONS.get(str(name).lower())
        if lower is None:
            raise Unsupported(f"activation {name!r}")
        return lower(self, x)

    def channels_last(self):
        if self.config.get("data_format", "channels_last") not in ("channels_last", None):
            raise Unsupported(f"data_format {self.config['data_format']!r} (only channels_last)")

    def pair(self, key: str, default) -> list[int]:
        value = self.config.get(key, default)
        value = default if value is None else value
        return [int(value)] * 2 if isinstance(value, int) else [int(v) for v in value]


Activation = Callable[[LayerLowering, str], str]
ACTIVATIONS: dict[str, Activation] = {
    "linear": lambda c, x: x,
    "relu": lambda c, x: c.emit("relu", x),
    "relu6": lambda c, x: c.emit("relu6", x),
    "elu": lambda c, x: c.emit("elu", x),
    "selu": lambda c, x: c.emit("selu", x),
    "sigmoid": lambda c, x: c.emit("sigmoid", x),
    "tanh": lambda c, x: c.emit("tanh", x),
    "softplus": lambda c, x: c.emit("softplus", x),
    "softsign": lambda c, x: c.emit("softsign", x),
    "exponential": lambda c, x: c.emit("exp", x),
    "gelu": lambda c, x: c.emit("gelu", x, approximate=False),
    "swish": lambda c, x: c.emit("mul", x, c.emit("sigmoid", x)),
    "silu": lambda c, x: c.emit("mul", x, c.emit("sigmoid", x)),
    "hard_sigmoid": lambda c, x: c.emit("hardSigmoid", x),
    "hard_swish": lambda c, x: c.emit("hardSwish", x),
    "hard_silu": lambda c, x: c.emit("hardSwish", x),
    "leaky_relu": lambda c, x: c.emit("leakyRelu", x, alpha=0.2),
    "softmax": lambda c, x: c.emit("softmax", x, dim=-1),
    "log_softmax": lambda c, x: c.emit("logSoftmax", x, axis=-1),
    "mish": lambda c, x: c.emit("mul", x, c.emit("tanh", c.emit("softplus", x))),
}

LayerLower = Callable[[LayerLowering, list[str]], list[str]]
LAYERS: dict[str, LayerLower] = {}


def lowers(*class_names: str):
    def register(fn: LayerLower) -> LayerLower:
        for name in class_names:
            LAYERS[name] = fn
        return fn
    return register


def single(inputs: list[str], what: str) -> str:
    if len(inputs) != 1:
        raise Unsupported(f"{what} takes one input, got {len(inputs)}")
    return inputs[0]


def with_bias(c: LayerLowering, y: str) -> str:
    return c.emit("add", y, c.weight("bias")) if c.config.get("use_bias", True) else y


def window_pad(c: LayerLowering) -> str:
    padding = str(c.config.get("padding", "valid")).lower()
    if padding not in ("same", "valid"):
        raise Unsupported(f"padding {padding!r}")
    return padding


@lowers("Dense")
def lower_dense(c, inputs):
    y = c.emit("matMul", single(inputs, "Dense"), c.weight("kernel"))
    return [c.activation(with_bias(c, y))]


@lowers("Conv2D")
def lower_conv2d(c, inputs):
    c.channels_last()
    if int(c.config.get("groups", 1)) != 1:
        raise Unsupported("grouped convolution")
    y = c.emit("conv2d", single(inputs, "Conv2D"), c.weight("kernel"), strides=c.pair("strides", 1),
               pad=window_pad(c), dilations=c.pair("dilation_rate", 1))
    return [c.activation(with_bias(c, y))]


@lowers("Conv1D")
def lower_conv1d(c, inputs):
    """As a 2-D convolution over [batch, 1, steps, channels]; causal padding pads the start only."""
    c.channels_last()
    if int(c.config.get("groups", 1)) != 1:
        raise Unsupported("grouped convolution")
    x = c.emit("expandDims", single(inputs, "Conv1D"), axis=1)
    kernel = c.emit("expandDims", c.weight("kernel"), axis=0)
    (size,), (stride,), (dilation,) = (c.config[k] if isinstance(c.config[k], list) else [c.config[k]]
                                       for k in ("kernel_size", "strides", "dilation_rate"))
    padding = str(c.config.get("padding", "valid")).lower()
    if padding == "causal":
        x = c.emit("pad", x, paddings=[[0, 0], [0, 0], [(size - 1) * dilation, 0], [0, 0]])
        padding = "valid"
    elif padding not in ("same", "valid"):
        raise Unsupported(f"padding {padding!r}")
    y = c.emit("conv2d", x, kernel, strides=[1, int(stride)], pad=padding, dilations=[1, int(dilation)])
    return [c.activation(with_bias(c, c.emit("squeeze", y, axis=[1])))]


@lowers("MaxPooling1D", "AveragePooling1D")
def lower_pool1d(c, inputs):
    c.channels_last()
    size = c.config.get("pool_size", 2)
    size = int(size[0] if isinstance(size, list) else size)
    strides = c.config.get("strides") or size
    strides = int(strides[0] if isinstance(strides, list) else strides)
    op = "maxPool" if c.layer.class_name == "MaxPooling1D" else "avgPool"
    x = c.emit("expandDims", single(inputs, c.layer.class_name), axis=1)
    y = c.emit(op, x, filterSize=[1, size], strides=[1, strides], pad=window_pad(c))
    return [c.emit("squeeze", y, axis=[1])]


@lowers("DepthwiseConv2D")
def lower_depthwise(c, inputs):
    c.channels_last()
    y = c.emit("depthwiseConv2d", single(inputs, "DepthwiseConv2D"), c.weight("depthwise_kernel"),
               strides=c.pair("strides", 1), pad=window_pad(c), dilations=c.pair("dilation_rate", 1))
    return [c.activation(with_bias(c, y))]


@lowers("SeparableConv2D")
def lower_separable(c, inputs):
    c.channels_last()
    y = c.emit("depthwiseConv2d", single(inputs, "SeparableConv2D"), c.weight("depthwise_kernel"),
               strides=c.pair("strides", 1), pad=window_pad(c), dilations=c.pair("dilation_rate", 1))
    y = c.emit("conv2d", y, c.weight("pointwise_kernel"))
    return [c.activation(with_bias(c, y))]


@lowers("Conv2DTranspose")
def lower_conv_transpose(c, inputs):
    c.channels_last()
    x = single(inputs, "Conv2DTranspose")
    if c.config.get("output_padding") is not None or c.pair("dilation_rate", 1) != [1, 1]:
        raise Unsupported("output_padding or dilation")
    kernel = c.weight("kernel")
    (kh, kw, filters, _), (_, h, w, _) = c.shape(kernel), c.shape(x)
    strides, pad = c.pair("strides", 1), window_pad(c)
    if h < 0 or w < 0:
        raise Unsupported("transposed convolution over free spatial dimensions")
    size = [n * s if pad == "same" else (n - 1) * s + k for n, s, k in zip((h, w), strides, (kh, kw))]
    y = c.emit("conv2dTranspose", x, kernel, outputShape=[*size, filters], strides=strides, pad=pad)
    return [c.activation(with_bias(c, y))]


def last_axis(c: LayerLowering, x: str, axis) -> list[int]:
    rank = len(c.shape(x))
    axes = axis if isinstance(axis, list) else [axis]
    return sorted(ops.normalize_axis(int(a), rank) for a in axes)


@lowers("BatchNormalization")
def lower_batch_norm(c, inputs):
    x = single(inputs, "BatchNormalization")
    if last_axis(c, x, c.config.get("axis", -1)) != [len(c.shape(x)) - 1]:
        raise Unsupported(f"batch normalisation over axis {c.config.get('axis')} (only the last)")
    mean, variance = c.weight("moving_mean"), c.weight("moving_variance")
    channels = c.shape(mean)
    offset = c.weight("beta") if c.has_weight("beta") else c.constant(np.zeros(channels, np.float32), "beta")
    scale = c.weight("gamma") if c.has_weight("gamma") else c.constant(np.ones(channels, np.float32), "gamma")
    return [c.emit("batchNorm", x, mean, variance, offset, scale,
                   varianceEpsilon=float(c.config.get("epsilon", 1e-3)))]


@lowers("LayerNormalization")
def lower_layer_norm(c, inputs):
    x = single(inputs, "LayerNormalization")
    if c.config.get("rms_scaling"):
        raise Unsupported("rms_scaling")
    axes = last_axis(c, x, c.config.get("axis", -1))
    params_shape = [c.shape(x)[a] for a in axes]
    gamma = c.weight("gamma") if c.has_weight("gamma") else c.constant(np.ones(params_shape, np.float32), "gamma")
    args = [x, gamma] + ([c.weight("beta")] if c.has_weight("beta") else [])
    return c.graph.add_node("layerNorm", args, {"axis": axes, "epsilon": float(c.config.get("epsilon", 1e-3))},
                            f"{c.layer.name}/layerNorm")


@lowers("Activation")
def lower_activation(c, inputs):
    return [c.activation(single(inputs, "Activation"))]


@lowers("ReLU")
def lower_relu(c, inputs):
    x = single(inputs, "ReLU")
    max_value = c.config.get("max_value")
    slope = float(c.config.get("negative_slope", 0.0) or 0.0)
    if float(c.config.get("threshold", 0.0) or 0.0) != 0.0:
        raise Unsupported("ReLU with a threshold")
    y = c.emit("leakyRelu", x, alpha=slope) if slope else c.emit("relu", x)
    if max_value is None:
        return [y]
    if float(max_value) == 6.0 and not slope:
        return [c.emit("relu6", x)]
    return [c.emit("minimum", y, c.constant(np.float32(max_value), "max_value"))]


@lowers("LeakyReLU")
def lower_leaky_relu(c, inputs):
    alpha = c.config.get("negative_slope", c.config.get("alpha", 0.3))
    return [c.emit("leakyRelu", single(inputs, "LeakyReLU"), alpha=float(alpha))]


@lowers("ELU")
def lower_elu(c, inputs):
    x = single(inputs, "ELU")
    alpha = float(c.config.get("alpha", 1.0))
    if alpha == 1.0:
        return [c.emit("elu", x)]
    positive = c.emit("relu", x)
    negative = c.emit("sub", c.emit("elu", x), positive)
    return [c.emit("add", positive, c.emit("mul", negative, c.constant(np.float32(alpha), "alpha")))]


@lowers("PReLU")
def lower_prelu(c, inputs):
    return [c.emit("prelu", single(inputs, "PReLU"), c.weight("alpha"))]


@lowers("Softmax")
def lower_softmax(c, inputs):
    axis = c.config.get("axis", -1)
    return [c.emit("softmax", single(inputs, "Softmax"), dim=int(axis[0] if isinstance(axis, list) else axis))]


MERGES = {"Add": "add", "Subtract": "sub", "Multiply": "mul", "Maximum": "maximum", "Minimum": "minimum",
          "Average": "add"}


def merge(op: str, average: bool) -> LayerLower:
    def lower(c: LayerLowering, inputs: list[str]) -> list[str]:
        if len(inputs) < 2:
            raise Unsupported(f"merge of {len(inputs)} input(s)")
        total = inputs[0]
        for other in inputs[1:]:
            total = c.emit(op, total, other)
        if average:
            total = c.emit("div", total, c.constant(np.float32(len(inputs)), "count"))
        return [total]
    return lower


LAYERS.update({name: merge(op, name == "Average") for name, op in MERGES.items()})


@lowers("Concatenate")
def lower_concatenate(c, inputs):
    return [c.emit("concat", *inputs, axis=int(c.config.get("axis", -1)))]


@lowers("MaxPooling2D", "AveragePooling2D")
def lower_pool(c, inputs):
    c.channels_last()
    size = c.pair("pool_size", 2)
    strides = c.pair("strides", size) if c.config.get("strides") is not None else size
    op = "maxPool" if c.layer.class_name == "MaxPooling2D" else "avgPool"
    return [c.emit(op, single(inputs, c.layer.class_name), filterSize=size, strides=strides, pad=window_pad(c))]


@lowers("GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalMaxPooling1D")
def lower_global_pool(c, inputs):
    c.channels_last()
    op = "mean" if "Average" in c.layer.class_name else "max"
    axes = [1, 2] if c.layer.class_name.endswith("2D") else [1]
    return [c.emit(op, single(inputs, c.layer.class_name), axis=axes, keepDims=bool(c.config.get("keepdims", False)))]


@lowers("Flatten")
def lower_flatten(c, inputs):
    x = single(inputs, "Flatten")
    rest = c.shape(x)[1:]
    if any(d < 0 for d in rest):
        raise Unsupported("Flatten of free non-batch dimensions")
    return [c.emit("reshape", x, shape=[-1, math.prod(rest)])]


@lowers("Reshape")
def lower_reshape(c, inputs):
    return [c.emit("reshape", single(inputs, "Reshape"), shape=[-1, *(int(d) for d in c.config["target_shape"])])]


@lowers("Permute")
def lower_permute(c, inputs):
    return [c.emit("transpose", single(inputs, "Permute"), perm=[0, *(int(d) for d in c.config["dims"])])]


@lowers("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
        "ActivityRegularization")
def lower_inference_identity(c, inputs):
    return [single(inputs, c.layer.class_name)]  # only active while training


@lowers("MultiHeadAttention")
def lower_attention(c, inputs):
    """Keras's einsum formulation: per-head projections, scaled dot products over the key axis."""
    if len(inputs) not in (2, 3):
        raise Unsupported(f"takes query, value and optionally key; got {len(inputs)} inputs")
    unsupported = {k: c.config.get(k) for k in ("use_gate", "sliding_window", "output_shape") if c.config.get(k)}
    if unsupported or c.config.get("attention_axes") not in (None, [1], 1, -2):
        raise Unsupported(f"options {unsupported or {'attention_axes': c.config.get('attention_axes')}}")
    query, value = inputs[:2]
    key = inputs[2] if len(inputs) == 3 else value
    if any(len(c.shape(t)) != 3 for t in (query, value, key)):
        raise Unsupported("inputs other than [batch, steps, features]")
    bias = c.config.get("use_bias", True)

    def project(x: str, part: str, equation: str) -> str:
        y = c.emit("einsum", x, c.weight(f"{part}/kernel"), equation=equation)
        return c.emit("add", y, c.weight(f"{part}/bias")) if bias else y

    scale = c.constant(np.float32(1 / math.sqrt(int(c.config["key_dim"]))), "scale")
    q = c.emit("mul", project(query, "query", "bsd,dhk->bshk"), scale)
    k = project(key, "key", "btd,dhk->bthk")
    v = project(value, "value", "btd,dhv->bthv")
    weights = c.emit("softmax", c.emit("einsum", q, k, equation="bshk,bthk->bhst"), dim=-1)
    attended = c.emit("einsum", weights, v, equation="bhst,bthv->bshv")
    return [project(attended, "attention_output", "bshv,hvo->bso")]


@lowers("Embedding")
def lower_embedding(c, inputs):
    indices = single(inputs, "Embedding")
    if c.graph.info[indices].dtype != "int32":
        indices = c.emit("cast", indices, dtype="int32")
    return [c.emit("gather", c.weight("embeddings"), indices, axis=0)]


@lowers("ZeroPadding2D")
def lower_zero_padding(c, inputs):
    c.channels_last()
    padding = c.config.get("padding", 1)
    if isinstance(padding, int):
        pairs = [[padding, padding]] * 2
    elif all(isinstance(p, int) for p in padding):
        pairs = [[int(p), int(p)] for p in padding]
    else:
        pairs = [[int(a), int(b)] for a, b in padding]
    return [c.emit("pad", single(inputs, "ZeroPadding2D"), paddings=[[0, 0], *pairs, [0, 0]])]


@lowers("UpSampling2D")
def lower_upsampling(c, inputs):
    c.channels_last()
    x = single(inputs, "UpSampling2D")
    _, h, w, _ = c.shape(x)
    if h < 0 or w < 0:
        raise Unsupported("UpSampling2D over free spatial dimensions")
    size = [n * factor for n, factor in zip((h, w), c.pair("size", 2))]
    op = {"nearest": "resizeNearestNeighbor", "bilinear": "resizeBilinear"}.get(c.config.get("interpolation",
                                                                                               "nearest"))
    if op is None:
        raise Unsupported(f"interpolation {c.config.get('interpolation')!r}")
    return [c.emit(op, x, size=size, halfPixelCenters=op == "resizeBilinear")]


@lowers("Rescaling")
def lower_rescaling(c, inputs):
    x = c.emit("mul", single(inputs, "Rescaling"), c.constant(np.float32(c.config.get("scale", 1.0)), "scale"))
    return [c.emit("add", x, c.constant(np.float32(c.config.get("offset", 0.0)), "offset"))]


def to_graph(model: KerasModel, input_shapes: dict | None, where: str) -> Graph:
    """The op graph of a Keras model; inputs and outputs are named after their layers."""
    graph = Graph()
    input_shapes = dict(input_shapes or {})
    values: dict[tuple[str, int, int], str] = {}
    for ref in model.inputs:
        layer = model.layer(ref[0])
        if layer is None:
            raise MalformedModelError(f"{where}: model input {ref[0]!r} names no layer")
        shape = input_shape_of(layer.config)
        if shape is None:
            raise ConversionError(f"{where}: input layer {layer.name!r} has no shape")
        shape = [-1 if d is None else int(d) for d in shape]
        if layer.name in input_shapes:
            override = input_shapes.pop(layer.name)
            if len(override) != len(shape) or any(d >= 0 and o != d for d, o in zip(shape, override)):
                raise ConversionError(f"--input-shape {layer.name}:{override} does not match the model's {shape}")
            shape = override
        dtype = RUNTIME_DTYPES.get(dtype_name(layer.config.get("dtype", "float32")))
        if dtype is None:
            raise ConversionError(f"{where}: input {layer.name!r} has unsupported dtype {layer.config.get('dtype')!r}")
        values[ref] = graph.add_input(layer.name, shape, dtype)
    if input_shapes:
        raise ConversionError(f"--input-shape names no model input: {sorted(input_shapes)}")
    output_names = [name if t == 0 else f"{name}:{t}" for name, _, t in model.outputs]
    graph.reserve(output_names)
    ctx = LayerLowering(graph, model)
    problems: list[tuple[str, str, str]] = []
    failed: set[str] = set()  # layers that could not be lowered, and those reading them
    pending = [(layer, index, call) for layer in model.layers for index, call in enumerate(layer.calls)]
    while pending:
        waiting = []
        for layer, index, call in pending:
            if not all(ref in values or ref[0] in failed for ref in call):
                waiting.append((layer, index, call))
                continue
            if any(ref[0] in failed for ref in call):
                problems.append((layer.name, layer.class_name, "reads an unsupported layer"))
                failed.add(layer.name)
                continue
            lower = LAYERS.get(layer.class_name)
            try:
                if lower is None:
                    raise Unsupported("no lowering for this layer class")
                if layer.tensor_kwargs:
                    raise Unsupported(f"called with tensor argument(s) {sorted(layer.tensor_kwargs)}")
                ctx.layer = layer
                outputs = lower(ctx, [values[ref] for ref in call])
            except Unsupported as e:
                problems.append((layer.name, layer.class_name, str(e)))
                failed.add(layer.name)
                continue
            except ConversionError as e:
                raise type(e)(f"{where}: layer {layer.name!r} ({layer.class_name}): {e}") from None
            except (KeyError, TypeError, ValueError, IndexError) as e:
                raise MalformedModelError(f"{where}: layer {layer.name!r} ({layer.class_name}): malformed config "
                                          f"({type(e).__name__}: {e})") from None
            for tensor_index, out in enumerate(outputs):
                values[(layer.name, index, tensor_index)] = out
        if len(waiting) == len(pending):
            names = ", ".join(layer.name for layer, _, _ in waiting[:5])
            raise MalformedModelError(f"{where}: layer(s) {names} read tensors no layer produces (or form a cycle)")
        pending = waiting
    if problems:
        raise UnsupportedOpsError(problems)
    producers = graph.producers()
    for ref, name in zip(model.outputs, output_names):
        if ref not in values:
            raise MalformedModelError(f"{where}: output {ref} is produced by no layer")
        value = values[ref]
        if value in producers and value not in graph.outputs and value not in graph.inputs:
            graph._rename(value, name)
            producers = graph.producers()
        else:
            graph.add_node("clone", [value], {}, name, outputs=[name])
        graph.outputs.append(name)
    return graph


# ------------------------------------------------------------------------ the layers format

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


def is_trainable(layer: KerasLayer, name: str, array: np.ndarray) -> bool:
    """Whether an optimizer may update a layer's weight: a float one, not a batch-norm moving statistic,
    of a layer not saved with `trainable: false`.  Both output formats list these as trainable."""
    return (layer.config.get("trainable", True) is not False and name not in NON_TRAINABLE_WEIGHTS
            and array.dtype.kind == "f")


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
    with tempfile.TemporaryDirectory(prefix="tensorweb-keras-") as scratch:
        if path.suffix.lower() == ".keras":
            model = isolated(read_keras_archive, path, Path(scratch), what=str(path), timeout=read_timeout(path))
        else:
            model = isolated(read_legacy_h5, path, what=str(path), timeout=read_timeout(path))
    return model_result(model, input_shapes, output_format, str(path))

