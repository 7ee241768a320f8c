// out = activation(depthwiseConv2d(x, weights) + bias), direct: one thread per
// output element, looping over the filter window. x and out are NHWC;
// weights are [KH, KW, Cin, multiplier] and output channel c * multiplier + q
// reads input channel c with weights[kh, kw, c, q], so the weight of tap
// (kh, kw) for output channel oc sits at (kh * KW + kw) * out_c + oc.
//
// Bindings (group 0): 0 x, 1 weights, 2 bias ([out_c]): storage read of Elem;
//   3 out: storage read_write of Elem; 4 params: uniform. bias is bound even
//   when HAS_BIAS is off.
// Params {
//   size: u32,                     output element count
//   batch, in_h, in_w, in_c: u32,
//   out_h, out_w, out_c: u32,      out_c = in_c * multiplier
//   multiplier: u32,
//   kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w: u32,
//   pad_top, pad_left: u32,
//   alpha, beta: f32,              activation attributes
// }
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

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read> weights: array<Elem>;
@group(0) @binding(2) var<storage, read> bias: array<Elem>;
@group(0) @binding(3) var<storage, read_write> out: array<Elem>;
@group(0) @binding(4) var<uniform> params: Params;

// @import common/activation.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let oc = i % params.out_c;
  let ow = (i / params.out_c) % params.out_w;
  let oh = (i / (params.out_c * params.out_w)) % params.out_h;
  let n = i / (params.out_c * params.out_w * params.out_h);
  let c = oc / params.multiplier;
  let ih0 = i32(oh * params.stride_h) - i32(params.pad_top);
  let iw0 = i32(ow * params.stride_w) - i32(params.pad_left);
  var acc = 0.0;
  for (var kh = 0u; kh < params.kernel_h; kh++) {
    let ih = ih0 + i32(kh * params.dilation_h);
    if (ih < 0 || ih >= i32(params.in_h)) {
      continue;
    }
    for (var kw = 0u; kw < params.kernel_w; kw++) {
      let iw = iw0 + i32(kw * params.dilation_w);
      if (iw < 0 || iw >= i32(params.in_w)) {
        continue;
      }
      let xv = f32(x[((n * params.in_h + u32(ih)) * params.in_w + u32(iw)) * params.in_c + c]);
      acc = fma(xv, f32(weights[(kh * params.kernel_w + kw) * params.out_c + oc]), acc);
    }
  }
  if (HAS_BIAS) {
    acc += f32(bias[oc]);
  }
  out[i] = Elem(activation(acc));
}
