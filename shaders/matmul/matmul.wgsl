// out = activation(A @ B + bias + residual): batched, numpy batch broadcasting,
// either operand transposed (through its strides), any M, N, K; scalar loads.
//
// Work split: a workgroup computes a TILE_M x TILE_N tile of the output
// (TILE_M = WG_Y * 4, TILE_N = WG_X * 4), walking K in TILE_K-deep slices
// staged in workgroup memory. Each thread accumulates 4 x 4 outputs in
// registers: rows ty + r * WG_Y and columns tx + c * WG_X, so neighbouring
// threads read and write neighbouring addresses.
// Split-K: with splits > 1, split s covers K in [s * k_chunk, (s + 1) * k_chunk)
// and writes its partial product to out[s] (out holds splits x batch x M x N
// values); the epilogue must then be off (HAS_BIAS and HAS_RESIDUAL false,
// identity body) and matmul/split_k_reduce.wgsl sums the partials and applies it.
//
// Bindings (group 0): 0 a, 1 b, 2 bias ([N]), 3 residual (out's layout):
//   storage read of Elem; 4 out: storage read_write of Elem; 5 params: uniform.
//   bias and residual are bound even when their knob is off (any small buffer).
// Params {
//   m, n, k: u32,
//   batch: u32,                  product of batch_shape
//   m_tiles: u32,                ceil(m / TILE_M)
//   splits: u32,                 1 unless split-K
//   k_chunk: u32,                K depth of one split (k when splits == 1)
//   a_stride_m, a_stride_k: u32, element strides of A's rows and columns
//   b_stride_k, b_stride_n: u32  (a transposed A has a_stride_m 1, a_stride_k m)
//   batch_shape: vec4<u32>,      output batch dims, front-padded with 1
//   a_batch_strides: vec4<u32>,  element strides per batch dim, 0 where broadcast
//   b_batch_strides: vec4<u32>,
//   alpha, beta: f32,            activation attributes
// }
// Overrides: WG_X, WG_Y (16, 16), TILE_K (16), HAS_BIAS, HAS_RESIDUAL (false).
// Slots: `types` (Elem, the storage type; f32 as written, f16 with
//   `enable f16;`; arithmetic is f32), `body` (the activation on v: f32 with
//   alpha() and beta(); identity as written).
// Dispatch: x = ceil(N / TILE_N); y and z hold m_tiles * batch * splits
// workgroups as a 2-D grid (y first), so tall outputs pass 65,535 tiles.

alias Elem = f32; // @types

const ROWS_PER_THREAD = 4u;
const COLS_PER_THREAD = 4u;  // the lanes of one vec4 accumulator

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
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
  a_stride_m: u32,
  a_stride_k: u32,
  b_stride_k: u32,
  b_stride_n: u32,
  batch_shape: vec4<u32>,
  a_batch_strides: vec4<u32>,
  b_batch_strides: vec4<u32>,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> a: array<Elem>;
@group(0) @binding(1) var<storage, read> b: array<Elem>;
@group(0) @binding(2) var<storage, read> bias: array<Elem>;
@group(0) @binding(3) var<storage, read> residual: array<Elem>;
@group(0) @binding(4) var<storage, read_write> out: array<Elem>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> a_tile: array<f32, WG_Y * ROWS_PER_THREAD * TILE_K>;  // [TILE_M][TILE_K]
var<workgroup> b_tile: array<f32, TILE_K * WG_X * COLS_PER_THREAD>;  // [TILE_K][TILE_N]

// @import common/activation.wgsl

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

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) local_index: u32) {
  let tile_m = WG_Y * ROWS_PER_THREAD;
  let tile_n = WG_X * COLS_PER_THREAD;
  let flat = wid.y + wid.z * groups.y;
  let m_tile = flat % params.m_tiles;
  let batch = (flat / params.m_tiles) % params.batch;
  let split = flat / (params.m_tiles * params.batch);
  if (split >= params.splits) {
    return;
  }
  let offsets = batch_offsets(batch);
  let row0 = m_tile * tile_m;
  let col0 = wid.x * tile_n;
  let k_begin = split * params.k_chunk;
  let k_end = min(params.k, k_begin + params.k_chunk);
  let threads = WG_X * WG_Y;

  // Row r of this thread's 4 x 4 block; named, not an indexed array, so CPU
  // WebGPU implementations keep them in registers.
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = k_begin; k0 < k_end; k0 += TILE_K) {
    for (var e = local_index; e < tile_m * TILE_K; e += threads) {
      let row = row0 + e / TILE_K;
      let kk = k0 + e % TILE_K;
      var v = 0.0;
      if (row < params.m && kk < k_end) {
        v = f32(a[offsets.x + row * params.a_stride_m + kk * params.a_stride_k]);
      }
      a_tile[e] = v;
    }
    for (var e = local_index; e < TILE_K * tile_n; e += threads) {
      let kk = k0 + e / tile_n;
      let col = col0 + e % tile_n;
      var v = 0.0;
      if (kk < k_end && col < params.n) {
        v = f32(b[offsets.y + kk * params.b_stride_k + col * params.b_stride_n]);
      }
      b_tile[e] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let b_at = kk * tile_n + lid.x;
      let b_row = vec4<f32>(b_tile[b_at], b_tile[b_at + WG_X], b_tile[b_at + 2u * WG_X], b_tile[b_at + 3u * WG_X]);
      let a_at = lid.y * TILE_K + kk;
      let a_step = WG_Y * TILE_K;
      acc0 += a_tile[a_at] * b_row;
      acc1 += a_tile[a_at + a_step] * b_row;
      acc2 += a_tile[a_at + 2u * a_step] * b_row;
      acc3 += a_tile[a_at + 3u * a_step] * b_row;
    }
    workgroupBarrier();
  }
  var acc = array<vec4<f32>, ROWS_PER_THREAD>(acc0, acc1, acc2, acc3);

  let out_base = (split * params.batch + batch) * params.m * params.n;
  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = row0 + lid.y + r * WG_Y;
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = col0 + lid.x + c * WG_X;
      if (row < params.m && col < params.n) {
        let index = out_base + row * params.n + col;
        var v = acc[r][c];
        if (HAS_BIAS) {
          v += f32(bias[col]);
        }
        if (HAS_RESIDUAL) {
          v += f32(residual[index]);
        }
        out[index] = Elem(activation(v));
      }
    }
  }
}
