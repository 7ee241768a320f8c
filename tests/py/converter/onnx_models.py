"""Small but structurally real ONNX models, built with onnx.helper, for the converter tests."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64


class Builder:
    """Accumulates nodes and initializers; names are generated from a counter."""

    def __init__(self, seed: int = 0, opset: int = 17):
        self.rng = np.random.default_rng(seed)
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.count = 0

    def fresh(self, hint: str) -> str:
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, array, hint: str = "const") -> str:
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, shape, scale: float | None = None, hint: str = "w", positive: bool = False) -> str:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else int(shape[0])
        scale = scale if scale is not None else 1.0 / np.sqrt(max(fan_in, 1))
        values = self.rng.standard_normal(shape) * scale
        if positive:
            values = np.abs(values) + 0.5
        return self.const(values.astype(np.float32), hint)

    def node(self, op: str, inputs: list[str], outputs: int = 1, **attrs):
        names = [self.fresh(op.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, names, name=self.fresh(op), **attrs))
        return names[0] if outputs == 1 else names

    # -- blocks

    def conv(self, x, cin, cout, k, stride=1, pad=None, group=1, bias=True, dilation=1):
        pad = (k // 2) * dilation if pad is None else pad
        inputs = [x, self.weight([cout, cin // group, k, k])]
        if bias:
            inputs.append(self.weight([cout], 0.1, "b"))
        return self.node("Conv", inputs, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4,
                         group=group, dilations=[dilation, dilation])

    def bn(self, x, c):
        return self.node("BatchNormalization",
                         [x, self.weight([c], 0.2, "gamma", positive=True), self.weight([c], 0.1, "beta"),
                          self.weight([c], 0.1, "mean"), self.weight([c], 0.2, "var", positive=True)],
                         epsilon=1e-5)

    def conv_bn(self, x, cin, cout, k, stride=1, group=1, act="Relu"):
        y = self.bn(self.conv(x, cin, cout, k, stride, group=group, bias=False), cout)
        return self.node(act, [y]) if act else y

    def model(self, inputs, outputs, ir_version: int = 8) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes, "test",
            [helper.make_tensor_value_info(name, elem, shape) for name, elem, shape in inputs],
            [helper.make_tensor_value_info(name, FLOAT, None) for name in outputs],
            self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="tests")
        model.ir_version = ir_version
        onnx.checker.check_model(onnx.shape_inference.infer_shapes(model, strict_mode=True))
        return model


def classifier_head(b: Builder, x, channels, classes=10):
    pooled = b.node("GlobalAveragePool", [x])
    flat = b.node("Flatten", [pooled], axis=1)
    logits = b.node("Gemm", [flat, b.weight([classes, channels]), b.weight([classes], 0.1, "fc_b")], transB=1)
    return b.node("Softmax", [logits], axis=1)


def resnet(seed=0):
    b = Builder(seed)
    x = b.conv_bn("image", 3, 8, 3, stride=2)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    for cin, cout, stride in ((8, 8, 1), (8, 16, 2)):
        y = b.conv_bn(x, cin, cout, 3, stride)
        y = b.conv_bn(y, cout, cout, 3, act=None)
        shortcut = x if cin == cout and stride == 1 else b.conv_bn(x, cin, cout, 1, stride, act=None)
        x = b.node("Relu", [b.node("Add", [y, shortcut])])
    out = classifier_head(b, x, 16)
    return b.model([("image", FLOAT, ["batch", 3, 32, 32])], [out])


def mobilenet(seed=1):
    b = Builder(seed)
    x = b.conv_bn("image", 3, 8, 3, stride=2, act="Relu")
    for cin, cout, stride in ((8, 16, 1), (16, 24, 2)):
        hidden = cin * 4
        y = b.node("Clip", [b.conv_bn(x, cin, hidden, 1, act=None), b.const(np.float32(0)), b.const(np.float32(6))])
        y = b.node("Clip", [b.conv_bn(y, hidden, hidden, 3, stride, group=hidden, act=None),
                            b.const(np.float32(0)), b.const(np.float32(6))])
        y = b.conv_bn(y, hidden, cout, 1, act=None)
        x = b.node("Add", [x, y]) if cin == cout and stride == 1 else y
    x = b.node("HardSwish", [b.conv_bn(x, 24, 32, 1, act=None)])
    out = classifier_head(b, x, 32)
    return b.model([("image", FLOAT, [1, 3, 32, 32])], [out])
