import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tensorweb.converter.errors import ConversionError, MalformedModelError
from tensorweb.converter.ir import Graph
from tensorweb.converter.quantize import encode_weights, parse_rule
from tensorweb.converter.writer import load_model, write_model


def small_graph(size=1000):
    g = Graph()
    x = g.add_input("x", [-1, size], "float32")
    w = g.add_constant(np.arange(size * 3, dtype=np.float32).reshape(size, 3) / size, "dense/kernel", parameter=True)
    y = g.emit("fusedMatMul", x, w, g.add_constant(np.ones(3, np.float32), "dense/bias", parameter=True),
               activation="relu", name="dense")
    g.outputs = [g.emit("argMax", y, axis=1, name="label")]
    return g


def write(graph, out, shard_bytes=4096, force=False, rules=()):
    return write_model(graph, out, encode_weights(graph.constants, list(rules)), producer={"name": "test"},
                       metadata={"labels": ["a", "b", "c"]}, shard_bytes=shard_bytes, force=force)


def test_model_json_follows_the_design(tmp_path):
    write(small_graph(), tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    assert doc["format"] == "tensorweb-graph" and doc["formatVersion"] == 1 and doc["formatMinorVersion"] == 1
    assert set(doc) == {"format", "formatVersion", "formatMinorVersion", "producer", "topology", "weightsManifest",
                        "signature", "trainable", "metadata"}
    assert "shapeProgram" not in doc["topology"]  # written only where shapes follow free dimensions
    assert doc["topology"]["inputs"] == [{"name": "x", "dtype": "float32", "shape": [-1, 1000]}]
    assert doc["topology"]["outputs"] == [{"name": "label", "dtype": "int32", "shape": [-1]}]
    node = doc["topology"]["nodes"][0]
    assert node["op"] == "fusedMatMul" and node["attrs"]["activation"] == "relu"
    assert doc["signature"]["inputs"]["x"]["shape"] == [-1, 1000]
    assert doc["trainable"] == ["dense/kernel", "dense/bias"]
    assert doc["metadata"]["labels"] == ["a", "b", "c"]


def graph_with_made_up_constants():
    """A parameter, a scalar parameter, and constants the converter made: a mask fill, an int index."""
    g = Graph()
    x = g.add_input("x", [-1, 4], "float32")
    scaled = g.emit("mul", x, g.add_constant(np.full(4, 2, np.float32), "kernel", parameter=True))
    shifted = g.emit("add", scaled, g.add_constant(np.zeros([1, 4], np.float32), "Expand/zeros"))
    scaled = g.emit("mul", shifted, g.add_constant(np.float32(0.5), "temperature", parameter=True))
    g.outputs = [g.emit("gather", scaled, g.add_constant(np.array([0, 2], np.int32), "indices"), axis=1)]
    return g


@pytest.mark.parametrize("rule", [None, "float16", "uint8"])
def test_trainable_lists_the_parameters_and_survives_a_round_trip(rule, tmp_path):
    rules = [parse_rule(rule)] if rule else []
    write(graph_with_made_up_constants(), tmp_path / "m", rules=rules)
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    assert doc["trainable"] == ["kernel", "temperature"]  # quantised ones too: the runtime dequantises them
    loaded, _ = load_model(tmp_path / "m")
    assert loaded.parameters == {"kernel", "temperature"}
    write(loaded, tmp_path / "again", rules=rules)
    assert json.loads((tmp_path / "again" / "model.json").read_text())["trainable"] == ["kernel", "temperature"]


def test_shards_are_cut_at_the_size_with_length_and_sha256(tmp_path):
    summary = write(small_graph(), tmp_path / "m", shard_bytes=5000)
    group = json.loads((tmp_path / "m" / "model.json").read_text())["weightsManifest"][0]
    assert summary.weight_bytes == 12012 and summary.shards == 3
    assert group["paths"] == [f"group1-shard{i}of3.bin" for i in (1, 2, 3)]
    for shard in group["shards"]:
        data = (tmp_path / "m" / shard["path"]).read_bytes()
        assert len(data) == shard["byteLength"] and hashlib.sha256(data).hexdigest() == shard["sha256"]
    assert [s["byteLength"] for s in group["shards"]] == [5000, 5000, 2012]


@pytest.mark.parametrize("rule", [None, "float16", "uint8"])
def test_weights_read_back(rule, tmp_path):
    g = small_graph()
    write(g, tmp_path / "m", rules=[parse_rule(rule)] if rule else [])
    loaded, _ = load_model(tmp_path / "m")
    tolerance = {None: 0, "float16": 1e-3, "uint8": 1e-2}[rule]
    for name, value in g.constants.items():
        np.testing.assert_allclose(loaded.constants[name], value, atol=tolerance * 3)
    assert [n.op for n in loaded.nodes] == [n.op for n in g.nodes]


def test_an_existing_folder_needs_force(tmp_path):
    out = tmp_path / "m"
    write(small_graph(), out)
    with pytest.raises(ConversionError, match="already exists"):
        write(small_graph(), out)
    write(small_graph(10), out, force=True)
    assert json.loads((out / "model.json").read_text())["topology"]["inputs"][0]["shape"] == [-1, 10]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    g = small_graph()
    g.outputs = ["missing"]  # the topology cannot be described
    with pytest.raises(KeyError):
        write(g, tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


def test_a_tampered_shard_is_detected(tmp_path):
    write(small_graph(), tmp_path / "m")
    shard = tmp_path / "m" / "group1-shard1of3.bin"
    data = bytearray(shard.read_bytes())
    data[0] ^= 1
    shard.write_bytes(bytes(data))
    with pytest.raises(MalformedModelError, match="sha256"):
        load_model(tmp_path / "m")


def test_reading_back_a_newer_format_version_is_refused_naming_it(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(Path(__file__).resolve().parents[2] / "fixtures" / "graph" / "squeezenet", folder)
    document = json.loads((folder / "model.json").read_text())
    document["formatVersion"] = 2
    (folder / "model.json").write_text(json.dumps(document))
    with pytest.raises(MalformedModelError, match="formatVersion is 2; this converter reads 1 to 1"):
        load_model(folder)


def test_a_node_the_schema_refuses_is_not_written(tmp_path):
    graph = small_graph()
    graph.nodes[0].attrs["activation"] = "gelu"  # as a pass that went wrong would leave it
    with pytest.raises(ConversionError, match=r"node 'dense' \(fusedMatMul\): .*'activation' must be one of"):
        write(graph, tmp_path / "m")
    assert not (tmp_path / "m").exists()
