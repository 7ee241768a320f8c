"""The shape program (converter/shape_program.py): ONNX shape arithmetic over free dimensions, each op
kept for the runtime, converted with no --input-shape, read back from model.json, and run by
reference.py at two sets of input shapes against onnxruntime."""

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_models import run_onnxruntime

from tensorweb.converter import reference
from tensorweb.converter.convert import ConvertOptions, convert
from tensorweb.converter.errors import UnsupportedOpsError
from tensorweb.converter.readers.onnx import read_onnx
from tensorweb.converter.writer import load_model

i64 = lambda *values: np.array(values, np.int64)  # noqa: E731
N = helper.make_node
SHAPES = [(2, 4), (3, 6)]  # x is [batch, sequence, 8]


def split_heads(dims: list[str]) -> list:
    """Concat(dims..., [2, 4]) -> Reshape(x): x [b, s, 8] into [b, s, 2, 4] from scalar values `dims`."""
    return [*(N("Unsqueeze", [d, "axis0"], [f"{d}_1"]) for d in dims),
            N("Concat", [*(f"{d}_1" for d in dims), "heads"], ["target"], axis=0),
            N("Reshape", ["x", "target"], ["y"])]


GATHER = [N("Shape", ["x"], ["shape"]), N("Gather", ["shape", "zero"], ["b"]), N("Gather", ["shape", "one"], ["s"])]

CASES = {
    # id: nodes computing output y from x [b, s, 8] (initializers below)
    "gather-unsqueeze-concat-reshape": GATHER + split_heads(["b", "s"]),
    "shape-start-end-slice": [N("Shape", ["x"], ["bs"], end=2), N("Concat", ["bs", "heads"], ["target"], axis=0),
                              N("Reshape", ["x", "target"], ["y"])],
    "slice-of-shape": [N("Shape", ["x"], ["shape"]), N("Slice", ["shape", "zero1", "two1"], ["bs"]),
                       N("Concat", ["bs", "heads"], ["target"], axis=0), N("Reshape", ["x", "target"], ["y"])],
    "mul-div": GATHER + [N("Div", ["s", "two"], ["half"]), N("Mul", ["s", "one"], ["s_again"]),
                         N("Div", ["s_again", "s_again"], ["unit"]), N("Mul", ["unit", "sixteen"], ["width"])]
    + [*(N("Unsqueeze", [d, "axis0"], [f"{d}_1"]) for d in ("b", "half", "width")),
       N("Concat", ["b_1", "half_1", "width_1"], ["target"], axis=0), N("Reshape", ["x", "target"], ["y"])],
    "add-sub-through-float-cast": GATHER + [
        N("Cast", ["s"], ["s_f"], to=TensorProto.FLOAT), N("Div", ["s_f", "two_f"], ["half_f"]),
        N("Cast", ["half_f"], ["half_i"], to=TensorProto.INT64), N("Add", ["half_i", "one"], ["plus"]),
        N("Sub", ["plus", "one"], ["half"]), N("Unsqueeze", ["b", "axis0"], ["b_1"]),
        N("Unsqueeze", ["half", "axis0"], ["half_1"]), N("Concat", ["b_1", "half_1", "sixteen1"], ["target"], axis=0),
        N("Reshape", ["x", "target"], ["y"])],
    "zero-copies-a-dimension": GATHER + [N("Unsqueeze", ["s", "axis0"], ["s_1"]),
                                         N("Concat", ["zero1", "s_1", "heads"], ["target"], axis=0),
                                         N("Reshape", ["x", "target"], ["y"])],
    "squeeze-reduceprod": [N("Shape", ["x"], ["shape"]), N("Gather", ["shape", "zero1"], ["b_vec"]),
                           N("Squeeze", ["b_vec", "zero1"], ["b"]), N("Gather", ["shape", "one1"], ["s_vec"]),
                           N("ReduceProd", ["s_vec"], ["s_1"], keepdims=1),
                           N("Unsqueeze", ["b", "axis0"], ["b_1"]),
                           N("Concat", ["b_1", "s_1", "heads"], ["target"], axis=0), N("Reshape", ["x", "target"], ["y"])],
    "where-equal-min-max": GATHER + [N("Equal", ["b", "b"], ["same"]), N("Min", ["s", "sixtyfour"], ["s_min"]),
                                     N("Max", ["s_min", "one"], ["s_max"]), N("Where", ["same", "s_max", "one"], ["s2"])]
    + split_heads(["b", "s2"]),
    "expand": GATHER + [N("Unsqueeze", ["b", "axis0"], ["b_1"]), N("Unsqueeze", ["s", "axis0"], ["s_1"]),
                        N("Concat", ["b_1", "s_1", "one1"], ["target"], axis=0),
                        N("Expand", ["row", "target"], ["y"])],
    "constant-of-shape": [N("Shape", ["x"], ["shape"]),
                          N("ConstantOfShape", ["shape"], ["y"], value=numpy_helper.from_array(np.array([1.5], np.float32)))],
    "range": GATHER + [N("Range", ["one", "s", "one"], ["positions"]), N("Cast", ["positions"], ["y"], to=TensorProto.FLOAT)],
    "slice-with-computed-end": GATHER + [N("Unsqueeze", ["s", "axis0"], ["s_1"]),
                                         N("Slice", ["table", "zero1", "s_1", "zero1"], ["y"])],
}
scalar = lambda value: np.array(value, np.int64)  # noqa: E731
INITIALIZERS = {"zero": scalar(0), "one": scalar(1), "two": scalar(2), "zero1": i64(0), "one1": i64(1), "two1": i64(2),
                "axis0": i64(0), "heads": i64(2, 4), "sixteen": scalar(16), "sixteen1": i64(16), "sixtyfour": scalar(64),
                "two_f": np.array(2, np.float32), "row": np.arange(8, dtype=np.float32).reshape(1, 1, 8),
                "table": np.arange(64 * 8, dtype=np.float32).reshape(64, 8)}


