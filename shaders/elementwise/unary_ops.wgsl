// Prelude: the unary ops, one function per op and input type, named
// `<op>_<type>` (`relu_f32`, `relu_i32`), that elementwise/unary.wgsl's
// `body` slot calls: `return relu_f32(v);`. The runtime
// (js/src/backends/webgpu/kernels/elementwise.ts) picks `<op>_<In>` for the
// input's type (f32 for float32, i32 for int32, u32 for bool) and the kernel
// tier (tests/py/kernels/test_elementwise.py) runs every function here
// against converter/reference's numpy op; both list the ops from these names.
// `geluTanh` is gelu with its `approximate` attribute, `castToBool` cast with
// dtype bool.
//
// Float ops pass NaN through first (WGSL builtins need not keep it) and
// handle IEEE special values themselves where builtins differ; predicates
// return u32 0/1 (bool).
//
// Needs from the importing kernel: alpha() -> f32 and beta() -> f32, the op's
//   attributes (leakyRelu's slope, clipByValue's bounds, step's value at 0
//   and below, hardSigmoid's slope and offset).

// @import common/ieee.wgsl

const SELU_SCALE = 1.0507009873554805;
const SELU_SCALE_ALPHA = 1.7580993408473766;

// erf (WGSL has none): Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7.
fn erf(v: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * abs(v));
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(v) * (1.0 - poly * exp(-v * v));
}

fn sigmoid(v: f32) -> f32 {
  return select(exp(v) / (1.0 + exp(v)), 1.0 / (1.0 + exp(-v)), v >= 0.0);
}

// sin, cos and tan with our own range reduction and polynomials: some
// adapters' builtins (SwiftShader's) are off by 1e-4. r = v - k*pi/2
// (Cody-Waite, two parts); `quadrant` is k + shift (cos: shift 1).
struct Reduced {
  s: f32,
  c: f32,
  quadrant: i32,
}

fn reduce_quarter_turns(v: f32, shift: i32) -> Reduced {
  let k = round(v * 0.6366197723675814);
  let r = (v - k * 1.5707963705062866) - k * -4.371139000186243e-8;
  let r2 = r * r;
  let s = r + r * r2 * (-0.16666667 + r2 * (0.008333331 + r2 * (-0.00019840874 + r2 * 2.7525562e-6)));
  let c = 1.0 - 0.5 * r2 + r2 * r2 * (0.041666638 + r2 * (-0.0013888378 + r2 * 2.4760495e-5));
  return Reduced(s, c, (i32(k) + shift) & 3);
}

fn sin_or_cos(v: f32, shift: i32) -> f32 {
  if (is_inf(v)) { return nan_like(v); }
  let t = reduce_quarter_turns(v, shift);
  return select(select(select(-t.c, -t.s, t.quadrant == 2), t.c, t.quadrant == 1), t.s, t.quadrant == 0);
}

fn neg_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return -v; }
fn neg_i32(v: i32) -> i32 { return -v; }
fn abs_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return abs(v); }
fn abs_i32(v: i32) -> i32 { return abs(v); }
fn sign_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return sign(v); }
fn sign_i32(v: i32) -> i32 { return sign(v); }

fn exp_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (v > 88.72284) { return infinity(v); }
  if (v < -104.0) { return 0.0; }
  return exp(v);
}

// exp(v) - 1 cancels for small v; (u - 1) * v / log(u) does not (Kahan).
fn expm1_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (v > 88.72284) { return infinity(v); }
  if (abs(v) >= 0.5) { return exp(v) - 1.0; }
  let u = exp(v);
  if (u == 1.0) { return v; }
  return (u - 1.0) * v / log(u);
}

fn log_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (v < 0.0) { return nan_like(v); }
  if (v == 0.0) { return -infinity(v); }
  if (is_inf(v)) { return v; }
  return log(v);
}

fn log1p_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (v < -1.0) { return nan_like(v); }
  if (v == -1.0) { return -infinity(v); }
  if (is_inf(v)) { return v; }
  if (abs(v) >= 0.5) { return log(1.0 + v); }
  let u = 1.0 + v;
  if (u == 1.0) { return v; }
  return log(u) * v / (u - 1.0);
}

