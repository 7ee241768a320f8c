"""Reads members of an untrusted zip archive (a Keras `.keras` file) with size and path checks.

Nothing is extracted by name: a member is read only when asked for, into memory
or into a file the caller chose, so no path inside the archive ever becomes a
path on disk.  Even so, members whose names could escape a folder (absolute,
drive-lettered, `..`) make the whole archive suspect and are refused.  Sizes
are checked twice: the declared sizes against limits and against the
compressed size (a zip bomb inflates thousands of times), and the bytes
actually inflated against the declared size, since the header may lie.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from .errors import MalformedModelError

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 8 << 30  # the largest weights file a browser model could use, with room to spare
MAX_TOTAL_BYTES = 16 << 30
MAX_RATIO = 200  # weights compress about 1.1:1 and JSON about 10:1; bombs reach 1000:1 and more
RATIO_CHECK_FROM = 1 << 20  # tiny members may compress arbitrarily well
CHUNK = 1 << 20


class SafeZip:
    """A zip archive opened for checked reads; use as a context manager."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise MalformedModelError(f"{self.path}: not a readable zip archive ({e})") from None
        try:
            self.members = {info.filename: info for info in self.zip.infolist()}
            self._check()
        except BaseException:
            self.zip.close()
            raise

    def _check(self):
        infos = list(self.members.values())
        if len(infos) > MAX_MEMBERS:
            raise MalformedModelError(f"{self.path}: {len(infos)} members, more than the {MAX_MEMBERS} allowed")
        total = 0
        for info in infos:
            name = info.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise MalformedModelError(f"{self.path}: member {name!r} points outside the archive")
            if info.file_size > MAX_MEMBER_BYTES:
                raise MalformedModelError(f"{self.path}: member {name!r} declares {info.file_size} bytes, past the "
                                          f"limit of {MAX_MEMBER_BYTES}")
            if info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise MalformedModelError(f"{self.path}: member {name!r} inflates {info.file_size} bytes from "
                                          f"{info.compress_size} (a zip bomb?)")
            total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise MalformedModelError(f"{self.path}: members declare {total} bytes, past the limit of "
                                      f"{MAX_TOTAL_BYTES}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.zip.close()

    def has(self, name: str) -> bool:
        return name in self.members

    def _copy(self, name: str, sink) -> int:
        info = self.members.get(name)
        if info is None:
            raise MalformedModelError(f"{self.path}: no member {name!r}")
        written = 0
        try:
            with self.zip.open(info) as source:
                while chunk := source.read(CHUNK):
                    written += len(chunk)
                    if written > info.file_size:
                        raise MalformedModelError(f"{self.path}: member {name!r} inflates past its declared "
                                                  f"{info.file_size} bytes")
                    sink(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise MalformedModelError(f"{self.path}: member {name!r} is corrupt ({e})") from None
        return written

    def read(self, name: str, limit: int) -> bytes:
        """A member's bytes, refused when it declares more than `limit`."""
        if name in self.members and self.members[name].file_size > limit:
            raise MalformedModelError(f"{self.path}: member {name!r} declares {self.members[name].file_size} bytes, "
                                      f"more than the {limit} expected")
        chunks: list[bytes] = []
        self._copy(name, chunks.append)
        return b"".join(chunks)

    def extract_to(self, name: str, target: Path):
        """Copies a member into the file `target` (chosen by the caller, never derived from the member name)."""
        try:
            with open(target, "wb") as out:
                self._copy(name, out.write)
        except BaseException:
            Path(target).unlink(missing_ok=True)
            raise

