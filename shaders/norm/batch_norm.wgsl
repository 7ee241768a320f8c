// out = activation((x - mean) / sqrt(variance + epsilon) * scale + offset)
// with per-channel statistics: channel = i % channels (NHWC, channels last).
// The inference form; training statistics come from reduce/reduce.wgsl.
//
// Bindings (group 0): 0 x, 1 mean, 2 variance, 3 scale, 4 offset: storage
//   read of Elem (the last four [channels]; pass ones and zeros when a model
//   has no scale or offset); 5 out: storage read_write of Elem; 6 params: uniform.
// Params { size, channels: u32, epsilon: f32, alpha, beta: f32 (activation attributes) }
// Overrides: WORKGROUP_SIZE (64).
// Slots: `types` (Elem; f32 as written; arithmetic is f32), `body` (the
//   activation on v: f32; identity as written).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  channels: u32,
  epsilon: f32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read> mean: array<Elem>;
@group(0) @binding(2) var<storage, read> variance: array<Elem>;
@group(0) @binding(3) var<storage, read> scale: array<Elem>;
@group(0) @binding(4) var<storage, read> offset: array<Elem>;
@group(0) @binding(5) var<storage, read_write> out: array<Elem>;
@group(0) @binding(6) var<uniform> params: Params;

// @import common/activation.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c = i % params.channels;
  let normalized = (f32(x[i]) - f32(mean[c])) * inverseSqrt(f32(variance[c]) + params.epsilon);
  out[i] = Elem(activation(normalized * f32(scale[c]) + f32(offset[c])));
}
