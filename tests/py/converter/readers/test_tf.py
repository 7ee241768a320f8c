"""The TensorFlow reader: the fixture SavedModels and frozen graphs against TensorFlow's recorded outputs,
hand-built GraphDefs op by op against numpy, and malformed inputs."""

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from onnx_models import relative_error

from tensorweb.converter import reference
from tensorweb.converter.convert import ConvertOptions, convert, read_graph
from tensorweb.converter.errors import ConversionError, MalformedModelError, UnsupportedOpsError
from tensorweb.converter.quantize import parse_rule
from tensorweb.converter.readers import tf_protos
from tensorweb.converter.readers.tf import read_tf
from tensorweb.converter.readers.tf_bundle import TensorBundle
from tensorweb.converter.writer import load_model

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "tf"
MODELS = ["cnn_saved_model", "cnn_frozen", "attention_saved_model", "attention_frozen",
          "two_branch_saved_model",  # Keras 3's model.export()
          "tf1_saved_model"]  # TF1 style: VariableV2, restored by Assign ops


def source(name: str) -> Path:
    return FIXTURES / (name + ".pb" if name.endswith("_frozen") else name)


def recorded(name: str):
    with np.load(FIXTURES / f"{name}.npz") as data:
        feeds = {k.partition(":")[2]: data[k] for k in data.files if k.startswith("input:")}
        outputs = {k.partition(":")[2]: data[k] for k in data.files if k.startswith("output:")}
    return feeds, outputs


def assert_matches(graph, name: str, rtol: float = 1e-4):
    feeds, expected = recorded(name)
    assert sorted(graph.outputs) == sorted(expected)
    got = reference.run(graph, feeds)
    for output, value in expected.items():
        assert relative_error(got[output], value) < rtol, output


@pytest.mark.parametrize("optimize", [False, True], ids=["raw", "optimized"])
@pytest.mark.parametrize("name", MODELS)
def test_fixture_models_match_tensorflow(name, optimize):
    _, result = read_graph(source(name), optimized=optimize)
    assert_matches(result.graph, name)
    assert result.graph.info[result.graph.inputs[0]].shape[0] == -1  # the batch stays free


@pytest.mark.parametrize("name", MODELS)
def test_converted_models_load_back_and_match(name, tmp_path):
    convert(source(name), tmp_path / "out")
    graph, document = load_model(tmp_path / "out")
    assert document["producer"]["sourceFormat"] in ("tensorflow", "tensorflow-savedmodel")
    assert_matches(graph, name)


def test_float16_weights_stay_within_float16_tolerance(tmp_path):
    convert(source("cnn_saved_model"), tmp_path / "out", ConvertOptions(quantize=[parse_rule("float16")]))
    graph, document = load_model(tmp_path / "out")
    assert any(w.get("quantization") for w in document["weightsManifest"][0]["weights"])
    assert_matches(graph, "cnn_saved_model", rtol=1e-2)


def test_saved_model_ops_are_the_expected_vision_ops():
    _, result = read_graph(source("cnn_saved_model"))
    ops = result.graph.op_counts()
    for op in ("fusedConv2d", "fusedDepthwiseConv2d", "mirrorPad", "maxPool", "avgPool", "resizeBilinear",
               "fusedMatMul", "softmax"):
        assert op in ops, op
    assert "batchNorm" not in ops  # folded into the convolution


def test_signature_keys_name_inputs_and_outputs():
    _, result = read_graph(source("attention_saved_model"), optimized=False)
    assert result.graph.inputs == ["tokens"]
    assert result.graph.info["tokens"].dtype == "int32"
    assert result.graph.outputs == ["logits", "pooled"]


