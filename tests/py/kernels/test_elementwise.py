"""elementwise/unary.wgsl and elementwise/binary.wgsl against numpy."""

import numpy as np
import pytest

from tensorweb.converter import reference
from tensorweb.kernels import Output, body, broadcast_strides, op_functions, read_shader, repeat_templates, types

UNARY_OPS = op_functions("elementwise/unary_ops.wgsl")
BINARY_OPS = op_functions("elementwise/binary_ops.wgsl")
SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], np.float32)
WGSL_TYPES = {np.dtype(np.float32): "f32", np.dtype(np.int32): "i32", np.dtype(bool): "u32"}

# Float inputs of each op where float32 meets the float64 oracle at rtol 1e-4: its domain, and away
# from the poles of tan. Others take (-3, 3).
UNARY_DOMAINS = {
    "log": (0.05, 5), "log1p": (-0.9, 5), "sqrt": (0, 5), "rsqrt": (0.1, 5), "reciprocal": (0.2, 5),
    "tan": (-1.2, 1.2), "asin": (-0.95, 0.95), "acos": (-0.95, 0.95), "acosh": (1.05, 5), "atanh": (-0.95, 0.95),
}
# WGSL lets asin and acos be as loose as atan2 (4096 ULP); lavapipe's are 1.3e-4 off.
UNARY_RTOL = {"asin": 5e-4, "acos": 5e-4}
# The attributes the runtime passes as alpha() and beta(), by the op's attribute names.
ALPHA, BETA = 0.2, 0.7
ATTRS = {"alpha": ALPHA, "beta": BETA, "clipValueMin": ALPHA, "clipValueMax": BETA, "approximate": False}
# The op functions that are another op's variant: gelu with `approximate`, cast to bool.
VARIANTS = {"geluTanh": ("gelu", {"approximate": True}), "castToBool": ("cast", {"dtype": "bool"})}


def unary_inputs(rng, name, wgsl_type):
    if wgsl_type == "i32":
        return rng.integers(-8, 9, 200).astype(np.int32)
    if wgsl_type == "u32":
        return rng.integers(0, 2, 200).astype(bool)
    low, high = UNARY_DOMAINS.get(name, (-3, 3))
    x = rng.uniform(low, high, 200).astype(np.float32)
    if name == "round":
        x[:16] = np.arange(-8, 8) / 2  # halves round to even
    return np.concatenate([x, SPECIALS])


def oracle(name, inputs, attrs):
    """converter/reference's op; special values make numpy warn, as they should."""
    with np.errstate(all="ignore"):
        return reference.ORACLE[name](inputs, attrs)[0]


def as_buffer(x):
    """A bool array as the u32 0/1 that bool tensors are on the GPU."""
    return x.astype(np.uint32) if x.dtype == bool else x


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


@pytest.mark.parametrize(("name", "wgsl_type"), [(op, t) for op, ts in sorted(UNARY_OPS.items()) for t in sorted(ts)])
def test_unary_op_functions_against_the_oracle(runner, rng, name, wgsl_type):
    """Each function of elementwise/unary_ops.wgsl, called as the runtime calls it, against converter/reference."""
    oracle_name, attrs = VARIANTS.get(name, (name, {}))
    assert oracle_name in reference.ORACLE, f"unary_ops.wgsl's {name}_{wgsl_type} names no op of converter/reference"
    x = unary_inputs(rng, name, wgsl_type)
    expected = oracle(oracle_name, [x], {**ATTRS, **attrs})
    out_type = WGSL_TYPES[expected.dtype]
    y = run_unary(runner, as_buffer(x), f"{name}_{wgsl_type}(v)", out_dtype=as_buffer(expected).dtype,
                  slots_types=types(In=wgsl_type, Out=out_type), alpha=ALPHA, beta=BETA)
    np.testing.assert_allclose(y, as_buffer(expected), rtol=UNARY_RTOL.get(name, 1e-4), atol=1e-6)


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
    cast = run_unary(runner, finite, "convert(v)", out_dtype=np.int32, slots_types=types(In="f32", Out="i32"))
    np.testing.assert_array_equal(cast, finite.astype(np.int32))


