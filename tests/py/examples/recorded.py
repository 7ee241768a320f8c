"""The PyTorch results recorded in tests/fixtures/examples/ (made by `python -m tensorweb.examples.fixtures`)."""

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "examples"


def read_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))
