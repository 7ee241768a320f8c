// Prelude: NaN by its bits (`// @import common/is_nan.wgsl`), for kernels and
// bodies that treat NaN apart (NaN-propagating max and pooling, argMax and
// sorting counting NaN as largest): compilers may assume `v != v` is false,
// and WGSL's comparisons and max need not see NaN.
//
// Needs nothing from the importing kernel.

fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}
