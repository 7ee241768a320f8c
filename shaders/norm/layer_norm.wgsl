// out = (x - mean) / sqrt(variance + epsilon) * gamma + beta along one axis of
// x viewed as [outer, cols, inner] (norm/rows.wgsl; layerNorm's normalised
// axes merged into cols): the mean first, then the variance of the deviations
// (two passes, which keeps it accurate when the mean is large). gamma and beta
// broadcast to x: element i reads gamma[i % gamma_period] (the runtime
// materialises other broadcasts so that this holds). Either one workgroup per
// row, its threads striding over the columns and combining by tree
// reductions, or with THREAD_PER_ROW one thread per row looping over it (many
// short rows: a workgroup's barriers cost CPU adapters more than the row's work).
//
// Bindings (group 0): 0 x, 1 gamma, 2 beta: storage read; 3 out: storage
//   read_write (x's shape); 4 params: uniform. f32.
// Params { rows, cols, inner, gamma_period, beta_period: u32, epsilon: f32 }
// Overrides: WORKGROUP_SIZE (64, a power of two), HAS_GAMMA (true), HAS_BETA
//   (true), THREAD_PER_ROW (false).
// Dispatch: rows workgroups, or with THREAD_PER_ROW ceil(rows / WORKGROUP_SIZE),
//   laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;
override HAS_GAMMA: bool = true;
override HAS_BETA: bool = true;
override THREAD_PER_ROW: bool = false;

struct Params {
  rows: u32,
  cols: u32,
  inner: u32,
  gamma_period: u32,
  beta_period: u32,
  epsilon: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// @import norm/rows.wgsl

// The row's sum: the thread's own partial sum with THREAD_PER_ROW, else every lane's.
fn row_sum(lane: u32, partial: f32) -> f32 {
  if (THREAD_PER_ROW) {
    return partial;
  }
  return workgroup_reduce(lane, partial, false);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lane: u32) {
  let group = wid.x + wid.y * groups.x;
  let row = select(group, group * WORKGROUP_SIZE + lane, THREAD_PER_ROW);
  let first = select(lane, 0u, THREAD_PER_ROW);
  let step = select(WORKGROUP_SIZE, 1u, THREAD_PER_ROW);
  // A thread past the last row loops over no columns rather than returning:
  // a return that depends on the lane would put the barriers of the workgroup
  // reductions in non-uniform control flow.
  let cols = select(0u, params.cols, row < params.rows);
  var total = 0.0;
  for (var c = first; c < cols; c += step) {
    total += x[element(row, c)];
  }
  let mean = row_sum(lane, total) / f32(params.cols);
  var squares = 0.0;
  for (var c = first; c < cols; c += step) {
    let d = x[element(row, c)] - mean;
    squares += d * d;
  }
  let inv_std = inverseSqrt(row_sum(lane, squares) / f32(params.cols) + params.epsilon);
  for (var c = first; c < cols; c += step) {
    let i = element(row, c);
    var v = (x[i] - mean) * inv_std;
    if (HAS_GAMMA) {
      v *= gamma[i % params.gamma_period];
    }
    if (HAS_BETA) {
      v += beta[i % params.beta_period];
    }
    out[i] = v;
  }
}
