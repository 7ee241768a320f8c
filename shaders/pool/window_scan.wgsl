// Prelude: one pooling window of x scanned as the forward pool saw it, for
// the pool gradients (pool/pool_backprop.wgsl, pool/pool_backprop_windows.wgsl;
// `// @import pool/window_scan.wgsl`).
//
// Needs from the importing kernel: `x` (storage of Elem, NDHWC), `params`
// with channels: u32 and in_size, window, stride, dilation, pad: vec3<u32>
// (as pool/pool.wgsl's), the override AVERAGE (max when false), and the
// preludes common/is_nan.wgsl and common/volume.wgsl.

fn x_index(n: u32, at: vec3<u32>, c: u32) -> u32 {
  return (((n * params.in_size.x + at.x) * params.in_size.y + at.y) * params.in_size.z + at.z) * params.channels + c;
}

// The window of output pixel `o` (image n, channel c) as (its tap count
// inside the input, the flat x index of its first largest tap in scan order;
// the latter only for max pools).
fn scan_window(n: u32, o: vec3<u32>, c: u32) -> vec2<u32> {
  let start = vec3<i32>(o * params.stride) - vec3<i32>(params.pad);
  var best = -0x1.fffffep+127f;
  var best_index = 0xffffffffu;
  var count = 0u;
  for (var tap = 0u; tap < volume(params.window); tap++) {
    let at = start + vec3<i32>(spatial(tap, params.window) * params.dilation);
    if (any(at < vec3<i32>(0)) || any(at >= vec3<i32>(params.in_size))) {
      continue;
    }
    count++;
    if (!AVERAGE) {
      let index = x_index(n, vec3<u32>(at), c);
      let v = f32(x[index]);
      if (best_index == 0xffffffffu || (!is_nan(best) && (is_nan(v) || v > best))) {
        best = v;
        best_index = index;
      }
    }
  }
  return vec2<u32>(count, best_index);
}
