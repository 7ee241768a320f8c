// out = activation(depthwiseConv2d(x, weights) + bias + residual) with channel
// multiplier 1, four channels per thread: the fast path when channels is a
// multiple of 4 (else conv/depthwise_conv2d.wgsl, whose layouts this shares:
// x and out NHWC, weights [KH, KW, channels, 1]). One thread per vec4 of
// output channels at 4 output pixels along a row, looping over the filter
// window with each weight loaded once for the 4 (on SwiftShader ~0.7x the
// time of a pixel per thread, for ~0.02 s more compile: the stand-in while
// conv/depthwise_conv2d_vec4_tile.wgsl compiles).
//
// Bindings (group 0): 0 x, 1 weights, 2 bias ([channels]): storage read of
//   vec4<Elem>; 3 out: storage read_write of vec4<Elem>; 4 params: uniform;
//   5 residual (out's layout): storage read of vec4<Elem>. bias and residual
//   are bound even when their knob is off.
// Params {
//   size: u32,                     threads: batch * out_h * ceil(out_w / 4) * channels / 4
//   batch, in_h, in_w, channels: u32,  (channels a multiple of 4)
//   out_h, out_w: u32,
//   kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w: u32,
//   pad_top, pad_left: u32,
//   alpha, beta: f32,              activation attributes
// }
// Overrides: WORKGROUP_SIZE (64), HAS_BIAS, HAS_RESIDUAL, RESIDUAL_AFTER_ACTIVATION
//   (false; conv/depthwise_store.wgsl).
// Slots: `types` (Elem, the storage scalar type; f32 as written; arithmetic
//   is f32), `body` (the activation on v: f32; identity as written).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override RESIDUAL_AFTER_ACTIVATION: bool = false;

struct Params {
  size: u32,
  batch: u32,
  in_h: u32,
  in_w: u32,
  channels: u32,
  out_h: u32,
  out_w: u32,
  kernel_h: u32,
  kernel_w: u32,
  stride_h: u32,
  stride_w: u32,
  dilation_h: u32,
  dilation_w: u32,
  pad_top: u32,
  pad_left: u32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4<Elem>>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<Elem>>;
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<storage, read> residual: array<vec4<Elem>>;

// @import conv/depthwise_store.wgsl

// One tap's input vec4 at column iw of a row, zero outside the row (iw wrapped past in_w; the load itself may
// then fall outside x, which WebGPU's bounds checks answer with some value that the select drops).
fn tap(row: u32, iw: u32, c4: u32, c: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(x[(row + iw) * c4 + c]), iw < params.in_w);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c4 = params.channels / 4u;
  let c = i % c4;
  let pixel = i / c4;
  let w_tiles = (params.out_w + 3u) / 4u;
  let ow = (pixel % w_tiles) * 4u;
  let oh = (pixel / w_tiles) % params.out_h;
  let n = pixel / (w_tiles * params.out_h);
  let ih0 = i32(oh * params.stride_h) - i32(params.pad_top);
  let iw0 = i32(ow * params.stride_w) - i32(params.pad_left);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var kh = 0u; kh < params.kernel_h; kh++) {
    // Negative coordinates wrap to huge unsigned ones: one comparison per dim.
    let ih = u32(ih0 + i32(kh * params.dilation_h));
    if (ih >= params.in_h) {
      continue;
    }
    let row = (n * params.in_h + ih) * params.in_w;
    for (var kw = 0u; kw < params.kernel_w; kw++) {
      let w = vec4<f32>(weights[(kh * params.kernel_w + kw) * c4 + c]);
      let iw = u32(iw0 + i32(kw * params.dilation_w));
      acc0 = fma(tap(row, iw, c4, c), w, acc0);
      acc1 = fma(tap(row, iw + params.stride_w, c4, c), w, acc1);
      acc2 = fma(tap(row, iw + 2u * params.stride_w, c4, c), w, acc2);
      acc3 = fma(tap(row, iw + 3u * params.stride_w, c4, c), w, acc3);
    }
  }
  let base = ((n * params.out_h + oh) * params.out_w + ow) * c4 + c;
  var sums = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var p = 0u; p < 4u; p++) {
    if (ow + p < params.out_w) {
      store(base + p * c4, c, sums[p]);
    }
  }
}
