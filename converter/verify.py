"""`verify`: runs a converted model and its source on the same inputs and reports the error per output.

The converted model runs through reference.py; the source through onnxruntime (ONNX) or
LiteRT's interpreter (`ai-edge-litert`, TFLite) where it is installed, else through
reference.py on the source's unoptimised graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import reference
from .convert import read_graph
from .errors import ConversionError
from .ir import NUMPY_DTYPES, Graph
from .writer import load_model

# default tolerance by the strongest quantization in the model (relative to the output's largest value)
DEFAULT_RTOL = {None: 1e-4, "float16": 1e-2, "uint16": 1e-2, "uint8": 5e-2}
ONNX_FEED_TYPES = {"FLOAT": np.float32, "DOUBLE": np.float64, "FLOAT16": np.float16, "INT64": np.int64,
                   "INT32": np.int32, "INT16": np.int16, "INT8": np.int8, "UINT8": np.uint8, "BOOL": np.bool_}


@dataclass
class OutputError:
    name: str
    max_abs: float
    relative: float  # max_abs over the largest magnitude of the expected output


def make_feeds(graph: Graph, seed: int = 0) -> dict[str, np.ndarray]:
    """Random inputs: free dimensions set to 1, floats normal, integers 0 or 1 (valid ids and masks)."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for name in graph.inputs:
        info = graph.info[name]
        shape = [d if d >= 0 else 1 for d in info.shape]
        if info.dtype == "float32":
            feeds[name] = rng.standard_normal(shape).astype(np.float32)
        else:
            feeds[name] = rng.integers(0, 2, shape).astype(NUMPY_DTYPES[info.dtype])
    return feeds


def load_feeds(path: Path, graph: Graph) -> dict[str, np.ndarray]:
    try:
        with np.load(path) as data:
            feeds = {name: data[name] for name in data.files}
    except (OSError, ValueError) as e:
        raise ConversionError(f"{path}: cannot read inputs ({e})") from None
    missing = set(graph.inputs) - set(feeds)
    if missing:
        raise ConversionError(f"{path}: no array for input(s) {sorted(missing)}")
    return {name: feeds[name].astype(NUMPY_DTYPES[graph.info[name].dtype]) for name in graph.inputs}


def run_source(source: Path, feeds: dict[str, np.ndarray], input_shapes: dict[str, list[int]]):
    """The source's outputs on `feeds` and what computed them; `input_shapes` as given when converting.

    ONNX sources run through onnxruntime and TFLite sources through LiteRT when they are
    installed and can load them; anything else runs through reference.py on the unoptimised graph.
    """
    _, result = read_graph(source, input_shapes, optimized=False)

    def run_reference(why: str):
        return reference.run(result.graph, feeds), f"reference.py on the unoptimised graph ({why})"

    if source.suffix.lower() == ".tflite":
        try:
            from ai_edge_litert import interpreter
        except ImportError:
            return run_reference("ai-edge-litert is not installed")
        try:
            return litert_outputs(source, feeds, interpreter), "LiteRT (ai-edge-litert)"
        except (RuntimeError, ValueError) as e:  # what LiteRT raises for a model it cannot load or run
            return run_reference(f"LiteRT cannot run it: {str(e).strip().splitlines()[-1] if str(e).strip() else e}")
    if source.suffix.lower() != ".onnx":
        return run_reference("no independent runner for this source format")
    try:
        import onnxruntime
    except ImportError:
        return run_reference("onnxruntime is not installed")
    try:
        session = onnxruntime.InferenceSession(str(source), providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own exception types (Fail, InvalidGraph, ...)
        reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        return run_reference(f"onnxruntime {onnxruntime.__version__} cannot load it: {reason}")
    typed = {name: feeds[name].astype(ONNX_FEED_TYPES.get(result.source_inputs[name], np.float32))
             for name in result.source_inputs}
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, typed))), f"onnxruntime {onnxruntime.__version__}"


