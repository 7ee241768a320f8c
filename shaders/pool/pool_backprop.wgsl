// dx = the gradient of maxPool or avgPool (pool/pool.wgsl, 3-D or 2-D with
// depth 1) with respect to x: one thread per dx element, visiting every
// window that contains it. Average: each window passes dy / (its taps inside
// the input). Max: a window passes dy only to its first largest tap in scan
// order, which this thread finds again by rescanning the window.
// PER_WINDOW, for windows that do not overlap (stride >= (window - 1) *
// dilation + 1 in every dim, as in the usual 2x2 stride-2 pool): one thread
// per dy element instead, which scans its window once and writes the taps it
// passes gradient to. No two windows write the same dx element, and dx must
// hold zeros beforehand (the runtime fills it), so elements that no window
// passes anything to stay 0.
//
// Bindings (group 0): 0 x, 1 dy: storage read of Elem (x is read only for
//   max); 2 dx: storage read_write of Elem; 3 params: uniform.
// Params {
//   size: u32,                        dx element count (dy's with PER_WINDOW)
//   batch, channels: u32,
//   in_size, out_size: vec3<u32>,     (depth, height, width) of dx and dy
//   window, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                   (front, top, left)
// }
// Overrides: WORKGROUP_SIZE (64), AVERAGE (false: max), PER_WINDOW (false).
// Slots: `types` (Elem; f32 as written; arithmetic is f32).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override AVERAGE: bool = false;
override PER_WINDOW: bool = false;

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
@group(0) @binding(1) var<storage, read> dy: array<Elem>;
@group(0) @binding(2) var<storage, read_write> dx: array<Elem>;
@group(0) @binding(3) var<uniform> params: Params;

// @import common/is_nan.wgsl
// @import common/volume.wgsl

fn x_index(n: u32, at: vec3<u32>, c: u32) -> u32 {
  return (((n * params.in_size.x + at.x) * params.in_size.y + at.y) * params.in_size.z + at.z) * params.channels + c;
}

// The window of output pixel `o` (image n, channel c) as (its tap count
// inside the input, the flat x index of its first largest tap in scan order;
// the latter only for max pools).
fn scan_window(n: u32, o: vec3<u32>, c: u32) -> vec2<u32> {
  let start = vec3<i32>(o * params.stride) - vec3<i32>(params.pad);
  var best = -0x1.fffffep+127f;
  var best_index = 0xffffffffu;
  var count = 0u;
  for (var tap = 0u; tap < volume(params.window); tap++) {
    let at = start + vec3<i32>(spatial(tap, params.window) * params.dilation);
    if (any(at < vec3<i32>(0)) || any(at >= vec3<i32>(params.in_size))) {
      continue;
    }
    count++;
    if (!AVERAGE) {
      let index = x_index(n, vec3<u32>(at), c);
      let v = f32(x[index]);
      if (best_index == 0xffffffffu || (!is_nan(best) && (is_nan(v) || v > best))) {
        best = v;
        best_index = index;
      }
    }
  }
  return vec2<u32>(count, best_index);
}

// PER_WINDOW: dy element i's window passes its gradient to the taps it reaches.
fn pass_window(i: u32) {
  let c = i % params.channels;
  let pixel = i / params.channels;
  let n = pixel / volume(params.out_size);
  let o = spatial(pixel % volume(params.out_size), params.out_size);
  let g = f32(dy[i]);
  let window = scan_window(n, o, c);
  if (!AVERAGE) {
    // A window with no tap inside the input passes nothing.
    if (window.y != 0xffffffffu) {
      dx[window.y] = Elem(g);
    }
    return;
  }
  let share = Elem(g / f32(window.x));
  let start = vec3<i32>(o * params.stride) - vec3<i32>(params.pad);
  for (var tap = 0u; tap < volume(params.window); tap++) {
    let at = start + vec3<i32>(spatial(tap, params.window) * params.dilation);
    if (all(at >= vec3<i32>(0)) && all(at < vec3<i32>(params.in_size))) {
      dx[x_index(n, vec3<u32>(at), c)] = share;
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  if (PER_WINDOW) {
    pass_window(i);
    return;
  }
  let c = i % params.channels;
  let pixel = i / params.channels;
  let n = pixel / volume(params.in_size);
  let here = vec3<i32>(spatial(pixel % volume(params.in_size), params.in_size));
  let stride = vec3<i32>(params.stride);
  var acc = 0.0;
  for (var tap = 0u; tap < volume(params.window); tap++) {
    // The output pixel whose window reaches here through this tap, if any.
    let shifted = here + vec3<i32>(params.pad) - vec3<i32>(spatial(tap, params.window) * params.dilation);
    let o = shifted / stride;
    if (any(shifted < vec3<i32>(0)) || any(shifted % stride != vec3<i32>(0)) ||
        any(o >= vec3<i32>(params.out_size))) {
      continue;
    }
    let out_pixel = vec3<u32>(o);
    let g = f32(dy[(((n * params.out_size.x + out_pixel.x) * params.out_size.y + out_pixel.y) * params.out_size.z +
                    out_pixel.z) * params.channels + c]);
    let window = scan_window(n, out_pixel, c);
    if (AVERAGE) {
      acc += g / f32(window.x);
    } else if (window.y == i) {
      acc += g;
    }
  }
  dx[i] = Elem(acc);
}
