"""TensorFlow's protobuf messages, built at import time without TensorFlow or protoc.

PROTO below is a subset of TensorFlow's public .proto files (graph.proto,
node_def.proto, attr_value.proto, tensor.proto, tensor_shape.proto,
function.proto, op_def.proto, saved_model.proto, meta_graph.proto, saver.proto,
tensor_bundle.proto) with the same message names and field numbers, so the
wire format is theirs.  Fields the converter never reads are left out (protobuf
skips unknown fields); enum fields (DataType and friends) are declared int32,
which has the same varint encoding.  A tiny parser turns the text into
FileDescriptorProtos in a private descriptor pool, so nothing clashes with
another copy of these messages loaded in the same process.
"""

from __future__ import annotations

import re

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PACKAGE = "tensorweb.tf"

PROTO = """
message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message TensorProto {
  int32 dtype = 1;                       // DataType
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated int32 half_val = 13;
  repeated float float_val = 5;
  repeated double double_val = 6;
  repeated int32 int_val = 7;
  repeated bytes string_val = 8;
  repeated int64 int64_val = 10;
  repeated bool bool_val = 11;
  repeated uint32 uint32_val = 16;
  repeated uint64 uint64_val = 17;
}

message AttrValue {
  message ListValue {
    repeated bytes s = 2;
    repeated int64 i = 3;
    repeated float f = 4;
    repeated bool b = 5;
    repeated int32 type = 6;             // DataType
    repeated TensorShapeProto shape = 7;
    repeated TensorProto tensor = 8;
    repeated NameAttrList func = 9;
  }
  oneof value {
    bytes s = 2;
    int64 i = 3;
    float f = 4;
    bool b = 5;
    int32 type = 6;                      // DataType
    TensorShapeProto shape = 7;
    TensorProto tensor = 8;
    ListValue list = 1;
    NameAttrList func = 10;
    string placeholder = 9;
  }
}

message NameAttrList {
  string name = 1;
  map<string, AttrValue> attr = 2;
}

message NodeDef {
  string name = 1;
  string op = 2;
  repeated string input = 3;
  string device = 4;
  map<string, AttrValue> attr = 5;
}

message VersionDef {
  int32 producer = 1;
  int32 min_consumer = 2;
  repeated int32 bad_consumers = 3;
}

message OpDef {
  message ArgDef {
    string name = 1;
    string description = 2;
    int32 type = 3;                      // DataType
    string type_attr = 4;
    string number_attr = 5;
    string type_list_attr = 6;
  }
  string name = 1;
  repeated ArgDef input_arg = 2;
  repeated ArgDef output_arg = 3;
}

message FunctionDef {
  OpDef signature = 1;
  map<string, AttrValue> attr = 5;
  repeated NodeDef node_def = 3;
  map<string, string> ret = 4;
  map<string, string> control_ret = 6;
}

message FunctionDefLibrary {
  repeated FunctionDef function = 1;
}

message GraphDef {
  repeated NodeDef node = 1;
  VersionDef versions = 4;
  FunctionDefLibrary library = 2;
}

message SaverDef {
  string filename_tensor_name = 1;
  string save_tensor_name = 2;
  string restore_op_name = 3;
}

message TensorInfo {
  oneof encoding {
    string name = 1;
  }
  int32 dtype = 2;                       // DataType
  TensorShapeProto tensor_shape = 3;
}

message SignatureDef {
  map<string, TensorInfo> inputs = 1;
  map<string, TensorInfo> outputs = 2;
  string method_name = 3;
}

message MetaGraphDef {
  message MetaInfoDef {
    string meta_graph_version = 1;
    repeated string tags = 4;
    string tensorflow_version = 5;
    string tensorflow_git_version = 6;
  }
  MetaInfoDef meta_info_def = 1;
  GraphDef graph_def = 2;
  SaverDef saver_def = 3;
  map<string, SignatureDef> signature_def = 5;
}

message SavedModel {
  int64 saved_model_schema_version = 1;
  repeated MetaGraphDef meta_graphs = 2;
}

message BundleHeaderProto {
  int32 num_shards = 1;
  int32 endianness = 2;                  // Endianness: 0 little, 1 big
  VersionDef version = 3;
}

message TensorSliceProto {
  message Extent {
    int64 start = 1;
    oneof has_length {
      int64 length = 2;
    }
  }
  repeated Extent extent = 1;
}

message BundleEntryProto {
  int32 dtype = 1;                       // DataType
  TensorShapeProto shape = 2;
  int32 shard_id = 3;
  int64 offset = 4;
  int64 size = 5;
  fixed32 crc32c = 6;
  repeated TensorSliceProto slices = 7;
}
"""

