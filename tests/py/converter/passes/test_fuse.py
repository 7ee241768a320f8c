import pytest
from graphs import run_pass_and_compare, weight

from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.fuse import fuse_bias_activation, fuse_residual_add


def conv(g, x):
    return g.emit("conv2d", x, g.add_constant(weight(3, 3, 2, 4)), pad="same")


@pytest.mark.parametrize("activation,attrs,expected", [
    ("relu", {}, "relu"), ("relu6", {}, "relu6"), ("sigmoid", {}, "sigmoid"), ("elu", {}, "elu"),
    ("leakyRelu", {"alpha": 0.3}, "leakyrelu"), ("hardSwish", {}, "hardswish")])
def test_conv_bias_activation_become_one_fused_conv(activation, attrs, expected):
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 2], "float32")
    y = g.emit("add", conv(g, x), g.add_constant(weight(4)))
    g.outputs = [g.emit(activation, y, name="out", **attrs)]
    assert run_pass_and_compare(g, fuse_bias_activation)
    (node,) = g.nodes
    assert node.op == "fusedConv2d" and node.attrs["activation"] == expected and node.outputs == ["out"]
    assert node.attrs["leakyreluAlpha"] == attrs.get("alpha", 0.2)


def test_prelu_weights_become_the_fourth_input():
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 2], "float32")
    y = g.emit("depthwiseConv2d", x, g.add_constant(weight(3, 3, 2, 2)), pad="same")
    g.outputs = [g.emit("prelu", y, g.add_constant(weight(4) * 0.1), name="out")]
    assert run_pass_and_compare(g, fuse_bias_activation)
    (node,) = g.nodes
    assert node.op == "fusedDepthwiseConv2d" and node.attrs["activation"] == "prelu" and len(node.inputs) == 4


@pytest.mark.parametrize("bias_shape", [(5,), (1, 5)])
def test_matmul_bias_fuses(bias_shape):
    g = Graph()
    x = g.add_input("x", [3, 4], "float32")
    y = g.emit("matMul", x, g.add_constant(weight(5, 4)), transposeB=True)
    g.outputs = [g.emit("add", g.add_constant(weight(*bias_shape)), y, name="out")]
    assert run_pass_and_compare(g, fuse_bias_activation)
    (node,) = g.nodes
    assert node.op == "fusedMatMul" and node.attrs["transposeB"] and node.attrs["activation"] == "linear"


def test_a_residual_add_is_not_a_bias():
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 4], "float32")
    y = g.emit("conv2d", x, g.add_constant(weight(1, 1, 4, 4)))
    g.outputs = [g.emit("add", y, x, name="out")]
    assert not fuse_bias_activation(g)


def test_an_intermediate_read_twice_stops_the_chain():
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 2], "float32")
    y = g.emit("add", conv(g, x), g.add_constant(weight(4)))
    g.outputs = [g.emit("relu", y, name="out"), g.emit("neg", y, name="other")]
    assert run_pass_and_compare(g, fuse_bias_activation)
    assert [n.op for n in g.nodes] == ["fusedConv2d", "relu", "neg"]
    assert g.nodes[0].attrs["activation"] == "linear"


@pytest.mark.parametrize("with_bias", [False, True])
def test_an_activation_after_grouped_convolutions_moves_into_each_group(with_bias):
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 4], "float32")
    halves = g.add_node("split", [x], {"numOrSizeSplits": [2, 2], "axis": 3})
    groups = [g.emit("conv2d", h, g.add_constant(weight(3, 3, 2, 3, seed=i)), pad="same") for i, h in enumerate(halves)]
    if with_bias:
        groups = [g.emit("add", c, g.add_constant(weight(3, seed=5 + i))) for i, c in enumerate(groups)]
    g.outputs = [g.emit("relu6", g.emit("concat", *groups, axis=3), name="out")]
    assert run_pass_and_compare(g, fuse_bias_activation)
    assert sorted(n.op for n in g.nodes) == ["concat", "fusedConv2d", "fusedConv2d", "split"]
    assert {n.attrs["activation"] for n in g.nodes if n.op == "fusedConv2d"} == {"relu6"}
    assert g.outputs == ["out"]


def test_a_split_off_bias_and_prelu_weights_keep_their_marks_and_a_zero_bias_gets_none():
    g = Graph()
    x = g.add_input("x", [3, 4], "float32")
    y = g.emit("add", g.emit("matMul", x, g.add_constant(weight(4, 5), "kernel", parameter=True)),
               g.add_constant(weight(1, 5), "bias", parameter=True))
    z = g.emit("matMul", g.emit("relu", y), g.add_constant(weight(5, 5), "kernel2", parameter=True))
    g.outputs = [g.emit("prelu", z, g.add_constant(weight(5) * 0.1, "alpha", parameter=True), name="out")]
    assert run_pass_and_compare(g, fuse_bias_activation)
    first, second = g.nodes
    assert first.inputs[2] in g.parameters  # the [1, 5] bias flattened to [5]
    assert second.inputs[2] not in g.parameters and second.inputs[3] in g.parameters  # made-up zero bias, alpha


