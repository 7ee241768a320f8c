// tw.spectral (and TF.js's top-level aliases and Tensor methods): fft and ifft
// are kernel ops over the last axis of a complex64 tensor (backends/cpu/spectral.ts,
// shaders/spectral/dft.wgsl); rfft and irfft are TF.js's compositions of them.
import { tidy } from '../core/globals.js';
import type { Tensor } from '../core/tensor.js';
import { fftKernel } from '../backends/cpu/spectral.js';
import * as webgpu from '../backends/webgpu/kernels/spectral.js';
import { mul } from './binary.js';
import { complex, imag, real } from './complex.js';
import { zeros } from './creation.js';
import { defineOp, spec } from './registry.js';
import { type TensorLike, addMethods, runOp, withTensors } from './run.js';
import { concat, reshape, reverse, slice } from './shape.js';
import { neg } from './unary.js';

for (const [name, inverse] of [['fft', false], ['ifft', true]] as const) {
  defineOp<Record<string, never>>({
    name,
    inputs: [{ name: 'input' }],
    attrs: {},
    doc: `${inverse ? 'inverse ' : ''}discrete Fourier transform along the last axis${inverse ? ' (scaled by 1/n)' : ''}`,
    shape([x]) {
      // TF.js's message
      if (x.dtype !== 'complex64') throw new Error(`The dtype for tf.spectral.${name}() must be complex64 but got ${x.dtype}.`);
      if (x.shape.length === 0) throw new Error('input input is a scalar; the transform runs along its last axis');
      return [spec(x.shape, 'complex64')];
    },
    complex: 'native',
    kernels: { cpu: fftKernel(inverse), webgpu: webgpu.fftKernel(inverse) },
    // The adjoint of the transform: n times the other one's scaled sum (TensorFlow's FFT gradients).
    grad: ([dy]) => {
      const n = dy.shape[dy.rank - 1];
      return [inverse ? mul(fft(dy), 1 / n) : mul(ifft(dy), n)];
    },
  });
}

/** tw.spectral.fft(input): the discrete Fourier transform of complex64 input along its last axis. */
export function fft(input: TensorLike): Tensor {
  return runOp('fft', [input]);
}

/** tw.spectral.ifft(input): the inverse transform along the last axis (scaled by 1/n). */
export function ifft(input: TensorLike): Tensor {
  return runOp('ifft', [input]);
}

/**
 * tw.spectral.rfft(input, fftLength?): the transform of real input along its
 * last axis, cropped or zero-padded to fftLength first: its fftLength/2 + 1
 * non-redundant values.
 */
export function rfft(input: TensorLike, fftLength?: number): Tensor {
  return withTensors('rfft', [['input', input]], (x) => tidy(() => {
    if (x.dtype !== 'float32') throw new Error(`The dtype for tf.spectral.rfft() must be real (float32) but got ${x.dtype}`);
    if (x.rank === 0) throw new Error('tw.rfft: input is a scalar; the transform runs along its last axis');
    const last = x.rank - 1;
    const inner = x.shape[last];
    const n = fftLength ?? inner;
    if (!Number.isInteger(n) || n < 1) throw new Error(`tw.rfft: fftLength ${fftLength} must be a positive integer`);
    let adjusted = x;
    if (n < inner) adjusted = slice(x, x.shape.map(() => 0), x.shape.map((d, i) => (i === last ? n : d)));
    else if (n > inner) adjusted = concat([x, zeros(x.shape.map((d, i) => (i === last ? n - inner : d)))], last);
    const spectrum = fft(complex(adjusted, zeros(adjusted.shape)));
    const half = Math.floor(n / 2) + 1;
    return slice(spectrum, spectrum.shape.map(() => 0), spectrum.shape.map((d, i) => (i === last ? half : d)));
  }));
}

/**
 * tw.spectral.irfft(input): the real signal whose rfft `input` is, along the
 * last axis: length 2 (m - 1) for m > 2 values (the spectrum's conjugate
 * mirror appended, as TF.js does), m otherwise.
 */
export function irfft(input: TensorLike): Tensor {
  return withTensors('irfft', [['input', input]], (x) => tidy(() => {
    if (x.dtype !== 'complex64') throw new Error(`The dtype for tf.spectral.irfft() must be complex64 but got ${x.dtype}`);
    if (x.rank === 0) throw new Error('tw.irfft: input is a scalar; the transform runs along its last axis');
    const last = x.rank - 1;
    const m = x.shape[last];
    let full = x;
    if (m > 2) {
      const [re, im] = [real(x), imag(x)];
      const inner = (t: Tensor) => reverse(slice(t, x.shape.map((_, i) => (i === last ? 1 : 0)), x.shape.map((d, i) => (i === last ? m - 2 : d))), last);
      full = complex(concat([re, inner(re)], last), concat([im, neg(inner(im))], last));
    }
    return real(ifft(full));
  }));
}

export const spectral = { fft, ifft, rfft, irfft };

addMethods({ fft, ifft, rfft, irfft });
declare module '../core/tensor.js' {
  interface Tensor {
    fft(): Tensor;
    ifft(): Tensor;
    rfft(fftLength?: number): Tensor;
    irfft(): Tensor;
  }
}
