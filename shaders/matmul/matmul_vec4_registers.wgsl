// out = activation(A @ B + bias + residual) for row-major A [.., M, K] and
// B [.., K, N] with K and N multiples of 4, with no workgroup memory: each
// thread keeps ROWS_PER_THREAD rows x 16 columns of the output in registers
// (a 4x4 matrix per row: its columns are 4 vec4s of the output row) and reads its A rows
// and B columns straight from storage. For adapters that run compute
// shaders on CPU cores (SwiftShader, lavapipe), whose caches do what
// workgroup tiles do on a GPU, while barriers cost a great deal; on GPUs
// matmul/matmul_vec4.wgsl is the fast path. Batching, numpy batch
// broadcasting, split-K and the epilogue as in matmul/matmul_vec4.wgsl.
//
// Bindings (group 0): 0 a, 1 b, 2 bias ([N]), 3 residual (out's layout):
//   storage read of vec4<Elem>; 4 out: storage read_write of vec4<Elem>;
//   5 params: uniform. bias and residual are bound even when their knob is off.
//   6 prelu_weights ([N], prelu's slope per output column, with
//   HAS_PRELU): storage read of vec4<Elem>, bound even when off.
// Params {
//   m, n, k: u32,                (n and k multiples of 4)
//   batch: u32,                  product of batch_shape
//   m_tiles: u32,                ceil(m / (WG_Y * ROWS_PER_THREAD))
//   splits: u32,                 1 unless split-K
//   k_chunk: u32,                K depth of one split (a multiple of 4; k when splits == 1)
//   batch_shape: vec4<u32>,      output batch dims, front-padded with 1
//   a_batch_strides: vec4<u32>,  element strides per batch dim, 0 where broadcast
//   b_batch_strides: vec4<u32>,
//   alpha, beta: f32,            activation attributes
//   epilogue: u32,               with EPILOGUE_IN_PARAMS: bits 1 bias, 2 residual, 4 prelu, 8 hardswish
//                                (the activation then the clamp to [alpha, beta], and hardswish
//                                with bit 8; else unread)
// }
// Overrides: WG_X, WG_Y (1, 4: one SIMD group of 4 on CPU adapters): a workgroup covers WG_Y * ROWS_PER_THREAD rows
//   by WG_X * 16 columns; ROWS_PER_THREAD (32; 16 with the rows_16_to_31
//   slot empty; 8 with rows_8_to_15 empty too); HAS_BIAS, HAS_RESIDUAL, HAS_PRELU (false);
//   EPILOGUE_IN_PARAMS (false: the epilogue's parts by params.epilogue instead, the activation the
//   clamp to [alpha, beta], the body slot unread); TWO_K_STEPS (false): two K
//   steps of 4 per loop iteration, only where every split's K depth is a
//   multiple of 8.
// Slots: `types` (Elem, the storage scalar type; f32 as written; arithmetic
//   is f32), `body` (the activation on v: f32; identity as written),
//   `rows_16_to_31`: every line of those rows' accumulators, K-step updates
//   and stores; filled with nothing, it leaves 16 rows per thread (a pipeline
//   compile on SwiftShader: ~0.35 s instead of ~0.75 s for 32); `rows_8_to_15`
//   likewise for rows 8 to 15 (the quick variant that runs while the others
//   compile, ~0.22 s to compile: about 0.6 of their speed; 4 rows compiled in
//   ~0.15 s and ran at a third of it).
// Dispatch: x = ceil(N / (WG_X * 16)); y and z hold m_tiles * batch * splits
// workgroups as a 2-D grid (y first).

alias Elem = f32; // @types

// Must match the rows the slots leave: 32, 16 with rows_16_to_31 empty, or 8 with both empty.
override ROWS_PER_THREAD: u32 = 32u;
// The same count as a const, left by the slots: a function-scope array needs a const length, and the store
// tile as long as the rows kept compiles quicker on SwiftShader (4 rows: ~250 -> ~150 ms; 16: ~400 -> ~350).
const TILE_ROWS = 8u
  + 8u // @rows_8_to_15
  + 16u // @rows_16_to_31
  ;
