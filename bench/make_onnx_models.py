"""Writes the ONNX graphs the benchmark runs on onnxruntime-web (bench/models/).

Each graph takes all its tensors (weights included) as inputs, so the files
hold no data and the page feeds the same values to every framework.
Run: .venv/bin/python bench/make_onnx_models.py
"""

from pathlib import Path

import onnx
from onnx import TensorProto, helper

OUT = Path(__file__).parent / "models"


def value(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def save(name, node, inputs, output):
    graph = helper.make_graph([node], name, inputs, [output])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="tensorweb bench",
                              ir_version=8)  # onnxruntime-web 1.30 reads IR versions up to 13
    onnx.checker.check_model(model)
    onnx.save(model, OUT / f"{name}.onnx")


def main():
    OUT.mkdir(exist_ok=True)
    for n in (256, 1024):
        save(f"matmul_{n}", helper.make_node("MatMul", ["a", "b"], ["c"]),
             [value("a", [n, n]), value("b", [n, n])], value("c", [n, n]))
    # NCHW, as ONNX convolutions are; the runtime picks its own internal layout.
    save("conv_56x56x64_64_3x3", helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1]),
         [value("x", [1, 64, 56, 56]), value("w", [64, 64, 3, 3])], value("y", [1, 64, 56, 56]))
    save("depthwise_112x112x32_3x3", helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], group=32),
         [value("x", [1, 32, 112, 112]), value("w", [32, 1, 3, 3])], value("y", [1, 32, 112, 112]))


if __name__ == "__main__":
    main()
