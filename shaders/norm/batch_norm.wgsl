// out = (x - mean) / sqrt(variance + epsilon) * scale + offset, each of mean,
// variance, scale and offset broadcast to x: element i reads
// mean[i % mean_period] (per channel, channels last: the period is the channel
// count; a scalar: 1; the runtime materialises other broadcasts so that this
// holds). The inference form; training statistics come from reduce/reduce.wgsl.
//
// Bindings (group 0): 0 x, 1 mean, 2 variance, 3 scale, 4 offset: storage
//   read; 5 out: storage read_write (x's shape); 6 params: uniform. f32.
// Params { size, mean_period, variance_period, scale_period, offset_period: u32, epsilon: f32 }
// Overrides: WORKGROUP_SIZE (64), HAS_SCALE (true), HAS_OFFSET (true).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;
override HAS_SCALE: bool = true;
override HAS_OFFSET: bool = true;

struct Params {
  size: u32,
  mean_period: u32,
  variance_period: u32,
  scale_period: u32,
  offset_period: u32,
  epsilon: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> variance: array<f32>;
@group(0) @binding(3) var<storage, read> scale: array<f32>;
@group(0) @binding(4) var<storage, read> offset: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  var v = (x[i] - mean[i % params.mean_period]) * inverseSqrt(variance[i % params.variance_period] + params.epsilon);
  if (HAS_SCALE) {
    v *= scale[i % params.scale_period];
  }
  if (HAS_OFFSET) {
    v += offset[i % params.offset_period];
  }
  out[i] = v;
}
