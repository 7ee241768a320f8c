// Prelude: x at one tap of one output pixel's window, the element an implicit
// GEMM over x reads (conv/conv.wgsl's A, conv/conv_backprop_filter.wgsl's A
// transposed; `// @import conv/receptive_field.wgsl`).
//
// Needs from the importing kernel: `x` (storage of Elem, NDHWC), `params` with
// in_c: u32 and in_size, out_size, kernel_size, stride, dilation, pad:
// vec3<u32> (as conv/conv.wgsl's), and the prelude common/volume.wgsl.

// x at output pixel `pixel` and filter tap `tap` = (kernel offset) * Cin + ci,
// the kernel offset running over (kd, kh, kw); 0 in the padding.
fn receptive_field(pixel: u32, tap: u32) -> f32 {
  let n = pixel / volume(params.out_size);
  let o = spatial(pixel % volume(params.out_size), params.out_size);
  let ci = tap % params.in_c;
  let k = spatial(tap / params.in_c, params.kernel_size);
  let signed = vec3<i32>(o * params.stride + k * params.dilation) - vec3<i32>(params.pad);
  if (any(signed < vec3<i32>(0)) || any(signed >= vec3<i32>(params.in_size))) {
    return 0.0;
  }
  let i = vec3<u32>(signed);
  return f32(x[(((n * params.in_size.x + i.x) * params.in_size.y + i.y) * params.in_size.z + i.z) * params.in_c + ci]);
}
