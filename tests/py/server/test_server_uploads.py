"""Upload and convert: limits, streaming to disk, progress, success, and failures that leave nothing behind."""

import http.client
import io
import json
import shutil
import sys
import tracemalloc
import zipfile

import pytest
from server_fixtures import write_model
from server_helpers import fake_converter, running_server, tree
from starlette.testclient import TestClient

from tensorweb.server.app import create_app
from tensorweb.server.uploads import DEFAULT_CONVERTER, model_in, split_output

LIMIT = 64 * 1024


def parse_sse(text: str) -> list[tuple[str, object]]:
    events = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    return events


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


def make_client(checkout, state, tmp_path, **options) -> TestClient:
    options.setdefault("converter_command", fake_converter(tmp_path))
    return TestClient(create_app(checkout, state_dir=state, upload_limit=LIMIT, **options))


def upload_and_wait(client: TestClient, filename: str, body: bytes) -> tuple[dict, list[tuple[str, object]]]:
    """Post the file, then read its job's event stream, which ends with the job."""
    accepted = client.post(f"/api/uploads?filename={filename}", content=body)
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    events = parse_sse(client.get(job["events"]).text)
    return job, events


def nothing_left(state) -> bool:
    """No upload, no unpacked zip, no half-converted folder, no model."""
    return tree(state / "uploads") == [] and tree(state / "models") == []


def test_a_declared_oversized_upload_is_refused_with_nothing_written(checkout, state, tmp_path):
    with make_client(checkout, state, tmp_path) as client:
        response = client.post("/api/uploads?filename=big.onnx", content=b"good" + b"x" * LIMIT)
        assert response.status_code == 413
        assert "larger than the limit of 0.0625 MiB" in response.json()["error"]
        assert nothing_left(state)


