"""Full-size models for the graph benchmark (bench/graph.mjs).

Writes build/bench-graph/<name>.onnx and its conversion build/bench-graph/<name>/
(`tensorweb convert`): SqueezeNet 1.0 in torchvision's architecture with random
weights (no model hub can be reached); AlexNet and VGG-19, the onnx package's
zoo architectures with seeded weights (their dense layers at batch 1 are
matrix-vector products: 58 and 119 million of their 61 and 144 million
parameters), AlexNet also converted with `--quantize uint8` and `--quantize
float16` (alexnet_uint8, alexnet_float16: their weights stay packed on WebGPU;
onnxruntime-web runs the float32 source); and the two pretrained models that install from the package
registries, exported from PyTorch by tensorweb.examples: EfficientNet-Lite0
(ImageNet) and the all-MiniLM-L6-v2 sentence encoder. MediaPipe's face
detector (short range), face landmark and selfie segmentation models are the
.tflite files of the mediapipe 0.10.14 wheel (tests/fixtures/mediapipe_models.py
downloads it into examples-cache/), written as build/bench-graph/<name>.tflite
for LiteRT.js beside their conversion. tiny_gpt is the decoder fixture
(tests/fixtures/gpt/tiny_gpt.onnx: a seeded 2-layer GPT-2 with a KV cache) and
its tokenizer, for the text generation row.

    .venv/bin/python bench/graph_models.py [name ...]   # all of them, or the ones named
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import onnx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "bench-graph"
sys.path.insert(0, str(ROOT / "tests" / "py" / "converter"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "graph"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from make_light_models import seeded_model  # noqa: E402
from mediapipe_models import model_path  # noqa: E402
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


def exported(module_name: str):
    """(writer of the PyTorch export of tensorweb.examples.<module_name>, its --input-shape arguments, its suffix)."""
    import importlib
    module = importlib.import_module(f"tensorweb.examples.{module_name}")
    shapes = [f"{name}:{','.join(map(str, dims))}" for name, dims in module.INPUT_SHAPES.items()]
    return module.make_source, [arg for shape in shapes for arg in ("--input-shape", shape)], ".onnx"


def mediapipe(name: str):
    """(writer of the wheel's mediapipe/modules/*/<name>.tflite, no convert arguments, its suffix)."""
    return (lambda path: shutil.copyfile(model_path(name), path)), [], ".tflite"


GPT = ROOT / "tests" / "fixtures" / "gpt"


MODELS = {
    "squeezenet1_0": lambda: ((lambda path: onnx.save(squeezenet1_0(), path)), [], ".onnx"),
    "alexnet": lambda: ((lambda path: onnx.save(seeded_model("bvlc_alexnet"), path)), [], ".onnx"),
    "alexnet_uint8": lambda: ((lambda path: onnx.save(seeded_model("bvlc_alexnet"), path)), ["--quantize", "uint8"], ".onnx"),
    "alexnet_float16": lambda: ((lambda path: onnx.save(seeded_model("bvlc_alexnet"), path)), ["--quantize", "float16"], ".onnx"),
    "vgg19": lambda: ((lambda path: onnx.save(seeded_model("vgg19"), path)), [], ".onnx"),
    "efficientnet_lite0": lambda: exported("efficientnet_lite0"),
    "minilm_l6": lambda: exported("minilm"),
    "tiny_gpt": lambda: ((lambda path: shutil.copyfile(GPT / "tiny_gpt.onnx", path)),
                         ["--tokenizer", str(GPT / "tokenizer.json")], ".onnx"),
    "face_detection_short_range": lambda: mediapipe("face_detection_short_range"),
    "face_landmark": lambda: mediapipe("face_landmark"),
    "selfie_segmentation": lambda: mediapipe("selfie_segmentation"),
}


def main(names: list[str]):
    unknown = set(names) - set(MODELS)
    if unknown:
        raise SystemExit(f"unknown model(s) {', '.join(sorted(unknown))} (have: {', '.join(MODELS)})")
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names or MODELS:
        write_source, convert_args, suffix = MODELS[name]()
        source = OUT / f"{name}{suffix}"
        write_source(source)
        subprocess.run([str(Path(sys.executable).parent / "tensorweb"), "convert", str(source), str(OUT / name), "--force",
                        *convert_args], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
