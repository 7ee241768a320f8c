"""Lowering a Keras model to the op graph: one function per layer class in LAYERS.

Used for `--output-format graph`, and for a layers model too: its signature
comes from the graph, and lowering proves every layer is understood.  A layer
is lowered once every tensor it reads exists; layers that cannot be lowered
are all listed at once, with the layers reading them.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ... import ops
from ...errors import ConversionError, MalformedModelError, UnsupportedOpsError
from ...ir import Graph
from ..lowering import Lowerings, Unsupported, bind_output, check_input_shapes_named, input_shape
from .config import KerasLayer, KerasModel, dtype_name, input_shape_of
from .weights import is_trainable

RUNTIME_DTYPES = {"float16": "float32", "float32": "float32", "float64": "float32", "bfloat16": "float32",
                  "int8": "int32", "int16": "int32", "int32": "int32", "int64": "int32", "uint8": "int32",
                  "uint16": "int32", "uint32": "int32", "bool": "bool"}


class LayerLowering:
    """What a layer's lowering works with: the graph, the model's weights and the layer being lowered."""

    def __init__(self, graph: Graph, model: KerasModel):
        self.graph, self.model = graph, model
        self.layer: KerasLayer | None = None
        self.constants: dict[str, str] = {}

    @property
    def config(self) -> dict:
        return self.layer.config

    def weight(self, name: str) -> str:
        key = f"{self.layer.name}/{name}"
        if key not in self.constants:
            array = self.model.weights.get(self.layer.name, {}).get(name)
            if array is None:
                raise MalformedModelError(f"layer {self.layer.name!r}: weight {name!r} is missing")
            self.constants[key] = self.graph.add_constant(array.astype(np.float32, copy=False), key,
                                                          is_trainable(self.layer, name, array))
        return self.constants[key]

    def has_weight(self, name: str) -> bool:
        return name in self.model.weights.get(self.layer.name, {})

    def emit(self, op: str, *inputs: str, **attrs) -> str:
        return self.graph.emit(op, *inputs, name=f"{self.layer.name}/{op}", **attrs)

    def constant(self, array, hint: str) -> str:
        return self.graph.add_constant(np.asarray(array), f"{self.layer.name}/{hint}")

    def shape(self, x: str) -> tuple[int, ...]:
        return self.graph.info[x].shape

    def activation(self, x: str, name=None) -> str:
        name = name if name is not None else self.config.get("activation", "linear")
        if isinstance(name, dict):
            name = name.get("config", {}).get("name", name.get("class_name"))
        lower = ACTIVATIONS.get(str(name).lower())
        if lower is None:
            raise Unsupported(f"activation {name!r}")
        return lower(self, x)

    def channels_last(self):
        if self.config.get("data_format", "channels_last") not in ("channels_last", None):
            raise Unsupported(f"data_format {self.config['data_format']!r} (only channels_last)")

    def pair(self, key: str, default) -> list[int]:
        value = self.config.get(key, default)
        value = default if value is None else value
        return [int(value)] * 2 if isinstance(value, int) else [int(v) for v in value]


Activation = Callable[[LayerLowering, str], str]
ACTIVATIONS: dict[str, Activation] = {
    "linear": lambda c, x: x,
    "relu": lambda c, x: c.emit("relu", x),
    "relu6": lambda c, x: c.emit("relu6", x),
    "elu": lambda c, x: c.emit("elu", x),
    "selu": lambda c, x: c.emit("selu", x),
    "sigmoid": lambda c, x: c.emit("sigmoid", x),
    "tanh": lambda c, x: c.emit("tanh", x),
    "softplus": lambda c, x: c.emit("softplus", x),
    "softsign": lambda c, x: c.emit("softsign", x),
    "exponential": lambda c, x: c.emit("exp", x),
    "gelu": lambda c, x: c.emit("gelu", x, approximate=False),
    "swish": lambda c, x: c.emit("mul", x, c.emit("sigmoid", x)),
    "silu": lambda c, x: c.emit("mul", x, c.emit("sigmoid", x)),
    "hard_sigmoid": lambda c, x: c.emit("hardSigmoid", x),
    "hard_swish": lambda c, x: c.emit("hardSwish", x),
    "hard_silu": lambda c, x: c.emit("hardSwish", x),
    "leaky_relu": lambda c, x: c.emit("leakyRelu", x, alpha=0.2),
    "softmax": lambda c, x: c.emit("softmax", x, dim=-1),
    "log_softmax": lambda c, x: c.emit("logSoftmax", x, axis=-1),
    "mish": lambda c, x: c.emit("mul", x, c.emit("tanh", c.emit("softplus", x))),
}

LayerLower = Callable[[LayerLowering, list[str]], list[str]]
LAYERS: Lowerings[LayerLower] = Lowerings()
lowers = LAYERS.lowers


def single(inputs: list[str], what: str) -> str:
    if len(inputs) != 1:
        raise Unsupported(f"{what} takes one input, got {len(inputs)}")
    return inputs[0]


def with_bias(c: LayerLowering, y: str) -> str:
    return c.emit("add", y, c.weight("bias")) if c.config.get("use_bias", True) else y


def window_pad(c: LayerLowering) -> str:
    padding = str(c.config.get("padding", "valid")).lower()
    if padding not in ("same", "valid"):
        raise Unsupported(f"padding {padding!r}")
    return padding


@lowers("Dense")
def lower_dense(c, inputs):
    y = c.emit("matMul", single(inputs, "Dense"), c.weight("kernel"))
    return [c.activation(with_bias(c, y))]


@lowers("Conv2D")
def lower_conv2d(c, inputs):
    c.channels_last()
    if int(c.config.get("groups", 1)) != 1:
        raise Unsupported("grouped convolution")
    y = c.emit("conv2d", single(inputs, "Conv2D"), c.weight("kernel"), strides=c.pair("strides", 1),
               pad=window_pad(c), dilations=c.pair("dilation_rate", 1))
    return [c.activation(with_bias(c, y))]


@lowers("Conv1D")
def lower_conv1d(c, inputs):
    """As a 2-D convolution over [batch, 1, steps, channels]; causal padding pads the start only."""
    c.channels_last()
    if int(c.config.get("groups", 1)) != 1:
        raise Unsupported("grouped convolution")
    x = c.emit("expandDims", single(inputs, "Conv1D"), axis=1)
    kernel = c.emit("expandDims", c.weight("kernel"), axis=0)
    (size,), (stride,), (dilation,) = (c.config[k] if isinstance(c.config[k], list) else [c.config[k]]
                                       for k in ("kernel_size", "strides", "dilation_rate"))
    padding = str(c.config.get("padding", "valid")).lower()
    if padding == "causal":
        x = c.emit("pad", x, paddings=[[0, 0], [0, 0], [(size - 1) * dilation, 0], [0, 0]])
        padding = "valid"
    elif padding not in ("same", "valid"):
        raise Unsupported(f"padding {padding!r}")
    y = c.emit("conv2d", x, kernel, strides=[1, int(stride)], pad=padding, dilations=[1, int(dilation)])
    return [c.activation(with_bias(c, c.emit("squeeze", y, axis=[1])))]


@lowers("MaxPooling1D", "AveragePooling1D")
def lower_pool1d(c, inputs):
    c.channels_last()
    size = c.config.get("pool_size", 2)
    size = int(size[0] if isinstance(size, list) else size)
    strides = c.config.get("strides") or size
    strides = int(strides[0] if isinstance(strides, list) else strides)
    op = "maxPool" if c.layer.class_name == "MaxPooling1D" else "avgPool"
    x = c.emit("expandDims", single(inputs, c.layer.class_name), axis=1)
    y = c.emit(op, x, filterSize=[1, size], strides=[1, strides], pad=window_pad(c))
    return [c.emit("squeeze", y, axis=[1])]


@lowers("DepthwiseConv2D")
def lower_depthwise(c, inputs):
    c.channels_last()
    y = c.emit("depthwiseConv2d", single(inputs, "DepthwiseConv2D"), c.weight("depthwise_kernel"),
               strides=c.pair("strides", 1), pad=window_pad(c), dilations=c.pair("dilation_rate", 1))
    return [c.activation(with_bias(c, y))]


@lowers("SeparableConv2D")
def lower_separable(c, inputs):
    c.channels_last()
    y = c.emit("depthwiseConv2d", single(inputs, "SeparableConv2D"), c.weight("depthwise_kernel"),
               strides=c.pair("strides", 1), pad=window_pad(c), dilations=c.pair("dilation_rate", 1))
    y = c.emit("conv2d", y, c.weight("pointwise_kernel"))
    return [c.activation(with_bias(c, y))]


@lowers("Conv2DTranspose")
def lower_conv_transpose(c, inputs):
    c.channels_last()
    x = single(inputs, "Conv2DTranspose")
    if c.config.get("output_padding") is not None or c.pair("dilation_rate", 1) != [1, 1]:
        raise Unsupported("output_padding or dilation")
    kernel = c.weight("kernel")
    (kh, kw, filters, _), (_, h, w, _) = c.shape(kernel), c.shape(x)
    strides, pad = c.pair("strides", 1), window_pad(c)
    if h < 0 or w < 0:
        raise Unsupported("transposed convolution over free spatial dimensions")
    size = [n * s if pad == "same" else (n - 1) * s + k for n, s, k in zip((h, w), strides, (kh, kw))]
    y = c.emit("conv2dTranspose", x, kernel, outputShape=[*size, filters], strides=strides, pad=pad)
    return [c.activation(with_bias(c, y))]


def last_axis(c: LayerLowering, x: str, axis) -> list[int]:
    rank = len(c.shape(x))
    axes = axis if isinstance(axis, list) else [axis]
    return sorted(ops.normalize_axis(int(a), rank) for a in axes)


@lowers("BatchNormalization")
def lower_batch_norm(c, inputs):
    x = single(inputs, "BatchNormalization")
    if last_axis(c, x, c.config.get("axis", -1)) != [len(c.shape(x)) - 1]:
        raise Unsupported(f"batch normalisation over axis {c.config.get('axis')} (only the last)")
    mean, variance = c.weight("moving_mean"), c.weight("moving_variance")
    channels = c.shape(mean)
    offset = c.weight("beta") if c.has_weight("beta") else c.constant(np.zeros(channels, np.float32), "beta")
    scale = c.weight("gamma") if c.has_weight("gamma") else c.constant(np.ones(channels, np.float32), "gamma")
    return [c.emit("batchNorm", x, mean, variance, offset, scale,
                   varianceEpsilon=float(c.config.get("epsilon", 1e-3)))]


@lowers("LayerNormalization")
def lower_layer_norm(c, inputs):
    x = single(inputs, "LayerNormalization")
    if c.config.get("rms_scaling"):
        raise Unsupported("rms_scaling")
    axes = last_axis(c, x, c.config.get("axis", -1))
    params_shape = [c.shape(x)[a] for a in axes]
    gamma = c.weight("gamma") if c.has_weight("gamma") else c.constant(np.ones(params_shape, np.float32), "gamma")
    args = [x, gamma] + ([c.weight("beta")] if c.has_weight("beta") else [])
    return c.graph.add_node("layerNorm", args, {"axis": axes, "epsilon": float(c.config.get("epsilon", 1e-3))},
                            f"{c.layer.name}/layerNorm")


@lowers("Activation")
def lower_activation(c, inputs):
    return [c.activation(single(inputs, "Activation"))]


@lowers("ReLU")
def lower_relu(c, inputs):
    x = single(inputs, "ReLU")
    max_value = c.config.get("max_value")
    slope = float(c.config.get("negative_slope", 0.0) or 0.0)
    if float(c.config.get("threshold", 0.0) or 0.0) != 0.0:
        raise Unsupported("ReLU with a threshold")
    y = c.emit("leakyRelu", x, alpha=slope) if slope else c.emit("relu", x)
    if max_value is None:
        return [y]
    if float(max_value) == 6.0 and not slope:
        return [c.emit("relu6", x)]
    return [c.emit("minimum", y, c.constant(np.float32(max_value), "max_value"))]


@lowers("LeakyReLU")
def lower_leaky_relu(c, inputs):
    alpha = c.config.get("negative_slope", c.config.get("alpha", 0.3))
    return [c.emit("leakyRelu", single(inputs, "LeakyReLU"), alpha=float(alpha))]


@lowers("ELU")
def lower_elu(c, inputs):
    x = single(inputs, "ELU")
    alpha = float(c.config.get("alpha", 1.0))
    if alpha == 1.0:
        return [c.emit("elu", x)]
    positive = c.emit("relu", x)
    negative = c.emit("sub", c.emit("elu", x), positive)
    return [c.emit("add", positive, c.emit("mul", negative, c.constant(np.float32(alpha), "alpha")))]


@lowers("PReLU")
def lower_prelu(c, inputs):
    return [c.emit("prelu", single(inputs, "PReLU"), c.weight("alpha"))]


@lowers("Softmax")
def lower_softmax(c, inputs):
    axis = c.config.get("axis", -1)
    return [c.emit("softmax", single(inputs, "Softmax"), dim=int(axis[0] if isinstance(axis, list) else axis))]


MERGES = {"Add": "add", "Subtract": "sub", "Multiply": "mul", "Maximum": "maximum", "Minimum": "minimum",
          "Average": "add"}


def merge(op: str, average: bool) -> LayerLower:
    def lower(c: LayerLowering, inputs: list[str]) -> list[str]:
        if len(inputs) < 2:
            raise Unsupported(f"merge of {len(inputs)} input(s)")
        total = inputs[0]
        for other in inputs[1:]:
            total = c.emit(op, total, other)
        if average:
            total = c.emit("div", total, c.constant(np.float32(len(inputs)), "count"))
        return [total]
    return lower


LAYERS.update({name: merge(op, name == "Average") for name, op in MERGES.items()})


@lowers("Concatenate")
def lower_concatenate(c, inputs):
    return [c.emit("concat", *inputs, axis=int(c.config.get("axis", -1)))]


@lowers("MaxPooling2D", "AveragePooling2D")
def lower_pool(c, inputs):
    c.channels_last()
    size = c.pair("pool_size", 2)
    strides = c.pair("strides", size) if c.config.get("strides") is not None else size
    op = "maxPool" if c.layer.class_name == "MaxPooling2D" else "avgPool"
    return [c.emit(op, single(inputs, c.layer.class_name), filterSize=size, strides=strides, pad=window_pad(c))]


@lowers("GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalMaxPooling1D")
def lower_global_pool(c, inputs):
    c.channels_last()
    op = "mean" if "Average" in c.layer.class_name else "max"
    axes = [1, 2] if c.layer.class_name.endswith("2D") else [1]
    return [c.emit(op, single(inputs, c.layer.class_name), axis=axes, keepDims=bool(c.config.get("keepdims", False)))]


@lowers("Flatten")
def lower_flatten(c, inputs):
    x = single(inputs, "Flatten")
    rest = c.shape(x)[1:]
    if any(d < 0 for d in rest):
        raise Unsupported("Flatten of free non-batch dimensions")
    return [c.emit("reshape", x, shape=[-1, math.prod(rest)])]


@lowers("Reshape")
def lower_reshape(c, inputs):
    return [c.emit("reshape", single(inputs, "Reshape"), shape=[-1, *(int(d) for d in c.config["target_shape"])])]


@lowers("Permute")
def lower_permute(c, inputs):
    return [c.emit("transpose", single(inputs, "Permute"), perm=[0, *(int(d) for d in c.config["dims"])])]


@lowers("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
        "ActivityRegularization")
def lower_inference_identity(c, inputs):
    return [single(inputs, c.layer.class_name)]  # only active while training


@lowers("MultiHeadAttention")
def lower_attention(c, inputs):
    """Keras's einsum formulation: per-head projections, scaled dot products over the key axis."""
    if len(inputs) not in (2, 3):
        raise Unsupported(f"takes query, value and optionally key; got {len(inputs)} inputs")
    unsupported = {k: c.config.get(k) for k in ("use_gate", "sliding_window", "output_shape") if c.config.get(k)}
    if unsupported or c.config.get("attention_axes") not in (None, [1], 1, -2):
        raise Unsupported(f"options {unsupported or {'attention_axes': c.config.get('attention_axes')}}")
    query, value = inputs[:2]
    key = inputs[2] if len(inputs) == 3 else value
    if any(len(c.shape(t)) != 3 for t in (query, value, key)):
        raise Unsupported("inputs other than [batch, steps, features]")
    bias = c.config.get("use_bias", True)

    def project(x: str, part: str, equation: str) -> str:
        y = c.emit("einsum", x, c.weight(f"{part}/kernel"), equation=equation)
        return c.emit("add", y, c.weight(f"{part}/bias")) if bias else y

    scale = c.constant(np.float32(1 / math.sqrt(int(c.config["key_dim"]))), "scale")
    q = c.emit("mul", project(query, "query", "bsd,dhk->bshk"), scale)
    k = project(key, "key", "btd,dhk->bthk")
    v = project(value, "value", "btd,dhv->bthv")
    weights = c.emit("softmax", c.emit("einsum", q, k, equation="bshk,bthk->bhst"), dim=-1)
    attended = c.emit("einsum", weights, v, equation="bhst,bthv->bshv")
    return [project(attended, "attention_output", "bshv,hvo->bso")]


