"""`tensorweb bench --native`: the runtime's hot kernels timed natively through wgpu.

The launches come from the runtime itself: ``bench/native/trace.mjs`` runs each
workload through ``js/dist/tensorweb.js`` in node on a recording
``navigator.gpu`` that describes this machine's wgpu adapter (its vendor,
features and limits), so every kernel choice is the one the browser runtime
makes on that adapter. This module replays the recorded WebGPU calls (buffers,
pipelines with their constants, bind groups, uniform writes, dispatches) on
the adapter and times each workload's dispatches with timestamp queries,
beside the adapter's FMA peak and copy bandwidth. Where PyTorch with CUDA is
importable it times the same work with cuBLAS/cuDNN in fp32 (TF32 off) on that
card as a reference column.
"""

from __future__ import annotations

import base64
import json
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import wgpu

from .kernels import _ENABLE_SUBGROUPS
from .paths import source_checkout

# WebGPU's names for the limits and features the runtime asks for (js/src/backends/webgpu/device.ts), and wgpu's.
LIMITS = {
    "maxBufferSize": "max-buffer-size", "maxStorageBufferBindingSize": "max-storage-buffer-binding-size",
    "maxComputeWorkgroupStorageSize": "max-compute-workgroup-storage-size",
    "maxComputeInvocationsPerWorkgroup": "max-compute-invocations-per-workgroup",
    "maxComputeWorkgroupSizeX": "max-compute-workgroup-size-x", "maxComputeWorkgroupSizeY": "max-compute-workgroup-size-y",
    "maxComputeWorkgroupSizeZ": "max-compute-workgroup-size-z",
    "maxComputeWorkgroupsPerDimension": "max-compute-workgroups-per-dimension",
    "maxStorageBuffersPerShaderStage": "max-storage-buffers-per-shader-stage",
}
FEATURES = {"shader-f16": "shader-f16", "subgroups": "subgroup", "timestamp-query": "timestamp-query"}


def open_device() -> tuple[wgpu.GPUAdapter, wgpu.GPUDevice, dict[str, Any]]:
    """The high-performance adapter, a device with every limit at the adapter's maximum, and the
    adapter as the runtime's WebGPU code sees it (for the recording)."""
    adapter = wgpu.gpu.request_adapter_sync(power_preference="high-performance")
    if adapter is None:
        raise RuntimeError("wgpu found no adapter (on Debian: mesa-vulkan-drivers for lavapipe)")
    features = [web for web, native in FEATURES.items() if native in adapter.features]
    device = adapter.request_device_sync(required_features=[FEATURES[f] for f in features],
                                         required_limits={native: adapter.limits[native] for native in LIMITS.values()})
    info = adapter.info
    described = {
        "vendor": info["vendor"], "architecture": info["architecture"],
        "description": " ".join(part for part in (info["device"], info["description"]) if part),
        # wgpu's software adapters (lavapipe, WARP) are what WebGPU calls fallback adapters
        "isFallbackAdapter": info["adapter_type"] == "CPU",
        "features": features, "limits": {web: adapter.limits[native] for web, native in LIMITS.items()},
    }
    return adapter, device, described


def record(adapter: dict[str, Any], only: list[str] | None = None) -> dict[str, Any]:
    """The workloads' WebGPU calls as the runtime makes them on `adapter` (bench/native/trace.mjs)."""
    root = source_checkout("tensorweb bench --native")
    with tempfile.TemporaryDirectory() as folder:
        adapter_file, traces_file = Path(folder) / "adapter.json", Path(folder) / "traces.json"
        adapter_file.write_text(json.dumps(adapter))
        command = ["node", str(root / "bench" / "native" / "trace.mjs"), str(adapter_file), str(traces_file)]
        if only:
            command += ["--only", ",".join(only)]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"recording the workloads failed:\n{done.stderr.strip()}")
        return json.loads(traces_file.read_text())


