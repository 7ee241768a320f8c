"""readers/lowering.py: what the graph readers share; here, evaluating a node on known inputs while reading."""

import numpy as np
import pytest

from tensorweb.converter.errors import ConversionError
from tensorweb.converter.readers.lowering import Known, folded

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
