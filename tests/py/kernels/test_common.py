"""common/fma_peak.wgsl and common/copy_bandwidth.wgsl: the benchmark kernels do their work (and so are not optimised away)."""

import time

import numpy as np

from tensorweb.kernels import Output


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