class Replay:
    """Plays recorded WebGPU events on a wgpu device. Objects are kept by their recorded ids, so a
    run's events may be played again: what they create is created the first time only."""

    def __init__(self, device: wgpu.GPUDevice):
        self.device = device
        self.objects: dict[int, Any] = {}
        self.timing = "timestamp-query" in device.features
        # Reading a buffer back waits for the queue (wgpu-py 0.32's on_submitted_work_done fails on a callback type).
        self.fence = device.create_buffer(size=16, usage=wgpu.BufferUsage.COPY_SRC | wgpu.BufferUsage.COPY_DST)

    def play(self, events: list[dict[str, Any]], timed: bool = False) -> float:
        """Plays `events`; with `timed`, returns the GPU time of their dispatches in ms (timestamps
        around each dispatch, as the runtime's tw.time takes them), else 0."""
        commands: list[dict[str, Any]] = []
        elapsed_ns = 0.0
        for event in events:
            kind = event["e"]
            if kind in ("dispatch", "copy"):
                commands.append(event)
            elif kind == "submit":
                elapsed_ns += self._submit(commands, timed)
                commands = []
            elif kind == "write":
                self.device.queue.write_buffer(self.objects[event["buffer"]], event["offset"], base64.b64decode(event["data"]))
            elif kind != "destroy" and event["id"] not in self.objects:
                self.objects[event["id"]] = self._create(event)
        if commands:
            elapsed_ns += self._submit(commands, timed)
        return elapsed_ns / 1e6

    def _create(self, event: dict[str, Any]) -> Any:
        device, kind = self.device, event["e"]
        if kind == "buffer":
            return device.create_buffer(size=event["size"], usage=event["usage"])
        if kind == "shader":
            return device.create_shader_module(code=_ENABLE_SUBGROUPS.sub("", event["code"]))
        if kind == "layout":
            return device.create_bind_group_layout(entries=[
                {"binding": e["binding"], "visibility": wgpu.ShaderStage.COMPUTE, "buffer": {"type": e["type"]}}
                for e in event["entries"]])
        if kind == "pipeline":
            return device.create_compute_pipeline(
                layout=device.create_pipeline_layout(bind_group_layouts=[self.objects[event["layout"]]]),
                compute={"module": self.objects[event["shader"]], "entry_point": event["entryPoint"],
                         "constants": {name: float(value) for name, value in event["constants"].items()}})
        if kind == "bindGroup":
            return device.create_bind_group(layout=self.objects[event["layout"]], entries=[
                {"binding": e["binding"], "resource": {"buffer": self.objects[e["buffer"]], "offset": e["offset"],
                                                      **({"size": e["size"]} if e.get("size") is not None else {})}}
                for e in event["entries"]])
        raise ValueError(f"unknown recorded event {kind!r}")

    def _submit(self, commands: list[dict[str, Any]], timed: bool) -> float:
        dispatches = sum(1 for c in commands if c["e"] == "dispatch")
        query_set = resolved = None
        if timed and self.timing and dispatches:
            query_set = self.device.create_query_set(type=wgpu.QueryType.timestamp, count=2 * dispatches)
            resolved = self.device.create_buffer(size=16 * dispatches,
                                                 usage=wgpu.BufferUsage.QUERY_RESOLVE | wgpu.BufferUsage.COPY_SRC)
        encoder = self.device.create_command_encoder()
        index = 0
        for command in commands:
            if command["e"] == "copy":
                encoder.copy_buffer_to_buffer(self.objects[command["source"]], command["sourceOffset"],
                                              self.objects[command["destination"]], command["destinationOffset"], command["size"])
                continue
            # each dispatch its own pass, so the timestamps around it time it alone
            writes = {"timestamp_writes": {"query_set": query_set, "beginning_of_pass_write_index": 2 * index,
                                           "end_of_pass_write_index": 2 * index + 1}} if query_set else {}
            compute = encoder.begin_compute_pass(**writes)
            compute.set_pipeline(self.objects[command["pipeline"]])
            compute.set_bind_group(0, self.objects[command["bindGroup"]])
            compute.dispatch_workgroups(*command["workgroups"])
            compute.end()
            index += 1
        if query_set:
            encoder.resolve_query_set(query_set, 0, 2 * dispatches, resolved, 0)
        self.device.queue.submit([encoder.finish()])
        if not query_set:
            return 0.0
        ticks = np.frombuffer(self.device.queue.read_buffer(resolved), dtype=np.uint64).astype(np.float64)
        return float((ticks[1::2] - ticks[0::2]).sum())  # WebGPU timestamps are in nanoseconds

    def timed(self, events: list[dict[str, Any]]) -> tuple[float, float | None]:
        """Plays `events` and waits for the device: (wall-clock ms, GPU ms of the dispatches or None
        without timestamp queries)."""
        start = time.perf_counter()
        gpu_ms = self.play(events, timed=True)
        self.device.queue.read_buffer(self.fence)
        return (time.perf_counter() - start) * 1e3, gpu_ms if self.timing else None


