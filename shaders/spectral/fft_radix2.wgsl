// One pass of a radix-2 Stockham FFT over each row (length n, a power of
// two) of a complex64 tensor, stored as interleaved (real, imaginary) f32
// pairs. log2(n) passes, span 1, 2, 4 ... n / 2, each reading the previous
// one's output, give the transform in natural order (no bit reversal):
// sign -1 for fft, +1 for ifft, whose last pass scales by 1 / n. A thread per
// butterfly: it reads x[j] and x[j + n / 2], turns the second by the twiddle
// of its place k in its sub-transform (table entry k * n / (2 * span)), and
// writes their sum and difference span apart.
//
// Bindings (group 0): 0 x: storage read; 1 twiddles: storage read; 2 out: storage read_write; 3 params: uniform.
//   x, twiddles ((cos, sin) of 2 pi t / n for t < n) and out hold vec2<f32> pairs.
// Params { size: u32 (rows * n / 2 butterflies), n: u32, span: u32, sign: f32, scale: f32 (1 but on ifft's last pass) }
// Overrides: WORKGROUP_SIZE (64).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y), once per pass.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  n: u32,
  span: u32,
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
  let half_n = params.n / 2u;
  let row = (i / half_n) * params.n;
  let j = i % half_n;
  let span = params.span;
  let k = j % span;
  let w = twiddles[k * (params.n / (2u * span))] * vec2<f32>(1.0, params.sign);
  let a = x[row + j];
  let b = x[row + j + half_n];
  let turned = vec2<f32>(b.x * w.x - b.y * w.y, b.x * w.y + b.y * w.x);
  let to = row + (j / span) * span * 2u + k;
  out[to] = (a + turned) * params.scale;
  out[to + span] = (a - turned) * params.scale;
}
