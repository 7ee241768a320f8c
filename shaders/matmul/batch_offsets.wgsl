// Prelude: where one batch entry of a batched matmul starts in A and in B,
// numpy batch broadcasting included (`// @import matmul/batch_offsets.wgsl`).
//
// Needs from the importing kernel: `params` with batch_shape, a_batch_strides
// and b_batch_strides (vec4<u32> each: the output's batch dims front-padded
// with 1, and each operand's element strides per dim, 0 where it broadcasts).

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
