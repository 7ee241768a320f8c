// Prelude: the epilogue's activation, for kernels that fuse one (`// @import
// common/activation.wgsl`). The runtime fills the `body` slot with the
// activation's expression in v; bodies may call alpha() and beta(), the
// activation's attributes (leakyRelu's slope, clipByValue's bounds, ...).
//
// Needs from the importing kernel: `params`, a uniform struct with fields
//   alpha: f32 and beta: f32.
// Slots: `body` (the activation on v: f32; identity as written).

fn alpha() -> f32 {
  return params.alpha;
}

fn beta() -> f32 {
  return params.beta;
}

fn activation(v: f32) -> f32 {
  return v; // @body
}
