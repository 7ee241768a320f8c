"""The wgpu kernel runner: runs a WGSL kernel from shaders/ on numpy arrays.

A kernel is specialised exactly as the JS runtime specialises it:

- runtime values go in uniform structs, packed by field name from the
  struct's declaration in the shader itself (``struct_layout``);
- compile-time knobs are WGSL ``override`` constants, set through the
  pipeline's ``constants``;
- text slots: a line ending in the marker comment ``// @<name>`` is replaced
  as a whole. ``body`` holds the elementwise expression (``return <expr>;``,
  see ``body``) and ``types`` the element-type aliases (see ``types``); the
  file as written is valid WGSL with f32 types and an identity body.

Bindings come from the shader's ``@group(0) @binding(i) var<...> name: T;``
declarations, so a launch is described by name: read-only storage takes a
numpy array, read_write storage takes an ``Output`` (or an array for its
initial contents) and comes back as an array, a uniform takes a dict of the
struct's fields. Every binding the file declares must be given, so the
explicit pipeline layout is the same for every specialisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import wgpu

from .paths import source_checkout

SHADER_DIR = source_checkout("the wgpu kernel runner") / "shaders"


# A whole comment line ``// @import <path>``: WGSL has no includes, so the
# prelude at shaders/<path> (helpers several kernels share) takes the line's
# place. A prelude imported again, directly or through another, is left out.
_IMPORT_LINE = re.compile(r"^[ \t]*//[ \t]*@import[ \t]+(?P<path>\S+)[ \t]*$", re.MULTILINE)


def _shader_file(path: str, imported_by: str | None) -> str:
    """The text of ``shaders/<path>`` as written, imports unresolved."""
    file = SHADER_DIR / path
    if not file.is_file():
        where = f" (imported by {imported_by!r})" if imported_by else ""
        raise FileNotFoundError(f"no shader {path!r}{where} under {SHADER_DIR}")
    return file.read_text()


def read_shader(path: str) -> str:
    """The text of ``shaders/<path>`` (e.g. ``'elementwise/unary.wgsl'``), each
    ``// @import`` line replaced by the prelude it names."""
    imported: set[str] = set()

    def expand(current: str, imported_by: str | None) -> str:
        imported.add(current)

        def replace(m: re.Match[str]) -> str:
            prelude = m.group("path")
            # The import line's own newline ends the prelude.
            return "" if prelude in imported else expand(prelude, current).removesuffix("\n")

        return _IMPORT_LINE.sub(replace, _shader_file(current, imported_by))

    return expand(path, None)


# An op function of a body table (elementwise/unary_ops.wgsl, binary_ops.wgsl): ``fn <op>_<type>(`` at
# the start of a line, <type> the input type f32, i32 or u32. Helpers without the suffix are not ops.
_OP_FUNCTION = re.compile(r"^fn[ \t]+(?P<op>\w+)_(?P<type>f32|i32|u32)[ \t]*\(", re.MULTILINE)


def op_functions(path: str) -> dict[str, set[str]]:
    """The op functions of the body table ``shaders/<path>`` (with its imports): input types by op name."""
    ops: dict[str, set[str]] = {}
    for m in _OP_FUNCTION.finditer(read_shader(path)):
        ops.setdefault(m.group("op"), set()).add(m.group("type"))
    return ops


# --- text slots -----------------------------------------------------------------

# Code (not a comment line) ending in the marker `// @name`.
_SLOT_LINE = re.compile(r"^(?P<indent>[ \t]*)(?!//)\S.*//\s*@(?P<name>\w+)[ \t]*$", re.MULTILINE)


def fill_slots(source: str, slots: Mapping[str, str]) -> str:
    """Replaces each line marked ``// @<name>`` by ``slots[name]`` (indent kept).

    Lines whose slot is not given stay as written. Naming a slot the file does
    not have is an error, so a misspelt slot cannot pass silently.
    """
    found = {m.group("name") for m in _SLOT_LINE.finditer(source)}
    unknown = set(slots) - found
    if unknown:
        raise KeyError(f"shader has no slot(s) {sorted(unknown)} (has {sorted(found)})")

    def replace(m: re.Match[str]) -> str:
        name = m.group("name")
        return m.group("indent") + slots[name] if name in slots else m.group(0)

    return _SLOT_LINE.sub(replace, source)


