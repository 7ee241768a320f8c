"""Reads an ONNX file's structure without copying its weights into memory.

A ModelProto keeps tensor bytes inline (TensorProto.raw_data).  Parsing the whole
file would hold the file's bytes, protobuf's copy and then numpy's copy at once.
Instead this walks the protobuf wire format over a memory map, and rewrites every
initializer (and Constant-node tensor) so that its raw_data becomes an
external-data reference to its own byte range in the model file; protobuf parses
only the small remainder, and the weights are later read straight into numpy.
"""

from __future__ import annotations

import mmap
from pathlib import Path

VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5
MODEL_GRAPH = 7
GRAPH_NODE, GRAPH_INITIALIZER = 1, 5
NODE_ATTRIBUTE = 5
ATTRIBUTE_TENSOR = 5
TENSOR_RAW_DATA, TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION = 9, 13, 14
EXTERNAL = 1


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def read_varint(buf, pos: int, end: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= end or shift > 63:
            raise WireError("truncated or overlong varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def fields(buf, start: int, end: int):
    """Yields (field number, wire type, value start, value end, field start) over one message."""
    pos = start
    while pos < end:
        field_start = pos
        key, pos = read_varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            _, value_end = read_varint(buf, pos, end)
        elif wire == FIXED64:
            value_end = pos + 8
        elif wire == FIXED32:
            value_end = pos + 4
        elif wire == LENGTH_DELIMITED:
            length, pos = read_varint(buf, pos, end)
            value_end = pos + length
        else:
            raise WireError(f"unsupported wire type {wire}")
        if value_end > end or number == 0:
            raise WireError("field runs past the end of its message")
        yield number, wire, pos, value_end, field_start
        pos = value_end


def submessage(number: int, body: bytes) -> bytes:
    return varint(number << 3 | LENGTH_DELIMITED) + varint(len(body)) + body


def rewrite(buf, start: int, end: int, rules: dict) -> bytes:
    """Copies a message, passing the length-delimited fields named in `rules` through their rewriter."""
    out = bytearray()
    for number, wire, value_start, value_end, field_start in fields(buf, start, end):
        rule = rules.get(number) if wire == LENGTH_DELIMITED else None
        if rule is None:
            out += buf[field_start:value_end]
        else:
            out += submessage(number, rule(buf, value_start, value_end))
    return bytes(out)


class Externalizer:
    """Turns inline tensor bytes into references to the same bytes in `file_name`."""

    def __init__(self, file_name: str):
        self.file_name = file_name

    def tensor(self, buf, start: int, end: int) -> bytes:
        out, raw = bytearray(), None
        for number, wire, value_start, value_end, field_start in fields(buf, start, end):
            if number == TENSOR_RAW_DATA and wire == LENGTH_DELIMITED:
                raw = (value_start, value_end - value_start)
            else:
                out += buf[field_start:value_end]
        if raw is not None:
            for key, value in (("location", self.file_name), ("offset", str(raw[0])), ("length", str(raw[1]))):
                entry = submessage(1, key.encode()) + submessage(2, value.encode())
                out += submessage(TENSOR_EXTERNAL_DATA, entry)
            out += varint(TENSOR_DATA_LOCATION << 3 | VARINT) + varint(EXTERNAL)
        return bytes(out)

    def attribute(self, buf, start, end):
        return rewrite(buf, start, end, {ATTRIBUTE_TENSOR: self.tensor})

    def node(self, buf, start, end):
        return rewrite(buf, start, end, {NODE_ATTRIBUTE: self.attribute})

    def graph(self, buf, start, end):
        return rewrite(buf, start, end, {GRAPH_INITIALIZER: self.tensor, GRAPH_NODE: self.node})

    def model(self, buf) -> bytes:
        return rewrite(buf, 0, len(buf), {MODEL_GRAPH: self.graph})


def model_without_weights(path: Path) -> bytes:
    """The serialized model with every inline tensor turned into an external reference to this file."""
    with open(path, "rb") as f:
        if path.stat().st_size == 0:
            return b""
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            buf.madvise(mmap.MADV_RANDOM)  # no read-ahead into the weight bytes this walk skips
            return Externalizer(path.name).model(buf)