def model_file(nodes, tmp_path, opset=17):
    used = {i for n in nodes for i in n.input}
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "sequence", 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in INITIALIZERS.items() if k in used])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8), path)
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_shape_op_runs_at_any_size(case, tmp_path):
    path = model_file(CASES[case], tmp_path)
    convert(path, tmp_path / "out")  # no --input-shape
    document = json.loads((tmp_path / "out" / "model.json").read_text())
    assert document["topology"]["shapeProgram"], "kept for the runtime"
    assert any("shapeAttrs" in n for n in document["topology"]["nodes"])
    graph, _ = load_model(tmp_path / "out")
    rng = np.random.default_rng(0)
    for batch, length in SHAPES:
        x = rng.standard_normal((batch, length, 8)).astype(np.float32)
        expected = run_onnxruntime(path, {"x": x})["y"]
        got = reference.run(graph, {"x": x})["y"]
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("fixed, target", [([2, 5, 8], [2, 5, 2, 4]),
                                           # the batch left free: one free entry, which the runtime's reshape infers
                                           ([-1, 5, 8], [-1, 5, 2, 4])])
def test_input_shape_still_fixes_sizes_and_then_no_program_is_kept(fixed, target, tmp_path):
    path = model_file(CASES["gather-unsqueeze-concat-reshape"], tmp_path)
    convert(path, tmp_path / "out", ConvertOptions(input_shapes={"x": fixed}))
    document = json.loads((tmp_path / "out" / "model.json").read_text())
    assert "shapeProgram" not in document["topology"]
    assert [n["attrs"]["shape"] for n in document["topology"]["nodes"] if n["op"] == "reshape"] == [target]
    assert not any("shapeAttrs" in n for n in document["topology"]["nodes"])


def test_a_shape_computation_the_program_lacks_is_refused_by_node(tmp_path):
    # Mod with fmod=1 is not a shape program op: the reshape it feeds names the fix
    nodes = GATHER + [N("Mod", ["s", "sixtyfour"], ["s_mod"], fmod=1)] + split_heads(["b", "s_mod"])
    nodes[-1].name = "split_heads"
    with pytest.raises(UnsupportedOpsError, match="split_heads.*shape program does not express.*--input-shape"):
        read_onnx(model_file(nodes, tmp_path))


def test_the_format_lists_exactly_the_programs_ops():
    from tensorweb.converter.model_json import SCHEMA
    from tensorweb.converter.shape_program import OPS, SOURCE_OPS
    program = SCHEMA["$defs"]["graphTopology"]["properties"]["shapeProgram"]["items"]["properties"]
    assert set(program["op"]["enum"]) == set(OPS) | set(SOURCE_OPS)
