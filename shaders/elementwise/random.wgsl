// Seeded random numbers by the Philox4x32-10 contract of js/src/core/random.ts:
// element i depends only on (key, i), so this kernel, the CPU kernel and the
// numpy goldens produce the same numbers (up to float32 rounding here).
//   counter = (i, 0, round, 0); words = philox(counter, key)
//   uniform = (words.x >> 8) * 2^-24
//   normal  = sqrt(-2 ln u1) * cos(2 pi u2), u1 = ((words.x >> 8) + 1) * 2^-24, u2 = (words.y >> 8) * 2^-24
//   truncated normal: rounds 1, 2, ... redraw until |normal| <= 2
//   gamma: Marsaglia and Tsang; round r's normal x (words x, y) and
//     u = ((words.z >> 8) + 1) * 2^-24 accept d (1 + c x)^3, times
//     ((words.w >> 8) + 1) * 2^-24 raised to 1 / alpha for alpha < 1
//     (js/src/core/random.ts has the whole contract)
//
// Bindings (group 0): 0 out: storage read_write of Out; 1 params: uniform.
// Params {
//   size: u32,          element count (below 2^32: the counter's high word is 0)
//   key0, key1: u32,    the Philox key (the seed's float64 words, low first)
//   a, b: f32,          uniform: [a, b) = [minval, maxval); normal: mean a, standard deviation b;
//                       gamma: alpha a, scale b
// }
// Overrides: WORKGROUP_SIZE (64), DISTRIBUTION (0 uniform, 1 normal, 2 truncated
//   normal, 3 gamma), INTEGER (false; true makes the value whole as the CPU kernel does for
//   int32: uniform floors it (staying below maxval), the normals round it half up, as TF.js).
// Slots: `types` (Out: f32, or i32 with INTEGER).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Out = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override DISTRIBUTION: u32 = 0u;
override INTEGER: bool = false;

struct Params {
  size: u32,
  key0: u32,
  key1: u32,
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<Out>;
@group(0) @binding(1) var<uniform> params: Params;

const UNIT = 5.9604644775390625e-8;  // 2^-24
const TWO_PI = 6.283185307179586;

// High 32 bits of the 64-bit product of two u32s, from 16-bit halves.
fn mul_hi(a: u32, b: u32) -> u32 {
  let a_lo = a & 0xffffu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xffffu;
  let b_hi = b >> 16u;
  let lh = a_lo * b_hi;
  let hl = a_hi * b_lo;
  let mid = ((a_lo * b_lo) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return a_hi * b_hi + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}

fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    if (round > 0u) {
      k += vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
    }
    let hi0 = mul_hi(0xD2511F53u, c.x);
    let lo0 = 0xD2511F53u * c.x;
    let hi1 = mul_hi(0xCD9E8D57u, c.z);
    let lo1 = 0xCD9E8D57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}

// cos(2 pi u) for u in [0, 1), reduced to a quarter turn r in [-1/8, 1/8]
// (exactly, as u and the quadrant are binary fractions) and evaluated by
// polynomials, so it does not depend on the adapter's cos.
fn cos_turns(u: f32) -> f32 {
  let t = u - round(u);
  let quadrant = round(4.0 * t);
  let x = TWO_PI * (t - 0.25 * quadrant);
  let x2 = x * x;
  let s = x + x * x2 * (-0.16666667 + x2 * (0.008333331 + x2 * (-0.00019840874 + x2 * 2.7525562e-6)));
  let c = 1.0 - 0.5 * x2 + x2 * x2 * (0.041666638 + x2 * (-0.0013888378 + x2 * 2.4760495e-5));
  let q = (i32(quadrant) + 4) & 3;
  return select(select(select(s, -c, q == 2), -s, q == 1), c, q == 0);
}

fn normal(words: vec4<u32>) -> f32 {
  let u1 = f32((words.x >> 8u) + 1u) * UNIT;
  let u2 = f32(words.y >> 8u) * UNIT;
  return sqrt(-2.0 * log(u1)) * cos_turns(u2);
}

// Gamma(alpha) by Marsaglia and Tsang. Each round accepts with probability
// above 0.95, so 64 rounds never run out in practice.
fn gamma(i: u32, key: vec2<u32>, alpha: f32) -> f32 {
  let d = select(alpha - 1.0 / 3.0, alpha + 2.0 / 3.0, alpha < 1.0);
  let c = 1.0 / sqrt(9.0 * d);
  for (var round = 0u; round < 64u; round++) {
    let words = philox(vec4<u32>(i, 0u, round, 0u), key);
    let x = normal(words);
    let cube = 1.0 + c * x;
    if (cube <= 0.0) {
      continue;
    }
    let v = cube * cube * cube;
    let u = f32((words.z >> 8u) + 1u) * UNIT;
    let x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 || log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) {
      let boost = select(1.0, pow(f32((words.w >> 8u) + 1u) * UNIT, 1.0 / alpha), alpha < 1.0);
      return d * v * boost;
    }
  }
  return d;
}

fn sample(i: u32) -> f32 {
  let key = vec2<u32>(params.key0, params.key1);
  if (DISTRIBUTION == 3u) {
    return gamma(i, key, params.a) * params.b;
  }
  if (DISTRIBUTION == 0u) {
    let u = f32(philox(vec4<u32>(i, 0u, 0u, 0u), key).x >> 8u) * UNIT;
    return params.a + u * (params.b - params.a);
  }
  var z = normal(philox(vec4<u32>(i, 0u, 0u, 0u), key));
  if (DISTRIBUTION == 2u) {
    // Each redraw keeps |z| > 2 with probability 0.046: 64 rounds never run out in practice.
    for (var round = 1u; round < 64u && abs(z) > 2.0; round++) {
      z = normal(philox(vec4<u32>(i, 0u, round, 0u), key));
    }
  }
  return params.a + z * params.b;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let v = sample(i);
  let whole = floor(select(v, v + 0.5, DISTRIBUTION != 0u));
  out[i] = Out(select(v, whole, INTEGER));
}