fn sqrt_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return sqrt(v); }
fn rsqrt_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return inverseSqrt(v); }
fn reciprocal_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return 1.0 / v; }
fn square_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return v * v; }
fn square_i32(v: i32) -> i32 { return v * v; }

fn sin_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return sin_or_cos(v, 0); }
fn cos_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return sin_or_cos(v, 1); }

fn tan_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (is_inf(v)) { return nan_like(v); }
  let t = reduce_quarter_turns(v, 0);
  return select(t.s / t.c, -t.c / t.s, (t.quadrant & 1) == 1);
}

fn asin_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return asin(v); }
fn acos_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return acos(v); }
fn atan_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return atan(v); }

fn sinh_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (abs(v) > 89.4) { return sign(v) * infinity(v); }
  return sinh(v);
}

fn cosh_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (abs(v) > 89.4) { return infinity(v); }
  return cosh(v);
}

// Past 15, tanh is +-1 in f32, and some builtins overflow computing it.
fn tanh_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (abs(v) > 15.0) { return sign(v); }
  return tanh(v);
}

fn asinh_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (is_inf(v)) { return v; }
  if (abs(v) > 1e18) { return sign(v) * (log(abs(v)) + 0.6931471805599453); }
  return asinh(v);
}

fn acosh_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (v < 1.0) { return nan_like(v); }
  if (is_inf(v)) { return v; }
  if (v > 1e18) { return log(v) + 0.6931471805599453; }
  return acosh(v);
}

fn atanh_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  if (abs(v) > 1.0) { return nan_like(v); }
  if (abs(v) == 1.0) { return sign(v) * infinity(v); }
  return atanh(v);
}

fn erf_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return erf(v); }
fn floor_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return floor(v); }
fn ceil_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return ceil(v); }
fn round_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return round(v); }
fn round_i32(v: i32) -> i32 { return v; }

fn relu_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return select(v, 0.0, v < 0.0); }
fn relu_i32(v: i32) -> i32 { return max(v, 0); }
fn relu6_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return select(select(v, 6.0, v > 6.0), 0.0, v < 0.0); }
fn relu6_i32(v: i32) -> i32 { return clamp(v, 0, 6); }
fn leakyRelu_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return select(v, alpha() * v, v < 0.0); }
fn elu_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return select(v, exp(v) - 1.0, v < 0.0); }

fn selu_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  return select(SELU_SCALE * v, SELU_SCALE_ALPHA * (exp(v) - 1.0), v <= 0.0);
}

fn gelu_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return 0.5 * v * (1.0 + erf(v * 0.7071067811865476)); }

fn geluTanh_f32(v: f32) -> f32 {
  if (is_nan(v)) { return v; }
  return 0.5 * v * (1.0 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
}

fn sigmoid_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return sigmoid(v); }
fn logSigmoid_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return -(max(-v, 0.0) + log(1.0 + exp(-abs(v)))); }
fn softplus_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return max(v, 0.0) + log(1.0 + exp(-abs(v))); }
fn softsign_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return v / (1.0 + abs(v)); }
fn silu_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return v * sigmoid(v); }
fn hardSigmoid_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return clamp(alpha() * v + beta(), 0.0, 1.0); }
fn hardSwish_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return v * clamp(v + 3.0, 0.0, 6.0) / 6.0; }

fn isNaN_f32(v: f32) -> u32 { return u32(is_nan(v)); }
fn isInf_f32(v: f32) -> u32 { return u32(is_inf(v)); }
fn isFinite_f32(v: f32) -> u32 { return u32((bitcast<u32>(v) & 0x7fffffffu) < 0x7f800000u); }
fn logicalNot_u32(v: u32) -> u32 { return u32(v == 0u); }
// cast to bool: nonzero is true, NaN included (TF.js); other casts are unary.wgsl's convert(v).
fn castToBool_f32(v: f32) -> u32 { return u32(v != 0.0 || is_nan(v)); }
fn castToBool_i32(v: i32) -> u32 { return u32(v != 0); }

fn clipByValue_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return clamp(v, alpha(), beta()); }
fn clipByValue_i32(v: i32) -> i32 { return i32(clamp(f32(v), alpha(), beta())); }
fn step_f32(v: f32) -> f32 { if (is_nan(v)) { return v; } return select(alpha(), 1.0, v > 0.0); }
fn step_i32(v: i32) -> i32 { return select(i32(alpha()), 1, v > 0); }
