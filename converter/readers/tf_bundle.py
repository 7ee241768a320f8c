"""Reads a TensorFlow checkpoint (TensorBundle): `PREFIX.index` plus `PREFIX.data-SSSSS-of-NNNNN`.

The index is a LevelDB-format table (an SSTable): data blocks of prefix-compressed
key/value entries, an index block pointing at them, and a 48-byte footer.  Its
keys are tensor names (the empty key holds the BundleHeaderProto) and its values
BundleEntryProtos saying which data shard holds the tensor, at what offset and
how many bytes.  Checksums are not verified; every length and offset is checked
against the bytes actually there.
"""

from __future__ import annotations

import math
import mmap
import struct
from pathlib import Path

import numpy as np
from google.protobuf.message import DecodeError

from .. import ops
from ..errors import ConversionError, MalformedModelError
from . import tf_protos
from .loading import read_bytes

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5  # compression type byte + crc32c
NO_COMPRESSION = 0

# TensorFlow DataType enum -> numpy type of the stored bytes (little-endian)
NUMPY_OF_DTYPE = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8, 9: np.int64,
                  10: np.bool_, 14: np.uint16, 17: np.uint16, 19: np.float16, 22: np.uint32, 23: np.uint64}
DT_BFLOAT16 = 14


def bfloat16_to_float32(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << 16).view(np.float32)


def decode_array(data: bytes, dtype: int, shape: list[int], what: str) -> np.ndarray:
    """Tensor bytes (TensorFlow's little-endian layout) as a numpy array of `shape`."""
    if dtype not in NUMPY_OF_DTYPE:
        raise ConversionError(f"{what}: TensorFlow dtype {dtype} is not supported")
    np_type = np.dtype(NUMPY_OF_DTYPE[dtype]).newbyteorder("<")
    count = math.prod(shape)
    if len(data) != count * np_type.itemsize:
        raise MalformedModelError(f"{what}: holds {len(data)} bytes, its shape {shape} needs "
                                  f"{count * np_type.itemsize}")
    array = np.frombuffer(data, np_type, count).reshape(shape).astype(np_type.newbyteorder("="))
    return bfloat16_to_float32(array) if dtype == DT_BFLOAT16 else array


class _Bytes:
    """A cursor over a byte string that reports running off the end as a malformed table."""

    def __init__(self, data: bytes, where: str):
        self.data, self.where = data, where

    def varint(self, pos: int, end: int) -> tuple[int, int]:
        value, shift = 0, 0
        while True:
            if pos >= end or shift > 63:
                raise MalformedModelError(f"{self.where}: truncated varint in the checkpoint index")
            byte = self.data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value, pos
            shift += 7


def _block_entries(table: _Bytes, offset: int, size: int) -> list[tuple[bytes, bytes]]:
    """The (key, value) entries of one table block, its restart array stripped."""
    end = offset + size
    if offset < 0 or end + BLOCK_TRAILER_SIZE > len(table.data) or size < 4:
        raise MalformedModelError(f"{table.where}: block at {offset} (+{size}) lies outside the file")
    if table.data[end] != NO_COMPRESSION:
        raise ConversionError(f"{table.where}: compressed checkpoint index blocks are not supported")
    (restarts,) = struct.unpack_from("<I", table.data, end - 4)
    entries_end = end - 4 - 4 * restarts
    if entries_end < offset:
        raise MalformedModelError(f"{table.where}: block at {offset} has {restarts} restarts, more than fit")
    entries, pos, key = [], offset, b""
    while pos < entries_end:
        shared, pos = table.varint(pos, entries_end)
        unshared, pos = table.varint(pos, entries_end)
        value_length, pos = table.varint(pos, entries_end)
        if shared > len(key) or pos + unshared + value_length > entries_end:
            raise MalformedModelError(f"{table.where}: entry at {pos} runs past its block")
        key = key[:shared] + table.data[pos:pos + unshared]
        pos += unshared
        entries.append((key, table.data[pos:pos + value_length]))
        pos += value_length
    return entries


