import numpy as np
from graphs import run_pass_and_compare, weight

from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.untranspose_weights import untranspose_weights


def test_a_transposed_constant_weight_is_stored_untransposed():
    g = Graph()
    x = g.add_input("x", [2, 6], "float32")
    w = g.add_constant(weight(4, 6), "fc/weight", parameter=True)
    g.outputs = [g.emit("fusedMatMul", x, w, g.add_constant(weight(4)), transposeB=True, activation="relu", name="fc")]
    before = g.constants[w].copy()
    assert run_pass_and_compare(g, untranspose_weights)
    (node,) = g.nodes
    assert node.attrs["transposeB"] is False and node.inputs[1] == w
    np.testing.assert_array_equal(g.constants[w], before.T)
    assert w in g.parameters, "still a trainable parameter, under its own name"


def test_batched_weights_swap_their_last_two_axes():
    g = Graph()
    x = g.add_input("x", [3, 2, 5], "float32")
    g.outputs = [g.emit("matMul", x, g.add_constant(weight(3, 7, 5)), transposeB=True, name="out")]
    assert run_pass_and_compare(g, untranspose_weights)
    assert g.constants[g.nodes[0].inputs[1]].shape == (3, 5, 7)


def test_shared_weights_and_computed_operands_stay_transposed():
    g = Graph()
    x = g.add_input("x", [2, 6], "float32")
    tied = g.add_constant(weight(4, 6))  # also read by the gather: transposing it would store it twice
    ids = g.add_input("ids", [3], "int32")
    y = g.add_input("y", [4, 6], "float32")
    g.outputs = [g.emit("matMul", x, tied, transposeB=True, name="head"), g.emit("gather", tied, ids, name="embed"),
                 g.emit("matMul", x, y, transposeB=True, name="computed")]
    assert not run_pass_and_compare(g, untranspose_weights)
    assert all(n.attrs.get("transposeB", False) for n in g.nodes if n.op == "matMul")
