"""readers/lowering.py: what the graph readers share: folding known values while reading, inputs and outputs."""

import numpy as np
import pytest

from tensorweb.converter.errors import ConversionError
from tensorweb.converter.ir import Graph
from tensorweb.converter.readers.lowering import Known, bind_output, check_input_shapes_named, folded, input_shape

SHAPE = Known(np.array([7, 3], np.int32), alternate=np.array([11, 3], np.int32))  # [free, 3]


def test_a_value_fixed_under_both_stand_ins_is_known_and_one_that_moves_stays_partial():
    outputs = folded([SHAPE], lambda inputs: {"rows": inputs[0].value[:1], "cols": inputs[0].value[1:]})
    assert outputs["cols"].value.tolist() == [3] and not outputs["cols"].partial
    assert outputs["rows"].value.tolist() == [7] and outputs["rows"].alternate.tolist() == [11]


def test_an_output_whose_shape_follows_the_free_dimension_is_not_folded():
    assert folded([SHAPE], lambda inputs: {"range": np.arange(inputs[0].value[0])}) is None


def test_a_stand_in_size_the_node_refuses_leaves_the_node_to_be_emitted():
    def evaluate(inputs):
        if inputs[0].value[0] == 11:
            raise ConversionError("11 rows cannot be split in two")
        return {"half": inputs[0].value // 2}
    assert folded([SHAPE], evaluate) is None


def test_an_error_evaluating_fixed_inputs_is_the_nodes_own():
    def evaluate(inputs):
        raise ConversionError("bad attribute")
    with pytest.raises(ConversionError, match="bad attribute"):
        folded([Known(np.array([2, 3], np.int32))], evaluate)


def test_a_float_folded_from_a_parameter_is_a_parameter():
    weight = Known(np.ones(3, np.float32), parameter=True)
    outputs = folded([weight, Known(np.array(2, np.int32))], lambda inputs: {
        "scaled": inputs[0].value * 2, "count": np.array(inputs[0].value.size, np.int32)})
    assert outputs["scaled"].parameter and not outputs["count"].parameter


def test_an_input_shape_keeps_the_models_fixed_sizes():
    assert input_shape("x", [-1, 3], {"x": [2, 3]}) == [2, 3]
    assert input_shape("x", [-1, 3], {}) == [-1, 3]
    assert input_shape("x", None, {"x": [5]}) == [5]  # an unknown rank is the override's
    for wrong in ([2, 4], [2, 3, 1]):
        with pytest.raises(ConversionError, match=r"--input-shape x:\[.*\] does not match the model's \[-1, 3\]"):
            input_shape("x", [-1, 3], {"x": wrong})
    with pytest.raises(ConversionError, match=r"names no model input: \['y'\]"):
        check_input_shapes_named({"x": [1], "y": [1]}, ["x"])


def test_an_output_renames_the_node_writing_it_and_clones_what_no_node_writes_or_is_named_already():
    graph = Graph()
    x = graph.add_input("x", [2], "float32")
    y = graph.emit("relu", x)
    bind_output(graph, y, "first")
    bind_output(graph, "first", "second")  # already an output
    bind_output(graph, x, "echo")  # an input
    bind_output(graph, x, "x")  # the input itself, under its own name
    assert graph.outputs == ["first", "second", "echo", "x"]
    assert [(n.op, n.inputs, n.outputs) for n in graph.nodes] == [
        ("relu", ["x"], ["first"]), ("clone", ["first"], ["second"]), ("clone", ["x"], ["echo"])]
