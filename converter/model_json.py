"""model.json, built in this one place for every reader (graph and layers models alike).

Its contract is the JSON Schema beside this file, model.schema.json, which the
runtime's loader reads too: the format's version is the schema's
``properties.formatVersion.const``. ARCHITECTURE.md describes the format.
"""

from __future__ import annotations

import json
from pathlib import Path

SCHEMA_FILE = Path(__file__).with_name("model.schema.json")
SCHEMA = json.loads(SCHEMA_FILE.read_text())
FORMAT_VERSION: int = SCHEMA["properties"]["formatVersion"]["const"]
FORMAT_MINOR_VERSION: int = SCHEMA["properties"]["formatMinorVersion"]["maximum"]  # 2: control-flow subgraphs
MINOR_VERSION_WITHOUT_SUBGRAPHS = 1  # what a model without them is written as, so runtimes of minor 1 read it
GRAPH_FORMAT = "tensorweb-graph"
LAYERS_FORMAT = "tensorweb-layers"
MODEL_FILE = "model.json"


def tensor_entries(graph, names: list[str]) -> list[dict]:
    """Graph tensors as {name, dtype, shape} (-1 for a free dimension)."""
    return [{"name": n, "dtype": graph.info[n].dtype, "shape": list(graph.info[n].shape)} for n in names]


def signature(graph) -> dict:
    """The graph's inputs and outputs by name, as model.json's `signature`."""
    def by_name(names):
        return {e["name"]: {"dtype": e["dtype"], "shape": e["shape"]} for e in tensor_entries(graph, names)}
    return {"inputs": by_name(graph.inputs), "outputs": by_name(graph.outputs)}


def model_document(format_name: str, topology: dict, *, weights: list, shards: list[dict], producer: dict, signature: dict,
             trainable: list[str], metadata: dict, minor_version: int = MINOR_VERSION_WITHOUT_SUBGRAPHS) -> dict:
    """model.json: `topology` is a graph model's op graph or a layers model's Keras topology;
    `weights` are the encoded weights (their manifest entries, in shard order)."""
    body = {"topology": topology} if format_name == GRAPH_FORMAT else {"modelTopology": topology}
    return {
        "format": format_name,
        "formatVersion": FORMAT_VERSION,
        "formatMinorVersion": minor_version,
        "producer": producer,
        **body,
        "weightsManifest": [{"paths": [s["path"] for s in shards], "weights": [w.manifest_entry() for w in weights],
                             "shards": shards}],
        "signature": signature,
        "trainable": trainable,
        "metadata": metadata,
    }