SCALARS = {
    "double": descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE,
    "float": descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT,
    "int64": descriptor_pb2.FieldDescriptorProto.TYPE_INT64,
    "uint64": descriptor_pb2.FieldDescriptorProto.TYPE_UINT64,
    "int32": descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
    "uint32": descriptor_pb2.FieldDescriptorProto.TYPE_UINT32,
    "fixed32": descriptor_pb2.FieldDescriptorProto.TYPE_FIXED32,
    "bool": descriptor_pb2.FieldDescriptorProto.TYPE_BOOL,
    "string": descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
    "bytes": descriptor_pb2.FieldDescriptorProto.TYPE_BYTES,
}
FIELD = re.compile(r"^(repeated\s+)?(map<\s*(\w+)\s*,\s*([\w.]+)\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;$")
Label = descriptor_pb2.FieldDescriptorProto


def _parse(text: str) -> list[tuple[str, list]]:
    """The messages of PROTO as (full name, [(field name, number, type, label, oneof index | None)])."""
    messages: dict[str, list] = {}
    scopes: list[str] = []
    oneofs: dict[str, list[str]] = {}
    current_oneof: list = [None]
    for raw in text.splitlines():
        line = raw.split("//")[0].strip()
        if not line:
            continue
        if line.startswith("message "):
            scopes.append(line.split()[1])
            messages[".".join(scopes)] = []
            oneofs[".".join(scopes)] = []
        elif line.startswith("oneof "):
            oneofs[".".join(scopes)].append(line.split()[1])
            current_oneof[0] = len(oneofs[".".join(scopes)]) - 1
        elif line == "}":
            if current_oneof[0] is not None:
                current_oneof[0] = None
            else:
                scopes.pop()
        else:
            match = FIELD.match(line)
            if not match:
                raise ValueError(f"tf_protos: cannot parse {line!r}")
            repeated, type_name, map_key, map_value, name, number = match.groups()
            scope = ".".join(scopes)
            if map_key:
                entry = f"{scope}.{name.title().replace('_', '')}Entry"
                messages[entry] = [("key", 1, map_key, "optional", None), ("value", 2, map_value, "optional", None)]
                oneofs[entry] = []
                messages[scope].append((name, int(number), entry, "map", None))
            else:
                messages[scope].append((name, int(number), type_name, "repeated" if repeated else "optional",
                                        current_oneof[0]))
    return [(name, fields, oneofs[name]) for name, fields in messages.items()]


def _camel(name: str) -> str:
    """protoc's JSON name: lowerCamelCase (protobuf's JSON parser accepts it and the field name)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _resolve(type_name: str, scope: str, known: set[str]) -> str:
    """A message type named inside `scope`, looked up from the innermost scope outwards (as protoc does)."""
    parts = scope.split(".")
    for depth in range(len(parts), -1, -1):
        candidate = ".".join(parts[:depth] + [type_name])
        if candidate in known:
            return candidate
    raise ValueError(f"tf_protos: unknown type {type_name!r} in {scope}")


def _build_pool() -> descriptor_pool.DescriptorPool:
    parsed = _parse(PROTO)
    names = {name for name, _, _ in parsed}
    file = descriptor_pb2.FileDescriptorProto(name="tensorweb_tf.proto", package=PACKAGE, syntax="proto3")
    descriptors: dict[str, descriptor_pb2.DescriptorProto] = {}
    for full_name, fields, oneof_names in parsed:
        parent, _, short = full_name.rpartition(".")
        message = (descriptors[parent].nested_type if parent else file.message_type).add(name=short)
        descriptors[full_name] = message
        if full_name.endswith("Entry") and [f[0] for f in fields] == ["key", "value"]:
            message.options.map_entry = True
        for oneof in oneof_names:
            message.oneof_decl.add(name=oneof)
        for name, number, type_name, label, oneof in fields:
            field = message.field.add(name=name, number=number, json_name=_camel(name))
            field.label = Label.LABEL_REPEATED if label in ("repeated", "map") else Label.LABEL_OPTIONAL
            if type_name in SCALARS:
                field.type = SCALARS[type_name]
            else:
                field.type = Label.TYPE_MESSAGE
                field.type_name = f".{PACKAGE}.{_resolve(type_name, full_name, names)}"
            if oneof is not None:
                field.oneof_index = oneof
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return pool


_POOL = _build_pool()


def message_class(name: str):
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{PACKAGE}.{name}"))


GraphDef = message_class("GraphDef")
NodeDef = message_class("NodeDef")
AttrValue = message_class("AttrValue")
TensorProto = message_class("TensorProto")
TensorShapeProto = message_class("TensorShapeProto")
FunctionDef = message_class("FunctionDef")
SavedModel = message_class("SavedModel")
MetaGraphDef = message_class("MetaGraphDef")
SignatureDef = message_class("SignatureDef")
BundleHeaderProto = message_class("BundleHeaderProto")
BundleEntryProto = message_class("BundleEntryProto")
