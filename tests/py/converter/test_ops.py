"""The op table is the one list of what the converter may emit; everything else keys on it. Its
names, inputs and attrs are the runtime schema's (op_schema.json); ops.py adds the shape rules."""

import inspect
import json

import pytest

from tensorweb.converter import ops, reference
from tensorweb.converter.errors import ConversionError, ShapeError
from tensorweb.converter.passes import fuse
from tensorweb.converter.readers import onnx as onnx_reader


def test_every_op_has_a_reference_kernel_and_nothing_else_does():
    assert set(reference.KERNELS) == set(ops.OPS)


@pytest.mark.parametrize("size, kernel, stride, pads", [(224, 3, 2, (0, 1)), (112, 5, 2, (1, 2)), (56, 3, 1, (1, 1)),
                                                        (7, 1, 1, (0, 0)), (15, 3, 2, (1, 1))])
def test_same_padding_is_tensorflows(size, kernel, stride, pads):
    # TF's "SAME": output ceil(size / stride), the odd pixel after (EfficientNet-Lite0's convolutions rely on it).
    assert ops.spatial_padding("same", [size], [kernel], [stride], [1]) == [pads]
    before, after = pads
    assert (size + before + after - kernel) // stride + 1 == -(-size // stride)


def test_the_reader_emits_only_ops_from_the_table():
    source = inspect.getsource(onnx_reader)
    emitted = set()
    for fragment in source.split('emit("')[1:] + source.split('emit_many("')[1:]:
        emitted.add(fragment.split('"')[0])
    emitted |= set(onnx_reader.UNARY.values()) | set(onnx_reader.BINARY.values()) | set(
        onnx_reader.VARIADIC.values()) | set(onnx_reader.REDUCTIONS.values())
    assert emitted <= set(ops.OPS), emitted - set(ops.OPS)


def test_names_are_tensorflow_js_style_camel_case():
    for name in ops.OPS:
        assert name[0].islower() and "_" not in name, name


def test_attrs_are_checked_and_defaults_filled():
    assert ops.complete_attrs("conv2d", {}) == {"strides": [1, 1], "pad": "valid", "dataFormat": "NHWC",
                                                "dilations": [1, 1], "dimRoundingMode": None}
    assert ops.complete_attrs("leakyRelu", {"alpha": 1}) == {"alpha": 1.0}
    assert ops.complete_attrs("transpose", {}) == {"perm": None}  # nullable: the rule rejects it (below)
    with pytest.raises(ShapeError, match="no attribute"):
        ops.complete_attrs("relu", {"alpha": 1.0})
    with pytest.raises(ShapeError, match="needs attribute 'shape'"):
        ops.complete_attrs("reshape", {})
    with pytest.raises(ShapeError, match="'shape' may not be null"):
        ops.complete_attrs("reshape", {"shape": None})
    with pytest.raises(ShapeError, match="must be ints"):
        ops.complete_attrs("reshape", {"shape": [1, "2"]})
    with pytest.raises(ShapeError, match="'activation' must be one of"):
        ops.complete_attrs("fusedMatMul", {"activation": "gelu"})
    with pytest.raises(ShapeError, match="'mode' must be one of"):
        ops.complete_attrs("mirrorPad", {"paddings": [[1, 1]], "mode": "edge"})
    with pytest.raises(ShapeError, match="no op named 'notAnOp'"):
        ops.complete_attrs("notAnOp", {})
    with pytest.raises(ShapeError, match="'acosh' is in the runtime registry but the converter has no shape rule"):
        ops.complete_attrs("acosh", {})


def test_the_op_set_is_the_schemas():
    for name, spec in ops.OPS.items():
        assert spec.inputs == tuple(ops.SCHEMA["ops"][name]["inputs"])
        assert spec.attrs == ops.SCHEMA["ops"][name]["attrs"]
    assert set(ops.OPS) == set(ops.RULES) and set(ops.OPS) <= set(ops.SCHEMA["ops"])
    assert ops.OPS["fusedConv2d"].signature() == "x, filter, bias?, preluActivationWeights?, addend?"
    assert ops.OPS["concat"].input_range() == (1, None)
    assert (ops.OPS["relu"].outputs, ops.OPS["split"].outputs) == (1, "variable")


