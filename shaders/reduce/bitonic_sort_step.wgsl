// One compare-and-exchange stage of a bitonic sort of every row of a
// [rows, n] tensor, largest first (NaN above +inf), ties by smaller index,
// as the CPU backend's topk: topk sorts each
// row padded to n_pow2 = the next power of two (padding sorts last), then
// takes the first k columns of `values` and `indices` (shape/strided_copy.wgsl).
// A full sort is the stages block = 2, 4, ..., n_pow2 and, inside each,
// distance = block / 2, ..., 1: log2(n_pow2) * (log2(n_pow2) + 1) / 2
// dispatches, the first with FIRST on, which reads x instead of the
// buffers being sorted (so they need no initialisation). n >= 2: a row of
// one element is already sorted.
//
// Bindings (group 0): 0 x: storage read of f32 ([rows, n]); 1 values:
//   storage read_write of f32 ([rows, n_pow2]); 2 indices: storage
//   read_write of i32 ([rows, n_pow2], the column each value came from);
//   3 params: uniform.
// Params {
//   rows, n, n_pow2: u32,
//   block: u32,       size of the bitonic sequences being merged (2 .. n_pow2)
//   distance: u32,    distance between compared elements (block / 2 .. 1)
// }
// Overrides: WORKGROUP_SIZE (64), FIRST (false).
// Dispatch: ceil(rows * n_pow2 / 2 / WORKGROUP_SIZE) workgroups laid out 2-D
// (x, then y): one thread per compared pair.

override WORKGROUP_SIZE: u32 = 64u;
override FIRST: bool = false;

struct Params {
  rows: u32,
  n: u32,
  n_pow2: u32,
  block: u32,
  distance: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<i32>;
@group(0) @binding(3) var<uniform> params: Params;

// @import common/is_nan.wgsl

struct Entry {
  value: f32,
  index: i32,
  padding: bool,
}

fn load(row: u32, column: u32) -> Entry {
  if (FIRST) {
    if (column >= params.n) {
      return Entry(0.0, i32(column), true);
    }
    return Entry(x[row * params.n + column], i32(column), false);
  }
  let at = row * params.n_pow2 + column;
  return Entry(values[at], indices[at], u32(indices[at]) >= params.n);
}

fn store(row: u32, column: u32, e: Entry) {
  let at = row * params.n_pow2 + column;
  values[at] = e.value;
  indices[at] = e.index;
}

// Whether `a` belongs before `b`: larger first, NaN largest, ties by smaller
// index, padding last.
fn before(a: Entry, b: Entry) -> bool {
  if (a.padding || b.padding) {
    return !a.padding;
  }
  let a_nan = is_nan(a.value);
  let b_nan = is_nan(b.value);
  if (a_nan || b_nan) {
    return a_nan && (!b_nan || a.index < b.index);
  }
  return a.value > b.value || (a.value == b.value && a.index < b.index);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let pair = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  let half = params.n_pow2 / 2u;
  if (pair >= params.rows * half) {
    return;
  }
  let row = pair / half;
  let q = pair % half;
  let i = 2u * params.distance * (q / params.distance) + q % params.distance;
  let l = i + params.distance;
  let first = load(row, i);
  let second = load(row, l);
  // Blocks alternate direction so that each merged pair of blocks is bitonic.
  let in_order = (i & params.block) == 0u;
  let swap = select(before(first, second), before(second, first), in_order);
  if (swap) {
    store(row, i, second);
    store(row, l, first);
  } else {
    store(row, i, first);
    store(row, l, second);
  }
}