def test_a_streamed_oversized_upload_is_cut_off_and_its_partial_file_deleted(checkout, state, tmp_path):
    def chunks():  # no Content-Length: the limit is found while streaming
        for _ in range(LIMIT // 4096 + 1):
            yield b"g" * 4096

    with make_client(checkout, state, tmp_path) as client:
        response = client.post("/api/uploads?filename=big.onnx", content=chunks())
        assert response.status_code == 413
        assert nothing_left(state)
        assert client.get("/api/models").json() == []


def test_an_upload_at_the_limit_is_taken_and_one_byte_more_is_not_over_a_real_connection(checkout, state, tmp_path):
    app = create_app(checkout, state_dir=state, upload_limit=LIMIT, converter_command=fake_converter(tmp_path))
    with running_server(app) as port:
        def post_chunked(size: int) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            body = (b"good" + b"x" * size)[:size]
            connection.request("POST", "/api/uploads?filename=edge.onnx",
                               body=iter([body[i:i + 10_000] for i in range(0, size, 10_000)]), encode_chunked=True)
            status = connection.getresponse().status
            connection.close()
            return status

        assert post_chunked(LIMIT + 1) == 413
        assert post_chunked(LIMIT) == 202


def test_uploads_are_streamed_to_disk_not_held_in_memory(checkout, state, tmp_path):
    size = 24 * 1024 * 1024
    app = create_app(checkout, state_dir=state, upload_limit=2 * size, converter_command=fake_converter(tmp_path))
    chunk = b"good" + b"x" * (64 * 1024 - 4)
    with running_server(app) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        tracemalloc.start()
        try:
            connection.request("POST", "/api/uploads?filename=large.onnx",
                               body=(chunk for _ in range(size // len(chunk))), encode_chunked=True)
            response = connection.getresponse()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert response.status == 202
        assert json.loads(response.read())["bytes"] == size
        connection.close()
    assert peak < size / 4, f"the server held {peak} bytes while receiving {size}"


def test_converter_output_splits_into_log_lines_and_progress_redraws():
    assert split_output("a\nb\r\nbar 10%\rbar 20%\rdone\n") == (
        [("log", "a"), ("log", "b"), ("progress", "bar 10%"), ("progress", "bar 20%"), ("log", "done")], "")
    assert split_output("a\npart") == ([("log", "a")], "part")
    assert split_output("bar 30%\r") == ([], "bar 30%\r")  # may be half of a CRLF
    assert split_output("\n\n  \n") == ([], "")


def test_a_corrupt_model_fails_with_the_converters_error_and_leaves_nothing(checkout, state, tmp_path):
    # The real converter: whatever state it is in, random bytes are no ONNX model.
    with make_client(checkout, state, tmp_path, converter_command=DEFAULT_CONVERTER) as client:
        job, events = upload_and_wait(client, "corrupt.onnx", b"\x08\x07garbage, not a protobuf" * 100)
        kinds = [kind for kind, _ in events]
        assert kinds[:2] == ["state", "state"] and kinds[-1] == "failed"
        final = events[-1][1]
        log_lines = [data for kind, data in events if kind == "log"]
        assert final["state"] == "failed"
        assert final["error"] and final["error"] == log_lines[-1]
        assert client.get(job["status"]).json()["state"] == "failed"
        assert nothing_left(state)
        assert client.get("/api/models").json() == []


def test_a_converted_upload_appears_in_the_model_list_and_is_served(checkout, state, tmp_path):
    with make_client(checkout, state, tmp_path) as client:
        job, events = upload_and_wait(client, "../My Tiny.onnx", b"good model")
        assert job["upload"] == "My_Tiny.onnx"
        assert [data for kind, data in events if kind == "log"][:3] == [
            "reading My_Tiny.onnx", "converting [####] 100%", "writing shards"]
        assert [data for kind, data in events if kind == "progress"] == ["converting [##..] 50%"]
        assert events[-1][1]["progress"] == "converting [##..] 50%"
        assert events[-1] == ("done", events[-1][1]) and events[-1][1]["model"] == "My_Tiny"
        models = client.get("/api/models").json()
        assert [(m["name"], m["error"]) for m in models] == [("My_Tiny", None)]
        assert client.get("/models/My_Tiny/model.json").json()["format"] == "tensorweb-graph"
        assert tree(state / "uploads") == []
        assert [e.kind for e in client.app.state.site_events.events()] == ["models"]

        second, events = upload_and_wait(client, "My Tiny.onnx", b"good again")
        assert events[-1][1]["model"] == "My_Tiny-2"
        assert "My_Tiny-2" in client.get("/").text


def test_a_reconnecting_page_gets_the_job_events_after_the_last_it_had(checkout, state, tmp_path):
    with make_client(checkout, state, tmp_path) as client:
        job, events = upload_and_wait(client, "tiny.onnx", b"good")
        resumed = client.get(job["events"], headers={"last-event-id": "2"}).text
        assert parse_sse(resumed) == events[3:]
        assert resumed.split("id: ", 1)[1].startswith("3\n")
        assert parse_sse(client.get(job["events"], headers={"last-event-id": "9999"}).text) == []
        assert parse_sse(client.get(job["events"], headers={"last-event-id": "junk"}).text) == events


def test_a_model_name_taken_by_a_models_folder_is_not_reused(checkout, state, tmp_path):
    write_model(tmp_path / "mine" / "tiny")
    with make_client(checkout, state, tmp_path, model_dirs=[tmp_path / "mine"]) as client:
        _, events = upload_and_wait(client, "tiny.onnx", b"good")
        assert events[-1][1]["model"] == "tiny-2"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"partial", "error: unsupported op FancyConv at node 3"),
        (b"silent", "the converter's output is not a usable model: no model.json in this folder"),
        (b"nonsense", "error: cannot parse the model"),
    ],
)
def test_a_failed_conversion_leaves_nothing_behind(checkout, state, tmp_path, body, error):
    with make_client(checkout, state, tmp_path) as client:
        job, events = upload_and_wait(client, "tiny.onnx", body)
        assert events[-1][0] == "failed"
        assert events[-1][1]["error"] == error
        assert nothing_left(state)
        assert client.get("/api/models").json() == []


def test_a_conversion_past_its_time_limit_is_stopped(checkout, state, tmp_path):
    # A converter that never finishes: it waits on a pipe nobody writes to.
    stuck = (sys.executable, "-c", "import os, sys; print('thinking', flush=True); r, w = os.pipe(); os.read(r, 1)")
    with make_client(checkout, state, tmp_path, converter_command=stuck, convert_timeout_s=1) as client:
        _, events = upload_and_wait(client, "tiny.onnx", b"good")
        assert events[-1][1]["error"] == "the conversion took longer than 1 s"
        assert nothing_left(state)


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_what_a_zip_hands_the_converter(tmp_path):
    def unpacked(*names: str):
        folder = tmp_path / "unpacked"
        shutil.rmtree(folder, ignore_errors=True)
        for name in names:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(b"x")
        return folder

    folder = unpacked("export/saved_model.pb", "export/variables/variables.index")
    assert model_in(folder) == folder / "export"
    folder = unpacked("web_model/model.json", "web_model/group1-shard1of1.bin", "__MACOSX/._model.json")
    assert model_in(folder) == folder / "web_model" / "model.json"
    folder = unpacked("net.onnx", "README.md")
    assert model_in(folder) == folder / "net.onnx"
    folder = unpacked("face.tflite", "labels.txt")
    assert model_in(folder) == folder / "face.tflite"
    folder = unpacked("a.onnx", "b.onnx")
    assert model_in(folder) == folder


def test_a_zipped_model_folder_is_unpacked_and_converted(checkout, state, tmp_path):
    folder = tmp_path / "web_model"
    write_model(folder)
    body = zipped({f"web_model/{p.name}": p.read_bytes() for p in folder.iterdir()} | {"__MACOSX/._x": b""})
    with make_client(checkout, state, tmp_path) as client:
        _, events = upload_and_wait(client, "web_model.zip", body)
        assert events[-1][0] == "done", events
        assert "unpacking the zip" in [data for kind, data in events if kind == "log"]
        assert events[-1][1]["model"] == "web_model"
        assert nothing_left(state) is False and tree(state / "uploads") == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (zipped({"../escaped.txt": b"x"}), "the zip holds an unsafe path '../escaped.txt'"),
        (zipped({"/abs.txt": b"x"}), "the zip holds an unsafe path '/abs.txt'"),
        (zipped({"a/../../escaped.txt": b"x"}), "the zip holds an unsafe path 'a/../../escaped.txt'"),
        (zipped({"bomb.bin": b"\0" * (4 * LIMIT + 1)}), f"the zip unpacks to more than {4 * LIMIT} bytes"),
        (b"PK\x03\x04 not really a zip", None),
    ],
)
def test_a_bad_zip_fails_and_writes_nothing_outside(checkout, state, tmp_path, body, error):
    with make_client(checkout, state, tmp_path) as client:
        _, events = upload_and_wait(client, "model.zip", body)
        assert events[-1][0] == "failed"
        if error:
            assert events[-1][1]["error"] == error
        else:
            assert events[-1][1]["error"].startswith("the upload is not a readable zip file")
        assert nothing_left(state)
        assert not (state / "escaped.txt").exists() and not (state / "uploads" / "escaped.txt").exists()