def test_variables_are_read_from_the_checkpoint():
    bundle = TensorBundle(source("cnn_saved_model") / "variables" / "variables")
    kernel = bundle.tensor("conv/.ATTRIBUTES/VARIABLE_VALUE")
    assert kernel.shape == (3, 3, 3, 8) and kernel.dtype == np.float32
    frozen = tf_protos.GraphDef.FromString((FIXTURES / "cnn_frozen.pb").read_bytes())
    consts = [n for n in frozen.node if n.op == "Const" and len(n.attr["value"].tensor.tensor_shape.dim) == 4]
    stored = np.frombuffer(consts[0].attr["value"].tensor.tensor_content, np.float32).reshape(3, 3, 3, 8)
    np.testing.assert_array_equal(kernel, stored)


def test_unknown_signature_and_tags_name_what_there_is():
    with pytest.raises(ConversionError, match=r"no signature 'classify'; it has \['serving_default'\]"):
        read_tf(source("cnn_saved_model"), signature="classify")
    with pytest.raises(ConversionError, match=r"no meta graph tagged \['gpu', 'serve'\]"):
        read_tf(source("cnn_saved_model"), tags=["serve", "gpu"])
    with pytest.raises(ConversionError, match="apply to SavedModel folders"):
        read_tf(source("cnn_frozen"), signature="serving_default")


def test_input_shape_fixes_the_batch():
    _, result = read_graph(source("cnn_frozen"), input_shapes={"image": [4, 16, 16, 3]}, optimized=False)
    assert result.graph.info["Identity"].shape == (4, 12)
    with pytest.raises(ConversionError, match="does not match"):
        read_graph(source("cnn_frozen"), input_shapes={"image": [4, 8, 8, 3]})


# ------------------------------------------------------------------ hand-built graphs, op by op


def const(name: str, array) -> "tf_protos.NodeDef":
    array = np.asarray(array)
    dtype = {np.dtype(np.float32): 1, np.dtype(np.int32): 3, np.dtype(np.int64): 9, np.dtype(np.bool_): 10}
    node = tf_protos.NodeDef(name=name, op="Const")
    tensor = node.attr["value"].tensor
    tensor.dtype = dtype[array.dtype]
    tensor.tensor_shape.dim.extend(tf_protos.TensorShapeProto.Dim(size=d) for d in array.shape)
    tensor.tensor_content = array.tobytes()
    node.attr["dtype"].type = tensor.dtype
    return node


def placeholder(name: str, shape, dtype: int = 1):
    node = tf_protos.NodeDef(name=name, op="Placeholder")
    node.attr["dtype"].type = dtype
    node.attr["shape"].shape.dim.extend(tf_protos.TensorShapeProto.Dim(size=d) for d in shape)
    return node


def op(name: str, op_type: str, inputs: list[str], **attrs):
    node = tf_protos.NodeDef(name=name, op=op_type, input=inputs)
    for key, value in attrs.items():
        if isinstance(value, bool):
            node.attr[key].b = value
        elif isinstance(value, int):
            node.attr[key].i = value
        elif isinstance(value, float):
            node.attr[key].f = value
        elif isinstance(value, str):
            node.attr[key].s = value.encode()
        elif isinstance(value, list):
            node.attr[key].list.i.extend(value)
    return node


def write_graph(path: Path, nodes) -> Path:
    path.write_bytes(tf_protos.GraphDef(node=nodes).SerializeToString())
    return path


X = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)

STRIDED = {
    # id: (begin, end, strides, masks, numpy index)
    "plain": ([0, 1, 0, 1], [2, 3, 4, 4], [1, 1, 2, 1], {}, np.s_[0:2, 1:3, 0:4:2, 1:4]),
    "negative-stride": ([0, -1, 0, 0], [0, 0, 0, 0], [1, -1, 1, 1], {"begin_mask": 0b1101, "end_mask": 0b1111},
                        np.s_[:, ::-1, :, :]),
    "shrink": ([0, 1, 0, 0], [0, 2, 0, 0], [1, 1, 1, 1], {"begin_mask": 0b1101, "end_mask": 0b1101,
                                                            "shrink_axis_mask": 0b10}, np.s_[:, 1, :, :]),
    "ellipsis-shrink-last": ([0, -1], [0, 0], [1, 1], {"ellipsis_mask": 1, "shrink_axis_mask": 0b10},
                             np.s_[..., -1]),
    "new-axis": ([0, 0, 2], [0, 0, 3], [1, 1, 1], {"begin_mask": 1, "end_mask": 1, "new_axis_mask": 0b10},
                 np.s_[:, None, 2:3]),
}


