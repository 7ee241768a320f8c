"""reduce/*.wgsl against numpy."""

import numpy as np
import pytest

from tensorweb.kernels import Output, body, types


def bits(value, dtype=np.float32):
    return int(np.array(value, dtype).view(np.uint32))


# name: (combine body, identity, numpy reduction, scaled)
REDUCTIONS = {
    "sum": ("add_f32(a, b)", 0.0, np.sum, False),
    "mean": ("add_f32(a, b)", 0.0, np.mean, True),
    "prod": ("mul_f32(a, b)", 1.0, np.prod, False),
    "max": ("maximum_f32(a, b)", -np.inf, np.max, False),
    "min": ("minimum_f32(a, b)", np.inf, np.min, False),
}


# A workgroup per output, and a thread per output (for many outputs of short axes).
REDUCE_SHADERS = ["reduce/reduce.wgsl", "reduce/reduce_per_thread.wgsl"]


def run_reduce(runner, x3, combine, identity_bits, *, scaled=False, elem="f32", workgroup_size=64,
               shader="reduce/reduce.wgsl"):
    outer, size, inner = x3.shape
    outputs = outer * inner
    return runner.run(
        shader, slots={"types": types(Elem=elem), "body": body(combine)},
        constants={"WORKGROUP_SIZE": workgroup_size, "SCALED": scaled},
        workgroups=-(-outputs // workgroup_size) if shader.endswith("per_thread.wgsl") else outputs,
        x=x3, out=Output((outer, inner), x3.dtype),
        params={"outer": outer, "reduce_size": size, "inner": inner, "identity_bits": identity_bits,
                "scale": 1.0 / max(size, 1)})["out"]


SHAPES = [(3, 1000, 1), (4, 37, 5), (1, 1, 7), (2, 0, 3)]


# The mean of an empty axis is NaN, which the runtime produces without this kernel.
@pytest.mark.parametrize("shader", REDUCE_SHADERS)
@pytest.mark.parametrize("name, shape", [(name, shape) for name in REDUCTIONS for shape in SHAPES
                                         if not (name == "mean" and shape[1] == 0)])
def test_reduce_axis(runner, rng, name, shape, shader):
    combine, identity, reduction, scaled = REDUCTIONS[name]
    x = rng.uniform(0.9, 1.1, shape).astype(np.float32) if name == "prod" else \
        rng.standard_normal(shape).astype(np.float32)
    out = run_reduce(runner, x, combine, bits(identity), scaled=scaled, shader=shader)
    expected = reduction(x.astype(np.float64), axis=1) if shape[1] else np.full((shape[0], shape[2]), identity)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5 * np.sqrt(shape[1] or 1))


@pytest.mark.parametrize("workgroup_size", [1, 256])
def test_reduce_workgroup_sizes(runner, rng, workgroup_size):
    x = rng.standard_normal((5, 300, 2)).astype(np.float32)
    out = run_reduce(runner, x, "maximum_f32(a, b)", bits(-np.inf), workgroup_size=workgroup_size)
    np.testing.assert_array_equal(out, x.max(axis=1))


@pytest.mark.parametrize("shader", REDUCE_SHADERS)
def test_reduce_int32_all_and_sum(runner, rng, shader):
    flags = rng.integers(0, 2, (6, 4, 3)).astype(np.int32)
    flags[0] = 1
    out = run_reduce(runner, flags, "a & b", bits(1, np.int32), elem="i32", shader=shader)
    np.testing.assert_array_equal(out, flags.all(axis=1).astype(np.int32))
    big = rng.integers(-2**20, 2**20, (2, 500, 1)).astype(np.int32)
    np.testing.assert_array_equal(run_reduce(runner, big, "add_i32(a, b)", 0, elem="i32", shader=shader), big.sum(axis=1))


@pytest.mark.parametrize("shader", REDUCE_SHADERS)
def test_reduce_past_65535_workgroups(runner, rng, shader):
    x = rng.standard_normal((65536 + 9, 3, 1)).astype(np.float32)
    out = run_reduce(runner, x, "add_f32(a, b)", 0, workgroup_size=1, shader=shader)
    np.testing.assert_allclose(out, x.sum(axis=1), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("arg", ["max", "min"])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.uint32])
