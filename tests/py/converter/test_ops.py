"""The op table is the one list of what the converter may emit; everything else keys on it."""

import inspect

import pytest

from tensorweb.converter import ops, reference
from tensorweb.converter.errors import ShapeError
from tensorweb.converter.readers import onnx as onnx_reader


def test_every_op_has_a_reference_kernel_and_nothing_else_does():
    assert set(reference.KERNELS) == set(ops.OPS)


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
                                                "dilations": [1, 1]}
    with pytest.raises(ShapeError, match="no attribute"):
        ops.complete_attrs("relu", {"alpha": 1.0})
    with pytest.raises(ShapeError, match="needs attribute 'perm'"):
        ops.complete_attrs("transpose", {})
    with pytest.raises(ShapeError, match="must be ints"):
        ops.complete_attrs("reshape", {"shape": [1, "2"]})
    with pytest.raises(ShapeError, match="activation must be one of"):
        ops.complete_attrs("fusedMatMul", {"activation": "gelu"})


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
])
def test_bad_shapes_are_reported(op, inputs, attrs, message):
    infos = [ops.TensorInfo(shape, dtype) for shape, dtype in inputs]
    with pytest.raises(ShapeError, match=message):
        ops.infer(op, infos, ops.complete_attrs(op, attrs))