def test_a_zip_symlink_is_refused(checkout, state, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("web_model/link")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
    with make_client(checkout, state, tmp_path) as client:
        _, events = upload_and_wait(client, "model.zip", buffer.getvalue())
        assert events[-1][1]["error"] == "the zip holds a symbolic link 'web_model/link'"
        assert nothing_left(state)


def test_a_tflite_upload_is_taken_to_the_converter(checkout, state, tmp_path):
    with make_client(checkout, state, tmp_path) as client:
        assert client.post("/api/uploads?filename=face.tflite", content=b"TFL3").status_code == 202


def test_unaccepted_and_empty_uploads_are_refused(checkout, state, tmp_path):
    with make_client(checkout, state, tmp_path) as client:
        wrong_kind = client.post("/api/uploads?filename=notes.txt", content=b"good")
        assert wrong_kind.status_code == 400 and ".onnx" in wrong_kind.json()["error"]
        assert client.post("/api/uploads", content=b"good").status_code == 400
        empty = client.post("/api/uploads?filename=tiny.onnx", content=b"")
        assert (empty.status_code, empty.json()["error"]) == (400, "the upload is empty")
        assert client.get("/api/jobs/unknown").status_code == 404
        assert client.get("/api/jobs/unknown/events").status_code == 404
        assert nothing_left(state)


def test_starting_clears_what_a_previous_run_left_half_done(checkout, state, tmp_path):
    (state / "models" / ".converting-0123").mkdir(parents=True)
    (state / "models" / ".converting-0123" / "group1-shard1of2.bin").write_bytes(b"half")
    (state / "uploads" / "0123").mkdir(parents=True)
    (state / "uploads" / "0123" / "tiny.onnx").write_bytes(b"half")
    write_model(state / "models" / "kept")
    with make_client(checkout, state, tmp_path):
        assert tree(state / "uploads") == []
        assert tree(state / "models") == ["kept", "kept/group1-shard1of1.bin", "kept/model.json"]


def test_stopping_the_server_fails_a_running_conversion_and_cleans_up(checkout, state, tmp_path):
    # Says it has started, then waits on a pipe nobody writes to.
    stuck = (sys.executable, "-c", "import os; print('started', flush=True); r, w = os.pipe(); os.read(r, 1)")
    app = create_app(checkout, state_dir=state, upload_limit=LIMIT, converter_command=stuck)
    with running_server(app) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        connection.request("POST", "/api/uploads?filename=tiny.onnx", body=b"good")
        job = json.loads(connection.getresponse().read())
        connection.request("GET", job["events"])
        events = connection.getresponse()
        first_lines = b""
        while b'data: "started"' not in first_lines:
            first_lines += events.read1()
    rest = events.read()  # the stream ends once the server stops
    connection.close()
    final = parse_sse((first_lines + rest).decode())[-1]
    assert final[0] == "failed"
    assert final[1]["error"] == "the server stopped during the conversion"
    assert nothing_left(state)


def test_a_real_onnx_model_converts_with_the_real_converter(checkout, state, tmp_path):
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    weights = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2), name="w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Relu", ["xw"], ["y"])], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])], [weights],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with make_client(checkout, state, tmp_path, converter_command=DEFAULT_CONVERTER) as client:
        _, events = upload_and_wait(client, "tiny.onnx", model.SerializeToString())
        assert events[-1][0] == "done", events
        [listed] = client.get("/api/models").json()
        assert (listed["name"], listed["error"]) == ("tiny", None)
        assert [t["name"] for t in listed["inputs"]] == ["x"]
        assert [t["name"] for t in listed["outputs"]] == ["y"]
        assert client.get("/models/tiny/model.json").json()["weightsManifest"]
        assert tree(state / "uploads") == []


