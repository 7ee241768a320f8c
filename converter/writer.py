"""Writes model.json (built by model_json.py) and its weight shards, and reads them back.

Shards are the weights' bytes laid end to end and cut every `shard_bytes`, named
group1-shard{i}of{n}.bin, each listed with its byte length and sha256.  Everything
is written into a temporary folder beside OUT and renamed into place at the end,
so a failed conversion leaves no OUT behind.
"""

from __future__ import annotations

from collections.abc import Callable

import hashlib
import json
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ConversionError, MalformedModelError, OutputFolderError
from . import ops
from .control_flow import read_subgraph, subgraph_json
from .ir import Graph
from .model_json import (FORMAT_MINOR_VERSION, FORMAT_VERSION, GRAPH_FORMAT, MINOR_VERSION_WITHOUT_SUBGRAPHS, MODEL_FILE,
                         model_document, signature, tensor_entries)
from .quantize import EncodedWeight, dequantize

DEFAULT_SHARD_MB = 4
MANIFEST_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_, "float16": np.float16,
                   "uint8": np.uint8, "uint16": np.uint16}


@dataclass
class WriteSummary:
    weight_bytes: int
    shards: int


def model_json(graph: Graph, weights: list[EncodedWeight], shards: list[dict], producer: dict,
               metadata: dict) -> dict:
    topology = {
        "inputs": tensor_entries(graph, graph.inputs),
        "outputs": tensor_entries(graph, graph.outputs),
        "nodes": [node_json(n) for n in graph.nodes],
    }
    if len(graph.shape_program):
        check_shape_program(graph)
        topology["shapeProgram"] = graph.shape_program.to_json()
    # the source model's parameters and what the passes derived from them (ir.Graph.parameters);
    # a quantised weight is listed too: the runtime dequantises it to float32
    trainable = [w.name for w in weights if w.name in graph.parameters and w.dtype == "float32"]
    minor = FORMAT_MINOR_VERSION if any(n.subgraphs for n in graph.nodes) else MINOR_VERSION_WITHOUT_SUBGRAPHS
    return model_document(GRAPH_FORMAT, topology, weights=weights, shards=shards, producer=producer,
                    signature=signature(graph), trainable=trainable, metadata=metadata, minor_version=minor)


def node_json(node) -> dict:
    if node.subgraphs:
        try:
            bodies = {role: subgraph_json(body, node_json) for role, body in node.subgraphs.items()}
        except ConversionError as e:
            raise ConversionError(f"node {node.name!r} ({node.op}): {e}") from None
        return {"name": node.name, "op": node.op, "inputs": node.inputs, "outputs": node.outputs, "attrs": {},
                "subgraphs": bodies}
    entry = {"name": node.name, "op": node.op, "inputs": node.inputs, "outputs": node.outputs,
             "attrs": ops.node_attrs(node.name, node.op, node.inputs, node.attrs)}
    if node.shape_attrs:
        entry["shapeAttrs"] = dict(node.shape_attrs)
    return entry


def check_shape_program(graph: Graph):
    """Every value the shape program reads the shape of is computed before the node needing it."""
    available = set(graph.inputs) | set(graph.constants)
    for node in graph.nodes:
        missing = graph.shape_program.graph_reads(node.shape_attrs.values()) - available
        if missing:
            raise ConversionError(f"node {node.name!r} ({node.op}): its shapeAttrs read the shape of "
                                  f"{sorted(missing)}, which no earlier node computes")
        available.update(node.outputs)


class ShardWriter:
    """Cuts a stream of bytes into shard files, hashing each as it goes."""

    def __init__(self, folder: Path, shard_bytes: int, total_bytes: int):
        self.folder = folder
        self.shard_bytes = shard_bytes
        self.count = max(math.ceil(total_bytes / shard_bytes), 0)
        self.shards: list[dict] = []
        self.file = None
        self.hash = None
        self.written = 0

    def _open_next(self):
        path = f"group1-shard{len(self.shards) + 1}of{self.count}.bin"
        self.file = open(self.folder / path, "wb")
        self.hash = hashlib.sha256()
        self.written = 0
        self.shards.append({"path": path})

    def _close_current(self):
        self.file.close()
        self.shards[-1].update(byteLength=self.written, sha256=self.hash.hexdigest())
        self.file = None

    def write(self, data: memoryview):
        while len(data):
            if self.file is None:
                self._open_next()
            take = min(len(data), self.shard_bytes - self.written)
            self.file.write(data[:take])
            self.hash.update(data[:take])
            self.written += take
            data = data[take:]
            if self.written == self.shard_bytes:
                self._close_current()

    def finish(self) -> list[dict]:
        if self.file is not None:
            self._close_current()
        return self.shards


def write_model(graph: Graph, out: Path, weights: list[EncodedWeight], *, producer: dict, metadata: dict,
                shard_bytes: int, force: bool, progress=None) -> WriteSummary:
    """A graph model: model.json (format tensorweb-graph) and its shards, written atomically."""
    return write_folder(Path(out), weights, lambda shards: model_json(graph, weights, shards, producer, metadata),
                        shard_bytes=shard_bytes, force=force, progress=progress)


