// out = activation(A @ op(B) + bias + residual) for products with few rows:
// a dense layer at batch 1, a decoder's step. Such a product reads each
// weight once and does one multiply-add with it, so its speed is the speed
// at which B streams in: here B is read once, in vec4s, neighbouring threads
// reading neighbouring vec4s, and the threads of a workgroup share each
// output's sum over K (a tree in workgroup memory at the end). The GEMM
// kernels instead give each thread a block of rows, which a product of one
// row leaves idle.
//
// A is [.., M, K] row-major; B is [.., K, N], or [.., N, K] with TRANSPOSE_B;
// K and N multiples of 4. Batching, numpy batch broadcasting, split-K and the
// epilogue as in matmul/matmul_vec4.wgsl. B may be a packed weight (B_STORAGE):
// float16 halves two per u32, or uint8 affine codes four per u32 with one
// scale and min for B or one per row or column of its matrices, dequantised
// as they are read, so the kernel streams 2 or 1 bytes a weight. Where the
// scale and min are the same along K (one for B, or one per output column),
// the sums are over the codes and x, and each output is scale * sum(x * code)
// + min * sum(x): no per-weight multiply-add.
//
// Bindings (group 0): 0 a, 1 b, 2 bias ([N]), 3 residual (out's layout):
//   storage read of vec4<Elem>; 4 out: storage read_write of vec4<Elem>;
//   5 params: uniform; 6 b_packed: storage read of u32 (B when B_STORAGE is
//   not 0: its codes, then for uint8 `b_channels` scales and as many mins as
//   f32 bits from word b_affine_offset). bias, residual and whichever of b and
//   b_packed is unused are bound even when their knob is off.
//   7 prelu_weights ([N], prelu's slope per output column, with
//   HAS_PRELU): storage read of vec4<Elem>, bound even when off.
// Params {
//   m, n, k: u32,                (n and k multiples of 4)
//   batch: u32,                  product of batch_shape
//   m_tiles: u32,                ceil(m / ROWS)
//   splits: u32,                 1 unless split-K
//   k_chunk: u32,                K depth of one split (a multiple of 4; k when splits == 1)
//   batch_shape: vec4<u32>,      output batch dims, front-padded with 1
//   a_batch_strides: vec4<u32>,  element strides per batch dim, 0 where broadcast
//   b_batch_strides: vec4<u32>,
//   alpha, beta: f32,            activation attributes
//   b_affine_offset: u32,        uint8 B: the word of b_packed where its scales start
//   b_channels: u32,             uint8 B: its scales (and mins), 1 unless B_AFFINE is 1 or 2
//   epilogue: u32,               with EPILOGUE_IN_PARAMS: bits 1 bias, 2 residual, 4 prelu, 8 hardswish
//                                (the activation then the clamp to [alpha, beta], and hardswish
//                                with bit 8; else unread)
// }
// Overrides: WG_COLUMNS (64) threads along the output's vec4 columns times
//   WG_K (4, a power of two) threads sharing each column's sum; ROWS (1 to
//   8) output rows per workgroup, each B block read once for all of them; TRANSPOSE_B, HAS_BIAS, HAS_RESIDUAL, HAS_PRELU (false),
//   EPILOGUE_IN_PARAMS (false: the epilogue's parts by params.epilogue instead, the activation the
//   clamp to [alpha, beta], the body slot unread);
//   B_STORAGE (0: float32 in b; 1: float16 in b_packed; 2: uint8 codes in b_packed);
//   B_AFFINE (uint8: 0 one scale and min, 1 one per row of B's matrices as stored, 2 one per column).
// Slots: `types` (Elem, the storage scalar type; f32 as written; arithmetic
//   is f32), `body` (the activation on v: f32; identity as written).
// Dispatch: x = ceil(N / (4 * WG_COLUMNS)); y and z hold m_tiles * batch *
// splits workgroups as a 2-D grid (y first).

alias Elem = f32; // @types

override WG_COLUMNS: u32 = 64u;
override WG_K: u32 = 4u;
override ROWS: u32 = 1u;  // 1 to 8
override TRANSPOSE_B: bool = false;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override HAS_PRELU: bool = false;
// The epilogue's parts and activation switched by params.epilogue rather than HAS_BIAS, HAS_RESIDUAL,
// HAS_PRELU and the body slot: one pipeline for every combination (CPU adapters, whose compiles are slow).
override EPILOGUE_IN_PARAMS: bool = false;
override B_STORAGE: u32 = 0u;
override B_AFFINE: u32 = 0u;

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
  b_affine_offset: u32,
  b_channels: u32,
  epilogue: u32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4<Elem>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read> residual: array<vec4<Elem>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<Elem>>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read> b_packed: array<u32>;
