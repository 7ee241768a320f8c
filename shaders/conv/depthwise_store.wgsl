// Prelude: the vec4 depthwise kernels' epilogue (`// @import
// conv/depthwise_store.wgsl`): out = activation(sum + bias + residual), or
// with RESIDUAL_AFTER_ACTIVATION activation(sum + bias) + residual (the fused
// ops' addendAfterActivation: x + relu(depthwise(x))). Imports
// common/activation.wgsl.
//
// Needs from the importing kernel: bindings `bias` ([channels]), `residual`
// (out's layout) of vec4<Elem> and `out` of vec4<Elem>; overrides HAS_BIAS,
// HAS_RESIDUAL and RESIDUAL_AFTER_ACTIVATION (bool); `params` with alpha and
// beta (f32).

// @import common/activation.wgsl

// Stores the 4 channels `c` (a vec4 of the channels) of output element `index`.
fn store(index: u32, c: u32, sum: vec4<f32>) {
  var acc = sum;
  if (HAS_BIAS) {
    acc += vec4<f32>(bias[c]);
  }
  if (HAS_RESIDUAL && !RESIDUAL_AFTER_ACTIVATION) {
    acc += vec4<f32>(residual[index]);
  }
  var y = vec4<f32>(activation(acc.x), activation(acc.y), activation(acc.z), activation(acc.w));
  if (HAS_RESIDUAL && RESIDUAL_AFTER_ACTIVATION) {
    y += vec4<f32>(residual[index]);
  }
  out[index] = vec4<Elem>(y);
}
