// The adapter's memory bandwidth, for benchmarks: a plain copy of vec4s,
// each thread copying ITEMS of them a grid-stride apart (neighbouring threads
// touch neighbouring vec4s), so a dispatch reads and writes 16 * vec4s bytes
// each. Kernels that stream their inputs (matmul/matvec.wgsl) are judged
// against it.
//
// Bindings (group 0): 0 source: storage read of vec4<f32>; 1 destination: storage
//   read_write of vec4<f32>; 2 params: uniform.
// Params { vec4s: u32 (to copy), threads: u32 (dispatched, at least vec4s / ITEMS) }
// Overrides: WORKGROUP_SIZE (256), ITEMS (4).
// Dispatch: ceil(threads / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 256u;
override ITEMS: u32 = 4u;

struct Params {
  vec4s: u32,
  threads: u32,
}

@group(0) @binding(0) var<storage, read> source: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> destination: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let thread = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  for (var item = 0u; item < ITEMS; item++) {
    let i = thread + item * params.threads;
    if (i < params.vec4s) {
      destination[i] = source[i];
    }
  }
}
