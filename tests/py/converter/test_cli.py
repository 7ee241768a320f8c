"""`python -m tensorweb.converter.cli convert|verify`: summaries, exit statuses, refusals."""

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx_models import resnet, single_op

from tensorweb.converter.cli import main


@pytest.fixture
def model_path(tmp_path):
    path = tmp_path / "resnet.onnx"
    onnx.save(resnet(), path)
    return path


def test_convert_prints_a_summary_and_writes_the_folder(model_path, tmp_path, capsys):
    out = tmp_path / "web"
    assert main(["convert", str(model_path), str(out), "--shard-size-mb", "0.01"]) == 0
    summary = capsys.readouterr().out
    assert "fusedConv2d 6" in summary and "parameters" in summary and "shard(s)" in summary
    doc = json.loads((out / "model.json").read_text())
    assert len(doc["weightsManifest"][0]["paths"]) == 2  # 20,776 bytes in 10,485-byte shards


def test_convert_refuses_to_overwrite_without_force(model_path, tmp_path, capsys):
    out = tmp_path / "web"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["convert", str(model_path), str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (out / "keep.txt").exists()
    assert main(["convert", str(model_path), str(out), "--force"]) == 0
    assert not (out / "keep.txt").exists()


def test_no_optimize_keeps_the_graph_as_read(model_path, tmp_path):
    main(["convert", str(model_path), str(tmp_path / "raw"), "--no-optimize"])
    ops = {n["op"] for n in json.loads((tmp_path / "raw" / "model.json").read_text())["topology"]["nodes"]}
    assert "batchNorm" in ops and "fusedConv2d" not in ops


def test_quantize_and_input_shape_options(model_path, tmp_path):
    out = tmp_path / "q"
    assert main(["convert", str(model_path), str(out), "--quantize", "uint8:w_*/folded", "--quantize", "float16",
                 "--input-shape", "image:1,3,32,32"]) == 0
    doc = json.loads((out / "model.json").read_text())
    kinds = {w["name"]: w.get("quantization", {}).get("dtype") for w in doc["weightsManifest"][0]["weights"]}
    # conv weights keep their source names (w_N), with "/folded" once a batch norm is folded in
    assert {k for n, k in kinds.items() if n.endswith("/folded")} == {"uint8"}
    assert "float16" in kinds.values()
    assert doc["topology"]["inputs"][0]["shape"] == [1, 3, 32, 32]


def test_verify_reports_each_output_and_passes(model_path, tmp_path, capsys):
    out = tmp_path / "web"
    main(["convert", str(model_path), str(out), "--quantize", "float16"])
    capsys.readouterr()
    assert main(["verify", str(out), "--against", str(model_path)]) == 0
    report = capsys.readouterr().out
    assert "onnxruntime" in report and "tolerance 0.01" in report and "ok" in report


def test_verify_fails_over_tolerance_and_reads_inputs_files(model_path, tmp_path, capsys):
    out = tmp_path / "web"
    main(["convert", str(model_path), str(out), "--quantize", "uint8"])
    inputs = tmp_path / "inputs.npz"
    np.savez(inputs, image=np.random.default_rng(1).standard_normal((3, 3, 32, 32)).astype(np.float32))
    assert main(["verify", str(out), "--against", str(model_path), "--inputs", str(inputs), "--rtol", "1e-9"]) == 1
    assert "OVER" in capsys.readouterr().out


def test_unsupported_ops_exit_3_and_write_nothing(tmp_path, capsys):
    path = tmp_path / "m.onnx"
    onnx.save(single_op("Hardmax", [[3]], {}, 13), path)
    assert main(["convert", str(path), str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert "node (Hardmax)" in err
    assert not (tmp_path / "out").exists()


def test_the_module_runs_as_a_command(model_path, tmp_path):
    result = subprocess.run([sys.executable, "-m", "tensorweb.converter.cli", "convert", str(model_path),
                             str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 0 and "wrote" in result.stdout and result.stderr == ""


def test_an_output_folder_that_cannot_be_made_is_a_usage_error_naming_it(model_path, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "web"
    assert main(["convert", str(model_path), str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"tensorweb convert: error: {out}: cannot write the converted model there: Not a directory\n"


@pytest.mark.parametrize(("errno_code", "cause"), [(28, "No space left on device"), (13, "Permission denied"),
                                                   (19, "No such device")])
def test_a_failed_write_names_the_output_and_the_cause_and_ends_the_bar_first(
        errno_code, cause, model_path, tmp_path, capsys, monkeypatch):
    """The operating system's failures mid-write (simulated: the tests run as root, on a disk with room)."""
    from tensorweb.converter import writer

    def no_room(self):
        raise OSError(errno_code, cause)

    monkeypatch.setattr(writer.ShardWriter, "_open_next", no_room)
    out = tmp_path / "web"
    assert main(["convert", str(model_path), str(out), "--progress"]) == 2
    err = capsys.readouterr().err
    bar, message = err.rsplit("\n", 2)[:2]
    assert "writing" in bar and "%" in bar
    assert message == f"tensorweb convert: error: {out}: cannot write the converted model there: {cause}"
    assert "internal error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["resnet.onnx"], "no partial folder is left"


def test_usage_errors_exit_2_and_models_that_cannot_be_read_exit_3(model_path, tmp_path, capsys):
    assert main(["convert", str(model_path), str(tmp_path / "a"), "--quantize", "int4"]) == 2
    assert "--quantize 'int4'" in capsys.readouterr().err
    assert main(["convert", str(model_path), str(tmp_path / "b"), "--shard-size-mb", "0"]) == 2
    assert "--shard-size-mb" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "missing.onnx"), str(tmp_path / "c")]) == 3
    assert "missing.onnx: no such file" in capsys.readouterr().err
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x00\xff" * 100)
    assert main(["convert", str(garbage), str(tmp_path / "d")]) == 3
    assert "garbage.onnx" in capsys.readouterr().err
    assert not any((tmp_path / name).exists() for name in "abcd")


def test_an_internal_error_says_where_to_report_it_and_debug_prints_the_traceback(model_path, tmp_path, capsys,
                                                                                   monkeypatch):
    from tensorweb.converter import convert as convert_module

    def broken_pass(graph, progress):
        raise ZeroDivisionError("a bug in a pass")

    monkeypatch.setattr(convert_module, "optimize", broken_pass)
    assert main(["convert", str(model_path), str(tmp_path / "web")]) == 4
    err = capsys.readouterr().err
    assert err.startswith("tensorweb convert: error: internal error (ZeroDivisionError: a bug in a pass); this is a "
                          "bug in tensorweb: please report it on the issue tracker")
    assert "--debug" in err and "Traceback" not in err and err.count("\n") == 1
    assert main(["convert", str(model_path), str(tmp_path / "web"), "--debug"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "broken_pass" in err
    assert err.splitlines()[-1].startswith("tensorweb convert: error: internal error (ZeroDivisionError")
    assert not (tmp_path / "web").exists()


def test_verify_of_a_folder_that_is_not_a_converted_model_exits_3(model_path, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["verify", str(tmp_path / "empty"), "--against", str(model_path)]) == 3
    assert "model.json" in capsys.readouterr().err


def test_a_tokenizer_json_travels_in_the_metadata_named_or_found_beside_the_model(model_path, tmp_path, capsys):
    tokenizer = {"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}
    named = tmp_path / "named.json"
    named.write_text(json.dumps(tokenizer))
    main(["convert", str(model_path), str(tmp_path / "plain")])
    assert "tokenizer" not in json.loads((tmp_path / "plain" / "model.json").read_text())["metadata"]
    assert main(["convert", str(model_path), str(tmp_path / "named_out"), "--tokenizer", str(named)]) == 0
    metadata = json.loads((tmp_path / "named_out" / "model.json").read_text())["metadata"]
    assert metadata["tokenizer"] == {"type": "huggingface", "config": tokenizer}
    (tmp_path / "tokenizer.json").write_text(json.dumps(tokenizer))  # beside resnet.onnx: picked up
    main(["convert", str(model_path), str(tmp_path / "beside")])
    assert json.loads((tmp_path / "beside" / "model.json").read_text())["metadata"]["tokenizer"]["config"] == tokenizer
    named.write_text('{"vocab": {}}')
    assert main(["convert", str(model_path), str(tmp_path / "bad"), "--tokenizer", str(named)]) == 3
    assert f"tokenizer {named}: not a Hugging Face tokenizer.json" in capsys.readouterr().err
    named.write_text("{")
    assert main(["convert", str(model_path), str(tmp_path / "bad"), "--tokenizer", str(named)]) == 3
    assert f"tokenizer {named}: not JSON" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