def test_the_page_never_sees_the_servers_folders_and_the_server_logs_each_upload(checkout, state, tmp_path, caplog):
    """The converter names its source and output by their full paths; the page gets the upload's name and OUT."""
    script = tmp_path / "convert_naming_paths.py"
    script.write_text(
        "import sys\n"
        "source, output = [a for a in sys.argv[1:] if not a.startswith('--')]\n"
        "print('reading ' + source, file=sys.stderr, flush=True)\n"
        "sys.stderr.write('writing ' + output + ' [##..] 50%\\r')\n"
        "print('tensorweb convert: error: ' + output + ': cannot write the converted model there: '\n"
        "      'No space left on device', file=sys.stderr)\n"
        "sys.exit(2)\n")
    caplog.set_level("INFO", logger="tensorweb.server")
    with make_client(checkout, state, tmp_path, converter_command=(sys.executable, str(script))) as client:
        accepted = client.post("/api/uploads?filename=mine.onnx", content=b"some model")
        stream = client.get(accepted.json()["events"]).text
        job = client.get(accepted.json()["status"]).json()
        refused = client.post("/api/uploads?filename=notes.txt", content=b"text")
    assert refused.status_code == 400
    assert str(tmp_path) not in stream and str(tmp_path) not in json.dumps(job)
    assert job["error"] == "tensorweb convert: error: OUT: cannot write the converted model there: No space left on device"
    assert job["log"][0] == "reading mine.onnx"
    assert "writing OUT [##..] 50%" in [data for kind, data in parse_sse(stream) if kind == "progress"]
    lines = [r.getMessage() for r in caplog.records if r.name == "tensorweb.server"]
    assert len(lines) == 2, lines
    assert lines[0].startswith("upload mine.onnx (10 bytes): failed: tensorweb convert: error: OUT: cannot write")
    assert lines[0].endswith(" s") and " in " in lines[0]
    assert lines[1].startswith("upload 'notes.txt' (4 bytes declared) refused: name the file in ?filename=")
    assert nothing_left(state)


def test_a_converted_upload_is_logged_with_its_model(checkout, state, tmp_path, caplog):
    caplog.set_level("INFO", logger="tensorweb.server")
    with make_client(checkout, state, tmp_path) as client:
        job, _ = upload_and_wait(client, "tiny.onnx", b"good model")
    [line] = [r.getMessage() for r in caplog.records if r.name == "tensorweb.server"]
    assert line.startswith("upload tiny.onnx (10 bytes): converted as /models/tiny/ in ")
