"""Real-architecture models built with onnx.helper: converted (optimised or not, quantized or not), read
back from model.json + shards, run through reference.py and compared with onnxruntime on the source."""

import numpy as np
import onnx
import pytest
from onnx_models import ARCHITECTURES, relative_error, run_onnxruntime

from tensorweb.converter import reference
from tensorweb.converter.convert import ConvertOptions, convert
from tensorweb.converter.quantize import parse_rule
from tensorweb.converter.verify import make_feeds
from tensorweb.converter.writer import load_model

VARIANTS = {
    # name: (optimize, quantize, tolerance relative to the output's largest magnitude)
    "float32": (True, [], 1e-4),
    "no-optimize": (False, [], 1e-4),
    "float16": (True, ["float16"], 1e-2),
    "uint8": (True, ["uint8"], 8e-2),
}


def feeds_for(name, graph, batch):
    feeds = {k: np.repeat(v, batch, axis=0) if graph.info[k].shape[0] == -1 else v
             for k, v in make_feeds(graph, seed=3).items()}
    if name == "bert":
        feeds["input_ids"] = np.random.default_rng(3).integers(0, 50, feeds["input_ids"].shape).astype(np.int32)
        feeds["attention_mask"][:, -2:] = 0  # padded positions
    return feeds


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sources")
    paths = {}
    for name, build in ARCHITECTURES.items():
        paths[name] = folder / f"{name}.onnx"
        onnx.save(build(), paths[name])
    return paths


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", ARCHITECTURES)
def test_converted_model_matches_onnxruntime(name, variant, sources, tmp_path):
    optimize, quantize, tolerance = VARIANTS[variant]
    out = tmp_path / "web_model"
    convert(sources[name], out, ConvertOptions(optimize=optimize, quantize=[parse_rule(q) for q in quantize]))
    graph, document = load_model(out)
    feeds = feeds_for(name, graph, batch=2)
    expected = run_onnxruntime(sources[name], feeds)
    actual = reference.run(graph, feeds)
    assert set(actual) == set(expected)
    for output, value in actual.items():
        assert relative_error(value, expected[output]) <= tolerance, output
    ops = {node["op"] for node in document["topology"]["nodes"]}
    if optimize and name != "bert":
        transposes = sum(node["op"] == "transpose" for node in document["topology"]["nodes"])
        # NHWC inside: a transpose where the image comes in, and only where the graph needs a real reorder
        assert transposes == 1
        assert "batchNorm" not in ops or name == "densenet"  # its batch norms come before the convolutions
    if quantize:
        entries = document["weightsManifest"][0]["weights"]
        assert any(e.get("quantization", {}).get("dtype") == quantize[0] for e in entries)


def test_optimised_convnets_fuse_conv_bias_and_activation(sources, tmp_path):
    convert(sources["resnet"], tmp_path / "m")
    graph, _ = load_model(tmp_path / "m")
    counts = graph.op_counts()
    assert counts.get("conv2d", 0) == 0 and counts["fusedConv2d"] == 6
    assert {n.attrs["activation"] for n in graph.nodes if n.op == "fusedConv2d"} == {"relu", "linear"}
