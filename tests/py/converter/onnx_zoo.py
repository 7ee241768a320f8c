"""The onnx package's model-zoo architectures (backend/test/data/light/light_<name>.onnx) with seeded weights.

Their own parameters are made by ConstantOfShape nodes, one value each (logits of 1e10 and more, all
equal), so a match on them proves nothing. Here each such parameter becomes an initializer drawn for
the role its consumer gives it: He-scaled weights for Conv and Gemm, small biases, batch-norm
statistics near the identity; so activations stay of order one through the whole network.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def _fan_in(node: onnx.NodeProto, shape: tuple[int, ...]) -> int:
    if node.op_type == "Gemm":
        transposed = any(a.name == "transB" and a.i for a in node.attribute)
        return shape[1] if transposed else shape[0]
    return int(np.prod(shape[1:]))  # Conv's [out, in / group, *window]


def _draw(rng: np.random.Generator, shape: tuple[int, ...], consumer: onnx.NodeProto | None, slot: int) -> np.ndarray:
    normal = rng.standard_normal(shape)
    role = (consumer.op_type, slot) if consumer is not None else None
    if role in {("Conv", 1), ("Gemm", 1)}:
        values = normal * np.sqrt(2.0 / max(_fan_in(consumer, shape), 1))
    elif role == ("BatchNormalization", 1):  # scale
        values = 1.0 + 0.1 * normal
    elif role == ("BatchNormalization", 4):  # variance
        values = 1.0 + 0.1 * np.abs(normal)
    else:  # biases, batch-norm offsets and means
        values = 0.1 * normal
    return values.astype(np.float32)


def light_model(name: str, seed: int = 0) -> onnx.ModelProto:
    """light_<name>.onnx with every ConstantOfShape-made parameter replaced by a seeded initializer."""
    model = onnx.load(str(LIGHT / f"light_{name}.onnx"))
    graph = model.graph
    constants = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    consumers: dict[str, tuple[onnx.NodeProto, int]] = {}
    for node in graph.node:
        for slot, tensor in enumerate(node.input):
            consumers.setdefault(tensor, (node, slot))
    rng = np.random.default_rng(seed)
    drawn, kept, shape_inputs = [], [], set()
    for node in graph.node:
        if node.op_type == "ConstantOfShape" and node.input[0] in constants:
            shape = tuple(int(d) for d in constants[node.input[0]])
            consumer, slot = consumers.get(node.output[0], (None, 0))
            drawn.append(numpy_helper.from_array(_draw(rng, shape, consumer, slot), node.output[0]))
            shape_inputs.add(node.input[0])
        else:
            kept.append(node)
    remaining = [init for init in graph.initializer if init.name not in shape_inputs] + drawn
    # IR version 3 lists every initializer among the graph's inputs too.
    inputs = [i for i in graph.input if i.name not in shape_inputs] + [
        onnx.helper.make_tensor_value_info(init.name, init.data_type, init.dims) for init in drawn]
    del graph.node[:], graph.initializer[:], graph.input[:]
    graph.node.extend(kept)
    graph.initializer.extend(remaining)
    graph.input.extend(inputs)
    onnx.checker.check_model(model)
    return model