def test_a_rule_is_held_to_the_schemas_output_count(monkeypatch):
    two = ops.op_set(ops.SCHEMA, {"relu": lambda inputs, attrs: [inputs[0], inputs[0]]})["relu"]
    monkeypatch.setitem(ops.OPS, "relu", two)
    with pytest.raises(ShapeError, match="relu rule gave 2 outputs, the schema says 1"):
        ops.infer("relu", [ops.TensorInfo((2,), "float32")], {})


def test_fused_activations_are_the_schemas():
    named = set(ops.allowed_values("fusedMatMul", "activation")) - {"linear"}
    assert set(fuse.ACTIVATIONS.values()) == named
    assert fuse.ACTIVATIONS["leakyRelu"] == "leakyrelu"


def test_a_rule_for_an_op_the_schema_lacks_is_an_error():
    schema = {"dtypes": ["float32"], "ops": {"relu": ops.SCHEMA["ops"]["relu"]}}
    with pytest.raises(ConversionError, match=r"no op\(s\) \['gelu'\]"):
        ops.op_set(schema, {"relu": ops.same_as_first, "gelu": ops.same_as_first})
    schema["ops"]["relu"] = {"inputs": [{"name": "x"}], "attrs": {"alpha": {"type": "complex"}}}
    with pytest.raises(ConversionError, match="relu attribute 'alpha' has type 'complex'"):
        ops.op_set(schema, {"relu": ops.same_as_first})


@pytest.mark.parametrize("text", ["{", "[]", json.dumps({"ops": {}})])
def test_an_unreadable_schema_names_its_file(text, tmp_path):
    path = tmp_path / "op_schema.json"
    path.write_text(text)
    with pytest.raises(ConversionError, match="op_schema.json"):
        ops.read_schema(path)


def test_nodes_are_checked_against_the_schema_as_they_are_written():
    assert ops.node_attrs("dense", "fusedMatMul", ["a", "b", "bias"], {"activation": "relu"})["activation"] == "relu"
    with pytest.raises(ConversionError, match=r"node 'dense' \(fusedMatMul\): .*'activation' must be one of"):
        ops.node_attrs("dense", "fusedMatMul", ["a", "b"], {"activation": "gelu"})
    with pytest.raises(ConversionError, match=r"node 'dense' \(fusedMatMul\): .*'transposeA' must be bool"):
        ops.node_attrs("dense", "fusedMatMul", ["a", "b"], {"transposeA": 1})
    with pytest.raises(ConversionError, match=r"node 'n' \(relu\): relu takes \(x\), got 2 input"):
        ops.node_attrs("n", "relu", ["a", "b"], {})
    with pytest.raises(ConversionError, match=r"node 'n' \(notAnOp\): no op named"):
        ops.node_attrs("n", "notAnOp", ["a"], {})


@pytest.mark.parametrize("shapes,expected", [
    ([(2, 1, 4), (3, 1)], (2, 3, 4)), ([(-1, 3), (1, 3)], (-1, 3)), ([(-1, 1), (5,)], (-1, 5)),
    ([(), (2, 2)], (2, 2)), ([(-1, 4), (-1, 4)], (-1, 4))])
def test_broadcasting_keeps_free_dimensions(shapes, expected):
    assert ops.broadcast_shapes(*shapes) == expected


def test_incompatible_shapes_are_reported():
    with pytest.raises(ShapeError, match="do not broadcast"):
        ops.broadcast_shapes((2, 3), (4, 3))