@pytest.mark.parametrize("case", STRIDED, ids=list(STRIDED))
def test_strided_slice_matches_numpy(case, tmp_path):
    begin, end, strides, masks, index = STRIDED[case]
    nodes = [placeholder("x", X.shape), const("b", np.int32(begin)), const("e", np.int32(end)),
             const("s", np.int32(strides)), op("y", "StridedSlice", ["x", "b", "e", "s"], **masks)]
    result = read_tf(write_graph(tmp_path / "g.pb", nodes))
    np.testing.assert_array_equal(reference.run(result.graph, {"x": X})["y"], X[index])


def test_shape_arithmetic_folds_with_the_batch_left_free(tmp_path):
    # reshape(x, [shape(x)[0], -1]) with a free batch: Shape -> StridedSlice -> Pack -> Reshape
    nodes = [placeholder("x", [-1, 3, 4, 5]), op("shape", "Shape", ["x"]), const("b", np.int32([0])),
             const("e", np.int32([1])), const("s", np.int32([1])),
             op("batch", "StridedSlice", ["shape", "b", "e", "s"], shrink_axis_mask=1), const("rest", np.int32(-1)),
             op("target", "Pack", ["batch", "rest"], axis=0), op("y", "Reshape", ["x", "target"])]
    result = read_tf(write_graph(tmp_path / "g.pb", nodes))
    assert result.graph.op_counts() == {"reshape": 1}
    assert result.graph.info["y"].shape == (-1, 60)
    np.testing.assert_array_equal(reference.run(result.graph, {"x": X})["y"], X.reshape(2, 60))


def test_split_pack_pad_select_and_cast(tmp_path):
    nodes = [placeholder("x", X.shape), const("sizes", np.int32([1, -1])), const("axis", np.int32(1)),
             op("parts", "SplitV", ["x", "sizes", "axis"], num_split=2),
             op("stacked", "Pack", ["parts", "parts"], axis=0),
             const("paddings", np.int32([[0, 0], [0, 0], [1, 2], [0, 0], [0, 1]])), const("value", np.float32(-1)),
             op("padded", "PadV2", ["stacked", "paddings", "value"]),
             const("zero", np.float32(0)), op("positive", "Greater", ["padded", "zero"]),
             op("chosen", "SelectV2", ["positive", "padded", "zero"]),
             op("y", "Cast", ["chosen"]), op("z", "Identity", ["parts:1"])]
    nodes[-2].attr["DstT"].type = 3  # DT_INT32
    result = read_tf(write_graph(tmp_path / "g.pb", nodes))
    got = reference.run(result.graph, {"x": X})
    first, rest = X[:, :1], X[:, 1:]
    padded = np.pad(np.stack([first, first]), [(0, 0), (0, 0), (1, 2), (0, 0), (0, 1)], constant_values=-1)
    np.testing.assert_array_equal(got["y"], np.where(padded > 0, padded, 0).astype(np.int32))
    np.testing.assert_array_equal(got["z"], rest)


def test_nchw_convolution_and_bias(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 3, 6, 6)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    nodes = [placeholder("x", x.shape), const("w", w), const("bias", bias),
             op("conv", "Conv2D", ["x", "w"], strides=[1, 1, 1, 1], padding="SAME", data_format="NCHW"),
             op("y", "BiasAdd", ["conv", "bias"], data_format="NCHW")]
    result = read_tf(write_graph(tmp_path / "g.pb", nodes))
    expected = reference.KERNELS["conv2d"]([x.transpose(0, 2, 3, 1), w], {
        "strides": [1, 1], "pad": "same", "dilations": [1, 1]})[0].transpose(0, 3, 1, 2) + bias[:, None, None]
    assert relative_error(reference.run(result.graph, {"x": x})["y"], expected) < 1e-5


