// out[o, i] = combine over r of x[o, r, i]: the reduction of one axis of x
// viewed as [outer, reduce_size, inner] (adjacent reduced axes merge into one;
// the caller transposes scattered axes together first). One workgroup per
// output element: its threads stride over the axis, then a tree reduction in
// workgroup memory.
//
// Bindings (group 0): 0 x: storage read of Elem; 1 out: storage read_write of
//   Elem ([outer, inner]); 2 params: uniform.
// Params {
//   outer, reduce_size, inner: u32,
//   identity_bits: u32,  the bits of combine's identity as an Elem (0 for a
//                        sum, 1.0 for a product, -inf for max, +inf for min)
//   scale: f32,          applied to the result when SCALED (1 / reduce_size: mean)
// }
// Overrides: WORKGROUP_SIZE (64, a power of two), SCALED (false).
// Slots: `types` (Elem; f32 as written), `body` (combine(a: Elem, b: Elem)
//   -> Elem; a sum as written: `a + b`; max(a, b), a * b, min(a, b) and for
//   0/1 integers a & b (all) and a | b (any); is_nan(v: f32) is there for
//   NaN-propagating bodies).
// Dispatch: outer * inner workgroups laid out 2-D (x, then y). A very long
// axis with few outputs is better split in two passes (reduce_size = r1 * r2:
// reduce r2, then r1).

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

var<workgroup> partials: array<Elem, WORKGROUP_SIZE>;

// @import reduce/combine.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lane: u32) {
  let output = wid.x + wid.y * groups.x;
  if (output >= params.outer * params.inner) {
    return;
  }
  let base = (output / params.inner) * params.reduce_size * params.inner + output % params.inner;
  var acc = bitcast<Elem>(params.identity_bits);
  for (var r = lane; r < params.reduce_size; r += WORKGROUP_SIZE) {
    acc = combine(acc, x[base + r * params.inner]);
  }
  partials[lane] = acc;
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    workgroupBarrier();
    if (lane < width) {
      partials[lane] = combine(partials[lane], partials[lane + width]);
    }
  }
  if (lane == 0u) {
    var result = partials[0];
    if (SCALED) {
      result = Elem(f32(result) * params.scale);
    }
    out[output] = result;
  }
}
