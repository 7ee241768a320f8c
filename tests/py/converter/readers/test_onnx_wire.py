import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_models import resnet

from tensorweb.converter.readers.onnx_wire import WireError, fields, model_without_weights, varint


def test_inline_weights_become_references_into_the_same_file(tmp_path):
    path = tmp_path / "resnet.onnx"
    model = resnet()
    onnx.save(model, path)
    stripped = onnx.ModelProto.FromString(model_without_weights(path))
    assert len(stripped.SerializeToString()) < path.stat().st_size / 5
    data = path.read_bytes()
    for original, reference in zip(model.graph.initializer, stripped.graph.initializer):
        assert reference.data_location == TensorProto.EXTERNAL and not reference.HasField("raw_data")
        entries = {e.key: e.value for e in reference.external_data}
        offset, length = int(entries["offset"]), int(entries["length"])
        assert entries["location"] == "resnet.onnx"
        assert data[offset:offset + length] == original.raw_data
    assert [n.op_type for n in stripped.graph.node] == [n.op_type for n in model.graph.node]


def test_constant_node_tensors_are_externalised_and_typed_fields_kept(tmp_path):
    big = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "c")
    typed = helper.make_tensor("t", TensorProto.FLOAT, [2], [1.5, 2.5])
    nodes = [helper.make_node("Constant", [], ["c"], value=big),
             helper.make_node("Constant", [], ["t"], value=typed)]
    graph = helper.make_graph(nodes, "g", [], [helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
                                               for n in "ct"])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph), path)
    stripped = onnx.ModelProto.FromString(model_without_weights(path))
    assert stripped.graph.node[0].attribute[0].t.data_location == TensorProto.EXTERNAL
    assert list(stripped.graph.node[1].attribute[0].t.float_data) == [1.5, 2.5]


@pytest.mark.parametrize("data", [b"\x80\x80", b"\x3a\x10abc", b"\x0f", b"\x00\x01"])
def test_malformed_wire_data_is_reported(data, tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(data)
    with pytest.raises(WireError):
        model_without_weights(path)


def test_varints_round_trip():
    for value in (0, 1, 127, 128, 300, 2**35 + 7):
        encoded = varint(value)
        ((number, wire, start, end, _),) = fields(varint(8) + encoded, 0, len(encoded) + 1)
        assert (number, wire) == (1, 0) and end == len(encoded) + 1
