"""Serving the files of one folder, and nothing outside it.

`FileServer` answers GET and HEAD for a path relative to its folder with the
right media type, ETag and Last-Modified (and 304 on a matching conditional
request), one byte range (206, or 416 when the range is bad), and gzip for
text types when the client accepts it. A path that is not plainly inside the
folder (``..``, absolute, backslashes, NUL, hidden names, a symlink leading
out) is never opened.
"""

from __future__ import annotations

import email.utils
import gzip
import mimetypes
import os
import re
import stat
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse

# Our own table first: the platform's mimetypes database differs between
# machines and gets some of these wrong (.ts as video/mp2t, no .wgsl, no .wasm).
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".bin": "application/octet-stream",
    ".wgsl": "text/wgsl; charset=utf-8",  # the media type the WGSL specification registers
    ".ts": "text/plain; charset=utf-8",  # declarations (.d.ts) and sources, shown as text
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".wav": "audio/wav",
    ".onnx": "application/octet-stream",
    ".pb": "application/octet-stream",
    ".h5": "application/octet-stream",
}
COMPRESSIBLE_TYPES = ("text/", "application/json", "image/svg+xml", "application/wasm")
GZIP_MIN_BYTES = 1024
GZIP_MAX_BYTES = 32 * 1024 * 1024  # larger files are sent as they are rather than compressed in memory
CHUNK_BYTES = 256 * 1024
SINGLE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def media_type(path: Path) -> str:
    known = MEDIA_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def is_compressible(content_type: str) -> bool:
    return content_type.startswith(COMPRESSIBLE_TYPES)


def resolve_inside(root: Path, relative: str) -> Path | None:
    """The real path that `relative` names inside `root`, or None.

    `relative` is the already percent-decoded URL path below the mount, so
    ``%2e%2e`` and ``%2f`` arrive here as ``..`` and ``/``. Refused: absolute
    paths, backslashes, NUL, empty, ``.`` or ``..`` segments, hidden names,
    and anything whose real path (symlinks followed) leaves the real root.
    A trailing slash is allowed (a folder's index).
    """
    if "\x00" in relative or "\\" in relative or relative.startswith("/"):
        return None
    segments = relative.split("/")
    if segments[-1] == "":
        segments.pop()
    if any(s == "" or s.startswith(".") for s in segments):
        return None
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, *segments))
    if real != real_root and not real.startswith(real_root + os.sep):
        return None
    return Path(real)


def _etag(st: os.stat_result) -> str:
    return f'"{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}"'


def _accepts_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            quality = params.strip().lower()
            return not re.fullmatch(r"q=0(\.0*)?", quality)
    return False


def _etag_matches(if_none_match: str, etags: tuple[str, ...]) -> bool:
    if if_none_match.strip() == "*":
        return True
    offered = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return any(tag in offered for tag in etags)


def _not_modified_since(if_modified_since: str, st: os.stat_result) -> bool:
    try:
        since = email.utils.parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since is None or since.tzinfo is None:
        return False
    return int(st.st_mtime) <= since.timestamp()


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """One ``bytes=`` range as (start, end inclusive); None to ignore it; "bad" for a 416.

    A list of ranges is ignored (the whole file is sent, which the RFC allows).
    """
    if "," in header:
        return None
    match = SINGLE_RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return "bad"
    first, last = match.groups()
    if first == "":  # a suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return "bad"
        return max(size - length, 0), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or (last != "" and int(last) < start):
        return "bad"
    return start, end


