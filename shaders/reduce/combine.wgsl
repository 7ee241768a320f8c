// Prelude: the reduction's combining function, for reduce/reduce.wgsl,
// reduce/reduce_subgroup.wgsl and reduce/reduce_per_thread.wgsl
// (`// @import reduce/combine.wgsl`). The runtime fills the `body` slot
// with a call of a binary op's function (`return maximum_f32(a, b);`, from
// elementwise/binary_ops.wgsl, imported here), so a reduction combines as
// the op does.
//
// Needs from the importing kernel: `Elem`, the element type.
// Slots: `body` (combine(a, b: Elem) -> Elem; a sum as written).

// @import elementwise/binary_ops.wgsl

fn combine(a: Elem, b: Elem) -> Elem {
  return a + b; // @body
}
