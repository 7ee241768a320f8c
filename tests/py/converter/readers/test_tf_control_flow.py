"""TensorFlow's functional control flow (readers/tf.py: If/StatelessIf, While/StatelessWhile): GraphDefs
with function libraries built with the reader's own protos (TensorFlow is not installed), converted,
written, read back and run by reference.py against numpy; a known condition inlines, a loop counter
compared with a constant unrolls, and a While whose body holds an If nests."""

import numpy as np
import pytest
from test_tf import const, op, placeholder

from tensorweb.converter import reference
from tensorweb.converter.convert import convert
from tensorweb.converter.readers import tf_protos
from tensorweb.converter.writer import load_model

FLOAT, INT32, BOOL = 1, 3, 10


def function(name: str, inputs: dict, outputs: dict, nodes) -> "tf_protos.FunctionDef":
    """inputs: arg -> dtype; outputs: arg -> (dtype, 'node:out:0' it returns)."""
    f = tf_protos.FunctionDef()
    f.signature.name = name
    for a, t in inputs.items():
        f.signature.input_arg.add(name=a, type=t)
    for a, (t, _) in outputs.items():
        f.signature.output_arg.add(name=a, type=t)
    f.node_def.extend(nodes)
    for arg, (_, ref) in outputs.items():
        f.ret[arg] = ref
    return f


def calls(node, **functions):
    for attr, name in functions.items():
        node.attr[attr].func.name = name
    return node


def write(path, nodes, functions):
    graph = tf_protos.GraphDef(node=nodes)
    graph.library.function.extend(functions)
    path.write_bytes(graph.SerializeToString())
    return path


def run(tmp_path, nodes, functions, feeds):
    convert(write(tmp_path / "g.pb", nodes, functions), tmp_path / "out")
    graph, _ = load_model(tmp_path / "out")
    return graph, reference.run(graph, feeds)


def control_flow_ops(graph):
    return sorted(n.op for n in graph.nodes if n.op in ("if", "loop"))


SIGN = [function("relu_fn", {"a": FLOAT}, {"r": (FLOAT, "relu:activations:0")}, [op("relu", "Relu", ["a"])]),
        function("neg_fn", {"a": FLOAT}, {"r": (FLOAT, "neg:y:0")}, [op("neg", "Neg", ["a"])])]


@pytest.mark.parametrize("flag", [True, False])
def test_if_on_a_runtime_condition_becomes_an_if_node(flag, tmp_path):
    nodes = [placeholder("x", [2, 3]), placeholder("flag", [], dtype=BOOL),
             calls(op("branch", "StatelessIf", ["flag", "x"]), then_branch="relu_fn", else_branch="neg_fn"),
             op("y", "Identity", ["branch"])]
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    graph, got = run(tmp_path, nodes, SIGN, {"x": x, "flag": np.array(flag)})
    assert control_flow_ops(graph) == ["if"]
    np.testing.assert_array_equal(got["y"], np.maximum(x, 0) if flag else -x)


def test_if_on_a_constant_inlines_the_branch(tmp_path):
    nodes = [placeholder("x", [2, 3]), const("flag", np.array(False)),
             calls(op("branch", "If", ["flag", "x"]), then_branch="relu_fn", else_branch="neg_fn"),
             op("y", "Identity", ["branch"])]
    x = np.ones((2, 3), np.float32)
    graph, got = run(tmp_path, nodes, SIGN, {"x": x})
    assert control_flow_ops(graph) == []
    np.testing.assert_array_equal(got["y"], -x)


COUNTER = [
    function("below_four", {"i": INT32, "v": FLOAT}, {"c": (BOOL, "less:z:0")},
             [const("four", np.array(4, np.int32)), op("less", "Less", ["i", "four:output:0"])]),
    function("double", {"i": INT32, "v": FLOAT}, {"i2": (INT32, "inc:z:0"), "v2": (FLOAT, "twice:z:0")},
             [const("one", np.array(1, np.int32)), op("inc", "AddV2", ["i", "one:output:0"]),
              op("twice", "AddV2", ["v", "v"])])]


def test_a_while_over_a_counter_unrolls(tmp_path):
    nodes = [placeholder("x", [2, 3]), const("zero", np.array(0, np.int32)),
             calls(op("loop", "StatelessWhile", ["zero", "x"]), cond="below_four", body="double"),
             op("y", "Identity", ["loop:1"])]
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    graph, got = run(tmp_path, nodes, COUNTER, {"x": x})
    assert control_flow_ops(graph) == []
    np.testing.assert_array_equal(got["y"], x * 16)


def test_a_while_on_data_becomes_a_loop(tmp_path):
    functions = [
        function("small", {"v": FLOAT}, {"c": (BOOL, "less:z:0")},
                 [const("axes", np.array([0, 1], np.int32)), const("limit", np.array(100, np.float32)),
                  op("total", "Sum", ["v", "axes:output:0"]), op("less", "Less", ["total:output:0", "limit:output:0"])]),
        function("grow", {"v": FLOAT}, {"v2": (FLOAT, "twice:z:0")}, [op("twice", "AddV2", ["v", "v"])])]
    nodes = [placeholder("x", [2, 3]), calls(op("loop", "While", ["x"]), cond="small", body="grow"),
             op("y", "Identity", ["loop"])]
    x = np.full((2, 3), 0.5, np.float32)
    graph, got = run(tmp_path, nodes, functions, {"x": x})
    assert control_flow_ops(graph) == ["loop"]
    expected = x.copy()
    while expected.sum() < 100:
        expected = expected * 2
    np.testing.assert_array_equal(got["y"], expected)


def test_a_while_whose_body_holds_an_if_nests(tmp_path):
    functions = [
        function("below_n", {"i": INT32, "n": INT32, "v": FLOAT}, {"c": (BOOL, "less:z:0")},
                 [op("less", "Less", ["i", "n"])]),
        function("step", {"i": INT32, "n": INT32, "v": FLOAT},
                 {"i2": (INT32, "inc:z:0"), "n2": (INT32, "same:output:0"), "v2": (FLOAT, "pick:output:0")},
                 [const("one", np.array(1, np.int32)), const("two", np.array(2, np.int32)),
                  const("zero", np.array(0, np.int32)), op("inc", "AddV2", ["i", "one:output:0"]),
                  op("same", "Identity", ["n"]), op("parity", "FloorMod", ["i", "two:output:0"]),
                  op("even", "Equal", ["parity:z:0", "zero:output:0"]),
                  calls(op("pick", "StatelessIf", ["even:z:0", "v"]), then_branch="relu_fn", else_branch="neg_fn")]),
        *SIGN]
    nodes = [placeholder("x", [2, 3]), placeholder("n", [], dtype=INT32), const("zero", np.array(0, np.int32)),
             calls(op("loop", "StatelessWhile", ["zero", "n", "x"]), cond="below_n", body="step"),
             op("y", "Identity", ["loop:2"])]
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    graph, got = run(tmp_path, nodes, functions, {"x": x, "n": np.array(5, np.int32)})
    (loop,) = [n for n in graph.nodes if n.op == "loop"]
    assert [n.op for n in loop.subgraphs["body"].nodes if n.op == "if"] == ["if"]
    expected = x
    for i in range(5):
        expected = np.maximum(expected, 0) if i % 2 == 0 else -expected
    np.testing.assert_array_equal(got["y"], expected)