# --- the cuBLAS / cuDNN reference column ------------------------------------------

def _torch_work(torch, spec: dict[str, Any], device: str) -> Callable[[], Any]:
    """The computation a workload's `reference` names, on torch tensors of its shapes (float32)."""
    def rand(*shape):
        return torch.rand(*shape, device=device) * 2 - 1

    F = torch.nn.functional
    kind = spec["kind"]
    if kind == "matmul":
        a, b, bias = rand(spec["m"], spec["k"]), rand(spec["k"], spec["n"]), rand(spec["n"])
        return (lambda: torch.relu(torch.addmm(bias, a, b))) if spec["epilogue"] else (lambda: a @ b)
    if kind in ("conv2d", "conv2d_input_grad", "conv2d_filter_grad"):
        n, h, w, cin, cout, k = (spec[key] for key in ("batch", "h", "w", "cin", "cout", "window"))
        x, weight, dy = rand(n, cin, h, w), rand(cout, cin, k, k), rand(n, cout, h, w)
        if kind == "conv2d":
            return lambda: F.conv2d(x, weight, padding=k // 2)
        if kind == "conv2d_input_grad":
            return lambda: torch.nn.grad.conv2d_input(x.shape, weight, dy, padding=k // 2)
        return lambda: torch.nn.grad.conv2d_weight(x, weight.shape, dy, padding=k // 2)
    if kind == "depthwise":
        c, k = spec["channels"], spec["window"]
        x, weight = rand(spec["batch"], c, spec["h"], spec["w"]), rand(c, 1, k, k)
        return lambda: F.conv2d(x, weight, padding=k // 2, groups=c)
    if kind == "sum_rows":
        x = rand(*spec["shape"])
        return lambda: x.sum(1)
    if kind == "softmax":
        x = rand(*spec["shape"])
        return lambda: torch.softmax(x, -1)
    if kind == "layer_norm":
        x, gamma, beta = rand(*spec["shape"]), rand(spec["shape"][-1]), rand(spec["shape"][-1])
        return lambda: F.layer_norm(x, spec["shape"][-1:], gamma, beta)
    if kind == "copy":
        source = rand(spec["bytes"] // 4)
        destination = torch.empty_like(source)
        return lambda: destination.copy_(source)
    raise ValueError(f"no reference for workload kind {kind!r}")


def torch_reference(device: str = "cuda", runs: int = 5, warmup: int = 2) -> Callable[[dict[str, Any]], float] | None:
    """A timer of workloads' reference computations with PyTorch on `device` (cuBLAS/cuDNN on
    CUDA, TF32 off so they compute in fp32 as the WGSL kernels do), or None where PyTorch or
    the device is missing. It returns the median ms of `runs` after `warmup`."""
    try:
        import torch
    except ImportError:
        return None
    if device == "cuda" and not torch.cuda.is_available():
        return None
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False

    def timed(spec: dict[str, Any]) -> float:
        with torch.no_grad():
            work = _torch_work(torch, spec, device)
            for _ in range(warmup):
                work()
            times = []
            for _ in range(runs):
                if device == "cuda":
                    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    start.record()
                    work()
                    end.record()
                    torch.cuda.synchronize()
                    times.append(start.elapsed_time(end))
                else:
                    began = time.perf_counter()
                    work()
                    times.append((time.perf_counter() - began) * 1e3)
        return statistics.median(times)

    return timed


@dataclass
class Row:
    id: str
    label: str
    flops: float
    bytes: float
    ms: float | None = None  # median GPU time
    wall_ms: float | None = None  # median wall-clock time of a run (submits and waits included)
    reference_ms: float | None = None  # cuBLAS / cuDNN on the same card, where measured
    skipped: str | None = None


def run_native(runs: int = 5, warmup: int = 2, only: list[str] | None = None,
               reference: Callable[[dict[str, Any]], float] | None = None) -> dict[str, Any]:
    """Records the workloads for this machine's adapter, replays and times each (and, given a
    `reference` timer, its reference computation); the report."""
    adapter, device, described = open_device()
    traces = record(described, only)
    replay = Replay(device)
    replay.play(traces["prelude"])
    rows = []
    for trace in traces["workloads"]:
        row = Row(trace["id"], trace["label"], trace["flops"], trace["bytes"], skipped=trace.get("skipped"))
        rows.append(row)
        if row.skipped:
            continue
        replay.play(trace["setup"])
        for _ in range(warmup):
            replay.timed(trace["run"])
        walls, gpu = zip(*(replay.timed(trace["run"]) for _ in range(runs)))
        row.wall_ms = statistics.median(walls)
        row.ms = statistics.median(gpu) if replay.timing else row.wall_ms
        if reference and trace["reference"]:
            row.reference_ms = reference(trace["reference"])
    info = adapter.info
    return {
        "adapter": {"vendor": info["vendor"], "device": info["device"], "description": info["description"],
                    "type": info["adapter_type"], "backend": info["backend_type"]},
        "runsOnCpu": traces["runsOnCpu"], "timing": "timestamp queries" if replay.timing else "wall clock",
        "runs": runs, "warmup": warmup, "rows": [row.__dict__ for row in rows],
    }


def rates(report: dict[str, Any]) -> None:
    """Adds each row's GFLOP/s and GB/s, and its share of the FMA peak and of the copy bandwidth."""
    by_id = {row["id"]: row for row in report["rows"]}

    def rate(row: dict[str, Any], work: str) -> float | None:
        return row[work] / (row["ms"] * 1e6) if row.get("ms") and row[work] else None

    peak = rate(by_id["fma_peak"], "flops") if "fma_peak" in by_id else None
    bandwidth = rate(by_id["copy_bandwidth"], "bytes") if "copy_bandwidth" in by_id else None
    report["fmaPeakGflops"], report["copyBandwidthGBs"] = peak, bandwidth
    for row in report["rows"]:
        row["gflops"], row["gbs"] = rate(row, "flops"), rate(row, "bytes")
        row["shareOfPeak"] = row["gflops"] / peak if row["gflops"] and peak else None
        row["shareOfBandwidth"] = row["gbs"] / bandwidth if row["gbs"] and bandwidth else None


def table(report: dict[str, Any]) -> str:
    adapter = report["adapter"]
    kind = "CPU adapter" if report["runsOnCpu"] else "GPU"
    lines = [f"adapter: {adapter['device'] or adapter['vendor']} ({adapter['description']}; {adapter['backend']}, "
             f"the runtime's kernel choices for a {kind})",
             f"timing: {report['timing']}; median of {report['runs']} runs after {report['warmup']} warm-up runs"]
    if report.get("fmaPeakGflops"):
        lines.append(f"FMA peak: {report['fmaPeakGflops']:.2f} GFLOP/s")
    if report.get("copyBandwidthGBs"):
        lines.append(f"copy bandwidth: {report['copyBandwidthGBs']:.2f} GB/s (bytes read and written)")
    header = ["workload", "ms", "GFLOP/s", "GB/s", "% FMA peak", "% copy bw", "cuBLAS/cuDNN ms", "ref / ours"]

    def number(value: float | None, digits: int = 2) -> str:
        return "–" if value is None else f"{value:.{digits}f}"

    measured, skipped = [header], []
    for row in report["rows"]:
        if row["skipped"]:
            skipped.append(f"{row['label']}: not run ({row['skipped']})")
            continue
        ratio = row["reference_ms"] / row["ms"] if row["reference_ms"] else None
        measured.append([row["label"], number(row["ms"]), number(row["gflops"]), number(row["gbs"]),
                         number(row["shareOfPeak"] and 100 * row["shareOfPeak"], 0),
                         number(row["shareOfBandwidth"] and 100 * row["shareOfBandwidth"], 0),
                         number(row["reference_ms"], 3), number(ratio)])
    widths = [max(len(cells[c]) for cells in measured) for c in range(len(header))]
    for cells in measured:
        lines.append("  ".join(cell.ljust(widths[c]) if c == 0 else cell.rjust(widths[c]) for c, cell in enumerate(cells)))
    lines.extend(skipped)
    if not any(row["reference_ms"] for row in report["rows"]):
        lines.append("cuBLAS/cuDNN column: PyTorch with CUDA is not importable here, so there is no reference on this adapter")
    return "\n".join(lines)


def main(runs: int, warmup: int, only: list[str] | None, json_file: str | None) -> int:
    report = run_native(runs, warmup, only, torch_reference("cuda", runs, warmup))
    rates(report)
    print(table(report))
    if json_file:
        Path(json_file).write_text(json.dumps(report, indent=2) + "\n")
    return 0
