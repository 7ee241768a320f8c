enable subgroups;
// reduce/reduce.wgsl for adapters with the `subgroups` feature: the same
// bindings, uniform, overrides, slots and dispatch (see there), but each
// subgroup combines its lanes' values by a butterfly of subgroupShuffleXor
// (so any `combine` body works) instead of a tree through workgroup memory;
// the subgroups' results then meet in workgroup memory, combined in order by
// one thread after a single barrier.
//
// Bindings (group 0): 0 x: storage read of Elem; 1 out: storage read_write of
//   Elem ([outer, inner]); 2 params: uniform.
// Params { outer, reduce_size, inner: u32, identity_bits: u32, scale: f32 }
// Overrides: WORKGROUP_SIZE (64, a power of two), SCALED (false).
// Slots: `types` (Elem, a 32-bit type; f32 as written), `body` (combine(a: Elem,
//   b: Elem) -> Elem; a sum as written).
// Dispatch: outer * inner workgroups laid out 2-D (x, then y).

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

// Each subgroup's result at the slot of its first lane; identity elsewhere.
// (WebGPU does not promise which invocations form a subgroup, so the slots
// are the lanes themselves.)
var<workgroup> partials: array<Elem, WORKGROUP_SIZE>;

// @import reduce/combine.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lane: u32,
        @builtin(subgroup_invocation_id) subgroup_lane: u32,
        @builtin(subgroup_size) subgroup_size: u32) {
  let output = wid.x + wid.y * groups.x;
  if (output >= params.outer * params.inner) {
    return;
  }
  let base = (output / params.inner) * params.reduce_size * params.inner + output % params.inner;
  let identity = bitcast<Elem>(params.identity_bits);
  var acc = identity;
  for (var r = lane; r < params.reduce_size; r += WORKGROUP_SIZE) {
    acc = combine(acc, x[base + r * params.inner]);
  }
  for (var offset = subgroup_size / 2u; offset > 0u; offset /= 2u) {
    acc = combine(acc, subgroupShuffleXor(acc, offset));
  }
  partials[lane] = select(identity, acc, subgroup_lane == 0u);
  workgroupBarrier();
  if (lane == 0u) {
    var result = identity;
    for (var k = 0u; k < WORKGROUP_SIZE; k++) {
      result = combine(result, partials[k]);
    }
    if (SCALED) {
      result = Elem(f32(result) * params.scale);
    }
    out[output] = result;
  }
}