def litert_outputs(model: Path | bytes, feeds: dict[str, np.ndarray], interpreter=None) -> dict[str, np.ndarray]:
    """A TFLite model's outputs from LiteRT, named as the converter names them: by the first
    SignatureDef's keys, else by tensor name.  Quantized inputs are fed their codes and quantized
    outputs read back as the reals they stand for, as the converted float graph has them."""
    if interpreter is None:
        from ai_edge_litert import interpreter
    source = {"model_content": bytes(model)} if isinstance(model, (bytes, bytearray)) else {"model_path": str(model)}
    runner = interpreter.Interpreter(**source)
    signatures = runner.get_signature_list()
    if signatures:
        key = next(iter(signatures))
        signature = runner.get_signature_runner(key)
        details = signature.get_input_details()
        results = signature(**{name: encode(feeds[name], details[name]) for name in details})
        output_details = signature.get_output_details()
        return {name: decode(value, output_details[name]) for name, value in results.items()}
    runner.allocate_tensors()
    for detail in runner.get_input_details():
        runner.set_tensor(detail["index"], encode(feeds[detail["name"]], detail))
    runner.invoke()
    return {d["name"]: decode(runner.get_tensor(d["index"]), d) for d in runner.get_output_details()}


def encode(value: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero_point = detail["quantization"]
    if scale and np.issubdtype(detail["dtype"], np.integer):
        limits = np.iinfo(detail["dtype"])
        return np.clip(np.round(value / scale) + zero_point, limits.min, limits.max).astype(detail["dtype"])
    return value.astype(detail["dtype"])


def decode(value: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero_point = detail["quantization"]
    if scale and np.issubdtype(detail["dtype"], np.integer):
        return ((value.astype(np.float64) - zero_point) * scale).astype(np.float32)
    return value


def compare(actual: np.ndarray, expected: np.ndarray, name: str) -> OutputError:
    if actual.shape != expected.shape:
        raise ConversionError(f"output {name!r}: shape {list(actual.shape)} differs from the source's "
                              f"{list(expected.shape)}")
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    if a.size == 0:
        return OutputError(name, 0.0, 0.0)
    both_nan = np.isnan(a) & np.isnan(e)
    difference = np.where(both_nan, 0.0, np.abs(a - e))
    max_abs = float(np.nan_to_num(difference, nan=np.inf).max())
    scale = float(np.abs(np.where(np.isfinite(e), e, 0)).max())
    return OutputError(name, max_abs, max_abs / scale if scale > 0 else max_abs)


def default_rtol(document: dict) -> float:
    """By the --quantize rules the model was converted with (a float16 source's weights stored as
    float16 again lose nothing), or, for a model.json without them, by its weights' encodings."""
    rules = document.get("metadata", {}).get("quantization")
    if rules is not None:
        kinds = {rule.partition(":")[0] for rule in rules}
    else:
        kinds = {w.get("quantization", {}).get("dtype") for g in document["weightsManifest"] for w in g["weights"]}
    return max(DEFAULT_RTOL.get(k, DEFAULT_RTOL[None]) for k in kinds | {None})


def verify(converted, source, inputs_file=None, rtol: float | None = None):
    """(errors per output, tolerance used, what ran the source)."""
    graph, document = load_model(Path(converted))
    feeds = load_feeds(Path(inputs_file), graph) if inputs_file else make_feeds(graph)
    input_shapes = {name: list(graph.info[name].shape) for name in graph.inputs}
    expected, runner = run_source(Path(source), feeds, input_shapes)
    actual = reference.run(graph, feeds)
    missing = set(actual) - set(expected)
    if missing:
        raise ConversionError(f"the source has no output(s) named {sorted(missing)}")
    errors = [compare(actual[name], expected[name], name) for name in graph.outputs]
    return errors, rtol if rtol is not None else default_rtol(document), runner
