// Prelude: the epilogue's activation, for kernels that fuse one (`// @import
// common/activation.wgsl`). The runtime fills the `body` slot with a call of
// the activation's unary op function (`return relu_f32(v);`, from
// elementwise/unary_ops.wgsl, imported here), which may read alpha() and
// beta(), the activation's attributes (leakyRelu's slope).
//
// Needs from the importing kernel: `params`, a uniform struct with fields
//   alpha: f32 and beta: f32.
// Slots: `body` (the activation on v: f32; identity as written).

// @import elementwise/unary_ops.wgsl

fn alpha() -> f32 {
  return params.alpha;
}

fn beta() -> f32 {
  return params.beta;
}

fn activation(v: f32) -> f32 {
  return v; // @body
}
