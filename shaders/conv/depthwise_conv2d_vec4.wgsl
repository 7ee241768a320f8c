// conv/depthwise_conv2d.wgsl for channel multiplier 1 and a channel count that
// is a multiple of 4: one thread per 4 channels of 4 neighbouring output
// pixels along the width, vec4 loads and multiply-adds, so the window's index
// arithmetic and weights are shared by 16 outputs. Same uniform, overrides,
// slots and epilogue as depthwise_conv2d.wgsl (multiplier must be 1, so
// out_c = in_c).
//
// Bindings (group 0): 0 x, 1 weights ([KH, KW, C, 1]), 2 bias ([C]): storage
//   read of vec4<Elem>; 3 out: storage read_write of vec4<Elem>; 4 params:
//   uniform. bias is bound even when HAS_BIAS is off.
// Params: as conv/depthwise_conv2d.wgsl, with `size` the thread count:
//   batch * out_h * ceil(out_w / 4) * out_c / 4.
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

// Output vec4 `index` (4 channels of one pixel) with the epilogue.
fn store(index: u32, v: vec4<f32>) {
  var acc = v;
  if (HAS_BIAS) {
    acc += vec4<f32>(bias[index % (params.out_c / 4u)]);
  }
  out[index] = vec4<Elem>(vec4<f32>(activation(acc.x), activation(acc.y), activation(acc.z), activation(acc.w)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let t = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  let c4 = params.out_c / 4u;
  let w_groups = (params.out_w + 3u) / 4u;
  if (t >= params.size) {
    return;
  }
  let oc4 = t % c4;
  let ow0 = ((t / c4) % w_groups) * 4u;
  let oh = (t / (c4 * w_groups)) % params.out_h;
  let n = t / (c4 * w_groups * params.out_h);
  let ih0 = i32(oh * params.stride_h) - i32(params.pad_top);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let sw = i32(params.stride_w);
  for (var kh = 0u; kh < params.kernel_h; kh++) {
    let ih = ih0 + i32(kh * params.dilation_h);
    if (ih < 0 || ih >= i32(params.in_h)) {
      continue;
    }
    let row = (n * params.in_h + u32(ih)) * params.in_w;
    for (var kw = 0u; kw < params.kernel_w; kw++) {
      let wv = vec4<f32>(weights[(kh * params.kernel_w + kw) * c4 + oc4]);
      let iw = i32(ow0 * params.stride_w) - i32(params.pad_left) + i32(kw * params.dilation_w);
      let in_w = i32(params.in_w);
      if (iw >= 0 && iw < in_w) {
        acc0 = fma(vec4<f32>(x[(row + u32(iw)) * c4 + oc4]), wv, acc0);
      }
      if (iw + sw >= 0 && iw + sw < in_w) {
        acc1 = fma(vec4<f32>(x[(row + u32(iw + sw)) * c4 + oc4]), wv, acc1);
      }
      if (iw + 2 * sw >= 0 && iw + 2 * sw < in_w) {
        acc2 = fma(vec4<f32>(x[(row + u32(iw + 2 * sw)) * c4 + oc4]), wv, acc2);
      }
      if (iw + 3 * sw >= 0 && iw + 3 * sw < in_w) {
        acc3 = fma(vec4<f32>(x[(row + u32(iw + 3 * sw)) * c4 + oc4]), wv, acc3);
      }
    }
  }
  let base = ((n * params.out_h + oh) * params.out_w + ow0) * c4 + oc4;
  store(base, acc0);
  if (ow0 + 1u < params.out_w) {
    store(base + c4, acc1);
  }
  if (ow0 + 2u < params.out_w) {
    store(base + 2u * c4, acc2);
  }
  if (ow0 + 3u < params.out_w) {
    store(base + 3u * c4, acc3);
  }
}
