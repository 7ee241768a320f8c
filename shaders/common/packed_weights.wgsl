// Prelude: reading weights stored packed in u32 words (a float32 tensor whose
// GPU storage is float16 halves or uint8 affine codes; see
// js/src/backends/webgpu/README.md, section Packed weights). Element 2w (float16)
// or 4w (uint8) lies in the low bits of word w. Needs nothing from the kernel.

// Four float16 values from two words (elements 4i .. 4i + 3 from words 2i, 2i + 1).
fn unpack_halves4(low: u32, high: u32) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(low), unpack2x16float(high));
}

// The four uint8 codes of a word, as exact f32 integers (shifts: unpack4x8unorm
// times 255 need not give integers back).
fn unpack_codes4(word: u32) -> vec4<f32> {
  return vec4<f32>((vec4<u32>(word) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(255u));
}
