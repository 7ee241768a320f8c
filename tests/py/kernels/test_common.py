"""common/fma_peak.wgsl and common/copy_bandwidth.wgsl: the benchmark kernels do their work (and so are not optimised
away); common/dequantize.wgsl against the converter's own dequantisation."""

import time

import numpy as np
import pytest

from tensorweb.converter.quantize import dequantize

from tensorweb.kernels import Output

from matmul_launch import pack_weight
from test_matmul import quantised


def fma_peak_reference(threads, iterations, multiplier, addend):
    start = (np.arange(threads) % 1024) * 1e-3
    lanes = start[:, None] + np.arange(32)[None, :]  # chain k, lane l starts at start + 4k + l
    # acc_n = m^n acc_0 + c (1 - m^n) / (1 - m)
    power = multiplier ** iterations
    return (power * lanes + addend * (1 - power) / (1 - multiplier)).sum(axis=1)


def test_fma_peak_recurrence(runner):
    threads, iterations, m, c = 1000, 300, 0.995, 0.25
    out = runner.run("common/fma_peak.wgsl", workgroups=-(-threads // 256), out=Output((threads,)),
                     params={"threads": threads, "iterations": iterations, "multiplier": m, "addend": c})["out"]
    np.testing.assert_allclose(out, fma_peak_reference(threads, iterations, m, c), rtol=1e-4)


def test_fma_peak_time_grows_with_iterations(runner):
    # The loop is really executed: 40x the iterations must take clearly longer.
    def timed(iterations):
        def once():
            start = time.perf_counter()
            runner.run("common/fma_peak.wgsl", workgroups=64, out=Output((16384,)),
                       params={"threads": 16384, "iterations": iterations, "multiplier": 0.99, "addend": 0.1})
            return time.perf_counter() - start
        return min(once() for _ in range(3))  # the least disturbed of three, on a shared machine
    assert timed(2000) > 3 * timed(50)


def test_copy_bandwidth_copies_every_vec4(runner, rng):
    # 1,001 vec4s by 100 threads of 11 items: the last thread's items run past the end.
    source = rng.standard_normal((1001, 4)).astype(np.float32)
    out = runner.run("common/copy_bandwidth.wgsl", constants={"WORKGROUP_SIZE": 64, "ITEMS": 11}, workgroups=2,
                     source=source, destination=Output((1001, 4)), params={"vec4s": 1001, "threads": 100})["destination"]
    np.testing.assert_array_equal(out, source)


# Odd element counts (a last word half or three quarters full), one scale per tensor or per index along each axis.
@pytest.mark.parametrize("storage, axis", [("float16", None), ("uint8", None), ("uint8", 0), ("uint8", 1), ("uint8", 2)])
def test_dequantize_matches_the_converter(runner, rng, storage, axis):
    values = rng.standard_normal((3, 5, 7)).astype(np.float32)
    codes, quantization = quantised(values, storage, axis)
    words, _, params = pack_weight(codes, quantization)
    channels = 1 if axis is None else values.shape[axis]
    inner = 1 if axis is None else int(np.prod(values.shape[axis + 1:]))
    out = runner.run("common/dequantize.wgsl", workgroups=-(-values.size // 64), constants={"FLOAT16": storage == "float16"},
                     packed=words, out=Output((values.size,)),
                     params={"size": values.size, "channels": channels, "inner": inner,
                             "affine_offset": params.get("b_affine_offset", 0)})["out"]
    # float32's code * scale + min against the converter's float64 one: a few ulps of the weight's magnitude.
    np.testing.assert_allclose(out.reshape(values.shape), dequantize(codes, quantization), rtol=1e-6,
                               atol=1e-6 * np.abs(values).max())
