"""TFLite's flatbuffer schema, read by hand for the fields the TFLite reader needs.

No flatc is to be had here, and the generated code needs the `flatbuffers` runtime, which
trusts every offset it reads; this module reads the same tables by their schema field
numbers (a field's vtable slot is 4 + 2 * its id) and checks every offset, length and
vector against the buffer, so a truncated or corrupt file fails with FlatbufferError
instead of an IndexError, a struct.error or a huge allocation.

Followed: tensorflow/compiler/mlir/lite/schema/schema.fbs at TensorFlow v2.18.0
(https://github.com/tensorflow/tensorflow/blob/v2.18.0/tensorflow/compiler/mlir/lite/schema/schema.fbs),
the schema ai-edge-litert 2.x ships as schema_py_generated.py; the tests compare the enums
below with that module when it is installed.  The excerpt of the tables read here:

    table Model { version:uint; operator_codes:[OperatorCode]; subgraphs:[SubGraph];
                  description:string; buffers:[Buffer]; metadata_buffer:[int]; metadata:[Metadata];
                  signature_defs:[SignatureDef]; }
    table SubGraph { tensors:[Tensor]; inputs:[int]; outputs:[int]; operators:[Operator]; name:string; }
    table Tensor { shape:[int]; type:TensorType; buffer:uint; name:string;
                   quantization:QuantizationParameters; is_variable:bool; sparsity:SparsityParameters;
                   shape_signature:[int]; }
    table Buffer { data:[ubyte] (force_align: 16); offset:ulong; size:ulong; }
    table Operator { opcode_index:uint; inputs:[int]; outputs:[int]; builtin_options_type:BuiltinOptions;
                     builtin_options:BuiltinOptions; custom_options:[ubyte]; custom_options_format; ...;
                     large_custom_options_offset:ulong (id 9); large_custom_options_size:ulong (id 10); }
    table OperatorCode { deprecated_builtin_code:byte; custom_code:string; version:int; builtin_code:BuiltinOperator; }
    table QuantizationParameters { min:[float]; max:[float]; scale:[float]; zero_point:[long];
                                   details_type; details; quantized_dimension:int; }
    table SparsityParameters { traversal_order:[int]; block_map:[int]; dim_metadata:[DimensionMetadata]; }
    table DimensionMetadata { format:DimensionType; dense_size:int; array_segments_type; array_segments;
                              array_indices_type; array_indices; }   // Int32Vector | Uint16Vector | Uint8Vector
    table SignatureDef { inputs:[TensorMap]; outputs:[TensorMap]; signature_key:string; (id 3 deprecated);
                         subgraph_index:uint (id 4); }
    table TensorMap { name:string; tensor_index:uint; }
    table Metadata { name:string; buffer:uint; }

The options tables' fields are listed in tflite.OPTION_FIELDS, by the same rule.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

FILE_IDENTIFIER = b"TFL3"
SCHEMA_VERSION = 3

# enum TensorType -> numpy dtype (the types a model's tensors can be read as)
TENSOR_TYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 6: np.bool_, 7: np.int16,
                9: np.int8, 10: np.float64, 12: np.uint64, 15: np.uint32, 16: np.uint16}
TENSOR_TYPE_NAMES = {0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING", 6: "BOOL",
                     7: "INT16", 8: "COMPLEX64", 9: "INT8", 10: "FLOAT64", 11: "COMPLEX128", 12: "UINT64",
                     13: "RESOURCE", 14: "VARIANT", 15: "UINT32", 16: "UINT16", 17: "INT4", 18: "BFLOAT16"}

# enum BuiltinOperator: the operators the reader names in its lowerings or its errors
BUILTIN_OPERATORS = {
    0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 5: "DEPTH_TO_SPACE",
    6: "DEQUANTIZE", 7: "EMBEDDING_LOOKUP", 8: "FLOOR", 9: "FULLY_CONNECTED", 10: "HASHTABLE_LOOKUP",
    11: "L2_NORMALIZATION", 12: "L2_POOL_2D", 13: "LOCAL_RESPONSE_NORMALIZATION", 14: "LOGISTIC",
    15: "LSH_PROJECTION", 16: "LSTM", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU", 20: "RELU_N1_TO_1", 21: "RELU6",
    22: "RESHAPE", 23: "RESIZE_BILINEAR", 24: "RNN", 25: "SOFTMAX", 26: "SPACE_TO_DEPTH", 27: "SVDF", 28: "TANH",
    29: "CONCAT_EMBEDDINGS", 30: "SKIP_GRAM", 31: "CALL", 32: "CUSTOM", 33: "EMBEDDING_LOOKUP_SPARSE", 34: "PAD",
    35: "UNIDIRECTIONAL_SEQUENCE_RNN", 36: "GATHER", 37: "BATCH_TO_SPACE_ND", 38: "SPACE_TO_BATCH_ND",
    39: "TRANSPOSE", 40: "MEAN", 41: "SUB", 42: "DIV", 43: "SQUEEZE", 44: "UNIDIRECTIONAL_SEQUENCE_LSTM",
    45: "STRIDED_SLICE", 46: "BIDIRECTIONAL_SEQUENCE_RNN", 47: "EXP", 48: "TOPK_V2", 49: "SPLIT",
    50: "LOG_SOFTMAX", 51: "DELEGATE", 52: "BIDIRECTIONAL_SEQUENCE_LSTM", 53: "CAST", 54: "PRELU", 55: "MAXIMUM",
    56: "ARG_MAX", 57: "MINIMUM", 58: "LESS", 59: "NEG", 60: "PADV2", 61: "GREATER", 62: "GREATER_EQUAL",
    63: "LESS_EQUAL", 64: "SELECT", 65: "SLICE", 66: "SIN", 67: "TRANSPOSE_CONV", 68: "SPARSE_TO_DENSE",
    69: "TILE", 70: "EXPAND_DIMS", 71: "EQUAL", 72: "NOT_EQUAL", 73: "LOG", 74: "SUM", 75: "SQRT", 76: "RSQRT",
    77: "SHAPE", 78: "POW", 79: "ARG_MIN", 80: "FAKE_QUANT", 81: "REDUCE_PROD", 82: "REDUCE_MAX", 83: "PACK",
    84: "LOGICAL_OR", 85: "ONE_HOT", 86: "LOGICAL_AND", 87: "LOGICAL_NOT", 88: "UNPACK", 89: "REDUCE_MIN",
    90: "FLOOR_DIV", 91: "REDUCE_ANY", 92: "SQUARE", 93: "ZEROS_LIKE", 94: "FILL", 95: "FLOOR_MOD", 96: "RANGE",
    97: "RESIZE_NEAREST_NEIGHBOR", 98: "LEAKY_RELU", 99: "SQUARED_DIFFERENCE", 100: "MIRROR_PAD", 101: "ABS",
    102: "SPLIT_V", 103: "UNIQUE", 104: "CEIL", 105: "REVERSE_V2", 106: "ADD_N", 107: "GATHER_ND", 108: "COS",
    109: "WHERE", 110: "RANK", 111: "ELU", 112: "REVERSE_SEQUENCE", 113: "MATRIX_DIAG", 114: "QUANTIZE",
    115: "MATRIX_SET_DIAG", 116: "ROUND", 117: "HARD_SWISH", 118: "IF", 119: "WHILE",
    120: "NON_MAX_SUPPRESSION_V4", 121: "NON_MAX_SUPPRESSION_V5", 122: "SCATTER_ND", 123: "SELECT_V2",
    124: "DENSIFY", 125: "SEGMENT_SUM", 126: "BATCH_MATMUL", 128: "CUMSUM", 129: "CALL_ONCE", 130: "BROADCAST_TO",
    150: "GELU", 152: "RELU_0_TO_1", 158: "SIGN",
}
CUSTOM = 32
# below this code an operator's number may sit in OperatorCode.deprecated_builtin_code instead
PLACEHOLDER_FOR_GREATER_OP_CODES = 127


class FlatbufferError(Exception):
    """The bytes do not hold what the schema says they should (the message names the field)."""


class Table:
    """One flatbuffer table at `pos` in `buf`, read field by field with every offset checked."""

    __slots__ = ("buf", "pos", "what", "vtable", "vtable_size")

    def __init__(self, buf: memoryview, pos: int, what: str):
        self.buf, self.pos, self.what = buf, pos, what
        soffset = self._unpack("<i", pos, what)
        self.vtable = pos - soffset
        self.vtable_size = self._unpack("<H", self.vtable, f"{what}'s vtable")
        if self.vtable_size < 4 or self.vtable_size % 2:
            raise FlatbufferError(f"{what}: vtable of {self.vtable_size} bytes")
        self._check(self.vtable, self.vtable_size, f"{what}'s vtable")

    def _check(self, pos: int, size: int, what: str):
        if pos < 0 or size < 0 or pos + size > len(self.buf):
            raise FlatbufferError(f"{what}: {size} bytes at offset {pos} lie outside the {len(self.buf)}-byte file")

    def _unpack(self, fmt: str, pos: int, what: str):
        self._check(pos, struct.calcsize(fmt), what)
        return struct.unpack_from(fmt, self.buf, pos)[0]

    def _field(self, field_id: int) -> int:
        """The field's absolute position, or 0 when the table leaves it out."""
        slot = 4 + 2 * field_id
        if slot >= self.vtable_size:
            return 0
        offset = struct.unpack_from("<H", self.buf, self.vtable + slot)[0]
        return self.pos + offset if offset else 0

    def _indirect(self, field_id: int, what: str) -> int:
        pos = self._field(field_id)
        return pos + self._unpack("<I", pos, what) if pos else 0

    def scalar(self, field_id: int, fmt: str, default, name: str):
        pos = self._field(field_id)
        return self._unpack("<" + fmt, pos, f"{self.what}.{name}") if pos else default

    def string(self, field_id: int, name: str) -> str | None:
        raw = self.bytes(field_id, name)
        if raw is None:
            return None
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise FlatbufferError(f"{self.what}.{name} is not valid UTF-8") from None

    def _vector(self, field_id: int, item_size: int, name: str) -> tuple[int, int] | None:
        """(position of the first item, item count) of a vector field, checked to fit the file."""
        what = f"{self.what}.{name}"
        start = self._indirect(field_id, what)
        if not start:
            return None
        count = self._unpack("<I", start, what)
        self._check(start + 4, count * item_size, what)
        return start + 4, count

    def bytes(self, field_id: int, name: str) -> memoryview | None:
        vector = self._vector(field_id, 1, name)
        return None if vector is None else self.buf[vector[0]:vector[0] + vector[1]]

    def array(self, field_id: int, dtype, name: str) -> np.ndarray | None:
        """A vector of scalars (little-endian) as a read-only numpy view."""
        dtype = np.dtype(dtype).newbyteorder("<")
        vector = self._vector(field_id, dtype.itemsize, name)
        if vector is None:
            return None
        return np.frombuffer(self.buf, dtype, vector[1], vector[0])

    def ints(self, field_id: int, name: str) -> list[int]:
        values = self.array(field_id, np.int32, name)
        return [] if values is None else [int(v) for v in values]

    def table(self, field_id: int, name: str) -> "Table | None":
        pos = self._indirect(field_id, f"{self.what}.{name}")
        return Table(self.buf, pos, f"{self.what}.{name}") if pos else None

    def tables(self, field_id: int, name: str) -> list["Table"]:
        vector = self._vector(field_id, 4, name)
        if vector is None:
            return []
        start, count = vector
        tables = []
        for i in range(count):
            at = start + 4 * i
            tables.append(Table(self.buf, at + struct.unpack_from("<I", self.buf, at)[0], f"{self.what}.{name}[{i}]"))
        return tables


