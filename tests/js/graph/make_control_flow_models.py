"""Writes, into the folder given, each control-flow model of tests/py/converter/control_flow_models.py
converted (<case>/model.json...) and <case>.io.json: its inputs and onnxruntime's outputs, for
tests/js/graph/control_flow.test.mjs and tests/browser/graph/control_flow.test.mjs."""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "py" / "converter"))
from control_flow_models import CASES  # noqa: E402
from onnx_models import run_onnxruntime  # noqa: E402

from tensorweb.converter.convert import convert  # noqa: E402


def entry(array: np.ndarray) -> dict:
    dtype = "int32" if np.issubdtype(array.dtype, np.integer) else "bool" if array.dtype == np.bool_ else "float32"
    return {"shape": list(array.shape), "dtype": dtype, "values": array.reshape(-1).tolist()}


def main(out: Path):
    for name, (source, feeds, left) in CASES.items():
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "model.onnx"
            onnx.save(source, path)
            convert(path, out / name)
            expected = run_onnxruntime(path, feeds)
        (out / f"{name}.io.json").write_text(json.dumps({
            "controlFlow": left, "inputs": {k: entry(v) for k, v in feeds.items()},
            "outputs": {k: entry(v) for k, v in expected.items()}}))
    print(json.dumps(sorted(CASES)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