@pytest.mark.parametrize("shape", [(3, 200, 1), (2, 9, 4), (1, 1, 1)])
def test_arg_reduce(runner, rng, arg, dtype, shape):
    # Few distinct values: many ties, which must resolve to the first index.
    x = rng.integers(0 if dtype == np.uint32 else -3, 4, shape).astype(dtype)
    outer, size, inner = shape
    wgsl_type = {np.float32: "f32", np.int32: "i32", np.uint32: "u32"}[dtype]
    out = runner.run(
        "reduce/arg_reduce.wgsl", slots={"types": types(Elem=wgsl_type), "body": body(f"arg{arg.title()}_{wgsl_type}(candidate, best)")},
        workgroups=outer * inner, x=x, out=Output((outer, inner), np.int32),
        params={"outer": outer, "reduce_size": size, "inner": inner})["out"]
    expected = (np.argmax if arg == "max" else np.argmin)(x, axis=1)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumsum(runner, rng, exclusive, reverse):
    x = rng.standard_normal((3, 50, 4)).astype(np.float32)
    out = runner.run(
        "reduce/cumulative.wgsl", constants={"EXCLUSIVE": exclusive, "REVERSE": reverse},
        workgroups=1, x=x, out=Output(x.shape),
        params={"outer": 3, "size": 50, "inner": 4, "identity_bits": 0})["out"]
    y = x[:, ::-1] if reverse else x
    expected = np.cumsum(y.astype(np.float64), axis=1)
    if exclusive:
        expected = np.concatenate([np.zeros_like(expected[:, :1]), expected[:, :-1]], axis=1)
    expected = expected[:, ::-1] if reverse else expected
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_cumprod(runner, rng):
    x = rng.uniform(0.8, 1.2, (2, 30, 1)).astype(np.float32)
    out = runner.run("reduce/cumulative.wgsl", slots={"body": body("mul_f32(a, b)")}, workgroups=1, x=x,
                     out=Output(x.shape), params={"outer": 2, "size": 30, "inner": 1,
                                                  "identity_bits": bits(1.0)})["out"]
    np.testing.assert_allclose(out, np.cumprod(x, axis=1), rtol=1e-5)


def bitonic_sort(runner, x):
    """Sorts each row of x largest first (ties: smaller column first) by bitonic stages."""
    rows, n = x.shape
    n_pow2 = 1 << max(n - 1, 0).bit_length()
    state = {"values": Output((rows, n_pow2)), "indices": Output((rows, n_pow2), np.int32)}
    first = True
    block = 2
    while block <= n_pow2:
        distance = block // 2
        while distance >= 1:
            state = runner.run("reduce/bitonic_sort_step.wgsl", constants={"FIRST": first},
                               workgroups=-(-rows * n_pow2 // 2 // 64), x=x, **state,
                               params={"rows": rows, "n": n, "n_pow2": n_pow2, "block": block, "distance": distance})
            first = False
            distance //= 2
        block *= 2
    return state["values"][:, :n], state["indices"][:, :n]


@pytest.mark.parametrize("shape", [(3, 37), (2, 64), (1, 2), (5, 1000)])
def test_bitonic_sort_orders_rows_for_topk(runner, rng, shape):
    x = rng.integers(-20, 20, shape).astype(np.float32)  # many ties
    values, indices = bitonic_sort(runner, x)
    order = np.argsort(-x, axis=1, kind="stable")  # TF's topk: larger first, ties by smaller index
    np.testing.assert_array_equal(indices, order)
    np.testing.assert_array_equal(values, np.take_along_axis(x, order, axis=1))


def test_nan_aware_bodies_for_max_and_arg_max(runner):
    x = np.array([[1, np.nan, 5, np.nan], [2, 7, -np.inf, 7], [np.nan, 3, 3, 1]], np.float32)[:, :, None]
    for shader in REDUCE_SHADERS:
        out = run_reduce(runner, x, "maximum_f32(a, b)", bits(-np.inf), shader=shader)
        np.testing.assert_array_equal(out[:, 0], np.max(x[:, :, 0], axis=1))
    arg = runner.run("reduce/arg_reduce.wgsl", slots={"body": body("argMax_f32(candidate, best)")},
                     workgroups=3, x=x, out=Output((3, 1), np.int32),
                     params={"outer": 3, "reduce_size": 4, "inner": 1})["out"]
    np.testing.assert_array_equal(arg[:, 0], np.argmax(x[:, :, 0], axis=1))  # numpy: the first NaN wins
    arg = runner.run("reduce/arg_reduce.wgsl", slots={"body": body("argMin_f32(candidate, best)")},
                     workgroups=3, x=x, out=Output((3, 1), np.int32),
                     params={"outer": 3, "reduce_size": 4, "inner": 1})["out"]
    np.testing.assert_array_equal(arg[:, 0], np.argmin(x[:, :, 0], axis=1))


def test_bitonic_sort_puts_nan_first(runner):
    x = np.array([[3, np.nan, np.inf, -1, np.nan, 3, -np.inf]], np.float32)
    values, indices = bitonic_sort(runner, x)
    np.testing.assert_array_equal(indices[0], [1, 4, 2, 0, 5, 3, 6])
    np.testing.assert_array_equal(values[0], x[0, [1, 4, 2, 0, 5, 3, 6]])
