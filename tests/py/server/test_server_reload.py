"""Live reload: changes under demos/, js/src/ and shaders/ reach open pages, rebuilding the bundle first when needed."""

import asyncio
import socket

from server_helpers import WAIT_S, build_command, running_server, watch_while

from tensorweb.server.app import create_app
from tensorweb.server.events import EventLog
from tensorweb.server.reload import LiveReload


def test_a_demo_change_reloads_pages_without_a_build(checkout):
    reloader = LiveReload(checkout, EventLog(), build_command=build_command("built.txt"), debounce_ms=50)
    change = lambda: (checkout / "demos" / "digits" / "index.html").write_text("<p>changed</p>")  # noqa: E731
    [event] = asyncio.run(watch_while(reloader, change, 1))
    assert (event.kind, event.data) == ("reload", {"changed": ["demos/digits/index.html"]})
    assert not (checkout / "built.txt").exists()


def test_a_runtime_change_rebuilds_the_bundle_then_reloads(checkout):
    reloader = LiveReload(checkout, EventLog(), build_command=build_command("built.txt"), debounce_ms=50)
    change = lambda: (checkout / "shaders" / "elementwise" / "unary.wgsl").write_text("// changed\n")  # noqa: E731
    building, reload = asyncio.run(watch_while(reloader, change, 2))
    assert building.kind == "building"
    assert (reload.kind, reload.data) == ("reload", {"changed": ["shaders/elementwise/unary.wgsl"]})
    assert (checkout / "built.txt").read_text() == "built\n"


def test_a_failed_build_reaches_the_pages_instead_of_a_reload(checkout):
    failing = build_command("built.txt", fail_with="js/src/index.ts(1,7): error TS1005: ';' expected.")
    reloader = LiveReload(checkout, EventLog(), build_command=failing, debounce_ms=50)
    change = lambda: (checkout / "js" / "src" / "index.ts").write_text("export const = ;\n")  # noqa: E731
    building, failure = asyncio.run(watch_while(reloader, change, 2))
    assert failure.kind == "build-error"
    assert failure.data == {"changed": ["js/src/index.ts"], "output": "js/src/index.ts(1,7): error TS1005: ';' expected."}


def test_a_build_tool_that_cannot_start_is_a_build_error(checkout):
    reloader = LiveReload(checkout, EventLog(), build_command=(str(checkout / "no-such-tool"),))
    ok, output = asyncio.run(reloader.build())
    assert not ok and output.startswith(f"cannot run {checkout / 'no-such-tool'}")


def test_editor_temporary_files_are_not_changes(checkout):
    reloader = LiveReload(checkout, EventLog(), build_command=build_command("built.txt"), debounce_ms=50)

    def change():
        (checkout / "js" / "src" / ".index.ts.1234.tmp").write_text("draft")
        (checkout / "demos" / "digits" / "index.html").write_text("<p>saved</p>")

    [event] = asyncio.run(watch_while(reloader, change, 1))
    assert (event.kind, event.data) == ("reload", {"changed": ["demos/digits/index.html"]})
    assert not (checkout / "built.txt").exists()


def _read_until(stream: socket.socket, marker: bytes, received: bytearray) -> None:
    while marker not in received:
        chunk = stream.recv(4096)
        assert chunk, f"the stream ended before {marker!r}: {bytes(received)!r}"
        received += chunk


def test_open_pages_hear_reload_over_server_sent_events(checkout, tmp_path):
    app = create_app(checkout, state_dir=tmp_path / "state", live_reload=True,
                     build_command=build_command("built.txt"), reload_debounce_ms=50)
    with running_server(app) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT_S) as stream:
            stream.sendall(b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
            received = bytearray()
            _read_until(stream, b'event: hello\ndata: {"liveReload": true', received)
            assert b"content-type: text/event-stream" in received.lower()
            # The hello event is sent once the watches and this reader are in place.
            (checkout / "shaders" / "elementwise" / "unary.wgsl").write_text("// changed\n")
            _read_until(stream, b"event: reload\n", received)
            assert received.index(b"event: building") < received.index(b"event: reload")
    assert (checkout / "built.txt").read_text() == "built\n"


def _read_to_end(stream: socket.socket, received: bytearray) -> bytes:
    while chunk := stream.recv(4096):
        received += chunk
    return bytes(received)


def test_stopping_the_server_ends_open_event_streams(checkout, tmp_path):
    app = create_app(checkout, state_dir=tmp_path / "state", live_reload=True,
                     build_command=build_command("built.txt"), reload_debounce_ms=50)
    with socket.socket() as stream:
        with running_server(app) as port:
            stream.settimeout(WAIT_S)
            stream.connect(("127.0.0.1", port))
            stream.sendall(b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            received = bytearray()
            _read_until(stream, b"event: hello", received)
        # The response ended as a response does (the last chunk), rather than being cut off.
        assert _read_to_end(stream, received).endswith(b"\r\n0\r\n\r\n")


def test_a_missing_bundle_is_built_when_watching_starts(checkout):
    (checkout / "js" / "dist" / "tensorweb.js").unlink()
    reloader = LiveReload(checkout, EventLog(), build_command=build_command("built.txt"), debounce_ms=50)
    building, reload = asyncio.run(watch_while(reloader, lambda: None, 2))
    assert (building.kind, reload.kind) == ("building", "reload")
    assert reload.data == {"changed": ["js/dist/tensorweb.js"]}
    assert (checkout / "built.txt").read_text() == "built\n"
