// out = maxPool or avgPool of x over 2-D windows; NHWC, one thread per output
// element. The average counts only the window's taps inside the image, as
// TensorFlow does for SAME padding; padding never wins a max.
//
// Bindings (group 0): 0 x: storage read of Elem; 1 out: storage read_write of
//   Elem; 2 params: uniform.
// Params {
//   size: u32,                         output element count
//   batch, in_h, in_w, channels: u32,
//   out_h, out_w: u32,
//   window_h, window_w, stride_h, stride_w, dilation_h, dilation_w: u32,
//   pad_top, pad_left: u32,
// }
// Overrides: WORKGROUP_SIZE (64), AVERAGE (false: max).
// Slots: `types` (Elem; f32 as written; arithmetic is f32).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override AVERAGE: bool = false;

struct Params {
  size: u32,
  batch: u32,
  in_h: u32,
  in_w: u32,
  channels: u32,
  out_h: u32,
  out_w: u32,
  window_h: u32,
  window_w: u32,
  stride_h: u32,
  stride_w: u32,
  dilation_h: u32,
  dilation_w: u32,
  pad_top: u32,
  pad_left: u32,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read_write> out: array<Elem>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c = i % params.channels;
  let ow = (i / params.channels) % params.out_w;
  let oh = (i / (params.channels * params.out_w)) % params.out_h;
  let n = i / (params.channels * params.out_w * params.out_h);
  let ih0 = i32(oh * params.stride_h) - i32(params.pad_top);
  let iw0 = i32(ow * params.stride_w) - i32(params.pad_left);
  var total = 0.0;
  var largest = -0x1.fffffep+127f;
  var count = 0u;
  for (var kh = 0u; kh < params.window_h; kh++) {
    let ih = ih0 + i32(kh * params.dilation_h);
    if (ih < 0 || ih >= i32(params.in_h)) {
      continue;
    }
    for (var kw = 0u; kw < params.window_w; kw++) {
      let iw = iw0 + i32(kw * params.dilation_w);
      if (iw < 0 || iw >= i32(params.in_w)) {
        continue;
      }
      let v = f32(x[((n * params.in_h + u32(ih)) * params.in_w + u32(iw)) * params.channels + c]);
      total += v;
      largest = max(largest, v);
      count++;
    }
  }
  out[i] = Elem(select(largest, total / f32(count), AVERAGE));
}
