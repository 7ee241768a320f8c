import numpy as np
import pytest
from graphs import run_pass_and_compare, weight

from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.fold_batchnorm import fold_batchnorm


def batch_norm(g, x, channels, seed=1):
    params = [g.add_constant(weight(channels, seed=seed + i, positive=(i == 1))) for i in range(4)]
    return g.emit("batchNorm", x, *params, varianceEpsilon=1e-3, name="bn")


@pytest.mark.parametrize("op,filter_shape,attrs", [
    ("conv2d", (3, 3, 4, 6), {"pad": "same"}),
    ("depthwiseConv2d", (3, 3, 4, 2), {"pad": "valid", "strides": [2, 2]}),
])
@pytest.mark.parametrize("with_bias", [False, True])
def test_batch_norm_after_a_convolution_folds_into_its_filter(op, filter_shape, attrs, with_bias):
    g = Graph()
    x = g.add_input("x", [2, 7, 7, 4], "float32")
    y = g.emit(op, x, g.add_constant(weight(*filter_shape)), **attrs)
    channels = g.info[y].shape[-1]
    if with_bias:
        y = g.emit("add", y, g.add_constant(weight(channels, seed=9)))
    g.outputs = [batch_norm(g, y, channels)]
    assert run_pass_and_compare(g, fold_batchnorm)
    assert [n.op for n in g.nodes] == [op, "add"] and g.outputs == ["bn"]


@pytest.mark.parametrize("transpose_b", [False, True])
def test_batch_norm_after_a_matmul_scales_the_weight_columns(transpose_b):
    g = Graph()
    x = g.add_input("x", [5, 4], "float32")
    w = g.add_constant(weight(6, 4) if transpose_b else weight(4, 6))
    g.outputs = [batch_norm(g, g.emit("matMul", x, w, transposeB=transpose_b), 6)]
    assert run_pass_and_compare(g, fold_batchnorm)
    assert [n.op for n in g.nodes] == ["matMul", "add"]


def test_a_convolution_output_read_elsewhere_too_is_left_alone():
    g = Graph()
    x = g.add_input("x", [1, 5, 5, 2], "float32")
    y = g.emit("conv2d", x, g.add_constant(weight(1, 1, 2, 3)))
    g.outputs = [batch_norm(g, y, 3), g.emit("relu", y, name="side")]
    assert not fold_batchnorm(g)


def test_batch_norm_with_runtime_statistics_is_left_alone():
    g = Graph()
    x = g.add_input("x", [1, 5, 5, 2], "float32")
    mean = g.add_input("mean", [3], "float32")
    y = g.emit("conv2d", x, g.add_constant(weight(1, 1, 2, 3)))
    g.outputs = [g.emit("batchNorm", y, mean, g.add_constant(weight(3, positive=True)))]
    assert not fold_batchnorm(g)


@pytest.mark.parametrize("with_bias", [False, True])
def test_batch_norm_after_a_grouped_convolution_folds_into_each_group(with_bias):
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 4], "float32")
    halves = g.add_node("split", [x], {"numOrSizeSplits": [2, 2], "axis": 3})
    groups = [g.emit("conv2d", h, g.add_constant(weight(3, 3, 2, 3, seed=i)), pad="same")
              for i, h in enumerate(halves)]
    if with_bias:
        groups = [g.emit("add", c, g.add_constant(weight(3, seed=7 + i))) for i, c in enumerate(groups)]
    g.outputs = [batch_norm(g, g.emit("concat", *groups, axis=3), 6)]
    assert run_pass_and_compare(g, fold_batchnorm)
    assert sorted(n.op for n in g.nodes) == ["add", "add", "concat", "conv2d", "conv2d", "split"]


def folded_constants(g):
    """(scaled weight, bias) of each folded op."""
    adds = [n for n in g.nodes if n.op == "add"]
    producers = g.producers()
    return [(producers[a.inputs[0]].inputs[1], a.inputs[1]) for a in adds]


@pytest.mark.parametrize("grouped", [False, True])
def test_a_folded_filter_and_bias_are_parameters_when_their_sources_are(grouped):
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 4], "float32")
    parts = g.add_node("split", [x], {"numOrSizeSplits": [2, 2], "axis": 3}) if grouped else [x]
    convs = [g.emit("conv2d", p, g.add_constant(weight(3, 3, g.info[p].shape[-1], 3, seed=i), "w",
                                                parameter=True), pad="same") for i, p in enumerate(parts)]
    y = g.emit("concat", *convs, axis=3) if grouped else convs[0]
    channels = g.info[y].shape[-1]
    statistics = [g.add_constant(weight(channels, seed=i, positive=(i == 1)), "bn", parameter=True) for i in range(4)]
    g.outputs = [g.emit("batchNorm", y, *statistics, varianceEpsilon=1e-3, name="bn")]
    assert run_pass_and_compare(g, fold_batchnorm)
    assert len(folded_constants(g)) == len(parts)
    for scaled, bias in folded_constants(g):
        assert {scaled, bias} <= g.parameters
    assert g.parameters == set(g.constants)  # the source's filters and statistics are gone with their marks


def test_a_bias_made_only_of_made_up_statistics_is_not_a_parameter():
    # a Keras BatchNormalization(center=False, scale=False): moving statistics (not trainable) and a
    # synthesised offset and gamma; the convolution's kernel is the only parameter
    g = Graph()
    x = g.add_input("x", [1, 5, 5, 2], "float32")
    y = g.emit("conv2d", x, g.add_constant(weight(1, 1, 2, 3), "kernel", parameter=True))
    statistics = [g.add_constant(weight(3, seed=1)), g.add_constant(weight(3, seed=2, positive=True)),
                  g.add_constant(np.zeros(3, np.float32)), g.add_constant(np.ones(3, np.float32))]
    g.outputs = [g.emit("batchNorm", y, *statistics, varianceEpsilon=1e-3)]
    assert run_pass_and_compare(g, fold_batchnorm)
    [(scaled, bias)] = folded_constants(g)
    assert scaled in g.parameters and bias not in g.parameters
