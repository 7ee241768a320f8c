"""The converter's op table and the runtime's op registry must agree.

Every op the converter may emit must be registered in the JS runtime (read
from the built bundle, js/dist/tensorweb.js), with the same inputs and the same
attributes (type, default, null, allowed values): the converter reads them from
op_schema.json, so this fails when that file is stale, as
tests/js/ops/op_schema.test.mjs does in the js tier. A disagreement would only
show when a page loads a converted model.
"""

import json
import subprocess

import pytest

from tensorweb.converter.ops import OPS, SCHEMA
from tensorweb.paths import source_checkout

BUNDLE = source_checkout("this test") / "js" / "dist" / "tensorweb.js"

DUMP_REGISTRY = """
const tw = await import(process.argv[1]);
process.stdout.write(JSON.stringify({ ops: tw.describeOps(), dtypes: tw.ATTR_DTYPES }));
"""


@pytest.fixture(scope="module")
def registry() -> dict:
    assert BUNDLE.is_file(), f"{BUNDLE} is missing: build it with `npm run build`"
    result = subprocess.run(["node", "--input-type=module", "-e", DUMP_REGISTRY, BUNDLE.as_uri()],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_op_the_converter_emits_is_registered(registry):
    missing = sorted(set(OPS) - set(registry["ops"]))
    assert not missing, f"the converter may emit ops the runtime does not register: {missing}"


def test_the_dtypes_a_cast_may_name_are_the_runtimes(registry):
    assert SCHEMA["dtypes"] == registry["dtypes"]


@pytest.mark.parametrize("op", sorted(OPS))
def test_inputs_and_attributes_agree(op, registry):
    if op not in registry["ops"]:
        pytest.fail(f"{op} is not registered in the runtime")
    spec, runtime = OPS[op], registry["ops"][op]
    assert list(spec.inputs) == runtime["inputs"], f"{op}: inputs differ"
    assert spec.attrs == runtime["attrs"], f"{op}: attributes differ (op_schema.json is stale: npm run build)"
