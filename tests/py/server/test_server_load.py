"""One real `tensorweb serve` process under load (issue 20), on loopback only.

200 concurrent shard requests with Range headers of every kind and 20
concurrent uploads (models that convert, corrupt files, and files over the
size limit, declared or streamed) at the same moment. Every answer must be
right, every upload's files gone once its job ends, the server's peak memory
far below what holding the uploads whole would take, and the server must
still answer afterwards.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import onnx
import pytest
from server_fixtures import write_model
from server_helpers import tree

from tensorweb.server.files import CHUNK_BYTES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "converter"))
import onnx_models  # noqa: E402

MIB = 1024 * 1024
SHARD_BYTES = 2 * MIB
SHARD_PATH = "/models/big/group1-shard1of1.bin"
CLIENTS = 200
UPLOAD_LIMIT_MIB = 16
CORRUPT_LARGE_BYTES = 12 * MIB
OVER_LIMIT_BYTES = 20 * MIB
NOT_A_ZIP = b"PK\x03\x04 and then no zip"
DEADLINE_S = 120
# (Range header, expected (status, first byte, end exclusive) or "whole"): every form a loader or a browser sends.
RANGES = [
    (None, "whole"),
    ("bytes=0-99", (206, 0, 100)),
    ("bytes=-1000", (206, SHARD_BYTES - 1000, SHARD_BYTES)),
    (f"bytes={SHARD_BYTES - 4096}-", (206, SHARD_BYTES - 4096, SHARD_BYTES)),
    (f"bytes=1000-{SHARD_BYTES + 5000}", (206, 1000, SHARD_BYTES)),  # past the end: clipped
    ("bytes=0-0,10-20", "whole"),  # a list of ranges: the whole file, as the RFC allows
    (f"bytes={SHARD_BYTES}-", (416, 0, 0)),
    ("bytes=500-100", (416, 0, 0)),
]


def rss_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak since start) of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


async def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
                  body_chunks=None, content_length: int | None = None) -> tuple[int, dict[str, str], int, str, bytes]:
    """(status, headers, body length, body sha256, first 4 KiB of the body) of one raw HTTP/1.1 exchange.

    The body is sent while the answer is read, so a server that answers
    early (413) and stops reading is seen as it is, not as a client error.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body_chunks is not None:
        lines.append(f"Content-Length: {content_length}" if content_length is not None else "Transfer-Encoding: chunked")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    async def send_body():
        if body_chunks is None:
            return
        try:
            for chunk in body_chunks:
                writer.write(chunk if content_length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
            if content_length is None:
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass  # the server answered and closed before taking it all

    sender = asyncio.create_task(send_body())
    try:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            return -1, {}, 0, "", repr(exc).encode()
        status = int(head.split(" ", 2)[1])
        answer_headers = {k.strip().lower(): v.strip() for k, _, v in
                          (line.partition(":") for line in head.split("\r\n")[1:] if line)}
        digest, length, start = hashlib.sha256(), 0, b""
        # As a browser does: a body with a length ends there (a server still reading a refused upload
        # need not close first); one without ends when the connection does.
        remaining = int(answer_headers.get("content-length", -1))
        try:
            while remaining != 0 and (chunk := await reader.read(256 * 1024 if remaining < 0 else min(remaining, 256 * 1024))):
                remaining -= len(chunk) if remaining > 0 else 0
                digest.update(chunk)
                length += len(chunk)
                if len(start) < 4096:
                    start += chunk[: 4096 - len(start)]
        except ConnectionError as exc:
            return status, answer_headers, -1, "", repr(exc).encode()
        return status, answer_headers, length, digest.hexdigest(), start
    finally:
        sender.cancel()
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


def chunks_of(data: bytes, size: int = 256 * 1024):
    return (data[i:i + size] for i in range(0, len(data), size))


def random_chunks(total: int, seed: int, size: int = 256 * 1024):
    """`total` pseudo-random bytes, made as they are sent (the client does not hold them either)."""
    rng = random.Random(seed)
    for offset in range(0, total, size):
        yield rng.randbytes(min(size, total - offset))


def uploads(valid: bytes) -> list[dict]:
    """The 20 uploads: what is sent and what must come of it."""
    truncated = valid[: len(valid) // 2]
    cases = [{"name": f"good{i}.onnx", "chunks": lambda: chunks_of(valid), "length": len(valid), "expect": "done"} for i in range(6)]
    cases += [{"name": f"noise{i}.onnx", "chunks": (lambda i=i: random_chunks(CORRUPT_LARGE_BYTES, i)),
               "length": CORRUPT_LARGE_BYTES, "expect": "failed"} for i in range(3)]
    cases += [{"name": f"half{i}.onnx", "chunks": lambda: chunks_of(truncated), "length": len(truncated), "expect": "failed"} for i in range(2)]
    cases += [{"name": "notazip.zip", "chunks": lambda: chunks_of(NOT_A_ZIP), "length": len(NOT_A_ZIP), "expect": "failed"}]
    # Over the limit: four say so in Content-Length (refused unread), four stream without a length.
    cases += [{"name": f"declared{i}.onnx", "chunks": (lambda i=i: random_chunks(OVER_LIMIT_BYTES, 10 + i)),
               "length": OVER_LIMIT_BYTES, "expect": 413} for i in range(4)]
    cases += [{"name": f"streamed{i}.onnx", "chunks": (lambda i=i: random_chunks(OVER_LIMIT_BYTES, 20 + i)),
               "length": None, "expect": 413} for i in range(4)]
    return cases


@pytest.fixture
def server(tmp_path):
    """`tensorweb serve` as its own process, with a 2 MiB shard to serve and a 16 MiB upload limit."""
    shard = write_model(tmp_path / "models" / "big", shard_bytes=SHARD_BYTES)
    state = tmp_path / "state"
    process = subprocess.Popen(
        [sys.executable, "-m", "tensorweb", "serve", "--port", "0", "--no-reload", "--models", str(tmp_path / "models"),
         "--state-dir", str(state), "--max-upload", str(UPLOAD_LIMIT_MIB)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    first_line = process.stdout.readline()
    assert "serving the demo gallery on http://127.0.0.1:" in first_line, first_line
    port = int(first_line.rsplit(":", 1)[1].strip().rstrip("/"))
    try:
        yield {"port": port, "pid": process.pid, "shard": shard, "state": state}
    finally:
        process.terminate()
        process.wait(timeout=15)


async def wait_for_jobs(port: int, job_ids: list[str], deadline: float) -> dict[str, dict]:
    finished: dict[str, dict] = {}
    while len(finished) < len(job_ids):
        assert time.monotonic() < deadline, f"jobs still running: {sorted(set(job_ids) - set(finished))}"
        for job_id in set(job_ids) - set(finished):
            status, _, _, _, body = await request(port, "GET", f"/api/jobs/{job_id}")
            assert status == 200, body
            job = json.loads(body)
            if job["state"] in ("done", "failed"):
                finished[job_id] = job
        await asyncio.sleep(0.2)
    return finished


def test_200_range_requests_and_20_uploads_at_once_against_one_serve_process(server, tmp_path):
    port, shard, state = server["port"], server["shard"], server["state"]
    valid = onnx_models.single_op("Relu", [[1, 8]]).SerializeToString()
    onnx.checker.check_model(onnx.load_from_string(valid))
    cases = uploads(valid)

    async def load():
        # Warm up (first requests import and cache what the server needs), then take the memory baseline.
        assert (await request(port, "GET", SHARD_PATH))[0] == 200
        assert (await request(port, "GET", "/api/models"))[0] == 200
        baseline = rss_kib(server["pid"])["VmRSS"]
        started = time.monotonic()
        shard_requests = [request(port, "GET", SHARD_PATH, {"Range": RANGES[i % len(RANGES)][0]} if RANGES[i % len(RANGES)][0] else None)
                          for i in range(CLIENTS)]
        upload_requests = [request(port, "POST", f"/api/uploads?filename={case['name']}", {"Content-Type": "application/octet-stream"},
                                   case["chunks"](), case["length"]) for case in cases]
        answers = await asyncio.wait_for(asyncio.gather(*shard_requests, *upload_requests), DEADLINE_S)
        answered_s = time.monotonic() - started
        accepted = {json.loads(a[4])["id"]: case for a, case in zip(answers[CLIENTS:], cases) if a[0] == 202}
        jobs = await wait_for_jobs(port, list(accepted), time.monotonic() + DEADLINE_S)
        peak = rss_kib(server["pid"])["VmHWM"]
        after = [await request(port, "GET", SHARD_PATH), await request(port, "GET", "/api/models")]
        return baseline, peak, answers, accepted, jobs, after, answered_s

    baseline, peak, answers, accepted, jobs, after, answered_s = asyncio.run(load())
    resets = [(case["name"], a[0], a[4][:120]) for a, case in zip(answers[CLIENTS:], cases) if a[0] == -1 or a[2] == -1]
    resets += [(RANGES[i % len(RANGES)][0], a[0]) for i, a in enumerate(answers[:CLIENTS]) if a[0] == -1 or a[2] == -1]
    assert resets == [], f"connections reset before the answer was read: {resets}"

    # Every shard answer is right, byte for byte.
    for i, (status, headers, length, digest, _) in enumerate(answers[:CLIENTS]):
        header, expected = RANGES[i % len(RANGES)]
        if expected == "whole":
            expected = (200, 0, SHARD_BYTES)
        want_status, first, end = expected
        assert status == want_status, (header, status)
        if status == 416:
            assert headers["content-range"] == f"bytes */{SHARD_BYTES}", header
            continue
        assert (length, digest) == (end - first, hashlib.sha256(shard[first:end]).hexdigest()), header
        if status == 206:
            assert headers["content-range"] == f"bytes {first}-{end - 1}/{SHARD_BYTES}", header

    # Every upload gets its answer: 202 then done or failed, or 413 over the limit.
    for (status, _, _, _, body), case in zip(answers[CLIENTS:], cases):
        if case["expect"] == 413:
            assert status == 413, (case["name"], status, body)
            assert f"larger than the limit of {UPLOAD_LIMIT_MIB} MiB" in json.loads(body)["error"]
        else:
            assert status == 202, (case["name"], status, body)
    assert len(accepted) == 12
    for job_id, case in accepted.items():
        job = jobs[job_id]
        assert job["state"] == case["expect"], (case["name"], job)
        if case["expect"] == "failed":
            assert job["error"], job
    models = sorted(job["model"] for job in jobs.values() if job["state"] == "done")
    assert len(models) == 6 and len(set(models)) == 6, models

    # Nothing of any upload is left but the six converted models.
    assert tree(state / "uploads") == []
    assert sorted(p.name for p in (state / "models").iterdir()) == models
    for name in models:
        assert sorted(p.name for p in (state / "models" / name).iterdir())[-1] == "model.json"

    # Memory: each shard answer holds one file chunk at a time (200 x 256 KiB = 50 MiB at worst), and the
    # uploads go to disk as they arrive. Held whole, the three 12 MiB files and the 16 MiB the server takes
    # of each over-limit one before refusing it would add 164 MiB; 24 MiB is allowed.
    allowance_mib = CLIENTS * CHUNK_BYTES / MIB + 24
    growth_mib = (peak - baseline) / 1024
    print(f"server RSS {baseline / 1024:.0f} MiB before the load, peak {peak / 1024:.0f} MiB "
          f"(allowed {allowance_mib:.0f} MiB more); {CLIENTS} shard requests and {len(cases)} uploads answered in {answered_s:.1f} s")
    assert growth_mib < allowance_mib, f"the server's peak memory grew by {growth_mib:.0f} MiB under load"

    # The server still answers, and lists the new models beside the served one.
    shard_after, models_after = after
    assert shard_after[0] == 200 and shard_after[3] == hashlib.sha256(shard).hexdigest()
    assert models_after[0] == 200
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/models", timeout=10) as response:
        listed = {entry["name"] for entry in json.load(response)}
    assert set(models) | {"big"} <= listed, listed
