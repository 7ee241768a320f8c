"""Small TFLite models built in the tests, with the object API of the schema code ai-edge-litert ships
(flatc's output for TFLite's schema.fbs), so they are written by other code than the reader's own.

    model = TfliteModel()
    x = model.input("x", [1, 8, 8, 3])
    w = model.constant("w", weights)
    y = model.tensor("y", [1, 8, 8, 4])
    model.op("CONV_2D", [x, w, -1], [y], "Conv2DOptions", Padding=PADDING_SAME, StrideW=1, StrideH=1)
    data = model.build([y])
"""

from __future__ import annotations

from pathlib import Path

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

from tensorweb.converter.verify import litert_outputs

PADDING_SAME, PADDING_VALID = schema.Padding.SAME, schema.Padding.VALID
TENSOR_TYPES = {np.dtype(np.float32): schema.TensorType.FLOAT32, np.dtype(np.float16): schema.TensorType.FLOAT16,
                np.dtype(np.int32): schema.TensorType.INT32, np.dtype(np.int64): schema.TensorType.INT64,
                np.dtype(np.int8): schema.TensorType.INT8, np.dtype(np.uint8): schema.TensorType.UINT8,
                np.dtype(np.bool_): schema.TensorType.BOOL}


class TfliteModel:
    def __init__(self):
        self.tensors: list = []
        self.buffers: list = [schema.BufferT()]  # buffer 0 is the empty one, by convention
        self.operators: list = []
        self.codes: list = []
        self.inputs: list[int] = []

    def tensor(self, name: str, shape, dtype=np.float32, data: np.ndarray | None = None,
               scale=None, zero_point=None, axis: int = 0, signature=None) -> int:
        tensor = schema.TensorT()
        tensor.name, tensor.shape, tensor.type = name, list(shape), TENSOR_TYPES[np.dtype(dtype)]
        if signature is not None:
            tensor.shapeSignature = list(signature)
        if data is not None:
            buffer = schema.BufferT()
            buffer.data = np.frombuffer(np.ascontiguousarray(data, dtype).tobytes(), np.uint8)
            self.buffers.append(buffer)
            tensor.buffer = len(self.buffers) - 1
        if scale is not None:
            quantization = schema.QuantizationParametersT()
            quantization.scale = list(np.atleast_1d(np.asarray(scale, np.float32)))
            quantization.zeroPoint = list(np.atleast_1d(np.asarray(zero_point if zero_point is not None else 0,
                                                                   np.int64)))
            quantization.quantizedDimension = axis
            tensor.quantization = quantization
        self.tensors.append(tensor)
        return len(self.tensors) - 1

    def input(self, name: str, shape, dtype=np.float32, **quantization) -> int:
        index = self.tensor(name, shape, dtype, **quantization)
        self.inputs.append(index)
        return index

    def constant(self, name: str, value, dtype=None, **quantization) -> int:
        value = np.asarray(value, dtype)
        return self.tensor(name, value.shape, value.dtype, value, **quantization)

    def op(self, operator: str, inputs: list[int], outputs: list[int], options: str | None = None,
           custom_options: bytes | None = None, **fields) -> None:
        """A builtin operator by name (CONV_2D), or a custom one as "CUSTOM:Name"; `fields` set the options
        table's fields by their schema names (Padding, StrideW...)."""
        code = schema.OperatorCodeT()
        if operator.startswith("CUSTOM:"):
            code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
            code.customCode = operator.partition(":")[2]
        else:
            code.builtinCode = getattr(schema.BuiltinOperator, operator)
            code.deprecatedBuiltinCode = min(code.builtinCode, schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES)
        code.version = 1
        self.codes.append(code)
        op = schema.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = len(self.codes) - 1, list(inputs), list(outputs)
        if options:
            table = getattr(schema, f"{options}T")()
            for name, value in fields.items():
                field = name[0].lower() + name[1:]
                if not hasattr(table, field):
                    raise AttributeError(f"{options} has no field {name}")
                setattr(table, field, value)
            op.builtinOptionsType = getattr(schema.BuiltinOptions, options)
            op.builtinOptions = table
        if custom_options is not None:
            op.customOptions = list(custom_options)
        self.operators.append(op)

    def build(self, outputs: list[int], signature: dict | None = None) -> bytes:
        """The flatbuffer; `signature` {"key": ..., "inputs": {name: tensor}, "outputs": {name: tensor}} adds a
        SignatureDef."""
        subgraph = schema.SubGraphT()
        subgraph.tensors, subgraph.operators = self.tensors, self.operators
        subgraph.inputs, subgraph.outputs = self.inputs, list(outputs)
        model = schema.ModelT()
        model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, self.codes, [subgraph], self.buffers
        model.description = "built by tests/py/converter/tflite_models.py"
        if signature:
            definition = schema.SignatureDefT()
            definition.signatureKey = signature.get("key", "serving_default")
            definition.inputs = [tensor_map(n, i) for n, i in signature["inputs"].items()]
            definition.outputs = [tensor_map(n, i) for n, i in signature["outputs"].items()]
            model.signatureDefs = [definition]
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def tensor_map(name: str, index: int):
    entry = schema.TensorMapT()
    entry.name, entry.tensorIndex = name, index
    return entry


def run_litert(model: bytes | str, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """LiteRT's outputs, named as the converter names them (verify's own runner)."""
    return litert_outputs(model if isinstance(model, bytes) else Path(model), feeds)
