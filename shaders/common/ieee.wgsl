// Prelude: IEEE special values for op bodies (`// @import common/ieee.wgsl`):
// infinity and NaN, and whether a value is infinite. Tint rejects infinite
// and NaN constants, so they are built from the bits of a runtime value
// (`like`, its bits & 0); tests go through the bits, since compilers may
// assume no value is NaN or infinite.
//
// Needs nothing from the importing kernel.

// @import common/is_nan.wgsl

fn infinity(like: f32) -> f32 {
  return bitcast<f32>(0x7f800000u | (bitcast<u32>(like) & 0u));
}

fn nan_like(like: f32) -> f32 {
  return bitcast<f32>(0x7fc00000u | (bitcast<u32>(like) & 0u));
}

fn is_inf(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) == 0x7f800000u;
}
