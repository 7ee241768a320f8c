"""converter/model_json.py and the format's contract, converter/model.schema.json: every model.json
the converter writes, and every one the tests keep as a fixture, validates against the schema."""

import json
from pathlib import Path

import jsonschema
import pytest

from tensorweb.converter.convert import ConvertOptions, convert
from tensorweb.converter.model_json import FORMAT_VERSION, SCHEMA
from tensorweb.converter.quantize import parse_rule

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def tensorweb_fixtures():
    """The fixtures in tensorweb's own format (TF.js's, the tfjs reader's inputs, are not)."""
    files = sorted(FIXTURES.rglob("model.json"))
    return [f for f in files if json.loads(f.read_text()).get("format", "").startswith("tensorweb-")]


def problems(document):
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(document)]


def test_the_schema_is_a_valid_json_schema_whose_version_is_the_converters():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert FORMAT_VERSION == 1


def test_there_are_fixtures_of_both_formats():
    formats = {json.loads(f.read_text())["format"] for f in tensorweb_fixtures()}
    assert formats == {"tensorweb-graph", "tensorweb-layers"}


@pytest.mark.parametrize("path", tensorweb_fixtures(), ids=lambda p: str(p.parent.relative_to(FIXTURES)))
def test_every_fixture_validates(path):
    assert problems(json.loads(path.read_text())) == []


@pytest.mark.parametrize("source, options", [
    ("onnx/torch_convnet.onnx", {}),
    ("onnx/torch_convnet.onnx", {"quantize": [parse_rule("uint8")]}),
    ("tf/tiny_text.keras", {}),  # a layers model
    ("tf/tiny_text.keras", {"output_format": "graph", "quantize": [parse_rule("float16")]}),
], ids=["onnx", "onnx-uint8", "keras-layers", "keras-graph-float16"])
def test_what_the_converter_writes_validates(tmp_path, source, options):
    out = tmp_path / "model"
    convert(FIXTURES / source, out, ConvertOptions(**options))
    document = json.loads((out / "model.json").read_text())
    assert problems(document) == []
    assert document["formatVersion"] == FORMAT_VERSION


@pytest.mark.parametrize("mend, field", [
    (lambda d: d.update(formatVersion=2), "formatVersion"),
    (lambda d: d["weightsManifest"][0]["shards"][0].update(sha256="not a hash"), "weightsManifest/0/shards/0/sha256"),
    (lambda d: d["weightsManifest"][0]["shards"][0].update(path="../escape.bin"), "weightsManifest/0/shards/0/path"),
    (lambda d: d["weightsManifest"][0]["weights"][0].update(dtype="complex64"), "weightsManifest/0/weights/0/dtype"),
    (lambda d: d["topology"]["nodes"][0].pop("op"), "topology/nodes/0"),
    (lambda d: d.pop("topology"), ""),
], ids=["newer-version", "sha256", "path-outside", "dtype", "node-without-op", "graph-without-topology"])
def test_a_broken_model_json_fails_naming_the_field(mend, field):
    document = json.loads((FIXTURES / "graph" / "squeezenet" / "model.json").read_text())
    mend(document)
    found = problems(document)
    assert found and any(p.startswith(f"{field}:") for p in found), found