def test_control_flow_and_unknown_ops_are_listed_with_node_names(tmp_path):
    nodes = [placeholder("x", [2, 3]), placeholder("flag", [], dtype=10),
             op("branch", "Switch", ["x", "flag"]), op("loop", "Enter", ["x"]), op("odd", "FancyOp", ["x"]),
             op("after", "Relu", ["branch"]), op("y", "AddN", ["after", "loop", "odd"])]
    with pytest.raises(UnsupportedOpsError) as error:
        read_tf(write_graph(tmp_path / "g.pb", nodes))
    names = {name for name, _, _ in error.value.problems}
    assert names == {"branch", "loop", "odd"}
    assert "control flow" in str(error.value) and "FancyOp" in str(error.value)


# ------------------------------------------------------------------ malformed inputs


def no_leftovers(folder: Path):
    assert [p.name for p in folder.iterdir()] == [], list(folder.iterdir())


def test_truncated_frozen_graph_is_reported(tmp_path):
    data = (FIXTURES / "cnn_frozen.pb").read_bytes()
    broken = tmp_path / "src" / "broken.pb"
    broken.parent.mkdir()
    broken.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ConversionError, match="broken.pb"):
        convert(broken, out / "model")
    no_leftovers(out)


def test_truncated_saved_model_is_reported(tmp_path):
    folder = tmp_path / "saved"
    shutil.copytree(source("cnn_saved_model"), folder)
    data = (folder / "saved_model.pb").read_bytes()
    (folder / "saved_model.pb").write_bytes(data[: len(data) - 1001])
    with pytest.raises(MalformedModelError, match="saved_model.pb"):
        read_tf(folder)


DAMAGE = {"missing-index": "variables.index: missing", "missing-data": "cannot read checkpoint data",
          "truncated-data": "past the end of its data file", "corrupt-index": "variables.index: .* checkpoint index"}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_variables_are_reported_and_nothing_is_written(damage, tmp_path):
    folder = tmp_path / "saved"
    shutil.copytree(source("cnn_saved_model"), folder)
    variables = folder / "variables"
    index, data = variables / "variables.index", variables / "variables.data-00000-of-00001"
    if damage == "missing-index":
        index.unlink()
    elif damage == "missing-data":
        data.unlink()
    elif damage == "truncated-data":
        data.write_bytes(data.read_bytes()[:100])
    else:
        raw = bytearray(index.read_bytes())
        raw[-48:-8] = b"\xff" * 40  # block handles that point nowhere
        index.write_bytes(bytes(raw))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(MalformedModelError, match=DAMAGE[damage]):
        convert(folder, out / "model")
    no_leftovers(out)


def test_missing_function_is_reported(tmp_path):
    nodes = [placeholder("x", [2]), op("call", "PartitionedCall", ["x"])]
    nodes[1].attr["f"].func.name = "__inference_gone_1"
    with pytest.raises(MalformedModelError, match="__inference_gone_1"):
        read_tf(write_graph(tmp_path / "g.pb", nodes))


def test_dangling_input_is_reported(tmp_path):
    nodes = [placeholder("x", [2]), op("y", "Relu", ["nowhere"])]
    with pytest.raises(MalformedModelError, match="'nowhere' is produced by no node"):
        read_tf(write_graph(tmp_path / "g.pb", nodes))


# ------------------------------------------------------------------ single ops against numpy

R = np.random.default_rng(3).standard_normal((2, 3, 4, 5)).astype(np.float32)
SELU = 1.0507009873554805 * np.where(R > 0, R, 1.6732632423543772 * np.expm1(np.minimum(R, 0)))

