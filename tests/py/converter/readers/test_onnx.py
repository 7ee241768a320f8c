"""The ONNX reader, op by op: one-node models run through reference.py (with and without the passes)
against onnxruntime, plus the reader's checks and errors."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_models import ARCHITECTURES, relative_error, run_onnxruntime, single_op

from tensorweb.converter import reference
from tensorweb.converter.convert import convert, read_graph
from tensorweb.converter.errors import ConversionError, MalformedModelError, UnsupportedOpsError
from tensorweb.converter.readers.onnx import read_onnx
from tensorweb.converter.writer import load_model

rng = np.random.default_rng(0)
f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)  # noqa: E731
i64 = lambda *values: np.array(values, np.int64)  # noqa: E731
NCHW = [2, 3, 8, 8]

CASES = {
    # id: (op, inputs, attrs, opset)
    **{op: (op, [[2, 3, 4]], {}, 17) for op in ("Relu", "Sigmoid", "Tanh", "Exp", "Neg", "Abs", "Floor", "Ceil",
                                                "Round", "Sin", "Cos", "Erf", "Sign", "Softplus", "Identity",
                                                "Softsign", "HardSigmoid")},
    "Mish": ("Mish", [[2, 3, 4]], {}, 18),
    "HardSwish": ("HardSwish", [[2, 3, 4]], {}, 14),
    "Dropout": ("Dropout", [[2, 3, 4]], {}, 12),
    "Dropout-mask": ("Dropout", [[2, 3, 4], np.float32(0.5), np.array(False)], {}, 13),
    "Elu": ("Elu", [[2, 3, 4]], {}, 17),
    "Elu-alpha": ("Elu", [[2, 3, 4]], {"alpha": 0.5}, 17),
    "Selu": ("Selu", [[2, 3, 4]], {}, 17),
    "Selu-custom": ("Selu", [[2, 3, 4]], {"alpha": 1.5, "gamma": 2.0}, 17),
    "LeakyRelu": ("LeakyRelu", [[2, 3, 4]], {"alpha": 0.1}, 17),
    "PRelu": ("PRelu", [NCHW, f32(3, 1, 1)], {}, 17),
    "Gelu": ("Gelu", [[2, 3, 4]], {}, 20),
    "Gelu-tanh": ("Gelu", [[2, 3, 4]], {"approximate": "tanh"}, 20),
    "Clip-opset7": ("Clip", [[2, 3, 4]], {"min": 0.0, "max": 6.0}, 7),
    "Clip-opset13": ("Clip", [[2, 3, 4], np.float32(-0.5), np.float32(0.7)], {}, 13),
    "Clip-min-only": ("Clip", [[2, 3, 4], np.float32(0)], {}, 13),
    "Cast-int": ("Cast", [[2, 3, 4]], {"to": TensorProto.INT32}, 13),
    **{op: (op, [[2, 3, 4], f32(3, 1)], {}, 13) for op in ("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum",
                                                           "Mean")},
    "Pow": ("Pow", [[2, 3, 4], np.float32(2)], {}, 13),
    "Sum-3": ("Sum", [[2, 3, 4], [3, 4], f32(4)], {}, 13),
    "Mean-3": ("Mean", [[2, 3, 4], [3, 4], f32(4)], {}, 13),
    **{op: (op, [[2, 3, 4], f32(4)], {}, 13) for op in ("Equal", "Less", "Greater", "LessOrEqual",
                                                        "GreaterOrEqual")},
    "Where": ("Where", [np.array([True, False, True, False]), [2, 3, 4], f32(3, 1)], {}, 16),
    "Softmax-opset11": ("Softmax", [[2, 3, 4]], {"axis": 1}, 11),
    "Softmax-opset13": ("Softmax", [[2, 3, 4]], {"axis": 1}, 13),
    "LogSoftmax": ("LogSoftmax", [[2, 3, 4]], {}, 13),
    "ReduceMean": ("ReduceMean", [[2, 3, 4]], {"axes": [1], "keepdims": 0}, 13),
    "ReduceSum": ("ReduceSum", [[2, 3, 4], i64(0, 2)], {}, 13),
    "ReduceMax": ("ReduceMax", [[2, 3, 4], i64(-1)], {"keepdims": 0}, 18),
    "ReduceMin": ("ReduceMin", [[2, 3, 4]], {"axes": [1, 2]}, 13),
    "ReduceProd": ("ReduceProd", [[2, 3, 4]], {}, 13),
    "ReduceL2": ("ReduceL2", [[2, 3, 4]], {"axes": [2]}, 13),
    "ReduceSumSquare": ("ReduceSumSquare", [[2, 3, 4]], {"axes": [0]}, 13),
    "ArgMax": ("ArgMax", [[2, 3, 4]], {"axis": 1}, 13),
    "ArgMin": ("ArgMin", [[2, 3, 4]], {"axis": -1, "keepdims": 0}, 13),
    "MatMul": ("MatMul", [[2, 5, 4], f32(4, 3)], {}, 13),
    "MatMul-batched": ("MatMul", [[2, 5, 4], [2, 4, 3]], {}, 13),
    "MatMul-vector": ("MatMul", [[4], f32(4, 3)], {}, 13),
    "MatMul-vector-right": ("MatMul", [[2, 5, 4], f32(4)], {}, 13),
    "Gemm": ("Gemm", [[4, 5], f32(4, 3), f32(3)], {"alpha": 0.5, "beta": 2.0, "transA": 1}, 13),
    "Conv": ("Conv", [NCHW, f32(4, 3, 3, 3), f32(4)], {"pads": [1, 1, 1, 1]}, 11),
    "Conv-strided-asymmetric": ("Conv", [NCHW, f32(4, 3, 3, 3)], {"strides": [2, 2], "pads": [0, 1, 2, 1]}, 11),
    "Conv-dilated": ("Conv", [NCHW, f32(4, 3, 3, 3)], {"dilations": [2, 2]}, 11),
    "Conv-same-upper": ("Conv", [NCHW, f32(4, 3, 4, 4)], {"auto_pad": "SAME_UPPER", "strides": [2, 2]}, 11),
    "Conv-same-lower": ("Conv", [NCHW, f32(4, 3, 4, 4)], {"auto_pad": "SAME_LOWER"}, 11),
    "Conv-valid": ("Conv", [NCHW, f32(4, 3, 3, 3)], {"auto_pad": "VALID"}, 11),
    "Conv-grouped": ("Conv", [[2, 4, 8, 8], f32(6, 2, 3, 3), f32(6)], {"group": 2, "pads": [1, 1, 1, 1]}, 11),
    "Conv-depthwise-multiplier": ("Conv", [NCHW, f32(6, 1, 3, 3), f32(6)], {"group": 3}, 11),
    "Conv-1d": ("Conv", [[2, 3, 10], f32(4, 3, 3), f32(4)], {"pads": [1, 1], "strides": [2]}, 11),
    "ConvTranspose": ("ConvTranspose", [NCHW, f32(3, 4, 3, 3), f32(4)],
                      {"strides": [2, 2], "pads": [1, 1, 1, 1], "output_padding": [1, 1]}, 11),
    "ConvTranspose-output-shape": ("ConvTranspose", [NCHW, f32(3, 2, 4, 4)],
                                   {"strides": [2, 2], "output_shape": [16, 16]}, 11),
    "MaxPool-ceil": ("MaxPool", [[2, 3, 9, 9]], {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}, 11),
    "MaxPool-same": ("MaxPool", [[2, 3, 9, 9]], {"kernel_shape": [2, 2], "strides": [2, 2],
                                                 "auto_pad": "SAME_UPPER"}, 11),
    "AveragePool-pads": ("AveragePool", [NCHW], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}, 11),
    "AveragePool-include-pad": ("AveragePool", [NCHW], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1],
                                                        "count_include_pad": 1}, 11),
    "AveragePool-same-include-pad": ("AveragePool", [[2, 3, 9, 9]], {"kernel_shape": [3, 3], "strides": [2, 2],
                                                                   "auto_pad": "SAME_UPPER", "count_include_pad": 1},
                                     11),
    "AveragePool-1d": ("AveragePool", [[2, 3, 10]], {"kernel_shape": [2], "strides": [2]}, 11),
    "GlobalMaxPool": ("GlobalMaxPool", [NCHW], {}, 11),
    "GlobalAveragePool": ("GlobalAveragePool", [NCHW], {}, 11),
    "BatchNormalization-2d": ("BatchNormalization", [[4, 3], f32(3), f32(3), f32(3), np.abs(f32(3)) + 0.5], {}, 15),
    "BatchNormalization-opset7": ("BatchNormalization", [NCHW, f32(3), f32(3), f32(3), np.abs(f32(3)) + 0.5],
                                  {"epsilon": 1e-3}, 7),
    "InstanceNormalization": ("InstanceNormalization", [NCHW, f32(3), f32(3)], {}, 11),
    "LayerNormalization": ("LayerNormalization", [[2, 3, 4], f32(3, 4), f32(3, 4)], {"axis": -2}, 17),
    "LRN": ("LRN", [NCHW], {"size": 3, "alpha": 0.01, "beta": 0.75, "bias": 2.0}, 11),
    "Reshape": ("Reshape", [[2, 3, 4], i64(0, -1, 2)], {}, 13),
    "Flatten": ("Flatten", [[2, 3, 4, 5]], {"axis": 2}, 13),
    "Transpose": ("Transpose", [[2, 3, 4]], {}, 13),
    "Squeeze-opset11": ("Squeeze", [[2, 1, 4]], {"axes": [1]}, 11),
    "Squeeze-opset13": ("Squeeze", [[2, 1, 4, 1], i64(-1)], {}, 13),
    "Unsqueeze-opset11": ("Unsqueeze", [[2, 4]], {"axes": [0, 3]}, 11),
    "Unsqueeze-opset13": ("Unsqueeze", [[2, 4], i64(1, -1)], {}, 13),
    "Concat": ("Concat", [[2, 3, 4], [2, 2, 4], f32(2, 1, 4)], {"axis": -2}, 13),
    "Tile": ("Tile", [[2, 3], i64(2, 3)], {}, 13),
    "Expand": ("Expand", [[3, 1], i64(2, 3, 4)], {}, 13),
    "Pad-opset11": ("Pad", [NCHW, i64(0, 0, 1, 2, 0, 0, 3, 0), np.float32(1.5)], {}, 11),
    "Pad-opset7": ("Pad", [NCHW], {"pads": [0, 1, 0, 0, 0, 0, 2, 1]}, 7),
    "Pad-reflect": ("Pad", [NCHW, i64(0, 0, 2, 1, 0, 0, 1, 2)], {"mode": "reflect"}, 13),
    "Pad-axes": ("Pad", [NCHW, i64(1, 2, 3, 0), None, i64(2, -1)], {}, 18),
    "DepthToSpace-DCR": ("DepthToSpace", [[1, 8, 3, 3]], {"blocksize": 2}, 13),
    "DepthToSpace-CRD": ("DepthToSpace", [[1, 8, 3, 3]], {"blocksize": 2, "mode": "CRD"}, 13),
    "SpaceToDepth": ("SpaceToDepth", [[1, 2, 4, 6]], {"blocksize": 2}, 13),
    "Resize-linear": ("Resize", [NCHW, None, np.array([1, 1, 2, 1.5], np.float32)], {"mode": "linear"}, 13),
    "Resize-align-corners": ("Resize", [NCHW, None, None, i64(2, 3, 5, 11)],
                             {"mode": "linear", "coordinate_transformation_mode": "align_corners"}, 13),
    "Resize-nearest": ("Resize", [NCHW, None, np.array([1, 1, 2, 2], np.float32)],
                       {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},
                       13),
    "Resize-nearest-default-modes": ("Resize", [NCHW, None, np.array([1, 1, 3, 2], np.float32)],
                                     {"mode": "nearest"}, 13),
    "Resize-opset10": ("Resize", [NCHW, np.array([1, 1, 2, 2], np.float32)], {"mode": "nearest"}, 10),
    "Upsample": ("Upsample", [NCHW, np.array([1, 1, 2, 3], np.float32)], {"mode": "nearest"}, 9),
    "Einsum": ("Einsum", [[2, 3, 4], [2, 4, 5]], {"equation": "bij,bjk->bik"}, 13),
    "Einsum-implicit": ("Einsum", [[3, 4], [4, 5]], {"equation": "ij,jk"}, 13),
    "Slice-opset9": ("Slice", [[4, 6, 5]], {"starts": [1, -4], "ends": [3, 1000], "axes": [0, 1]}, 9),
    "Slice-steps": ("Slice", [[4, 6, 5], i64(-1, 0), i64(-9223372036854775807, 9223372036854775807),
                              i64(1, 2), i64(-2, 2)], {}, 13),
    "Slice-reverse-free-batch": ("Slice", [["batch", 6, 5], i64(5), i64(-100), i64(1), i64(-2)], {}, 13),
    "Slice-reverse-partial": ("Slice", [[4, 6, 5], i64(4), i64(1), i64(1), i64(-1)], {}, 13),
    "Gather-axis1": ("Gather", [[3, 5, 2], i64(4, -1, 0)], {"axis": 1}, 13),
    "Gather-scalar": ("Gather", [[3, 5, 2], np.array(-2, np.int64)], {"axis": 0}, 13),
    "CumSum": ("CumSum", [[2, 3, 4], np.array(1, np.int64)], {}, 14),
    "CumSum-exclusive-reverse": ("CumSum", [[2, 3, 4], np.array(-1, np.int32)], {"exclusive": 1, "reverse": 1}, 14),
    "Split-opset11": ("Split", [[2, 6, 4]], {"axis": 1, "split": [2, 4]}, 11),
    "Split-opset13": ("Split", [[2, 6, 4], i64(1, 5)], {"axis": 1}, 13),
    "Split-num-outputs": ("Split", [[2, 7, 4]], {"axis": 1, "num_outputs": 3}, 18),
}
OUTPUTS = {"Dropout-mask": 2, "Split-opset11": 2, "Split-opset13": 2, "Split-num-outputs": 3}


def feeds_for(model):
    feeds = {}
    for value in model.graph.input:
        shape = [d.dim_value or 3 for d in value.type.tensor_type.shape.dim]  # free dims get 3
        feeds[value.name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


@pytest.mark.parametrize("optimize", [False, True], ids=["raw", "optimized"])
@pytest.mark.parametrize("case", CASES)
def test_op_matches_onnxruntime(case, optimize, tmp_path):
    op, inputs, attrs, opset = CASES[case]
    path = tmp_path / "model.onnx"
    onnx.save(single_op(op, inputs, attrs, opset, OUTPUTS.get(case, 1)), path)
    _, result = read_graph(path, optimized=optimize)
    feeds = feeds_for(onnx.load(path))
    expected = run_onnxruntime(path, feeds)
    actual = reference.run(result.graph, feeds)
    for name, value in expected.items():
        if value.dtype == np.bool_ or np.issubdtype(value.dtype, np.integer):
            np.testing.assert_array_equal(actual[name], value.astype(actual[name].dtype))
        else:
            assert relative_error(actual[name], value) <= 1e-5, name


def test_runtime_integer_indices_are_narrowed_to_int32(tmp_path):
    path = tmp_path / "gather.onnx"
    onnx.save(single_op("Gather", [f32(10, 3), [2, 4]], {}, 13, input_types={1: TensorProto.INT64}), path)
    result = read_onnx(path)
    assert result.graph.info["in1"].dtype == "int32"
    indices = np.array([[1, 9, 0, 3], [2, 2, 5, 7]], np.int32)
    expected = run_onnxruntime(path, {"in1": indices})["out0"]
    np.testing.assert_allclose(reference.run(result.graph, {"in1": indices})["out0"], expected)


def test_integer_division_becomes_floor_division(tmp_path):
    path = tmp_path / "div.onnx"
    onnx.save(single_op("Div", [[2, 3], np.array([2, 3, 4], np.int64)], {}, 14, input_types={0: TensorProto.INT64}),
              path)
    graph = read_onnx(path).graph
    assert [n.op for n in graph.nodes] == ["floorDiv"]
    x = np.array([[7, 9, 3], [0, 11, 8]], np.int32)
    np.testing.assert_array_equal(reference.run(graph, {"in0": x})["out0"], run_onnxruntime(path, {"in0": x})["out0"])


def test_int64_weights_that_overflow_int32_are_refused(tmp_path):
    path = tmp_path / "big.onnx"
    onnx.save(single_op("Add", [[2], np.array([1, 2**40], np.int64)], {}, 13, input_types={0: TensorProto.INT64}),
              path)
    with pytest.raises(ConversionError, match="do not fit in int32"):
        read_onnx(path)


def test_shape_subgraphs_fold_to_constants_with_the_batch_left_free(tmp_path):
    from onnx_models import shufflenet
    path = tmp_path / "shufflenet.onnx"
    onnx.save(shufflenet(), path)
    graph = read_onnx(path).graph
    reshapes = [n.attrs["shape"] for n in graph.nodes if n.op == "reshape"]
    assert [-1, 3, 4, 16, 16] in reshapes and [-1, 12, 16, 16] in reshapes
    assert not {"Shape", "Gather", "Concat"} & {n.op for n in graph.nodes}


def test_unsupported_ops_are_listed_all_at_once(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="fine"),
             helper.make_node("Hardmax", ["a"], ["b"], name="hm"),
             helper.make_node("Det", ["a"], ["c"], name="det"),
             helper.make_node("FusedGemm", ["a"], ["e"], name="msft", domain="com.microsoft")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "bce"],
                              [numpy_helper.from_array(i64(1), "k")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)])
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    with pytest.raises(UnsupportedOpsError) as caught:
        read_onnx(path)
    assert [(name, op) for name, op, _ in caught.value.problems] == [("hm", "Hardmax"), ("det", "Det"),
                                                                     ("msft", "FusedGemm")]
    assert "hm (Hardmax)" in str(caught.value) and "com.microsoft" in str(caught.value)


def test_lowering_problems_are_gathered_across_nodes(tmp_path):
    nodes = [helper.make_node("Pad", ["x", "pads"], ["a"], name="edge_pad", mode="edge"),
             helper.make_node("ArgMax", ["x"], ["b"], name="last_index", select_last_index=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "ab"],
                              [numpy_helper.from_array(i64(0, 1, 0, 1), "pads")])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    with pytest.raises(UnsupportedOpsError) as caught:
        read_onnx(path)
    assert {name for name, _, _ in caught.value.problems} == {"edge_pad", "last_index"}


@pytest.mark.parametrize("opset", [6, 24])
def test_opsets_outside_7_to_23_are_refused(opset, tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save(single_op("Relu", [[2]], {}, opset), path)
    with pytest.raises(ConversionError, match=f"opset {opset} is outside"):
        read_onnx(path)


def external_model(tmp_path, location: str):
    model = single_op("Add", [[4], np.arange(4, dtype=np.float32)], {}, 13)
    tensor = model.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "16")):
        tensor.external_data.add(key=key, value=value)
    path = tmp_path / "model" / "m.onnx"
    path.parent.mkdir()
    onnx.save(model, path)
    return path


def test_external_data_is_read_from_the_model_folder(tmp_path):
    path = external_model(tmp_path, "weights.bin")
    (path.parent / "weights.bin").write_bytes(np.arange(4, dtype=np.float32).tobytes())
    graph = read_onnx(path).graph
    np.testing.assert_array_equal(reference.run(graph, {"in0": np.ones(4, np.float32)})["out0"], [1, 2, 3, 4])


@pytest.mark.parametrize("location", ["../secret.bin", "/etc/passwd", "sub/../../secret.bin"])
def test_external_data_outside_the_model_folder_is_refused(location, tmp_path):
    (tmp_path / "secret.bin").write_bytes(bytes(16))
    path = external_model(tmp_path, location)
    with pytest.raises(MalformedModelError, match="not a file inside"):
        read_onnx(path)


def test_truncated_external_data_is_reported(tmp_path):
    path = external_model(tmp_path, "weights.bin")
    (path.parent / "weights.bin").write_bytes(bytes(10))
    with pytest.raises(MalformedModelError, match="truncated"):
        read_onnx(path)


def test_input_shape_override_fixes_free_dimensions(tmp_path):
    path = tmp_path / "m.onnx"
    model = single_op("Relu", [["batch", 3]], {}, 13)
    onnx.save(model, path)
    assert read_onnx(path).graph.info["in0"].shape == (-1, 3)
    assert read_onnx(path, {"in0": [4, 3]}).graph.info["in0"].shape == (4, 3)
    with pytest.raises(ConversionError, match="does not match"):
        read_onnx(path, {"in0": [4, 5]})
    with pytest.raises(ConversionError, match=r"names no model input: \['nope'\] \(the model's inputs: in0\)"):
        read_onnx(path, {"nope": [1]})


def test_two_free_dimensions_in_one_reshape_take_the_shape_program(tmp_path):
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Slice", ["s", "zero", "two"], ["bs"]),
             helper.make_node("Concat", ["bs", "tail"], ["target"], axis=0),
             helper.make_node("Reshape", ["x", "target"], ["y"], name="split_heads")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "s", 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(i64(0), "zero"), numpy_helper.from_array(i64(2), "two"),
                               numpy_helper.from_array(i64(2, 4), "tail")])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    # no longer refused: the target follows both free dimensions through the shape program
    reshape, = [n for n in read_onnx(path).graph.nodes if n.op == "reshape"]
    assert reshape.name == "split_heads" and reshape.attrs["shape"] == [-1, -1, 2, 4] and set(reshape.shape_attrs) == {"shape"}
    graph = read_onnx(path, {"x": [-1, 5, 8]}).graph
    assert [n.attrs["shape"] for n in graph.nodes if n.op == "reshape"] == [[-1, 5, 2, 4]]


def test_constants_and_shape_arithmetic_fold_while_reading(tmp_path):
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Constant", [], ["one"], value_ints=[1]),
        helper.make_node("Gather", ["shape", "one"], ["width"], axis=0),
        helper.make_node("Squeeze", ["width"], ["width_scalar"]),
        helper.make_node("Constant", [], ["zero"], value=numpy_helper.from_array(np.array(0, np.int64))),
        helper.make_node("Constant", [], ["step"], value_int=1),
        helper.make_node("Range", ["zero", "width_scalar", "step"], ["positions"]),
        helper.make_node("Cast", ["positions"], ["positions_f"], to=TensorProto.FLOAT),
        helper.make_node("Size", ["x"], ["count"]),
        helper.make_node("Cast", ["count"], ["count_f"], to=TensorProto.FLOAT),
        helper.make_node("ConstantOfShape", ["shape"], ["halves"],
                         value=numpy_helper.from_array(np.array([0.5], np.float32))),
        helper.make_node("Constant", [], ["scale"], value_float=3.0),
        helper.make_node("Mul", ["x", "scale"], ["scaled"]),
        helper.make_node("Add", ["scaled", "positions_f"], ["shifted"]),
        helper.make_node("Div", ["shifted", "count_f"], ["normalised"]),
        helper.make_node("Add", ["normalised", "halves"], ["y"]),
    ]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 6])])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8), path)
    result = read_onnx(path)
    assert sorted(n.op for n in result.graph.nodes) == ["add", "add", "div", "mul"]
    x = rng.standard_normal((2, 6)).astype(np.float32)
    np.testing.assert_allclose(reference.run(result.graph, {"x": x})["y"], run_onnxruntime(path, {"x": x})["y"],
                               rtol=1e-6)


def test_resize_to_another_tensors_size_with_the_batch_free(tmp_path):
    # FPN-style: upsample `small` to the spatial size of `large`, sizes read from Shape(large)
    nodes = [helper.make_node("Shape", ["large"], ["shape"]),
             helper.make_node("Resize", ["small", "", "", "shape"], ["y"], mode="nearest",
                              coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
             helper.make_node("Add", ["y", "large"], ["out"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("small", TensorProto.FLOAT, ["n", 3, 4, 4]),
                                           helper.make_tensor_value_info("large", TensorProto.FLOAT, ["n", 3, 8, 8])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8), path)
    result = read_onnx(path)
    feeds = {"small": f32(2, 3, 4, 4), "large": f32(2, 3, 8, 8)}
    np.testing.assert_allclose(reference.run(result.graph, feeds)["out"], run_onnxruntime(path, feeds)["out"],
                               rtol=1e-6)


# ------------------------------------------------------------------------ trainable weights

def converted_weights(model, folder):
    """Converts `model` (with the passes) and returns its weights read back and its model.json's trainable."""
    folder.mkdir()
    onnx.save(model, folder / "m.onnx")
    convert(folder / "m.onnx", folder / "out")
    graph, document = load_model(folder / "out")
    return graph.constants, document["trainable"]


