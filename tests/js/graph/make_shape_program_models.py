"""Writes, into the folder given, each one-op shape-program model of tests/py/converter/test_shape_program.py
converted with no --input-shape (<case>/model.json...) and <case>.io.json: inputs at each of its input
sizes and onnxruntime's outputs, for tests/js/graph/shape_program.test.mjs (the runtime's evaluator)."""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "py" / "converter"))
import test_shape_program as cases  # noqa: E402
from onnx_models import run_onnxruntime  # noqa: E402

from tensorweb.converter.convert import convert  # noqa: E402


def main(out: Path):
    rng = np.random.default_rng(0)
    for name, nodes in cases.CASES.items():
        with tempfile.TemporaryDirectory() as work:
            path = cases.model_file(nodes, Path(work))
            convert(path, out / name)
            runs = []
            for batch, length in cases.SHAPES:
                x = rng.standard_normal((batch, length, 8)).astype(np.float32)
                y = run_onnxruntime(path, {"x": x})["y"].astype(np.float32)
                runs.append({"x": {"shape": list(x.shape), "values": x.reshape(-1).tolist()},
                             "y": {"shape": list(y.shape), "values": y.reshape(-1).tolist()}})
        (out / f"{name}.io.json").write_text(json.dumps(runs))
    print(json.dumps(sorted(cases.CASES)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
