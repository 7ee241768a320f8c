// dx of a conv whose windows tile x exactly (stride equal to the window, no
// dilation, no padding: a transposed conv upsampling by its window), one
// thread per dy pixel and dx channel: each of the pixel's window taps is one
// dx element, dx[n, o * window + k, ci] = sum over co of dy[n, o, co] *
// weights[k, ci, co], so no element sums over more than one pixel and the
// thread writes its window's elements itself (no product to lay out after).
// dy and the weights are read 4 channels (co) at a time: Cout a multiple of 4.
// Layouts as in conv/conv.wgsl: dy and dx NDHWC, weights DHWIO ([KD, KH, KW,
// Cin, Cout]); conv2d has depth 1, conv1d depth and height 1.
//
// Bindings (group 0): 0 dy, 1 weights: storage read of vec4<Elem>; 2 dx:
//   storage read_write of Elem; 3 params: uniform.
// Params {
//   size: u32,                     thread count: dy pixels * in_c
//   in_c, out_c: u32,              dx's channels (Cin), dy's (Cout, a multiple of 4)
//   out_size: vec3<u32>,           dy's (depth, height, width)
//   window: vec3<u32>,             the taps (depth, height, width); dx is out_size * window
// }
// Overrides: WORKGROUP_SIZE (64).
// Slots: `types` (Elem; f32 as written; arithmetic is f32).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  in_c: u32,
  out_c: u32,
  out_size: vec3<u32>,
  window: vec3<u32>,
}

@group(0) @binding(0) var<storage, read> dy: array<vec4<Elem>>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read_write> dx: array<Elem>;
@group(0) @binding(3) var<uniform> params: Params;

// @import common/volume.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let pixel = i / params.in_c;
  let ci = i % params.in_c;
  let n = pixel / volume(params.out_size);
  let o = spatial(pixel % volume(params.out_size), params.out_size);
  let dx_size = params.out_size * params.window;
  let out_c4 = params.out_c / 4u;
  let dy_start = pixel * out_c4;
  var tap = 0u;
  for (var kd = 0u; kd < params.window.x; kd++) {
    for (var kh = 0u; kh < params.window.y; kh++) {
      let dx_row = ((n * dx_size.x + o.x * params.window.x + kd) * dx_size.y + o.y * params.window.y + kh) * dx_size.z;
      for (var kw = 0u; kw < params.window.z; kw++) {
        let w_start = (tap * params.in_c + ci) * out_c4;
        var sum = vec4<f32>(0.0);
        for (var co4 = 0u; co4 < out_c4; co4++) {
          sum = fma(vec4<f32>(dy[dy_start + co4]), vec4<f32>(weights[w_start + co4]), sum);
        }
        dx[(dx_row + o.z * params.window.z + kw) * params.in_c + ci] = Elem(sum.x + sum.y + sum.z + sum.w);
        tap++;
      }
    }
  }
}
