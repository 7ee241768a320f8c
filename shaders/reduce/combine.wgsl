// Prelude: the reduction's combining function, for reduce/reduce.wgsl,
// reduce/reduce_subgroup.wgsl and reduce/reduce_per_thread.wgsl
// (`// @import reduce/combine.wgsl`). The runtime fills the `body` slot;
// bodies may call is_nan(v: f32).
//
// Needs from the importing kernel: `Elem`, the element type.
// Slots: `body` (combine(a, b: Elem) -> Elem; a sum as written).

// @import common/is_nan.wgsl

fn combine(a: Elem, b: Elem) -> Elem {
  return a + b; // @body
}
