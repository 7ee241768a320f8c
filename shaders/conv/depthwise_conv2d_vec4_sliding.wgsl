// out = activation(depthwiseConv2d(x, weights) + bias) with channel
// multiplier 1 and a channel count that is a multiple of 4, for a window
// whose width dilation equals its width stride (stride 1 dilation 1 above
// all): one thread per 4 channels of 4 neighbouring output pixels along a
// row. With that geometry output pixel p + 1 at tap kw reads the input column
// that pixel p reads at tap kw + 1, so the thread slides one window of 4
// input columns along the row: each tap loads one new column and one weight
// for 4 pixels, where depthwise_conv2d_vec4.wgsl (any geometry) loads a column
// and a weight per pixel and tap. On SwiftShader, which gathers every storage
// load lane by lane, loads are most of the time, and branches cost both
// sides: padding is handled by selects, not `if`s.
// Layouts as depthwise_conv2d.wgsl: x and out NHWC, weights [KH, KW, C, 1].
//
// Bindings (group 0): 0 x, 1 weights, 2 bias ([channels]): storage read of
//   vec4<Elem>; 3 out: storage read_write of vec4<Elem>; 4 params: uniform.
//   bias is bound even when HAS_BIAS is off.
// Params {
//   size: u32,                     thread count: batch * out_h * ceil(out_w / 4) * channels / 4
//   batch, in_h, in_w, channels: u32,  (channels a multiple of 4)
//   out_h, out_w: u32,
//   kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w: u32,  (dilation_w == stride_w)
//   pad_top, pad_left: u32,
//   alpha, beta: f32,              activation attributes
// }
// Overrides: WORKGROUP_SIZE (64), HAS_BIAS (false).
// Slots: `types` (Elem, the storage scalar type; f32 as written; arithmetic
//   is f32), `body` (the activation on v: f32; identity as written).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override HAS_BIAS: bool = false;

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

fn alpha() -> f32 {
  return params.alpha;
}

fn beta() -> f32 {
  return params.beta;
}

fn activation(v: f32) -> f32 {
  return v; // @body
}

// Channels c of input column `iw` in the row starting at pixel `row`; zero
// left or right of the input (negative columns wrapped to huge unsigned ones).
fn load_column(row: u32, iw: u32, c4: u32, c: u32) -> vec4<f32> {
  let inside = iw < params.in_w;
  return select(vec4<f32>(0.0), vec4<f32>(x[(row + select(0u, iw, inside)) * c4 + c]), inside);
}

// Output vec4 `index` (channels c of one pixel) with the epilogue.
fn store(index: u32, c: u32, v: vec4<f32>) {
  var acc = v;
  if (HAS_BIAS) {
    acc += vec4<f32>(bias[c]);
  }
  out[index] = vec4<Elem>(vec4<f32>(activation(acc.x), activation(acc.y), activation(acc.z), activation(acc.w)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let t = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (t >= params.size) {
    return;
  }
  let c4 = params.channels / 4u;
  let column_groups = (params.out_w + 3u) / 4u;
  let pixel_group = t / c4;
  let c = t - pixel_group * c4;
  let out_row = pixel_group / column_groups;
  let ow0 = (pixel_group - out_row * column_groups) * 4u;
  let n = out_row / params.out_h;
  let oh = out_row - n * params.out_h;
  let ih0 = oh * params.stride_h - params.pad_top;
  let iw0 = ow0 * params.stride_w - params.pad_left;
  let step = params.stride_w;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var kh = 0u; kh < params.kernel_h; kh++) {
    // A row above or below the input reads row 0 and counts with zero weights.
    let ih = ih0 + kh * params.dilation_h;
    let row_inside = ih < params.in_h;
    let row = (n * params.in_h + select(0u, ih, row_inside)) * params.in_w;
    // The columns pixels 0-2 read at tap 0; pixel 3's is loaded in the loop.
    var x0 = load_column(row, iw0, c4, c);
    var x1 = load_column(row, iw0 + step, c4, c);
    var x2 = load_column(row, iw0 + 2u * step, c4, c);
    for (var kw = 0u; kw < params.kernel_w; kw++) {
      let w = select(vec4<f32>(0.0), vec4<f32>(weights[(kh * params.kernel_w + kw) * c4 + c]), row_inside);
      let x3 = load_column(row, iw0 + kw * params.dilation_w + 3u * step, c4, c);
      acc0 = fma(x0, w, acc0);
      acc1 = fma(x1, w, acc1);
      acc2 = fma(x2, w, acc2);
      acc3 = fma(x3, w, acc3);
      x0 = x1;
      x1 = x2;
      x2 = x3;
    }
  }
  let base = (out_row * params.out_w + ow0) * c4 + c;
  store(base, c, acc0);
  if (ow0 + 1u < params.out_w) {
    store(base + c4, c, acc1);
  }
  if (ow0 + 2u < params.out_w) {
    store(base + 2u * c4, c, acc2);
  }
  if (ow0 + 3u < params.out_w) {
    store(base + 3u * c4, c, acc3);
  }
}
