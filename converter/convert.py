"""`convert`: read a source model, optimise it, quantize and write model.json plus shards."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import ConversionError
from .ir import Graph
from .passes import PASSES, optimize
from .progress import Progress
from .quantize import QuantizeRule, encode_weights
from .readers.onnx import read_onnx
from .writer import DEFAULT_SHARD_MB, write_model

READERS = {".onnx": ("onnx", read_onnx)}


@dataclass
class ConvertOptions:
    quantize: list[QuantizeRule] = field(default_factory=list)
    shard_size_mb: float = DEFAULT_SHARD_MB
    input_shapes: dict[str, list[int]] = field(default_factory=dict)
    optimize: bool = True
    force: bool = False


@dataclass
class ConvertSummary:
    ops: dict[str, int]
    parameters: int
    weight_bytes: int
    shards: int
    seconds: float


def reader_for(source: Path):
    try:
        return READERS[source.suffix.lower()]
    except KeyError:
        raise ConversionError(f"{source}: no reader for {source.suffix or 'files without a suffix'!r}; "
                              f"supported: {', '.join(READERS)}") from None


def read_graph(source, input_shapes=None, optimized: bool = True, progress: Progress | None = None):
    """The IR of a source model (optimised unless asked not to) and what the reader learnt about it."""
    source = Path(source)
    format_name, read = reader_for(source)
    if not source.is_file():
        raise ConversionError(f"{source}: no such file")
    progress = progress or Progress(enabled=False)
    result = read(source, input_shapes, progress)
    if optimized:
        progress.stage("optimising", len(PASSES))
        optimize(result.graph, progress)
    return format_name, result


def convert(source, out, options: ConvertOptions | None = None, progress: Progress | None = None) -> ConvertSummary:
    options = options or ConvertOptions()
    source, out = Path(source), Path(out)
    progress = progress or Progress(enabled=False)
    started = time.monotonic()
    if out.exists() and not options.force:
        raise ConversionError(f"{out} already exists; pass --force to replace it")
    format_name, result = read_graph(source, options.input_shapes, options.optimize, progress)
    graph: Graph = result.graph
    weights = encode_weights(graph.constants, options.quantize)
    progress.stage("writing", sum(w.data.nbytes for w in weights))
    producer = {"name": "tensorweb.converter", "version": __version__, "sourceFormat": format_name,
                "sourceFile": source.name, "sourceProducer": result.producer, "opset": result.opset}
    metadata = {"optimized": options.optimize,
                "quantization": [f"{r.dtype}:{r.pattern}" for r in options.quantize]}
    written = write_model(graph, out, weights, producer=producer, metadata=metadata,
                          shard_bytes=int(options.shard_size_mb * 1024 * 1024), force=options.force,
                          progress=progress)
    progress.finish()
    return ConvertSummary(graph.op_counts(), graph.parameter_count(), written.weight_bytes, written.shards,
                          time.monotonic() - started)