SINGLE_OPS = {
    # id: (op type, constant inputs after x, attrs, expected)
    "Selu": ("Selu", [], {}, SELU),
    "Relu6": ("Relu6", [], {}, np.clip(R, 0, 6)),
    "LeakyRelu": ("LeakyRelu", [], {"alpha": 0.1}, np.where(R > 0, R, 0.1 * R)),
    "Square": ("Square", [], {}, R * R),
    "Sum-keep": ("Sum", [np.int32([1, -1])], {"keep_dims": True}, R.sum(axis=(1, 3), keepdims=True)),
    "Max": ("Max", [np.int32(2)], {}, R.max(axis=2)),
    "ArgMax": ("ArgMax", [np.int32(-1)], {}, R.argmax(axis=-1).astype(np.int32)),
    "Slice": ("Slice", [np.int32([0, 1, 1, 0]), np.int32([-1, 2, -1, 3])], {}, R[:, 1:3, 1:, 0:3]),
    "Tile": ("Tile", [np.int32([1, 2, 1, 1])], {}, np.tile(R, (1, 2, 1, 1))),
    "Transpose": ("Transpose", [np.int32([0, 3, 1, 2])], {}, R.transpose(0, 3, 1, 2)),
    "MirrorPad-symmetric": ("MirrorPad", [np.int32([[0, 0], [1, 1], [2, 0], [0, 0]])], {"mode": "SYMMETRIC"},
                            np.pad(R, [(0, 0), (1, 1), (2, 0), (0, 0)], mode="symmetric")),
    "ResizeNearestNeighbor": ("ResizeNearestNeighbor", [np.int32([6, 8])], {},
                              R[:, [0, 0, 1, 1, 2, 2]][:, :, [0, 0, 1, 1, 2, 2, 3, 3]]),
    "Softmax": ("Softmax", [], {}, np.exp(R) / np.exp(R).sum(axis=-1, keepdims=True)),
    "Erfc": ("Erfc", [], {}, 1 - np.vectorize(math.erf)(R.astype(np.float64))),
    "Log1p": ("Log1p", [], {}, np.log1p(np.abs(R))),
    "Expm1": ("Expm1", [], {}, np.expm1(R)),
    "Cumsum-exclusive-reverse": ("Cumsum", [np.int32(2)], {"exclusive": True, "reverse": True},
                                 np.flip(np.cumsum(np.flip(R, 2), axis=2) - np.flip(R, 2), 2)),
    "GatherV2": ("GatherV2", [np.int32([[2, 0]]), np.int32(3)], {"batch_dims": 0}, R[:, :, :, [[2, 0]]]),
}


@pytest.mark.parametrize("case", SINGLE_OPS, ids=list(SINGLE_OPS))
def test_single_op_matches_numpy(case, tmp_path):
    op_type, constants, attrs, expected = SINGLE_OPS[case]
    names = [f"c{i}" for i in range(len(constants))]
    nodes = [placeholder("x", R.shape)] + [const(n, c) for n, c in zip(names, constants)]
    nodes.append(op("y", op_type, ["x", *names], **attrs))
    result = read_tf(write_graph(tmp_path / "g.pb", nodes))
    x = np.abs(R) if op_type == "Log1p" else R
    got = reference.run(result.graph, {"x": x})["y"]
    assert got.dtype == expected.dtype or expected.dtype == np.float64
    assert relative_error(got, expected) < 1e-5


def test_fill_identity_n_unpack_and_squeeze(tmp_path):
    nodes = [placeholder("x", [2, 1, 3]), op("pair", "IdentityN", ["x", "x"]), const("dims", np.int32([2, 1, 3])),
             const("value", np.float32(0.5)), op("half", "Fill", ["dims", "value"]),
             op("sum", "AddV2", ["pair:1", "half"]), op("parts", "Unpack", ["sum"], num=3, axis=2),
             op("y", "Squeeze", ["parts:2"], squeeze_dims=[1])]
    result = read_tf(write_graph(tmp_path / "g.pb", nodes))
    x = np.arange(6, dtype=np.float32).reshape(2, 1, 3)
    np.testing.assert_array_equal(reference.run(result.graph, {"x": x})["y"], x[:, 0, 2] + 0.5)


