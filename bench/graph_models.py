"""Full-size models for the graph benchmark (bench/graph.mjs), with random weights.

Writes build/bench-graph/<name>.onnx and its conversion build/bench-graph/<name>/
(`tensorweb convert`).  The compute is that of the real architectures, so timings
compare with DESIGN.md's peer table; the weights are random because no model hub
can be reached.

    .venv/bin/python bench/graph_models.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "bench-graph"
sys.path.insert(0, str(ROOT / "tests" / "py" / "converter"))
from onnx_models import FLOAT, Builder  # noqa: E402


def squeezenet1_0() -> onnx.ModelProto:
    """torchvision's squeezenet1_0: 1.25M parameters, about 0.82 GFLOPs at 224x224."""
    b = Builder(seed=11)
    x = b.node("Relu", [b.conv("image", 3, 96, 7, stride=2, pad=0)])

    def pool(t):
        return b.node("MaxPool", [t], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)

    def fire(t, cin, squeeze, expand):
        s = b.node("Relu", [b.conv(t, cin, squeeze, 1)])
        left = b.node("Relu", [b.conv(s, squeeze, expand, 1)])
        right = b.node("Relu", [b.conv(s, squeeze, expand, 3)])
        return b.node("Concat", [left, right], axis=1)

    x = pool(x)
    x = fire(x, 96, 16, 64)
    x = fire(x, 128, 16, 64)
    x = fire(x, 128, 32, 128)
    x = pool(x)
    x = fire(x, 256, 32, 128)
    x = fire(x, 256, 48, 192)
    x = fire(x, 384, 48, 192)
    x = fire(x, 384, 64, 256)
    x = pool(x)
    x = fire(x, 512, 64, 256)
    x = b.node("Relu", [b.conv(x, 512, 1000, 1)])
    out = b.node("Flatten", [b.node("GlobalAveragePool", [x])])
    return b.model([("image", FLOAT, [1, 3, 224, 224])], [out])


MODELS = {"squeezenet1_0": squeezenet1_0}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in MODELS.items():
        source = OUT / f"{name}.onnx"
        onnx.save(build(), source)
        subprocess.run([str(Path(sys.executable).parent / "tensorweb"), "convert", str(source), str(OUT / name), "--force"],
                       check=True)


if __name__ == "__main__":
    main()
