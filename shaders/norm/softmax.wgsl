// out = softmax(x) (or logSoftmax with LOG) along one axis of x, viewed as
// [outer, cols, inner]: each of the rows = outer * inner rows holds cols
// elements `inner` apart. Large logits do not overflow: the row max is
// subtracted first; a row holding NaN gives NaN. Either one workgroup per row, its threads striding over
// the columns, the max and then the sum of exponentials from tree reductions
// in workgroup memory; or, with THREAD_PER_ROW, one thread per row looping
// over it (many short rows: a workgroup's barriers cost CPU adapters more
// than the row's work).
//
// Bindings (group 0): 0 x: storage read; 1 out: storage read_write (x's
//   shape); 2 params: uniform. f32.
// Params { rows, cols, inner: u32 }
// Overrides: WORKGROUP_SIZE (64, a power of two), LOG (false), THREAD_PER_ROW (false).
// Dispatch: rows workgroups, or with THREAD_PER_ROW ceil(rows / WORKGROUP_SIZE),
// laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;
override LOG: bool = false;
override THREAD_PER_ROW: bool = false;

struct Params {
  rows: u32,
  cols: u32,
  inner: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// @import norm/rows.wgsl

fn normalized(v: f32, row_max: f32, log_total: f32) -> f32 {
  if (is_nan(row_max)) {
    return row_max; // exp(NaN) need not be NaN (SwiftShader's is Inf)
  }
  let shifted = v - row_max;
  return select(exp(shifted - log_total), shifted - log_total, LOG);
}

// THREAD_PER_ROW: the whole row in one thread.
fn row_in_thread(row: u32) {
  var row_max = -0x1.fffffep+127f;
  for (var c = 0u; c < params.cols; c++) {
    row_max = max_or_nan(row_max, x[element(row, c)]);
  }
  var total = 0.0;
  for (var c = 0u; c < params.cols; c++) {
    total += exp(x[element(row, c)] - row_max);
  }
  let log_total = log(total);
  for (var c = 0u; c < params.cols; c++) {
    out[element(row, c)] = normalized(x[element(row, c)], row_max, log_total);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lane: u32) {
  if (THREAD_PER_ROW) {
    let row = (wid.x + wid.y * groups.x) * WORKGROUP_SIZE + lane;
    if (row < params.rows) {
      row_in_thread(row);
    }
    return;
  }
  let row = wid.x + wid.y * groups.x;
  if (row >= params.rows) {
    return;
  }
  var row_max = -0x1.fffffep+127f;
  for (var c = lane; c < params.cols; c += WORKGROUP_SIZE) {
    row_max = max_or_nan(row_max, x[element(row, c)]);
  }
  row_max = workgroup_reduce(lane, row_max, true);
  var total = 0.0;
  for (var c = lane; c < params.cols; c += WORKGROUP_SIZE) {
    total += exp(x[element(row, c)] - row_max);
  }
  total = workgroup_reduce(lane, total, false);
  let log_total = log(total);
  for (var c = lane; c < params.cols; c += WORKGROUP_SIZE) {
    out[element(row, c)] = normalized(x[element(row, c)], row_max, log_total);
  }
}
