"""Writes, into the folder given, each model of tests/fixtures/onnx/control_flow_training/ (PyTorch's, made by
tests/fixtures/onnx/make_control_flow_training.py) converted (<case>/model.json...) and <case>.io.json: the
control-flow ops left in the converted graph, its inputs, PyTorch's outputs, the loss probes and PyTorch
autograd's gradients by weight, for tests/js/graph/control_flow_training.test.mjs and
tests/browser/graph/control_flow_training.test.mjs."""

import json
import sys
from pathlib import Path

import numpy as np

from make_control_flow_models import entry

from tensorweb.converter.convert import convert

SOURCES = Path(__file__).resolve().parents[2] / "fixtures" / "onnx" / "control_flow_training"


def control_flow(nodes: list) -> list:
    """The control-flow ops among `nodes` and inside their bodies."""
    found = []
    for node in nodes:
        if node["op"] in ("if", "loop"):
            found.append(node["op"])
        for body in node.get("subgraphs", {}).values():
            found += control_flow(body["nodes"])
    return found


def main(out: Path):
    cases = sorted(path.stem for path in SOURCES.glob("*.onnx"))
    for name in cases:
        convert(SOURCES / f"{name}.onnx", out / name)
        recorded = np.load(SOURCES / f"{name}.npz")
        group = lambda prefix: {k.removeprefix(prefix): entry(v) for k, v in recorded.items() if k.startswith(prefix)}  # noqa: E731
        nodes = json.loads((out / name / "model.json").read_text())["topology"]["nodes"]
        (out / f"{name}.io.json").write_text(json.dumps({
            "controlFlow": sorted(set(control_flow(nodes))), "inputs": group("input_"), "outputs": group("output_"),
            "probes": group("probe_"), "grads": group("grad_")}))
    print(json.dumps(cases))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