@pytest.mark.parametrize("op,inputs,attrs,expected", [
    ("conv2d", [((-1, 224, 224, 3), "float32"), ((7, 7, 3, 64), "float32")], {"strides": [2, 2], "pad": "same"},
     (-1, 112, 112, 64)),
    ("depthwiseConv2d", [((1, 9, 9, 4), "float32"), ((3, 3, 4, 2), "float32")], {}, (1, 7, 7, 8)),
    ("maxPool", [((1, 9, 9, 4), "float32")], {"filterSize": [3, 3], "strides": [2, 2], "pad": "valid"},
     (1, 4, 4, 4)),
    ("matMul", [((-1, 8, 5, 4), "float32"), ((4, 3), "float32")], {}, (-1, 8, 5, 3)),
    ("matMul", [((2, 4, 5), "float32"), ((2, 3, 4), "float32")], {"transposeA": True, "transposeB": True},
     (2, 5, 3)),
    ("reshape", [((-1, 6), "float32")], {"shape": [-1, 2, 3]}, (-1, 2, 3)),
    ("reshape", [((4, 6), "float32")], {"shape": [-1, 3]}, (8, 3)),
    ("gather", [((10, 4), "float32"), ((-1, 7), "int32")], {}, (-1, 7, 4)),
    ("sum", [((2, 3, 4), "float32")], {"axis": [0, -1], "keepDims": False}, (3,)),
    ("stridedSlice", [((10,), "float32")], {"begin": [8], "end": [0], "strides": [-3], "endMask": 0}, (3,)),
    ("einsum", [((2, 3), "float32"), ((3, 4), "float32")], {"equation": "ij,jk->ik"}, (2, 4)),
    ("conv2dTranspose", [((1, 4, 4, 3), "float32"), ((3, 3, 5, 3), "float32")],
     {"outputShape": [8, 8, 5], "strides": [2, 2], "pad": "same"}, (1, 8, 8, 5)),
])
def test_shape_rules(op, inputs, attrs, expected):
    infos = [ops.TensorInfo(shape, dtype) for shape, dtype in inputs]
    assert ops.infer(op, infos, ops.complete_attrs(op, attrs))[0].shape == expected


@pytest.mark.parametrize("op,inputs,attrs,message", [
    ("conv2d", [((1, 8, 8, 3), "float32"), ((3, 3, 4, 8), "float32")], {}, "input channels"),
    ("reshape", [((4, 6), "float32")], {"shape": [5, -1]}, "cannot reshape"),
    ("reshape", [((4, 6), "float32")], {"shape": [-1, -1]}, "one -1"),
    ("matMul", [((2, 3), "float32"), ((4, 5), "float32")], {}, "inner dimensions"),
    ("concat", [((2, 3), "float32"), ((2, 3, 1), "float32")], {"axis": 0}, "differ in rank"),
    ("transpose", [((2, 3), "float32")], {"perm": [0, 0]}, "not a permutation"),
    ("tile", [((2**20,), "float32")], {"reps": [2**20]}, "past the limit"),
    ("relu", [], {}, "takes"),
    # forms the schema allows that the converter's rules do not take
    ("conv2d", [((1, 8, 8, 3), "float32"), ((3, 3, 3, 8), "float32")], {"strides": 2}, "'strides' must be a list of 2"),
    ("conv2d", [((1, 8, 8, 3), "float32"), ((3, 3, 3, 8), "float32")], {"pad": 1}, "'pad' must be 'valid', 'same'"),
    ("conv2d", [((1, 8, 8, 3), "float32"), ((3, 3, 3, 8), "float32")], {"pad": [[1, 1], [1, 1]]}, "'pad' must be"),
    ("conv2dTranspose", [((1, 4, 4, 3), "float32"), ((3, 3, 5, 3), "float32")],
     {"outputShape": [8, 8, 5], "dilations": [2, 2]}, "no dilated conv2dTranspose"),
    ("sum", [((2, 3), "float32")], {}, "'axis' must be a list"),
    ("transpose", [((2, 3), "float32")], {}, "'perm' must be a list"),
    ("stridedSlice", [((4,), "float32")], {"begin": [0], "end": [2], "strides": [1], "shrinkAxisMask": 1},
     "'shrinkAxisMask' must be 0"),
    ("stridedSlice", [((4, 2), "float32")], {"begin": [0], "end": [2], "strides": [1]}, "'begin' must be a list of 2"),
    ("cast", [((4,), "float32")], {"dtype": "float16"}, "'dtype' must be one of"),
    ("pad", [((4,), "float32")], {"paddings": [[-1, 0]]}, "may not be negative"),
    ("depthToSpace", [((1, 2, 2, 4), "float32")], {"blockSize": 2, "dataFormat": "NCHW"}, "'dataFormat' must be 'NHWC'"),
])
def test_bad_shapes_are_reported(op, inputs, attrs, message):
    infos = [ops.TensorInfo(shape, dtype) for shape, dtype in inputs]
    with pytest.raises(ShapeError, match=message):
        ops.infer(op, infos, ops.complete_attrs(op, attrs))
