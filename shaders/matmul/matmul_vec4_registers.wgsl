// out = activation(A @ B + bias + residual) for row-major A [.., M, K] and
// B [.., K, N] with K and N multiples of 4, with no workgroup memory: each
// thread keeps 8 rows x 2 vec4 columns of the output in registers and reads
// its A rows and B columns straight from storage. For adapters that run
// compute shaders on CPU cores (SwiftShader, lavapipe), whose caches do what
// workgroup tiles do on a GPU, while barriers cost a great deal; on GPUs
// matmul/matmul_vec4.wgsl is the fast path. Batching, numpy batch
// broadcasting, split-K and the epilogue as in matmul/matmul_vec4.wgsl.
//
// Bindings (group 0): 0 a, 1 b, 2 bias ([N]), 3 residual (out's layout):
//   storage read of vec4<Elem>; 4 out: storage read_write of vec4<Elem>;
//   5 params: uniform. bias and residual are bound even when their knob is off.
// Params {
//   m, n, k: u32,                (n and k multiples of 4)
//   batch: u32,                  product of batch_shape
//   m_tiles: u32,                ceil(m / (WG_Y * 8))
//   splits: u32,                 1 unless split-K
//   k_chunk: u32,                K depth of one split (a multiple of 4; k when splits == 1)
//   batch_shape: vec4<u32>,      output batch dims, front-padded with 1
//   a_batch_strides: vec4<u32>,  element strides per batch dim, 0 where broadcast
//   b_batch_strides: vec4<u32>,
//   alpha, beta: f32,            activation attributes
// }
// Overrides: WG_X, WG_Y (8, 8): a workgroup covers WG_Y * 8 rows by WG_X * 8
//   columns; HAS_BIAS, HAS_RESIDUAL (false).
// Slots: `types` (Elem, the storage scalar type; f32 as written; arithmetic
//   is f32), `body` (the activation on v: f32; identity as written).
// Dispatch: x = ceil(N / (WG_X * 8)); y and z hold m_tiles * batch * splits
// workgroups as a 2-D grid (y first).

alias Elem = f32; // @types

const ROWS_PER_THREAD = 8u;

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  batch: u32,
  m_tiles: u32,
  splits: u32,
  k_chunk: u32,
  batch_shape: vec4<u32>,
  a_batch_strides: vec4<u32>,
  b_batch_strides: vec4<u32>,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4<Elem>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read> residual: array<vec4<Elem>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<Elem>>;
@group(0) @binding(5) var<uniform> params: Params;

fn alpha() -> f32 {
  return params.alpha;
}

fn beta() -> f32 {
  return params.beta;
}

fn activation(v: f32) -> f32 {
  return v; // @body
}

// Element offsets of batch entry `batch` in A and in B.
fn batch_offsets(batch: u32) -> vec2<u32> {
  var rest = batch;
  var offsets = vec2<u32>(0u, 0u);
  for (var d = 3; d >= 0; d--) {
    let coord = rest % params.batch_shape[d];
    rest /= params.batch_shape[d];
    offsets += coord * vec2<u32>(params.a_batch_strides[d], params.b_batch_strides[d]);
  }
  return offsets;
}

// Row `row` of A as vec4 `k4` (zero past the last row).
fn a_at(base: u32, row: u32, k4: u32) -> vec4<f32> {
  if (row >= params.m) {
    return vec4<f32>(0.0);
  }
  return vec4<f32>(a[base + row * (params.k / 4u) + k4]);
}

fn store(row: u32, col4: u32, out_base: u32, fused: bool, acc: vec4<f32>) {
  if (row >= params.m) {
    return;
  }
  let index = out_base + row * (params.n / 4u) + col4;
  var v = acc;
  if (fused && HAS_BIAS) {
    v += vec4<f32>(bias[col4]);
  }
  if (fused && HAS_RESIDUAL) {
    v += vec4<f32>(residual[index]);
  }
  if (fused) {
    v = vec4<f32>(activation(v.x), activation(v.y), activation(v.z), activation(v.w));
  }
  out[index] = vec4<Elem>(v);
}

// 4 values of K for 2 vec4 columns: B rows k..k+3 as the columns of two
// matrices, so a row's update is one matrix-vector product each.
struct BBlock {
  left: mat4x4<f32>,
  right: mat4x4<f32>,
}

