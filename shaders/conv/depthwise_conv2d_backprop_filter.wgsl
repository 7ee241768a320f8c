// dweights = the gradient of depthwiseConv2d with respect to its weights: one
// workgroup per weight (kh, kw, oc), its threads striding over dy's pixels and
// summing x * dy, then a tree reduction in workgroup memory. Layouts and
// weights as in conv/depthwise_conv2d.wgsl; `in_*` are x's dims, `out_*` dy's.
//
// Bindings (group 0): 0 x, 1 dy: storage read of Elem; 2 dweights: storage
//   read_write of Elem ([KH, KW, in_c, multiplier]); 3 params: uniform.
// Params {
//   batch, in_h, in_w, in_c: u32,
//   out_h, out_w, out_c, multiplier: u32,
//   kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w: u32,
//   pad_top, pad_left: u32,
// }
// Overrides: WORKGROUP_SIZE (64, a power of two).
// Slots: `types` (Elem; f32 as written; arithmetic is f32).
// Dispatch: KH * KW * out_c workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
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
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read> dy: array<Elem>;
@group(0) @binding(2) var<storage, read_write> dweights: array<Elem>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> partial_sums: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lane: u32) {
  let weight = wid.x + wid.y * groups.x;
  let weight_count = params.kernel_h * params.kernel_w * params.out_c;
  if (weight >= weight_count) {
    return;
  }
  let oc = weight % params.out_c;
  let kw = (weight / params.out_c) % params.kernel_w;
  let kh = weight / (params.out_c * params.kernel_w);
  let c = oc / params.multiplier;
  let pixels = params.batch * params.out_h * params.out_w;
  var acc = 0.0;
  for (var p = lane; p < pixels; p += WORKGROUP_SIZE) {
    let ow = p % params.out_w;
    let oh = (p / params.out_w) % params.out_h;
    let n = p / (params.out_w * params.out_h);
    let ih = i32(oh * params.stride_h + kh * params.dilation_h) - i32(params.pad_top);
    let iw = i32(ow * params.stride_w + kw * params.dilation_w) - i32(params.pad_left);
    if (ih >= 0 && ih < i32(params.in_h) && iw >= 0 && iw < i32(params.in_w)) {
      let xv = f32(x[((n * params.in_h + u32(ih)) * params.in_w + u32(iw)) * params.in_c + c]);
      acc = fma(xv, f32(dy[p * params.out_c + oc]), acc);
    }
  }
  partial_sums[lane] = acc;
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    workgroupBarrier();
    if (lane < width) {
      partial_sums[lane] += partial_sums[lane + width];
    }
  }
  if (lane == 0u) {
    dweights[weight] = Elem(partial_sums[0]);
  }
}
