"""TensorFlow.js reader: an existing TF.js `model.json` folder (graph model or layers model).

A **graph model**'s `modelTopology` is a TensorFlow GraphDef in protobuf's JSON
mapping whose Const nodes have their values moved into the weights manifest
(by node name).  It is parsed into the same GraphDef messages the TF reader
uses (DataType names such as "DT_FLOAT" turned into their numbers, since
tf_protos declares enums as int32), the weights are put back into the Const
nodes, and the TF reader lowers it; the inputs and outputs are the TF.js
`signature`'s when it has one, else the Placeholders and the sinks.

A **layers model**'s `modelTopology` is a Keras (2-style) model config; it
goes through readers/keras/, so by default it becomes a tensorweb-layers
model, or the op graph with `--output-format graph`.  Weights are found by
their `layer/weight` name, or else in the order the layer's entries appear.

Quantised weights (uint8 / uint16 affine with min and scale, float16) are
dequantised to float32 on reading; `--quantize` decides how they are written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from google.protobuf import json_format

from ..errors import ConversionError, MalformedModelError
from ..writer import MANIFEST_DTYPES, read_weights
from . import tf_protos
from .keras import model_result
from .keras.config import KerasModel, parse_model_config
from .keras.weights import name_weights, weight_names
from .loading import parse_json, read_bytes
from .tf import TfReader

MAX_MODEL_JSON_BYTES = 256 << 20
# TensorFlow's DataType names (types.proto) -> numbers
DATA_TYPES = {"DT_INVALID": 0, "DT_FLOAT": 1, "DT_DOUBLE": 2, "DT_INT32": 3, "DT_UINT8": 4, "DT_INT16": 5,
              "DT_INT8": 6, "DT_STRING": 7, "DT_COMPLEX64": 8, "DT_INT64": 9, "DT_BOOL": 10, "DT_QINT8": 11,
              "DT_QUINT8": 12, "DT_QINT32": 13, "DT_BFLOAT16": 14, "DT_QINT16": 15, "DT_QUINT16": 16,
              "DT_UINT16": 17, "DT_COMPLEX128": 18, "DT_HALF": 19, "DT_RESOURCE": 20, "DT_VARIANT": 21,
              "DT_UINT32": 22, "DT_UINT64": 23}
ENUM_KEYS = {"dtype", "type"}
# runtime weight dtype -> TensorProto dtype and numpy type, for putting values back into Const nodes
CONST_DTYPES = {"float32": (1, np.float32), "int32": (3, np.int32), "bool": (10, np.bool_)}


def model_json_path(source: Path) -> Path:
    return source / "model.json" if source.is_dir() else source


def is_tfjs(source: Path) -> bool:
    """A folder holding a TF.js model.json (a SavedModel folder holds saved_model.pb instead)."""
    path = model_json_path(Path(source))
    if not path.is_file() or path.name != "model.json":
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return b'"modelTopology"' in head or b'"weightsManifest"' in head


def enums_to_numbers(value, key: str = ""):
    """Replaces DataType names with their numbers throughout a GraphDef's JSON form."""
    if isinstance(value, dict):
        return {k: enums_to_numbers(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [enums_to_numbers(v, key) for v in value]
    if key in ENUM_KEYS and isinstance(value, str):
        if value not in DATA_TYPES:
            raise MalformedModelError(f"unknown TensorFlow dtype {value!r}")
        return DATA_TYPES[value]
    return value


def load_document(path: Path) -> dict:
    document = parse_json(read_bytes(path, MAX_MODEL_JSON_BYTES), str(path))
    if not isinstance(document, dict) or not isinstance(document.get("modelTopology"), dict):
        raise MalformedModelError(f"{path}: not a TensorFlow.js model.json (no modelTopology)")
    return document


def load_weights(path: Path, document: dict) -> dict[str, np.ndarray]:
    """Every weight of the manifest, dequantised to float32 where it was quantised."""
    manifest = document.get("weightsManifest") or []
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        if not isinstance(group, dict) or not isinstance(group.get("paths"), list) or \
                not isinstance(group.get("weights"), list):
            raise MalformedModelError(f"{path}: a weightsManifest group lacks paths or weights")
        for entry in group["weights"]:
            stored = (entry.get("quantization") or {}).get("dtype", entry.get("dtype"))
            if stored not in MANIFEST_DTYPES:
                raise ConversionError(f"{path}: weight {entry.get('name')!r} has dtype {stored!r}, which is not "
                                      f"supported")
        try:
            weights.update(read_weights(path.parent, group))
        except OSError as e:
            raise MalformedModelError(f"{path}: cannot read a weight shard ({e})") from None
        except (KeyError, TypeError, ValueError) as e:
            raise MalformedModelError(f"{path}: malformed weights manifest ({type(e).__name__}: {e})") from None
    return weights


def graph_model(path: Path, document: dict, input_shapes, progress, signature):
    topology = document["modelTopology"]
    try:
        graph_def = json_format.ParseDict(enums_to_numbers(topology), tf_protos.GraphDef(),
                                          ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError) as e:
        raise MalformedModelError(f"{path}: modelTopology is not a GraphDef ({e})") from None
    weights = load_weights(path, document)
    for node in graph_def.node:
        if node.op == "Const" and "value" not in node.attr:
            if node.name not in weights:
                raise MalformedModelError(f"{path}: constant {node.name!r} has no value in the weights manifest")
            array = weights.pop(node.name)
            dtype, np_type = CONST_DTYPES[str(array.dtype) if array.dtype != np.bool_ else "bool"]
            tensor = node.attr["value"].tensor
            tensor.dtype = dtype
            tensor.tensor_shape.dim.extend(tf_protos.TensorShapeProto.Dim(size=d) for d in array.shape)
            tensor.tensor_content = np.ascontiguousarray(array, np_type).astype(np.dtype(np_type).newbyteorder("<"),
                                                                                copy=False).tobytes()
    reader = TfReader(path, input_shapes, progress)
    if progress:
        progress.stage(f"reading {path.name}", 1)
    inputs, outputs = reader.frozen_endpoints(graph_def)
    if signature:
        raise ConversionError(f"{path}: --signature applies to SavedModel folders")
    declared = document.get("signature") or {}
    if isinstance(declared.get("outputs"), dict) and declared["outputs"]:
        outputs = [(key.partition(":")[0] if key.endswith(":0") else key, entry.get("name", key))
                   for key, entry in declared["outputs"].items()]
    if isinstance(declared.get("inputs"), dict) and declared["inputs"]:
        wanted = {entry.get("name", key).partition(":")[0] for key, entry in declared["inputs"].items()}
        inputs = [entry for entry in inputs if entry[0] in wanted]
    producer = f"TensorFlow.js graph model ({document.get('convertedBy') or document.get('generatedBy') or 'unknown'})"
    return reader.lower(graph_def, inputs, outputs, producer)


def layers_model(path: Path, document: dict, input_shapes, output_format):
    topology = document["modelTopology"]
    config = topology.get("model_config", topology)
    name, layers, inputs, outputs = parse_model_config(config, str(path))
    weights = load_weights(path, document)
    by_layer: dict[str, dict[str, np.ndarray]] = {}
    for layer in layers:
        names = weight_names(layer)
        prefix = f"{layer.name}/"
        if all(prefix + n in weights for n in names):
            arrays = [weights[prefix + n] for n in names]
        else:  # other naming (Keras 3's, suffixes): take the layer's entries in manifest order
            arrays = [array for key, array in weights.items() if key.startswith(prefix)]
        by_layer[layer.name] = name_weights(layer, arrays, str(path))
    model = KerasModel(name, layers, inputs, outputs, by_layer, str(topology.get("keras_version", "")),
                       str(topology.get("backend", "")))
    result = model_result(model, input_shapes, output_format, str(path))
    result.producer = f"TensorFlow.js layers model ({document.get('convertedBy') or 'unknown'})"
    return result


def read_tfjs(path, input_shapes=None, progress=None, signature=None, tags=None, output_format=None):
    path = model_json_path(Path(path))
    document = load_document(path)
    if tags:
        raise ConversionError(f"{path}: --tags applies to SavedModel folders")
    kind = document.get("format")
    topology = document["modelTopology"]
    if kind == "graph-model" or (kind is None and "node" in topology):
        if output_format not in (None, "graph"):
            raise ConversionError(f"{path}: a TF.js graph model has no layers; it can only become a graph model")
        return graph_model(path, document, input_shapes, progress, signature)
    if kind == "layers-model" or (kind is None and ("class_name" in topology or "model_config" in topology)):
        if signature:
            raise ConversionError(f"{path}: --signature applies to SavedModel folders")
        return layers_model(path, document, input_shapes, output_format)
    raise ConversionError(f"{path}: model.json format {kind!r} is neither a TF.js graph model nor a layers model")
