// conv/depthwise_conv2d.wgsl for channel multiplier 1 and a channel count that
// is a multiple of 4: one thread per output pixel and 4 channels, vec4 loads
// and multiply-adds, so the window's index arithmetic is shared by 4 channels.
// Same uniform, overrides, slots and epilogue as depthwise_conv2d.wgsl
// (multiplier must be 1, so out_c = in_c).
//
// Bindings (group 0): 0 x, 1 weights ([KH, KW, C, 1]), 2 bias ([C]): storage
//   read of vec4<Elem>; 3 out: storage read_write of vec4<Elem>; 4 params:
//   uniform. bias is bound even when HAS_BIAS is off.
// Params: as conv/depthwise_conv2d.wgsl, with `size` the output element count / 4.
// Overrides: WORKGROUP_SIZE (64), HAS_BIAS (false).
// Slots: `types` (Elem; f32 as written; arithmetic is f32), `body` (the
//   activation on v: f32; identity as written).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override HAS_BIAS: bool = false;

struct Params {
  size: u32,
  batch: u32,
  in_h: u32,
  in_w: u32,
  in_c: u32,
  out_h: u32,
  out_w: u32,
  out_c: u32,
  multiplier: u32,
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

fn alpha() -> f32 {
  return params.alpha;
}

fn beta() -> f32 {
  return params.beta;
}

fn activation(v: f32) -> f32 {
  return v; // @body
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c4 = params.out_c / 4u;
  let oc4 = i % c4;
  let ow = (i / c4) % params.out_w;
  let oh = (i / (c4 * params.out_w)) % params.out_h;
  let n = i / (c4 * params.out_w * params.out_h);
  let ih0 = i32(oh * params.stride_h) - i32(params.pad_top);
  let iw0 = i32(ow * params.stride_w) - i32(params.pad_left);
  var acc = vec4<f32>(0.0);
  for (var kh = 0u; kh < params.kernel_h; kh++) {
    let ih = ih0 + i32(kh * params.dilation_h);
    if (ih < 0 || ih >= i32(params.in_h)) {
      continue;
    }
    let row = (n * params.in_h + u32(ih)) * params.in_w;
    for (var kw = 0u; kw < params.kernel_w; kw++) {
      let iw = iw0 + i32(kw * params.dilation_w);
      if (iw < 0 || iw >= i32(params.in_w)) {
        continue;
      }
      let xv = vec4<f32>(x[(row + u32(iw)) * c4 + oc4]);
      acc = fma(xv, vec4<f32>(weights[(kh * params.kernel_w + kw) * c4 + oc4]), acc);
    }
  }
  if (HAS_BIAS) {
    acc += vec4<f32>(bias[oc4]);
  }
  out[i] = vec4<Elem>(vec4<f32>(activation(acc.x), activation(acc.y), activation(acc.z), activation(acc.w)));
}
