// complex64: tw.complex, tw.real, tw.imag, and the helpers other entries'
// `complex` rules are written with. A complex64 tensor's storage is its
// (real, imaginary) float32 pairs, interleaved (core/dtype.ts), so viewing it
// as a float32 tensor with a trailing dim of 2 (viewAsReal) and back
// (viewAsComplex) copies nothing; layout ops then work on the pairs and
// arithmetic on the two parts.
import { shapesEqual } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { aliasKernel } from '../backends/cpu/elementwise.js';
import * as webgpu from '../backends/webgpu/kernels/elementwise.js';
import { cast, neg } from './unary.js';
import { reshape, slice, stack } from './shape.js';
import { zerosLike } from './creation.js';
import { defineOp, spec } from './registry.js';
import { type TensorLike, runOp } from './run.js';

defineOp<Record<string, never>>({
  name: 'viewAsReal',
  inputs: [{ name: 'input' }],
  attrs: {},
  doc: 'a complex64 tensor as float32 (real, imaginary) pairs along a new last dim of 2; no copy',
  shape([x]) {
    if (x.dtype !== 'complex64') throw new Error(`input input has dtype ${x.dtype}; this op takes complex64`);
    return [spec([...x.shape, 2], 'float32')];
  },
  complex: 'native',
  kernels: { cpu: aliasKernel, webgpu: webgpu.aliasKernel },
  grad: ([dy]) => [viewAsComplex(dy)],
});

defineOp<Record<string, never>>({
  name: 'viewAsComplex',
  inputs: [{ name: 'input' }],
  attrs: {},
  doc: 'float32 (real, imaginary) pairs along a last dim of 2 as a complex64 tensor; no copy',
  shape([x]) {
    if (x.dtype !== 'float32') throw new Error(`input input has dtype ${x.dtype}; this op takes float32`);
    if (x.shape[x.shape.length - 1] !== 2) throw new Error(`input input [${x.shape}] must have a last dim of 2 (real, imaginary)`);
    return [spec(x.shape.slice(0, -1), 'complex64')];
  },
  kernels: { cpu: aliasKernel, webgpu: webgpu.aliasKernel },
  grad: ([dy]) => [viewAsReal(dy)],
});

/** tw.viewAsReal(input): complex64 [...shape] as float32 [...shape, 2] (PyTorch's view_as_real). */
export function viewAsReal(input: TensorLike): Tensor {
  return runOp('viewAsReal', [input]);
}

/** tw.viewAsComplex(input): float32 [...shape, 2] as complex64 [...shape] (PyTorch's view_as_complex). */
export function viewAsComplex(input: TensorLike): Tensor {
  return runOp('viewAsComplex', [input]);
}

defineOp<Record<string, never>>({
  name: 'complex',
  inputs: [{ name: 'real' }, { name: 'imag' }],
  attrs: {},
  inputDtype: 'float32',
  shape([real, imag]) {
    // TF.js's message, which code written against it matches on.
    if (!shapesEqual(real.shape, imag.shape)) {
      throw new Error(`real and imag shapes, ${real.shape} and ${imag.shape}, must match in call to tf.complex()`);
    }
    return [spec(real.shape, 'complex64')];
  },
  decompose: ([real, imag]) => [viewAsComplex(stack([real, imag], -1))],
});

/** tw.complex(real, imag): the complex64 tensor real + i imag (both float32 of one shape). */
export function complex(real: TensorLike, imag: TensorLike): Tensor {
  return runOp('complex', [real, imag]);
}

// real and imag of a real tensor are the tensor (as float32) and zeros, as in TF.js.
for (const [name, index] of [['real', 0], ['imag', 1]] as const) {
  defineOp<Record<string, never>>({
    name,
    inputs: [{ name: 'input' }],
    attrs: {},
    shape: ([x]) => [spec(x.shape, 'float32')],
    complex: 'native',
    decompose([x]) {
      if (x.dtype !== 'complex64') return [index === 0 ? cast(x, 'float32') : zerosLike(cast(x, 'float32'))];
      const part = slice(viewAsReal(x), [...x.shape.map(() => 0), index], [...x.shape, 1]);
      return [reshape(part, x.shape)];
    },
  });
}

/** tw.real(input): the real parts of a complex64 tensor, float32. */
export function real(input: TensorLike): Tensor {
  return runOp('real', [input]);
}

/** tw.imag(input): the imaginary parts of a complex64 tensor, float32. */
export function imag(input: TensorLike): Tensor {
  return runOp('imag', [input]);
}

/** x as complex64 (a real x gets zero imaginary parts). */
export function asComplex(x: Tensor): Tensor {
  return x.dtype === 'complex64' ? x : complex(cast(x, 'float32'), zerosLike(cast(x, 'float32')));
}

/** The complex conjugate of complex x. */
export function conj(x: Tensor): Tensor {
  return complex(real(x), neg(imag(x)));
}

/**
 * A layout op (transpose, concat, slice...) on complex tensors: `fn` gets
 * their pairs (float32, one trailing dim of 2 more) and returns pairs.
 */
export function onPairs(inputs: readonly Tensor[], fn: (pairs: Tensor[]) => Tensor): Tensor[] {
  return [viewAsComplex(fn(inputs.map((x) => viewAsReal(asComplex(x)))))];
}