def test_cli_takes_signature_and_tags(tmp_path, capsys):
    from tensorweb.converter.cli import main

    assert main(["convert", str(source("cnn_saved_model")), str(tmp_path / "ok"), "--signature", "serving_default",
                 "--tags", "serve"]) == 0
    assert (tmp_path / "ok" / "model.json").is_file()
    assert main(["convert", str(source("cnn_saved_model")), str(tmp_path / "bad"), "--tags", "train"]) == 3
    assert "no meta graph tagged ['train']" in capsys.readouterr().err
    assert main(["convert", str(source("cnn_frozen")), str(tmp_path / "layers"), "--output-format", "layers"]) == 3
    assert "--output-format does not apply" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok"]


def test_frozen_graph_inputs_are_the_placeholders_its_outputs_read(tmp_path):
    nodes = [placeholder("x", [2]), placeholder("unused", [3]), placeholder("learning_phase", [], dtype=10),
             op("y", "Relu", ["x"])]
    result = read_tf(write_graph(tmp_path / "g.pb", nodes))
    assert result.graph.inputs == ["x"] and result.graph.outputs == ["y"]


# ------------------------------------------------------------------ trainable weights

def trainable_values(path, tmp_path) -> tuple[list, list]:
    """The converted model's trainable weights and the others, as (shape, values) sorted by shape and sum."""
    convert(path, tmp_path / path.name)
    graph, document = load_model(tmp_path / path.name)
    entries = lambda names: sorted(((graph.constants[n].shape, graph.constants[n]) for n in names),  # noqa: E731
                                   key=lambda e: (e[0], round(float(e[1].sum()), 3)))
    return entries(document["trainable"]), entries(n for n in graph.constants if n not in document["trainable"])


def assert_same_weights(a: list, b: list, atol: float):
    assert [shape for shape, _ in a] == [shape for shape, _ in b]
    for (_, x), (_, y) in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=0, atol=atol)


@pytest.mark.parametrize("saved,frozen,atol", [("cnn_saved_model", "cnn_frozen.pb", 1e-6),
                                               ("attention_saved_model", "attention_frozen.pb", 1e-6),
                                               ("cnn_saved_model", "cnn_tfjs_graph", 1e-2)])  # uint8 weights
def test_variables_and_the_consts_a_frozen_graph_made_of_them_are_the_trainable_weights(saved, frozen, atol,
                                                                                         tmp_path):
    # the SavedModel's trainable weights are its variables and what the passes made of them; freezing
    # (a frozen GraphDef, a TF.js graph model) turned those variables into Consts, which must come out as
    # the same trainable weights
    from_variables, others = trainable_values(source(saved), tmp_path)
    from_consts, frozen_others = trainable_values(FIXTURES / frozen, tmp_path)
    assert len(from_variables) >= 6
    assert_same_weights(from_consts, from_variables, atol)
    assert_same_weights(frozen_others, others, atol)
    assert all(shape == () for shape, _ in others)  # literals: epsilons, 1/sqrt(d), ...


def test_in_a_frozen_graph_consts_are_parameters_and_values_made_while_converting_are_not(tmp_path):
    nodes = [placeholder("x", [-1, 4]), const("kernel", np.ones([4, 3], np.float32)),
             const("bias", np.arange(3, dtype=np.float32)), const("dims", np.int32([1, 3])),
             const("fill_value", np.float32(-1)), op("fill", "Fill", ["dims", "fill_value"]),
             const("two", np.float32(2)), op("kernel_read", "Identity", ["kernel"]),
             op("matmul", "MatMul", ["x", "kernel_read"]), op("biased", "AddV2", ["matmul", "bias"]),
             op("scaled", "Mul", ["biased", "two"]), op("y", "AddV2", ["scaled", "fill"])]
    result = read_tf(write_graph(tmp_path / "g.pb", nodes))
    assert result.graph.parameters == {"kernel", "bias"}
    assert {"two", "fill"} <= set(result.graph.constants)  # made, but no parameters


def test_saved_model_variables_are_its_parameters():
    _, result = read_graph(source("attention_saved_model"), optimized=False)
    graph = result.graph
    variables = {"embedding", "position", "ln/gamma", "ln/beta", "qkv", "out", "ff1", "ff2", "head"}
    assert graph.parameters == variables
    assert all(graph.constants[n].ndim == 0 for n in set(graph.constants) - variables)


