"""`tensorweb bench --native`: the runtime's launches recorded in node and replayed through wgpu."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tensorweb import native_bench
from tensorweb.kernels import parse_bindings

# A GPU as the runtime would see it in a browser (no adapter of this kind is needed: it is only recorded).
GPU = {"vendor": "nvidia", "architecture": "hopper", "description": "NVIDIA H100", "isFallbackAdapter": False,
       "features": ["shader-f16", "subgroups", "timestamp-query"],
       "limits": {"maxBufferSize": 2**32, "maxStorageBufferBindingSize": 2**31, "maxComputeWorkgroupStorageSize": 32768,
                  "maxComputeInvocationsPerWorkgroup": 1024, "maxComputeWorkgroupSizeX": 1024,
                  "maxComputeWorkgroupSizeY": 1024, "maxComputeWorkgroupSizeZ": 64,
                  "maxComputeWorkgroupsPerDimension": 65535, "maxStorageBuffersPerShaderStage": 10}}


@pytest.fixture(scope="module")
def machine():
    return native_bench.open_device()


def dispatched_shaders(traces, workload_id):
    events = traces["prelude"] + [e for w in traces["workloads"] for e in w.get("setup", []) + w.get("run", [])]
    labels = {e["id"]: e["label"] for e in events if e["e"] == "shader"}
    pipelines = {e["id"]: labels[e["shader"]] for e in events if e["e"] == "pipeline"}
    [workload] = [w for w in traces["workloads"] if w["id"] == workload_id]
    return [pipelines[e["pipeline"]] for e in workload["run"] if e["e"] == "dispatch"]


def dispatched_pipelines(traces, workload_id):
    events = traces["prelude"] + [e for w in traces["workloads"] for e in w.get("setup", []) + w.get("run", [])]
    pipelines = {e["id"]: e for e in events if e["e"] == "pipeline"}
    [workload] = [w for w in traces["workloads"] if w["id"] == workload_id]
    return [pipelines[e["pipeline"]] for e in workload["run"] if e["e"] == "dispatch"]


def test_the_kernel_choices_are_the_runtimes_for_the_adapter_described(machine):
    _, _, here = machine
    on_cpu = native_bench.record(here, ["matmul_256", "matvec_1x4096x4096"])
    on_gpu = native_bench.record(GPU, ["matmul_256", "matvec_1x4096x4096"])
    assert on_cpu["runsOnCpu"] and not on_gpu["runsOnCpu"]
    # 'auto' keeps GEMM tiles in registers on CPU adapters and in workgroup memory on GPUs (kernels/matmul.ts)
    assert dispatched_shaders(on_cpu, "matmul_256") == ["matmul/matmul_vec4_registers.wgsl"]
    assert dispatched_shaders(on_gpu, "matmul_256") == ["matmul/matmul_vec4.wgsl"]
    # the best variant, not the 4-row quick stand-in a page runs while it compiles
    [registers] = dispatched_pipelines(on_cpu, "matmul_256")
    assert registers["constants"]["ROWS_PER_THREAD"] == 16
    # one row: matvec.wgsl on both, split over K on the GPU only
    assert dispatched_shaders(on_cpu, "matvec_1x4096x4096") == ["matmul/matvec.wgsl"]
    assert dispatched_shaders(on_gpu, "matvec_1x4096x4096") == ["matmul/matvec.wgsl", "matmul/split_k_reduce.wgsl"]


def test_a_replayed_workload_computes_what_it_launches(machine):
    """The replay runs the recorded pipelines and bindings for real: matmul 256³'s output is A @ B."""
    _, device, here = machine
    traces = native_bench.record(here, ["matmul_256"])
    replay = native_bench.Replay(device)
    replay.play(traces["prelude"])
    [workload] = traces["workloads"]
    replay.play(workload["setup"])
    replay.play(workload["run"])
    events = traces["prelude"] + workload["setup"] + workload["run"]
    [dispatch] = [e for e in workload["run"] if e["e"] == "dispatch"]
    pipeline = next(e for e in events if e["e"] == "pipeline" and e["id"] == dispatch["pipeline"])
    code = next(e["code"] for e in events if e["e"] == "shader" and e["id"] == pipeline["shader"])
    names = {b.index: b.name for b in parse_bindings(code)}
    bind_group = next(e for e in events if e["e"] == "bindGroup" and e["id"] == dispatch["bindGroup"])

    def read(name, count):
        entry = next(e for e in bind_group["entries"] if names[e["binding"]] == name)
        return np.frombuffer(device.queue.read_buffer(replay.objects[entry["buffer"]]), np.float32, count).reshape(256, 256)

    a, b, out = read("a", 256 * 256), read("b", 256 * 256), read("out", 256 * 256)
    assert np.abs(a).max() > 0.5 and np.abs(out).max() > 1  # the random kernel ran; not zeros
    np.testing.assert_allclose(out, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4 * 16)


def test_bench_native_prints_and_writes_rates_beside_the_peak_and_bandwidth(tmp_path):
    report_file = tmp_path / "native.json"
    tensorweb = str(Path(sys.executable).parent / "tensorweb")
    result = subprocess.run([tensorweb, "bench", "--native", "--only", "fma_peak,copy_bandwidth,matmul_256,softmax_12x128x128",
                             "--runs", "1", "--warmup", "0", "--json", str(report_file)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FMA peak:" in result.stdout and "copy bandwidth:" in result.stdout and "matmul 256³" in result.stdout
    report = json.loads(report_file.read_text())
    assert report["runsOnCpu"] is True and report["adapter"]["type"] == "CPU"
    rows = {row["id"]: row for row in report["rows"]}
    assert set(rows) == {"fma_peak", "copy_bandwidth", "matmul_256", "softmax_12x128x128"}
    assert report["fmaPeakGflops"] > 0 and report["copyBandwidthGBs"] > 0
    assert rows["matmul_256"]["gflops"] == pytest.approx(2 * 256**3 / (rows["matmul_256"]["ms"] * 1e6))
    assert rows["matmul_256"]["shareOfPeak"] == pytest.approx(rows["matmul_256"]["gflops"] / report["fmaPeakGflops"])
    assert rows["softmax_12x128x128"]["shareOfBandwidth"] > 0


def test_a_workload_past_the_adapters_limits_is_listed_with_the_reason(machine):
    _, _, here = machine
    small = {**here, "limits": {**here["limits"], "maxStorageBufferBindingSize": 2**25}}  # 32 MiB: a 4096² matrix is 64
    [workload] = native_bench.record(small, ["matmul_4096"])["workloads"]
    assert "cannot allocate" in workload["skipped"] and "run" not in workload


def test_the_reference_timer_runs_every_kind_of_workload(machine):
    """The cuBLAS/cuDNN column's computations, run by PyTorch on the CPU here (no CUDA)."""
    _, _, here = machine
    specs = [w["reference"] for w in native_bench.record(here, [
        "copy_bandwidth", "matmul_256", "matmul_1024_epilogue", "conv2d_56x56x64_64_1x1", "depthwise_112x112x32_3x3",
        "sum_4096x1024_rows", "softmax_12x128x128", "layer_norm_128x384", "conv2d_backprop_input_b32_14x14_16_8",
        "conv2d_backprop_filter_b32_14x14_8_16"])["workloads"]]
    assert {spec["kind"] for spec in specs} == {"copy", "matmul", "conv2d", "depthwise", "sum_rows", "softmax", "layer_norm",
                                                "conv2d_input_grad", "conv2d_filter_grad"}
    timer = native_bench.torch_reference("cpu", runs=1, warmup=0)
    for spec in specs:
        assert timer(spec) > 0, spec
