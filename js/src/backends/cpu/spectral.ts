// CPU kernel of fft and ifft: the discrete Fourier transform of each row
// (the last axis) of a complex64 tensor, in float64. Power-of-two lengths
// take the radix-2 Cooley-Tukey transform, other lengths the direct sum (the
// WebGPU kernel makes the same split).
import type { DataId } from '../../core/backend.js';
import { makeArray, sizeFromShape } from '../../core/dtype.js';
import type { KernelArgs } from '../../ops/registry.js';
import type { CpuBackend } from './backend.js';

/** fft (inverse false) or ifft (inverse true, scaled by 1/n) along the last axis. */
export function fftKernel(inverse: boolean) {
  return ({ backend, inputs: [x], outputs: [out] }: KernelArgs<CpuBackend, unknown>): DataId[] => {
    const values = backend.values(x);
    const n = x.shape[x.shape.length - 1];
    const result = makeArray('complex64', sizeFromShape(x.shape)) as Float32Array;
    const rows = n === 0 ? 0 : sizeFromShape(x.shape) / n;
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    const sign = inverse ? 1 : -1;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) {
        re[j] = values[2 * (r * n + j)];
        im[j] = values[2 * (r * n + j) + 1];
      }
      const [outRe, outIm] = (n & (n - 1)) === 0 ? radix2(re, im, sign) : direct(re, im, sign);
      for (let k = 0; k < n; k++) {
        result[2 * (r * n + k)] = inverse ? outRe[k] / n : outRe[k];
        result[2 * (r * n + k) + 1] = inverse ? outIm[k] / n : outIm[k];
      }
    }
    return [backend.write(result, out.shape, out.dtype)];
  };
}

/** sum_j x[j] e^(sign 2 pi i j k / n), j k reduced mod n so the angle stays within one turn. */
function direct(re: Float64Array, im: Float64Array, sign: number): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sumRe = 0;
    let sumIm = 0;
    for (let j = 0, turn = 0; j < n; j++, turn = (turn + k) % n) {
      const angle = (sign * 2 * Math.PI * turn) / n;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      sumRe += re[j] * c - im[j] * s;
      sumIm += re[j] * s + im[j] * c;
    }
    outRe[k] = sumRe;
    outIm[k] = sumIm;
  }
  return [outRe, outIm];
}

/** Iterative radix-2 transform of a power-of-two length: bit-reversed order, then log2(n) butterfly passes. */
function radix2(re: Float64Array, im: Float64Array, sign: number): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = Float64Array.from(re);
  const outIm = Float64Array.from(im);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [outRe[i], outRe[j]] = [outRe[j], outRe[i]];
      [outIm[i], outIm[j]] = [outIm[j], outIm[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < half; k++) {
        const angle = (sign * 2 * Math.PI * k) / len;
        const wRe = Math.cos(angle);
        const wIm = Math.sin(angle);
        const a = start + k;
        const b = a + half;
        const tRe = outRe[b] * wRe - outIm[b] * wIm;
        const tIm = outRe[b] * wIm + outIm[b] * wRe;
        outRe[b] = outRe[a] - tRe;
        outIm[b] = outIm[a] - tIm;
        outRe[a] += tRe;
        outIm[a] += tIm;
      }
    }
  }
  return [outRe, outIm];
}