# ------------------------------------------------------------------ data-dependent shapes (host ops)

def nms_boxes(n: int, seed: int):
    rng = np.random.default_rng(seed)
    middle = rng.uniform(0, 5, (3, 2))[rng.integers(0, 3, n)] + rng.normal(0, 0.4, (n, 2))
    size = rng.uniform(1, 2, (n, 2))
    return np.concatenate([middle - size / 2, middle + size / 2], -1).astype(np.float32), \
        (rng.permutation(n) / n).astype(np.float32)


@pytest.mark.parametrize("version", ["V3", "V4", "V5"])
def test_non_max_suppression_versions(version, tmp_path):
    boxes, scores = nms_boxes(30, 1)
    limits = [const("max", np.int32(12)), const("iou", np.float32(0.4)), const("score", np.float32(0.1))]
    names = ["boxes", "scores", "max", "iou", "score"]
    if version == "V5":
        limits.append(const("sigma", np.float32(0.3)))
        names.append("sigma")
    attrs = {"pad_to_max_output_size": True} if version != "V3" else {}
    nodes = [placeholder("boxes", [30, 4]), placeholder("scores", [30]), *limits,
             op("nms", f"NonMaxSuppression{version}", names, **attrs)]
    outputs = {"V3": ["nms"], "V4": ["nms", "nms:1"], "V5": ["nms", "nms:1", "nms:2"]}[version]
    nodes += [op(f"out{i}", "Identity", [name]) for i, name in enumerate(outputs)]
    result = read_tf(write_graph(tmp_path / "g.pb", nodes))
    assert "nonMaxSuppression" in result.graph.op_counts()
    got = reference.run(result.graph, {"boxes": boxes, "scores": scores})
    picked, picked_scores = reference.greedy_nms(boxes, scores, 12, 0.4, 0.1, 0.3 if version == "V5" else 0.0)
    assert 3 <= len(picked) < 12 and len(picked) < (scores > 0.1).sum() - 3  # several kept, several suppressed
    padded = picked + [0] * (12 - len(picked)) if version != "V3" else picked
    np.testing.assert_array_equal(got["out0"], padded)
    if version == "V4":
        assert got["out1"] == len(picked)
    if version == "V5":
        np.testing.assert_allclose(got["out1"][:len(picked)], picked_scores, rtol=1e-6)
        assert got["out2"] == len(picked)


def test_boolean_mask_graph(tmp_path):
    # tf.boolean_mask(x, x > 0) as TensorFlow writes it: Where -> Reshape -> GatherV2 on the flattened x
    x = np.random.default_rng(4).standard_normal((3, 5)).astype(np.float32)
    nodes = [placeholder("x", [3, 5]), const("zero", np.float32(0)), op("mask", "Greater", ["x", "zero"]),
             const("flat_shape", np.int32([-1])), op("flat", "Reshape", ["x", "flat_shape"]),
             op("flat_mask", "Reshape", ["mask", "flat_shape"]), op("where", "Where", ["flat_mask"]),
             op("indices", "Reshape", ["where", "flat_shape"]), const("axis", np.int32(0)),
             op("y", "GatherV2", ["flat", "indices", "axis"])]
    result = read_tf(write_graph(tmp_path / "g.pb", nodes))
    np.testing.assert_array_equal(reference.run(result.graph, {"x": x})["y"], x[x > 0])


def test_unique(tmp_path):
    x = np.float32([3, 1, 3, 2, 1, 5])
    nodes = [placeholder("x", [6]), op("u", "Unique", ["x"]), op("y", "Identity", ["u"]), op("idx", "Identity", ["u:1"])]
    got = reference.run(read_tf(write_graph(tmp_path / "g.pb", nodes)).graph, {"x": x})
    np.testing.assert_array_equal(got["y"], [3, 1, 2, 5])
    np.testing.assert_array_equal(got["idx"], [0, 1, 0, 2, 1, 3])
