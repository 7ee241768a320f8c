// out[j, s] = x[indices[j, 0], ..., indices[j, depth - 1], s]: gatherND with x
// viewed as [d0, ..., d(depth-1), slice_size]. A slice whose index falls
// outside x gives zeros.
//
// Bindings (group 0): 0 x: storage read of Elem; 1 indices: storage read of
//   i32 ([count, depth]); 2 out: storage read_write of Elem ([count,
//   slice_size]); 3 params: uniform.
// Params {
//   size: u32,                        output elements (count * slice_size)
//   depth: u32,                       index depth, up to 8
//   slice_size: u32,
//   x_shape: array<vec4<u32>, 2>,     d0 .. d(depth-1)
//   x_strides: array<vec4<u32>, 2>,   element strides of those dims
// }
// Overrides: WORKGROUP_SIZE (64).
// Slots: `types` (Elem; f32 as written).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  depth: u32,
  slice_size: u32,
  x_shape: array<vec4<u32>, 2>,
  x_strides: array<vec4<u32>, 2>,
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
  let slice = i / params.slice_size;
  var offset = i % params.slice_size;
  for (var d = 0u; d < params.depth; d++) {
    let index = indices[slice * params.depth + d];
    if (index < 0 || u32(index) >= params.x_shape[d / 4u][d % 4u]) {
      out[i] = Elem(0);
      return;
    }
    offset += u32(index) * params.x_strides[d / 4u][d % 4u];
  }
  out[i] = x[offset];
}
