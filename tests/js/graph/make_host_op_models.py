"""Writes, into the folder given, each one-node model of tests/py/converter/test_data_dependent.py (NonZero,
NonMaxSuppression, TopK with a computed k, Unique) converted (<case>/model.json...) and <case>.io.json: its
inputs and onnxruntime's outputs, for tests/js/graph/async_executor.test.mjs (the runtime's executeAsync)."""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "py" / "converter"))
import test_data_dependent as cases  # noqa: E402
from onnx_models import run_onnxruntime  # noqa: E402

from tensorweb.converter.convert import convert  # noqa: E402

DTYPES = {"float32": "float32", "int64": "int32", "int32": "int32", "bool": "bool"}


def encode(value: np.ndarray) -> dict:
    return {"shape": list(value.shape), "dtype": DTYPES[str(value.dtype)], "values": value.reshape(-1).tolist()}


def main(out: Path):
    for name in cases.CASES:
        with tempfile.TemporaryDirectory() as work:
            path, feeds = cases.case_files(name, Path(work))
            convert(path, out / name)
            expected = run_onnxruntime(path, feeds)
        (out / f"{name}.io.json").write_text(json.dumps({
            "inputs": {k: encode(v) for k, v in feeds.items()},
            "outputs": {k: encode(v) for k, v in sorted(expected.items())},
        }))
    print(json.dumps(list(cases.CASES)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
