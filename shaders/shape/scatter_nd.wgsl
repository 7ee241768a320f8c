// out[indices[j, 0], ..., indices[j, depth - 1], s] += updates[j, s]:
// scatterND into a zero-filled out (the caller clears it), summing updates
// that hit the same element as TensorFlow does. WebGPU has no float atomics,
// so each addition is a compare-and-swap loop on the float's bits. With
// ACCUMULATE false the update's bits replace the element instead
// (tensorScatterUpdate into a copy of its tensor, any 32-bit dtype); where
// several updates hit one element, which one lands is unordered, as in
// TF.js's GPU backends. Updates whose index falls outside out are dropped.
//
// Bindings (group 0): 0 updates: storage read of 32-bit values as u32 bits
//   (f32 when accumulating) ([count, slice_size]); 1 indices: storage read of
//   i32 ([count, depth]); 2 out: storage read_write, values held as
//   atomic<u32> bits; 3 params: uniform.
// Params {
//   size: u32,                          update elements (count * slice_size)
//   depth: u32,                         index depth, up to 8
//   slice_size: u32,
//   out_shape: array<vec4<u32>, 2>,     out's first `depth` dims
//   out_strides: array<vec4<u32>, 2>,   element strides of those dims
// }
// Overrides: WORKGROUP_SIZE (64), ACCUMULATE (true: add; false: replace).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;
override ACCUMULATE: bool = true;

struct Params {
  size: u32,
  depth: u32,
  slice_size: u32,
  out_shape: array<vec4<u32>, 2>,
  out_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> updates: array<u32>;
@group(0) @binding(1) var<storage, read> indices: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let slice = i / params.slice_size;
  var offset = i % params.slice_size;
  for (var d = 0u; d < params.depth; d++) {
    let index = indices[slice * params.depth + d];
    if (index < 0 || u32(index) >= params.out_shape[d / 4u][d % 4u]) {
      return;
    }
    offset += u32(index) * params.out_strides[d / 4u][d % 4u];
  }
  if (!ACCUMULATE) {
    atomicStore(&out[offset], updates[i]);
    return;
  }
  let update = bitcast<f32>(updates[i]);
  var current = atomicLoad(&out[offset]);
  loop {
    let swapped = atomicCompareExchangeWeak(&out[offset], current, bitcast<u32>(bitcast<f32>(current) + update));
    if (swapped.exchanged) {
      break;
    }
    current = swapped.old_value;
  }
}