# A comment line ``// @repeat <slot>.<part>: <text>``: one statement of a slot that the caller writes out
# as a list of parts, each with integers for the ``{name}`` placeholders of its text. The same rule as
# ``repeatTemplates`` in js/src/shaders.ts (tests/py/kernels/test_depthwise.py holds the two to the
# runtime's text through tests/fixtures/depthwise_taps.json).
_REPEAT_LINE = re.compile(r"^[ \t]*//[ \t]*@repeat[ \t]+(?P<slot>\w+)\.(?P<part>\w+):[ \t]*(?P<text>.*?)[ \t]*$",
                          re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{(?P<name>[A-Za-z_]\w*)\}")


def repeat_templates(source: str, slot: str, items: Sequence[tuple[str, Mapping[str, int]]]) -> str:
    """The text of ``slot`` written out from the file's ``// @repeat <slot>.<part>:`` templates: one copy
    of the part's text per item, each ``{name}`` replaced by the item's non-negative integer, joined by
    spaces."""
    parts = {m.group("part"): m.group("text") for m in _REPEAT_LINE.finditer(source) if m.group("slot") == slot}
    if not parts:
        raise KeyError(f"shader has no '// @repeat {slot}.<part>:' template lines")
    statements = []
    for part, values in items:
        if part not in parts:
            raise KeyError(f"shader has no template {slot}.{part} (has {', '.join(parts)})")

        def replace(m: re.Match[str], part: str = part, values: Mapping[str, int] = values) -> str:
            value = values.get(m.group("name"))
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"template {slot}.{part} needs a non-negative integer for {{{m.group('name')}}}, "
                                 f"got {value!r}")
            return str(value)

        statements.append(_PLACEHOLDER.sub(replace, parts[part]))
    return " ".join(statements)


def body(expression: str) -> str:
    """The ``body`` slot's text for an elementwise expression."""
    return f"return {expression};"


def types(**aliases: str) -> str:
    """The ``types`` slot's text: ``alias`` lines, with ``enable f16;`` when needed.

    The ``types`` line is the first declaration of a file, so the directive
    may lead it.
    """
    decls = " ".join(f"alias {name} = {wgsl_type};" for name, wgsl_type in aliases.items())
    return ("enable f16; " if "f16" in aliases.values() else "") + decls


# naga (wgpu-py 0.32) runs subgroup builtins on a device with the `subgroup`
# feature but rejects the `enable subgroups;` directive that WGSL (and Tint)
# require, so the runner drops that one directive before compiling.
_ENABLE_SUBGROUPS = re.compile(r"^enable subgroups;[ \t]*$", re.MULTILINE)


def uses_subgroups(source: str) -> bool:
    return _ENABLE_SUBGROUPS.search(source) is not None


# --- declarations read from the shader ------------------------------------------

_BINDING = re.compile(
    r"@group\(0\)\s*@binding\((?P<index>\d+)\)\s*var<(?P<space>storage|uniform)"
    r"(?:\s*,\s*(?P<access>read_write|read))?>\s*(?P<name>\w+)\s*:\s*(?P<type>[^;]+);")


@dataclass(frozen=True)
class Binding:
    index: int
    name: str
    kind: str  # 'read-only-storage', 'storage' or 'uniform'
    type: str


def parse_bindings(source: str) -> list[Binding]:
    """The group-0 resource declarations of a shader, by binding index."""
    result = []
    for m in _BINDING.finditer(source):
        if m.group("space") == "uniform":
            kind = "uniform"
        else:
            kind = "storage" if m.group("access") == "read_write" else "read-only-storage"
        result.append(Binding(int(m.group("index")), m.group("name"), kind, m.group("type").strip()))
    return sorted(result, key=lambda b: b.index)


_SCALARS = {"u32": np.uint32, "i32": np.int32, "f32": np.float32}
_FIELD_TYPE = re.compile(
    r"^(?:array<\s*(?P<inner>.+?)\s*,\s*(?P<count>\d+)\s*>|(?P<plain>.+))$")
# `name: type` with a type of up to two nested angle brackets.
_MEMBER = re.compile(r"(?P<name>\w+)\s*:\s*(?P<type>(?:[^,<>]|<(?:[^<>]|<[^<>]*>)*>)+)")
_VECTOR = re.compile(r"^vec(?P<n>[234])<(?P<scalar>\w+)>$")


@dataclass(frozen=True)
class Field:
    offset: int  # bytes
    scalar: type  # numpy scalar type
    components: int  # scalars per element (1 for a scalar, n for vecn)
    count: int  # elements (1 unless an array)
    stride: int  # bytes between array elements


@dataclass(frozen=True)
class StructLayout:
    fields: dict[str, Field]
    size: int  # bytes, rounded up to 16 so it always fills a uniform binding


def _element(type_text: str) -> tuple[type, int, int, int]:
    """(scalar, components, alignment, size) of a scalar or vector type."""
    if type_text in _SCALARS:
        return _SCALARS[type_text], 1, 4, 4
    m = _VECTOR.match(type_text)
    if not m or m.group("scalar") not in _SCALARS:
        raise ValueError(f"uniform field type {type_text!r} is not a 32-bit scalar or vector")
    n = int(m.group("n"))
    align = 8 if n == 2 else 16
    return _SCALARS[m.group("scalar")], n, align, 4 * n