def residual_block(g, x, activation=None, **attrs):
    """x -> 1x1 conv + bias -> add(x) -> activation: MediaPipe's and MobileNet's residual blocks."""
    y = g.emit("add", g.emit("conv2d", x, g.add_constant(weight(1, 1, 4, 4, seed=1))), g.add_constant(weight(4, seed=2)))
    z = g.emit("add", x, y, name=None if activation else "out")
    return g.emit(activation, z, name="out", **attrs) if activation else z


@pytest.mark.parametrize("activation,inputs", [(None, 4), ("relu", 4), ("prelu", 5)])
def test_a_residual_add_and_its_activation_become_the_fused_ops_addend(activation, inputs):
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 4], "float32")
    if activation == "prelu":
        y = g.emit("add", g.emit("conv2d", x, g.add_constant(weight(1, 1, 4, 4, seed=1))), g.add_constant(weight(4, seed=2)))
        g.outputs = [g.emit("prelu", g.emit("add", y, x), g.add_constant(weight(1, 1, 4, seed=3) * 0.1), name="out")]
    else:
        g.outputs = [residual_block(g, x, activation)]
    assert run_pass_and_compare(g, lambda graph: fuse_bias_activation(graph) | fuse_residual_add(graph))
    (node,) = g.nodes
    assert node.op == "fusedConv2d" and node.attrs["activation"] == (activation or "linear") and node.outputs == ["out"]
    assert len(node.inputs) == inputs and node.inputs[-1] == x


def test_a_residual_add_of_a_value_computed_later_puts_the_fused_op_after_it():
    # The detector's blocks: add(pad(x), conv(depthwise(x))), the pad listed after the conv.
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 4], "float32")
    y = g.emit("conv2d", x, g.add_constant(weight(1, 1, 4, 6, seed=1)))
    padded = g.emit("pad", x, paddings=[[0, 0], [0, 0], [0, 0], [0, 2]])
    g.outputs = [g.emit("relu", g.emit("add", padded, y), name="out")]
    assert run_pass_and_compare(g, fuse_residual_add)
    assert [n.op for n in g.nodes] == ["pad", "fusedConv2d"]  # with a zero bias, then the addend
    assert g.nodes[1].inputs[3] == padded and g.nodes[1].attrs["activation"] == "relu"


def test_adds_the_fused_op_cannot_take_stay():
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 4], "float32")
    y = g.emit("fusedConv2d", x, g.add_constant(weight(1, 1, 4, 4, seed=1)), g.add_constant(weight(4, seed=2)), x,
               activation="relu")
    z = g.emit("fusedConv2d", x, g.add_constant(weight(1, 1, 4, 4, seed=4)))
    row = g.add_input("row", [1, 1, 1, 4], "float32")
    g.outputs = [g.emit("add", y, x, name="second_addend"), g.emit("add", z, row, name="broadcast"),
                 g.emit("add", g.emit("fusedConv2d", x, g.add_constant(weight(1, 1, 4, 4, seed=5))), g.add_constant(weight(1, 6, 6, 4)),
                        name="constant")]
    assert not fuse_residual_add(g)


def test_a_fused_matmul_takes_its_residual():
    g = Graph()
    x = g.add_input("x", [3, 8], "float32")
    h = g.emit("add", g.emit("matMul", x, g.add_constant(weight(8, 8, seed=1))), g.add_constant(weight(8, seed=2)))
    g.outputs = [g.emit("add", h, x, name="out")]
    assert run_pass_and_compare(g, lambda graph: fuse_bias_activation(graph) | fuse_residual_add(graph))
    (node,) = g.nodes
    assert node.op == "fusedMatMul" and node.inputs[-1] == x and len(node.inputs) == 4


@pytest.mark.parametrize("activation", ["relu", "prelu"])
def test_an_add_after_the_fused_activation_becomes_the_addend_after_it(activation):
    # MediaPipe's selfie decoder: x + relu(depthwiseConv2d(x)).
    g = Graph()
    x = g.add_input("x", [1, 6, 6, 4], "float32")
    extra = [g.add_constant(weight(4, seed=2))] + ([g.add_constant(weight(4, seed=3) * 0.1)] if activation == "prelu" else [])
    y = g.emit("fusedDepthwiseConv2d", x, g.add_constant(weight(3, 3, 4, 1, seed=1)), *extra, pad="same", activation=activation)
    g.outputs = [g.emit("add", x, y, name="out")]
    assert run_pass_and_compare(g, fuse_residual_add)
    (node,) = g.nodes
    assert node.attrs["addendAfterActivation"] and node.attrs["activation"] == activation
    assert node.inputs[2:] == [*extra, x] and node.outputs == ["out"]