# cast's numeric conversions, unary.wgsl's convert(v) as the runtime calls it (to bool: castToBool above).
CASTS = [("f32", "i32", np.array([0.0, -1.5, 3.7, -2.9, 1e6, -0.0, 2147483520.0], np.float32)),
         ("i32", "f32", np.array([0, -1, 7, 16777217, -2147483648, 2147483647], np.int32)),
         ("u32", "f32", np.array([True, False, True])), ("u32", "i32", np.array([False, True, True]))]


@pytest.mark.parametrize(("in_type", "out_type", "x"), CASTS, ids=[f"{a}->{b}" for a, b, _ in CASTS])
def test_cast_convert_against_the_oracle(runner, in_type, out_type, x):
    dtype = {"f32": "float32", "i32": "int32"}[out_type]
    expected = oracle("cast", [x], {"dtype": dtype})
    y = run_unary(runner, as_buffer(x), "convert(v)", out_dtype=expected.dtype,
                  slots_types=types(In=in_type, Out=out_type))
    np.testing.assert_array_equal(y, expected)


def test_unary_f16(runner, rng):
    assert runner.has_f16, "lavapipe and every tier-1 adapter here expose shader-f16"
    x = rng.uniform(-3, 3, 999).astype(np.float16)
    y = run_unary(runner, x, "exp(v) - In(alpha())", slots_types=types(In="f16", Out="f16"), alpha=1.0)
    np.testing.assert_allclose(y.astype(np.float32), np.exp(x.astype(np.float32)) - 1, rtol=1e-2, atol=1e-3)


def run_binary(runner, a, b, expression, *, broadcast=True, out_dtype=np.float32, slots_types=None, op=0):
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
                "b_strides": broadcast_strides(b.shape, out_shape), "op": op, "a_splat": 0, "b_splat": 0})["out"]


def binary_inputs(rng, name, wgsl_type):
    """Operands broadcasting (7, 1, 5) against (4, 1); float ones with their special values paired."""
    if wgsl_type == "u32":
        return rng.integers(0, 2, (7, 1, 5)).astype(bool), rng.integers(0, 2, (4, 1)).astype(bool)
    if wgsl_type == "i32":
        if name == "pow":
            return rng.integers(-3, 4, (7, 1, 5)).astype(np.int32), rng.integers(0, 4, (4, 1)).astype(np.int32)
        b = rng.integers(1, 6, (4, 1)) * rng.choice([-1, 1], (4, 1))
        return rng.integers(-20, 21, (7, 1, 5)).astype(np.int32), b.astype(np.int32)
    a = rng.uniform(-3, 3, (7, 1, 5)).astype(np.float32)
    # Divisors away from 0, of either sign.
    b = (rng.uniform(0.5, 3, (4, 1)) * rng.choice([-1, 1], (4, 1))).astype(np.float32)
    if name == "pow":
        a = np.abs(a) + np.float32(0.1)
    if name in ("equal", "notEqual", "lessEqual", "greaterEqual"):
        a[0, 0, :4] = b[:4, 0]  # some equal pairs
    return a, b


@pytest.mark.parametrize(("name", "wgsl_type"), [(op, t) for op, ts in sorted(BINARY_OPS.items()) for t in sorted(ts)])
def test_binary_op_functions_against_the_oracle(runner, rng, name, wgsl_type):
    """Each function of elementwise/binary_ops.wgsl, called as the runtime calls it, against converter/reference."""
    assert name in reference.ORACLE, f"binary_ops.wgsl's {name}_{wgsl_type} names no op of converter/reference"
    a, b = binary_inputs(rng, name, wgsl_type)
    expected = oracle(name, [a, b], {})
    out_type = WGSL_TYPES[expected.dtype]
    out = run_binary(runner, as_buffer(a), as_buffer(b), f"{name}_{wgsl_type}(a, b)", out_dtype=as_buffer(expected).dtype,
                     slots_types=types(In=wgsl_type, Out=out_type))
    np.testing.assert_allclose(out, as_buffer(expected), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(op for op, ts in BINARY_OPS.items() if "f32" in ts))
