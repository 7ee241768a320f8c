import builtins
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx_models import bert, resnet

from tensorweb.converter import verify as verify_module
from tensorweb.converter.convert import ConvertOptions, convert
from tensorweb.converter.errors import ConversionError
from tensorweb.converter.quantize import parse_rule
from tensorweb.converter.verify import compare, verify

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures"))
import mediapipe_models  # noqa: E402


@pytest.fixture
def converted(tmp_path):
    source = tmp_path / "bert.onnx"
    onnx.save(bert(), source)
    convert(source, tmp_path / "web")
    return tmp_path / "web", source


def test_every_output_is_compared_against_onnxruntime(converted):
    errors, rtol, runner = verify(*converted)
    assert runner.startswith("onnxruntime") and rtol == 1e-4
    assert [e.name for e in errors] == [o.name for o in bert().graph.output]
    assert all(e.relative < 1e-5 for e in errors)


def test_without_onnxruntime_the_source_runs_through_the_reference(converted, monkeypatch):
    real_import = builtins.__import__

    def no_onnxruntime(name, *args, **kwargs):
        if name == "onnxruntime":
            raise ImportError("not installed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnxruntime)
    errors, _, runner = verify(*converted)
    assert runner == "reference.py on the unoptimised graph (onnxruntime is not installed)"
    assert all(e.relative < 1e-5 for e in errors)


@pytest.mark.parametrize("rule,rtol", [("float16", 1e-2), ("uint8", 5e-2)])
def test_the_default_tolerance_follows_the_quantization(rule, rtol, tmp_path):
    source = tmp_path / "resnet.onnx"
    onnx.save(resnet(), source)
    convert(source, tmp_path / "web", ConvertOptions(quantize=[parse_rule(rule)]))
    assert verify(tmp_path / "web", source)[1] == rtol


def test_an_inputs_file_must_name_every_input(converted, tmp_path):
    np.savez(tmp_path / "inputs.npz", input_ids=np.zeros((1, 8), np.int64))
    with pytest.raises(ConversionError, match="attention_mask"):
        verify(*converted, inputs_file=tmp_path / "inputs.npz")


def test_compare_measures_error_against_the_outputs_scale():
    error = compare(np.array([1.0, 2.0, 10.5]), np.array([1.0, 2.0, 10.0]), "y")
    assert error.max_abs == 0.5 and error.relative == 0.05
    assert compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), "y").max_abs == 0.0
    with pytest.raises(ConversionError, match="shape"):
        compare(np.zeros(3), np.zeros(4), "y")
    assert verify_module.DEFAULT_RTOL[None] == 1e-4


def test_a_source_onnxruntime_cannot_load_is_verified_through_the_reference(tmp_path):
    """onnx writes IR versions newer than onnxruntime reads; verify still answers, and says how."""
    import onnx
    from onnx import TensorProto, helper

    from tensorweb.converter.convert import convert
    from tensorweb.converter.verify import verify

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "newer_ir",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 99  # newer than any onnxruntime reads
    source = tmp_path / "newer_ir.onnx"
    onnx.save(model, source)
    convert(source, tmp_path / "out")
    errors, _, runner = verify(tmp_path / "out", source)
    assert runner.startswith("reference.py") and "cannot load it" in runner
    assert [e.max_abs for e in errors] == [0.0]


@pytest.fixture
def converted_tflite(tmp_path):
    source = mediapipe_models.model_path("face_detection_short_range")
    convert(source, tmp_path / "web")
    return tmp_path / "web", source


def test_a_tflite_source_runs_in_litert(converted_tflite):
    errors, rtol, runner = verify(*converted_tflite)
    assert runner == "LiteRT (ai-edge-litert)"
    assert rtol == 1e-4  # its float16 weights are stored as float16 again: nothing was quantized
    assert [e.name for e in errors] == ["regressors", "classificators"]
    assert all(e.relative < 1e-5 for e in errors)


def test_without_litert_a_tflite_source_runs_through_the_reference(converted_tflite, monkeypatch):
    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)  # import raises ImportError
    errors, _, runner = verify(*converted_tflite)
    assert runner == "reference.py on the unoptimised graph (ai-edge-litert is not installed)"
    assert all(e.relative < 1e-5 for e in errors)
