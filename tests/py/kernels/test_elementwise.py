"""elementwise/unary.wgsl and elementwise/binary.wgsl against numpy."""

import math

import numpy as np
import pytest

from tensorweb.kernels import Output, body, broadcast_strides, types

ERF = np.vectorize(math.erf, otypes=[np.float32])

# (body, numpy reference, input sampler name)
UNARY = {
    "neg": ("-v", np.negative, "any"),
    "abs": ("abs(v)", np.abs, "any"),
    "exp": ("exp(v)", np.exp, "any"),
    "log": ("log(v)", np.log, "positive"),
    "sqrt": ("sqrt(v)", np.sqrt, "positive"),
    "rsqrt": ("inverseSqrt(v)", lambda v: 1 / np.sqrt(v), "positive"),
    "tanh": ("tanh(v)", np.tanh, "any"),
    "atan": ("atan(v)", np.arctan, "any"),
    "sigmoid": ("1.0 / (1.0 + exp(-v))", lambda v: 1 / (1 + np.exp(-v)), "any"),
    "erf": ("erf(v)", ERF, "any"),
    "gelu": ("0.5 * v * (1.0 + erf(v * 0.7071067811865476))",
             lambda v: 0.5 * v * (1 + ERF(v / np.sqrt(2))), "any"),
    "relu6": ("clamp(v, 0.0, 6.0)", lambda v: np.clip(v, 0, 6), "any"),
    "leakyRelu": ("select(alpha() * v, v, v >= 0.0)", lambda v: np.where(v >= 0, v, 0.2 * v), "any"),
    "clipByValue": ("clamp(v, alpha(), beta())", lambda v: np.clip(v, 0.2, 0.7), "any"),
    "round": ("round(v)", np.round, "halves"),
}

SAMPLERS = {
    "any": lambda rng, n: rng.uniform(-3, 3, n).astype(np.float32),
    "positive": lambda rng, n: rng.uniform(0.01, 5, n).astype(np.float32),
    "halves": lambda rng, n: (rng.integers(-8, 8, n) / 2).astype(np.float32),
}


