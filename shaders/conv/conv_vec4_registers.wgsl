// out = activation(conv(x, weights) + bias + residual) for in_c and out_c
// multiples of 4, with no workgroup memory: each thread keeps 8 output pixels
// x 16 output channels in registers (a 4x4 matrix per pixel: its columns are
// 4 vec4s of channels), and per filter tap reads the 8 pixels' input
// channels (vec4s) straight from storage. The conv/conv_vec4.wgsl
// counterpart for adapters that run shaders on CPU cores (SwiftShader,
// lavapipe), as matmul/matmul_vec4_registers.wgsl is for matmul/matmul_vec4.wgsl.
// Layouts (conv3d, conv2d with depth 1, conv1d) and padding as in conv/conv.wgsl.
//
// Bindings (group 0): 0 x, 1 weights, 2 bias ([Cout]), 3 residual (out's
//   layout): storage read of vec4<Elem>; 4 out: storage read_write of
//   vec4<Elem>; 5 params: uniform. bias and residual are bound even when
//   their knob is off.
//   6 prelu_weights ([Cout], prelu's slope per output column, with
//   HAS_PRELU): storage read of vec4<Elem>, bound even when off.
// Params {
//   batch, in_c, out_c: u32,           (in_c and out_c multiples of 4)
//   m_tiles: u32,                      ceil(batch * volume(out_size) / (WG_Y * 8))
//   in_size, out_size: vec3<u32>,      (depth, height, width) of x and out
//   kernel_size, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                    (front, top, left)
//   alpha, beta: f32,                  activation attributes
// }
// Overrides: WG_X, WG_Y (8, 8): a workgroup covers WG_Y * 8 pixels by WG_X * 16
//   channels; HAS_BIAS, HAS_RESIDUAL, HAS_PRELU (false).
// Slots: `types` (Elem; f32 as written; arithmetic is f32), `body` (the
//   activation on v: f32; identity as written).
// Dispatch: x = ceil(Cout / (WG_X * 16)); y and z hold m_tiles workgroups as a
// 2-D grid (y first).

alias Elem = f32; // @types

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override HAS_PRELU: bool = false;

