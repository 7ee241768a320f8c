"""Upload options: input_shape=NAME:D1,D2,... in the upload's query reaches the converter as --input-shape."""

from pathlib import Path

import pytest
from starlette.testclient import TestClient
from test_server_uploads import make_client, nothing_left, state, upload_and_wait  # noqa: F401 (state is a fixture)

from tensorweb.server.app import create_app
from tensorweb.server.uploads import DEFAULT_CONVERTER, MAX_INPUT_SHAPES, input_shape_arguments

# Two inputs that share a free batch and a free sequence dimension: they convert as they are (the shape
# program keeps both free), or with the sizes an upload fixes.
ENCODER = Path(__file__).parents[2] / "fixtures" / "onnx" / "torch_encoder.onnx"


def real_converter_client(checkout, state) -> TestClient:
    return TestClient(create_app(checkout, state_dir=state, converter_command=DEFAULT_CONVERTER))


def test_each_input_shape_is_one_converter_argument_that_cannot_pass_for_another_option():
    assert input_shape_arguments(["input_ids:1,8", "-o:2"]) == ["--input-shape=input_ids:1,8", "--input-shape=-o:2"]
    assert input_shape_arguments([]) == []


@pytest.mark.parametrize("query, error", [
    ("&input_shape=token_ids:1,8", "names no model input: ['token_ids'] (the model's inputs: input_ids, attention_mask)"),
    ("&input_shape=input_ids:x", "'input_ids:x' is not NAME:D1,D2,..."),
])
def test_an_unknown_or_malformed_input_shape_fails_with_the_converters_reason(checkout, state, query, error):
    with real_converter_client(checkout, state) as client:
        _, events = upload_and_wait(client, f"encoder.onnx{query}", ENCODER.read_bytes())
        assert events[-1][0] == "failed"
        assert error in events[-1][1]["error"]
        assert nothing_left(state)


def test_a_model_with_two_free_dimensions_converts_without_input_shapes(checkout, state):
    with real_converter_client(checkout, state) as client:
        _, events = upload_and_wait(client, "encoder.onnx", ENCODER.read_bytes())
        assert events[-1][0] == "done", events
        [listed] = client.get("/api/models").json()
        assert {t["name"]: t["shape"] for t in listed["inputs"]} == {"input_ids": [-1, -1], "attention_mask": [-1, -1]}


def test_a_model_with_two_free_dimensions_converts_once_the_upload_fixes_them(checkout, state):
    with real_converter_client(checkout, state) as client:
        _, events = upload_and_wait(client, "encoder.onnx&input_shape=input_ids:1,8", ENCODER.read_bytes())
        assert events[-1][0] == "done", events
        [listed] = client.get("/api/models").json()
        assert {t["name"]: t["shape"] for t in listed["inputs"]} == {"input_ids": [1, 8], "attention_mask": [1, 8]}


@pytest.mark.parametrize("query, error", [
    ("&input_shape=" + "x" * 300 + ":1", "of at most 200 printable characters"),
    ("&input_shape=a%0A:1", "of at most 200 printable characters"),
    ("".join(f"&input_shape=i{n}:1" for n in range(MAX_INPUT_SHAPES + 1)), f"at most {MAX_INPUT_SHAPES} input_shape values"),
])
def test_too_many_or_unprintable_input_shapes_are_refused_before_the_upload_is_read(checkout, state, tmp_path, query, error):
    with make_client(checkout, state, tmp_path) as client:
        response = client.post(f"/api/uploads?filename=good.onnx{query}", content=b"good model")
        assert response.status_code == 400
        assert error in response.json()["error"]
        assert nothing_left(state)
