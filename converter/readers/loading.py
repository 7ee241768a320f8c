"""What the readers share while loading a source file: reading it, parsing its JSON or protobuf, and
checking its names; each failure is a MalformedModelError naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from google.protobuf.message import DecodeError

from ..errors import MalformedModelError


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """A file's bytes; with `limit`, a larger file is refused before it is read."""
    try:
        if limit is not None and path.stat().st_size > limit:
            raise MalformedModelError(f"{path}: larger than {limit} bytes")
        return path.read_bytes()
    except OSError as e:
        raise MalformedModelError(f"{path}: cannot read ({e.strerror})") from None


def parse_json(data: bytes, where: str):
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise MalformedModelError(f"{where}: not valid JSON ({e})") from None


def parse_message(message_class, data: bytes, path: Path, what: str):
    """A protobuf message of `message_class` (`what` names the format in the error)."""
    try:
        return message_class.FromString(data)
    except (DecodeError, RuntimeError, ValueError) as e:
        raise MalformedModelError(f"{path}: not a valid {what} protobuf (truncated or corrupt: {e})") from None


def check_text(names: Iterable, path: Path) -> None:
    """Names must be text; protobuf hands invalid UTF-8 back as bytes."""
    for name in names:
        if not isinstance(name, str):
            raise MalformedModelError(f"{path}: name {name!r} is not valid UTF-8")