override WG_X: u32 = 1u;
override WG_Y: u32 = 4u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override HAS_PRELU: bool = false;
// The epilogue's parts switched by params.epilogue rather than HAS_BIAS, HAS_RESIDUAL and HAS_PRELU, the
// activation a clamp rather than the body slot: one pipeline for every combination (CPU adapters, whose
// compiles are slow).
override EPILOGUE_IN_PARAMS: bool = false;
// Two K steps per loop iteration: CPU adapters pay per iteration to merge
// every loop-carried accumulator under the lane mask, so this halves that
// cost, but doubles the loop body and so the pipeline's compile time.
override TWO_K_STEPS: bool = false;

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
  epilogue: u32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4<Elem>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read> residual: array<vec4<Elem>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<Elem>>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read> prelu_weights: array<vec4<Elem>>;

// @import common/epilogue_in_params.wgsl

// @import matmul/batch_offsets.wgsl

fn store(row: u32, col4: u32, out_base: u32, fused: bool, acc: vec4<f32>) {
  if (row >= params.m) {
    return;
  }
  let index = out_base + row * (params.n / 4u) + col4;
  var v = acc;
  if (fused && epilogue_has(HAS_BIAS, 1u)) {
    v += vec4<f32>(bias[col4]);
  }
  if (fused && epilogue_has(HAS_RESIDUAL, 2u)) {
    v += vec4<f32>(residual[index]);
  }
  if (fused && epilogue_has(HAS_PRELU, 4u)) {
    v = select(v, v * vec4<f32>(prelu_weights[col4]), v < vec4<f32>(0.0));
  }
  if (fused) {
    v = activate4(v);
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

// `columns`: the 4 vec4 columns' indices in B's row 0 (batch offset added),
// `row`: the index offset of B's row k.
fn b_column(column: u32, row: u32, n4: u32) -> mat4x4<f32> {
  let at = column + row;
  return mat4x4<f32>(vec4<f32>(b[at]), vec4<f32>(b[at + n4]), vec4<f32>(b[at + 2u * n4]), vec4<f32>(b[at + 3u * n4]));
}

fn b_block(columns: vec4<u32>, row: u32, n4: u32) -> BBlock {
  return BBlock(b_column(columns[0], row, n4), b_column(columns[1], row, n4), b_column(columns[2], row, n4),
                b_column(columns[3], row, n4));
}

// One output vec4 (`acc`) gains B's column matrix `c` times the row's 4 values
// of A, as explicit fma() so CPU adapters may fuse each multiply-add.
fn column_update(acc: vec4<f32>, c: mat4x4<f32>, v: vec4<f32>) -> vec4<f32> {
  return fma(c[3], vec4<f32>(v.w), fma(c[2], vec4<f32>(v.z), fma(c[1], vec4<f32>(v.y), fma(c[0], vec4<f32>(v.x), acc))));
}

// A row's update: each of its 4 output vec4s gains its B column matrix times the row's 4 values of A.
fn update(acc: mat4x4<f32>, bb: BBlock, v: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(column_update(acc[0], bb.c0, v), column_update(acc[1], bb.c1, v), column_update(acc[2], bb.c2, v),
                     column_update(acc[3], bb.c3, v));
}

// A thread's output tile, one 4x4 matrix per row (its columns are the row's 4
// output vec4s). Named members, not an indexed array, so CPU compilers keep
// them in registers.
struct Accumulators {
  r0: mat4x4<f32>,
  r1: mat4x4<f32>,
  r2: mat4x4<f32>,
  r3: mat4x4<f32>,
  r4: mat4x4<f32>,
  r5: mat4x4<f32>,
  r6: mat4x4<f32>,
  r7: mat4x4<f32>,
  r8: mat4x4<f32>, // @rows_8_to_15
  r9: mat4x4<f32>, // @rows_8_to_15
  r10: mat4x4<f32>, // @rows_8_to_15
  r11: mat4x4<f32>, // @rows_8_to_15
  r12: mat4x4<f32>, // @rows_8_to_15
  r13: mat4x4<f32>, // @rows_8_to_15
  r14: mat4x4<f32>, // @rows_8_to_15
  r15: mat4x4<f32>, // @rows_8_to_15
  r16: mat4x4<f32>, // @rows_16_to_31
  r17: mat4x4<f32>, // @rows_16_to_31
  r18: mat4x4<f32>, // @rows_16_to_31
  r19: mat4x4<f32>, // @rows_16_to_31
  r20: mat4x4<f32>, // @rows_16_to_31
  r21: mat4x4<f32>, // @rows_16_to_31
  r22: mat4x4<f32>, // @rows_16_to_31
  r23: mat4x4<f32>, // @rows_16_to_31
  r24: mat4x4<f32>, // @rows_16_to_31
  r25: mat4x4<f32>, // @rows_16_to_31
  r26: mat4x4<f32>, // @rows_16_to_31
  r27: mat4x4<f32>, // @rows_16_to_31
  r28: mat4x4<f32>, // @rows_16_to_31
  r29: mat4x4<f32>, // @rows_16_to_31
  r30: mat4x4<f32>, // @rows_16_to_31
  r31: mat4x4<f32>, // @rows_16_to_31
}

// One K step of 4 for all of the thread's rows: `bb` holds B's rows k .. k + 3,
// `a_at` is the index of the first row's vec4 of A at k, `k4n` the vec4s per row of A.
fn k_step(acc: Accumulators, bb: BBlock, a_at: u32, k4n: u32) -> Accumulators {
  return Accumulators(
    update(acc.r0, bb, vec4<f32>(a[a_at])),
    update(acc.r1, bb, vec4<f32>(a[a_at + 1u * k4n])),
    update(acc.r2, bb, vec4<f32>(a[a_at + 2u * k4n])),
    update(acc.r3, bb, vec4<f32>(a[a_at + 3u * k4n])),
    update(acc.r4, bb, vec4<f32>(a[a_at + 4u * k4n])),
    update(acc.r5, bb, vec4<f32>(a[a_at + 5u * k4n])),
    update(acc.r6, bb, vec4<f32>(a[a_at + 6u * k4n])),
    update(acc.r7, bb, vec4<f32>(a[a_at + 7u * k4n])),
    update(acc.r8, bb, vec4<f32>(a[a_at + 8u * k4n])), // @rows_8_to_15
    update(acc.r9, bb, vec4<f32>(a[a_at + 9u * k4n])), // @rows_8_to_15
    update(acc.r10, bb, vec4<f32>(a[a_at + 10u * k4n])), // @rows_8_to_15
    update(acc.r11, bb, vec4<f32>(a[a_at + 11u * k4n])), // @rows_8_to_15
    update(acc.r12, bb, vec4<f32>(a[a_at + 12u * k4n])), // @rows_8_to_15
    update(acc.r13, bb, vec4<f32>(a[a_at + 13u * k4n])), // @rows_8_to_15
    update(acc.r14, bb, vec4<f32>(a[a_at + 14u * k4n])), // @rows_8_to_15
    update(acc.r15, bb, vec4<f32>(a[a_at + 15u * k4n])), // @rows_8_to_15
    update(acc.r16, bb, vec4<f32>(a[a_at + 16u * k4n])), // @rows_16_to_31
    update(acc.r17, bb, vec4<f32>(a[a_at + 17u * k4n])), // @rows_16_to_31
    update(acc.r18, bb, vec4<f32>(a[a_at + 18u * k4n])), // @rows_16_to_31
    update(acc.r19, bb, vec4<f32>(a[a_at + 19u * k4n])), // @rows_16_to_31
    update(acc.r20, bb, vec4<f32>(a[a_at + 20u * k4n])), // @rows_16_to_31
    update(acc.r21, bb, vec4<f32>(a[a_at + 21u * k4n])), // @rows_16_to_31
    update(acc.r22, bb, vec4<f32>(a[a_at + 22u * k4n])), // @rows_16_to_31
    update(acc.r23, bb, vec4<f32>(a[a_at + 23u * k4n])), // @rows_16_to_31
    update(acc.r24, bb, vec4<f32>(a[a_at + 24u * k4n])), // @rows_16_to_31
    update(acc.r25, bb, vec4<f32>(a[a_at + 25u * k4n])), // @rows_16_to_31
    update(acc.r26, bb, vec4<f32>(a[a_at + 26u * k4n])), // @rows_16_to_31
    update(acc.r27, bb, vec4<f32>(a[a_at + 27u * k4n])), // @rows_16_to_31
    update(acc.r28, bb, vec4<f32>(a[a_at + 28u * k4n])), // @rows_16_to_31
    update(acc.r29, bb, vec4<f32>(a[a_at + 29u * k4n])), // @rows_16_to_31
    update(acc.r30, bb, vec4<f32>(a[a_at + 30u * k4n])), // @rows_16_to_31
    update(acc.r31, bb, vec4<f32>(a[a_at + 31u * k4n])), // @rows_16_to_31
  );
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

  // Index math hoisted out of the K loop: CPU compilers do not hoist it themselves.
  // Rows past the last read past A's rows (bounds-checked like every WebGPU
  // access; their results are never stored); columns past the last read the
  // last one. So the loads need no branch.
  let k4n = params.k / 4u;
  let a_row0 = offsets.x + row0 * k4n;
  let b_columns = offsets.y + min(vec4<u32>(col4) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(n4 - 1u));
  let k4_end = k_end / 4u;
  var acc = Accumulators();
  let k_steps_per_iteration = select(1u, 2u, TWO_K_STEPS);
  for (var k4 = k_begin / 4u; k4 < k4_end; k4 += k_steps_per_iteration) {
    acc = k_step(acc, b_block(b_columns, 4u * k4 * n4, n4), a_row0 + k4, k4n);
    if (TWO_K_STEPS) {
      acc = k_step(acc, b_block(b_columns, 4u * (k4 + 1u) * n4, n4), a_row0 + k4 + 1u, k4n);
    }
  }

  let fused = params.splits == 1u;
  let out_base = (split * params.batch + batch) * params.m * n4;
  // The rows pass through an indexed array so that the epilogue is compiled once, not once a row.
  var tile: array<mat4x4<f32>, TILE_ROWS>;
  tile[0] = acc.r0;
  tile[1] = acc.r1;
  tile[2] = acc.r2;
  tile[3] = acc.r3;
  tile[4] = acc.r4;
  tile[5] = acc.r5;
  tile[6] = acc.r6;
  tile[7] = acc.r7;
  tile[8] = acc.r8; // @rows_8_to_15
  tile[9] = acc.r9; // @rows_8_to_15
  tile[10] = acc.r10; // @rows_8_to_15
  tile[11] = acc.r11; // @rows_8_to_15
  tile[12] = acc.r12; // @rows_8_to_15
  tile[13] = acc.r13; // @rows_8_to_15
  tile[14] = acc.r14; // @rows_8_to_15
  tile[15] = acc.r15; // @rows_8_to_15
  tile[16] = acc.r16; // @rows_16_to_31
  tile[17] = acc.r17; // @rows_16_to_31
  tile[18] = acc.r18; // @rows_16_to_31
  tile[19] = acc.r19; // @rows_16_to_31
  tile[20] = acc.r20; // @rows_16_to_31
  tile[21] = acc.r21; // @rows_16_to_31
  tile[22] = acc.r22; // @rows_16_to_31
  tile[23] = acc.r23; // @rows_16_to_31
  tile[24] = acc.r24; // @rows_16_to_31
  tile[25] = acc.r25; // @rows_16_to_31
  tile[26] = acc.r26; // @rows_16_to_31
  tile[27] = acc.r27; // @rows_16_to_31
  tile[28] = acc.r28; // @rows_16_to_31
  tile[29] = acc.r29; // @rows_16_to_31
  tile[30] = acc.r30; // @rows_16_to_31
  tile[31] = acc.r31; // @rows_16_to_31
  for (var r = 0u; r < TILE_ROWS; r++) {
    store_row(row0 + r, col4, n4, out_base, fused, tile[r]);
  }
}
