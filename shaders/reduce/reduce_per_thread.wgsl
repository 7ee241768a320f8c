// out[o, i] = combine over r of x[o, r, i], as reduce/reduce.wgsl (the same
// bindings, uniform, overrides and slots; see there), but one thread per
// output element, looping over the axis: for many outputs with short axes
// (softmax's rows, a layer norm's), where a workgroup per output spends its
// time on the workgroup itself (a barrier, and on CPU adapters a serial
// combine of its 64 partial results for every output).
//
// Bindings (group 0): 0 x: storage read of Elem; 1 out: storage read_write of
//   Elem ([outer, inner]); 2 params: uniform.
// Params { outer, reduce_size, inner: u32, identity_bits: u32, scale: f32 }
// Overrides: WORKGROUP_SIZE (64), SCALED (false).
// Slots: `types` (Elem; f32 as written), `body` (combine(a: Elem, b: Elem)
//   -> Elem; a sum as written).
// Dispatch: ceil(outer * inner / WORKGROUP_SIZE) workgroups laid out 2-D (x,
// then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override SCALED: bool = false;

struct Params {
  outer: u32,
  reduce_size: u32,
  inner: u32,
  identity_bits: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read_write> out: array<Elem>;
@group(0) @binding(2) var<uniform> params: Params;

// @import reduce/combine.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let output = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (output >= params.outer * params.inner) {
    return;
  }
  let base = (output / params.inner) * params.reduce_size * params.inner + output % params.inner;
  var acc = bitcast<Elem>(params.identity_bits);
  for (var r = 0u; r < params.reduce_size; r++) {
    acc = combine(acc, x[base + r * params.inner]);
  }
  if (SCALED) {
    acc = Elem(f32(acc) * params.scale);
  }
  out[output] = acc;
}
