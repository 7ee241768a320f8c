// Activation functions by Keras/TF.js name. `fusable` names the activations the
// fused matMul/conv ops apply in their epilogue.
import type { Tensor } from '../core/tensor.js';
import {
  elu, exp, gelu, hardSigmoid, leakyRelu, logSoftmax, mul, relu, relu6, selu, sigmoid, silu, softmax, softplus, softsign, tanh,
} from '../ops/index.js';

export type ActivationFn = (x: Tensor) => Tensor;

const ACTIVATIONS: Record<string, ActivationFn> = {
  linear: (x) => x,
  relu, relu6, elu, selu, sigmoid, tanh, softplus, softsign, exponential: exp,
  softmax: (x) => softmax(x, -1),
  logSoftmax: (x) => logSoftmax(x, -1),
  swish: silu, silu,
  gelu: (x) => gelu(x),
  // Keras 2 and TF.js's hard_sigmoid: clip(0.2x + 0.5, 0, 1); Keras 3's: relu6(x + 3) / 6.
  hardSigmoid: (x) => hardSigmoid(x, 0.2, 0.5),
  leakyRelu: (x) => leakyRelu(x, 0.2),
  mish: (x) => mul(x, tanh(softplus(x))),
};

export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid';

const FUSED: Record<string, FusedActivation> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', elu: 'elu', sigmoid: 'sigmoid',
};

/** The camelCase name of a Keras/TF.js activation ('hard_sigmoid' → 'hardSigmoid'); null → 'linear'. */
export function activationName(identifier: string | null | undefined): string {
  const name = (identifier ?? 'linear').replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  if (!(name in ACTIVATIONS)) throw new Error(`tensorweb: unknown activation '${identifier}' (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
  return name;
}

export function getActivation(identifier: string | null | undefined): ActivationFn {
  return ACTIVATIONS[activationName(identifier)];
}

/** The fused-op epilogue for an activation, or null when it must run as its own op. */
export function fusedActivation(identifier: string): FusedActivation | null {
  return FUSED[activationName(identifier)] ?? null;
}
