"""control_flow.py: shapes merged across branches and iterations, a carried value that grows, and
reference.run's loop limits (the runtime's MAX_LOOP_ITERATIONS)."""

import numpy as np
import onnx
import pytest
from control_flow_models import CASES, FLOAT, INT64, BOOL, body, loop_model, model, value
from onnx import helper
from onnx_models import run_onnxruntime

from tensorweb.converter import control_flow, reference
from tensorweb.converter.convert import read_graph
from tensorweb.converter.errors import ConversionError
from tensorweb.converter.ops import TensorInfo


def test_merged_infos_free_the_dims_that_differ_and_refuse_other_dtypes_or_ranks():
    a, b = TensorInfo((2, 3), "float32"), TensorInfo((5, 3), "float32")
    assert control_flow.merged_info(a, b, "output 0") == TensorInfo((-1, 3), "float32")
    with pytest.raises(ConversionError, match="output 0: float32 on one path, int32 on the other"):
        control_flow.merged_info(a, TensorInfo((2, 3), "int32"), "output 0")
    with pytest.raises(ConversionError, match="output 0: rank 2 on one path, 1 on the other"):
        control_flow.merged_info(a, TensorInfo((3,), "float32"), "output 0")


def test_a_carried_value_that_grows_gets_a_free_dim(tmp_path):
    nodes = [helper.make_node("Concat", ["v", "x"], ["v_next"], axis=0), helper.make_node("Identity", ["cond"], ["c"])]
    grow = body("body", nodes, [value("i", INT64, []), value("cond", BOOL, []), value("v", FLOAT, [None, 3])],
                [value("c", BOOL, []), value("v_next", FLOAT, [None, 3])])
    source = model([helper.make_node("Loop", ["n", "", "x"], ["v"], name="grow", body=grow)],
                   [value("x", FLOAT, [1, 3]), value("n", INT64, [])], [value("v", FLOAT, [None, 3])])
    onnx.save(source, tmp_path / "m.onnx")
    _, result = read_graph(tmp_path / "m.onnx")
    assert result.graph.info["v"].shape == (-1, 3)
    (loop,) = result.graph.nodes
    assert loop.subgraphs["body"].info[loop.subgraphs["body"].inputs[2]].shape == (-1, 3)
    feeds = {"x": np.arange(3, dtype=np.float32).reshape(1, 3), "n": np.array(4, np.int64)}
    expected = run_onnxruntime(tmp_path / "m.onnx", feeds)["v"]
    np.testing.assert_array_equal(reference.run(result.graph, {**feeds, "n": np.array(4, np.int32)})["v"], expected)


def test_reference_runs_refuse_what_the_runtime_refuses(tmp_path, monkeypatch):
    onnx.save(loop_model(), tmp_path / "count.onnx")
    _, counted = read_graph(tmp_path / "count.onnx")
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ConversionError, match=r"node 'count' \(loop\): trip count 2147483647 exceeds 1048576"):
        reference.run(counted.graph, {"x": x, "n": np.array(2**31 - 1, np.int32)})
    onnx.save(CASES["loop_while_condition"][0], tmp_path / "grow.onnx")
    _, grown = read_graph(tmp_path / "grow.onnx")
    monkeypatch.setattr(control_flow, "MAX_LOOP_ITERATIONS", 50)
    with pytest.raises(ConversionError, match=r"node 'grow' \(loop\): still running after 50 iterations"):
        reference.run(grown.graph, {"x": x, "limit": np.array(np.inf, np.float32)})
