"""The converted models the server offers: one entry per model folder.

A model root is either a model folder itself (it holds model.json) or a
folder of model folders. Every folder gets an entry; one that cannot be read
(no model.json, bad JSON, missing shards, a name already taken) gets an entry
with `error` set instead of failing the listing.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

MAX_MODEL_JSON_BYTES = 256 * 1024 * 1024


@dataclass
class Tensor:
    name: str
    dtype: str
    shape: list[int]

    def describe(self) -> str:
        return f"{self.name}: {self.dtype}[{', '.join(str(d) for d in self.shape)}]"


@dataclass
class ModelEntry:
    name: str
    folder: Path
    format: str = ""
    format_version: str = ""
    producer: str = ""
    inputs: list[Tensor] = field(default_factory=list)
    outputs: list[Tensor] = field(default_factory=list)
    shards: int = 0
    weight_bytes: int = 0
    error: str | None = None

    @property
    def url(self) -> str:
        return f"/models/{quote(self.name)}/model.json"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["folder"] = str(self.folder)
        data["url"] = None if self.error else self.url
        return data


class ModelJsonError(ValueError):
    pass


def _tensor(where: str, item: Any, default_name: str) -> Tensor:
    if not isinstance(item, dict):
        raise ModelJsonError(f"{where} is not an object")
    shape = item.get("shape", [])
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
        raise ModelJsonError(f"{where}.shape is not a list of integers")
    return Tensor(name=str(item.get("name", default_name)), dtype=str(item.get("dtype", "?")), shape=shape)


def _io_tensors(data: dict, key: str) -> list[Tensor]:
    """The model's inputs or outputs: from `signature` (both of our formats write it; a layers model
    has nothing else that lists them), else from a graph topology's lists."""
    signature = data.get("signature")
    if signature is not None:
        items = signature.get(key, {}) if isinstance(signature, dict) else None
        if not isinstance(items, dict):
            raise ModelJsonError(f"signature.{key} is not an object")
        return [_tensor(f"signature.{key}.{name}", item, name) for name, item in items.items()]
    topology = data.get("topology", {})
    if not isinstance(topology, dict):
        raise ModelJsonError("topology is not an object")
    items = topology.get(key, [])
    if not isinstance(items, list):
        raise ModelJsonError(f"topology.{key} is not a list")
    return [_tensor(f"topology.{key}[{i}]", item, f"{key}{i}") for i, item in enumerate(items)]


def _producer(value: Any) -> str:
    """One line: "tensorweb.converter 0.1.0 from onnx model.onnx"."""
    if isinstance(value, dict):
        tool = " ".join(str(value[k]) for k in ("name", "version") if value.get(k))
        source = " ".join(str(value[k]) for k in ("sourceFormat", "sourceFile") if value.get(k))
        line = f"{tool} from {source}" if tool and source else tool or source
        return (line or json.dumps(value, sort_keys=True))[:200]
    return "" if value is None else str(value)[:200]


def _shard_paths(manifest: Any) -> list[str]:
    if not isinstance(manifest, list):
        raise ModelJsonError("weightsManifest is not a list")
    paths = []
    for group in manifest:
        if not isinstance(group, dict) or not isinstance(group.get("paths", []), list):
            raise ModelJsonError("weightsManifest has a group without a list of paths")
        for path in group.get("paths", []):
            # Shards sit next to model.json: a path with folders in it is not one of ours.
            if not isinstance(path, str) or not path or "/" in path or "\\" in path or path.startswith("."):
                raise ModelJsonError(f"weightsManifest names an unsafe shard path {path!r}")
            paths.append(path)
    return paths


def read_model(name: str, folder: Path) -> ModelEntry:
    """The entry for one folder; never raises for a bad folder."""
    entry = ModelEntry(name=name, folder=folder)
    model_json = folder / "model.json"
    try:
        if not model_json.is_file():
            entry.error = "no model.json in this folder"
            return entry
        if model_json.stat().st_size > MAX_MODEL_JSON_BYTES:
            entry.error = "model.json is too large to read"
            return entry
        data = json.loads(model_json.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ModelJsonError("model.json is not a JSON object")
        entry.format = str(data.get("format", ""))
        entry.format_version = str(data.get("formatVersion", ""))
        entry.producer = _producer(data.get("producer"))
        entry.inputs = _io_tensors(data, "inputs")
        entry.outputs = _io_tensors(data, "outputs")
        shard_paths = _shard_paths(data.get("weightsManifest", []))
        missing = [p for p in shard_paths if not (folder / p).is_file()]
        if missing:
            raise ModelJsonError(f"missing shard {missing[0]}" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
        entry.shards = len(shard_paths)
        entry.weight_bytes = sum((folder / p).stat().st_size for p in shard_paths)
    except (OSError, UnicodeDecodeError) as exc:
        entry.error = f"cannot read model.json: {exc.strerror if isinstance(exc, OSError) else exc}"
    except json.JSONDecodeError as exc:
        entry.error = f"model.json is not valid JSON: {exc.msg} at line {exc.lineno}"
    except ModelJsonError as exc:
        entry.error = str(exc)
    except (RecursionError, ValueError) as exc:  # nested past the parser's depth, an integer too long to read
        entry.error = f"model.json cannot be read: {type(exc).__name__}"
    return entry


def _model_folders(root: Path) -> list[tuple[str, Path]]:
    if (root / "model.json").is_file():
        return [(root.name, root)]
    try:
        children = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return []
    return [(c.name, Path(c.path)) for c in children if not c.name.startswith(".") and c.is_dir()]


def list_models(roots: list[Path]) -> list[ModelEntry]:
    """Every model folder under `roots`, in root order; later duplicates of a name are errors."""
    entries: list[ModelEntry] = []
    taken: dict[str, Path] = {}
    for root in roots:
        for name, folder in _model_folders(root):
            if name in taken:
                entries.append(ModelEntry(name=name, folder=folder, error=f"the name is already used by {taken[name]}"))
                continue
            taken[name] = folder
            entries.append(read_model(name, folder))
    return entries


def find_model(roots: list[Path], name: str) -> Path | None:
    """The folder served as /models/<name>/, without reading model.json."""
    if not name or name.startswith(".") or "/" in name or "\\" in name or "\x00" in name:
        return None
    for root in roots:
        for folder_name, folder in _model_folders(root):
            if folder_name == name:
                return folder
    return None
