"""The TFLite reader: one-operator models of every lowering, built with the schema's own code
(tflite_models.py) and compared with LiteRT through reference.py; signatures, weights' storage and
quantization; and the errors of models the reader refuses."""

import json
import re
import struct
import subprocess
import sys

import numpy as np
import pytest
from tflite_models import PADDING_SAME, PADDING_VALID, TfliteModel, run_litert

from tensorweb.converter import reference
from tensorweb.converter.cli import main
from tensorweb.converter.convert import read_graph
from tensorweb.converter.errors import ConversionError, UnsupportedOpsError
from tensorweb.converter.writer import load_model
from tensorweb.converter.readers.tflite_schema import BUILTIN_OPERATORS, TENSOR_TYPE_NAMES

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def seeded():
    """Each test draws the same numbers however it is selected."""
    global RNG
    RNG = np.random.default_rng(0)


def weights(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def compare(data: bytes, feeds: dict, tmp_path, rtol=1e-5, optimized=True):
    """Converts the model (optimised and not) and holds every output to LiteRT's."""
    source = tmp_path / "model.tflite"
    source.write_bytes(data)
    expected = run_litert(data, feeds)
    for optimize in {False, optimized}:
        _, result = read_graph(source, optimized=optimize)
        actual = reference.run(result.graph, feeds)
        assert set(actual) == set(expected)
        for name, value in expected.items():
            np.testing.assert_allclose(actual[name], value, rtol=rtol, atol=rtol * max(1.0, np.abs(value).max()),
                                       err_msg=f"{name} (optimised: {optimize})")
    return result


def unary_model(operator, shape, options=None, **fields):
    model = TfliteModel()
    x = model.input("x", shape)
    y = model.tensor("y", shape)
    model.op(operator, [x], [y], options, **fields)
    return model.build([y])


@pytest.mark.parametrize("operator", ["RELU", "RELU6", "RELU_N1_TO_1", "LOGISTIC", "TANH", "HARD_SWISH", "EXP",
                                      "ABS", "NEG", "FLOOR", "SQUARE", "ELU"])
def test_unary(operator, tmp_path):
    compare(unary_model(operator, [2, 5, 3]), {"x": weights(2, 5, 3) * 4}, tmp_path)


def test_leaky_relu_and_softmax(tmp_path):
    compare(unary_model("LEAKY_RELU", [3, 4], "LeakyReluOptions", Alpha=0.3), {"x": weights(3, 4)}, tmp_path)
    compare(unary_model("SOFTMAX", [3, 7], "SoftmaxOptions", Beta=1.0), {"x": weights(3, 7)}, tmp_path)
    compare(unary_model("SOFTMAX", [3, 7], "SoftmaxOptions", Beta=0.5), {"x": weights(3, 7)}, tmp_path)


@pytest.mark.parametrize("operator,options", [("ADD", "AddOptions"), ("SUB", "SubOptions"), ("MUL", "MulOptions"),
                                              ("DIV", "DivOptions")])
@pytest.mark.parametrize("activation", [0, 1, 2, 3])  # NONE, RELU, RELU_N1_TO_1, RELU6
def test_binary_with_fused_activation(operator, options, activation, tmp_path):
    model = TfliteModel()
    a = model.input("a", [2, 4, 3])
    b = model.constant("b", weights(3) + (4 if operator == "DIV" else 0))
    y = model.tensor("y", [2, 4, 3])
    model.op(operator, [a, b], [y], options, FusedActivationFunction=activation)
    compare(model.build([y]), {"a": weights(2, 4, 3) * 3}, tmp_path)


def test_maximum_and_prelu(tmp_path):
    model = TfliteModel()
    a, b = model.input("a", [1, 4, 4, 3]), model.input("b", [1, 4, 4, 3])
    m, y = model.tensor("m", [1, 4, 4, 3]), model.tensor("y", [1, 4, 4, 3])
    model.op("MAXIMUM", [a, b], [m])
    model.op("PRELU", [m, model.constant("alpha", weights(1, 1, 3))], [y])
    compare(model.build([y]), {"a": weights(1, 4, 4, 3), "b": weights(1, 4, 4, 3)}, tmp_path)


@pytest.mark.parametrize("padding,stride,dilation,activation", [
    (PADDING_SAME, 1, 1, 0), (PADDING_VALID, 2, 1, 1), (PADDING_SAME, 2, 1, 3), (PADDING_SAME, 1, 2, 0)])
def test_conv_2d(padding, stride, dilation, activation, tmp_path):
    model = TfliteModel()
    x = model.input("x", [1, 9, 9, 3])
    out = (9 + stride - 1) // stride if padding == PADDING_SAME else (9 - 2 * dilation - 1) // stride + 1
    y = model.tensor("y", [1, out, out, 5])
    model.op("CONV_2D", [x, model.constant("w", weights(5, 3, 3, 3)), model.constant("b", weights(5))], [y],
             "Conv2DOptions", Padding=padding, StrideW=stride, StrideH=stride, DilationWFactor=dilation,
             DilationHFactor=dilation, FusedActivationFunction=activation)
    result = compare(model.build([y]), {"x": weights(1, 9, 9, 3)}, tmp_path)
    assert "fusedConv2d" in result.graph.op_counts()


@pytest.mark.parametrize("multiplier,stride", [(1, 1), (2, 2)])
def test_depthwise_conv_2d(multiplier, stride, tmp_path):
    model = TfliteModel()
    x = model.input("x", [1, 8, 8, 4])
    y = model.tensor("y", [1, 8 // stride, 8 // stride, 4 * multiplier])
    model.op("DEPTHWISE_CONV_2D", [x, model.constant("w", weights(1, 3, 3, 4 * multiplier)),
                                   model.constant("b", weights(4 * multiplier))], [y],
             "DepthwiseConv2DOptions", Padding=PADDING_SAME, StrideW=stride, StrideH=stride,
             DepthMultiplier=multiplier, FusedActivationFunction=1)
    compare(model.build([y]), {"x": weights(1, 8, 8, 4)}, tmp_path)


@pytest.mark.parametrize("padding", [PADDING_SAME, PADDING_VALID])
def test_transpose_conv(padding, tmp_path):
    model = TfliteModel()
    x = model.input("x", [1, 4, 4, 3])
    size = 8 if padding == PADDING_SAME else 9
    y = model.tensor("y", [1, size, size, 2])
    model.op("TRANSPOSE_CONV", [model.constant("shape", np.array([1, size, size, 2], np.int32)),
                                model.constant("w", weights(2, 3, 3, 3)), x, model.constant("b", weights(2))], [y],
             "TransposeConvOptions", Padding=padding, StrideW=2, StrideH=2)
    compare(model.build([y]), {"x": weights(1, 4, 4, 3)}, tmp_path)


@pytest.mark.parametrize("operator", ["MAX_POOL_2D", "AVERAGE_POOL_2D"])
@pytest.mark.parametrize("padding", [PADDING_SAME, PADDING_VALID])
def test_pooling(operator, padding, tmp_path):
    model = TfliteModel()
    x = model.input("x", [1, 7, 7, 2])
    out = 4 if padding == PADDING_SAME else 3
    y = model.tensor("y", [1, out, out, 2])
    model.op(operator, [x], [y], "Pool2DOptions", Padding=padding, StrideW=2, StrideH=2, FilterWidth=3,
             FilterHeight=3, FusedActivationFunction=1)
    compare(model.build([y]), {"x": weights(1, 7, 7, 2)}, tmp_path)


@pytest.mark.parametrize("keep_num_dims", [False, True])
def test_fully_connected(keep_num_dims, tmp_path):
    model = TfliteModel()
    x = model.input("x", [2, 3, 6])
    y = model.tensor("y", [2, 3, 4] if keep_num_dims else [6, 4])
    model.op("FULLY_CONNECTED", [x, model.constant("w", weights(4, 6)), model.constant("b", weights(4))], [y],
             "FullyConnectedOptions", KeepNumDims=keep_num_dims, FusedActivationFunction=3)
    compare(model.build([y]), {"x": weights(2, 3, 6)}, tmp_path)


def test_batch_matmul(tmp_path):
    model = TfliteModel()
    a, b = model.input("a", [2, 3, 4]), model.input("b", [2, 5, 4])
    y = model.tensor("y", [2, 3, 5])
    model.op("BATCH_MATMUL", [a, b], [y], "BatchMatMulOptions", AdjX=False, AdjY=True)
    compare(model.build([y]), {"a": weights(2, 3, 4), "b": weights(2, 5, 4)}, tmp_path)


def shape_op(operator, in_shape, out_shapes, constants=(), options=None, **fields):
    model = TfliteModel()
    x = model.input("x", in_shape)
    extra = [model.constant(f"c{i}", c) for i, c in enumerate(constants)]
    outputs = [model.tensor(f"y{i}", s) for i, s in enumerate(out_shapes)]
    model.op(operator, [x, *extra], outputs, options, **fields)
    return model.build(outputs)


@pytest.mark.parametrize("case", [
    ("RESHAPE", [2, 3, 4], [[6, 4]], [np.array([6, 4], np.int32)], "ReshapeOptions", {"NewShape": [6, 4]}),
    ("SQUEEZE", [1, 3, 1, 4], [[3, 4]], [], "SqueezeOptions", {"SqueezeDims": [0, 2]}),
    ("SQUEEZE", [1, 3, 1, 4], [[3, 4]], [], "SqueezeOptions", {"SqueezeDims": []}),
    ("EXPAND_DIMS", [3, 4], [[3, 1, 4]], [np.array([1], np.int32)], None, {}),
    ("TRANSPOSE", [2, 3, 4], [[4, 2, 3]], [np.array([2, 0, 1], np.int32)], None, {}),
    ("PAD", [1, 3, 3, 2], [[1, 5, 4, 2]], [np.array([[0, 0], [1, 1], [0, 1], [0, 0]], np.int32)], None, {}),
    ("PADV2", [1, 3, 3, 2], [[1, 5, 4, 2]], [np.array([[0, 0], [1, 1], [0, 1], [0, 0]], np.int32),
                                             np.array([-2.5], np.float32)], None, {}),
    ("MIRROR_PAD", [1, 4, 4, 2], [[1, 6, 5, 2]], [np.array([[0, 0], [1, 1], [0, 1], [0, 0]], np.int32)],
     "MirrorPadOptions", {"Mode": 0}),
    ("MIRROR_PAD", [1, 4, 4, 2], [[1, 6, 5, 2]], [np.array([[0, 0], [1, 1], [0, 1], [0, 0]], np.int32)],
     "MirrorPadOptions", {"Mode": 1}),
    ("MEAN", [2, 4, 4, 3], [[2, 1, 1, 3]], [np.array([1, 2], np.int32)], "ReducerOptions", {"KeepDims": True}),
    ("SUM", [2, 4, 3], [[2]], [np.array([1, 2], np.int32)], "ReducerOptions", {"KeepDims": False}),
    ("REDUCE_MAX", [2, 4, 3], [[2, 3]], [np.array([1], np.int32)], "ReducerOptions", {"KeepDims": False}),
    ("RESIZE_BILINEAR", [1, 4, 5, 2], [[1, 8, 9, 2]], [np.array([8, 9], np.int32)], "ResizeBilinearOptions",
     {"AlignCorners": False, "HalfPixelCenters": True}),
    ("RESIZE_BILINEAR", [1, 4, 5, 2], [[1, 7, 9, 2]], [np.array([7, 9], np.int32)], "ResizeBilinearOptions",
     {"AlignCorners": True, "HalfPixelCenters": False}),
    ("RESIZE_BILINEAR", [1, 4, 5, 2], [[1, 8, 10, 2]], [np.array([8, 10], np.int32)], "ResizeBilinearOptions", {}),
    ("RESIZE_NEAREST_NEIGHBOR", [1, 4, 5, 2], [[1, 8, 10, 2]], [np.array([8, 10], np.int32)],
     "ResizeNearestNeighborOptions", {"HalfPixelCenters": True}),
    ("RESIZE_NEAREST_NEIGHBOR", [1, 4, 5, 2], [[1, 7, 9, 2]], [np.array([7, 9], np.int32)],
     "ResizeNearestNeighborOptions", {"AlignCorners": True}),
    ("DEPTH_TO_SPACE", [1, 3, 4, 8], [[1, 6, 8, 2]], [], "DepthToSpaceOptions", {"BlockSize": 2}),
    ("SPACE_TO_DEPTH", [1, 4, 6, 3], [[1, 2, 3, 12]], [], "SpaceToDepthOptions", {"BlockSize": 2}),
    ("STRIDED_SLICE", [4, 6, 5], [[2, 5]], [np.array([1, 0, 1], np.int32), np.array([3, 6, 5], np.int32),
                                           np.array([1, 2, 3], np.int32)], "StridedSliceOptions",
     {"ShrinkAxisMask": 1, "EndMask": 2}),
    ("STRIDED_SLICE", [4, 6], [[1, 4, 3]], [np.array([-1, 0], np.int32), np.array([0, -1], np.int32),
                                           np.array([-1, 2], np.int32)], "StridedSliceOptions",
     {"BeginMask": 1, "EndMask": 1, "NewAxisMask": 0}),
    ("SLICE", [4, 6, 5], [[2, 3, 5]], [np.array([1, 2, 0], np.int32), np.array([2, 3, -1], np.int32)], None, {}),
    ("GATHER", [5, 4], [[5, 3]], [np.array([3, 0, 3], np.int32)], "GatherOptions", {"Axis": 1}),
    ("TILE", [2, 3], [[4, 9]], [np.array([2, 3], np.int32)], None, {}),
])
def test_shape_operators(case, tmp_path):
    operator, in_shape, out_shapes, constants, options, fields = case
    compare(shape_op(operator, in_shape, out_shapes, constants, options, **fields),
            {"x": weights(*in_shape)}, tmp_path)


def test_split_pack_unpack_concatenation(tmp_path):
    model = TfliteModel()
    x = model.input("x", [4, 6])
    parts = [model.tensor(f"part{i}", [4, 2]) for i in range(3)]
    model.op("SPLIT", [model.constant("axis", np.array(1, np.int32)), x], parts, "SplitOptions", NumSplits=3)
    uneven = [model.tensor(f"uneven{i}", [n, 6]) for i, n in enumerate([1, 3])]
    model.op("SPLIT_V", [x, model.constant("sizes", np.array([1, -1], np.int32)),
                         model.constant("axis0", np.array([0], np.int32))], uneven, "SplitVOptions", NumSplits=2)
    packed = model.tensor("packed", [4, 3, 2])
    model.op("PACK", parts, [packed], "PackOptions", ValuesCount=3, Axis=1)
    rows = [model.tensor(f"row{i}", [3, 2]) for i in range(4)]
    model.op("UNPACK", [packed], rows, "UnpackOptions", Num=4, Axis=0)
    joined = model.tensor("joined", [3, 8])
    model.op("CONCATENATION", rows, [joined], "ConcatenationOptions", Axis=-1, FusedActivationFunction=1)
    compare(model.build([joined, *uneven]), {"x": weights(4, 6)}, tmp_path)


def test_float16_weights_stay_float16(tmp_path):
    """A DEQUANTIZE of a float16 constant (how TFLite stores half-precision weights) folds into the
    weight, which model.json stores as float16 again."""
    model = TfliteModel()
    x = model.input("x", [1, 6, 6, 3])
    half = model.constant("w16", weights(4, 3, 3, 3).astype(np.float16))
    w = model.tensor("w", [4, 3, 3, 3])
    model.op("DEQUANTIZE", [half], [w])
    y = model.tensor("y", [1, 6, 6, 4])
    model.op("CONV_2D", [x, w, model.constant("b", weights(4))], [y], "Conv2DOptions", Padding=PADDING_SAME,
             StrideW=1, StrideH=1)
    data = model.build([y])
    result = compare(data, {"x": weights(1, 6, 6, 3)}, tmp_path)
    assert "dequantize" not in str(result.graph.op_counts()).lower()
    source = tmp_path / "model.tflite"
    assert main(["convert", str(source), str(tmp_path / "out")]) == 0
    manifest = json.loads((tmp_path / "out" / "model.json").read_text())["weightsManifest"]
    entries = {w["name"]: w for group in manifest for w in group["weights"]}
    # the filter (transposed to HWIO) only: the bias is float32 in the source, and float16 cannot hold it
    assert [name for name, entry in entries.items() if "quantization" in entry] == ["w16"]
    assert entries["w16"]["quantization"] == {"dtype": "float16"}


@pytest.mark.parametrize("per_channel", [False, True])
def test_int8_weights_dequantized(per_channel, tmp_path):
    """Dynamic-range quantization: int8 weights with one scale, or one per output channel, become
    their real values.  LiteRT's hybrid kernel also rounds the activations to int8 on the way in,
    so it is matched only to that rounding (1% of the output's range); the exact float product is
    matched closely."""
    model = TfliteModel()
    x = model.input("x", [3, 6])
    codes = RNG.integers(-127, 128, (4, 6)).astype(np.int8)
    scale = np.array([0.02, 0.05, 0.01, 0.1] if per_channel else [0.03], np.float32)
    w = model.constant("w", codes, scale=scale, zero_point=np.zeros(scale.size, np.int64), axis=0)
    bias = weights(4)
    y = model.tensor("y", [3, 4])
    model.op("FULLY_CONNECTED", [x, w, model.constant("b", bias)], [y], "FullyConnectedOptions")
    data = model.build([y])
    source = tmp_path / "model.tflite"
    source.write_bytes(data)
    feeds = {"x": weights(3, 6)}
    _, result = read_graph(source)
    actual = reference.run(result.graph, feeds)["y"]
    exact = feeds["x"].astype(np.float64) @ (codes * scale.reshape(-1, 1)).T.astype(np.float64) + bias
    np.testing.assert_allclose(actual, exact, rtol=1e-5, atol=1e-5)
    expected = run_litert(data, feeds)["y"]
    np.testing.assert_allclose(actual, expected, atol=1e-2 * np.abs(expected).max())
    # model.json keeps the int8 codes (as uint8 with min and scale) and the runtime's dequantisation restores
    # the source's values
    assert main(["convert", str(source), str(tmp_path / "out")]) == 0
    graph, document = load_model(tmp_path / "out")
    entries = [w for group in document["weightsManifest"] for w in group["weights"] if "quantization" in w]
    assert len(entries) == 1 and entries[0]["quantization"]["dtype"] == "uint8"
    assert ("axis" in entries[0]["quantization"]) == per_channel
    np.testing.assert_allclose(reference.run(graph, feeds)["y"], exact, rtol=1e-5, atol=1e-5)


def test_fully_quantized_model_becomes_a_float_graph(tmp_path, capsys):
    """int8 activations: every value becomes the real number it stands for, and `convert` says so."""
    model = TfliteModel()
    x = model.input("x", [1, 4])
    q = model.tensor("xq", [1, 4], np.int8, scale=0.05, zero_point=3)
    model.op("QUANTIZE", [x], [q])
    codes = RNG.integers(-10, 11, (3, 4)).astype(np.int8)  # outputs inside the int8 range: no clamping
    w = model.constant("w", codes, scale=np.array([0.01, 0.02, 0.03], np.float32), zero_point=[0, 0, 0], axis=0)
    bias = model.constant("bias", np.array([5, -20, 7], np.int32), scale=np.array([0.0005, 0.001, 0.0015]),
                          zero_point=[0, 0, 0], axis=0)
    yq = model.tensor("yq", [1, 3], np.int8, scale=0.02, zero_point=-5)
    model.op("FULLY_CONNECTED", [q, w, bias], [yq], "FullyConnectedOptions")
    y = model.tensor("y", [1, 3])
    model.op("DEQUANTIZE", [yq], [y])
    data = model.build([y])
    source = tmp_path / "model.tflite"
    source.write_bytes(data)
    feeds = {"x": np.array([[0.5, -1.0, 2.0, 0.25]], np.float32)}
    expected = run_litert(data, feeds)["y"]
    _, result = read_graph(source)
    actual = reference.run(result.graph, feeds)["y"]
    # the float graph does not round to int8 between operators: it may differ by an output step or two
    np.testing.assert_allclose(actual, expected, atol=2 * 0.02)
    assert any("fully quantized" in note for note in result.notes)
    assert main(["convert", str(source), str(tmp_path / "out")]) == 0
    assert "note: fully quantized model: converted to a float graph" in capsys.readouterr().out


def test_signature_names_inputs_and_outputs(tmp_path):
    model = TfliteModel()
    x = model.input("serving_default_x:0", [2, 3])
    y = model.tensor("StatefulPartitionedCall:0", [2, 3])
    model.op("RELU", [x], [y])
    source = tmp_path / "model.tflite"
    source.write_bytes(model.build([y], {"inputs": {"pixels": x}, "outputs": {"scores": y}}))
    _, result = read_graph(source)
    assert result.graph.inputs == ["pixels"] and result.graph.outputs == ["scores"]
    source.write_bytes(model.build([y]))
    _, result = read_graph(source)
    assert result.graph.inputs == ["serving_default_x:0"] and result.graph.outputs == ["StatefulPartitionedCall:0"]


def test_float_weights_are_trainable(tmp_path):
    model = TfliteModel()
    x = model.input("x", [2, 6])
    y = model.tensor("y", [2, 4])
    model.op("FULLY_CONNECTED", [x, model.constant("w", weights(4, 6)), model.constant("b", weights(4))], [y],
             "FullyConnectedOptions")
    z = model.tensor("z", [8])
    model.op("RESHAPE", [y, model.constant("shape", np.array([8], np.int32))], [z])
    source = tmp_path / "model.tflite"
    source.write_bytes(model.build([z]))
    assert main(["convert", str(source), str(tmp_path / "out")]) == 0
    trainable = json.loads((tmp_path / "out" / "model.json").read_text())["trainable"]
    assert len(trainable) == 2 and "w" in trainable and "shape" not in trainable  # the bias, fused, is renamed


def test_free_batch_dimension(tmp_path):
    model = TfliteModel()
    x = model.input("x", [1, 4], signature=[-1, 4])
    y = model.tensor("y", [1, 3], signature=[-1, 3])
    model.op("FULLY_CONNECTED", [x, model.constant("w", weights(3, 4))], [y], "FullyConnectedOptions")
    source = tmp_path / "model.tflite"
    source.write_bytes(model.build([y]))
    _, result = read_graph(source)
    assert result.graph.info["x"].shape == (-1, 4)
    feeds = {"x": weights(5, 4)}
    weight = result.graph.constants[result.graph.nodes[0].inputs[1]]
    np.testing.assert_allclose(reference.run(result.graph, feeds)["y"], feeds["x"] @ weight, rtol=1e-5, atol=1e-6)


def test_unknown_custom_operator_is_named(tmp_path):
    model = TfliteModel()
    x = model.input("x", [1, 4])
    y, z = model.tensor("y", [1, 4]), model.tensor("z", [1, 4])
    model.op("CUSTOM:TransformLandmarks", [x], [y], custom_options=b"")
    model.op("RELU", [y], [z])
    source = tmp_path / "model.tflite"
    source.write_bytes(model.build([z]))
    with pytest.raises(UnsupportedOpsError) as error:
        read_graph(source)
    assert error.value.problems == [("y", "CUSTOM TransformLandmarks",
                                     "custom operator not expressible in runtime ops")]


def test_operator_without_lowering_is_named(tmp_path):
    model = TfliteModel()
    x = model.input("x", [1, 4])
    y = model.tensor("y", [1, 4])
    model.op("LSTM", [x], [y])
    source = tmp_path / "model.tflite"
    source.write_bytes(model.build([y]))
    with pytest.raises(UnsupportedOpsError, match=r"y \(LSTM\): no lowering"):
        read_graph(source)


def test_schema_tables_match_the_generated_schema():
    """The reader's hand-kept enums against flatc's output for schema.fbs, as ai-edge-litert ships it."""
    from ai_edge_litert import schema_py_generated as schema
    operators = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    types = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
    assert all(operators[code] == name for code, name in BUILTIN_OPERATORS.items())
    assert all(types[code] == name for code, name in TENSOR_TYPE_NAMES.items())


def test_grouped_convolution_is_refused(tmp_path):
    model = TfliteModel()
    x = model.input("x", [1, 4, 4, 4])
    y = model.tensor("y", [1, 4, 4, 2])
    model.op("CONV_2D", [x, model.constant("w", weights(2, 3, 3, 2))], [y], "Conv2DOptions", Padding=PADDING_SAME,
             StrideW=1, StrideH=1)
    source = tmp_path / "model.tflite"
    source.write_bytes(model.build([y]))
    with pytest.raises(ConversionError, match="grouped convolution"):
        read_graph(source)


def sparse_weight_model(segments, indices, values) -> bytes:
    """FULLY_CONNECTED whose [3, 4] weight is stored sparse (rows dense, columns CSR) behind DENSIFY."""
    from tflite_models import schema
    model = TfliteModel()
    x = model.input("x", [2, 4])
    packed = model.constant("w_sparse", np.asarray(values, np.float32))
    model.tensors[packed].shape = [3, 4]
    sparsity = schema.SparsityParametersT()
    sparsity.traversalOrder, sparsity.blockMap = [0, 1], []
    rows, columns = schema.DimensionMetadataT(), schema.DimensionMetadataT()
    rows.format, rows.denseSize = schema.DimensionType.DENSE, 3
    columns.format = schema.DimensionType.SPARSE_CSR
    columns.arraySegmentsType = columns.arrayIndicesType = schema.SparseIndexVector.Int32Vector
    columns.arraySegments, columns.arrayIndices = schema.Int32VectorT(), schema.Int32VectorT()
    columns.arraySegments.values, columns.arrayIndices.values = list(segments), list(indices)
    sparsity.dimMetadata = [rows, columns]
    model.tensors[packed].sparsity = sparsity
    w = model.tensor("w", [3, 4])
    model.op("DENSIFY", [packed], [w])
    y = model.tensor("y", [2, 3])
    model.op("FULLY_CONNECTED", [x, w], [y], "FullyConnectedOptions")
    return model.build([y])


def test_densify_sparse_weights(tmp_path):
    # rows: [1.5, 0, 0, -2], [0, 0, 0, 0], [0, 3, 4, 0]
    result = compare(sparse_weight_model([0, 2, 2, 4], [0, 3, 1, 2], [1.5, -2, 3, 4]), {"x": weights(2, 4)}, tmp_path)
    dense = next(v for v in result.graph.constants.values() if v.shape in ((3, 4), (4, 3)))
    np.testing.assert_array_equal(dense if dense.shape == (3, 4) else dense.T,
                                  [[1.5, 0, 0, -2], [0, 0, 0, 0], [0, 3, 4, 0]])


@pytest.mark.parametrize("segments,indices,message", [
    ([0, 2, 2, 9], [0, 3, 1, 2], "level 1's segments do not index its 4 indices"),
    ([0, 2, 1, 4], [0, 3, 1, 2], "level 1's segments do not index its 4 indices"),
    ([0, 2, 2, 4], [0, 7, 1, 2], "an index lies outside shape [3, 4]"),
    ([0, 2, 2, 3], [0, 3, 1], "its levels address 3 values, its buffer holds 4"),
])
def test_malformed_sparsity_is_named(segments, indices, message, tmp_path):
    source = tmp_path / "model.tflite"
    source.write_bytes(sparse_weight_model(segments, indices, [1.5, -2, 3, 4]))
    with pytest.raises(ConversionError, match=re.escape(f"tensor 'w_sparse''s sparsity: {message}")):
        read_graph(source)


def pool_params(padding: int, stride: int, window: int) -> bytes:
    """MediaPipe's custom pooling options: TfLitePoolParams (TfLitePadding: 1 same, 2 valid)."""
    return struct.pack("<6i", padding, stride, stride, window, window, 0)


@pytest.mark.parametrize("shape", [[1, 4, 6, 2], [2, 8, 4, 3]])
def test_max_pooling_with_argmax_and_unpooling(shape, tmp_path):
    """MediaPipe's encoder-decoder pair: the unpooling puts each maximum back where it was."""
    n, h, w, c = shape
    model = TfliteModel()
    x = model.input("x", shape)
    pooled, indices = model.tensor("pooled", [n, h // 2, w // 2, c]), model.tensor("indices", [n, h // 2, w // 2, c])
    model.op("CUSTOM:MaxPoolingWithArgmax2D", [x], [pooled, indices], custom_options=pool_params(2, 2, 2))
    scaled = model.tensor("scaled", [n, h // 2, w // 2, c])
    model.op("MUL", [pooled, model.constant("two", np.array(2.0, np.float32))], [scaled], "MulOptions")
    y = model.tensor("y", shape)
    model.op("CUSTOM:MaxUnpooling2D", [scaled, indices], [y], custom_options=pool_params(2, 2, 2))
    compare(model.build([y, pooled]), {"x": weights(*shape)}, tmp_path)


def test_argmax_indices_read_elsewhere_are_refused(tmp_path):
    model = TfliteModel()
    x = model.input("x", [1, 4, 4, 1])
    pooled, indices = model.tensor("pooled", [1, 2, 2, 1]), model.tensor("indices", [1, 2, 2, 1])
    model.op("CUSTOM:MaxPoolingWithArgmax2D", [x], [pooled, indices], custom_options=pool_params(2, 2, 2))
    y = model.tensor("y", [1, 2, 2, 1])
    model.op("ADD", [pooled, indices], [y], "AddOptions")
    source = tmp_path / "model.tflite"
    source.write_bytes(model.build([y]))
    with pytest.raises(UnsupportedOpsError, match="reads the argmax indices 'indices', which only MaxUnpooling2D"):
        read_graph(source)


def test_strided_slice_with_relative_ends_is_refused(tmp_path):
    source = tmp_path / "model.tflite"
    source.write_bytes(shape_op("STRIDED_SLICE", [4, 6], [[2, 3]], [np.array([1, 0], np.int32),
                                                                    np.array([2, 3], np.int32),
                                                                    np.array([1, 1], np.int32)],
                                "StridedSliceOptions", Offset=True))
    with pytest.raises(UnsupportedOpsError, match=r"strided slice with offset=true"):
        read_graph(source)


def test_reading_imports_neither_litert_nor_flatbuffers_nor_tensorflow(tmp_path):
    """LiteRT is only `verify`'s runner and the tests' oracle; the reader needs numpy alone."""
    source = tmp_path / "model.tflite"
    source.write_bytes(unary_model("RELU", [2, 3]))
    script = ("import sys; from tensorweb.converter.convert import read_graph; read_graph(sys.argv[1]); "
              "print(sorted(m for m in ('ai_edge_litert', 'flatbuffers', 'tensorflow') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script, str(source)], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