fn b_block(at: u32, n4: u32, has_right: bool) -> BBlock {
  let left = mat4x4<f32>(vec4<f32>(b[at]), vec4<f32>(b[at + n4]), vec4<f32>(b[at + 2u * n4]), vec4<f32>(b[at + 3u * n4]));
  var right = mat4x4<f32>();
  if (has_right) {
    right = mat4x4<f32>(vec4<f32>(b[at + 1u]), vec4<f32>(b[at + n4 + 1u]), vec4<f32>(b[at + 2u * n4 + 1u]),
                        vec4<f32>(b[at + 3u * n4 + 1u]));
  }
  return BBlock(left, right);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let n4 = params.n / 4u;
  let flat = wid.y + wid.z * groups.y;
  let m_tile = flat % params.m_tiles;
  let batch = (flat / params.m_tiles) % params.batch;
  let split = flat / (params.m_tiles * params.batch);
  let col4 = (wid.x * WG_X + lid.x) * 2u;
  if (split >= params.splits || col4 >= n4) {
    return;
  }
  let has_right = col4 + 1u < n4;
  let offsets = batch_offsets(batch) / 4u;
  let row0 = (m_tile * WG_Y + lid.y) * ROWS_PER_THREAD;
  let k_begin = split * params.k_chunk;
  let k_end = min(params.k, k_begin + params.k_chunk);

  // Named accumulators (not an indexed array), so CPU compilers keep them in registers.
  var l0 = vec4<f32>(0.0);
  var l1 = vec4<f32>(0.0);
  var l2 = vec4<f32>(0.0);
  var l3 = vec4<f32>(0.0);
  var l4 = vec4<f32>(0.0);
  var l5 = vec4<f32>(0.0);
  var l6 = vec4<f32>(0.0);
  var l7 = vec4<f32>(0.0);
  var r0 = vec4<f32>(0.0);
  var r1 = vec4<f32>(0.0);
  var r2 = vec4<f32>(0.0);
  var r3 = vec4<f32>(0.0);
  var r4 = vec4<f32>(0.0);
  var r5 = vec4<f32>(0.0);
  var r6 = vec4<f32>(0.0);
  var r7 = vec4<f32>(0.0);
  for (var k = k_begin; k < k_end; k += 4u) {
    let bb = b_block(offsets.y + k * n4 + col4, n4, has_right);
    let k4 = k / 4u;
    var v = a_at(offsets.x, row0, k4);
    l0 += bb.left * v;
    r0 += bb.right * v;
    v = a_at(offsets.x, row0 + 1u, k4);
    l1 += bb.left * v;
    r1 += bb.right * v;
    v = a_at(offsets.x, row0 + 2u, k4);
    l2 += bb.left * v;
    r2 += bb.right * v;
    v = a_at(offsets.x, row0 + 3u, k4);
    l3 += bb.left * v;
    r3 += bb.right * v;
    v = a_at(offsets.x, row0 + 4u, k4);
    l4 += bb.left * v;
    r4 += bb.right * v;
    v = a_at(offsets.x, row0 + 5u, k4);
    l5 += bb.left * v;
    r5 += bb.right * v;
    v = a_at(offsets.x, row0 + 6u, k4);
    l6 += bb.left * v;
    r6 += bb.right * v;
    v = a_at(offsets.x, row0 + 7u, k4);
    l7 += bb.left * v;
    r7 += bb.right * v;
  }

  let fused = params.splits == 1u;
  let out_base = (split * params.batch + batch) * params.m * n4;
  store(row0, col4, out_base, fused, l0);
  store(row0 + 1u, col4, out_base, fused, l1);
  store(row0 + 2u, col4, out_base, fused, l2);
  store(row0 + 3u, col4, out_base, fused, l3);
  store(row0 + 4u, col4, out_base, fused, l4);
  store(row0 + 5u, col4, out_base, fused, l5);
  store(row0 + 6u, col4, out_base, fused, l6);
  store(row0 + 7u, col4, out_base, fused, l7);
  if (has_right) {
    store(row0, col4 + 1u, out_base, fused, r0);
    store(row0 + 1u, col4 + 1u, out_base, fused, r1);
    store(row0 + 2u, col4 + 1u, out_base, fused, r2);
    store(row0 + 3u, col4 + 1u, out_base, fused, r3);
    store(row0 + 4u, col4 + 1u, out_base, fused, r4);
    store(row0 + 5u, col4 + 1u, out_base, fused, r5);
    store(row0 + 6u, col4 + 1u, out_base, fused, r6);
    store(row0 + 7u, col4 + 1u, out_base, fused, r7);
  }
}
