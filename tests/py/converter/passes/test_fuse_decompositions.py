import numpy as np
import onnx
import pytest
from graphs import run_pass_and_compare, weight
from onnx_models import bert

from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.fuse_decompositions import fuse_decompositions
from tensorweb.converter.readers.onnx import read_onnx


def layer_norm_by_hand(g, x, square_with_pow=True, gamma=True, beta=True):
    mean = g.emit("mean", x, axis=[-1], keepDims=True)
    centred = g.emit("sub", x, mean)
    squared = g.emit("pow", centred, g.add_constant(np.float32(2))) if square_with_pow else g.emit(
        "mul", centred, centred)
    variance = g.emit("mean", squared, axis=[2], keepDims=True)
    y = g.emit("div", centred, g.emit("sqrt", g.emit("add", g.add_constant(np.float32(1e-5)), variance)))
    if gamma:
        y = g.emit("mul", y, g.add_constant(weight(8, positive=True)))
    if beta:
        y = g.emit("add", y, g.add_constant(weight(8, seed=1)))
    return y


@pytest.mark.parametrize("square_with_pow,gamma,beta", [(True, True, True), (False, True, False),
                                                        (True, False, True), (False, False, False)])
def test_a_written_out_layer_norm_becomes_layer_norm(square_with_pow, gamma, beta):
    g = Graph()
    x = g.add_input("x", [-1, 5, 8], "float32")
    g.outputs = [g.emit("relu", layer_norm_by_hand(g, x, square_with_pow, gamma, beta), name="out")]
    assert run_pass_and_compare(g, fuse_decompositions, rtol=1e-4)
    assert [n.op for n in g.nodes] == ["layerNorm", "relu"]
    assert g.nodes[0].attrs["axis"] == [-1] and g.nodes[0].attrs["epsilon"] == pytest.approx(1e-5)


def test_a_normalisation_over_leading_axes_is_not_a_layer_norm():
    g = Graph()
    x = g.add_input("x", [4, 8], "float32")
    mean = g.emit("mean", x, axis=[0], keepDims=True)
    centred = g.emit("sub", x, mean)
    variance = g.emit("mean", g.emit("mul", centred, centred), axis=[0], keepDims=True)
    g.outputs = [g.emit("div", centred, g.emit("sqrt", g.emit("add", variance, g.add_constant(np.float32(1e-5)))),
                        name="out")]
    assert not fuse_decompositions(g)


@pytest.mark.parametrize("order", ["x_first", "half_last", "half_x_first"])
def test_erf_gelu_in_any_multiplication_order_becomes_gelu(order):
    g = Graph()
    x = g.add_input("x", [3, 7], "float32")
    one_plus = g.emit("add", g.emit("erf", g.emit("div", x, g.add_constant(np.float32(np.sqrt(2))))),
                      g.add_constant(np.float32(1)))
    half = g.add_constant(np.float32(0.5))
    if order == "x_first":
        y = g.emit("mul", g.emit("mul", x, one_plus), half)
    elif order == "half_last":
        y = g.emit("mul", g.emit("mul", one_plus, half), x)
    else:
        y = g.emit("mul", g.emit("mul", x, half), one_plus)
    g.outputs = [g.emit("neg", y, name="out")]
    assert run_pass_and_compare(g, fuse_decompositions, rtol=1e-5)
    assert [n.op for n in g.nodes] == ["gelu", "neg"]


def test_an_erf_scaled_differently_is_left_alone():
    g = Graph()
    x = g.add_input("x", [3], "float32")
    one_plus = g.emit("add", g.emit("erf", g.emit("div", x, g.add_constant(np.float32(2)))),
                      g.add_constant(np.float32(1)))
    g.outputs = [g.emit("mul", g.emit("mul", x, one_plus), g.add_constant(np.float32(0.5)), name="out")]
    assert not fuse_decompositions(g)


def test_the_bert_layer_loses_its_decompositions(tmp_path):
    onnx.save(bert(), tmp_path / "bert.onnx")
    g = read_onnx(tmp_path / "bert.onnx").graph
    assert run_pass_and_compare(g, fuse_decompositions, rtol=1e-4)
    ops = [n.op for n in g.nodes]
    assert ops.count("layerNorm") == 3 and ops.count("gelu") == 1 and "erf" not in ops and "sqrt" not in ops


@pytest.mark.parametrize("gamma", [False, True])
def test_a_made_up_gamma_is_not_a_parameter_and_a_real_one_stays_one(gamma):
    g = Graph()
    x = g.add_input("x", [-1, 5, 8], "float32")
    y = layer_norm_by_hand(g, x, gamma=gamma)
    g.parameters.update(n for n in g.constants if g.constants[n].ndim == 1)  # the source's gamma and beta
    g.outputs = [g.emit("relu", y, name="out")]
    assert run_pass_and_compare(g, fuse_decompositions, rtol=1e-4)
    _, gamma_name, beta_name = g.nodes[0].inputs
    assert beta_name in g.parameters and (gamma_name in g.parameters) == gamma
