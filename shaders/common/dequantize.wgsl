// A packed weight's float32 values (value = code * scale + min for uint8
// codes, the half's value for float16): the one dispatch that turns a packed
// weight into ordinary float32 storage, for a kernel that cannot read it
// packed, or a read-back. One thread per output element.
//
// Scale and min are one per tensor (channels = 1) or one per index along an
// axis: element i's channel is (i / inner) % channels.
//
// Bindings (group 0): 0 packed: storage read of u32 (codes, then for uint8
//   `channels` scales and `channels` mins as f32 bits from word
//   affine_offset); 1 out: storage read_write of f32; 2 params: uniform.
// Params {
//   size: u32,            element count
//   channels: u32,        scales (and mins): 1 per tensor
//   inner: u32,           elements between neighbouring channels (product of the dims after the axis)
//   affine_offset: u32,   the word where the scales start
// }
// Overrides: WORKGROUP_SIZE (64), FLOAT16 (false: uint8 codes).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;
override FLOAT16: bool = false;

struct Params {
  size: u32,
  channels: u32,
  inner: u32,
  affine_offset: u32,
}

@group(0) @binding(0) var<storage, read> packed: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// @import common/packed_weights.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  if (FLOAT16) {
    out[i] = unpack2x16float(packed[i / 2u])[i % 2u];
    return;
  }
  let code = unpack_codes4(packed[i / 4u])[i % 4u];
  let channel = (i / params.inner) % params.channels;
  let scale = bitcast<f32>(packed[params.affine_offset + channel]);
  let low = bitcast<f32>(packed[params.affine_offset + params.channels + channel]);
  out[i] = code * scale + low;
}
