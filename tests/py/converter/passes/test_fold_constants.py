import numpy as np
from graphs import run_pass_and_compare, weight

from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.fold_constants import fold_constants


def test_nodes_reading_only_weights_become_weights():
    g = Graph()
    x = g.add_input("x", [2, 4], "float32")
    w = g.emit("transpose", g.add_constant(weight(3, 4)), perm=[1, 0])
    scaled = g.emit("mul", w, g.add_constant(np.float32(2)))
    g.outputs = [g.emit("matMul", x, scaled)]
    assert run_pass_and_compare(g, fold_constants)
    assert [n.op for n in g.nodes] == ["matMul"]
    np.testing.assert_array_equal(g.constants[g.nodes[0].inputs[1]], weight(3, 4).T * 2)


def test_nodes_reading_inputs_stay():
    g = Graph()
    x = g.add_input("x", [2, 4], "float32")
    g.outputs = [g.emit("add", x, g.add_constant(weight(4)))]
    assert not run_pass_and_compare(g, fold_constants)
    assert [n.op for n in g.nodes] == ["add"]


def test_results_much_larger_than_their_inputs_are_not_stored():
    g = Graph()
    x = g.add_input("x", [512, 512], "float32")
    big = g.emit("broadcastTo", g.add_constant(weight(512)), shape=[512, 512])
    g.outputs = [g.emit("add", x, big)]
    assert not fold_constants(g)
    assert [n.op for n in g.nodes] == ["broadcastTo", "add"]


def test_graph_outputs_keep_their_producing_node():
    g = Graph()
    g.outputs = [g.emit("neg", g.add_constant(weight(3)), name="result")]
    assert not fold_constants(g)
    assert g.outputs == ["result"] and g.nodes[0].op == "neg"


def test_a_value_folded_from_a_parameter_is_a_parameter():
    g = Graph()
    x = g.add_input("x", [2, 4], "float32")
    kernel = g.emit("transpose", g.add_constant(weight(3, 4), "kernel", parameter=True), perm=[1, 0])
    scaled = g.emit("mul", kernel, g.add_constant(np.float32(2), "two"))
    fill = g.emit("mul", g.add_constant(np.ones([2, 3], np.float32), "ones"), g.add_constant(np.float32(-1e4)))
    g.outputs = [g.emit("add", g.emit("matMul", x, scaled), fill)]
    assert run_pass_and_compare(g, fold_constants)
    matmul = next(n for n in g.nodes if n.op == "matMul")
    add = next(n for n in g.nodes if n.op == "add")
    assert matmul.inputs[1] in g.parameters  # transposed and scaled: still the kernel
    assert add.inputs[1] not in g.parameters  # a fill made of literals is no parameter