class GzipCache:
    """Compressed bodies keyed by file identity, bounded in total bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        body = make()
        with self._lock:
            if key not in self._entries:
                self._entries[key] = body
                self._bytes += len(body)
            while self._bytes > self.max_bytes and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped)
        return body


async def _file_chunks(path: Path, start: int, length: int) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as file:
        await file.seek(start)
        while length > 0:
            chunk = await file.read(min(CHUNK_BYTES, length))
            if not chunk:  # the file shrank while we sent it
                return
            length -= len(chunk)
            yield chunk


class FileServer:
    """GET/HEAD for files under `root`.

    `index_html` serves a folder's index.html (redirecting ``/name`` to
    ``/name/`` first, so that its relative links work); `html_transform`
    rewrites HTML bodies (the live-reload script tag).
    """

    def __init__(
        self,
        root: Path,
        *,
        gzip_cache: GzipCache,
        index_html: bool = False,
        html_transform: Callable[[bytes], bytes] | None = None,
    ) -> None:
        self.root = root
        self.gzip_cache = gzip_cache
        self.index_html = index_html
        self.html_transform = html_transform

    async def respond(self, request: Request, relative: str) -> Response:
        path = resolve_inside(self.root, relative)
        if path is None:
            return PlainTextResponse("Not found", status_code=404)
        try:
            st = await run_in_threadpool(os.stat, path)
        except OSError:
            return PlainTextResponse("Not found", status_code=404)
        if stat.S_ISDIR(st.st_mode) and self.index_html:
            if relative and not relative.endswith("/"):
                query = request.url.query
                return RedirectResponse(request.url.path + "/" + (f"?{query}" if query else ""), status_code=307)
            path = path / "index.html"
            try:
                st = await run_in_threadpool(os.stat, path)
            except OSError:
                return PlainTextResponse("Not found", status_code=404)
        if not stat.S_ISREG(st.st_mode):
            return PlainTextResponse("Not found", status_code=404)
        return await self._file(request, path, st)

    async def _file(self, request: Request, path: Path, st: os.stat_result) -> Response:
        content_type = media_type(path)
        compressible = is_compressible(content_type)
        transform = self.html_transform if content_type.startswith("text/html") else None
        identity_etag = _etag(st)
        gzip_etag = identity_etag[:-1] + '-gzip"'
        if transform:  # the rewritten page is its own representation
            identity_etag = identity_etag[:-1] + '-live"'
            gzip_etag = gzip_etag[:-1] + '-live"'
        headers = {
            "Last-Modified": email.utils.formatdate(st.st_mtime, usegmt=True),
            "Cache-Control": "no-cache",  # always revalidate: files change under a dev server
        }
        if compressible:
            headers["Vary"] = "Accept-Encoding"
        use_gzip = (
            compressible
            and "range" not in request.headers
            and GZIP_MIN_BYTES <= st.st_size <= GZIP_MAX_BYTES
            and _accepts_gzip(request.headers.get("accept-encoding", ""))
        )
        etag = gzip_etag if use_gzip else identity_etag
        headers["ETag"] = etag

        if_none_match = request.headers.get("if-none-match")
        if if_none_match is not None:
            if _etag_matches(if_none_match, (identity_etag, gzip_etag)):
                return Response(status_code=304, headers=headers)
        elif _not_modified_since(request.headers.get("if-modified-since", ""), st):
            return Response(status_code=304, headers=headers)

        if transform or use_gzip:
            body = await run_in_threadpool(self._encoded_body, path, st, transform, use_gzip)
            if use_gzip:
                headers["Content-Encoding"] = "gzip"
            return Response(body, headers=headers, media_type=content_type)

        headers["Accept-Ranges"] = "bytes"
        start, length, status = 0, st.st_size, 200
        requested = request.headers.get("range")
        if_range = request.headers.get("if-range")
        if requested is not None and (if_range is None or if_range in (identity_etag, headers["Last-Modified"])):
            byte_range = parse_range(requested, st.st_size)
            if byte_range == "bad":
                return PlainTextResponse(
                    "Range not satisfiable", status_code=416, headers={"Content-Range": f"bytes */{st.st_size}"}
                )
            if byte_range is not None:
                start, end = byte_range
                length, status = end - start + 1, 206
                headers["Content-Range"] = f"bytes {start}-{end}/{st.st_size}"
        headers["Content-Length"] = str(length)
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers, media_type=content_type)
        return StreamingResponse(
            _file_chunks(path, start, length), status_code=status, headers=headers, media_type=content_type
        )

    def _encoded_body(
        self, path: Path, st: os.stat_result, transform: Callable[[bytes], bytes] | None, use_gzip: bool
    ) -> bytes:
        def make() -> bytes:
            body = path.read_bytes()
            if transform:
                body = transform(body)
            return gzip.compress(body, compresslevel=6, mtime=0) if use_gzip else body

        if not use_gzip:
            return make()
        return self.gzip_cache.get((str(path), st.st_ino, st.st_size, st.st_mtime_ns, transform is not None), make)
