// out = condition ? a : b (TensorFlow's where) with numpy broadcasting of all
// three inputs, rank up to 8. The condition is stored as u32 (0 false).
//
// Bindings (group 0): 0 condition: storage read of u32; 1 a, 2 b: storage
//   read of Elem; 3 out: storage read_write of Elem; 4 params: uniform.
// Params {
//   size: u32,                           output element count
//   rank: u32,
//   out_shape: array<vec4<u32>, 2>,      output dims, outermost first
//   condition_strides: array<vec4<u32>, 2>,  element strides per output dim,
//   a_strides: array<vec4<u32>, 2>,      0 where that input is broadcast
//   b_strides: array<vec4<u32>, 2>,
// }
// Overrides: WORKGROUP_SIZE (64).
// Slots: `types` (Elem; f32 as written).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  rank: u32,
  out_shape: array<vec4<u32>, 2>,
  condition_strides: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> condition: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<Elem>;
@group(0) @binding(2) var<storage, read> b: array<Elem>;
@group(0) @binding(3) var<storage, read_write> out: array<Elem>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  var indices = vec3<u32>(0u);  // condition, a, b
  var rest = i;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let dim = params.out_shape[d / 4][d % 4];
    let coord = rest % dim;
    rest /= dim;
    indices += coord * vec3<u32>(params.condition_strides[d / 4][d % 4], params.a_strides[d / 4][d % 4],
                                 params.b_strides[d / 4][d % 4]);
  }
  out[i] = select(b[indices.z], a[indices.y], condition[indices.x] != 0u);
}
