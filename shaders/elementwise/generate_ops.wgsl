// Prelude: the creation ops' values, one function per op and output type,
// named `<op>_<type>` (f32 for float32, i32 for int32, u32 for bool), that
// elementwise/generate.wgsl's `body` slot calls with the element index:
// `return range_f32(i);`. The runtime
// (js/src/backends/webgpu/kernels/elementwise.ts) picks `<op>_<Out>` and the
// kernel tier (tests/py/kernels/test_elementwise.py) runs each function
// against converter/reference's numpy op. `fill4_u32` gives 4 elements' bits
// at once (Out = vec4<u32>, any 32-bit dtype); `gatherRows_i32` is gather's
// batched row index, not an op of its own.
//
// Needs from the importing kernel: `params` with u0, u1 (u32), bits0, bits1
// (u32: values as the output type's bits), f0, f1 (f32), and `x`, an
// array<i32> (oneHot's indices, gatherRows's).

// fill: the value whose bits are bits0.
fn fill_f32(i: u32) -> f32 {
  return bitcast<f32>(params.bits0);
}

fn fill_i32(i: u32) -> i32 {
  return bitcast<i32>(params.bits0);
}

fn fill_u32(i: u32) -> u32 {
  return params.bits0;
}

fn fill4_u32(i: u32) -> vec4<u32> {
  return vec4<u32>(params.bits0);
}

// range and linspace: f0 + i * f1 (start and step; linspace's step is
// (stop - start) / (num - 1)). int32 ranges count in i32.
fn range_f32(i: u32) -> f32 {
  return params.f0 + f32(i) * params.f1;
}

fn range_i32(i: u32) -> i32 {
  return i32(params.f0) + i32(i) * i32(params.f1);
}

// eye: 1 on the diagonal of each u0 x u1 matrix (u0 rows, u1 columns).
fn on_diagonal(i: u32) -> bool {
  let j = i % (params.u0 * params.u1);
  return j / params.u1 == j % params.u1;
}

fn eye_f32(i: u32) -> f32 {
  return f32(on_diagonal(i));
}

fn eye_i32(i: u32) -> i32 {
  return i32(on_diagonal(i));
}

fn eye_u32(i: u32) -> u32 {
  return u32(on_diagonal(i));
}

// oneHot: bits0 (on) where x's index i / u0 is i % u0 (u0 the depth), else
// bits1 (off); an index out of range gives a row of off.
fn hot_bits(i: u32) -> u32 {
  return select(params.bits1, params.bits0, x[i / params.u0] == i32(i % params.u0));
}

fn oneHot_f32(i: u32) -> f32 {
  return bitcast<f32>(hot_bits(i));
}

fn oneHot_i32(i: u32) -> i32 {
  return bitcast<i32>(hot_bits(i));
}

fn oneHot_u32(i: u32) -> u32 {
  return hot_bits(i);
}

// gather with batch dims: output [batch, outer, count] of rows of x viewed as
// [batch * outer * bits0, inner] (bits0 the axis size; u0 outer, u1 count),
// from the indices x [batch, count]: -1 for an index out of range.
fn gatherRows_i32(i: u32) -> i32 {
  let k = x[(i / (params.u0 * params.u1)) * params.u1 + i % params.u1];
  let row = i32((i / params.u1) * params.bits0) + k;
  return select(-1, row, k >= 0 && u32(k) < params.bits0);
}
