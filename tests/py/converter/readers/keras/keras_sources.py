"""What the Keras reader's tests share: the fixture models and Keras's recorded outputs, hand-made legacy
h5 files, re-zipped archives, and conversions expected to fail without leaving files behind."""

import json
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from onnx_models import relative_error

from tensorweb.converter import reference
from tensorweb.converter.convert import ConvertOptions, convert
from tensorweb.converter.writer import read_weights

FIXTURES = Path(__file__).resolve().parents[4] / "fixtures" / "tf"
SOURCES = ["two_branch.keras", "two_branch.h5"]


def recorded(name: str = "two_branch"):
    with np.load(FIXTURES / f"{name}.npz") as data:
        feeds = {k.partition(":")[2]: data[k] for k in data.files if k.startswith("input:")}
        outputs = {k.partition(":")[2]: data[k] for k in data.files if k.startswith("output:")}
    return feeds, outputs


def assert_matches(graph, name: str = "two_branch", rtol: float = 1e-4):
    feeds, expected = recorded(name)
    got = reference.run(graph, feeds)
    assert sorted(got) == sorted(expected)
    for output, value in expected.items():
        assert relative_error(got[output], value) < rtol, output

def layers_document(name: str, tmp_path: Path, options: ConvertOptions | None = None) -> tuple[dict, dict]:
    convert(FIXTURES / name, tmp_path / "out", options)
    document = json.loads((tmp_path / "out" / "model.json").read_text())
    return document, read_weights(tmp_path / "out", document["weightsManifest"][0])


def write_h5(path: Path, config: dict, weights: dict[str, dict[str, np.ndarray]]):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.15.0"
        root = f.create_group("model_weights")
        for layer, arrays in weights.items():
            group = root.create_group(layer)
            group.attrs["weight_names"] = [f"{layer}/{name}:0".encode() for name in arrays]
            for name, array in arrays.items():
                group[f"{layer}/{name}:0"] = array


def sequential(layers):
    return {"class_name": "Sequential", "config": {"name": "seq", "layers": layers}}


def convert_fails(source: Path, tmp_path: Path, error, match: str):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(error, match=match):
        convert(source, out / "model")
    assert list(out.iterdir()) == []
    assert list((tmp_path / "scratch").iterdir()) == []


def rezip(tmp_path: Path, members: dict[str, bytes], name: str = "hostile.keras") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def fixture_members() -> dict[str, bytes]:
    with zipfile.ZipFile(FIXTURES / "two_branch.keras") as archive:
        return {name: archive.read(name) for name in archive.namelist()}