@lowers("Embedding")
def lower_embedding(c, inputs):
    indices = single(inputs, "Embedding")
    if c.graph.info[indices].dtype != "int32":
        indices = c.emit("cast", indices, dtype="int32")
    return [c.emit("gather", c.weight("embeddings"), indices, axis=0)]


@lowers("ZeroPadding2D")
def lower_zero_padding(c, inputs):
    c.channels_last()
    padding = c.config.get("padding", 1)
    if isinstance(padding, int):
        pairs = [[padding, padding]] * 2
    elif all(isinstance(p, int) for p in padding):
        pairs = [[int(p), int(p)] for p in padding]
    else:
        pairs = [[int(a), int(b)] for a, b in padding]
    return [c.emit("pad", single(inputs, "ZeroPadding2D"), paddings=[[0, 0], *pairs, [0, 0]])]


@lowers("UpSampling2D")
def lower_upsampling(c, inputs):
    c.channels_last()
    x = single(inputs, "UpSampling2D")
    _, h, w, _ = c.shape(x)
    if h < 0 or w < 0:
        raise Unsupported("UpSampling2D over free spatial dimensions")
    size = [n * factor for n, factor in zip((h, w), c.pair("size", 2))]
    op = {"nearest": "resizeNearestNeighbor", "bilinear": "resizeBilinear"}.get(c.config.get("interpolation",
                                                                                               "nearest"))
    if op is None:
        raise Unsupported(f"interpolation {c.config.get('interpolation')!r}")
    return [c.emit(op, x, size=size, halfPixelCenters=op == "resizeBilinear")]