def test_binary_op_functions_on_special_values(runner, name):
    """NaN, infinities and zeros in every pairing, against converter/reference."""
    a, b = (v.astype(np.float32) for v in np.meshgrid(SPECIALS, [*SPECIALS, 1.0, -2.0, 0.5], indexing="ij"))
    expected = oracle(name, [a, b], {})
    out = run_binary(runner, a, b, f"{name}_f32(a, b)", out_dtype=as_buffer(expected).dtype,
                     slots_types=types(In="f32", Out=WGSL_TYPES[expected.dtype]))
    np.testing.assert_allclose(out, as_buffer(expected), rtol=1e-4, atol=1e-5)


# binary.wgsl's `arithmetic` body: the op by params.op, as the runtime runs add, sub, mul (floats and integers) and
# div (floats) on CPU adapters, one pipeline for all.
ARITHMETIC = [("add", 0, "f32"), ("sub", 1, "f32"), ("mul", 2, "f32"), ("div", 3, "f32"),
              ("add", 0, "i32"), ("sub", 1, "i32"), ("mul", 2, "i32")]


@pytest.mark.parametrize(("name", "index", "wgsl_type"), ARITHMETIC)
def test_binary_arithmetic_by_params_op(runner, rng, name, index, wgsl_type):
    if wgsl_type == "f32":
        # NaN, infinities and zeros in every pairing, then ordinary values.
        a, b = (v.astype(np.float32) for v in np.meshgrid(SPECIALS, [*SPECIALS, 1.0, -2.0, 0.5], indexing="ij"))
    else:
        a, b = binary_inputs(rng, name, wgsl_type)
        a[0, 0, 0] = np.int32(2**31 - 1)  # wraps, as the op's own function does
    expected = oracle(name, [a, b], {})
    out = run_binary(runner, as_buffer(a), as_buffer(b), "arithmetic(a, b)", out_dtype=as_buffer(expected).dtype,
                     slots_types=types(In=wgsl_type, Out=wgsl_type), op=index)
    own = run_binary(runner, as_buffer(a), as_buffer(b), f"{name}_{wgsl_type}(a, b)", out_dtype=as_buffer(expected).dtype,
                     slots_types=types(In=wgsl_type, Out=wgsl_type))
    np.testing.assert_array_equal(out, own)
    np.testing.assert_allclose(out, as_buffer(expected), rtol=1e-6, atol=0)


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


def vec4_slot(shader, slot, *parts):
    """A vec4 variant's slot (``items``, ``apply``) written out from the shader's ``// @repeat`` templates, as the
    runtime's elementwise kernels write it."""
    return repeat_templates(read_shader(shader), slot, [(part, {}) for part in parts])


def binary_vec4_slots(splat="", either=False):
    """binary.wgsl's vec4 ``items`` and ``apply``: operands in ``splat`` read an element at their index (which
    counts elements) and splat, the others a vec4 (index in vec4s); with ``either``, both read by the templates
    that splat or not as params.a_splat and b_splat say (the runtime's on CPU adapters)."""
    reads = [f"{o}_either" if either else f"{o}_splat" if o in splat else o for o in "ab"]
    return {"items": vec4_slot("elementwise/binary.wgsl", "items", "vec4"),
            "apply": vec4_slot("elementwise/binary.wgsl", "apply", *reads, "result")}


