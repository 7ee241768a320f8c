// out[o, j, i] = x[o, indices[j], i]: gather along one axis of x viewed as
// [outer, axis_size, inner]; out is [outer, count, inner]. An index outside
// [0, axis_size) gives 0 (the runtime checks indices where it must throw).
//
// Bindings (group 0): 0 x: storage read of Elem; 1 indices: storage read of
//   i32 ([count]); 2 out: storage read_write of Elem; 3 params: uniform.
// Params { size: u32 (output elements), axis_size, count, inner: u32 }
// Overrides: WORKGROUP_SIZE (64).
// Slots: `types` (Elem; f32 as written).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  axis_size: u32,
  count: u32,
  inner: u32,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read> indices: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<Elem>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let inner = i % params.inner;
  let j = (i / params.inner) % params.count;
  let o = i / (params.inner * params.count);
  let index = indices[j];
  if (index < 0 || u32(index) >= params.axis_size) {
    out[i] = Elem(0);
    return;
  }
  out[i] = x[(o * params.axis_size + u32(index)) * params.inner + inner];
}
