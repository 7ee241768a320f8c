"""ONNX If, Loop and Scan (readers/onnx_control_flow.py): each one-node model of control_flow_models.py
converted, written, read back and run by reference.py against onnxruntime, folded where its condition or
trip count is known; and hostile bodies refused naming the node."""

import json

import numpy as np
import onnx
import pytest
from control_flow_models import CASES, FLOAT, INT64, W, body, constant, counting_body, if_model, loop_model, model, value
from onnx import helper
from onnx_models import relative_error, run_onnxruntime
from test_model_json import problems

from tensorweb.converter import reference
from tensorweb.converter.convert import ConvertOptions, convert
from tensorweb.converter.errors import ConversionError, UnsupportedOpsError
from tensorweb.converter.writer import load_model


def ops_of(graph) -> set[str]:
    return {node.op for node in graph.nodes} | {op for node in graph.nodes for sub in node.subgraphs.values()
                                                for op in ops_of(sub)}


@pytest.mark.parametrize("optimize", [False, True], ids=["raw", "optimized"])
@pytest.mark.parametrize("case", CASES)
def test_control_flow_matches_onnxruntime(case, optimize, tmp_path):
    source, feeds, left = CASES[case]
    path = tmp_path / "model.onnx"
    onnx.save(source, path)
    convert(path, tmp_path / "out", ConvertOptions(optimize=optimize))
    document = json.loads((tmp_path / "out" / "model.json").read_text())
    assert problems(document) == []
    assert document["formatMinorVersion"] == (2 if left else 1)  # subgraphs are minor 2's
    graph, _ = load_model(tmp_path / "out")
    assert sorted({n.op for n in graph.nodes} & {"if", "loop"}) == left
    expected = run_onnxruntime(path, feeds)
    actual = reference.run(graph, {k: v.astype(np.int32) if v.dtype == np.int64 else v for k, v in feeds.items()})
    for name, value_ in expected.items():
        assert actual[name].shape == value_.shape, name
        assert value_.size == 0 or relative_error(actual[name], value_) <= 1e-6, name


def test_nested_bodies_list_what_they_read_from_each_scope(tmp_path):
    path = tmp_path / "model.onnx"
    onnx.save(CASES["loop_with_if"][0], path)
    convert(path, tmp_path / "out")
    graph, _ = load_model(tmp_path / "out")
    (loop,) = [n for n in graph.nodes if n.op == "loop"]
    (inner,) = [n for n in loop.subgraphs["body"].nodes if n.op == "if"]
    relu = next(n.outputs[0] for n in graph.nodes if n.op == "relu")
    weight = next(name for name in graph.constants if np.array_equal(graph.constants[name], W))
    assert relu in inner.subgraphs["then"].outer and weight in inner.subgraphs["else"].outer
    # the loop body passes both on: it reads them from the graph for its If
    assert {relu, weight} <= set(loop.subgraphs["body"].outer) and {relu, weight} <= set(loop.inputs)
    assert weight in graph.parameters  # the If's weight is the root graph's, written in the same shards


def test_a_weight_the_graph_and_both_branches_read_stays_one_weight(tmp_path):
    """One variable to train, as the source framework's one parameter, not a copy per scope."""
    then_branch = body("then", [helper.make_node("Add", ["x", "W"], ["t"])], [], [value("t", FLOAT, [2, 3])])
    else_branch = body("else", [helper.make_node("Mul", ["x", "W"], ["e"])], [], [value("e", FLOAT, [2, 3])])
    nodes = [helper.make_node("Sub", ["x", "W"], ["d"]), helper.make_node("ReduceSum", ["d"], ["s"], keepdims=0),
             constant("zero", np.array(0, np.float32)), helper.make_node("Greater", ["s", "zero"], ["c"]),
             helper.make_node("If", ["c"], ["y"], name="choose", then_branch=then_branch, else_branch=else_branch)]
    path = tmp_path / "model.onnx"
    onnx.save(model(nodes, [value("x", FLOAT, [2, 3])], [value("y", FLOAT, [2, 3])], [("W", W)]), path)
    convert(path, tmp_path / "out")
    graph, _ = load_model(tmp_path / "out")
    assert [name for name in graph.constants if graph.constants[name].shape == W.shape] == ["W"]
    (choose,) = [n for n in graph.nodes if n.op == "if"]
    assert all("W" in sub.outer for sub in choose.subgraphs.values())
    assert json.loads((tmp_path / "out" / "model.json").read_text())["trainable"] == ["W"]


def test_a_known_condition_inlines_the_branch_and_a_known_trip_count_unrolls(tmp_path):
    for source in (if_model(cond_initializer=True), loop_model(trip=2)):
        onnx.save(source, tmp_path / "m.onnx")
        convert(tmp_path / "m.onnx", tmp_path / "out", ConvertOptions(force=True))
        graph, _ = load_model(tmp_path / "out")
        assert not ops_of(graph) & {"if", "loop"}


def test_a_trip_count_past_the_runtime_limit_is_refused_naming_the_node(tmp_path):
    onnx.save(loop_model(trip=2**31), tmp_path / "m.onnx")
    with pytest.raises(ConversionError, match=r"node 'count' \(Loop\): trip count 2147483648 is over the runtime's limit"):
        convert(tmp_path / "m.onnx", tmp_path / "out")


def test_a_body_reading_a_missing_name_is_refused_naming_the_node(tmp_path):
    broken = counting_body(step="nowhere")
    node = helper.make_node("Loop", ["n", "true", "v0"], ["v", "scans"], name="count", body=broken)
    source = model([node], [value("x", FLOAT, [2, 3]), value("n", INT64, [])],
                   [value("v", FLOAT, [2, 3]), value("scans", FLOAT, [None, 2, 3])],
                   [("v0", W), ("true", np.array(True))])
    onnx.save(source, tmp_path / "m.onnx")
    with pytest.raises(ConversionError, match=r"node 'count/body/Mul_1': input 'nowhere' is produced by no earlier node"):
        convert(tmp_path / "m.onnx", tmp_path / "out")


def test_branches_whose_outputs_disagree_in_count_are_refused_naming_the_node(tmp_path):
    source = if_model()
    then_branch = next(a.g for a in source.graph.node[-1].attribute if a.name == "then_branch")
    then_branch.output.append(value("x", FLOAT, [2, 3]))
    onnx.save(source, tmp_path / "m.onnx")
    with pytest.raises(ConversionError, match=r"node 'choose' \(If\): then_branch gives 2 outputs, else_branch 1"):
        convert(tmp_path / "m.onnx", tmp_path / "out")


def test_an_unsupported_op_inside_a_body_is_reported_under_its_path(tmp_path):
    then_branch = body("then", [helper.make_node("Det", ["x"], ["t"])], [], [value("t", FLOAT, None)])
    else_branch = body("else", [constant("e", np.zeros((), np.float32))], [], [value("e", FLOAT, None)])
    node = helper.make_node("If", ["c"], ["y"], name="pick", then_branch=then_branch, else_branch=else_branch)
    onnx.save(model([node], [value("x", FLOAT, [2, 3]), value("c", onnx.TensorProto.BOOL, [])], [value("y", FLOAT, None)]),
              tmp_path / "m.onnx")
    with pytest.raises(UnsupportedOpsError, match=r"pick/then/Det_0"):
        convert(tmp_path / "m.onnx", tmp_path / "out")

