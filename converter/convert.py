"""`convert`: read a source model, optimise it, quantize and write model.json plus shards."""

from __future__ import annotations

import inspect
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import ConversionError, OutputFolderError
from .ir import Graph
from .passes import PASSES, optimize
from .progress import Progress
from .quantize import QuantizeRule, encode_weights, output_channel_axes
from .readers.keras import read_keras
from .readers.onnx import read_onnx
from .readers.tf import read_tf
from .readers.tflite import read_tflite
from .readers.tfjs import is_tfjs, read_tfjs
from .writer import DEFAULT_SHARD_MB, write_model

READERS = {".onnx": ("onnx", read_onnx), ".pb": ("tensorflow", read_tf), ".keras": ("keras", read_keras),
           ".h5": ("keras", read_keras), ".hdf5": ("keras", read_keras), ".tflite": ("tflite", read_tflite)}
# folders are recognised by what they hold: a SavedModel's saved_model.pb, a TF.js model.json
SAVED_MODEL = ("tensorflow-savedmodel", read_tf)
TFJS = ("tfjs", read_tfjs)


@dataclass
class ConvertOptions:
    quantize: list[QuantizeRule] = field(default_factory=list)
    shard_size_mb: float = DEFAULT_SHARD_MB
    input_shapes: dict[str, list[int]] = field(default_factory=dict)
    optimize: bool = True
    force: bool = False
    signature: str | None = None  # SavedModel signature (default serving_default)
    tags: list[str] | None = None  # SavedModel meta graph tags (default serve)
    output_format: str | None = None  # "graph" or "layers" (Keras and TF.js layers models default to layers)
    metadata: dict = field(default_factory=dict)  # added to model.json's metadata (labels, tokenizer, ...)
    tokenizer: str | Path | None = None  # a Hugging Face tokenizer.json; default: the one beside the source

    def reader_options(self) -> dict:
        return {"signature": self.signature, "tags": self.tags, "output_format": self.output_format}


@dataclass
class ConvertSummary:
    ops: dict[str, int]
    parameters: int
    weight_bytes: int
    shards: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def reader_for(source: Path):
    if is_tfjs(source):
        return TFJS
    if source.is_dir() and (source / "saved_model.pb").is_file():
        return SAVED_MODEL
    try:
        return READERS[source.suffix.lower()]
    except KeyError:
        raise ConversionError(f"{source}: no reader for {source.suffix or 'files without a suffix'!r}; "
                              f"supported: {', '.join(READERS)}") from None


def read_graph(source, input_shapes=None, optimized: bool = True, progress: Progress | None = None,
               reader_options: dict | None = None):
    """The IR of a source model (optimised unless asked not to) and what the reader learnt about it.
    `reader_options` (signature, tags, output_format) go to the readers that take them."""
    source = Path(source)
    format_name, read = reader_for(source)
    if not source.exists():
        raise ConversionError(f"{source}: no such file")
    progress = progress or Progress(enabled=False)
    result = read(source, input_shapes, progress, **options_for(read, format_name, reader_options or {}))
    if optimized:
        progress.stage("optimising", len(PASSES))
        optimize(result.graph, progress)
    return format_name, result


def options_for(read, format_name: str, options: dict) -> dict:
    """The options a reader takes; one it does not take is an error unless it asks for the default."""
    accepted = inspect.signature(read).parameters
    given = {k: v for k, v in options.items() if v is not None and not (k == "output_format" and v == "graph"
                                                                        and k not in accepted)}
    refused = sorted(k for k in given if k not in accepted)
    if refused:
        flags = " and ".join("--" + k.replace("_", "-") for k in refused)
        raise ConversionError(f"{flags} {'does' if len(refused) == 1 else 'do'} not apply to {format_name} models")
    return given


def tokenizer_metadata(source: Path, tokenizer: str | Path | None) -> dict:
    """`{"tokenizer": {"type": "huggingface", "config": ...}}` from the tokenizer.json named, or found beside
    the source model (in its folder, or inside a model folder); `{}` when none is named or found."""
    if tokenizer is None:
        found = source / "tokenizer.json" if source.is_dir() else source.parent / "tokenizer.json"
        if not found.is_file():
            return {}
        tokenizer = found
    path = Path(tokenizer)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConversionError(f"tokenizer {path}: cannot read: {e.strerror or e}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConversionError(f"tokenizer {path}: not JSON: {e}") from None
    if not isinstance(config, dict) or not isinstance(config.get("model"), dict) or "type" not in config["model"]:
        raise ConversionError(f"tokenizer {path}: not a Hugging Face tokenizer.json (no model.type)")
    return {"tokenizer": {"type": "huggingface", "config": config}}


def convert(source, out, options: ConvertOptions | None = None, progress: Progress | None = None) -> ConvertSummary:
    options = options or ConvertOptions()
    source, out = Path(source), Path(out)
    progress = progress or Progress(enabled=False)
    started = time.monotonic()
    if out.exists() and not options.force:
        raise OutputFolderError(f"{out} already exists; pass --force to replace it")
    format_name, result = read_graph(source, options.input_shapes, options.optimize, progress,
                                     options.reader_options())
    graph: Graph = result.graph
    producer = {"name": "tensorweb.converter", "version": __version__, "sourceFormat": format_name,
                "sourceFile": source.name, "sourceProducer": result.producer, "opset": result.opset}
    metadata = {"optimized": options.optimize,
                "quantization": [f"{r.dtype}:{r.pattern}" for r in options.quantize], **result.metadata,
                **tokenizer_metadata(source, options.tokenizer), **options.metadata}
    shard_bytes = int(options.shard_size_mb * 1024 * 1024)
    if getattr(result, "layers", None) is not None:  # a Keras / TF.js layers model kept as layers
        progress.stage("writing", graph.parameter_count() * 4)
        written = result.layers.write(out, options.quantize, producer=producer, metadata=metadata,
                                      shard_bytes=shard_bytes, force=options.force, progress=progress)
    else:
        weights = encode_weights(graph.constants, options.quantize, output_channel_axes(graph), result.exact_float16,
                                 result.source_grids)
        progress.stage("writing", sum(w.data.nbytes for w in weights))
        written = write_model(graph, out, weights, producer=producer, metadata=metadata, shard_bytes=shard_bytes,
                              force=options.force, progress=progress)
    progress.finish()
    return ConvertSummary(graph.op_counts(), graph.parameter_count(), written.weight_bytes, written.shards,
                          time.monotonic() - started, result.notes)