def with_weights_changed(model):
    """The model with every weight initializer changed (the builders name literals const_*)."""
    changed = onnx.ModelProto()
    changed.CopyFrom(model)
    for i, tensor in enumerate(changed.graph.initializer):
        if not tensor.name.startswith("const_"):
            value = numpy_helper.to_array(tensor)
            changed.graph.initializer[i].CopyFrom(numpy_helper.from_array(value * 1.5 + 0.1, tensor.name))
    return changed


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_trainable_is_exactly_what_the_weight_initializers_decide(name, tmp_path):
    # a converted weight descends from the source's weights iff it changes when they do
    model = ARCHITECTURES[name]()
    weights, trainable = converted_weights(model, tmp_path / "original")
    other, _ = converted_weights(with_weights_changed(model), tmp_path / "changed")
    descendants = [n for n in weights if not np.array_equal(weights[n], other[n])]
    assert trainable == descendants
    if name == "bert":  # literals, the attention mask's fill and shape constants stay out
        assert "Expand_37/zeros" in weights and set(weights) - set(trainable) == {
            "const_19", "const_22", "Expand_37/zeros", "const_73", "const_169"}
        assert "Gather_7" in trainable  # the position table's rows, folded from a weight
    if name == "resnet":  # every batch norm folded into its convolution's weight and a bias, both trainable
        assert trainable == list(weights)
        assert sum(n.endswith("/folded") for n in trainable) == 6 and sum("/bias" in n for n in trainable) == 7
