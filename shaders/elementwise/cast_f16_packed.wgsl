// Conversion between float16 tensors and float32 without the shader-f16
// feature: float16 values are stored two per u32 (element 2w in the low half
// of word w), and pack2x16float / unpack2x16float convert them. One thread per
// u32 word of the float16 side.
//
// Bindings (group 0): 0 x: storage read of u32; 1 out: storage read_write of
//   u32; 2 params: uniform. TO_F16: x holds f32 bits, out packed halves;
//   otherwise x holds packed halves, out f32 bits.
// Params { size: u32 (element count) }
// Overrides: WORKGROUP_SIZE (64), TO_F16 (false).
// Dispatch: ceil(ceil(size / 2) / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;
override TO_F16: bool = false;

struct Params {
  size: u32,
}

@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

// The half bits of v, rounded to nearest even; pack2x16float leaves values
// beyond the half range (and NaN) undefined, so those are spelled out.
fn half_bits(v: f32) -> u32 {
  let bits = bitcast<u32>(v);
  let sign = (bits >> 16u) & 0x8000u;
  let magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) {
    return sign | 0x7e00u;
  }
  if (magnitude >= 0x477ff000u) {  // 65520 and up round to infinity
    return sign | 0x7c00u;
  }
  return pack2x16float(vec2<f32>(v, 0.0)) & 0xffffu;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let w = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  let first = 2u * w;
  if (first >= params.size) {
    return;
  }
  let has_second = first + 1u < params.size;
  if (TO_F16) {
    let low = half_bits(bitcast<f32>(x[first]));
    let high = select(0u, half_bits(bitcast<f32>(x[min(first + 1u, params.size - 1u)])), has_second);
    out[w] = low | (high << 16u);
  } else {
    let pair = unpack2x16float(x[w]);
    out[first] = bitcast<u32>(pair.x);
    if (has_second) {
      out[first + 1u] = bitcast<u32>(pair.y);
    }
  }
}
