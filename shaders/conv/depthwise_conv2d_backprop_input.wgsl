// dx = the gradient of depthwiseConv2d with respect to x, direct: one thread
// per dx element, summing over the filter taps and the channel multiplier
// the dy pixels that tap connects to. Layouts and weights as in
// conv/depthwise_conv2d.wgsl; `in_*` are dx's dims, `out_*` dy's.
//
// Bindings (group 0): 0 dy, 1 weights: storage read of Elem; 2 dx: storage
//   read_write of Elem; 3 params: uniform.
// Params {
//   size: u32,                     dx element count
//   batch, in_h, in_w, in_c: u32,
//   out_h, out_w, out_c, multiplier: u32,
//   kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w: u32,
//   pad_top, pad_left: u32,
// }
// Overrides: WORKGROUP_SIZE (64).
// Slots: `types` (Elem; f32 as written; arithmetic is f32).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;

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
}

@group(0) @binding(0) var<storage, read> dy: array<Elem>;
@group(0) @binding(1) var<storage, read> weights: array<Elem>;
@group(0) @binding(2) var<storage, read_write> dx: array<Elem>;
@group(0) @binding(3) var<uniform> params: Params;

// The dy coordinate that filter offset `offset` connects to input
// coordinate `i`, or -1 when none does.
fn source_coord(i: u32, offset: u32, pad: u32, stride: u32, size: u32) -> i32 {
  let shifted = i32(i + pad) - i32(offset);
  if (shifted < 0 || shifted % i32(stride) != 0) {
    return -1;
  }
  let o = shifted / i32(stride);
  return select(-1, o, o < i32(size));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c = i % params.in_c;
  let iw = (i / params.in_c) % params.in_w;
  let ih = (i / (params.in_c * params.in_w)) % params.in_h;
  let n = i / (params.in_c * params.in_w * params.in_h);
  var acc = 0.0;
  for (var kh = 0u; kh < params.kernel_h; kh++) {
    let oh = source_coord(ih, kh * params.dilation_h, params.pad_top, params.stride_h, params.out_h);
    if (oh < 0) {
      continue;
    }
    for (var kw = 0u; kw < params.kernel_w; kw++) {
      let ow = source_coord(iw, kw * params.dilation_w, params.pad_left, params.stride_w, params.out_w);
      if (ow < 0) {
        continue;
      }
      let dy_base = ((n * params.out_h + u32(oh)) * params.out_w + u32(ow)) * params.out_c + c * params.multiplier;
      let w_base = (kh * params.kernel_w + kw) * params.out_c + c * params.multiplier;
      for (var q = 0u; q < params.multiplier; q++) {
        acc = fma(f32(dy[dy_base + q]), f32(weights[w_base + q]), acc);
      }
    }
  }
  dx[i] = Elem(acc);
}
