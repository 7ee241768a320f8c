// out = maxPool or avgPool of x over windows in three spatial dims: the 3-D
// pools on NDHWC, and the 2-D pools on NHWC with depth 1. One thread per
// output element, or per 4 neighbouring channels of an output pixel
// (FOUR_CHANNELS): one walk over the window, its index math and bounds
// checks, for 4 outputs. The average counts only the window's taps inside the
// input, as TensorFlow does for SAME padding; padding never wins a max. A
// window with no tap inside gives -inf (max) or 0 (average, as TF.js's).
//
// Bindings (group 0): 0 x: storage read of Elem; 1 out: storage read_write of
//   Elem; 2 params: uniform.
// Params {
//   size: u32,                        thread count: output elements (a quarter with FOUR_CHANNELS)
//   batch, channels: u32,
//   in_size, out_size: vec3<u32>,     (depth, height, width) of x and out
//   window, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                   (front, top, left)
// }
// Overrides: WORKGROUP_SIZE (64), AVERAGE (false: max), FOUR_CHANNELS (false;
//   channels a multiple of 4 then).
// Slots: `types` (Elem; f32 as written; arithmetic is f32).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override AVERAGE: bool = false;
override FOUR_CHANNELS: bool = false;

struct Params {
  size: u32,
  batch: u32,
  channels: u32,
  in_size: vec3<u32>,
  out_size: vec3<u32>,
  window: vec3<u32>,
  stride: vec3<u32>,
  dilation: vec3<u32>,
  pad: vec3<u32>,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read_write> out: array<Elem>;
@group(0) @binding(2) var<uniform> params: Params;

// @import common/is_nan.wgsl
// @import common/volume.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let per_thread = select(1u, 4u, FOUR_CHANNELS);
  let c = (i % (params.channels / per_thread)) * per_thread;
  let pixel = i / (params.channels / per_thread);
  let n = pixel / volume(params.out_size);
  let start = vec3<i32>(spatial(pixel % volume(params.out_size), params.out_size) * params.stride) -
              vec3<i32>(params.pad);
  var total = vec4<f32>(0.0);
  var largest = vec4<f32>(0.0);
  var count = 0u;
  for (var tap = 0u; tap < volume(params.window); tap++) {
    let at = start + vec3<i32>(spatial(tap, params.window) * params.dilation);
    if (any(at < vec3<i32>(0)) || any(at >= vec3<i32>(params.in_size))) {
      continue;
    }
    let u = vec3<u32>(at);
    let base = (((n * params.in_size.x + u.x) * params.in_size.y + u.y) * params.in_size.z + u.z) * params.channels + c;
    for (var j = 0u; j < per_thread; j++) {
      let v = f32(x[base + j]);
      total[j] += v;
      if (count == 0u || (!is_nan(largest[j]) && (is_nan(v) || v > largest[j]))) {
        largest[j] = v;  // NaN propagates, as in numpy and TensorFlow
      }
    }
    count++;
  }
  if (!AVERAGE && count == 0u) {
    // -inf from bits that are not a constant (count is 0): Tint rejects an infinite constant.
    largest = vec4<f32>(bitcast<f32>(0xff800000u | count));
  }
  let result = select(largest, total / f32(max(count, 1u)), AVERAGE);
  let first = pixel * params.channels + c;
  for (var j = 0u; j < per_thread; j++) {
    out[first + j] = Elem(result[j]);
  }
}
