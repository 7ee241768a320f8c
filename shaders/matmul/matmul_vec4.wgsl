// out = activation(A @ B + bias + residual) with vec4 loads and stores: the
// fast path when A is [.., M, K] and B is [.., K, N], both row-major, with
// K and N multiples of 4 (batch strides then are too). Any M; batched with
// numpy batch broadcasting; split-K as in matmul/matmul.wgsl.
//
// Work split: a workgroup computes a TILE_M x TILE_N tile of the output
// (TILE_M = WG_Y * 8, TILE_N = WG_X * 4), walking K in TILE_K-deep slices
// (TILE_K a multiple of 4) staged in workgroup memory as vec4s. Each thread
// owns 8 consecutive rows of one vec4 column: for every 4 values of K it
// reads 4 vec4s of B and one vec4 of A per row and does 32 vec4 multiply-adds.
// The 8 accumulators are named variables, not an indexed array, so CPU
// WebGPU implementations (SwiftShader, lavapipe) keep them in registers.
// Split-K: with splits > 1, split s covers K in [s * k_chunk, (s + 1) * k_chunk)
// (k_chunk a multiple of 4) and writes its partial product to out[s]; the
// epilogue must then be off and matmul/split_k_reduce.wgsl applies it.
//
// Bindings (group 0): 0 a, 1 b, 2 bias ([N]), 3 residual (out's layout):
//   storage read of vec4<Elem>; 4 out: storage read_write of vec4<Elem>;
//   5 params: uniform. bias and residual are bound even when their knob is off.
//   6 prelu_weights ([N], prelu's slope per output column, with
//   HAS_PRELU): storage read of vec4<Elem>, bound even when off.
// Params {
//   m, n, k: u32,                (n and k multiples of 4)
//   batch: u32,                  product of batch_shape
//   m_tiles: u32,                ceil(m / TILE_M), TILE_M = WG_Y * 8
//   splits: u32,                 1 unless split-K
//   k_chunk: u32,                K depth of one split (k when splits == 1)
//   batch_shape: vec4<u32>,      output batch dims, front-padded with 1
//   a_batch_strides: vec4<u32>,  element strides per batch dim, 0 where broadcast
//   b_batch_strides: vec4<u32>,
//   alpha, beta: f32,            activation attributes
// }
// Overrides: WG_X, WG_Y (8, 8), TILE_K (32), HAS_BIAS, HAS_RESIDUAL, HAS_PRELU (false).
//   Workgroup memory: (WG_Y * 8 * TILE_K + TILE_K * WG_X * 4) * 4 bytes, 12 KiB
//   by default; WebGPU guarantees 16 KiB.
// Slots: `types` (Elem, the storage scalar type; f32 as written; arithmetic
//   is f32), `body` (the activation on v: f32; identity as written).
// Dispatch: x = ceil(N / TILE_N); y and z hold m_tiles * batch * splits
// workgroups as a 2-D grid (y first).

alias Elem = f32; // @types

const ROWS_PER_THREAD = 8u;

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override TILE_K: u32 = 32u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override HAS_PRELU: bool = false;

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
@group(0) @binding(6) var<storage, read> prelu_weights: array<vec4<Elem>>;

var<workgroup> a_tile: array<vec4<f32>, WG_Y * ROWS_PER_THREAD * TILE_K / 4u>;  // [TILE_M][TILE_K / 4]
var<workgroup> b_tile: array<vec4<f32>, TILE_K * WG_X>;  // [TILE_K][TILE_N / 4]

// @import common/activation.wgsl

// acc + the product of one row's 4 values of A (a4) with 4 rows of B.
fn multiply_add(acc: vec4<f32>, a4: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>, b2: vec4<f32>,
                b3: vec4<f32>) -> vec4<f32> {
  return acc + a4.x * b0 + a4.y * b1 + a4.z * b2 + a4.w * b3;
}

