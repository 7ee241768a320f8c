// dx = the gradient of maxPool or avgPool (as computed by pool/pool2d.wgsl)
// with respect to x: one thread per dx element, visiting every window that
// contains it. Average: each window passes dy / (its taps inside the image).
// Max: a window passes dy only to its first largest tap in scan order, which
// this thread finds again by rescanning the window.
//
// Bindings (group 0): 0 x, 1 dy: storage read of Elem (x is read only for
//   max); 2 dx: storage read_write of Elem; 3 params: uniform.
// Params {
//   size: u32,                         dx element count
//   batch, in_h, in_w, channels: u32,
//   out_h, out_w: u32,                 dy's spatial dims
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
@group(0) @binding(1) var<storage, read> dy: array<Elem>;
@group(0) @binding(2) var<storage, read_write> dx: array<Elem>;
@group(0) @binding(3) var<uniform> params: Params;

// The dy coordinate whose window reaches input coordinate `i` through
// window offset `offset`, or -1 when none does.
fn source_coord(i: u32, offset: u32, pad: u32, stride: u32, size: u32) -> i32 {
  let shifted = i32(i + pad) - i32(offset);
  if (shifted < 0 || shifted % i32(stride) != 0) {
    return -1;
  }
  let o = shifted / i32(stride);
  return select(-1, o, o < i32(size));
}

// Taps of a window starting at `start` (step `dilation`) that land in [0, size).
fn taps_inside(start: i32, window: u32, dilation: u32, size: u32) -> u32 {
  var count = 0u;
  for (var k = 0u; k < window; k++) {
    let p = start + i32(k * dilation);
    count += select(0u, 1u, p >= 0 && p < i32(size));
  }
  return count;
}

// Flat x index of the first largest tap of window (n, oh, ow) in channel c.
fn window_argmax(n: u32, oh: u32, ow: u32, c: u32) -> u32 {
  let ih0 = i32(oh * params.stride_h) - i32(params.pad_top);
  let iw0 = i32(ow * params.stride_w) - i32(params.pad_left);
  var best = -0x1.fffffep+127f;
  var best_index = 0xffffffffu;
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
      let index = ((n * params.in_h + u32(ih)) * params.in_w + u32(iw)) * params.channels + c;
      let v = f32(x[index]);
      if (v > best || best_index == 0xffffffffu) {
        best = v;
        best_index = index;
      }
    }
  }
  return best_index;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c = i % params.channels;
  let iw = (i / params.channels) % params.in_w;
  let ih = (i / (params.channels * params.in_w)) % params.in_h;
  let n = i / (params.channels * params.in_w * params.in_h);
  var acc = 0.0;
  for (var kh = 0u; kh < params.window_h; kh++) {
    let oh = source_coord(ih, kh * params.dilation_h, params.pad_top, params.stride_h, params.out_h);
    if (oh < 0) {
      continue;
    }
    for (var kw = 0u; kw < params.window_w; kw++) {
      let ow = source_coord(iw, kw * params.dilation_w, params.pad_left, params.stride_w, params.out_w);
      if (ow < 0) {
        continue;
      }
      let g = f32(dy[((n * params.out_h + u32(oh)) * params.out_w + u32(ow)) * params.channels + c]);
      if (AVERAGE) {
        let rows = taps_inside(oh * i32(params.stride_h) - i32(params.pad_top), params.window_h,
                               params.dilation_h, params.in_h);
        let cols = taps_inside(ow * i32(params.stride_w) - i32(params.pad_left), params.window_w,
                               params.dilation_w, params.in_w);
        acc += g / f32(rows * cols);
      } else if (window_argmax(n, u32(oh), u32(ow), c) == i) {
        acc += g;
      }
    }
  }
  dx[i] = Elem(acc);
}
