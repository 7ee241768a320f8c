import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from graphs import run_pass_and_compare, weight
from onnx_models import ARCHITECTURES, run_onnxruntime

from tensorweb.converter import reference
from tensorweb.converter.convert import read_graph
from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.layout import to_channels_last
from tensorweb.converter.readers.onnx import read_onnx

TO_NHWC, TO_NCHW = [0, 2, 3, 1], [0, 3, 1, 2]


def transposes(g):
    return sum(n.op == "transpose" for n in g.nodes)


@pytest.mark.parametrize("name", ["resnet", "mobilenet", "squeezenet", "densenet", "efficientnet", "inception"])
def test_convnets_keep_only_the_input_transpose(name, tmp_path):
    onnx.save(ARCHITECTURES[name](), tmp_path / "m.onnx")
    g = read_onnx(tmp_path / "m.onnx").graph
    assert transposes(g) > 10
    assert run_pass_and_compare(g, to_channels_last)
    assert transposes(g) == 1
    only = next(n for n in g.nodes if n.op == "transpose")
    assert only.inputs == g.inputs and only.attrs["perm"] == TO_NHWC


def nchw_wrapped(op_attrs):
    """x(NHWC input) -> transpose to NCHW -> op -> output, the pattern the reader leaves between convs."""
    g = Graph()
    x = g.add_input("x", [2, 4, 5, 3], "float32")
    nchw = g.emit("transpose", x, perm=TO_NCHW)
    return g, nchw


def test_constants_broadcast_per_channel_are_permuted_and_trimmed():
    g, nchw = nchw_wrapped({})
    y = g.emit("add", nchw, g.add_constant(weight(3, 1, 1)))
    g.outputs = [g.emit("transpose", y, perm=TO_NHWC, name="out")]
    assert run_pass_and_compare(g, to_channels_last)
    assert [n.op for n in g.nodes] == ["add"]
    assert g.constants[g.nodes[0].inputs[1]].shape == (3,)


@pytest.mark.parametrize("axes,keep", [([1], False), ([2, 3], True), ([1, 3], False), ([0, 2], False)])
def test_reductions_move_their_axes_with_the_layout(axes, keep):
    g, nchw = nchw_wrapped({})
    g.outputs = [g.emit("sum", g.emit("relu", nchw), axis=axes, keepDims=keep, name="out")]
    assert run_pass_and_compare(g, to_channels_last)
    assert g.nodes[0].op == "relu" and g.nodes[0].inputs == ["x"]


@pytest.mark.parametrize("op,attrs", [("concat", {"axis": 1}), ("softmax", {"dim": 1}),
                                      ("pad", {"paddings": [[0, 0], [1, 2], [0, 1], [3, 0]]}),
                                      ("slice", {"begin": [0, 1, 1, 0], "size": [-1, 2, 3, -1]})])
def test_axis_attrs_follow_the_transpose(op, attrs):
    g, nchw = nchw_wrapped({})
    inputs = [nchw, nchw] if op == "concat" else [nchw]
    y = g.add_node(op, inputs, attrs)[0]
    g.outputs = [g.emit("transpose", y, perm=TO_NHWC, name="out")]
    assert run_pass_and_compare(g, to_channels_last)
    assert transposes(g) == 0


def test_a_transpose_moving_only_unit_dims_before_a_reshape_disappears():
    g = Graph()
    x = g.add_input("x", [-1, 1, 1, 8], "float32")
    y = g.emit("transpose", x, perm=TO_NCHW)
    g.outputs = [g.emit("reshape", y, shape=[-1, 8], name="out")]
    assert run_pass_and_compare(g, to_channels_last)
    assert [n.op for n in g.nodes] == ["reshape"]


def test_a_real_reorder_before_a_flatten_output_stays():
    g = Graph()
    x = g.add_input("x", [-1, 2, 2, 8], "float32")
    y = g.emit("transpose", x, perm=TO_NCHW)
    g.outputs = [g.emit("reshape", y, shape=[-1, 32], name="out")]
    assert not run_pass_and_compare(g, to_channels_last)
    assert [n.op for n in g.nodes] == ["transpose", "reshape"]


@pytest.mark.parametrize("transpose_b", [False, True])
def test_a_flatten_into_a_dense_layer_reorders_the_weights_instead(transpose_b):
    g = Graph()
    x = g.add_input("x", [-1, 3, 2, 8], "float32")
    flat = g.emit("reshape", g.emit("transpose", x, perm=TO_NCHW), shape=[-1, 48])
    w = g.add_constant(weight(10, 48) if transpose_b else weight(48, 10))
    g.outputs = [g.emit("matMul", flat, w, transposeB=transpose_b, name="out")]
    assert run_pass_and_compare(g, to_channels_last)
    assert [n.op for n in g.nodes] == ["reshape", "matMul"]


def test_a_runtime_tensor_in_the_other_layout_blocks_the_move():
    g = Graph()
    x = g.add_input("x", [2, 4, 5, 3], "float32")
    other = g.add_input("other", [2, 3, 4, 5], "float32")
    y = g.emit("add", g.emit("transpose", x, perm=TO_NCHW), other)
    g.outputs = [g.emit("relu", y, name="out")]
    assert not run_pass_and_compare(g, to_channels_last)
    np.testing.assert_equal([n.op for n in g.nodes], ["transpose", "add", "relu"])