// @import matmul/batch_offsets.wgsl

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) local_index: u32) {
  let tile_m = WG_Y * ROWS_PER_THREAD;
  let tile_k4 = TILE_K / 4u;
  let k4 = params.k / 4u;
  let n4 = params.n / 4u;
  let flat = wid.y + wid.z * groups.y;
  let m_tile = flat % params.m_tiles;
  let batch = (flat / params.m_tiles) % params.batch;
  let split = flat / (params.m_tiles * params.batch);
  if (split >= params.splits) {
    return;
  }
  let offsets = batch_offsets(batch) / 4u;
  let row0 = m_tile * tile_m;
  let col4 = wid.x * WG_X + lid.x;
  let k_begin = split * params.k_chunk;
  let k_end = min(params.k, k_begin + params.k_chunk);
  let threads = WG_X * WG_Y;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  for (var k0 = k_begin; k0 < k_end; k0 += TILE_K) {
    for (var e = local_index; e < tile_m * tile_k4; e += threads) {
      let row = row0 + e / tile_k4;
      let kk = k0 + (e % tile_k4) * 4u;
      var v = vec4<f32>(0.0);
      if (row < params.m && kk < k_end) {
        v = vec4<f32>(a[offsets.x + row * k4 + kk / 4u]);
      }
      a_tile[e] = v;
    }
    for (var e = local_index; e < TILE_K * WG_X; e += threads) {
      let kk = k0 + e / WG_X;
      let col = wid.x * WG_X + e % WG_X;
      var v = vec4<f32>(0.0);
      if (kk < k_end && col < n4) {
        v = vec4<f32>(b[offsets.y + kk * n4 + col]);
      }
      b_tile[e] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < tile_k4; kk++) {
      let b0 = b_tile[(kk * 4u) * WG_X + lid.x];
      let b1 = b_tile[(kk * 4u + 1u) * WG_X + lid.x];
      let b2 = b_tile[(kk * 4u + 2u) * WG_X + lid.x];
      let b3 = b_tile[(kk * 4u + 3u) * WG_X + lid.x];
      let a_row = lid.y * ROWS_PER_THREAD * tile_k4 + kk;
      acc0 = multiply_add(acc0, a_tile[a_row], b0, b1, b2, b3);
      acc1 = multiply_add(acc1, a_tile[a_row + tile_k4], b0, b1, b2, b3);
      acc2 = multiply_add(acc2, a_tile[a_row + 2u * tile_k4], b0, b1, b2, b3);
      acc3 = multiply_add(acc3, a_tile[a_row + 3u * tile_k4], b0, b1, b2, b3);
      acc4 = multiply_add(acc4, a_tile[a_row + 4u * tile_k4], b0, b1, b2, b3);
      acc5 = multiply_add(acc5, a_tile[a_row + 5u * tile_k4], b0, b1, b2, b3);
      acc6 = multiply_add(acc6, a_tile[a_row + 6u * tile_k4], b0, b1, b2, b3);
      acc7 = multiply_add(acc7, a_tile[a_row + 7u * tile_k4], b0, b1, b2, b3);
    }
    workgroupBarrier();
  }

  let out_base = (split * params.batch + batch) * params.m * n4;
  var acc = array<vec4<f32>, ROWS_PER_THREAD>(acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = row0 + lid.y * ROWS_PER_THREAD + r;
    if (row < params.m && col4 < n4) {
      let index = out_base + row * n4 + col4;
      var v = acc[r];
      if (HAS_BIAS) {
        v += vec4<f32>(bias[col4]);
      }
      if (HAS_RESIDUAL) {
        v += vec4<f32>(residual[index]);
      }
      if (HAS_PRELU) {
        v = select(v, v * vec4<f32>(prelu_weights[col4]), v < vec4<f32>(0.0));
      }
      out[index] = vec4<Elem>(vec4<f32>(activation(v.x), activation(v.y), activation(v.z), activation(v.w)));
    }
  }
}
