// dx = the gradient of maxPool or avgPool (pool/pool.wgsl) with respect to x
// for windows that do not overlap (stride >= (window - 1) * dilation + 1 in
// every dim, as in the usual 2x2 stride-2 pool): one thread per dy element,
// which scans its window once and writes the taps it passes gradient to:
// dy / (its taps inside the input) to each of them (average), or dy to its
// first largest tap (max). No two windows write the same dx element, and dx
// must hold zeros beforehand (the runtime fills it), so elements that no
// window passes anything to stay 0. pool/pool_backprop.wgsl, one thread per
// dx element, serves overlapping windows and rescans each window per element.
//
// Bindings (group 0): 0 x, 1 dy: storage read of Elem (x is read only for
//   max); 2 dx: storage read_write of Elem; 3 params: uniform.
// Params {
//   size: u32,                        dy element count
//   batch, channels: u32,
//   in_size, out_size: vec3<u32>,     (depth, height, width) of dx and dy
//   window, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                   (front, top, left)
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
// @import pool/window_scan.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
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