@lowers("Rescaling")
def lower_rescaling(c, inputs):
    x = c.emit("mul", single(inputs, "Rescaling"), c.constant(np.float32(c.config.get("scale", 1.0)), "scale"))
    return [c.emit("add", x, c.constant(np.float32(c.config.get("offset", 0.0)), "offset"))]


def to_graph(model: KerasModel, input_shapes: dict | None, where: str) -> Graph:
    """The op graph of a Keras model; inputs and outputs are named after their layers."""
    graph = Graph()
    input_shapes = input_shapes or {}
    values: dict[tuple[str, int, int], str] = {}
    for ref in model.inputs:
        layer = model.layer(ref[0])
        if layer is None:
            raise MalformedModelError(f"{where}: model input {ref[0]!r} names no layer")
        shape = input_shape_of(layer.config)
        if shape is None:
            raise ConversionError(f"{where}: input layer {layer.name!r} has no shape")
        shape = input_shape(layer.name, [-1 if d is None else int(d) for d in shape], input_shapes)
        dtype = RUNTIME_DTYPES.get(dtype_name(layer.config.get("dtype", "float32")))
        if dtype is None:
            raise ConversionError(f"{where}: input {layer.name!r} has unsupported dtype {layer.config.get('dtype')!r}")
        values[ref] = graph.add_input(layer.name, shape, dtype)
    check_input_shapes_named(input_shapes, graph.inputs)
    output_names = [name if t == 0 else f"{name}:{t}" for name, _, t in model.outputs]
    graph.reserve(output_names)
    ctx = LayerLowering(graph, model)
    problems: list[tuple[str, str, str]] = []
    failed: set[str] = set()  # layers that could not be lowered, and those reading them
    pending = [(layer, index, call) for layer in model.layers for index, call in enumerate(layer.calls)]
    while pending:
        waiting = []
        for layer, index, call in pending:
            if not all(ref in values or ref[0] in failed for ref in call):
                waiting.append((layer, index, call))
                continue
            if any(ref[0] in failed for ref in call):
                problems.append((layer.name, layer.class_name, "reads an unsupported layer"))
                failed.add(layer.name)
                continue
            lower = LAYERS.get(layer.class_name)
            try:
                if lower is None:
                    raise Unsupported("no lowering for this layer class")
                if layer.tensor_kwargs:
                    raise Unsupported(f"called with tensor argument(s) {sorted(layer.tensor_kwargs)}")
                ctx.layer = layer
                outputs = lower(ctx, [values[ref] for ref in call])
            except Unsupported as e:
                problems.append((layer.name, layer.class_name, str(e)))
                failed.add(layer.name)
                continue
            except ConversionError as e:
                raise type(e)(f"{where}: layer {layer.name!r} ({layer.class_name}): {e}") from None
            except (KeyError, TypeError, ValueError, IndexError) as e:
                raise MalformedModelError(f"{where}: layer {layer.name!r} ({layer.class_name}): malformed config "
                                          f"({type(e).__name__}: {e})") from None
            for tensor_index, out in enumerate(outputs):
                values[(layer.name, index, tensor_index)] = out
        if len(waiting) == len(pending):
            names = ", ".join(layer.name for layer, _, _ in waiting[:5])
            raise MalformedModelError(f"{where}: layer(s) {names} read tensors no layer produces (or form a cycle)")
        pending = waiting
    if problems:
        raise UnsupportedOpsError(problems)
    for ref, name in zip(model.outputs, output_names):
        if ref not in values:
            raise MalformedModelError(f"{where}: output {ref} is produced by no layer")
        bind_output(graph, values[ref], name)
    return graph