def test_a_channel_shuffle_between_layout_transposes_becomes_one_gather():
    g = Graph()
    x = g.add_input("x", [-1, 4, 4, 6], "float32")
    y = g.emit("transpose", x, perm=TO_NCHW)
    y = g.emit("reshape", y, shape=[-1, 2, 3, 4, 4])
    y = g.emit("transpose", y, perm=[0, 2, 1, 3, 4])
    y = g.emit("reshape", y, shape=[-1, 6, 4, 4])
    g.outputs = [g.emit("relu", g.emit("transpose", y, perm=TO_NHWC), name="out")]
    assert run_pass_and_compare(g, to_channels_last)
    assert [n.op for n in g.nodes] == ["gather", "relu"]
    np.testing.assert_array_equal(g.constants[g.nodes[0].inputs[1]], [0, 3, 1, 4, 2, 5])


def test_a_channel_shuffle_with_the_batch_spelled_out_becomes_one_gather():
    # the onnx package's light_shufflenet.onnx reshapes to [1, groups, channels / groups, h, w]
    g = Graph()
    x = g.add_input("x", [1, 4, 4, 6], "float32")
    y = g.emit("transpose", x, perm=TO_NCHW)
    y = g.emit("reshape", y, shape=[1, 2, 3, 4, 4])
    y = g.emit("transpose", y, perm=[0, 2, 1, 3, 4])
    y = g.emit("reshape", y, shape=[1, 6, 4, 4])
    g.outputs = [g.emit("relu", g.emit("transpose", y, perm=TO_NHWC), name="out")]
    assert run_pass_and_compare(g, to_channels_last)
    assert [n.op for n in g.nodes] == ["gather", "relu"]
    np.testing.assert_array_equal(g.constants[g.nodes[0].inputs[1]], [0, 3, 1, 4, 2, 5])


def test_a_chain_folding_the_batch_into_other_dims_stays():
    g = Graph()
    x = g.add_input("x", [1, 4, 4, 6], "float32")
    y = g.emit("transpose", x, perm=TO_NCHW)
    y = g.emit("reshape", y, shape=[6, 16])  # the batch of 1 merged with the channels
    y = g.emit("transpose", y, perm=[1, 0])
    g.outputs = [g.emit("relu", g.emit("reshape", y, shape=[1, 4, 4, 6]), name="out")]
    assert not run_pass_and_compare(g, to_channels_last)


def test_a_chain_amounting_to_one_transpose_becomes_that_transpose():
    g = Graph()
    x = g.add_input("x", [-1, 4, 4, 6], "float32")
    y = g.emit("transpose", x, perm=[0, 2, 1, 3])  # swaps height and width
    y = g.emit("reshape", y, shape=[-1, 96])
    g.outputs = [g.emit("relu", g.emit("reshape", y, shape=[-1, 4, 4, 6]), name="out")]
    assert run_pass_and_compare(g, to_channels_last)
    assert [n.op for n in g.nodes] == ["relu", "transpose"]


def test_a_chain_mixing_positions_and_channels_stays():
    g = Graph()
    x = g.add_input("x", [-1, 4, 4, 6], "float32")
    y = g.emit("reshape", x, shape=[-1, 16, 6])
    y = g.emit("transpose", y, perm=[0, 2, 1])
    g.outputs = [g.emit("relu", g.emit("reshape", y, shape=[-1, 4, 4, 6]), name="out")]
    assert not run_pass_and_compare(g, to_channels_last)
    assert [n.op for n in g.nodes] == ["reshape", "transpose", "reshape", "relu"]


@pytest.mark.parametrize("parameter", [False, True])
def test_moved_and_reordered_constants_keep_their_parameter_mark(parameter):
    g, nchw = nchw_wrapped({})
    y = g.emit("mul", nchw, g.add_constant(weight(3, 1, 1), "scale", parameter=parameter))
    flat = g.emit("reshape", y, shape=[-1, 60])
    g.outputs = [g.emit("matMul", flat, g.add_constant(weight(60, 10), "kernel", parameter=parameter), name="out")]
    assert run_pass_and_compare(g, to_channels_last)
    assert [n.op for n in g.nodes] == ["mul", "reshape", "matMul"]
    moved, reordered = g.nodes[0].inputs[1], g.nodes[2].inputs[1]
    assert {moved, reordered} <= set(g.constants) and {"scale", "kernel"}.isdisjoint(g.constants)
    assert (moved in g.parameters, reordered in g.parameters) == (parameter, parameter)


def test_light_shufflenet_converts_and_matches_onnxruntime(tmp_path):
    # the onnx package's light_shufflenet.onnx (channel shuffles of 4 groups, the batch spelled out in their
    # reshapes), its degenerate ConstantOfShape weights seeded and scaled by make_light_models.seeded_model
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "fixtures" / "graph"))
    from make_light_models import seeded_model

    model = seeded_model("shufflenet")
    path = tmp_path / "light_shufflenet.onnx"
    onnx.save(model, path)
    name = model.graph.input[0].name
    x = np.random.default_rng(1).standard_normal([1, 3, 224, 224]).astype(np.float32)
    (expected,) = run_onnxruntime(path, {name: x}).values()
    _, result = read_graph(path, optimized=True)
    ops = result.graph.op_counts()
    assert ops["gather"] == 16 and ops["transpose"] == 1  # every shuffle one gather; only the input's transpose
    assert np.ptp(expected) > 0.1  # the softmax is far from uniform: a match means something
    (actual,) = reference.run(result.graph, {name: x}).values()
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-6)
