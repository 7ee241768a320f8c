from graphs import run_pass_and_compare

from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.remove_identity import remove_identity


def test_clone_reshape_and_transpose_that_change_nothing_are_removed():
    g = Graph()
    x = g.add_input("x", [2, 3], "float32")
    y = g.emit("clone", g.emit("relu", x))  # Identity / inference Dropout
    y = g.emit("reshape", y, shape=[2, 3])
    y = g.emit("transpose", y, perm=[0, 1])
    g.outputs = [g.emit("exp", y, name="out")]
    assert run_pass_and_compare(g, remove_identity)
    assert [n.op for n in g.nodes] == ["relu", "exp"]


def test_an_identity_producing_a_graph_output_hands_its_name_over():
    g = Graph()
    x = g.add_input("x", [2, 3], "float32")
    g.outputs = [g.emit("clone", g.emit("relu", x), name="probabilities")]
    assert run_pass_and_compare(g, remove_identity)
    assert [n.op for n in g.nodes] == ["relu"] and g.nodes[0].outputs == ["probabilities"]


def test_an_identity_from_input_to_output_stays_so_both_names_exist():
    g = Graph()
    x = g.add_input("x", [2, 3], "float32")
    g.outputs = [g.emit("clone", x, name="same")]
    assert not remove_identity(g)
    assert g.outputs == ["same"]


def test_reshapes_that_change_the_shape_or_depend_on_free_dims_stay():
    g = Graph()
    x = g.add_input("x", [-1, 6], "float32")
    y = g.emit("reshape", x, shape=[-1, 6])
    g.outputs = [g.emit("reshape", y, shape=[-1, 2, 3])]
    assert not remove_identity(g)
    assert len(g.nodes) == 2