@group(0) @binding(7) var<storage, read> prelu_weights: array<vec4<Elem>>;

// @import common/epilogue_in_params.wgsl
// @import common/packed_weights.wgsl

// Each thread's sums for its rows, [ROWS][WG_K][WG_COLUMNS], summed over WG_K at the end.
var<workgroup> partial_sums: array<vec4<f32>, ROWS * WG_K * WG_COLUMNS>;
// With affine_after(): each K lane's sums of x per row, [ROWS][WG_K] (the same in every column lane).
var<workgroup> partial_x: array<vec4<f32>, ROWS * WG_K>;

// uint8 B whose scale and min do not change along K (one for B, or one per
// output column: per column of B, or per row with TRANSPOSE_B): the loop sums
// codes, and the affine map is applied to each output once.
fn affine_after() -> bool {
  return B_STORAGE == 2u && (B_AFFINE == 0u || (B_AFFINE == 2u) != TRANSPOSE_B);
}

// x's share of sum(x) when affine_after() (else dead, and compiled away).
fn x_total(x: vec4<Elem>) -> vec4<f32> {
  return vec4<f32>(x);
}

// Output columns 4 * column4 .. + 3 from their sums over codes (`v`) and sum(x): scale * v + min * sum(x).
fn affine_output(v: vec4<f32>, x_sum: f32, column4: u32) -> vec4<f32> {
  let scales = params.b_affine_offset;
  let mins = scales + params.b_channels;
  if (B_AFFINE == 0u) {
    return v * bitcast<f32>(b_packed[scales]) + bitcast<f32>(b_packed[mins]) * x_sum;
  }
  let c = 4u * column4;
  let s = vec4<f32>(bitcast<f32>(b_packed[scales + c]), bitcast<f32>(b_packed[scales + c + 1u]),
                    bitcast<f32>(b_packed[scales + c + 2u]), bitcast<f32>(b_packed[scales + c + 3u]));
  let m = vec4<f32>(bitcast<f32>(b_packed[mins + c]), bitcast<f32>(b_packed[mins + c + 1u]),
                    bitcast<f32>(b_packed[mins + c + 2u]), bitcast<f32>(b_packed[mins + c + 3u]));
  return v * s + m * x_sum;
}

// @import matmul/batch_offsets.wgsl

// The 4 x 4 block of B that output columns 4 * column4 .. + 3 take from K
// entries 4 * k4 .. + 3, as 4 vec4s read along B's rows: B's rows 4 * k4 ..
// + 3 at vec4 column `column4`, or with TRANSPOSE_B the rows of those 4
// output columns at vec4 `k4`. `b_base` is the batch's vec4 offset in B.
fn b_block(b_base: u32, column4: u32, k4: u32) -> mat4x4<f32> {
  let n4 = params.n / 4u;
  let k4n = params.k / 4u;
  let first = b_base + select(4u * k4 * n4 + column4, 4u * column4 * k4n + k4, TRANSPOSE_B);
  let step = select(n4, k4n, TRANSPOSE_B);
  // The block's first row and column in B's matrix as stored (for per-row or per-column scales).
  let row = 4u * select(k4, column4, TRANSPOSE_B);
  let column = 4u * select(column4, k4, TRANSPOSE_B);
  return mat4x4<f32>(b_vec4(first, row, column), b_vec4(first + step, row + 1u, column),
                     b_vec4(first + 2u * step, row + 2u, column), b_vec4(first + 3u * step, row + 3u, column));
}

