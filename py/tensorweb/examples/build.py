"""Builds one example model: its source (exported through PyTorch to ONNX, or a .tflite file taken from a
wheel), converted, verified against the source, moved into place.

Each built folder holds `example.json`, the build's record: the stamp it was built from (package
versions, the torch version for an ONNX export, a hash of the recipe's module, this file and the
converter) and what
verify measured. A folder whose stamp still matches is left alone; everything is built in a hidden folder
beside the output and renamed into place, so a failed or interrupted build leaves the old one.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tensorweb import __version__
from tensorweb.converter import convert as converter_convert
from tensorweb.converter.convert import ConvertOptions, convert
from tensorweb.converter.verify import verify
from tensorweb.converter.writer import MODEL_FILE, replace_folder

from . import Recipe

RECORD_FILE = "example.json"
# what a recipe's make_source does, by the source format it writes
SOURCE_STEPS = {"onnx": "exporting through PyTorch to ONNX", "tflite": "taking the .tflite model from its wheel"}


class ExampleError(Exception):
    """A model was built but does not match its source (or could not be built)."""


@dataclass
class ExampleResult:
    name: str
    folder: Path
    built: bool  # False: the folder was up to date and left alone
    record: dict


def source_hash(recipe: Recipe) -> str:
    """Our code the output depends on: the recipe's module, this builder, and every converter module and
    schema (op_schema.json, the runtime's op set, fills the attrs it writes)."""
    digest = hashlib.sha256()
    converter = Path(converter_convert.__file__).parent
    converter_files = sorted([*converter.rglob("*.py"), *converter.glob("*.json")])
    for path in [recipe.source_file(), Path(__file__), *converter_files]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def stamp(recipe: Recipe) -> dict:
    """What a built model depends on, read without importing torch (which takes seconds)."""
    made_by = {"torch": importlib.metadata.version("torch")} if recipe.source == "onnx" else {}
    return {"tensorweb": __version__, **made_by,
            "packages": {package: importlib.metadata.version(package) for package in recipe.packages},
            "code": source_hash(recipe)}


def read_record(folder: Path) -> dict | None:
    try:
        record = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and (folder / MODEL_FILE).is_file() else None


def build_example(recipe: Recipe, out_dir: Path, force: bool = False, report=print) -> ExampleResult:
    folder = out_dir / recipe.name
    wanted = stamp(recipe)
    record = read_record(folder)
    if not force and record is not None and record.get("stamp") == wanted:
        report(f"{recipe.name}: up to date ({folder})")
        return ExampleResult(recipe.name, folder, False, record)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # hidden (dot) folder: the dev server does not list it while it is being built
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=f".{recipe.name}.building-") as work_dir:
        work = Path(work_dir)
        report(f"{recipe.name}: {SOURCE_STEPS[recipe.source]}")
        source = work / f"{recipe.name}.{recipe.source}"  # its name becomes model.json's producer.sourceFile
        module = recipe.load()
        # the TorchScript exporter's notes (its deprecation, its own constant folding) are not the user's to act on
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.savez(work / "inputs.npz", **module.make_source(source))
        report(f"{recipe.name}: converting")
        staged = work / "model"
        summary = convert(source, staged, ConvertOptions(input_shapes=module.INPUT_SHAPES,
                                                         metadata=module.metadata()))
        report(f"{recipe.name}: verifying against {source.name}")
        errors, rtol, runner = verify(staged, source, work / "inputs.npz", recipe.rtol)
        over = [e for e in errors if not e.relative <= rtol]
        if over:
            raise ExampleError(f"{recipe.name}: the converted model differs from {source.name}: "
                               + ", ".join(f"{e.name} max abs error {e.max_abs:.3g} (relative {e.relative:.3g})"
                                           for e in over) + f", over the tolerance {rtol:g}")
        record = {
            "name": recipe.name,
            "stamp": wanted,
            "ops": sum(summary.ops.values()),
            "opCounts": summary.ops,
            "parameters": summary.parameters,
            "weightBytes": summary.weight_bytes,
            "shards": summary.shards,
            "verify": {"against": f"{source.name} run by {runner}", "rtol": rtol,
                       "outputs": {e.name: {"maxAbsError": e.max_abs, "relativeError": e.relative}
                                   for e in errors}},
            "seconds": round(time.monotonic() - started, 1),
        }
        (staged / RECORD_FILE).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        replace_folder(staged, folder)
    report(f"{recipe.name}: built {folder}: {record['ops']} ops, {record['weightBytes'] / 2**20:.1f} MiB of weights, "
           f"max relative error {max(e.relative for e in errors):.2g} ({record['seconds']} s)")
    return ExampleResult(recipe.name, folder, True, record)