def run_unary(runner, x, expression, *, out_dtype=None, slots_types=None, workgroup_size=64,
              alpha=0.0, beta=0.0):
    slots = {"body": body(expression)}
    if slots_types:
        slots["types"] = slots_types
    return runner.run(
        "elementwise/unary.wgsl", slots=slots, constants={"WORKGROUP_SIZE": workgroup_size},
        workgroups=-(-x.size // workgroup_size),
        x=x, y=Output(x.shape, out_dtype or x.dtype), params={"size": x.size},
        scalars={"alpha": alpha, "beta": beta})["y"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_op_bodies(runner, rng, name):
    expression, reference, sampler = UNARY[name]
    x = SAMPLERS[sampler](rng, 1000)
    y = run_unary(runner, x, expression, alpha=0.2, beta=0.7)
    np.testing.assert_allclose(y, reference(x), rtol=1e-4, atol=1e-6)


def test_unary_as_written_is_the_identity(runner, rng):
    x = rng.standard_normal(300).astype(np.float32)
    y = runner.run("elementwise/unary.wgsl", workgroups=5, x=x, y=Output(x.shape),
                   params={"size": x.size}, scalars={"alpha": 0, "beta": 0})["y"]
    np.testing.assert_array_equal(y, x)


def test_unary_past_65535_workgroups(runner):
    # 65,535 * 64 elements fill one dispatch row: the tail runs in the second row.
    size = 65535 * 64 + 777
    x = (np.arange(size) % 1000 - 500).astype(np.float32)
    y = run_unary(runner, x, "v * 2.0 + 1.0")
    np.testing.assert_array_equal(y, x * 2 + 1)


@pytest.mark.parametrize("workgroup_size", [32, 256])
def test_unary_workgroup_size_override(runner, rng, workgroup_size):
    x = rng.standard_normal(1001).astype(np.float32)
    np.testing.assert_allclose(run_unary(runner, x, "v * v", workgroup_size=workgroup_size), x * x,
                               rtol=1e-6)


def test_unary_dtype_changing_bodies(runner):
    x = np.array([0.0, -1.5, np.nan, np.inf, -np.inf, 3.7, -0.0], np.float32)
    is_nan = run_unary(runner, x, "Out((bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u)",
                       out_dtype=np.uint32, slots_types=types(In="f32", Out="u32"))
    np.testing.assert_array_equal(is_nan, np.isnan(x).astype(np.uint32))
    finite = np.array([0.0, -1.5, 3.7, -2.2, 1e6], np.float32)
    cast = run_unary(runner, finite, "Out(v)", out_dtype=np.int32, slots_types=types(In="f32", Out="i32"))
    np.testing.assert_array_equal(cast, finite.astype(np.int32))


def test_unary_f16(runner, rng):
    assert runner.has_f16, "lavapipe and every tier-1 adapter here expose shader-f16"
    x = rng.uniform(-3, 3, 999).astype(np.float16)
    y = run_unary(runner, x, "exp(v) - alpha()", slots_types=types(In="f16", Out="f16"), alpha=1.0)
    np.testing.assert_allclose(y.astype(np.float32), np.exp(x.astype(np.float32)) - 1, rtol=1e-2, atol=1e-3)


BINARY = {
    "add": ("a + b", np.add),
    "sub": ("a - b", np.subtract),
    "mul": ("a * b", np.multiply),
    "div": ("a / b", np.divide),
    "floorMod": ("a - floor(a / b) * b", np.mod),
    "maximum": ("max(a, b)", np.maximum),
    "squaredDifference": ("(a - b) * (a - b)", lambda a, b: (a - b) ** 2),
    "atan2": ("atan2(a, b)", np.arctan2),
    "prelu": ("select(a * b, a, a >= 0.0)", lambda a, b: np.where(a >= 0, a, a * b)),
}


def run_binary(runner, a, b, expression, *, broadcast=True, out_dtype=np.float32, slots_types=None):
    out_shape = np.broadcast_shapes(a.shape, b.shape)
    size = int(np.prod(out_shape))
    slots = {"body": body(expression)}
    if slots_types:
        slots["types"] = slots_types
    return runner.run(
        "elementwise/binary.wgsl", slots=slots, constants={"BROADCAST": broadcast},
        workgroups=-(-size // 64), a=a, b=b, out=Output(out_shape, out_dtype),
        params={"size": size, "rank": len(out_shape), "out_shape": out_shape,
                "a_strides": broadcast_strides(a.shape, out_shape),
                "b_strides": broadcast_strides(b.shape, out_shape)})["out"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_op_bodies(runner, rng, name):
    expression, reference = BINARY[name]
    a = rng.uniform(-3, 3, (7, 1, 5)).astype(np.float32)
    b = rng.uniform(0.5, 3, (4, 1)).astype(np.float32) * rng.choice([-1, 1], (4, 1)).astype(np.float32)
    np.testing.assert_allclose(run_binary(runner, a, b, expression), reference(a, b), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("a_shape, b_shape", [
    ((), ()),
    ((5,), ()),
    ((), (3, 4)),
    ((2, 3, 1, 5, 1, 2), (3, 4, 1, 1, 2)),
    ((1, 2, 1, 3, 1, 2, 1, 2), (2, 1, 2, 1, 2, 1, 2, 1)),
    ((0, 3), (1, 3)),
])
def test_binary_broadcasting_ranks_0_to_8(runner, rng, a_shape, b_shape):
    a = rng.standard_normal(a_shape).astype(np.float32)
    b = rng.standard_normal(b_shape).astype(np.float32)
    np.testing.assert_allclose(run_binary(runner, a, b, "a * b + a"), a * b + a, rtol=1e-5)


def test_binary_same_shape_fast_path_past_65535_workgroups(runner, rng):
    a = rng.standard_normal(65535 * 64 + 130).astype(np.float32)
    b = rng.standard_normal(a.size).astype(np.float32)
    np.testing.assert_array_equal(run_binary(runner, a, b, "a - b", broadcast=False), a - b)


def test_binary_comparison_writes_u32(runner, rng):
    a = rng.integers(-3, 3, (6, 5)).astype(np.float32)
    b = rng.integers(-3, 3, (5,)).astype(np.float32)
    out = run_binary(runner, a, b, "Out(a <= b)", out_dtype=np.uint32, slots_types=types(In="f32", Out="u32"))
    np.testing.assert_array_equal(out, (a <= b).astype(np.uint32))


def test_binary_int32(runner, rng):
    a = rng.integers(-100, 100, (4, 6)).astype(np.int32)
    b = rng.integers(1, 9, (4, 1)).astype(np.int32)
    out = run_binary(runner, a, b, "a * b - a / b", out_dtype=np.int32, slots_types=types(In="i32", Out="i32"))
    np.testing.assert_array_equal(out, a * b - np.trunc(a / b).astype(np.int32))


def test_binary_f16(runner, rng):
    a = rng.uniform(-2, 2, (3, 40)).astype(np.float16)
    b = rng.uniform(-2, 2, (40,)).astype(np.float16)
    out = run_binary(runner, a, b, "a * b + a", out_dtype=np.float16, slots_types=types(In="f16", Out="f16"))
    expected = a.astype(np.float32) * b.astype(np.float32) + a.astype(np.float32)
    np.testing.assert_allclose(out.astype(np.float32), expected, rtol=1e-2, atol=1e-2)


def test_select_broadcasts_condition_and_branches(runner, rng):
    condition = rng.integers(0, 2, (4, 1, 3)).astype(np.uint32)
    a = rng.standard_normal((5, 1)).astype(np.float32)
    b = rng.standard_normal((4, 5, 3)).astype(np.float32)
    out_shape = (4, 5, 3)
    out = runner.run("elementwise/select.wgsl", workgroups=1, condition=condition, a=a, b=b,
                     out=Output(out_shape),
                     params={"size": 60, "rank": 3, "out_shape": out_shape,
                             "condition_strides": broadcast_strides(condition.shape, out_shape),
                             "a_strides": broadcast_strides(a.shape, out_shape),
                             "b_strides": broadcast_strides(b.shape, out_shape)})["out"]
    np.testing.assert_array_equal(out, np.where(condition != 0, a, b))


VEC4_ITEMS = "alias InItem = vec4<In>; alias OutItem = vec4<Out>;"


def per_component(op, operand):
    """unary.wgsl's ``apply`` slot in the runtime's vec4 variant: ``op`` on each component of ``operand``."""
    return f"return OutItem({', '.join(f'{op}({operand}.{c})' for c in 'xyzw')});"


def binary_vec4_apply(splat=()):
    """binary.wgsl's ``apply`` slot in the runtime's vec4 variant: operands in ``splat`` read an element at
    their index (which counts elements) and splat, the others a vec4 (index in vec4s)."""
    reads = [f"let {o}_value = In({o}[{o}_index / 4u][{o}_index % 4u]);" if o in splat else f"let {o}_value = {o}[{o}_index];"
             for o in "ab"]
    values = [f"binary_op({', '.join(f'{o}_value' if o in splat else f'{o}_value.{c}' for o in 'ab')})" for c in "xyzw"]
    return f"{' '.join(reads)} return OutItem({', '.join(values)});"


def test_unary_vec4_items_apply_a_scalar_body_per_component(runner, rng):
    # A body with an early return and scalar comparisons: valid only on scalars, run 4 elements per thread.
    x = rng.uniform(-3, 3, 4 * 999).astype(np.float32)
    x[::7] = np.nan
    y = runner.run("elementwise/unary.wgsl",
                   slots={"body": "if ((bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u) { return 7.0; } "
                                   "return select(alpha() * v, v, v >= 0.0);",
                          "items": VEC4_ITEMS, "apply": per_component("unary_op", "v")},
                   workgroups=-(-999 // 64), x=x, y=Output(x.shape), params={"size": 999},
                   scalars={"alpha": 0.2, "beta": 0.0})["y"]
    np.testing.assert_allclose(y, np.where(np.isnan(x), 7, np.where(x >= 0, x, 0.2 * x)), rtol=1e-6)


def test_binary_vec4_items_for_same_shapes(runner, rng):
    a = rng.standard_normal((5, 12)).astype(np.float32)
    b = rng.standard_normal((5, 12)).astype(np.float32)
    out = runner.run("elementwise/binary.wgsl", slots={"body": body("max(a * b, 0.5)"), "items": VEC4_ITEMS,
                                                       "apply": binary_vec4_apply()},
                     constants={"BROADCAST": False}, workgroups=1, a=a, b=b, out=Output(a.shape),
                     params={"size": a.size // 4, "rank": 0, "out_shape": [], "a_strides": [], "b_strides": []})["out"]
    np.testing.assert_allclose(out, np.maximum(a * b, 0.5), rtol=1e-6)


def test_binary_vec4_items_broadcast_a_scalar_a_row_and_a_column(runner, rng):
    # Shapes and strides in vec4s for operands with out's last dim; in elements for those splat along it.
    def run(a, b, expression, splat, a_strides, b_strides):
        out_shape = np.broadcast_shapes(a.shape, b.shape)
        size = int(np.prod(out_shape)) // 4
        return runner.run("elementwise/binary.wgsl", slots={"body": body(expression), "items": VEC4_ITEMS,
                                                           "apply": binary_vec4_apply(splat)},
                          workgroups=-(-size // 64), a=a, b=b, out=Output(out_shape),
                          params={"size": size, "rank": len(out_shape), "out_shape": [*out_shape[:-1], out_shape[-1] // 4],
                                  "a_strides": a_strides, "b_strides": b_strides})["out"]

    a = rng.standard_normal((3, 1, 8)).astype(np.float32)
    scalar = np.array(0.75, np.float32)
    np.testing.assert_allclose(run(a, scalar, "a - b", "b", [2, 2, 1], [0, 0, 0]), a - scalar, rtol=1e-6)
    row = rng.standard_normal(8).astype(np.float32)
    b = rng.standard_normal((3, 2, 8)).astype(np.float32)
    np.testing.assert_allclose(run(row, b, "a * b", "", [0, 0, 1], [4, 2, 1]), row * b, rtol=1e-6)
    # A column of 6 means (not a whole number of vec4s) against rows of 12.
    x = rng.standard_normal((3, 2, 12)).astype(np.float32)
    means = rng.standard_normal((3, 2, 1)).astype(np.float32)
    np.testing.assert_allclose(run(x, means, "a - b", "b", [6, 3, 1], [2, 1, 0]), x - means, rtol=1e-6)
    np.testing.assert_allclose(run(means, x, "a / b", "a", [2, 1, 0], [6, 3, 1]), means / x, rtol=1e-6)
