"""One build of the example models per test session (exporting EfficientNet is the slow part)."""

import json
from pathlib import Path

import pytest

from tensorweb.examples import make_examples

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "examples"


@pytest.fixture(scope="session")
def examples_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("examples")
    results = make_examples(out, progress=lambda _message: None)
    assert [r.built for r in results] == [True, True]
    return out


def read_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))
