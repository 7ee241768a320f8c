// Discrete Fourier transform of each row (the last axis, length n) of a
// complex64 tensor, stored as interleaved (real, imaginary) f32 pairs:
// out[r, k] = scale * sum_j x[r, j] * exp(sign * 2 pi i * j * k / n), sign -1
// and scale 1 for fft, sign +1 and scale 1 / n for ifft. A direct sum, one
// thread per output element, so any length works (not only powers of two).
// The twiddles come as a table, (cos, sin) of 2 pi t / n for t < n, computed
// in double precision on the CPU: WGSL's sin and cos may be off by 2^-11,
// which sums of n terms would magnify. j * k is kept reduced mod n as j
// steps, which indexes the table and never overflows u32.
//
// Bindings (group 0): 0 x: storage read; 1 twiddles: storage read; 2 out: storage read_write; 3 params: uniform.
//   x, twiddles and out hold vec2<f32> pairs.
// Params { size: u32 (rows * n elements), n: u32, sign: f32, scale: f32 }
// Overrides: WORKGROUP_SIZE (64).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  n: u32,
  sign: f32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> twiddles: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let n = params.n;
  let k = i % n;
  let row = i - k;
  var sum = vec2<f32>(0.0, 0.0);
  var turn = 0u;
  for (var j = 0u; j < n; j++) {
    let w = twiddles[turn] * vec2<f32>(1.0, params.sign);
    let v = x[row + j];
    sum += vec2<f32>(v.x * w.x - v.y * w.y, v.x * w.y + v.y * w.x);
    turn = (turn + k) % n;
  }
  out[i] = sum * params.scale;
}
