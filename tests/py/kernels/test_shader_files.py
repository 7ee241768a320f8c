"""Every kernel in shaders/ stands on its own once its preludes are imported: documented, parseable by the runner,
valid WGSL in every knob setting; every prelude is imported and says what it needs."""

import re

import numpy as np
import pytest

from tensorweb import kernels
from tensorweb.kernels import (SHADER_DIR, fill_slots, pack_struct, parse_bindings, read_shader, repeat_templates,
                               struct_layout, types, uses_subgroups)

FILES = sorted(p.relative_to(SHADER_DIR).as_posix() for p in SHADER_DIR.rglob("*.wgsl"))
# Kernels have an entry point; preludes are the helpers they import.
SHADERS = [path for path in FILES if "@compute" in (SHADER_DIR / path).read_text()]
PRELUDES = [path for path in FILES if path not in SHADERS]
IMPORT = re.compile(r"^// @import (\S+)$", re.MULTILINE)
DECLARATION = re.compile(r"^(override|struct|var|fn|const|alias|@)", re.MULTILINE)


def test_every_family_has_shaders():
    families = {path.split("/")[0] for path in SHADERS}
    assert {"common", "elementwise", "reduce", "matmul", "conv", "pool", "norm", "shape"} <= families


@pytest.mark.parametrize("path", FILES)
def test_is_ascii_without_double_quotes(path):
    # The bundle inlines shaders as JS strings, where a bundler may escape other characters (and quotes
    # a string holding a double quote with single quotes); the packaging test
    # (tests/browser/packaging/npm.test.mjs) finds each file's text there as JSON writes it.
    text = (SHADER_DIR / path).read_text(encoding="utf-8")
    odd = sorted({c for c in text if not c.isascii() or c == '"'})
    assert not odd, f"{path}: non-ASCII characters or double quotes {odd}"


@pytest.mark.parametrize("path", SHADERS)
def test_header_documents_the_launch(path):
    header = read_shader(path).split("\n\n")[0]
    for word in ("Bindings", "Dispatch"):
        assert word in header, f"{path}: the header comment must describe {word}"
    source = read_shader(path)
    for struct in set(b.type for b in parse_bindings(source) if b.kind == "uniform"):
        for field in struct_layout(source, struct).fields:
            assert field in header, f"{path}: uniform field {field} is not in the header comment"


@pytest.mark.parametrize("path", SHADERS)
def test_bindings_parse_completely(path):
    source = read_shader(path)
    bindings = parse_bindings(source)
    assert [b.index for b in bindings] == list(range(source.count("@binding(")))


@pytest.mark.parametrize("path", SHADERS)
def test_slots_are_single_lines_and_types_leads(path):
    source = read_shader(path)
    assert source.count("// @body") <= 1 and source.count("// @types") <= 1
    if "// @types" in source:
        first = DECLARATION.search(source)
        assert first is not None and source[first.start():].startswith("alias"), \
            f"{path}: the types line must be the first declaration so `enable f16;` may lead it"


@pytest.mark.parametrize("path", SHADERS)
def test_compiles_with_every_boolean_knob(runner, path):
    source = read_shader(path)
    if uses_subgroups(source):
        assert runner.has_subgroups, f"{path} needs an adapter with subgroups (lavapipe has them)"
    knobs = re.findall(r"override (\w+): bool", source)
    for setting in (False, True):
        constants = {name: setting for name in knobs}
        runner.compile(path, constants=constants)


# Files that take a value as Elem bits (reduce identities, pad's constant) are 32-bit only.
@pytest.mark.parametrize("path", [p for p in SHADERS
                                  if "// @types" in read_shader(p) and "bitcast<Elem>" not in read_shader(p)])
def test_compiles_with_f16_storage(runner, path):
    names = re.search(r"^(.*)// @types", read_shader(path), re.MULTILINE).group(1)
    aliases = {name: "f16" for name in re.findall(r"alias (\w+)", names)}
    runner.compile(path, slots={"types": types(**aliases)})


@pytest.mark.parametrize("path", PRELUDES)
def test_prelude_is_imported_and_says_what_it_needs(path):
    importers = [file for file in FILES if path in IMPORT.findall((SHADER_DIR / file).read_text())]
    assert importers, f"{path}: nothing imports this prelude"
    text = (SHADER_DIR / path).read_text()
    assert text.startswith("// Prelude:") and "Needs" in text.split("\n\n")[0], \
        f"{path}: the header must start with 'Prelude:' and say what it needs from the importing kernel"
    assert "@binding(" not in text, f"{path}: bindings belong to the kernel, where the runtime reads them"