def write_folder(out: Path, weights: list[EncodedWeight], document: Callable[[list[dict]], dict], *,
                 shard_bytes: int, force: bool, progress=None) -> WriteSummary:
    """Writes the shards and `document(manifest groups)` as model.json into a staging folder
    beside OUT, then moves it into place: OUT is never seen half written."""
    if out.exists() and not force:
        raise OutputFolderError(f"{out} already exists; pass --force to replace it")
    if shard_bytes < 1:
        raise ConversionError("--shard-size-mb must be positive")
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        total = sum(w.data.nbytes for w in weights)
        shards = ShardWriter(staging, shard_bytes, total)
        for weight in weights:
            data = np.ascontiguousarray(weight.data)
            shards.write(memoryview(data.astype(data.dtype.newbyteorder("<"), copy=False)).cast("B"))
            if progress:
                progress.advance(data.nbytes)
        with open(staging / MODEL_FILE, "w") as f:
            json.dump(document(shards.finish()), f, separators=(",", ":"))
        replace_folder(staging, out)
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        # The staging folder's name is ours, not the user's: name OUT and the cause.
        raise OutputFolderError(f"{out}: cannot write the converted model there: {e.strerror or e}") from e
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WriteSummary(total, len(shards.shards))


def replace_folder(staging: Path, out: Path):
    """Moves the finished folder into place; an old OUT (with --force) is removed only afterwards."""
    retired = None
    if out.exists():
        retired = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, retired)
    os.replace(staging, out)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True) if retired.is_dir() else retired.unlink()


# ---------------------------------------------------------------------- reading back


def read_weights(folder: Path, group: dict) -> dict[str, np.ndarray]:
    """The weights of one manifest group, shards checked against their byte length and sha256."""
    chunks = []
    for shard in group.get("shards", [{"path": p} for p in group["paths"]]):
        path = folder / shard["path"]
        if path.resolve().parent != folder.resolve():
            raise MalformedModelError(f"{folder}: shard path {shard['path']!r} leaves the model folder")
        data = path.read_bytes()
        if "byteLength" in shard and len(data) != shard["byteLength"]:
            raise MalformedModelError(f"{path}: {len(data)} bytes, the manifest says {shard['byteLength']}")
        if "sha256" in shard and hashlib.sha256(data).hexdigest() != shard["sha256"]:
            raise MalformedModelError(f"{path}: sha256 does not match the manifest")
        chunks.append(data)
    blob = b"".join(chunks)
    weights, offset = {}, 0
    for entry in group["weights"]:
        quantization = entry.get("quantization")
        stored = quantization["dtype"] if quantization else entry["dtype"]
        np_type = np.dtype(MANIFEST_DTYPES[stored]).newbyteorder("<")
        count = math.prod(entry["shape"])
        end = offset + count * np_type.itemsize
        if end > len(blob):
            raise MalformedModelError(f"{folder}: weight {entry['name']!r} runs past the end of the shards")
        array = np.frombuffer(blob, np_type, count, offset).reshape(entry["shape"])
        weights[entry["name"]] = dequantize(array, quantization) if quantization else array.astype(np_type.newbyteorder("="))
        offset = end
    return weights


def add_nodes(graph: Graph, nodes: list[dict]):
    for node in nodes:
        if "subgraphs" in node:
            bodies = {role: read_subgraph(body, graph, add_nodes) for role, body in node["subgraphs"].items()}
            graph.add_control_flow(node["op"], node["inputs"], bodies, node["name"], node["outputs"])
        else:
            graph.add_node(node["op"], node["inputs"], node["attrs"], node["name"], outputs=node["outputs"],
                           shape_attrs=node.get("shapeAttrs"))


def load_model(folder) -> tuple[Graph, dict]:
    """Rebuilds the IR graph of a converted model (weights dequantized), and returns its model.json."""
    folder = Path(folder)
    try:
        document = json.loads((folder / MODEL_FILE).read_text())
    except (OSError, ValueError) as e:
        raise MalformedModelError(f"{folder / MODEL_FILE}: cannot read ({e})") from None
    if document.get("format") != GRAPH_FORMAT:
        raise MalformedModelError(f"{folder / MODEL_FILE}: format is {document.get('format')!r}, not {GRAPH_FORMAT!r}")
    version = document.get("formatVersion")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise MalformedModelError(f"{folder / MODEL_FILE}: formatVersion is {version!r}; this converter reads 1 to "
                                  f"{FORMAT_VERSION}")
    graph = Graph()
    trainable = set(document.get("trainable", []))  # the parameters, so that a model read back keeps its marks
    for group in document["weightsManifest"]:
        for name, array in read_weights(folder, group).items():
            graph.set_constant(name, array, name in trainable)
    topology = document["topology"]
    for entry in topology["inputs"]:
        graph.add_input(entry["name"], entry["shape"], entry["dtype"])
    for entry in topology.get("shapeProgram", []):
        graph.shape_program.add(entry["op"], entry["inputs"], entry["attrs"], entry["name"])
    add_nodes(graph, topology["nodes"])
    graph.outputs = [entry["name"] for entry in topology["outputs"]]
    return graph, document
