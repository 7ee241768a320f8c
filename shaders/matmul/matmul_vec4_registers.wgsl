// out = activation(A @ B + bias + residual) for row-major A [.., M, K] and
// B [.., K, N] with K and N multiples of 4, with no workgroup memory: each
// thread keeps 16 rows x 16 columns of the output in registers (a 4x4 matrix
// per row: its columns are 4 vec4s of the output row) and reads its A rows
// and B columns straight from storage. For adapters that run
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
//   m_tiles: u32,                ceil(m / (WG_Y * 16))
//   splits: u32,                 1 unless split-K
//   k_chunk: u32,                K depth of one split (a multiple of 4; k when splits == 1)
//   batch_shape: vec4<u32>,      output batch dims, front-padded with 1
//   a_batch_strides: vec4<u32>,  element strides per batch dim, 0 where broadcast
//   b_batch_strides: vec4<u32>,
//   alpha, beta: f32,            activation attributes
// }
// Overrides: WG_X, WG_Y (8, 8): a workgroup covers WG_Y * 16 rows by WG_X * 16
//   columns; HAS_BIAS, HAS_RESIDUAL (false).
// Slots: `types` (Elem, the storage scalar type; f32 as written; arithmetic
//   is f32), `body` (the activation on v: f32; identity as written).
// Dispatch: x = ceil(N / (WG_X * 16)); y and z hold m_tiles * batch * splits
// workgroups as a 2-D grid (y first).

alias Elem = f32; // @types

const ROWS_PER_THREAD = 16u;

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

