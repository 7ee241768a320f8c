// out = the running combination (cumsum, cumprod) along one axis of x viewed
// as [outer, size, inner]: one thread per (outer, inner) line scanning it in
// order, so neighbouring threads read neighbouring addresses when inner > 1.
// EXCLUSIVE leaves out each element itself; REVERSE scans from the end.
//
// Bindings (group 0): 0 x: storage read of Elem; 1 out: storage read_write of
//   Elem (x's shape); 2 params: uniform.
// Params { outer, size, inner: u32, identity_bits: u32 (combine's identity as Elem bits) }
// Overrides: WORKGROUP_SIZE (64), EXCLUSIVE, REVERSE (false).
// Slots: `types` (Elem; f32 as written), `body` (reduce/combine.wgsl's
//   combine(a: Elem, b: Elem) -> Elem; a sum as written).
// Dispatch: ceil(outer * inner / WORKGROUP_SIZE) workgroups laid out 2-D.

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override EXCLUSIVE: bool = false;
override REVERSE: bool = false;

struct Params {
  outer: u32,
  size: u32,
  inner: u32,
  identity_bits: u32,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read_write> out: array<Elem>;
@group(0) @binding(2) var<uniform> params: Params;

// @import reduce/combine.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let line = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (line >= params.outer * params.inner) {
    return;
  }
  let base = (line / params.inner) * params.size * params.inner + line % params.inner;
  var acc = bitcast<Elem>(params.identity_bits);
  for (var step = 0u; step < params.size; step++) {
    let index = base + select(step, params.size - 1u - step, REVERSE) * params.inner;
    let v = x[index];
    if (EXCLUSIVE) {
      out[index] = acc;
      acc = combine(acc, v);
    } else {
      acc = combine(acc, v);
      out[index] = acc;
    }
  }
}
