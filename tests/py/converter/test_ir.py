import numpy as np
import pytest

from tensorweb.converter import reference
from tensorweb.converter.errors import ShapeError
from tensorweb.converter.ir import Graph, Node


def test_nodes_get_inferred_shapes_and_unique_names():
    g = Graph()
    x = g.add_input("x", [-1, 4], "float32")
    a = g.emit("relu", x, name="act")
    b = g.emit("relu", a, name="act")
    assert (a, b) == ("act", "act_2")
    assert g.info[b].shape == (-1, 4) and g.info[b].dtype == "float32"


def test_shape_errors_name_the_node():
    g = Graph()
    x = g.add_input("x", [2, 4], "float32")
    with pytest.raises(ShapeError, match="node 'proj' \\(matMul\\)"):
        g.emit("matMul", x, g.add_constant(np.zeros((5, 3), np.float32)), name="proj")


def test_inputs_past_the_element_limit_are_refused():
    with pytest.raises(ShapeError, match="past the limit"):
        Graph().add_input("x", [2**20, 2**20], "float32")


def test_an_eager_graph_evaluates_instead_of_recording():
    g = Graph(eager=True)
    shape = g.add_constant(np.array([2, 3, 4], np.int32))
    picked = g.emit("gather", shape, g.add_constant(np.array([0, 2], np.int32)))
    joined = g.emit("concat", picked, g.add_constant(np.array([-1], np.int32)))
    assert not g.nodes
    np.testing.assert_array_equal(g.constants[joined], [2, 4, -1])


def test_replace_value_keeps_graph_output_names():
    g = Graph()
    x = g.add_input("x", [3], "float32")
    old = g.emit("neg", x, name="out")
    g.outputs = [old]
    new = g.emit("abs", x, name="replacement")
    g.nodes = [n for n in g.nodes if n.name != "out"]
    g.replace_value(old, new)
    assert g.outputs == ["out"] and g.nodes[0].outputs == ["out"]
    np.testing.assert_array_equal(reference.run(g, {"x": np.array([-1, 2, -3], np.float32)})["out"], [1, 2, 3])


def test_toposort_restores_order_and_spots_cycles():
    g = Graph()
    x = g.add_input("x", [3], "float32")
    a = g.emit("neg", x)
    b = g.emit("abs", a)
    g.nodes.reverse()
    g.toposort()
    assert [n.outputs[0] for n in g.nodes] == [a, b]
    g.nodes[0].inputs = [b]
    with pytest.raises(Exception, match="cycle"):
        g.toposort()


def test_the_producer_and_reader_index_follows_every_edit():
    g = Graph()
    x = g.add_input("x", [3], "float32")
    a = g.emit("neg", x, name="a")
    b = g.emit("abs", a, name="b")
    g.outputs = [g.emit("exp", b, name="c")]
    producers, consumers = g.producers(), g.consumers()
    assert producers[b].name == "b" and [n.name for n in consumers[a]] == ["b"]
    exp = consumers[b][0]
    g.set_inputs(exp, [a])  # skip abs
    assert consumers[b] == [] and {n.name for n in consumers[a]} == {"b", "c"}
    g.remove_node(producers[b])
    assert b not in producers and [n.name for n in consumers[a]] == ["c"]
    relu = Node("r", "relu", [a], ["r"])
    g.replace_nodes([exp], [relu, Node("c2", "exp", ["r"], ["c"])])
    assert producers["c"].name == "c2" and [n.name for n in consumers["r"]] == ["c2"] and not g.contains(exp)
    g.nodes = list(g.nodes)  # re-indexing keeps the same dicts current
    assert g.producers() is producers and producers["r"] is relu


def test_parameter_marks_follow_constants_through_set_discard_and_pruning():
    g = Graph()
    x = g.add_input("x", [3], "float32")
    kernel = g.add_constant(np.ones(3, np.float32), "kernel", parameter=True)
    fill = g.add_constant(np.zeros(3, np.float32), "fill")
    assert g.parameters == {kernel}
    g.set_constant(kernel, np.full(3, 2, np.float32))  # None keeps the mark
    g.set_constant(fill, np.zeros(3, np.float32))
    assert g.parameters == {kernel}
    g.set_constant(kernel, np.full(3, 2, np.float32), parameter=False)
    g.set_constant(fill, np.zeros(3, np.float32), parameter=True)
    assert g.parameters == {fill}
    unused = g.add_constant(np.ones(2, np.float32), "unused", parameter=True)
    g.outputs = [g.emit("add", x, fill)]
    g.discard_if_unused(unused)
    assert unused not in g.constants and g.parameters == {fill}
    g.set_constant(kernel, np.ones(3, np.float32), parameter=True)
    g.remove_unused()  # nothing reads the kernel: gone, and so is its mark
    assert kernel not in g.constants and g.parameters == {fill}
    # a name reused for a new constant does not inherit a removed constant's mark
    g.set_constant(kernel, np.ones(3, np.float32))
    assert kernel not in g.parameters


def test_an_eager_graph_marks_values_computed_from_a_parameter():
    g = Graph(eager=True)
    table = g.add_constant(np.arange(12, dtype=np.float32).reshape(4, 3), "table", parameter=True)
    rows = g.add_constant(np.array([0, 2], np.int32), "rows")
    picked = g.emit("gather", table, rows)
    fill = g.emit("mul", g.add_constant(np.zeros(3, np.float32)), g.add_constant(np.float32(2)))
    assert picked in g.parameters and fill not in g.parameters
