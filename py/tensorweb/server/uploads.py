"""Upload and convert: a posted model file becomes a model folder, or nothing.

The upload is streamed to a job folder under the server's state folder with
the size limit checked as bytes arrive; it is never held whole in memory.
Past the limit (declared or found while streaming) the rest of the body is
read and dropped, up to MAX_DISCARD_BYTES, before the 413 goes out: closing on
unread bytes would reset the connection, and the client, still sending,
would see a network error rather than the answer. The converter then runs as a
subprocess into a hidden temporary folder beside the other uploaded models;
its output lines are the job's progress. Only on success is the temporary
folder renamed into place; on any failure the job folder and the temporary
folder are deleted and the job reports the converter's last line.

What the page sees (the log, the error) never names the server's folders: the
job's own paths are replaced by the uploaded file's name and "OUT". Each upload
is logged on the server as one line: its name, size, result and time.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import os
import re
import shutil
import stat
import sys
import time
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import ClientDisconnect, Request

from tensorweb.server.events import EventLog
from tensorweb.server.models import read_model

ACCEPTED_SUFFIXES = (".onnx", ".keras", ".h5", ".pb", ".tflite", ".zip")
ACCEPTED_NAMES = ("model.json",)
ACCEPTED_KINDS = ", ".join(ACCEPTED_SUFFIXES + ACCEPTED_NAMES)
# --progress: the converter draws its bar even though its output is a pipe; each redraw is a progress event.
DEFAULT_CONVERTER = (sys.executable, "-m", "tensorweb", "convert", "--progress")
MAX_ZIP_MEMBERS = 10_000
MAX_LOG_LINES = 2000
MAX_LINE_CHARS = 64 * 1024
LINE_END = re.compile(r"\r\n|\n|\r(?!$)")
MAX_JOBS_KEPT = 100
MAX_NAME_CHARS = 80
MAX_INPUT_SHAPES = 16
MAX_INPUT_SHAPE_CHARS = 200
# Past the limit, up to this many more bytes are read and dropped: a client still sending when the
# server closes on unread bytes gets a connection reset instead of the 413 (browsers show a network error).
MAX_DISCARD_BYTES = 64 * 1024 * 1024
LOG = logging.getLogger("tensorweb.server")


class UploadTooLarge(Exception):
    pass


class ConversionFailed(Exception):
    pass


def safe_upload_name(raw: str) -> str | None:
    """The upload's file name reduced to [A-Za-z0-9._-], or None for a kind we do not convert."""
    base = unicodedata.normalize("NFKC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")
    lowered = base.lower()
    if lowered in ACCEPTED_NAMES:
        return lowered
    suffix = next((s for s in ACCEPTED_SUFFIXES if lowered.endswith(s)), None)
    if suffix is None:
        return None
    stem = base[: -len(suffix)].rstrip("._-")[:MAX_NAME_CHARS] or "model"
    return stem + suffix


def input_shape_arguments(specs: list[str]) -> list[str]:
    """The converter's arguments for an upload's `input_shape=NAME:D1,D2,...` values.

    The converter judges their form (its message becomes the job's error);
    here only their number and size are bounded. Each is one
    `--input-shape=SPEC` argument, so a value is never read as another option.
    """
    if len(specs) > MAX_INPUT_SHAPES:
        raise ConversionFailed(f"at most {MAX_INPUT_SHAPES} input_shape values are taken, not {len(specs)}")
    for spec in specs:
        if len(spec) > MAX_INPUT_SHAPE_CHARS or not spec.isprintable():
            raise ConversionFailed(f"input_shape {spec[:40]!r} is not NAME:D1,D2,... of at most {MAX_INPUT_SHAPE_CHARS} printable characters")
    return [f"--input-shape={spec}" for spec in specs]


async def discard_body(request: Request, max_bytes: int) -> None:
    """Read the rest of the request body without keeping it, up to `max_bytes` (then the server may close on it)."""
    dropped = 0
    try:
        async for chunk in request.stream():
            dropped += len(chunk)
            if dropped > max_bytes:
                return
    except ClientDisconnect:
        pass


def without_paths(text: str, shown_as: dict[Path, str]) -> str:
    """`text` with each of the server's folders shown as its stand-in ("" shows what is below it relative)."""
    for folder, stand_in in sorted(shown_as.items(), key=lambda item: -len(str(item[0]))):  # deepest first
        text = text.replace(f"{folder}{os.sep}", f"{stand_in}/" if stand_in else "")
        text = text.replace(str(folder), stand_in or ".")
    return text


def byte_size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MiB" if count >= 1024 * 1024 else f"{count:,} bytes"


def model_name_for(upload_name: str) -> str:
    """The folder name a converted upload gets: its stem ("model" for model.json)."""
    stem = upload_name.rsplit(".", 1)[0]
    return stem or "model"


