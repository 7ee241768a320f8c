// out = activation(conv2d(x, weights) + bias + residual) as an implicit GEMM.
// x is NHWC, filter HWIO ([KH, KW, Cin, Cout]), out NHWC; stride, dilation
// and explicit padding (SAME padding is computed by the caller). conv1d is
// the case in_h = out_h = kernel_h = 1; a 1x1 convolution with stride 1 and
// no padding should run as matmul/matmul_vec4.wgsl instead.
//
// The GEMM: rows are output pixels (M = batch * out_h * out_w), columns are
// output channels (N = Cout), and K = KH * KW * Cin runs over filter taps with
// the input channel fastest, so B is the filter itself and a row of A is the
// receptive field of one pixel, gathered from x while staging (zero outside
// the image). Tiling as in matmul/matmul.wgsl: TILE_M = WG_Y * 4 pixels by
// TILE_N = WG_X * 4 channels per workgroup, TILE_K-deep slices in workgroup
// memory, 4 x 4 outputs per thread.
//
// Bindings (group 0): 0 x, 1 weights (the filter), 2 bias ([Cout]), 3 residual (out's
//   layout): storage read of Elem; 4 out: storage read_write of Elem;
//   5 params: uniform. bias and residual are bound even when their knob is off.
// Params {
//   batch, in_h, in_w, in_c: u32,
//   out_h, out_w, out_c: u32,
//   kernel_h, kernel_w: u32,
//   stride_h, stride_w: u32,
//   dilation_h, dilation_w: u32,
//   pad_top, pad_left: u32,
//   m_tiles: u32,                ceil(batch * out_h * out_w / TILE_M)
//   alpha, beta: f32,            activation attributes
// }
// Overrides: WG_X, WG_Y (16, 16), TILE_K (16), HAS_BIAS, HAS_RESIDUAL (false).
// Slots: `types` (Elem, the storage type; f32 as written; arithmetic is f32),
//   `body` (the activation on v: f32; identity as written).
// Dispatch: x = ceil(Cout / TILE_N); y and z hold m_tiles workgroups as a 2-D
// grid (y first).

alias Elem = f32; // @types

const ROWS_PER_THREAD = 4u;
const COLS_PER_THREAD = 4u;  // the lanes of one vec4 accumulator

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;

struct Params {
  batch: u32,
  in_h: u32,
  in_w: u32,
  in_c: u32,
  out_h: u32,
  out_w: u32,
  out_c: u32,
  kernel_h: u32,
  kernel_w: u32,
  stride_h: u32,
  stride_w: u32,
  dilation_h: u32,
  dilation_w: u32,
  pad_top: u32,
  pad_left: u32,
  m_tiles: u32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read> weights: array<Elem>;
@group(0) @binding(2) var<storage, read> bias: array<Elem>;
@group(0) @binding(3) var<storage, read> residual: array<Elem>;
@group(0) @binding(4) var<storage, read_write> out: array<Elem>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> a_tile: array<f32, WG_Y * ROWS_PER_THREAD * TILE_K>;  // [TILE_M][TILE_K]
var<workgroup> b_tile: array<f32, TILE_K * WG_X * COLS_PER_THREAD>;  // [TILE_K][TILE_N]

fn alpha() -> f32 {
  return params.alpha;
}

fn beta() -> f32 {
  return params.beta;
}

fn activation(v: f32) -> f32 {
  return v; // @body
}

// x at output pixel `pixel` and filter tap `tap` = (kh * KW + kw) * Cin + ci;
// 0 in the padding.
fn receptive_field(pixel: u32, tap: u32) -> f32 {
  let ow = pixel % params.out_w;
  let oh = (pixel / params.out_w) % params.out_h;
  let n = pixel / (params.out_w * params.out_h);
  let ci = tap % params.in_c;
  let kw = (tap / params.in_c) % params.kernel_w;
  let kh = tap / (params.in_c * params.kernel_w);
  let ih = i32(oh * params.stride_h + kh * params.dilation_h) - i32(params.pad_top);
  let iw = i32(ow * params.stride_w + kw * params.dilation_w) - i32(params.pad_left);
  if (ih < 0 || ih >= i32(params.in_h) || iw < 0 || iw >= i32(params.in_w)) {
    return 0.0;
  }
  return f32(x[((n * params.in_h + u32(ih)) * params.in_w + u32(iw)) * params.in_c + ci]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) local_index: u32) {
  let tile_m = WG_Y * ROWS_PER_THREAD;
  let tile_n = WG_X * COLS_PER_THREAD;
  let m_tile = wid.y + wid.z * groups.y;
  if (m_tile >= params.m_tiles) {
    return;
  }
  let m = params.batch * params.out_h * params.out_w;
  let n = params.out_c;
  let k = params.kernel_h * params.kernel_w * params.in_c;
  let row0 = m_tile * tile_m;
  let col0 = wid.x * tile_n;
  let threads = WG_X * WG_Y;

  // Row r of this thread's 4 x 4 block; named, not an indexed array, so CPU
  // WebGPU implementations keep them in registers.
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < k; k0 += TILE_K) {
    for (var e = local_index; e < tile_m * TILE_K; e += threads) {
      let row = row0 + e / TILE_K;
      let kk = k0 + e % TILE_K;
      var v = 0.0;
      if (row < m && kk < k) {
        v = receptive_field(row, kk);
      }
      a_tile[e] = v;
    }
    for (var e = local_index; e < TILE_K * tile_n; e += threads) {
      let kk = k0 + e / tile_n;
      let col = col0 + e % tile_n;
      var v = 0.0;
      if (kk < k && col < n) {
        v = f32(weights[kk * n + col]);
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

  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = row0 + lid.y + r * WG_Y;
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = col0 + lid.x + c * WG_X;
      if (row < m && col < n) {
        let index = row * n + col;
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
