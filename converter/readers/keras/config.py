"""A Keras model config read into layers and their calls: Keras 2 or 3, Functional or Sequential.

Each layer keeps Keras's snake_case config; each of its calls (inbound nodes)
is the list of `(layer, node index, tensor index)` references it reads.  A
Sequential model becomes a Functional chain.  `KerasModel` adds the weights
(files.py, or readers/tfjs.py for a TF.js layers model).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import ConversionError, MalformedModelError


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


def dtype_name(value) -> str:
    """A config dtype: a plain name, or a Keras 3 DTypePolicy ({"config": {"name": ...}})."""
    if isinstance(value, dict):
        value = value.get("config", {}).get("name", "float32")
    return value if isinstance(value, str) else "float32"