def root(data: bytes, what: str) -> Table:
    """The Model table of a TFLite file, after its identifier and version are checked."""
    buf = memoryview(data)
    if len(buf) < 8:
        raise FlatbufferError(f"{what}: {len(buf)} bytes is too short for a flatbuffer")
    if bytes(buf[4:8]) != FILE_IDENTIFIER:
        raise FlatbufferError(f"{what}: no {FILE_IDENTIFIER.decode()} identifier (not a TFLite flatbuffer)")
    position = struct.unpack_from("<I", buf, 0)[0]
    model = Table(buf, position, "Model")
    version = model.scalar(0, "I", 0, "version")
    if version != SCHEMA_VERSION:
        raise FlatbufferError(f"{what}: schema version {version}, expected {SCHEMA_VERSION}")
    return model


# ------------------------------------------------------------------------ the tables the reader uses


@dataclass
class Quantization:
    scale: np.ndarray  # float32, one per tensor or per channel
    zero_point: np.ndarray  # int64, as many
    axis: int  # quantized_dimension, meaningful with more than one scale


@dataclass
class TensorDef:
    index: int
    name: str
    shape: list[int]
    signature: list[int]  # shape with -1 for a free dimension (shape_signature, else shape)
    type: int
    buffer: int
    quantization: Quantization | None
    sparsity: Table | None
    is_variable: bool

    @property
    def type_name(self) -> str:
        return TENSOR_TYPE_NAMES.get(self.type, f"type {self.type}")


