"""Broken and hostile inputs give one clean error line and exit status 3: never a traceback, a hang,
or an output folder."""

import signal
from functools import partial

import hostile_files
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx_models import resnet, single_op

SECONDS_PER_CASE = 20


@pytest.fixture(autouse=True)
def no_hangs():
    def hung(signum, frame):
        raise TimeoutError("conversion hung")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(SECONDS_PER_CASE)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


convert_bytes = partial(hostile_files.convert_bytes, suffix=".onnx")


@pytest.fixture(scope="module")
def valid_bytes():
    return resnet().SerializeToString()


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.9999])
def test_truncated_files(fraction, valid_bytes, tmp_path, capsys):
    status, err = convert_bytes(valid_bytes[:int(len(valid_bytes) * fraction)], tmp_path, capsys)
    assert status == 3 and "model.onnx" in err


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes(seed, tmp_path, capsys):
    data = np.random.default_rng(seed).integers(0, 256, 10 ** (seed % 4 + 1), dtype=np.uint8).tobytes()
    status, _ = convert_bytes(data, tmp_path, capsys)
    assert status == 3


@pytest.mark.parametrize("seed", range(40))
def test_mutated_models_convert_or_fail_cleanly(seed, valid_bytes, tmp_path, capsys):
    rng = np.random.default_rng(seed)
    data = bytearray(valid_bytes)
    for position in rng.integers(0, len(data), 1 + seed % 5):
        data[position] = rng.integers(0, 256)
    status, _ = convert_bytes(bytes(data), tmp_path, capsys)
    assert status in (0, 3)


@pytest.mark.parametrize("attrs,message", [
    ({"kernel_shape": "3x3"}, "attribute 'kernel_shape' has type STRING, expected INTS"),
    ({"strides": 2}, "attribute 'strides' has type INT, expected INTS"),
    ({"group": 1.0}, "attribute 'group' has type FLOAT, expected INT"),
    ({"auto_pad": 1}, "attribute 'auto_pad' has type INT, expected STRING"),
])
def test_wrong_attribute_types(attrs, message, tmp_path, capsys):
    model = single_op("Conv", [[1, 3, 8, 8], np.ones((4, 3, 3, 3), np.float32)], {}, 13)
    model.graph.node[0].attribute.extend(helper.make_attribute(k, v) for k, v in attrs.items())
    status, err = convert_bytes(model.SerializeToString(), tmp_path, capsys)
    assert status == 3 and message in err and "node 'node' (Conv)" in err


def huge_initializer_model():
    tensor = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2**20, 2**20])
    return single_op("Add", [[4], np.zeros(4, np.float32)], {}, 13), tensor


def hostile_models():
    model, tensor = huge_initializer_model()
    model.graph.initializer[0].CopyFrom(tensor)
    yield "initializer of 2^40 elements", model
    yield "input of 2^40 elements", single_op("Relu", [[2**20, 2**20]], {}, 13)
    yield "ConstantOfShape of 2^40", single_op("ConstantOfShape", [np.array([2**20, 2**20], np.int64)], {}, 13)
    yield "Expand to 2^40", single_op("Expand", [[1, 1], np.array([2**20, 2**20], np.int64)], {}, 13)
    yield "Reshape to 2^40", single_op("Reshape", [[4], np.array([2**20, 2**20], np.int64)], {}, 13)
    yield "Tile to 2^40", single_op("Tile", [[2, 2], np.array([2**19, 2**19], np.int64)], {}, 13)
    yield "Range of 2^40", single_op("Range", [np.array(0, np.int64), np.array(2**40, np.int64),
                                               np.array(1, np.int64)], {}, 13)
    yield "Pad by 2^40", single_op("Pad", [[2, 2], np.array([0, 0, 2**40, 0], np.int64)], {}, 13)


@pytest.mark.parametrize("case", [name for name, _ in hostile_models()])
def test_shapes_of_2_to_the_40_elements(case, tmp_path, capsys):
    model = dict(hostile_models())[case]
    status, err = convert_bytes(model.SerializeToString(), tmp_path, capsys)
    assert status == 3 and ("limit" in err or "int32" in err or "cannot reshape" in err), err


def test_an_initializer_shorter_than_its_shape(tmp_path, capsys):
    model = single_op("Add", [[4], np.zeros(4, np.float32)], {}, 13)
    model.graph.initializer[0].raw_data = bytes(8)
    status, err = convert_bytes(model.SerializeToString(), tmp_path, capsys)
    assert status == 3 and "holds 8 bytes" in err


def test_a_node_reading_a_value_nobody_produces(tmp_path, capsys):
    graph = helper.make_graph([helper.make_node("Relu", ["ghost"], ["y"], name="orphan")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    status, err = convert_bytes(model.SerializeToString(), tmp_path, capsys)
    assert status == 3 and "'ghost'" in err and "orphan" in err
