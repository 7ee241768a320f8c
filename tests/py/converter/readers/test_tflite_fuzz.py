"""Broken and hostile .tflite files: one clean error line, exit status 3 (a model that cannot be read), no output folder."""

import sys
from functools import partial
from pathlib import Path

import flatbuffers
import hostile_files
import numpy as np
import pytest
from tflite_models import TfliteModel, schema

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "fixtures"))
import mediapipe_models  # noqa: E402


convert_bytes = partial(hostile_files.convert_bytes, suffix=".tflite")


@pytest.fixture(scope="module")
def face_detector() -> bytes:
    return mediapipe_models.model_path("face_detection_short_range").read_bytes()


def small_model(**buffer_fields) -> bytes:
    model = TfliteModel()
    x = model.input("x", [1, 6, 6, 3])
    w = model.constant("w", np.ones((4, 3, 3, 3), np.float32))
    for field, value in buffer_fields.items():
        setattr(model.buffers[-1], field, value)
    y = model.tensor("y", [1, 6, 6, 4])
    model.op("CONV_2D", [x, w], [y], "Conv2DOptions", Padding=0, StrideW=1, StrideH=1)
    return model.build([y])


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.9999])
def test_truncated_files(fraction, face_detector, tmp_path, capsys):
    status, err = convert_bytes(face_detector[:int(len(face_detector) * fraction)], tmp_path, capsys)
    assert status == 3 and "model.tflite" in err


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes(seed, tmp_path, capsys):
    data = bytearray(np.random.default_rng(seed).integers(0, 256, 10 ** (seed % 4 + 1), dtype=np.uint8).tobytes())
    if seed % 2 and len(data) >= 8:
        data[4:8] = b"TFL3"  # past the identifier check, into the tables
    status, _ = convert_bytes(bytes(data), tmp_path, capsys)
    assert status == 3


@pytest.mark.parametrize("seed", range(60))
def test_mutated_models_convert_or_fail_cleanly(seed, face_detector, tmp_path, capsys):
    rng = np.random.default_rng(seed)
    data = bytearray(face_detector if seed % 2 else small_model())
    # the face detector's first 20 kB hold its tables; its weights after them would only change values
    span = min(len(data), 20000)
    for position in rng.integers(0, span, 1 + seed % 6):
        data[position] = rng.integers(0, 256)
    status, _ = convert_bytes(bytes(data), tmp_path, capsys)
    assert status in (0, 3)


def test_buffer_offset_past_the_end(tmp_path, capsys):
    status, err = convert_bytes(small_model(data=None, offset=1 << 30, size=432), tmp_path, capsys)
    assert status == 3
    assert "tensor 'w''s buffer 1: 432 bytes at offset 1073741824 lie past the end of the" in err


def test_buffer_of_the_wrong_size(tmp_path, capsys):
    status, err = convert_bytes(small_model(data=np.zeros(100, np.uint8)), tmp_path, capsys)
    assert status == 3
    assert "tensor 'w': its buffer holds 100 bytes, its shape [4, 3, 3, 3] of FLOAT32 needs 432" in err


def test_tensor_of_2_to_the_40_elements(tmp_path, capsys):
    model = TfliteModel()
    x = model.input("x", [1, 4])
    huge = model.tensor("huge", [1 << 20, 1 << 20])
    model.op("RELU", [x], [huge])
    status, err = convert_bytes(model.build([huge]), tmp_path, capsys)
    assert status == 3
    assert "tensor 'huge' declares shape [1048576, 1048576] (1099511627776 elements), past the limit" in err


def test_wrong_identifier_and_version(tmp_path, capsys):
    data = small_model()
    status, err = convert_bytes(data[:4] + b"ONNX" + data[8:], tmp_path, capsys)
    assert status == 3 and "no TFL3 identifier (not a TFLite flatbuffer)" in err
    model = TfliteModel()
    x = model.input("x", [1])
    flat = schema.ModelT.InitFromPackedBuf(model.build([x]), 0)
    flat.version = 2
    builder = flatbuffers.Builder(256)
    builder.Finish(flat.Pack(builder), file_identifier=b"TFL3")
    status, err = convert_bytes(bytes(builder.Output()), tmp_path, capsys)
    assert status == 3 and "schema version 2, expected 3" in err