// B's vec4 at vec4 index `index` (elements 4 * index .. + 3, in the stored
// matrix's row `row` from column `column`), as float32 whatever its storage.
fn b_vec4(index: u32, row: u32, column: u32) -> vec4<f32> {
  if (B_STORAGE == 0u) {
    return vec4<f32>(b[index]);
  }
  if (B_STORAGE == 1u) {
    return unpack_halves4(b_packed[2u * index], b_packed[2u * index + 1u]);
  }
  let codes = unpack_codes4(b_packed[index]);
  if (affine_after()) {
    return codes;
  }
  let scales = params.b_affine_offset;
  let mins = scales + params.b_channels;
  if (B_AFFINE == 1u) {
    return codes * bitcast<f32>(b_packed[scales + row]) + bitcast<f32>(b_packed[mins + row]);
  }
  if (B_AFFINE == 2u) {
    let s = vec4<f32>(bitcast<f32>(b_packed[scales + column]), bitcast<f32>(b_packed[scales + column + 1u]),
                      bitcast<f32>(b_packed[scales + column + 2u]), bitcast<f32>(b_packed[scales + column + 3u]));
    let m = vec4<f32>(bitcast<f32>(b_packed[mins + column]), bitcast<f32>(b_packed[mins + column + 1u]),
                      bitcast<f32>(b_packed[mins + column + 2u]), bitcast<f32>(b_packed[mins + column + 3u]));
    return codes * s + m;
  }
  return codes * bitcast<f32>(b_packed[scales]) + bitcast<f32>(b_packed[mins]);
}

// A row's sum plus the block's product with the row's 4 values of A (`x`):
// B's 4 rows weighted by x, or with TRANSPOSE_B each output column's dot
// product with x.
fn accumulate(sum: vec4<f32>, block: mat4x4<f32>, x: vec4<Elem>) -> vec4<f32> {
  if (TRANSPOSE_B) {
    return sum + vec4<f32>(x) * block;
  }
  return sum + block * vec4<f32>(x);
}

fn partial_index(row: u32, k_lane: u32, column_lane: u32) -> u32 {
  return (row * WG_K + k_lane) * WG_COLUMNS + column_lane;
}

