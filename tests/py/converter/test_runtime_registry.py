"""The converter's op table and the runtime's op registry must agree.

Every op the converter may emit must be registered in the JS runtime (read
from the built bundle, js/dist/tensorweb.js), with the same inputs and with
every attribute the converter writes known to the runtime under a compatible
type. A disagreement would only show when a page loads a converted model.
"""

import json
import subprocess

import pytest

from tensorweb.converter.ops import OPS
from tensorweb.paths import source_checkout

BUNDLE = source_checkout("this test") / "js" / "dist" / "tensorweb.js"

# Converter attr kinds → the runtime attr types that accept every value of that kind.
COMPATIBLE_TYPES = {
    "int": {"int", "number", "intOrInts"},
    "float": {"number", "numberOrString"},
    "bool": {"bool"},
    "str": {"string", "numberOrString"},
    "ints": {"ints", "intOrInts", "numbers"},
    "pairs": {"pairs"},
    "pad": {"pad"},
    "dtype": {"dtype"},
}

DUMP_REGISTRY = """
const tw = await import(process.argv[1]);
const defs = Object.fromEntries(tw.listOps().map((name) => {
  const def = tw.getOpDef(name);
  return [name, { inputs: def.inputs, attrs: def.attrs }];
}));
process.stdout.write(JSON.stringify(defs));
"""


@pytest.fixture(scope="module")
def registry() -> dict:
    assert BUNDLE.is_file(), f"{BUNDLE} is missing: build it with `npm run build`"
    result = subprocess.run(["node", "--input-type=module", "-e", DUMP_REGISTRY, BUNDLE.as_uri()],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def runtime_input_signature(inputs: list[dict]) -> tuple[str, ...]:
    """The runtime's inputs in the converter's notation: 'name', 'name?', 'name*'."""
    return tuple(i["name"] + ("*" if i.get("variadic") else "?" if i.get("optional") else "") for i in inputs)


def test_every_op_the_converter_emits_is_registered(registry):
    missing = sorted(set(OPS) - set(registry))
    assert not missing, f"the converter may emit ops the runtime does not register: {missing}"


@pytest.mark.parametrize("op", sorted(OPS))
def test_inputs_and_attributes_agree(op, registry):
    if op not in registry:
        pytest.fail(f"{op} is not registered in the runtime")
    spec, runtime = OPS[op], registry[op]
    assert spec.inputs == runtime_input_signature(runtime["inputs"]), f"{op}: inputs differ"
    for name, attr in spec.attrs.items():
        assert name in runtime["attrs"], f"{op}: the runtime has no attribute {name!r}"
        runtime_type = runtime["attrs"][name]["type"]
        assert runtime_type in COMPATIBLE_TYPES[attr.kind], (
            f"{op}.{name}: converter kind {attr.kind!r}, runtime type {runtime_type!r}")
