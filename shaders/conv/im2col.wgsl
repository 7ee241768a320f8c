// The rows of a conv as an explicit GEMM (im2col): row p, an output pixel,
// holds x at every tap of p's window in the filter's order ((kd, kh, kw),
// then Cin), 0 in the padding, and zeros after the last tap up to a multiple
// of 4. The conv is then this matrix times the filter seen as [taps * Cin,
// Cout] (zero-padded to as many rows), so the fastest GEMM runs it: on CPU
// adapters the registers matmul, whose one pipeline then serves a network's
// 1x1 and wider convs alike. Layouts as in conv/conv.wgsl (x NDHWC).
//
// One thread a (pixel, tap): the tap's place is found once for its Cin
// values (on SwiftShader the index math, not the copy, is most of the time),
// which it copies an item at a time: an element, or with Cin a multiple of 4
// 4 channels (the `items` slot).
//
// Bindings (group 0): 0 x: storage read of Item; 1 out: storage read_write
//   of Item ([pixels, row]); 2 params: uniform.
// Params (lengths in items):
//   size: u32,                         threads: batch * out pixels * taps
//   taps: u32,                         volume(kernel_size)
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
  taps: u32,
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
  let pixel = i / params.taps;
  let tap = i % params.taps;
  let n = pixel / volume(params.out_size);
  let o = spatial(pixel % volume(params.out_size), params.out_size);
  let k = spatial(tap, params.kernel_size);
  let at = vec3<i32>(o * params.stride + k * params.dilation) - vec3<i32>(params.pad);
  let dst = pixel * params.row + tap * params.in_c;
  if (any(at < vec3<i32>(0)) || any(at >= vec3<i32>(params.in_size))) {
    for (var ci = 0u; ci < params.in_c; ci++) {
      out[dst + ci] = Item(0.0);
    }
  } else {
    let u = vec3<u32>(at);
    let src = (((n * params.in_size.x + u.x) * params.in_size.y + u.y) * params.in_size.z + u.z) * params.in_c;
    for (var ci = 0u; ci < params.in_c; ci++) {
      out[dst + ci] = x[src + ci];
    }
  }
  // The last tap's thread also zeroes the row's padding.
  if (tap + 1u == params.taps) {
    for (var j = params.taps * params.in_c; j < params.row; j++) {
      out[pixel * params.row + j] = Item(0.0);
    }
  }
}
