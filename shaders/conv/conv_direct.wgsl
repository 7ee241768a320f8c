// A convolution computed directly, one thread per output element (or per 4
// neighbouring output channels of a pixel, FOUR_CHANNELS) looping over the
// filter taps and channels: the fast path when the GEMM of conv/conv.wgsl
// would have few output columns to share its staged inputs with (a thin
// conv such as 1 -> 8 channels), and, with BACKPROP_INPUT, the same for the
// input gradient (conv2dTranspose). Layouts as in conv/conv.wgsl: x / dy NDHWC,
// weights DHWIO ([KD, KH, KW, Cin, Cout]); conv2d has depth 1, conv1d
// depth and height 1. `in_*` are x's (dx's) dims, `out_*` the conv output's.
//
// Forward: out[n, o, co] = sum over taps k and ci of x[n, o * stride - pad +
//   k * dilation, ci] * weights[k, ci, co] (0 outside x).
// BACKPROP_INPUT: out is dx, out[n, i, ci] = sum over taps k and co of
//   dy[n, (i + pad - k * dilation) / stride, co] * weights[k, ci, co], for
//   the taps where that divides exactly and lands inside dy.
// Then out = activation(out + bias + residual) (bias per output channel).
//
// Bindings (group 0): 0 x (dy with BACKPROP_INPUT), 1 weights, 2 bias ([channels
//   of out]), 3 residual (out's layout): storage read of Elem; 4 out: storage
//   read_write of Elem; 5 params: uniform. bias and residual are bound even
//   when their knob is off.
//   6 prelu_weights ([channels of out], prelu's slope per output column, with
//   HAS_PRELU): storage read of Elem, bound even when off.
// Params {
//   size: u32,                          thread count: out elements (a quarter with FOUR_CHANNELS)
//   batch, in_c, out_c: u32,
//   in_size, out_size: vec3<u32>,      (depth, height, width)
//   kernel_size, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                     (front, top, left) padding of the forward conv
//   alpha, beta: f32,                   activation attributes
// }
// Overrides: WORKGROUP_SIZE (64), BACKPROP_INPUT, HAS_BIAS, HAS_RESIDUAL, HAS_PRELU (false),
//   FOUR_CHANNELS (false): each thread computes 4 neighbouring channels of
//   out (whose channel count must be a multiple of 4), so it does the tap
//   and index math and reads x / dy once for all 4 (on SwiftShader ~3x
//   faster per output than one channel per thread).
// Slots: `types` (Elem; f32 as written; arithmetic is f32), `body` (the
//   activation on v: f32; identity as written).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override BACKPROP_INPUT: bool = false;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override HAS_PRELU: bool = false;
override FOUR_CHANNELS: bool = false;

struct Params {
  size: u32,
  batch: u32,
  in_c: u32,
  out_c: u32,
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
@group(0) @binding(1) var<storage, read> weights: array<Elem>;
@group(0) @binding(2) var<storage, read> bias: array<Elem>;
@group(0) @binding(3) var<storage, read> residual: array<Elem>;
@group(0) @binding(4) var<storage, read_write> out: array<Elem>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read> prelu_weights: array<Elem>;

// @import common/activation.wgsl
// @import common/volume.wgsl

fn flat_pixel(n: u32, at: vec3<u32>, size: vec3<u32>) -> u32 {
  return ((n * size.x + at.x) * size.y + at.y) * size.z + at.z;
}

// `acc` plus v times the weight at `at` (one channel), or times the 4 weights
// `step` apart from there (FOUR_CHANNELS).
fn accumulate(acc: vec4<f32>, v: f32, at: u32, step: u32) -> vec4<f32> {
  if (FOUR_CHANNELS) {
    let w = vec4<f32>(f32(weights[at]), f32(weights[at + step]), f32(weights[at + 2u * step]), f32(weights[at + 3u * step]));
    return fma(vec4<f32>(v), w, acc);
  }
  return vec4<f32>(fma(v, f32(weights[at]), acc.x), 0.0, 0.0, 0.0);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  // The output's own channel count and spatial size: Cout and out_size, or Cin and in_size for dx.
  let channels = select(params.out_c, params.in_c, BACKPROP_INPUT);
  let size = select(params.out_size, params.in_size, BACKPROP_INPUT);
  let per_thread = select(1u, 4u, FOUR_CHANNELS);
  let c = (i % (channels / per_thread)) * per_thread;
  let pixel = i / (channels / per_thread);
  let n = pixel / volume(size);
  let here = vec3<i32>(spatial(pixel % volume(size), size));
  let taps = volume(params.kernel_size);
  var acc = vec4<f32>(0.0);
  for (var tap = 0u; tap < taps; tap++) {
    let k = vec3<i32>(spatial(tap, params.kernel_size) * params.dilation);
    if (BACKPROP_INPUT) {
      let numerator = here + vec3<i32>(params.pad) - k;
      let o = numerator / vec3<i32>(params.stride);
      if (any(numerator < vec3<i32>(0)) || any(o * vec3<i32>(params.stride) != numerator) ||
          any(o >= vec3<i32>(params.out_size))) {
        continue;
      }
      let dy_base = flat_pixel(n, vec3<u32>(o), params.out_size) * params.out_c;
      let w_base = (tap * params.in_c + c) * params.out_c;
      for (var co = 0u; co < params.out_c; co++) {
        acc = accumulate(acc, f32(x[dy_base + co]), w_base + co, params.out_c);
      }
    } else {
      let at = here * vec3<i32>(params.stride) - vec3<i32>(params.pad) + k;
      if (any(at < vec3<i32>(0)) || any(at >= vec3<i32>(params.in_size))) {
        continue;
      }
      let x_base = flat_pixel(n, vec3<u32>(at), params.in_size) * params.in_c;
      let w_base = tap * params.in_c * params.out_c + c;
      for (var ci = 0u; ci < params.in_c; ci++) {
        acc = accumulate(acc, f32(x[x_base + ci]), w_base + ci * params.out_c, 1u);
      }
    }
  }
  let first = pixel * channels + c;
  for (var j = 0u; j < per_thread; j++) {
    var v = acc[j];
    if (HAS_BIAS) {
      v += f32(bias[c + j]);
    }
    if (HAS_RESIDUAL) {
      v += f32(residual[first + j]);
    }
    if (HAS_PRELU) {
      v = select(v, v * f32(prelu_weights[c + j]), v < 0.0);
    }
    out[first + j] = Elem(activation(v));
  }
}
