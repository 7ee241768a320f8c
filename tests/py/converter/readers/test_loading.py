"""readers/loading.py: a source file that cannot be read, parsed or holds names that are not text is refused
with the file named."""

import pytest

from tensorweb.converter.errors import MalformedModelError
from tensorweb.converter.readers import tf_protos
from tensorweb.converter.readers.loading import check_text, parse_json, parse_message, read_bytes


def test_a_file_is_read_unless_missing_or_past_the_limit(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"{}")
    assert read_bytes(path) == b"{}" and read_bytes(path, limit=2) == b"{}"
    with pytest.raises(MalformedModelError, match=r"model.json: larger than 1 bytes"):
        read_bytes(path, limit=1)
    with pytest.raises(MalformedModelError, match=r"absent.pb: cannot read \(No such file or directory\)"):
        read_bytes(tmp_path / "absent.pb")


def test_broken_json_and_protobuf_are_reported_by_file():
    assert parse_json(b'{"a": 1}', "config.json") == {"a": 1}
    with pytest.raises(MalformedModelError, match="config.json: not valid JSON"):
        parse_json(b'{"a": ', "config.json")
    with pytest.raises(MalformedModelError, match="config.json: not valid JSON"):
        parse_json(b"\xff\xfe{", "config.json")
    with pytest.raises(MalformedModelError, match=r"graph.pb: not a valid TensorFlow GraphDef protobuf"):
        parse_message(tf_protos.GraphDef, b"\x0a\xff", "graph.pb", "TensorFlow GraphDef")


def test_a_name_that_is_not_text_is_reported():
    check_text(["conv", "relu"], "m.onnx")
    with pytest.raises(MalformedModelError, match=r"m.onnx: name b'\\xff' is not valid UTF-8"):
        check_text(["conv", b"\xff"], "m.onnx")
