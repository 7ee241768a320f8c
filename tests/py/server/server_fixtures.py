"""Model folders for the server tests; plain Python, so that the fake converter can use it too."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def write_model(folder: Path, shard_bytes: int = 4096, seed: int = 0) -> bytes:
    """A converted-model folder: model.json and one shard of deterministic bytes; returns the shard."""
    folder.mkdir(parents=True, exist_ok=True)
    shard = hashlib.shake_256(f"shard {seed}".encode()).digest(shard_bytes)
    (folder / "group1-shard1of1.bin").write_bytes(shard)
    model = {
        "format": "tensorweb-graph",
        "formatVersion": "1.0",
        "producer": {"name": "tensorweb.converter", "version": "0.1.0", "sourceFormat": "onnx", "sourceFile": "tiny.onnx"},
        "topology": {
            "inputs": [{"name": "image", "dtype": "float32", "shape": [-1, 28, 28, 1]}],
            "outputs": [{"name": "logits", "dtype": "float32", "shape": [-1, 10]}],
            "nodes": [],
        },
        "weightsManifest": [
            {"paths": ["group1-shard1of1.bin"], "weights": [{"name": "w", "shape": [shard_bytes // 4], "dtype": "float32"}]}
        ],
    }
    (folder / "model.json").write_text(json.dumps(model))
    return shard
