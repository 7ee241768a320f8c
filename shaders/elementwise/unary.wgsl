// y[i] = op(x[i]) for every element of a flat float32 tensor.
// Specialisation: `size` in the uniform buffer (any shape), WORKGROUP_SIZE as
// an override constant, the op as the `// @body` line substitution.
// Dispatch is 2-D so sizes past 65,535 workgroups fit: the flat index runs
// along x first, then y.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn unary_op(v: f32) -> f32 {
  return v; // @body
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  y[i] = unary_op(x[i]);
}
