// out = (x - mean) / sqrt(variance + epsilon) * gamma + beta over the last
// axis of x viewed as [rows, cols]; gamma and beta are [cols]. One workgroup
// per row: the mean, then the variance of the deviations (two passes, which
// keeps it accurate when the mean is large), by tree reductions.
//
// Bindings (group 0): 0 x, 1 gamma, 2 beta: storage read; 3 out: storage
//   read_write (x's shape); 4 params: uniform. f32.
// Params { rows, cols: u32, epsilon: f32 }
// Overrides: WORKGROUP_SIZE (64, a power of two).
// Dispatch: rows workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  rows: u32,
  cols: u32,
  epsilon: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> scratch: array<f32, WORKGROUP_SIZE>;

// The sum of every lane's `v`, returned to all lanes.
fn workgroup_sum(lane: u32, v: f32) -> f32 {
  scratch[lane] = v;
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    workgroupBarrier();
    if (lane < width) {
      scratch[lane] += scratch[lane + width];
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
  var total = 0.0;
  for (var c = lane; c < params.cols; c += WORKGROUP_SIZE) {
    total += x[base + c];
  }
  let mean = workgroup_sum(lane, total) / f32(params.cols);
  var squares = 0.0;
  for (var c = lane; c < params.cols; c += WORKGROUP_SIZE) {
    let d = x[base + c] - mean;
    squares += d * d;
  }
  let inv_std = inverseSqrt(workgroup_sum(lane, squares) / f32(params.cols) + params.epsilon);
  for (var c = lane; c < params.cols; c += WORKGROUP_SIZE) {
    out[base + c] = (x[base + c] - mean) * inv_std * gamma[c] + beta[c];
  }
}