@compute @workgroup_size(WG_COLUMNS * WG_K)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let flat = wid.y + wid.z * groups.y;
  let m_tile = flat % params.m_tiles;
  let batch = (flat / params.m_tiles) % params.batch;
  let split = flat / (params.m_tiles * params.batch);
  if (split >= params.splits) {
    return;
  }
  // Neighbouring threads read neighbouring vec4s of B: along its rows' N
  // (neighbouring columns), or with TRANSPOSE_B along K.
  let column_lane = select(lid % WG_COLUMNS, lid / WG_K, TRANSPOSE_B);
  let k_lane = select(lid / WG_COLUMNS, lid % WG_K, TRANSPOSE_B);
  let n4 = params.n / 4u;
  let k4n = params.k / 4u;
  let column4 = wid.x * WG_COLUMNS + column_lane;
  // Threads past the last column read the last one; their sums are never stored.
  let read_column4 = min(column4, n4 - 1u);
  let offsets = batch_offsets(batch) / 4u;
  let row0 = m_tile * ROWS;
  let k4_end = min(params.k, (split + 1u) * params.k_chunk) / 4u;

  // A sum per row in named variables: CPU compilers keep those in registers,
  // an indexed array in memory (SwiftShader: 1 x 9216 x 4096 ~2x faster).
  // Rows past ROWS fold away when the pipeline is specialised.
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  var s4 = vec4<f32>(0.0);
  var s5 = vec4<f32>(0.0);
  var s6 = vec4<f32>(0.0);
  var s7 = vec4<f32>(0.0);
  // With affine_after(), each row's sum of x (else unused).
  var t0 = vec4<f32>(0.0);
  var t1 = vec4<f32>(0.0);
  var t2 = vec4<f32>(0.0);
  var t3 = vec4<f32>(0.0);
  var t4 = vec4<f32>(0.0);
  var t5 = vec4<f32>(0.0);
  var t6 = vec4<f32>(0.0);
  var t7 = vec4<f32>(0.0);
  // Rows past the last read the last one; their sums are never stored.
  let a_rows = offsets.x + min(vec4<u32>(row0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.m - 1u)) * k4n;
  let a_rows_4_to_7 = offsets.x + min(vec4<u32>(row0 + 4u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.m - 1u)) * k4n;
  for (var k4 = split * params.k_chunk / 4u + k_lane; k4 < k4_end; k4 += WG_K) {
    let block = b_block(offsets.y, read_column4, k4);
    let x0 = a[a_rows[0] + k4];
    s0 = accumulate(s0, block, x0);
    t0 += x_total(x0);
    if (ROWS > 1u) { let x = a[a_rows[1] + k4]; s1 = accumulate(s1, block, x); t1 += x_total(x); }
    if (ROWS > 2u) { let x = a[a_rows[2] + k4]; s2 = accumulate(s2, block, x); t2 += x_total(x); }
    if (ROWS > 3u) { let x = a[a_rows[3] + k4]; s3 = accumulate(s3, block, x); t3 += x_total(x); }
    if (ROWS > 4u) { let x = a[a_rows_4_to_7[0] + k4]; s4 = accumulate(s4, block, x); t4 += x_total(x); }
    if (ROWS > 5u) { let x = a[a_rows_4_to_7[1] + k4]; s5 = accumulate(s5, block, x); t5 += x_total(x); }
    if (ROWS > 6u) { let x = a[a_rows_4_to_7[2] + k4]; s6 = accumulate(s6, block, x); t6 += x_total(x); }
    if (ROWS > 7u) { let x = a[a_rows_4_to_7[3] + k4]; s7 = accumulate(s7, block, x); t7 += x_total(x); }
  }

  partial_sums[partial_index(0u, k_lane, column_lane)] = s0;
  if (ROWS > 1u) { partial_sums[partial_index(1u, k_lane, column_lane)] = s1; }
  if (ROWS > 2u) { partial_sums[partial_index(2u, k_lane, column_lane)] = s2; }
  if (ROWS > 3u) { partial_sums[partial_index(3u, k_lane, column_lane)] = s3; }
  if (ROWS > 4u) { partial_sums[partial_index(4u, k_lane, column_lane)] = s4; }
  if (ROWS > 5u) { partial_sums[partial_index(5u, k_lane, column_lane)] = s5; }
  if (ROWS > 6u) { partial_sums[partial_index(6u, k_lane, column_lane)] = s6; }
  if (ROWS > 7u) { partial_sums[partial_index(7u, k_lane, column_lane)] = s7; }
  if (affine_after() && column_lane == 0u) {
    partial_x[k_lane] = t0;
    if (ROWS > 1u) { partial_x[WG_K + k_lane] = t1; }
    if (ROWS > 2u) { partial_x[2u * WG_K + k_lane] = t2; }
    if (ROWS > 3u) { partial_x[3u * WG_K + k_lane] = t3; }
    if (ROWS > 4u) { partial_x[4u * WG_K + k_lane] = t4; }
    if (ROWS > 5u) { partial_x[5u * WG_K + k_lane] = t5; }
    if (ROWS > 6u) { partial_x[6u * WG_K + k_lane] = t6; }
    if (ROWS > 7u) { partial_x[7u * WG_K + k_lane] = t7; }
  }
  workgroupBarrier();
  for (var stride = WG_K / 2u; stride > 0u; stride /= 2u) {
    if (k_lane < stride) {
      for (var r = 0u; r < ROWS; r++) {
        partial_sums[partial_index(r, k_lane, column_lane)] += partial_sums[partial_index(r, k_lane + stride, column_lane)];
        if (affine_after() && column_lane == 0u) {
          partial_x[r * WG_K + k_lane] += partial_x[r * WG_K + k_lane + stride];
        }
      }
    }
    workgroupBarrier();
  }
  if (k_lane != 0u || column4 >= n4) {
    return;
  }
  let fused = params.splits == 1u;
  let out_base = (split * params.batch + batch) * params.m * n4;
  for (var r = 0u; r < ROWS && row0 + r < params.m; r++) {
    let index = out_base + (row0 + r) * n4 + column4;
    var v = partial_sums[partial_index(r, 0u, column_lane)];
    if (affine_after()) {
      // Per split too: the splits' partial outputs still add up to the product.
      v = affine_output(v, dot(partial_x[r * WG_K], vec4<f32>(1.0)), column4);
    }
    if (fused && epilogue_has(HAS_BIAS, 1u)) {
      v += vec4<f32>(bias[column4]);
    }
    if (fused && epilogue_has(HAS_RESIDUAL, 2u)) {
      v += vec4<f32>(residual[index]);
    }
    if (fused && epilogue_has(HAS_PRELU, 4u)) {
      v = select(v, v * vec4<f32>(prelu_weights[column4]), v < vec4<f32>(0.0));
    }
    if (fused) {
      v = activate4(v);
    }
    out[index] = vec4<Elem>(v);
  }
}