struct Params {
  batch: u32,
  in_c: u32,
  out_c: u32,
  m_tiles: u32,
  in_size: vec3<u32>,
  out_size: vec3<u32>,
  kernel_size: vec3<u32>,
  stride: vec3<u32>,
  dilation: vec3<u32>,
  pad: vec3<u32>,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4<Elem>>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read> residual: array<vec4<Elem>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<Elem>>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read> prelu_weights: array<vec4<Elem>>;

// @import common/activation.wgsl
// @import common/volume.wgsl

// Output pixel `pixel` as (its window's first input coordinate, batch index);
// w is -1 past the last pixel.
fn window_start(pixel: u32) -> vec4<i32> {
  let pixels = params.batch * volume(params.out_size);
  if (pixel >= pixels) {
    return vec4<i32>(0, 0, 0, -1);
  }
  let o = spatial(pixel % volume(params.out_size), params.out_size);
  let start = vec3<i32>(o * params.stride) - vec3<i32>(params.pad);
  return vec4<i32>(start, i32(pixel / volume(params.out_size)));
}

// The vec4 index of input channel 0 that `start` reads at tap offset `k`; -1 outside x.
fn x_base(start: vec4<i32>, k: vec3<i32>) -> i32 {
  let at = start.xyz + k;
  if (start.w < 0 || any(at < vec3<i32>(0)) || any(at >= vec3<i32>(params.in_size))) {
    return -1;
  }
  let u = vec3<u32>(at);
  let flat = ((u32(start.w) * params.in_size.x + u.x) * params.in_size.y + u.y) * params.in_size.z + u.z;
  return i32(flat * (params.in_c / 4u));
}

fn x_at(base: i32, ci4: u32) -> vec4<f32> {
  if (base < 0) {
    return vec4<f32>(0.0);
  }
  return vec4<f32>(x[u32(base) + ci4]);
}

fn store(pixel: u32, col4: u32, acc: vec4<f32>) {
  if (pixel >= params.batch * volume(params.out_size)) {
    return;
  }
  let index = pixel * (params.out_c / 4u) + col4;
  var v = acc;
  if (HAS_BIAS) {
    v += vec4<f32>(bias[col4]);
  }
  if (HAS_RESIDUAL) {
    v += vec4<f32>(residual[index]);
  }
  if (HAS_PRELU) {
    v = select(v, v * vec4<f32>(prelu_weights[col4]), v < vec4<f32>(0.0));
  }
  out[index] = vec4<Elem>(vec4<f32>(activation(v.x), activation(v.y), activation(v.z), activation(v.w)));
}

const COLUMNS_PER_THREAD = 4u;  // vec4s of output channels

// The weights of input channels 4 ci4 .. 4 ci4 + 3 for 4 vec4s of output
// channels, as one matrix per vec4 (its columns are the 4 input channels), so
// a pixel's 4 input channels update each vec4 by one matrix-vector product.
// Vec4s past the last output channel read the last one (never stored), so
// the loads need no branch.
struct WBlock {
  c0: mat4x4<f32>,
  c1: mat4x4<f32>,
  c2: mat4x4<f32>,
  c3: mat4x4<f32>,
}

fn w_column(row_start: u32, col4: u32, out_c4: u32) -> mat4x4<f32> {
  let at = row_start + min(col4, out_c4 - 1u);
  return mat4x4<f32>(vec4<f32>(weights[at]), vec4<f32>(weights[at + out_c4]), vec4<f32>(weights[at + 2u * out_c4]),
                     vec4<f32>(weights[at + 3u * out_c4]));
}

fn w_block(row_start: u32, col4: u32, out_c4: u32) -> WBlock {
  return WBlock(w_column(row_start, col4, out_c4), w_column(row_start, col4 + 1u, out_c4),
                w_column(row_start, col4 + 2u, out_c4), w_column(row_start, col4 + 3u, out_c4));
}

fn update(acc: mat4x4<f32>, wb: WBlock, v: vec4<f32>) -> mat4x4<f32> {
  return acc + mat4x4<f32>(wb.c0 * v, wb.c1 * v, wb.c2 * v, wb.c3 * v);
}

// One pixel's 16 channels (`acc`'s columns) with the epilogue.
fn store_pixel(pixel: u32, col4: u32, out_c4: u32, acc: mat4x4<f32>) {
  for (var c = 0u; c < COLUMNS_PER_THREAD; c++) {
    if (col4 + c < out_c4) {
      store(pixel, col4 + c, acc[c]);
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let out_c4 = params.out_c / 4u;
  let in_c4 = params.in_c / 4u;
  let col4 = (wid.x * WG_X + lid.x) * COLUMNS_PER_THREAD;
  let m_tile = wid.y + wid.z * groups.y;
  if (col4 >= out_c4 || m_tile >= params.m_tiles) {
    return;
  }
  let pixel0 = (m_tile * WG_Y + lid.y) * 8u;
  let s0 = window_start(pixel0);
  let s1 = window_start(pixel0 + 1u);
  let s2 = window_start(pixel0 + 2u);
  let s3 = window_start(pixel0 + 3u);
  let s4 = window_start(pixel0 + 4u);
  let s5 = window_start(pixel0 + 5u);
  let s6 = window_start(pixel0 + 6u);
  let s7 = window_start(pixel0 + 7u);
  // Named accumulators (not an indexed array), so CPU compilers keep them in registers.
  var acc0 = mat4x4<f32>();
  var acc1 = mat4x4<f32>();
  var acc2 = mat4x4<f32>();
  var acc3 = mat4x4<f32>();
  var acc4 = mat4x4<f32>();
  var acc5 = mat4x4<f32>();
  var acc6 = mat4x4<f32>();
  var acc7 = mat4x4<f32>();
  for (var tap = 0u; tap < volume(params.kernel_size); tap++) {
    let k = vec3<i32>(spatial(tap, params.kernel_size) * params.dilation);
    let b0 = x_base(s0, k);
    let b1 = x_base(s1, k);
    let b2 = x_base(s2, k);
    let b3 = x_base(s3, k);
    let b4 = x_base(s4, k);
    let b5 = x_base(s5, k);
    let b6 = x_base(s6, k);
    let b7 = x_base(s7, k);
    for (var ci4 = 0u; ci4 < in_c4; ci4++) {
      let wb = w_block((tap * params.in_c + ci4 * 4u) * out_c4, col4, out_c4);
      acc0 = update(acc0, wb, x_at(b0, ci4));
      acc1 = update(acc1, wb, x_at(b1, ci4));
      acc2 = update(acc2, wb, x_at(b2, ci4));
      acc3 = update(acc3, wb, x_at(b3, ci4));
      acc4 = update(acc4, wb, x_at(b4, ci4));
      acc5 = update(acc5, wb, x_at(b5, ci4));
      acc6 = update(acc6, wb, x_at(b6, ci4));
      acc7 = update(acc7, wb, x_at(b7, ci4));
    }
  }
  // The pixels pass through an indexed array so that the epilogue is compiled once, not once a pixel.
  let pixels = array<mat4x4<f32>, 8>(acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
  for (var p = 0u; p < 8u; p++) {
    store_pixel(pixel0 + p, col4, out_c4, pixels[p]);
  }
}
