import pytest
from graphs import run_pass_and_compare, weight

from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.fold_scale import fold_channel_scale


def squeeze_excite(g, x, op="conv2d", scale_first=False):
    """x * sigmoid(conv(mean(x))) -> conv: a squeeze-and-excite block's scale, then the conv after it."""
    pooled = g.emit("avgPool", x, filterSize=[6, 6], strides=[6, 6], pad="valid")
    gates = g.emit("sigmoid", g.emit("conv2d", pooled, g.add_constant(weight(1, 1, 4, 4, seed=1))))
    scaled = g.emit("mul", gates, x) if scale_first else g.emit("mul", x, gates)
    filt = weight(1, 1, 4, 6, seed=2) if op == "conv2d" else weight(3, 3, 4, 1, seed=2)
    return g.emit(op, scaled, g.add_constant(filt), pad="same", name="out")


@pytest.mark.parametrize("op", ["conv2d", "depthwiseConv2d"])
@pytest.mark.parametrize("scale_first", [False, True])
def test_a_channel_scale_before_a_conv_moves_onto_its_filter(op, scale_first):
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 4], "float32")
    g.outputs = [squeeze_excite(g, x, op, scale_first)]
    assert run_pass_and_compare(g, fold_channel_scale)
    assert [n.op for n in g.nodes][-3:] == ["reshape", "mul", op]
    reshape, mul, conv = g.nodes[-3:]
    assert reshape.attrs["shape"] == [1, 1, 4, 1] and conv.inputs[0] == x and conv.inputs[1] == mul.outputs[0]


def test_scales_that_vary_over_pixels_or_a_product_read_twice_stay():
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 4], "float32")
    per_pixel = g.add_input("m", [1, 6, 6, 1], "float32")
    row = g.add_input("r", [1, 1, 1, 4], "float32")
    a = g.emit("conv2d", g.emit("mul", x, per_pixel), g.add_constant(weight(1, 1, 4, 2)), pad="same", name="a")
    twice = g.emit("mul", x, row)
    b = g.emit("conv2d", twice, g.add_constant(weight(1, 1, 4, 2, seed=3)), pad="same", name="b")
    g.outputs = [a, b, g.emit("neg", twice, name="c")]
    assert not fold_channel_scale(g)