// Row `row` of A as vec4 `k4`. Rows past the last read the last row (their
// results are never stored), so the load needs no branch.
fn a_at(base: u32, row: u32, k4: u32) -> vec4<f32> {
  return vec4<f32>(a[base + min(row, params.m - 1u) * (params.k / 4u) + k4]);
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

const COLUMNS_PER_THREAD = 4u;  // vec4 columns

// B at rows k..k+3 and 4 vec4 columns, as one matrix per vec4 column (its
// columns are the 4 rows), so a row of A updates each column by one
// matrix-vector product. Columns past the last read the last one (their
// results are never stored), so the loads need no branch.
struct BBlock {
  c0: mat4x4<f32>,
  c1: mat4x4<f32>,
  c2: mat4x4<f32>,
  c3: mat4x4<f32>,
}

fn b_column(row_start: u32, col4: u32, n4: u32) -> mat4x4<f32> {
  let at = row_start + min(col4, n4 - 1u);
  return mat4x4<f32>(vec4<f32>(b[at]), vec4<f32>(b[at + n4]), vec4<f32>(b[at + 2u * n4]), vec4<f32>(b[at + 3u * n4]));
}

fn b_block(row_start: u32, col4: u32, n4: u32) -> BBlock {
  return BBlock(b_column(row_start, col4, n4), b_column(row_start, col4 + 1u, n4), b_column(row_start, col4 + 2u, n4),
                b_column(row_start, col4 + 3u, n4));
}

// A row's update: each of its 4 output vec4s gains B's column matrix times the row's 4 values of A.
fn update(acc: mat4x4<f32>, bb: BBlock, v: vec4<f32>) -> mat4x4<f32> {
  return acc + mat4x4<f32>(bb.c0 * v, bb.c1 * v, bb.c2 * v, bb.c3 * v);
}

// One output row's 16 values (`acc`'s columns) with the epilogue.
fn store_row(row: u32, col4: u32, n4: u32, out_base: u32, fused: bool, acc: mat4x4<f32>) {
  for (var c = 0u; c < COLUMNS_PER_THREAD; c++) {
    if (col4 + c < n4) {
      store(row, col4 + c, out_base, fused, acc[c]);
    }
  }
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
  let col4 = (wid.x * WG_X + lid.x) * COLUMNS_PER_THREAD;
  if (split >= params.splits || col4 >= n4) {
    return;
  }
  let offsets = batch_offsets(batch) / 4u;
  let row0 = (m_tile * WG_Y + lid.y) * ROWS_PER_THREAD;
  let k_begin = split * params.k_chunk;
  let k_end = min(params.k, k_begin + params.k_chunk);

  // Named accumulators (not an indexed array), so CPU compilers keep them in registers.
  var acc0 = mat4x4<f32>();
  var acc1 = mat4x4<f32>();
  var acc2 = mat4x4<f32>();
  var acc3 = mat4x4<f32>();
  var acc4 = mat4x4<f32>();
  var acc5 = mat4x4<f32>();
  var acc6 = mat4x4<f32>();
  var acc7 = mat4x4<f32>();
  var acc8 = mat4x4<f32>();
  var acc9 = mat4x4<f32>();
  var acc10 = mat4x4<f32>();
  var acc11 = mat4x4<f32>();
  var acc12 = mat4x4<f32>();
  var acc13 = mat4x4<f32>();
  var acc14 = mat4x4<f32>();
  var acc15 = mat4x4<f32>();
  for (var k = k_begin; k < k_end; k += 4u) {
    let bb = b_block(offsets.y + k * n4, col4, n4);
    let k4 = k / 4u;
    acc0 = update(acc0, bb, a_at(offsets.x, row0, k4));
    acc1 = update(acc1, bb, a_at(offsets.x, row0 + 1u, k4));
    acc2 = update(acc2, bb, a_at(offsets.x, row0 + 2u, k4));
    acc3 = update(acc3, bb, a_at(offsets.x, row0 + 3u, k4));
    acc4 = update(acc4, bb, a_at(offsets.x, row0 + 4u, k4));
    acc5 = update(acc5, bb, a_at(offsets.x, row0 + 5u, k4));
    acc6 = update(acc6, bb, a_at(offsets.x, row0 + 6u, k4));
    acc7 = update(acc7, bb, a_at(offsets.x, row0 + 7u, k4));
    acc8 = update(acc8, bb, a_at(offsets.x, row0 + 8u, k4));
    acc9 = update(acc9, bb, a_at(offsets.x, row0 + 9u, k4));
    acc10 = update(acc10, bb, a_at(offsets.x, row0 + 10u, k4));
    acc11 = update(acc11, bb, a_at(offsets.x, row0 + 11u, k4));
    acc12 = update(acc12, bb, a_at(offsets.x, row0 + 12u, k4));
    acc13 = update(acc13, bb, a_at(offsets.x, row0 + 13u, k4));
    acc14 = update(acc14, bb, a_at(offsets.x, row0 + 14u, k4));
    acc15 = update(acc15, bb, a_at(offsets.x, row0 + 15u, k4));
  }

  let fused = params.splits == 1u;
  let out_base = (split * params.batch + batch) * params.m * n4;
  store_row(row0, col4, n4, out_base, fused, acc0);
  store_row(row0 + 1u, col4, n4, out_base, fused, acc1);
  store_row(row0 + 2u, col4, n4, out_base, fused, acc2);
  store_row(row0 + 3u, col4, n4, out_base, fused, acc3);
  store_row(row0 + 4u, col4, n4, out_base, fused, acc4);
  store_row(row0 + 5u, col4, n4, out_base, fused, acc5);
  store_row(row0 + 6u, col4, n4, out_base, fused, acc6);
  store_row(row0 + 7u, col4, n4, out_base, fused, acc7);
  store_row(row0 + 8u, col4, n4, out_base, fused, acc8);
  store_row(row0 + 9u, col4, n4, out_base, fused, acc9);
  store_row(row0 + 10u, col4, n4, out_base, fused, acc10);
  store_row(row0 + 11u, col4, n4, out_base, fused, acc11);
  store_row(row0 + 12u, col4, n4, out_base, fused, acc12);
  store_row(row0 + 13u, col4, n4, out_base, fused, acc13);
  store_row(row0 + 14u, col4, n4, out_base, fused, acc14);
  store_row(row0 + 15u, col4, n4, out_base, fused, acc15);
}
