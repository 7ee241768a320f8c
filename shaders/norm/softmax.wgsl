// out = softmax(x) (or logSoftmax with LOG) over the last axis of x viewed as
// [rows, cols]: one workgroup per row, its threads striding over the columns;
// the row max and then the sum of exponentials come from tree reductions in
// workgroup memory, so large logits do not overflow.
//
// Bindings (group 0): 0 x: storage read; 1 out: storage read_write (x's
//   shape); 2 params: uniform. f32.
// Params { rows, cols: u32 }
// Overrides: WORKGROUP_SIZE (64, a power of two), LOG (false).
// Dispatch: rows workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;
override LOG: bool = false;

struct Params {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> scratch: array<f32, WORKGROUP_SIZE>;

// The max (take_max) or the sum of every lane's `v`, returned to all lanes.
fn workgroup_reduce(lane: u32, v: f32, take_max: bool) -> f32 {
  scratch[lane] = v;
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    workgroupBarrier();
    if (lane < width) {
      let a = scratch[lane];
      let b = scratch[lane + width];
      scratch[lane] = select(a + b, max(a, b), take_max);
    }
  }
  workgroupBarrier();
  let result = scratch[0];
  workgroupBarrier();
  return result;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lane: u32) {
  let row = wid.x + wid.y * groups.x;
  if (row >= params.rows) {
    return;
  }
  let base = row * params.cols;
  var row_max = -0x1.fffffep+127f;
  for (var c = lane; c < params.cols; c += WORKGROUP_SIZE) {
    row_max = max(row_max, x[base + c]);
  }
  row_max = workgroup_reduce(lane, row_max, true);
  var total = 0.0;
  for (var c = lane; c < params.cols; c += WORKGROUP_SIZE) {
    total += exp(x[base + c] - row_max);
  }
  total = workgroup_reduce(lane, total, false);
  let log_total = log(total);
  for (var c = lane; c < params.cols; c += WORKGROUP_SIZE) {
    let shifted = x[base + c] - row_max;
    out[base + c] = select(exp(shifted - log_total), shifted - log_total, LOG);
  }
}
