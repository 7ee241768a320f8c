import pytest
from graphs import run_pass_and_compare, weight

from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.fold_pad import fold_pad_into_conv


@pytest.mark.parametrize("op, filter_shape", [("conv2d", (3, 3, 2, 4)), ("depthwiseConv2d", (5, 5, 2, 1))])
@pytest.mark.parametrize("conv_pad, folded", [
    ("valid", [[0, 0], [0, 1], [1, 2], [0, 0]]),
    ([[0, 0], [1, 1], [0, 0], [0, 0]], [[0, 0], [1, 2], [1, 2], [0, 0]])])
def test_uneven_zero_pad_becomes_the_convolutions_padding(op, filter_shape, conv_pad, folded):
    g = Graph()
    x = g.add_input("x", [1, 8, 8, 2], "float32")
    padded = g.emit("pad", x, paddings=[[0, 0], [0, 1], [1, 2], [0, 0]], constantValue=0.0)
    g.outputs = [g.emit(op, padded, g.add_constant(weight(*filter_shape)), strides=[2, 2], pad=conv_pad, name="out")]
    assert run_pass_and_compare(g, fold_pad_into_conv)
    (node,) = g.nodes
    assert node.op == op and node.inputs[0] == "x" and node.attrs["pad"] == folded


@pytest.mark.parametrize("paddings, value, conv_pad", [
    ([[0, 0], [1, 1], [1, 1], [0, 0]], 1.0, "valid"),  # not zeros
    ([[0, 0], [1, 1], [1, 1], [0, 1]], 0.0, "valid"),  # pads the channels
    ([[0, 0], [1, 1], [1, 1], [0, 0]], 0.0, "same")])  # "same" depends on the size the pad changes
def test_other_pads_stay(paddings, value, conv_pad):
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 2], "float32")
    padded = g.emit("pad", x, paddings=paddings, constantValue=value)
    channels = 3 if paddings[3] == [0, 1] else 2
    g.outputs = [g.emit("conv2d", padded, g.add_constant(weight(3, 3, channels, 4)), pad=conv_pad, name="out")]
    assert not run_pass_and_compare(g, fold_pad_into_conv)
    assert [n.op for n in g.nodes] == ["pad", "conv2d"]


def test_a_pad_read_elsewhere_stays():
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 2], "float32")
    padded = g.emit("pad", x, paddings=[[0, 0], [1, 1], [1, 1], [0, 0]], constantValue=0.0)
    g.outputs = [g.emit("conv2d", padded, g.add_constant(weight(3, 3, 2, 4)), name="out"),
                 g.emit("relu", padded, name="other")]
    assert not run_pass_and_compare(g, fold_pad_into_conv)
