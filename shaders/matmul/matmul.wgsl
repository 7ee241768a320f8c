// out = activation(A @ B + bias + residual): batched, numpy batch broadcasting,
// either operand transposed (through its strides), any M, N, K; scalar loads.
//
// Work split: matmul/gemm_tiles.wgsl's, a TILE_M x TILE_N tile of the output
// per workgroup (TILE_M = WG_Y * 4, TILE_N = WG_X * 4), K in TILE_K-deep
// slices staged in workgroup memory, 4 x 4 outputs per thread.
// Split-K: with splits > 1, split s covers K in [s * k_chunk, (s + 1) * k_chunk)
// and writes its partial product to out[s] (out holds splits x batch x M x N
// values); the epilogue must then be off (HAS_BIAS and HAS_RESIDUAL false,
// identity body) and matmul/split_k_reduce.wgsl sums the partials and applies it.
//
// Bindings (group 0): 0 a, 1 b, 2 bias ([N]), 3 residual (out's layout):
//   storage read of Elem; 4 out: storage read_write of Elem; 5 params: uniform.
//   bias and residual are bound even when their knob is off (any small buffer).
//   6 prelu_weights ([N], prelu's slope per output column, with
//   HAS_PRELU): storage read of Elem, bound even when off.
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
// Overrides: WG_X, WG_Y (16, 16), TILE_K (16), HAS_BIAS, HAS_RESIDUAL, HAS_PRELU (false).
// Slots: `types` (Elem, the storage type; f32 as written, f16 with
//   `enable f16;`; arithmetic is f32), `body` (the activation on v: f32 with
//   alpha() and beta(); identity as written).
// Dispatch: x = ceil(N / TILE_N); y and z hold m_tiles * batch * splits
// workgroups as a 2-D grid (y first), so tall outputs pass 65,535 tiles.

alias Elem = f32; // @types

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
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
@group(0) @binding(6) var<storage, read> prelu_weights: array<Elem>;

// @import common/activation.wgsl
// @import matmul/gemm_tiles.wgsl

// @import matmul/batch_offsets.wgsl

// Element offsets of the workgroup's batch entry in A and in B (main sets them).
var<private> offsets: vec2<u32>;

// Neighbouring threads stage neighbouring K of A and columns of B.
const A_ALONG_K = true;
const B_ALONG_K = false;

fn a_element(row: u32, k: u32) -> f32 {
  return f32(a[offsets.x + row * params.a_stride_m + k * params.a_stride_k]);
}

fn b_element(k: u32, col: u32) -> f32 {
  return f32(b[offsets.y + k * params.b_stride_k + col * params.b_stride_n]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) local_index: u32) {
  let flat = wid.y + wid.z * groups.y;
  let m_tile = flat % params.m_tiles;
  let batch = (flat / params.m_tiles) % params.batch;
  let split = flat / (params.m_tiles * params.batch);
  if (split >= params.splits) {
    return;
  }
  offsets = batch_offsets(batch);
  let k_begin = split * params.k_chunk;
  let tile = GemmTile(m_tile * tile_rows(), wid.x * tile_columns(), params.m, params.n,
                      min(params.k, k_begin + params.k_chunk));
  var acc = gemm_block(tile, k_begin, lid, local_index);

  let out_base = (split * params.batch + batch) * params.m * params.n;
  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = tile.row0 + lid.y + r * WG_Y;
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = tile.col0 + lid.x + c * WG_X;
      if (row < params.m && col < params.n) {
        let index = out_base + row * params.n + col;
        var v = acc[r][c];
        if (HAS_BIAS) {
          v += f32(bias[col]);
        }
        if (HAS_RESIDUAL) {
          v += f32(residual[index]);
        }
        if (HAS_PRELU) {
          v = select(v, v * f32(prelu_weights[col]), v < 0.0);
        }
        out[index] = Elem(activation(v));
      }
    }
  }
}