def test_unary_vec4_items_apply_a_scalar_body_per_component(runner, rng):
    # A body with an early return and scalar comparisons: valid only on scalars, run 4 elements per thread.
    x = rng.uniform(-3, 3, 4 * 999).astype(np.float32)
    x[::7] = np.nan
    y = runner.run("elementwise/unary.wgsl",
                   slots={"body": "if ((bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u) { return 7.0; } "
                                   "return select(alpha() * v, v, v >= 0.0);",
                          "items": vec4_slot("elementwise/unary.wgsl", "items", "vec4"),
                          "apply": vec4_slot("elementwise/unary.wgsl", "apply", "vec4")},
                   workgroups=-(-999 // 64), x=x, y=Output(x.shape), params={"size": 999},
                   scalars={"alpha": 0.2, "beta": 0.0})["y"]
    np.testing.assert_allclose(y, np.where(np.isnan(x), 7, np.where(x >= 0, x, 0.2 * x)), rtol=1e-6)


def test_binary_vec4_items_for_same_shapes(runner, rng):
    a = rng.standard_normal((5, 12)).astype(np.float32)
    b = rng.standard_normal((5, 12)).astype(np.float32)
    out = runner.run("elementwise/binary.wgsl", slots={"body": body("max(a * b, 0.5)"), **binary_vec4_slots()},
                     constants={"BROADCAST": False}, workgroups=1, a=a, b=b, out=Output(a.shape),
                     params={"size": a.size // 4, "rank": 0, "out_shape": [], "a_strides": [], "b_strides": [], "op": 0,
                             "a_splat": 0, "b_splat": 0})["out"]
    np.testing.assert_allclose(out, np.maximum(a * b, 0.5), rtol=1e-6)


@pytest.mark.parametrize("either", [False, True], ids=["reads by slot", "reads by params"])
def test_binary_vec4_items_broadcast_a_scalar_a_row_and_a_column(runner, rng, either):
    # Shapes and strides in vec4s for operands with out's last dim; in elements for those splat along it.
    def run(a, b, expression, splat, a_strides, b_strides):
        out_shape = np.broadcast_shapes(a.shape, b.shape)
        size = int(np.prod(out_shape)) // 4
        return runner.run("elementwise/binary.wgsl", slots={"body": body(expression), **binary_vec4_slots(splat, either)},
                          workgroups=-(-size // 64), a=a, b=b, out=Output(out_shape),
                          params={"size": size, "rank": len(out_shape), "out_shape": [*out_shape[:-1], out_shape[-1] // 4],
                                  "a_strides": a_strides, "b_strides": b_strides, "op": 0,
                                  "a_splat": int("a" in splat), "b_splat": int("b" in splat)})["out"]

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


GENERATE_OPS = op_functions("elementwise/generate_ops.wgsl")
BITS = {np.dtype(np.float32): np.uint32, np.dtype(np.int32): np.uint32, np.dtype(bool): np.uint32}


def value_bits(value, dtype):
    """A value as the u32 bits the runtime puts in params (js/src/backends/webgpu/kernels/common.ts's valueBits)."""
    return int(np.array(value, dtype).astype(np.uint32) if dtype == bool else np.array(value, dtype).view(np.uint32))


def run_generate(runner, function, wgsl_type, shape, out_dtype, x=None, **params):
    """generate.wgsl calling `<function>(i)`, as elementwise.ts's generate dispatches it."""
    size = int(np.prod(shape))
    items = -(-size // 4) if wgsl_type == "vec4<u32>" else size
    out_dtype = np.uint32 if out_dtype == np.dtype(bool) else out_dtype
    out = runner.run("elementwise/generate.wgsl", slots={"types": types(Out=wgsl_type), "body": body(f"{function}(i)")},
                     workgroups=-(-items // 64), x=np.zeros(4, np.int32) if x is None else x,
                     out=Output((items * 4,) if wgsl_type == "vec4<u32>" else shape, out_dtype),
                     params={"size": items, "u0": 0, "u1": 0, "bits0": 0, "bits1": 0, "f0": 0.0, "f1": 0.0} | params)["out"]
    return out.reshape(-1)[:size].reshape(shape)


# The creation op functions, each called with the params elementwise.ts gives it, against converter/reference.
GENERATE_CASES = {
    "fill": [({"shape": [3, 5], "value": v, "dtype": d}, t) for v, d, t in
             [(2.5, "float32", "f32"), (-0.0, "float32", "f32"), (np.inf, "float32", "f32"), (-7, "int32", "i32"),
              (1, "bool", "u32")]],
    "fill4": [({"shape": [9], "value": 2.5, "dtype": "float32"}, "u32"), ({"shape": [2, 3], "value": -3, "dtype": "int32"}, "u32")],
    "range": [({"start": 1.5, "stop": -3.0, "step": 1, "dtype": "float32"}, "f32"),
              ({"start": 0.5, "stop": 4.0, "step": 0.75, "dtype": "float32"}, "f32"),
              ({"start": 2, "stop": 11, "step": 3, "dtype": "int32"}, "i32"),
              ({"start": 5, "stop": -4, "step": -2, "dtype": "int32"}, "i32")],
    "linspace": [({"start": -1.0, "stop": 2.0, "num": 7}, "f32"), ({"start": 3.0, "stop": 9.0, "num": 1}, "f32")],
    "eye": [({"numRows": 3, "numColumns": 4, "batchShape": [2], "dtype": d}, t)
            for d, t in [("float32", "f32"), ("int32", "i32"), ("bool", "u32")]],
    "oneHot": [({"depth": 4, "onValue": on, "offValue": off, "dtype": d}, t)
               for on, off, d, t in [(3.0, -1.0, "float32", "f32"), (5, -2, "int32", "i32"), (1, 0, "bool", "u32")]],
}
ONE_HOT_INDICES = np.array([[0, 2, -1], [5, 1, 3]], np.int32)


@pytest.mark.parametrize(("op", "index"), [(op, i) for op, cases in GENERATE_CASES.items() for i in range(len(cases))])
def test_generate_op_functions_against_the_oracle(runner, op, index):
    attrs, wgsl_type = GENERATE_CASES[op][index]
    inputs = [ONE_HOT_INDICES] if op == "oneHot" else []
    expected = oracle("fill" if op == "fill4" else op, inputs, attrs)
    function = "range" if op == "linspace" else op  # linspace is a range with step (stop - start) / (num - 1)
    assert function in GENERATE_OPS, f"generate_ops.wgsl has no {function}_<type>"
    if op in ("fill", "fill4"):
        params = {"bits0": value_bits(attrs["value"], expected.dtype)}
    elif op == "range":
        params = {"f0": attrs["start"], "f1": -1 if attrs["stop"] < attrs["start"] and attrs["step"] == 1 else attrs["step"]}
    elif op == "linspace":
        params = {"f0": attrs["start"], "f1": 0 if attrs["num"] == 1 else (attrs["stop"] - attrs["start"]) / (attrs["num"] - 1)}
    elif op == "eye":
        params = {"u0": attrs["numRows"], "u1": attrs["numColumns"]}
    else:
        params = {"u0": attrs["depth"], "bits0": value_bits(attrs["onValue"], expected.dtype),
                  "bits1": value_bits(attrs["offValue"], expected.dtype)}
    out = run_generate(runner, f"{function}_{wgsl_type}", "vec4<u32>" if op == "fill4" else wgsl_type, expected.shape,
                       np.uint32 if op == "fill4" else expected.dtype, x=inputs[0] if inputs else None, **params)
    if op == "fill4":
        out = out.view(expected.dtype)
    if expected.dtype == np.float32:
        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(np.signbit(out), np.signbit(expected))
    else:
        np.testing.assert_array_equal(out, as_buffer(expected))


def test_generate_gather_rows_gather_with_batch_dims(runner, rng):
    """gatherRows_i32: with its rows of x as [batch * outer * n, inner], gather with batchDims 1 is converter/reference's
    gather; an index out of range gives row -1 (gather.wgsl then writes 0)."""
    x = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)  # batch 2, outer 3, n 5 along axis 2, inner 4
    indices = np.array([[0, 4, 2, 7, 1, -1], [3, 3, 0, 1, 4, 2]], np.int32)
    rows = run_generate(runner, "gatherRows_i32", "i32", (2, 3, 6), np.int32, x=indices, u0=3, u1=6, bits0=5)
    inside = (indices >= 0) & (indices < 5)
    np.testing.assert_array_equal(rows[~np.broadcast_to(inside[:, None, :], rows.shape)], -1)
    safe = np.where(inside, indices, 0)
    expected = oracle("gather", [x, safe], {"axis": 2, "batchDims": 1})
    got = x.reshape(-1, 4)[np.where(rows >= 0, rows, 0)]
    mask = np.broadcast_to(inside[:, None, :, None], expected.shape)
    np.testing.assert_array_equal(got[mask], expected[mask])


def test_every_generate_op_function_is_tested():
    tested = {("range" if op == "linspace" else op) for op in GENERATE_CASES} | {"gatherRows"}
    assert set(GENERATE_OPS) == tested
