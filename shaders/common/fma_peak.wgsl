// The adapter's FMA throughput, for benchmarks: every thread runs
// `iterations` rounds of 8 independent vec4 FMA chains (acc = acc * m + c), so
// one dispatch does threads * iterations * 64 floating-point operations and
// almost no memory traffic. The chains start from the thread index so no two
// threads compute the same thing, and their sum is stored so nothing is
// optimised away.
//
// Bindings (group 0): 0 out: storage read_write of f32 (one per thread);
//   1 params: uniform.
// Params { threads: u32, iterations: u32, multiplier: f32, addend: f32 }
//   (|multiplier| < 1 keeps the chains bounded)
// Overrides: WORKGROUP_SIZE (256).
// Dispatch: ceil(threads / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 256u;

const CHAINS = 8u;

struct Params {
  threads: u32,
  iterations: u32,
  multiplier: f32,
  addend: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.threads) {
    return;
  }
  let m = vec4<f32>(params.multiplier);
  let c = vec4<f32>(params.addend);
  let start = f32(i % 1024u) * 1e-3;
  var acc: array<vec4<f32>, CHAINS>;
  for (var k = 0u; k < CHAINS; k++) {
    acc[k] = vec4<f32>(start, start + 1.0, start + 2.0, start + 3.0) + f32(k) * 4.0;
  }
  for (var n = 0u; n < params.iterations; n++) {
    acc[0] = fma(acc[0], m, c);
    acc[1] = fma(acc[1], m, c);
    acc[2] = fma(acc[2], m, c);
    acc[3] = fma(acc[3], m, c);
    acc[4] = fma(acc[4], m, c);
    acc[5] = fma(acc[5], m, c);
    acc[6] = fma(acc[6], m, c);
    acc[7] = fma(acc[7], m, c);
  }
  var total = vec4<f32>(0.0);
  for (var k = 0u; k < CHAINS; k++) {
    total += acc[k];
  }
  out[i] = dot(total, vec4<f32>(1.0));
}
