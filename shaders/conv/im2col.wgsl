// The rows of a conv as an explicit GEMM (im2col): row p, an output pixel,
// holds x at every tap of p's window in the filter's order ((kd, kh, kw),
// then Cin), 0 in the padding, and zeros after the last tap up to a multiple
// of 4. The conv is then this matrix times the filter seen as [taps * Cin,
// Cout] (zero-padded to as many rows), so the fastest GEMM runs it: on CPU
// adapters the registers matmul, whose one pipeline then serves a network's
// 1x1 and wider convs alike. Layouts as in conv/conv.wgsl (x NDHWC).
//
// One thread a (pixel, window row): the row's place is found once for its
// taps along the width and their Cin values (on SwiftShader the index math,
// not the copy, is most of the time), which it copies an item at a time: an
// element, or with Cin a multiple of 4 4 channels (the `items` slot).
//
// Bindings (group 0): 0 x: storage read of Item; 1 out: storage read_write
//   of Item ([pixels, row]); 2 params: uniform.
// Params (lengths in items):
//   size: u32,                         threads: batch * out pixels * window_rows
//   window_rows: u32,                  kernel_size.x * kernel_size.y (depth and height taps)
//   row: u32,                          out's row length: taps * in_c rounded up to a multiple of 4 elements
//   in_c: u32,
//   in_size, out_size: vec3<u32>,      (depth, height, width) of x and of the conv's output
//   kernel_size, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                    (front, top, left)
// }
// Overrides: WORKGROUP_SIZE (64).
// Slots: `types` (Elem; f32 as written), `items` (Item: Elem as written, or vec4<Elem>).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types
alias Item = Elem; // @items

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  window_rows: u32,
  row: u32,
  in_c: u32,
  in_size: vec3<u32>,
  out_size: vec3<u32>,
  kernel_size: vec3<u32>,
  stride: vec3<u32>,
  dilation: vec3<u32>,
  pad: vec3<u32>,
}

@group(0) @binding(0) var<storage, read> x: array<Item>;
@group(0) @binding(1) var<storage, read_write> out: array<Item>;
@group(0) @binding(2) var<uniform> params: Params;

// @import common/volume.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let pixel = i / params.window_rows;
  let window_row = i % params.window_rows;
  let n = pixel / volume(params.out_size);
  let o = spatial(pixel % volume(params.out_size), params.out_size);
  let width = params.kernel_size.z;
  let k = vec2<u32>(window_row / params.kernel_size.y, window_row % params.kernel_size.y) * params.dilation.xy;
  let at = vec2<i32>(o.xy * params.stride.xy + k) - vec2<i32>(params.pad.xy);
  let inside = all(at >= vec2<i32>(0)) && all(at < vec2<i32>(params.in_size.xy));
  let x_row = ((n * params.in_size.x + u32(max(at.x, 0))) * params.in_size.y + u32(max(at.y, 0))) * params.in_size.z;
  let w0 = i32(o.z * params.stride.z) - i32(params.pad.z);
  var dst = pixel * params.row + window_row * width * params.in_c;
  for (var kw = 0u; kw < width; kw++) {
    let w = w0 + i32(kw * params.dilation.z);
    if (inside && w >= 0 && w < i32(params.in_size.z)) {
      let src = (x_row + u32(w)) * params.in_c;
      for (var ci = 0u; ci < params.in_c; ci++) {
        out[dst + ci] = x[src + ci];
      }
    } else {
      for (var ci = 0u; ci < params.in_c; ci++) {
        out[dst + ci] = Item(0.0);
      }
    }
    dst += params.in_c;
  }
  // The last window row's thread also zeroes the row's padding.
  if (window_row + 1u == params.window_rows) {
    for (var j = params.window_rows * width * params.in_c; j < params.row; j++) {
      out[pixel * params.row + j] = Item(0.0);
    }
  }
}
