"""Many pages loading one model at once: 200 concurrent requests for a 4 MiB shard, every byte right."""

import asyncio
import hashlib

from server_fixtures import write_model
from server_helpers import running_server

from tensorweb.server.app import create_app

CLIENTS = 200
SHARD_BYTES = 4 * 1024 * 1024
DEADLINE_S = 90


async def fetch_digest(port: int, path: str, byte_range: str | None) -> tuple[int, int, str]:
    """(status, body length, sha256 of the body), hashing as bytes arrive rather than holding them."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        extra = f"Range: {byte_range}\r\n" if byte_range else ""
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n{extra}Connection: close\r\n\r\n"
        writer.write(request.encode())
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head.split(" ", 2)[1])
        assert "content-encoding" not in head
        digest, length = hashlib.sha256(), 0
        while chunk := await reader.read(256 * 1024):
            digest.update(chunk)
            length += len(chunk)
        return status, length, digest.hexdigest()
    finally:
        writer.close()
        await writer.wait_closed()


def test_200_concurrent_requests_for_a_shard_all_get_the_right_bytes(checkout, tmp_path):
    shard = write_model(tmp_path / "models" / "big", shard_bytes=SHARD_BYTES)
    whole = hashlib.sha256(shard).hexdigest()
    tail = hashlib.sha256(shard[-1000:]).hexdigest()
    app = create_app(checkout, model_dirs=[tmp_path / "models"], state_dir=tmp_path / "state")
    path = "/models/big/group1-shard1of1.bin"

    async def all_at_once():
        # Every tenth client asks for a range, as a loader resuming a shard would.
        requests = [fetch_digest(port, path, "bytes=-1000" if i % 10 == 9 else None) for i in range(CLIENTS)]
        return await asyncio.wait_for(asyncio.gather(*requests), DEADLINE_S)

    with running_server(app) as port:
        results = asyncio.run(all_at_once())
    expected = [(206, 1000, tail) if i % 10 == 9 else (200, SHARD_BYTES, whole) for i in range(CLIENTS)]
    assert results == expected
