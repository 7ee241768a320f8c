// Prelude: x viewed as rows along one axis, [outer, cols, inner] (each of the
// rows = outer * inner rows holds cols elements `inner` apart), and the
// reduction of one row's partial results across a workgroup: the row
// normalisations (softmax, layer norm) share both.
//
// Needs from the importing kernel: `params.cols` and `params.inner` (u32),
// WORKGROUP_SIZE (a power of two).

var<workgroup> scratch: array<f32, WORKGROUP_SIZE>;

// @import common/is_nan.wgsl

// The larger of a and b, or the NaN among them: WGSL's max need not see NaN,
// and a row holding NaN normalises to NaN (as numpy's and TF.js's softmax).
fn max_or_nan(a: f32, b: f32) -> f32 {
  return select(max(a, b), select(b, a, is_nan(a)), is_nan(a) || is_nan(b));
}

// The index of column `c` of row `row`.
fn element(row: u32, c: u32) -> u32 {
  return ((row / params.inner) * params.cols + c) * params.inner + row % params.inner;
}

// The max (take_max; NaN if any lane's is) or the sum of every lane's `v`, returned to all lanes.
fn workgroup_reduce(lane: u32, v: f32, take_max: bool) -> f32 {
  scratch[lane] = v;
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    workgroupBarrier();
    if (lane < width) {
      let a = scratch[lane];
      let b = scratch[lane + width];
      scratch[lane] = select(a + b, max_or_nan(a, b), take_max);
    }
  }
  workgroupBarrier();
  let result = scratch[0];
  workgroupBarrier();
  return result;
}