@pytest.mark.parametrize("path", SHADERS)
def test_imports_are_replaced_by_their_preludes(path):
    source = read_shader(path)
    assert not IMPORT.search(source)
    for prelude in IMPORT.findall((SHADER_DIR / path).read_text()):
        # The prelude's own text, around the import lines that gave way to its own preludes.
        for part in IMPORT.split((SHADER_DIR / prelude).read_text())[::2]:
            assert part in source, f"{path} lacks part of {prelude}"


def test_a_prelude_imported_twice_goes_in_once(tmp_path, monkeypatch):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "a.wgsl").write_text("fn a() {}\n")
    (tmp_path / "common" / "b.wgsl").write_text("// @import common/a.wgsl\nfn b() { a(); }\n")
    (tmp_path / "k.wgsl").write_text("// @import common/a.wgsl\n// @import common/b.wgsl\nfn k() { b(); }\n")
    monkeypatch.setattr(kernels, "SHADER_DIR", tmp_path)
    assert kernels.read_shader("k.wgsl") == "fn a() {}\n\nfn b() { a(); }\nfn k() { b(); }\n"


def test_an_unknown_import_names_the_importing_file(tmp_path, monkeypatch):
    (tmp_path / "k.wgsl").write_text("// @import common/missing.wgsl\n")
    monkeypatch.setattr(kernels, "SHADER_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"common/missing\.wgsl.*imported by 'k\.wgsl'"):
        kernels.read_shader("k.wgsl")


def test_fill_slots_rejects_unknown_names():
    with pytest.raises(KeyError):
        fill_slots(read_shader("elementwise/unary.wgsl"), {"bdy": "return v;"})


def test_repeat_templates_writes_a_slot_out_from_its_repeat_lines():
    # The same cases as tests/js/shaders.test.mjs's repeatTemplates test.
    source = "fn f() {\n  let a = 0; // @body\n  // @repeat body.load: let x{o} = read({o}u);\n  // @repeat body.end: }\n}\n"
    assert repeat_templates(source, "body", [("load", {"o": 0}), ("load", {"o": 12}), ("end", {})]) == \
        "let x0 = read(0u); let x12 = read(12u); }"
    with pytest.raises(KeyError, match=r"no template body\.store \(has load, end\)"):
        repeat_templates(source, "body", [("store", {})])
    with pytest.raises(ValueError, match=r"body\.load needs a non-negative integer for \{o\}, got -1"):
        repeat_templates(source, "body", [("load", {"o": -1})])
    with pytest.raises(ValueError, match=r"non-negative integer for \{o\}"):
        repeat_templates(source, "body", [("load", {"o": "1; evil()"})])
    with pytest.raises(KeyError, match=r"no '// @repeat taps\.<part>:' template lines"):
        repeat_templates(source, "taps", [])


def test_struct_layout_follows_uniform_rules():
    source = """struct P {
      a: u32,
      b: vec4<f32>,   // aligned to 16
      c: array<vec4<i32>, 2>,
      d: f32,
      e: vec2<u32>,
    }"""
    layout = struct_layout(source, "P")
    assert {name: f.offset for name, f in layout.fields.items()} == {"a": 0, "b": 16, "c": 32, "d": 64, "e": 72}
    assert layout.size == 80
    data = pack_struct(layout, {"a": 7, "b": [1.5, 2.5], "c": [1, -2, 3, 4, 5], "d": 0.25, "e": [9, 10]})
    assert np.frombuffer(data[:4], np.uint32)[0] == 7
    np.testing.assert_array_equal(np.frombuffer(data[16:32], np.float32), [1.5, 2.5, 0, 0])
    np.testing.assert_array_equal(np.frombuffer(data[32:64], np.int32), [1, -2, 3, 4, 5, 0, 0, 0])
    np.testing.assert_array_equal(np.frombuffer(data[72:80], np.uint32), [9, 10])
    with pytest.raises(KeyError):
        pack_struct(layout, {"a": 1})


FLOAT_LITERAL = re.compile(r"(?<![\w.])(\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)f?(?![\w.])")
F32_BITS_LITERAL = re.compile(r"bitcast<f32>\((0x[0-9a-fA-F]+)u\)")


@pytest.mark.parametrize("path", SHADERS)
def test_constants_are_finite_f32(path):
    # Tint (Chromium) rejects a constant f32 that is out of range or infinite, even where naga accepts it.
    code = "\n".join(line.split("//")[0] for line in read_shader(path).splitlines())
    for text in FLOAT_LITERAL.findall(code):
        assert abs(float(text)) <= float(np.finfo(np.float32).max), f"{path}: {text} is beyond f32"
    for bits in F32_BITS_LITERAL.findall(code):
        assert np.isfinite(np.array(int(bits, 16), np.uint32).view(np.float32)), \
            f"{path}: bitcast<f32>({bits}u) is a non-finite constant"
