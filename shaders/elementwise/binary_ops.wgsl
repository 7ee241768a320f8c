// Prelude: the binary ops, one function per op and operand type, named
// `<op>_<type>` (`add_f32`, `add_i32`, `equal_u32`), that
// elementwise/binary.wgsl's `body` slot calls: `return add_f32(a, b);`. The
// runtime (js/src/backends/webgpu/kernels/elementwise.ts) picks `<op>_<In>`
// for the operands' type (f32 for float32, i32 for int32, u32 for bool) and
// the kernel tier (tests/py/kernels/test_elementwise.py) runs every function
// here against converter/reference's numpy op; both list the ops from these
// names. Comparisons and logical ops return u32 0/1 (bool); with float
// operands NaN compares unequal to everything (some adapters' comparisons
// are unordered, so NaN is tested by its bits).
//
// Needs nothing from the importing kernel.

// @import common/ieee.wgsl

fn add_f32(a: f32, b: f32) -> f32 { return a + b; }
fn add_i32(a: i32, b: i32) -> i32 { return a + b; }
fn sub_f32(a: f32, b: f32) -> f32 { return a - b; }
fn sub_i32(a: i32, b: i32) -> i32 { return a - b; }
fn mul_f32(a: f32, b: f32) -> f32 { return a * b; }
fn mul_i32(a: i32, b: i32) -> i32 { return a * b; }
fn div_f32(a: f32, b: f32) -> f32 { return a / b; }
fn divNoNan_f32(a: f32, b: f32) -> f32 { return select(a / b, 0.0, b == 0.0); }
fn floorDiv_f32(a: f32, b: f32) -> f32 { return floor(a / b); }

// numpy: floor division, and 0 for a zero divisor.
fn floorDiv_i32(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let q = a / b;
  return select(q, q - 1, q * b != a && ((a < 0) != (b < 0)));
}

// The remainder takes the divisor's sign (numpy, TF.js). WGSL's % is a - b * trunc(a / b), NaN for an
// infinite divisor on some adapters (lavapipe), so a finite a by an infinite b is written out.
fn mod_f32(a: f32, b: f32) -> f32 {
  if (is_inf(b) && !is_inf(a) && !is_nan(a)) { return select(a, b, a != 0.0 && ((a < 0.0) != (b < 0.0))); }
  let r = a % b;
  return select(r, r + b, r != 0.0 && ((r < 0.0) != (b < 0.0)));
}

fn mod_i32(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}

// IEEE pow: x^0 = 1 and 1^y = 1 (NaN included); negative finite bases need an integral exponent.
fn pow_f32(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return a + b; }
  var m = pow(abs(a), b);
  if (a == 0.0) { m = select(0.0, infinity(a), b < 0.0); }
  if (a >= 0.0) { return m; }
  if (floor(b) != b) { return select(nan_like(a), m, is_inf(a)); }
  return select(m, -m, abs(b) < 16777216.0 && (i32(b) & 1) == 1);
}

// Negative exponents: 1 and -1 keep a magnitude of 1, every other base gives 0 (the integer part).
fn pow_i32(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) == 1); }
    return 0;
  }
  var result = 1;
  var base = a;
  var e = u32(b);
  while (e > 0u) {
    if ((e & 1u) == 1u) { result *= base; }
    base *= base;
    e = e >> 1u;
  }
  return result;
}

fn maximum_f32(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return a + b; } return max(a, b); }
fn maximum_i32(a: i32, b: i32) -> i32 { return max(a, b); }
fn minimum_f32(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return a + b; } return min(a, b); }
fn minimum_i32(a: i32, b: i32) -> i32 { return min(a, b); }
fn squaredDifference_f32(a: f32, b: f32) -> f32 { return (a - b) * (a - b); }
fn squaredDifference_i32(a: i32, b: i32) -> i32 { return (a - b) * (a - b); }
// Some adapters' atan2 (lavapipe's) neither keeps NaN nor gives IEEE's atan2 of two zeros (WGSL leaves
// it undefined): +-0 by +0, +-pi by -0.
fn atan2_f32(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return a + b; }
  if (a == 0.0 && b == 0.0) {
    let pi = select(3.1415927, -3.1415927, (bitcast<u32>(a) & 0x80000000u) != 0u);
    return select(a, pi, (bitcast<u32>(b) & 0x80000000u) != 0u);
  }
  return atan2(a, b);
}
fn prelu_f32(a: f32, b: f32) -> f32 { return select(a, a * b, a < 0.0); }

fn equal_f32(a: f32, b: f32) -> u32 { return u32(!(is_nan(a) || is_nan(b)) && a == b); }
fn equal_i32(a: i32, b: i32) -> u32 { return u32(a == b); }
fn equal_u32(a: u32, b: u32) -> u32 { return u32(a == b); }
fn notEqual_f32(a: f32, b: f32) -> u32 { return u32((is_nan(a) || is_nan(b)) || a != b); }
fn notEqual_i32(a: i32, b: i32) -> u32 { return u32(a != b); }
fn notEqual_u32(a: u32, b: u32) -> u32 { return u32(a != b); }
fn less_f32(a: f32, b: f32) -> u32 { return u32(!(is_nan(a) || is_nan(b)) && a < b); }
fn less_i32(a: i32, b: i32) -> u32 { return u32(a < b); }
fn less_u32(a: u32, b: u32) -> u32 { return u32(a < b); }
fn lessEqual_f32(a: f32, b: f32) -> u32 { return u32(!(is_nan(a) || is_nan(b)) && a <= b); }
fn lessEqual_i32(a: i32, b: i32) -> u32 { return u32(a <= b); }
fn lessEqual_u32(a: u32, b: u32) -> u32 { return u32(a <= b); }
fn greater_f32(a: f32, b: f32) -> u32 { return u32(!(is_nan(a) || is_nan(b)) && a > b); }
fn greater_i32(a: i32, b: i32) -> u32 { return u32(a > b); }
fn greater_u32(a: u32, b: u32) -> u32 { return u32(a > b); }
fn greaterEqual_f32(a: f32, b: f32) -> u32 { return u32(!(is_nan(a) || is_nan(b)) && a >= b); }
fn greaterEqual_i32(a: i32, b: i32) -> u32 { return u32(a >= b); }
fn greaterEqual_u32(a: u32, b: u32) -> u32 { return u32(a >= b); }

fn logicalAnd_u32(a: u32, b: u32) -> u32 { return u32(a != 0u && b != 0u); }
fn logicalOr_u32(a: u32, b: u32) -> u32 { return u32(a != 0u || b != 0u); }
fn logicalXor_u32(a: u32, b: u32) -> u32 { return u32((a != 0u) != (b != 0u)); }

fn bitwiseAnd_i32(a: i32, b: i32) -> i32 { return a & b; }