def read_table(path: Path) -> dict[bytes, bytes]:
    """Every key/value pair of a LevelDB-format table file."""
    data = read_bytes(path)
    table = _Bytes(data, str(path))
    if len(data) < FOOTER_SIZE or struct.unpack_from("<Q", data, len(data) - 8)[0] != TABLE_MAGIC:
        raise MalformedModelError(f"{path}: not a TensorFlow checkpoint index (no table footer; truncated?)")
    footer = len(data) - FOOTER_SIZE
    _, pos = table.varint(footer, footer + 40)  # metaindex handle: offset, size (unused)
    _, pos = table.varint(pos, footer + 40)
    index_offset, pos = table.varint(pos, footer + 40)
    index_size, _ = table.varint(pos, footer + 40)
    result = {}
    for _, handle in _block_entries(table, index_offset, index_size):
        handle_reader = _Bytes(handle, str(path))
        block_offset, at = handle_reader.varint(0, len(handle))
        block_size, _ = handle_reader.varint(at, len(handle))
        result.update(_block_entries(table, block_offset, block_size))
    return result


class TensorBundle:
    """The tensors of a checkpoint, read on demand by name."""

    def __init__(self, prefix: Path):
        self.prefix = prefix
        index_path = prefix.with_name(prefix.name + ".index")
        if not index_path.is_file():
            raise MalformedModelError(f"{index_path}: missing (the SavedModel's variables are not there)")
        self.entries: dict[str, tf_protos.BundleEntryProto] = {}
        header = None
        for key, value in read_table(index_path).items():
            try:
                if key == b"":
                    header = tf_protos.BundleHeaderProto.FromString(value)
                else:
                    self.entries[key.decode("utf-8")] = tf_protos.BundleEntryProto.FromString(value)
            except (DecodeError, UnicodeDecodeError) as e:
                raise MalformedModelError(f"{index_path}: entry {key!r} is corrupt ({e})") from None
        if header is None:
            raise MalformedModelError(f"{index_path}: no bundle header")
        if header.endianness != 0:
            raise ConversionError(f"{index_path}: big-endian checkpoints are not supported")
        self.num_shards = header.num_shards
        self._shards: dict[int, bytes | mmap.mmap] = {}  # mapped, so a large checkpoint is not read whole

    def shard(self, shard_id: int) -> bytes | mmap.mmap:
        if shard_id not in self._shards:
            if not 0 <= shard_id < self.num_shards:
                raise MalformedModelError(f"{self.prefix}: shard {shard_id} of {self.num_shards} does not exist")
            path = self.prefix.with_name(f"{self.prefix.name}.data-{shard_id:05d}-of-{self.num_shards:05d}")
            try:
                with open(path, "rb") as f:
                    size = path.stat().st_size
                    self._shards[shard_id] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            except OSError as e:
                raise MalformedModelError(f"{path}: cannot read checkpoint data ({e.strerror})") from None
        return self._shards[shard_id]

    def tensor(self, name: str) -> np.ndarray:
        entry = self.entries.get(name)
        if entry is None:
            raise MalformedModelError(f"{self.prefix}: checkpoint has no tensor {name!r}")
        what = f"{self.prefix}: checkpoint tensor {name!r}"
        if entry.slices:
            raise ConversionError(f"{what} is saved in slices (partitioned variables are not supported)")
        shape = [d.size for d in entry.shape.dim]
        if any(d < 0 for d in shape) or math.prod(shape) > ops.MAX_ELEMENTS:
            raise MalformedModelError(f"{what}: impossible shape {shape}")
        data = self.shard(entry.shard_id)
        if entry.offset < 0 or entry.offset + entry.size > len(data):
            raise MalformedModelError(f"{what}: bytes {entry.offset}..{entry.offset + entry.size} lie past the end "
                                      f"of its data file ({len(data)} bytes; truncated?)")
        return decode_array(data[entry.offset:entry.offset + entry.size], entry.dtype, shape, what)
