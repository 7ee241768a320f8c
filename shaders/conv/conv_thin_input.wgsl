// out = activation(conv(x, weights) + bias + residual) for inputs of few
// channels (a first layer on RGB pixels: in_c not a multiple of 4) and out_c
// a multiple of 4, computed directly: each thread keeps 8 neighbouring output
// pixels of a row (along the last spatial dim) x 16 output channels in
// registers (a 4x4 matrix per pixel: its columns are 4 vec4s of channels),
// and per filter tap and input channel reads 4 vec4s of weights and the 8
// pixels' input values (scalars, so x needs no padding to 4 channels). On
// CPU adapters (SwiftShader) the implicit GEMMs spend most of such a conv on
// index math and lanes that idle, and need x and the filter padded first.
// Layouts (conv3d, conv2d with depth 1, conv1d) and padding as in
// conv/conv.wgsl: x NDHWC, weights DHWIO ([KD, KH, KW, Cin, Cout]).
//
// Bindings (group 0): 0 x: storage read of Elem; 1 weights, 2 bias ([Cout]),
//   3 residual (out's layout): storage read of vec4<Elem>; 4 out: storage
//   read_write of vec4<Elem>; 5 params: uniform. bias and residual are bound
//   even when their knob is off.
//   6 prelu_weights ([Cout], prelu's slope per output column, with
//   HAS_PRELU): storage read of vec4<Elem>, bound even when off.
// Params {
//   size: u32,                         thread count: batch * out pixels / width * tiles_w * column blocks
//   batch, in_c, out_c: u32,           (out_c a multiple of 4)
//   tiles_w: u32,                      ceil(out width / 8)
//   in_size, out_size: vec3<u32>,      (depth, height, width) of x and out
//   kernel_size, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                    (front, top, left)
//   alpha, beta: f32,                  activation attributes
// }
// Overrides: WORKGROUP_SIZE (64), HAS_BIAS, HAS_RESIDUAL, HAS_PRELU (false).
// Slots: `types` (Elem; f32 as written; arithmetic is f32), `body` (the
//   activation on v: f32; identity as written).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y);
//   a thread's column block (16 channels) varies fastest, then its 8 pixels'
//   tile along the width, then the row.

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override HAS_PRELU: bool = false;

