import pytest
from graphs import run_pass_and_compare, weight

from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.commute_resize import conv_before_resize


def upsample_then_mix(g, x, op="resizeBilinear", cout=3, fused=None, size=(8, 10), **attrs):
    up = g.emit(op, x, size=list(size), alignCorners=False, halfPixelCenters=True)
    filt = g.add_constant(weight(1, 1, 4, cout, seed=1))
    if fused is None:
        return g.emit("conv2d", up, filt, strides=[1, 1], pad="same", name="out")
    return g.emit("fusedConv2d", up, filt, *fused, strides=[1, 1], pad="valid", name="out", **attrs)


@pytest.mark.parametrize("op", ["resizeBilinear", "resizeNearestNeighbor"])
@pytest.mark.parametrize("fused", [False, True])
def test_a_1x1_conv_after_an_upsampling_runs_before_it(op, fused):
    g = Graph()
    x = g.add_input("x", [2, 4, 5, 4], "float32")
    g.outputs = [upsample_then_mix(g, x, op, fused=[g.add_constant(weight(3, seed=2))] if fused else None)]
    assert run_pass_and_compare(g, conv_before_resize)
    conv, resize = g.nodes
    assert conv.inputs[0] == x and resize.op == op and resize.inputs == conv.outputs and resize.outputs == ["out"]
    assert g.info[conv.outputs[0]].shape == (2, 4, 5, 3)


def test_wider_convs_downsampling_activations_and_addends_keep_their_order():
    g = Graph()
    x = g.add_input("x", [1, 4, 5, 4], "float32")
    residual = g.add_input("r", [1, 8, 10, 3], "float32")
    bias = g.add_constant(weight(3, seed=2))
    g.outputs = [
        upsample_then_mix(g, x, cout=6),
        upsample_then_mix(g, x, size=(2, 3)),
        upsample_then_mix(g, x, fused=[bias], activation="relu"),
        upsample_then_mix(g, x, fused=[bias, residual]),
    ]
    assert not conv_before_resize(g)