def tensor_def(table: Table, index: int) -> TensorDef:
    shape = table.ints(0, "shape")
    signature = table.ints(7, "shape_signature") or shape
    name = table.string(3, "name") or f"tensor_{index}"
    quantization = None
    params = table.table(4, "quantization")
    if params is not None:
        scale = params.array(2, np.float32, "scale")
        if scale is not None and scale.size:
            zero_point = params.array(3, np.int64, "zero_point")
            zero_point = np.zeros(scale.size, np.int64) if zero_point is None or not zero_point.size else zero_point
            if zero_point.size != scale.size:
                raise FlatbufferError(f"{table.what} ({name!r}): {scale.size} scales but {zero_point.size} zero points")
            quantization = Quantization(scale, zero_point, params.scalar(6, "i", 0, "quantized_dimension"))
    return TensorDef(index, name, shape, signature, table.scalar(1, "b", 0, "type"), table.scalar(2, "I", 0, "buffer"),
                     quantization, table.table(6, "sparsity"), bool(table.scalar(5, "B", 0, "is_variable")))


def operator_name(code: Table) -> tuple[str, str | None]:
    """(builtin operator name, custom code) of an OperatorCode."""
    builtin = max(code.scalar(3, "i", 0, "builtin_code"), code.scalar(0, "b", 0, "deprecated_builtin_code"))
    if builtin == CUSTOM:
        return "CUSTOM", code.string(1, "custom_code") or "(unnamed)"
    return BUILTIN_OPERATORS.get(builtin, f"BUILTIN_{builtin}"), None


def buffer_bytes(model_data: memoryview, buffer: Table, what: str) -> memoryview:
    """A buffer's bytes: inline data, or (models past 2 GB) an offset and size into the file."""
    data = buffer.bytes(0, "data")
    if data is not None and len(data):
        return data
    offset, size = buffer.scalar(1, "Q", 0, "offset"), buffer.scalar(2, "Q", 0, "size")
    if offset > 1:  # 1 marks "no data" in the converter's two-pass writer
        if offset + size > len(model_data):
            raise FlatbufferError(f"{what}: {size} bytes at offset {offset} lie past the end of the "
                                  f"{len(model_data)}-byte file")
        return model_data[offset:offset + size]
    return model_data[0:0]