def split_output(text: str) -> tuple[list[tuple[str, str]], str]:
    """The complete lines of `text` as (kind, line), and the unfinished rest.

    A line ended by a lone CR is a redrawn progress bar ("progress"); one
    ended by LF or CRLF is a line of the log ("log"). A CR at the very end
    stays in the rest: it may be half of a CRLF.
    """
    lines, start = [], 0
    for end in LINE_END.finditer(text):
        line = text[start : end.start()].strip()
        if line:
            lines.append(("progress" if end.group() == "\r" else "log", line))
        start = end.end()
    return lines, text[start:]


@dataclass
class Job:
    id: str
    upload_name: str
    upload_bytes: int
    converter_args: list[str] = field(default_factory=list)  # options from the upload's query (input shapes)
    state: str = "queued"  # queued, converting, done, failed
    model: str | None = None
    error: str | None = None
    progress: str = ""  # the converter's latest progress bar
    log: list[str] = field(default_factory=list)
    events: EventLog = field(default_factory=EventLog)
    received_at: float = field(default_factory=time.monotonic)
    # The server's folders the converter's output may name, and what the page is shown instead.
    private_paths: dict[Path, str] = field(default_factory=dict)

    def public(self, text: str) -> str:
        return without_paths(text, self.private_paths)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "upload": self.upload_name,
            "bytes": self.upload_bytes,
            "state": self.state,
            "model": self.model,
            "error": self.error,
            "progress": self.progress,
            "log": self.log[-50:],
        }


