"""Helpers for the server tests: a real server on loopback, raw requests, a fake converter."""

from __future__ import annotations

import asyncio
import http.client
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tensorweb.server.app import bind_socket, server_for
from tensorweb.server.reload import LiveReload

WAIT_S = 15


@contextmanager
def running_server(app) -> Iterator[int]:
    """`app` under uvicorn on a free loopback port, in a thread; yields the port.

    The socket listens before the server starts, so a client may connect at once.
    """
    sock = bind_socket("127.0.0.1", 0)
    server = server_for(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        assert not thread.is_alive(), "the server did not stop"


def raw_get(port: int, raw_path: str) -> tuple[int, bytes]:
    """GET with the path sent exactly as given (no client-side normalisation of dots or escapes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", raw_path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def fake_converter(folder: Path) -> tuple[str, ...]:
    """A stand-in converter whose behaviour the uploaded bytes choose.

    b"good..." writes a model (a progress bar and lines on stderr); b"partial..." writes
    half a model, then fails with an error line; b"silent..." exits 0 having
    written nothing; a model.json, or a folder holding saved_model.pb, is converted.
    """
    script = folder / "fake_convert.py"
    script.write_text(
        f"""
import os, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from server_fixtures import write_model
source, output = [a for a in sys.argv[1:] if not a.startswith("--")]
if os.path.isdir(source):
    if not os.path.isfile(os.path.join(source, "saved_model.pb")):
        print("error: no saved_model.pb in " + source, file=sys.stderr)
        sys.exit(1)
    kind = b"good"
elif source.endswith("model.json"):
    kind = b"good"
else:
    kind = open(source, "rb").read(8)
print("reading " + os.path.basename(source), file=sys.stderr, flush=True)
if kind.startswith(b"good"):
    sys.stderr.write("converting [##..] 50%\\rconverting [####] 100%\\n")
    print("writing shards", file=sys.stderr, flush=True)
    write_model(Path(output))
elif kind.startswith(b"partial"):
    os.makedirs(output)
    open(os.path.join(output, "group1-shard1of2.bin"), "wb").write(b"half")
    print("error: unsupported op FancyConv at node 3", file=sys.stderr)
    sys.exit(1)
elif not kind.startswith(b"silent"):
    print("error: cannot parse the model", file=sys.stderr)
    sys.exit(1)
"""
    )
    return (sys.executable, os.fspath(script))


def tree(folder: Path) -> list[str]:
    """Every path under `folder`, relative, sorted; [] when it does not exist."""
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def build_command(marker_name: str, fail_with: str | None = None) -> tuple[str, ...]:
    """A stand-in for `npm run build`: runs in the checkout, leaves a marker, maybe fails."""
    if fail_with is None:
        code = f"open({marker_name!r}, 'a').write('built\\n'); print('built')"
    else:
        code = f"import sys; open({marker_name!r}, 'a').write('failed\\n'); print({fail_with!r}); sys.exit(1)"
    return (sys.executable, "-c", code)


async def watch_while(reloader: LiveReload, change, count: int) -> list:
    """Start watching, make the change once the watches are in place, and collect `count` events."""
    events = reloader.events.follow(reloader.events.next_number)
    watcher = asyncio.create_task(reloader.run())
    try:
        await asyncio.wait_for(reloader.ready.wait(), WAIT_S)
        change()
        return [await asyncio.wait_for(anext(events), WAIT_S) for _ in range(count)]
    finally:
        reloader.stop()
        await asyncio.wait_for(watcher, WAIT_S)