def struct_layout(source: str, name: str) -> StructLayout:
    """Byte layout of ``struct <name>`` under WGSL's uniform layout rules.

    Fields may be 32-bit scalars, vectors of them, or arrays of vec4 (the
    uniform array stride is 16 bytes).
    """
    m = re.search(rf"\bstruct\s+{name}\s*\{{(?P<members>[^}}]*)\}}", source)
    if not m:
        raise KeyError(f"no struct {name} in shader")
    members = re.sub(r"//[^\n]*", "", m.group("members"))
    fields: dict[str, Field] = {}
    offset = 0
    max_align = 4
    for member in _MEMBER.finditer(members):
        field_name, type_text = member.group("name"), member.group("type").strip()
        t = _FIELD_TYPE.match(type_text)
        assert t is not None
        if t.group("inner"):
            scalar, components, align, size = _element(t.group("inner"))
            if align != 16:
                raise ValueError(f"uniform array {field_name} must hold vec4 elements")
            count, stride = int(t.group("count")), 16
        else:
            scalar, components, align, size = _element(t.group("plain"))
            count, stride = 1, size
        offset = -(-offset // align) * align
        fields[field_name] = Field(offset, scalar, components, count, stride)
        offset += stride * (count - 1) + size
        max_align = max(max_align, align)
    size = -(-offset // max(max_align, 16)) * max(max_align, 16)
    return StructLayout(fields, size)


def pack_struct(layout: StructLayout, values: Mapping[str, Any]) -> bytes:
    """The bytes of a uniform struct; every field must be given.

    A scalar field takes a number; a vector or array field takes a flat
    sequence of at most its total length, padded with zeros (so a rank-3
    shape fills the first three lanes of a ``array<vec4<u32>, 2>``).
    """
    missing = set(layout.fields) - set(values)
    extra = set(values) - set(layout.fields)
    if missing or extra:
        raise KeyError(f"uniform fields missing {sorted(missing)}, unknown {sorted(extra)}")
    data = bytearray(layout.size)
    for name, field in layout.fields.items():
        flat = np.atleast_1d(np.asarray(values[name])).ravel()
        capacity = field.components * field.count
        if flat.size > capacity:
            raise ValueError(f"uniform field {name} holds {capacity} values, got {flat.size}")
        lanes = np.zeros(capacity, dtype=field.scalar)
        lanes[: flat.size] = flat.astype(field.scalar)
        for i in range(field.count):
            chunk = lanes[i * field.components:(i + 1) * field.components].tobytes()
            start = field.offset + i * field.stride
            data[start:start + len(chunk)] = chunk
    return bytes(data)


# --- launches -------------------------------------------------------------------

@dataclass(frozen=True)
class Output:
    """A read_write storage binding to allocate and read back."""
    shape: tuple[int, ...]
    dtype: Any = np.float32


def grid(workgroups: int, max_per_dimension: int = 65535) -> tuple[int, int, int]:
    """A 2-D dispatch of at least ``workgroups`` groups: x first, then rows of y.

    Kernels compute their flat workgroup index as ``wid.x + wid.y * groups.x``
    and return past the end, so sizes beyond one dimension's limit fit.
    """
    x = max(1, min(workgroups, max_per_dimension))
    return x, max(1, -(-workgroups // x)), 1


def _padded_bytes(array: np.ndarray) -> bytes:
    """Array bytes padded to a multiple of 16 (and at least 16: empty tensors)."""
    raw = np.ascontiguousarray(array).tobytes()
    return raw + bytes(-len(raw) % 16 or (16 if not raw else 0))


class KernelRunner:
    """One wgpu device; pipelines cached by (file, slots, constants, entry point)."""

    def __init__(self) -> None:
        adapter = wgpu.gpu.request_adapter_sync(power_preference="high-performance")
        if adapter is None:
            raise RuntimeError("wgpu found no adapter: the kernel tier needs a Vulkan/Metal/D3D12 driver "
                               "(on Debian: mesa-vulkan-drivers for lavapipe)")
        self.adapter = adapter
        self.has_f16 = "shader-f16" in adapter.features
        self.has_subgroups = "subgroup" in adapter.features
        self.device = adapter.request_device_sync(
            required_features=[name for name, present in (("shader-f16", self.has_f16),
                                                          ("subgroup", self.has_subgroups)) if present],
            required_limits={"max-compute-workgroup-storage-size":
                             adapter.limits["max-compute-workgroup-storage-size"]})
        self.max_per_dimension = self.device.limits["max-compute-workgroups-per-dimension"]
        self._pipelines: dict[tuple, tuple[Any, list[Binding], str]] = {}

    def source(self, path: str, slots: Mapping[str, str] | None = None) -> str:
        return fill_slots(read_shader(path), slots or {})

    def compile(self, path: str, slots: Mapping[str, str] | None = None,
                constants: Mapping[str, float] | None = None, entry_point: str = "main") -> None:
        """Creates (and caches) the pipeline, which is where naga validates the WGSL."""
        self._pipeline(path, slots or {}, constants or {}, entry_point)

    def _pipeline(self, path: str, slots: Mapping[str, str], constants: Mapping[str, float],
                  entry_point: str):
        key = (path, tuple(sorted(slots.items())), tuple(sorted(constants.items())), entry_point)
        if key not in self._pipelines:
            code = self.source(path, slots)
            bindings = parse_bindings(code)
            layout = self.device.create_bind_group_layout(entries=[
                {"binding": b.index, "visibility": wgpu.ShaderStage.COMPUTE,
                 "buffer": {"type": b.kind}} for b in bindings])
            module = self.device.create_shader_module(code=_ENABLE_SUBGROUPS.sub("", code), label=path)
            pipeline = self.device.create_compute_pipeline(
                label=path,
                layout=self.device.create_pipeline_layout(bind_group_layouts=[layout]),
                compute={"module": module, "entry_point": entry_point, "constants": dict(constants)})
            self._pipelines[key] = (pipeline, bindings, code)
        return self._pipelines[key]

    def run(self, path: str, *, workgroups: tuple[int, ...] | int,
            slots: Mapping[str, str] | None = None, constants: Mapping[str, float] | None = None,
            entry_point: str = "main", **resources: Any) -> dict[str, np.ndarray]:
        """Dispatches ``shaders/<path>`` once; returns every read_write binding by name.

        ``workgroups`` is a dispatch size, or a flat count laid out by ``grid``.
        """
        pipeline, bindings, code = self._pipeline(path, slots or {}, constants or {}, entry_point)
        names = {b.name for b in bindings}
        if set(resources) != names:
            raise KeyError(f"{path} binds {sorted(names)}; given {sorted(resources)}")
        usage = wgpu.BufferUsage
        entries, outputs = [], {}
        for b in bindings:
            value = resources[b.name]
            if b.kind == "uniform":
                data = pack_struct(struct_layout(code, b.type), value)
                buffer = self.device.create_buffer_with_data(data=data, usage=usage.UNIFORM)
            elif isinstance(value, Output):
                nbytes = int(np.prod(value.shape, dtype=np.int64)) * np.dtype(value.dtype).itemsize
                buffer = self.device.create_buffer(
                    size=max(16, -(-nbytes // 16) * 16), usage=usage.STORAGE | usage.COPY_SRC)
                outputs[b.name] = (buffer, value.shape, value.dtype)
            else:
                array = np.asarray(value)
                buffer = self.device.create_buffer_with_data(
                    data=_padded_bytes(array), usage=usage.STORAGE | usage.COPY_SRC)
                if b.kind == "storage":
                    outputs[b.name] = (buffer, array.shape, array.dtype)
            entries.append({"binding": b.index, "resource": {"buffer": buffer}})
        if isinstance(workgroups, int):
            workgroups = grid(workgroups, self.max_per_dimension)
        encoder = self.device.create_command_encoder()
        compute = encoder.begin_compute_pass()
        compute.set_pipeline(pipeline)
        compute.set_bind_group(0, self.device.create_bind_group(
            layout=pipeline.get_bind_group_layout(0), entries=entries))
        compute.dispatch_workgroups(*workgroups)
        compute.end()
        self.device.queue.submit([encoder.finish()])
        result = {}
        for name, (buffer, shape, dtype) in outputs.items():
            count = int(np.prod(shape, dtype=np.int64))
            raw = self.device.queue.read_buffer(buffer)
            result[name] = np.frombuffer(raw, dtype=dtype, count=count).reshape(shape).copy()
        return result


# --- launch helpers shared by the kernels' callers --------------------------------

def contiguous_strides(shape: tuple[int, ...]) -> list[int]:
    """Row-major element strides of ``shape``."""
    strides, step = [], 1
    for dim in reversed(shape):
        strides.append(step)
        step *= dim
    return strides[::-1]


def broadcast_strides(shape: tuple[int, ...], out_shape: tuple[int, ...]) -> list[int]:
    """Element strides of a ``shape`` tensor read at ``out_shape`` coordinates.

    numpy broadcasting: ``shape`` aligns to the right; a missing or size-1
    dimension that the output stretches gets stride 0.
    """
    padded = (1,) * (len(out_shape) - len(shape)) + tuple(shape)
    return [0 if dim == 1 and out != 1 else stride
            for dim, out, stride in zip(padded, out_shape, contiguous_strides(padded))]
