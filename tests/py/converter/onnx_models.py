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


def squeezenet(seed=2):
    b = Builder(seed)
    x = b.node("Relu", [b.conv("image", 3, 16, 3, stride=2, pad=0)])
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    for cin, squeeze, expand in ((16, 4, 8), (16, 4, 8)):
        s = b.node("Relu", [b.conv(x, cin, squeeze, 1)])
        left = b.node("Relu", [b.conv(s, squeeze, expand, 1)])
        right = b.node("Relu", [b.conv(s, squeeze, expand, 3)])
        x = b.node("Concat", [left, right], axis=1)
    x = b.node("Dropout", [x])
    x = b.node("Relu", [b.conv(x, 16, 10, 1)])
    pooled = b.node("GlobalAveragePool", [x])
    out = b.node("Softmax", [b.node("Flatten", [pooled])], axis=1)
    return b.model([("image", FLOAT, ["batch", 3, 33, 33])], [out])


def densenet(seed=3):
    b = Builder(seed)
    x = b.conv("image", 3, 8, 3)
    channels = 8
    for block in range(2):
        for _ in range(2):
            y = b.conv(b.node("Relu", [b.bn(x, channels)]), channels, 16, 1, bias=False)
            y = b.conv(b.node("Relu", [b.bn(y, 16)]), 16, 4, 3, bias=False)
            x = b.node("Concat", [x, y], axis=1)
            channels += 4
        if block == 0:
            x = b.conv(b.node("Relu", [b.bn(x, channels)]), channels, channels // 2, 1, bias=False)
            channels //= 2
            x = b.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = b.node("Relu", [b.bn(x, channels)])
    out = classifier_head(b, x, channels)
    return b.model([("image", FLOAT, [1, 3, 16, 16])], [out])


def channel_shuffle(b: Builder, x, groups, channels, size):
    # as PyTorch exports x.view(n, g, c // g, h, w).transpose(1, 2).reshape(n, c, h, w)
    batch = b.node("Gather", [b.node("Shape", [x]), b.const(np.array(0, np.int64))], axis=0)
    batch = b.node("Unsqueeze", [batch, b.const(np.array([0], np.int64))])
    split_shape = b.node("Concat", [batch, b.const(np.array([groups, channels // groups, size, size], np.int64))],
                         axis=0)
    y = b.node("Transpose", [b.node("Reshape", [x, split_shape])], perm=[0, 2, 1, 3, 4])
    merged_shape = b.node("Concat", [batch, b.const(np.array([channels, size, size], np.int64))], axis=0)
    return b.node("Reshape", [y, merged_shape])


def shufflenet(seed=4):
    b = Builder(seed)
    x = b.conv_bn("image", 3, 24, 3, stride=2)
    # ShuffleNet v1 unit: grouped 1x1, shuffle, depthwise 3x3, grouped 1x1, residual
    y = b.conv_bn(x, 24, 12, 1, group=3)
    y = channel_shuffle(b, y, 3, 12, 16)
    y = b.conv_bn(y, 12, 12, 3, group=12, act=None)
    y = b.conv_bn(y, 12, 24, 1, group=3, act=None)
    x = b.node("Relu", [b.node("Add", [x, y])])
    # ShuffleNet v2 unit: channel split, one branch convolved, concat, shuffle
    left, right = b.node("Split", [x, b.const(np.array([12, 12], np.int64))], outputs=2, axis=1)
    right = b.conv_bn(right, 12, 12, 1)
    right = b.conv_bn(right, 12, 12, 3, group=12, act=None)
    right = b.conv_bn(right, 12, 12, 1)
    x = channel_shuffle(b, b.node("Concat", [left, right], axis=1), 2, 24, 16)
    out = classifier_head(b, x, 24)
    return b.model([("image", FLOAT, ["batch", 3, 32, 32])], [out])


def swish(b: Builder, x):
    return b.node("Mul", [x, b.node("Sigmoid", [x])])


def efficientnet(seed=5):
    b = Builder(seed)
    x = swish(b, b.conv_bn("image", 3, 16, 3, stride=2, act=None))
    for cin, cout, stride in ((16, 16, 1), (16, 24, 2)):
        hidden = cin * 4
        y = swish(b, b.conv_bn(x, cin, hidden, 1, act=None))
        y = swish(b, b.conv_bn(y, hidden, hidden, 3, stride, group=hidden, act=None))
        # squeeze and excitation
        s = b.node("GlobalAveragePool", [y])
        s = swish(b, b.conv(s, hidden, hidden // 4, 1))
        s = b.node("Sigmoid", [b.conv(s, hidden // 4, hidden, 1)])
        y = b.node("Mul", [y, s])
        y = b.conv_bn(y, hidden, cout, 1, act=None)
        x = b.node("Add", [x, y]) if cin == cout and stride == 1 else y
    x = swish(b, b.conv_bn(x, 24, 32, 1, act=None))
    out = classifier_head(b, x, 32)
    return b.model([("image", FLOAT, [1, 3, 32, 32])], [out])


def inception(seed=6):
    b = Builder(seed, opset=11)
    x = b.node("Relu", [b.conv("image", 3, 16, 5, stride=2)])
    x = b.node("LRN", [x], size=5, alpha=1e-4, beta=0.75, bias=1.0)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1])
    one = b.node("Relu", [b.conv(x, 16, 8, 1)])
    three = b.node("Relu", [b.conv(b.node("Relu", [b.conv(x, 16, 8, 1)]), 8, 8, 3)])
    five = b.node("Relu", [b.conv(b.node("Relu", [b.conv(x, 16, 4, 1)]), 4, 8, 5)])
    pool = b.node("AveragePool", [x], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=1)
    pool = b.node("Relu", [b.conv(pool, 16, 8, 1)])
    x = b.node("Concat", [one, three, five, pool], axis=1)
    out = classifier_head(b, x, 32)
    return b.model([("image", FLOAT, [1, 3, 32, 32])], [out])


def vgg(seed=7):
    # AlexNet/VGG: conv stacks, max pools, a flatten of real spatial size, dropout between dense layers
    b = Builder(seed, opset=9)
    x = "image"
    for cin, cout in ((3, 8), (8, 16)):
        x = b.node("Relu", [b.conv(x, cin, cout, 3)])
        x = b.node("Relu", [b.conv(x, cout, cout, 3)])
        x = b.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = b.node("Flatten", [x], axis=1)
    x = b.node("Dropout", [b.node("Relu", [b.node("Gemm", [x, b.weight([32, 16 * 4 * 4]), b.weight([32], 0.1)],
                                                  transB=1)])])
    out = b.node("Gemm", [x, b.weight([10, 32]), b.weight([10], 0.1)], transB=1)
    return b.model([("image", FLOAT, ["batch", 3, 16, 16])], [out])


def layer_norm_decomposed(b: Builder, x, hidden):
    mean = b.node("ReduceMean", [x], axes=[-1])
    centred = b.node("Sub", [x, mean])
    variance = b.node("ReduceMean", [b.node("Pow", [centred, b.const(np.float32(2))])], axes=[-1])
    std = b.node("Sqrt", [b.node("Add", [variance, b.const(np.float32(1e-12))])])
    normed = b.node("Div", [centred, std])
    return b.node("Add", [b.node("Mul", [normed, b.weight([hidden], 0.2, positive=True)]),
                          b.weight([hidden], 0.1)])


def dense(b: Builder, x, cin, cout):
    return b.node("Add", [b.node("MatMul", [x, b.weight([cin, cout])]), b.weight([cout], 0.1)])


def bert(seed=8, seq=8, hidden=32, heads=4, vocab=50):
    """One BERT encoder layer as PyTorch exports it: batch free, sequence fixed."""
    b = Builder(seed, opset=17)
    head = hidden // heads
    words = b.node("Gather", [b.weight([vocab, hidden], 1.0), "input_ids"], axis=0)
    positions = b.node("Gather", [b.weight([16, hidden], 1.0), b.const(np.arange(seq, dtype=np.int64))], axis=0)
    x = b.node("LayerNormalization", [b.node("Add", [words, positions]), b.weight([hidden], 0.2, positive=True),
                                      b.weight([hidden], 0.1)], axis=-1, epsilon=1e-12)
    # extended mask: (1 - mask[:, None, None, :]) * -10000, expanded to [batch, 1, seq, seq]
    mask = b.node("Cast", [b.node("Unsqueeze", ["attention_mask", b.const(np.array([1, 2], np.int64))])],
                  to=TensorProto.FLOAT)
    mask = b.node("Mul", [b.node("Sub", [b.const(np.float32(1)), mask]), b.const(np.float32(-10000))])
    batch = b.node("Gather", [b.node("Shape", [x]), b.const(np.array(0, np.int64))], axis=0)
    batch_1d = b.node("Unsqueeze", [batch, b.const(np.array([0], np.int64))])
    mask_shape = b.node("Concat", [batch_1d, b.const(np.array([1, seq, seq], np.int64))], axis=0)
    mask = b.node("Expand", [mask, mask_shape])
    heads_shape = b.node("Concat", [batch_1d, b.const(np.array([-1, heads, head], np.int64))], axis=0)

    def split_heads(t, perm):
        return b.node("Transpose", [b.node("Reshape", [t, heads_shape])], perm=perm)

    q = split_heads(dense(b, x, hidden, hidden), [0, 2, 1, 3])
    k = split_heads(dense(b, x, hidden, hidden), [0, 2, 3, 1])
    v = split_heads(dense(b, x, hidden, hidden), [0, 2, 1, 3])
    scores = b.node("Div", [b.node("MatMul", [q, k]), b.const(np.float32(np.sqrt(head)))])
    probs = b.node("Softmax", [b.node("Add", [scores, mask])], axis=-1)
    context = b.node("Transpose", [b.node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    merged_shape = b.node("Concat", [batch_1d, b.const(np.array([seq, hidden], np.int64))], axis=0)
    context = b.node("Reshape", [context, merged_shape])
    x = layer_norm_decomposed(b, b.node("Add", [dense(b, context, hidden, hidden), x]), hidden)
    h = dense(b, x, hidden, hidden * 4)
    gelu = b.node("Mul", [b.node("Mul", [h, b.node("Add", [b.node("Erf", [b.node("Div", [
        h, b.const(np.float32(np.sqrt(2)))])]), b.const(np.float32(1))])]), b.const(np.float32(0.5))])
    x = b.node("LayerNormalization", [b.node("Add", [dense(b, gelu, hidden * 4, hidden), x]),
                                      b.weight([hidden], 0.2, positive=True), b.weight([hidden], 0.1)],
               axis=-1, epsilon=1e-12)
    # pooler on the first token; Where masks padded positions of the sequence output
    first = b.node("Squeeze", [b.node("Slice", [x, b.const(np.array([0], np.int64)), b.const(np.array([1], np.int64)),
                                               b.const(np.array([1], np.int64))]), b.const(np.array([1], np.int64))])
    pooled = b.node("Tanh", [b.node("Gemm", [first, b.weight([hidden, hidden]), b.weight([hidden], 0.1)], transB=1)])
    keep = b.node("Unsqueeze", [b.node("Cast", ["attention_mask"], to=TensorProto.BOOL), b.const(np.array([2], np.int64))])
    sequence = b.node("Where", [keep, x, b.const(np.float32(0))])
    return b.model([("input_ids", INT64, ["batch", seq]), ("attention_mask", INT64, ["batch", seq])],
                   [sequence, pooled])


ARCHITECTURES = {
    "resnet": resnet, "mobilenet": mobilenet, "squeezenet": squeezenet, "densenet": densenet,
    "shufflenet": shufflenet, "efficientnet": efficientnet, "inception": inception, "vgg": vgg, "bert": bert,
}


ORT_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
             "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(bool)": np.bool_}


def run_onnxruntime(path, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    import onnxruntime
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    typed = {i.name: feeds[i.name].astype(ORT_TYPES[i.type]) for i in session.get_inputs()}
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, typed)))


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """Largest difference over the expected output's largest magnitude."""
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    return float(np.abs(actual.astype(np.float64) - expected).max() / max(np.abs(expected).max(), 1e-30))


def single_op(op: str, inputs: list, attrs: dict | None = None, opset: int = 17, outputs: int = 1,
              input_types: dict | None = None) -> onnx.ModelProto:
    """A one-node model.  Each input is a shape (a runtime float input) or an array (an initializer)."""
    graph_inputs, initializers, names = [], [], []
    for i, spec in enumerate(inputs):
        name = f"in{i}"
        if spec is None:
            names.append("")
            continue
        names.append(name)
        if isinstance(spec, (np.ndarray, np.generic)):
            initializers.append(numpy_helper.from_array(np.asarray(spec), name))
        else:
            elem = (input_types or {}).get(i, FLOAT)
            graph_inputs.append(helper.make_tensor_value_info(name, elem, list(spec)))
    out_names = [f"out{i}" for i in range(outputs)]
    node = helper.make_node(op, names, out_names, name="node", **(attrs or {}))
    graph = helper.make_graph([node], op, graph_inputs,
                              [helper.make_empty_tensor_value_info(n) for n in out_names], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return onnx.shape_inference.infer_shapes(model)  # gives the outputs their types
