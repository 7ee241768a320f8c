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


def test_unsupported_ops_exit_2_and_write_nothing(tmp_path, capsys):
    path = tmp_path / "m.onnx"
    onnx.save(single_op("NonZero", [[3]], {}, 13), path)
    assert main(["convert", str(path), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "node (NonZero)" in err
    assert not (tmp_path / "out").exists()


def test_the_module_runs_as_a_command(model_path, tmp_path):
    result = subprocess.run([sys.executable, "-m", "tensorweb.converter.cli", "convert", str(model_path),
                             str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 0 and "wrote" in result.stdout and result.stderr == ""