def extract_zip(archive: Path, into: Path, max_bytes: int) -> Path:
    """Unpack `archive` into `into`, refusing names that leave it, links, and more than `max_bytes` unpacked.

    Returns the model to convert (see `model_in`).
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ConversionFailed(f"the upload is not a readable zip file ({exc})") from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ConversionFailed(f"the zip holds more than {MAX_ZIP_MEMBERS} entries")
        unpacked = 0
        for member in members:
            name = member.filename
            segments = name.rstrip("/").split("/")
            if (
                name.startswith("/")
                or "\\" in name
                or "\x00" in name
                or re.match(r"^[A-Za-z]:", name)
                or any(s in ("", ".", "..") for s in segments)
            ):
                raise ConversionFailed(f"the zip holds an unsafe path {name!r}")
            if stat.S_ISLNK(member.external_attr >> 16):
                raise ConversionFailed(f"the zip holds a symbolic link {name!r}")
            if segments[0] == "__MACOSX":
                continue
            target = into.joinpath(*segments)
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(member) as source, open(target, "wb") as sink:
                    # Count what actually comes out: the sizes in the zip's headers can lie.
                    while chunk := source.read(1024 * 1024):
                        unpacked += len(chunk)
                        if unpacked > max_bytes:
                            raise ConversionFailed(f"the zip unpacks to more than {max_bytes} bytes")
                        sink.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
                raise ConversionFailed(f"cannot unpack {name!r} from the zip ({exc})") from None
    return model_in(into)


def model_in(folder: Path) -> Path:
    """What to hand the converter from an unpacked zip.

    A single top folder is looked into. A SavedModel is its folder; a
    TensorFlow.js model is its model.json; a lone model file is that file;
    anything else is the folder, for the converter to judge.
    """
    entries = [p for p in folder.iterdir() if p.name != "__MACOSX"]
    if len(entries) == 1 and entries[0].is_dir():
        return model_in(entries[0])
    names = {p.name for p in entries}
    if names & {"saved_model.pb", "saved_model.pbtxt"}:
        return folder
    if "model.json" in names:
        return folder / "model.json"
    model_files = [p for p in entries if p.is_file() and p.suffix.lower() in (".onnx", ".keras", ".h5", ".pb", ".tflite")]
    if len(model_files) == 1:
        return model_files[0]
    return folder


class Converter:
    """Uploads in, model folders out, one conversion at a time."""

    def __init__(
        self,
        *,
        state_dir: Path,
        models_dir: Path,
        upload_limit: int,
        model_roots: list[Path],
        site_events: EventLog,
        command: tuple[str, ...] = DEFAULT_CONVERTER,
        timeout_s: float = 1800,
    ) -> None:
        self.work_dir = state_dir / "uploads"
        self.models_dir = models_dir
        self.upload_limit = upload_limit
        self.model_roots = model_roots
        self.site_events = site_events
        self.command = command
        self.timeout_s = timeout_s
        self.jobs: dict[str, Job] = {}
        self._tasks: set[asyncio.Task] = set()
        self._one_at_a_time = asyncio.Lock()

    def prepare(self) -> None:
        """Create the folders; clear what a previous run left half done."""
        self.models_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.models_dir.glob(".converting-*"):
            shutil.rmtree(leftover, ignore_errors=True)

    async def receive(self, request: Request, upload_name: str, converter_args: list[str] | None = None) -> Job:
        """Stream the request body to disk and queue its conversion (with `converter_args`); UploadTooLarge past the limit."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.upload_limit:
            if int(declared) <= self.upload_limit + MAX_DISCARD_BYTES:
                await discard_body(request, MAX_DISCARD_BYTES)
            raise UploadTooLarge()
        job = Job(id=uuid.uuid4().hex[:12], upload_name=upload_name, upload_bytes=0, converter_args=converter_args or [])
        job_dir = self.work_dir / job.id
        job_dir.mkdir(parents=True)
        try:
            with open(job_dir / upload_name, "wb") as sink:
                async for chunk in request.stream():
                    job.upload_bytes += len(chunk)
                    if job.upload_bytes <= self.upload_limit:
                        sink.write(chunk)
                    elif job.upload_bytes > self.upload_limit + MAX_DISCARD_BYTES:
                        break  # past the limit chunks are dropped, up to MAX_DISCARD_BYTES of them
                if job.upload_bytes > self.upload_limit:
                    raise UploadTooLarge()
        except (UploadTooLarge, ClientDisconnect, OSError):
            shutil.rmtree(job_dir, ignore_errors=True)
            raise
        if job.upload_bytes == 0:
            shutil.rmtree(job_dir, ignore_errors=True)
            raise ConversionFailed("the upload is empty")
        self.jobs[job.id] = job
        finished = [key for key, old in self.jobs.items() if old.finished]
        for key in finished[: max(0, len(self.jobs) - MAX_JOBS_KEPT)]:  # oldest first: dicts keep insertion order
            del self.jobs[key]
        task = asyncio.create_task(self._run(job, job_dir))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _note(self, job: Job, line: str) -> None:
        line = job.public(line)
        job.log.append(line)
        del job.log[:-MAX_LOG_LINES]
        await job.events.publish("log", line)

    async def _run(self, job: Job, job_dir: Path) -> None:
        output = self.models_dir / f".converting-{job.id}"
        job.private_paths = {job_dir: "", output: "OUT", self.models_dir: "models", self.work_dir.parent: "state"}
        try:
            await job.events.publish("state", job.state)
            async with self._one_at_a_time:
                job.state = "converting"
                await job.events.publish("state", job.state)
                source = job_dir / job.upload_name
                if job.upload_name.lower().endswith(".zip"):
                    await self._note(job, "unpacking the zip")
                    unpacked = job_dir / "unpacked"
                    unpacked.mkdir()
                    source = await asyncio.to_thread(extract_zip, source, unpacked, 4 * self.upload_limit)
                await self._convert(job, source, output)
                job.model = self._free_name(model_name_for(job.upload_name))
                os.rename(output, self.models_dir / job.model)
            job.state = "done"
            await self._note(job, f"converted: /models/{job.model}/model.json")
            await self.site_events.publish("models", {"added": job.model})
        except ConversionFailed as exc:
            job.state, job.error = "failed", job.public(str(exc))
        except asyncio.CancelledError:
            job.state, job.error = "failed", "the server stopped during the conversion"
            raise
        except Exception as exc:  # a failed job must never take the server down or leave files behind
            job.state, job.error = "failed", job.public(f"{type(exc).__name__}: {exc}")
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)
            if job.state != "done":
                shutil.rmtree(output, ignore_errors=True)
            result = f"converted as /models/{job.model}/" if job.state == "done" else f"failed: {job.error}"
            LOG.info("upload %s (%s): %s in %.1f s", job.upload_name, byte_size(job.upload_bytes), result,
                     time.monotonic() - job.received_at)
            await asyncio.shield(self._finish(job))

    async def _finish(self, job: Job) -> None:
        await job.events.publish(job.state, job.to_json())
        await job.events.close()

    async def _convert(self, job: Job, source: Path, output: Path) -> None:
        process = await asyncio.create_subprocess_exec(
            *self.command,
            *job.converter_args,
            str(source),
            str(output),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        last_line = ""

        async def report(lines: list[tuple[str, str]]) -> None:
            nonlocal last_line
            for kind, line in lines:
                if kind == "progress":
                    job.progress = line = job.public(line)
                    await job.events.publish("progress", line)
                else:
                    last_line = line
                    await self._note(job, line)

        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        try:
            async with asyncio.timeout(self.timeout_s):
                assert process.stdout is not None
                while chunk := await process.stdout.read(64 * 1024):
                    lines, pending = split_output(pending + decoder.decode(chunk))
                    if len(pending) > MAX_LINE_CHARS:  # no line end in sight: take it as a line
                        lines, pending = lines + [("log", pending[:MAX_LINE_CHARS])], ""
                    await report(lines)
                await report(split_output(pending + decoder.decode(b"", final=True) + "\n")[0])
                code = await process.wait()
        except TimeoutError:
            raise ConversionFailed(f"the conversion took longer than {self.timeout_s:g} s") from None
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        if code != 0:
            raise ConversionFailed(last_line or f"the converter exited with status {code}")
        converted = read_model(output.name, output)
        if converted.error:
            raise ConversionFailed(f"the converter's output is not a usable model: {converted.error}")

    def _free_name(self, wanted: str) -> str:
        taken = {p.name for root in self.model_roots if root.is_dir() for p in root.iterdir()}
        taken |= {root.name for root in self.model_roots}
        name, n = wanted, 2
        while name in taken:
            name, n = f"{wanted}-{n}", n + 1
        return name
