import subprocess
import sys
from pathlib import Path

import pytest

from tensorweb.cli import EXIT_USAGE, build_parser, main

SUBCOMMANDS = ["convert", "verify", "serve", "bench", "examples"]


def test_help_lists_every_subcommand():
    result = subprocess.run([sys.executable, "-m", "tensorweb", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in SUBCOMMANDS:
        assert command in result.stdout


def test_console_script_is_installed():
    result = subprocess.run([str(Path(sys.executable).parent / "tensorweb"), "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("tensorweb ")


def test_no_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([])
    assert exit_info.value.code == EXIT_USAGE
    assert "COMMAND" in capsys.readouterr().err


def test_unknown_subcommand_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == EXIT_USAGE


def test_convert_and_verify_run_through_the_tensorweb_command(tmp_path, capsys):
    import json

    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    source = tmp_path / "tiny.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), source)
    out = tmp_path / "web_model"
    assert main(["convert", str(source), str(out)]) == 0
    assert json.loads((out / "model.json").read_text())["format"] == "tensorweb-graph"
    assert main(["verify", str(out), "--against", str(source)]) == 0
    assert main(["convert", str(source), str(out)]) == EXIT_USAGE
    assert "already exists" in capsys.readouterr().err


def test_bench_runs_a_workload_on_every_runtime_and_writes_json(tmp_path):
    """Only that the wiring works: one small workload, one run; speed is not judged here."""
    import json

    report_file = tmp_path / "bench.json"
    tensorweb = str(Path(sys.executable).parent / "tensorweb")
    result = subprocess.run([tensorweb, "bench", "--only", "matmul_256", "--runs", "1", "--warmup", "0",
                             "--json", str(report_file)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matmul 256" in result.stdout
    [row] = json.loads(report_file.read_text())["results"]
    assert row["id"] == "matmul_256"
    assert row["medianMs"]["tensorweb"] > 0 and row["medianMs"]["tfjs"] > 0
    assert json.loads(report_file.read_text())["peak"]["gflops"] > 0


def test_bench_times_a_matrix_vector_row_beside_the_copy_bandwidth_and_the_gemm(tmp_path):
    """The bandwidth reference and the GEMM turn are wired into the report; speed is not judged here."""
    import json

    report_file = tmp_path / "bench.json"
    tensorweb = str(Path(sys.executable).parent / "tensorweb")
    result = subprocess.run([tensorweb, "bench", "--only", "matvec_1x1280x1000", "--runs", "1", "--warmup", "0",
                             "--json", str(report_file)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "of the copy bandwidth" in result.stdout
    [row] = json.loads(report_file.read_text())["results"]
    assert row["medianMs"]["tensorweb"] > 0 and row["medianMs"]["tensorwebGemm"] > 0 and row["medianMs"]["tfjs"] > 0
    bandwidth = row["bandwidth"]
    assert bandwidth["copyGBs"] > 0
    assert bandwidth["shareOfCopy"] == pytest.approx(bandwidth["gbs"] / bandwidth["copyGBs"])
    assert bandwidth["gbs"] == pytest.approx(4 * (1280 * 1000 + 1280 + 1000) / (row["medianMs"]["tensorweb"] * 1e6))
