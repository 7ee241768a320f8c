// Local response normalisation across channels (TensorFlow's LRN):
// out = x / (bias + alpha * sum of x^2 over channels [c - radius, c + radius]) ^ beta,
// channels last. One thread per element.
//
// Bindings (group 0): 0 x: storage read; 1 out: storage read_write; 2 params: uniform. f32.
// Params { size, channels, depth_radius: u32, bias, alpha, beta: f32 }
// Overrides: WORKGROUP_SIZE (64).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  channels: u32,
  depth_radius: u32,
  bias: f32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c = i % params.channels;
  let pixel = i - c;
  let first = max(i32(c) - i32(params.depth_radius), 0);
  let last = min(c + params.depth_radius, params.channels - 1u);
  var squares = 0.0;
  for (var k = u32(first); k <= last; k++) {
    let v = x[pixel + k];
    squares += v * v;
  }
  out[i] = x[i] / pow(params.bias + params.alpha * squares, params.beta);
}
