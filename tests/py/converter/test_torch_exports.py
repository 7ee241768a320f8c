"""Models exported from PyTorch (tests/fixtures/onnx, made by scripts/make_onnx_fixtures.py) by both of its
exporters convert and match the outputs PyTorch recorded, with and without the passes and quantized.
The torch.export-based exports keep their weights in external data files."""

from pathlib import Path

import numpy as np
import pytest
from onnx_models import relative_error, run_onnxruntime

from tensorweb.converter import reference
from tensorweb.converter.convert import ConvertOptions, convert
from tensorweb.converter.quantize import parse_rule
from tensorweb.converter.writer import load_model

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "onnx"
# converted with no --input-shape: the TorchScript encoder slices its position table by the sequence length
# and minilm_dynamic splits its heads over batch and sequence, both through the shape program (the
# torch.export-based exporter fixed the sequence itself); the batch stays free
INPUT_SHAPES = {"torch_convnet": {}, "torch_encoder": {}, "torch_convnet_dynamo": {}, "torch_encoder_dynamo": {},
                "minilm_dynamic": {}}
VARIANTS = {"float32": (True, [], 1e-4), "no-optimize": (False, [], 1e-4), "float16": (True, ["float16"], 1e-2),
            "uint8": (True, ["uint8"], 8e-2)}


def recorded(name):
    with np.load(FIXTURES / f"{name}.npz") as data:
        arrays = dict(data)
    inputs = {k: v for k, v in arrays.items() if not k.startswith("output_")}
    outputs = {k.removeprefix("output_"): v for k, v in arrays.items() if k.startswith("output_")}
    return inputs, outputs


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", INPUT_SHAPES)
def test_converted_export_matches_pytorch(name, variant, tmp_path):
    optimize, quantize, tolerance = VARIANTS[variant]
    options = ConvertOptions(optimize=optimize, quantize=[parse_rule(q) for q in quantize],
                             input_shapes=INPUT_SHAPES[name])
    convert(FIXTURES / f"{name}.onnx", tmp_path / "web", options)
    graph, _ = load_model(tmp_path / "web")
    inputs, expected = recorded(name)
    feeds = {k: v.astype(np.int32) if v.dtype == np.int64 else v for k, v in inputs.items()}
    actual = reference.run(graph, feeds)
    for output, value in expected.items():
        assert relative_error(actual[output], value) <= tolerance, output
    assert graph.info[graph.inputs[0]].shape[0] == -1  # the batch stays free


@pytest.mark.parametrize("name", ["torch_encoder", "torch_encoder_dynamo"])
def test_optimised_encoder_uses_fused_layers(name, tmp_path):
    convert(FIXTURES / f"{name}.onnx", tmp_path / "web", ConvertOptions(input_shapes=INPUT_SHAPES[name]))
    counts = load_model(tmp_path / "web")[0].op_counts()
    assert counts["layerNorm"] == 3 and counts["gelu"] == 1 and counts["fusedMatMul"] == 7
    assert "erf" not in counts and "sqrt" not in counts


@pytest.mark.parametrize("name", ["torch_encoder", "minilm_dynamic"])
def test_a_free_sequence_length_stays_free(name, tmp_path):
    convert(FIXTURES / f"{name}.onnx", tmp_path / "web")
    graph, _ = load_model(tmp_path / "web")
    assert graph.info["input_ids"].shape == (-1, -1)
    rng = np.random.default_rng(1)
    for batch, length in ((1, 3), (3, 17)):
        feeds = {"input_ids": rng.integers(0, 100, (batch, length)), "attention_mask": np.ones((batch, length), np.int64)}
        expected = run_onnxruntime(FIXTURES / f"{name}.onnx", feeds)
        actual = reference.run(graph, {k: v.astype(np.int32) for k, v in feeds.items()})
        for output, value in expected.items():
            assert actual[output].shape == value.shape and relative_error(actual[output], value) <= 1e-4, output


GPT = Path(__file__).resolve().parents[2] / "fixtures" / "gpt"


def test_a_gpt2_decoder_with_a_kv_cache_converts_as_exported(tmp_path):
    """tests/fixtures/gpt/tiny_gpt.onnx (make_tiny_gpt.py): position ids are a range plus the past length, which
    the shape program computes into a fill; one converted graph serves the prompt (past 0) and decode steps."""
    convert(GPT / "tiny_gpt.onnx", tmp_path / "web")
    graph, _ = load_model(tmp_path / "web")
    assert graph.info["input_ids"].shape == (-1, -1)
    assert graph.info["past_key_values.0.key"].shape == (-1, 4, -1, 16)
    rng = np.random.default_rng(2)
    for past, length in ((0, 9), (7, 1), (3, 4)):
        feeds = {"input_ids": rng.integers(0, 1000, (1, length))}
        feeds.update({f"past_key_values.{i}.{kind}": rng.standard_normal((1, 4, past, 16)).astype(np.float32)
                      for i in range(2) for kind in ("key", "value")})
        expected = run_onnxruntime(GPT / "tiny_gpt.onnx", feeds)
        actual = reference.run(graph, {k: v.astype(np.int32) if v.dtype == np.int64 else v for k, v in feeds.items()})
        for output, value in expected.items():
            assert actual[output].shape == value.shape and relative_error(actual[output], value) <= 1e-4, (past, output)
    with np.load(GPT / "tiny_gpt.npz") as recorded:
        logits = reference.run(graph, {"input_ids": recorded["prompt_ids"].astype(np.int32), **{
            f"past_key_values.{i}.{kind}": np.zeros((1, 4, 0, 16), np.float32) for i in range(2) for kind in ("key", "value")}})
        assert relative_error(logits["logits"], recorded["logits"]) <= 1e-4