struct Params {
  size: u32,
  batch: u32,
  in_c: u32,
  out_c: u32,
  tiles_w: u32,
  in_size: vec3<u32>,
  out_size: vec3<u32>,
  kernel_size: vec3<u32>,
  stride: vec3<u32>,
  dilation: vec3<u32>,
  pad: vec3<u32>,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read> residual: array<vec4<Elem>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<Elem>>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read> prelu_weights: array<vec4<Elem>>;

// @import common/activation.wgsl
// @import common/volume.wgsl

const COLUMNS_PER_THREAD = 4u;  // vec4s of output channels

// Where input column `column` of a row starting at element `row` begins; -1 outside x.
fn x_start(row: i32, column: i32) -> i32 {
  return select(-1, (row + column) * i32(params.in_c), row >= 0 && column >= 0 && column < i32(params.in_size.z));
}

fn x_at(start: i32, ci: u32) -> f32 {
  return select(0.0, f32(x[u32(max(start, 0)) + ci]), start >= 0);
}

// `acc` plus v times the weights `w` (a pixel's 16 channels as 4 vec4 columns), by fused multiply-adds.
fn accumulate(acc: mat4x4<f32>, w: mat4x4<f32>, v: f32) -> mat4x4<f32> {
  let s = vec4<f32>(v);
  return mat4x4<f32>(fma(w[0], s, acc[0]), fma(w[1], s, acc[1]), fma(w[2], s, acc[2]), fma(w[3], s, acc[3]));
}

// One pixel's 16 channels (`acc`'s columns) with the epilogue, where the pixel and channels exist.
fn store_pixel(pixel: u32, column: u32, col4: u32, out_c4: u32, acc: mat4x4<f32>) {
  if (column >= params.out_size.z) {
    return;
  }
  for (var c = 0u; c < COLUMNS_PER_THREAD; c++) {
    if (col4 + c < out_c4) {
      let index = pixel * out_c4 + col4 + c;
      var v = acc[c];
      if (HAS_BIAS) {
        v += vec4<f32>(bias[col4 + c]);
      }
      if (HAS_RESIDUAL) {
        v += vec4<f32>(residual[index]);
      }
      if (HAS_PRELU) {
        v = select(v, v * vec4<f32>(prelu_weights[col4 + c]), v < vec4<f32>(0.0));
      }
      out[index] = vec4<Elem>(vec4<f32>(activation(v.x), activation(v.y), activation(v.z), activation(v.w)));
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let out_c4 = params.out_c / 4u;
  let blocks = (out_c4 + COLUMNS_PER_THREAD - 1u) / COLUMNS_PER_THREAD;
  let col4 = (i % blocks) * COLUMNS_PER_THREAD;
  let tile = (i / blocks) % params.tiles_w;
  // The row: (batch, depth, height) of the output.
  let row = i / (blocks * params.tiles_w);
  let rows = params.out_size.x * params.out_size.y;
  let n = row / rows;
  let o = vec2<u32>((row % rows) / params.out_size.y, row % params.out_size.y);
  let column0 = tile * 8u;
  let last4 = out_c4 - 1u;
  var acc0 = mat4x4<f32>();
  var acc1 = mat4x4<f32>();
  var acc2 = mat4x4<f32>();
  var acc3 = mat4x4<f32>();
  var acc4 = mat4x4<f32>();
  var acc5 = mat4x4<f32>();
  var acc6 = mat4x4<f32>();
  var acc7 = mat4x4<f32>();
  let step = i32(params.stride.z);
  for (var tap = 0u; tap < volume(params.kernel_size); tap++) {
    let k = spatial(tap, params.kernel_size) * params.dilation;
    let at = vec2<i32>(o * params.stride.xy + k.xy) - vec2<i32>(params.pad.xy);
    if (any(at < vec2<i32>(0)) || any(at >= vec2<i32>(params.in_size.xy))) {
      continue;
    }
    let row_start = i32(((n * params.in_size.x + u32(at.x)) * params.in_size.y + u32(at.y)) * params.in_size.z);
    let c = i32(column0 * params.stride.z + k.z) - i32(params.pad.z);
    let s0 = x_start(row_start, c);
    let s1 = x_start(row_start, c + step);
    let s2 = x_start(row_start, c + 2 * step);
    let s3 = x_start(row_start, c + 3 * step);
    let s4 = x_start(row_start, c + 4 * step);
    let s5 = x_start(row_start, c + 5 * step);
    let s6 = x_start(row_start, c + 6 * step);
    let s7 = x_start(row_start, c + 7 * step);
    // One input channel a step: its weights for the 16 output channels, times the 8 pixels' values.
    for (var ci = 0u; ci < params.in_c; ci++) {
      let w_row = (tap * params.in_c + ci) * out_c4;
      // Vec4s past the last output channel read the last one (never stored), so the loads need no branch.
      let w = mat4x4<f32>(vec4<f32>(weights[w_row + min(col4, last4)]), vec4<f32>(weights[w_row + min(col4 + 1u, last4)]),
                          vec4<f32>(weights[w_row + min(col4 + 2u, last4)]), vec4<f32>(weights[w_row + min(col4 + 3u, last4)]));
      acc0 = accumulate(acc0, w, x_at(s0, ci));
      acc1 = accumulate(acc1, w, x_at(s1, ci));
      acc2 = accumulate(acc2, w, x_at(s2, ci));
      acc3 = accumulate(acc3, w, x_at(s3, ci));
      acc4 = accumulate(acc4, w, x_at(s4, ci));
      acc5 = accumulate(acc5, w, x_at(s5, ci));
      acc6 = accumulate(acc6, w, x_at(s6, ci));
      acc7 = accumulate(acc7, w, x_at(s7, ci));
    }
  }
  let pixel0 = row * params.out_size.z + column0;
  // The pixels pass through an indexed array so that the epilogue is compiled once, not once a pixel.
  let pixels = array<mat4x4<f32>, 8>(acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
  for (var p = 0u; p < 8u; p++) {
    store_pixel(pixel0 + p, column0 + p, col4, out_c4, pixels[p]);
  }
}
