// out[i] = generate(i): values made from the element index alone (fill,
// range, linspace, eye) or from one int32 input read at i / u0 (oneHot).
//
// Bindings (group 0): 0 x: storage read of i32 (oneHot's indices; any small
//   buffer otherwise); 1 out: storage read_write of Out; 2 params: uniform.
// Params {
//   size: u32,          output item count
//   u0, u1: u32,        integer attributes (eye: rows, cols; oneHot: depth)
//   bits0, bits1: u32,  values as Out bits (fill: the value; oneHot: on, off)
//   f0, f1: f32,        real attributes (range, linspace: start, step)
// }
// Overrides: WORKGROUP_SIZE (64).
// Functions a body may call: the op functions of elementwise/generate_ops.wgsl
//   (`range_f32(i)`, ...), which the runtime's bodies call: `return
//   range_f32(i);`.
// Slots: `types` (Out, a 32-bit type, or vec4<u32> for 4 elements' bits at a
//   time (fill4); f32 as written), `body` (the value of item i: u32,
//   returning Out; 0 as written; the runtime calls one op function).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Out = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  u0: u32,
  u1: u32,
  bits0: u32,
  bits1: u32,
  f0: f32,
  f1: f32,
}

@group(0) @binding(0) var<storage, read> x: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<Out>;
@group(0) @binding(2) var<uniform> params: Params;

// @import elementwise/generate_ops.wgsl

fn generate(i: u32) -> Out {
  return Out(0); // @body
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  out[i] = generate(i);
}
