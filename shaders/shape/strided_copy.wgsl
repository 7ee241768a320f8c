// out[out_offset + sum_d idx[d] * out_strides[d]] = x[in_offset + sum_d idx[d] * in_strides[d]]
// for every index idx of `shape` (rank up to 8): the one data-movement kernel
// behind transpose (permuted input strides), slice and stridedSlice (offset
// and multiplied strides), reverse (negative strides from the last element),
// broadcastTo (stride 0), tile (shape [r0, d0, r1, d1, ...] with stride 0 on
// each repeat dim), concat (one copy per input into its region of the output,
// through out_offset and out_strides), pad's interior, and depthToSpace /
// spaceToDepth / space and batch to ND (transposes of reshaped views).
//
// Bindings (group 0): 0 x: storage read of Elem; 1 out: storage read_write of
//   Elem; 2 params: uniform.
// Params {
//   size: u32,                       elements copied (product of shape)
//   rank: u32,
//   in_offset, out_offset: u32,      elements
//   shape: array<vec4<u32>, 2>,      the copied index space, outermost first
//   in_strides: array<vec4<i32>, 2>, element strides, may be negative or 0
//   out_strides: array<vec4<i32>, 2>
// }
// Overrides: WORKGROUP_SIZE (64); ITEMS_PER_THREAD (1): consecutive items of
//   the innermost dim each thread copies (a row's last thread copies what is
//   left of it), so the index math, integer divisions lane by lane on CPU
//   adapters, is done once for all of them.
// Slots: `types` (Elem, the array item: any 32-bit or f16 element, or a vec4
//   of them; f32 as written). The runtime copies vec4<u32>s where the
//   innermost dim runs contiguously in x and out, 4 elements at a time;
//   shape's last dim, the strides and offsets then count vec4s.
// Dispatch: rows * ceil(innermost / ITEMS_PER_THREAD) threads (rows: size
// over the innermost dim), in workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override ITEMS_PER_THREAD: u32 = 1u;

struct Params {
  size: u32,
  rank: u32,
  in_offset: u32,
  out_offset: u32,
  shape: array<vec4<u32>, 2>,
  in_strides: array<vec4<i32>, 2>,
  out_strides: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read_write> out: array<Elem>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  // The thread's items run along the innermost dim (rank 0 copies its one item).
  let last = max(i32(params.rank) - 1, 0);
  let innermost = select(1u, params.shape[last / 4][last % 4], params.rank > 0u);
  let row_threads = (innermost + ITEMS_PER_THREAD - 1u) / ITEMS_PER_THREAD;
  let thread = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  let column = (thread % row_threads) * ITEMS_PER_THREAD;
  let i = (thread / row_threads) * innermost + column;
  if (i >= params.size) {
    return;
  }
  var in_index = i32(params.in_offset);
  var out_index = i32(params.out_offset);
  // The outermost coordinate is what the inner ones leave (i < size): one integer division (lane by lane on CPU
  // adapters) fewer.
  var rest = i;
  for (var d = i32(params.rank) - 1; d >= 1; d--) {
    let dim = params.shape[d / 4][d % 4];
    let coord = i32(rest % dim);
    rest /= dim;
    in_index += coord * params.in_strides[d / 4][d % 4];
    out_index += coord * params.out_strides[d / 4][d % 4];
  }
  in_index += i32(rest) * params.in_strides[0][0];
  out_index += i32(rest) * params.out_strides[0][0];
  let in_step = params.in_strides[last / 4][last % 4];
  let out_step = params.out_strides[last / 4][last % 4];
  let items = min(ITEMS_PER_THREAD, innermost - column);
  for (var j = 0u; j < ITEMS_PER_THREAD; j++) {
    if (j >= items) {
      break;
    }
    out[out_index + i32(j) * out_step] = x[in_index + i32(j) * in_step];
  }
}
