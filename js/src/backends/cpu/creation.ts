// CPU kernels of the creation ops: values that come from attributes (fill,
// range, linspace, eye, random) or from indices (oneHot).
import type { DataId } from '../../core/backend.js';
import { type DataType, makeArray, sizeFromShape } from '../../core/dtype.js';
import { gammaAt, normalAt, seedKey, truncatedNormalAt, uniformAt } from '../../core/random.js';
import type { KernelArgs } from '../../ops/registry.js';
import type { CpuBackend } from './backend.js';

/** Writes `at(i)` for every element of the single output. */
function generate<A>(at: (i: number, attrs: A) => number) {
  return ({ backend, attrs, outputs: [out] }: KernelArgs<CpuBackend, A>): DataId[] => {
    const values = makeArray(out.dtype, sizeFromShape(out.shape));
    for (let i = 0; i < values.length; i++) values[i] = at(i, attrs);
    return [backend.write(values, out.shape, out.dtype)];
  };
}

export const fillKernel = generate<{ value: number }>((_i, { value }) => value);

/** TF.js counts down with a step of 1 when stop < start. */
export const rangeKernel = generate<{ start: number; stop: number; step: number }>((i, { start, stop, step }) =>
  start + i * (stop < start && step === 1 ? -1 : step));

export const linspaceKernel = generate<{ start: number; stop: number; num: number }>((i, { start, stop, num }) =>
  num === 1 ? start : start + (i * (stop - start)) / (num - 1));

export function eyeKernel({ backend, outputs: [out] }: KernelArgs<CpuBackend, unknown>): DataId[] {
  const [rows, cols] = out.shape.slice(-2);
  const values = makeArray(out.dtype, sizeFromShape(out.shape));
  for (let base = 0; base < values.length; base += rows * cols) {
    for (let d = 0; d < Math.min(rows, cols); d++) values[base + d * cols + d] = 1;
  }
  return [backend.write(values, out.shape, out.dtype)];
}

export function oneHotKernel({ backend, inputs: [indices], attrs, outputs: [out] }:
  KernelArgs<CpuBackend, { depth: number; onValue: number; offValue: number }>): DataId[] {
  const { depth, onValue, offValue } = attrs;
  const idx = backend.values(indices);
  const values = makeArray(out.dtype, idx.length * depth).fill(offValue);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] >= 0 && idx[i] < depth) values[i * depth + idx[i]] = onValue;
  }
  return [backend.write(values, out.shape, out.dtype)];
}

interface RandomAttrs {
  seed: number;
  dtype: DataType;
}

/**
 * A random kernel: `draw(key, i)` is the unit sample, `scale` maps it to the
 * op's range; int32 takes `whole` of it (uniform floors, staying below
 * maxval; the normals round half up, as TF.js).
 */
function randomKernel<A extends RandomAttrs>(draw: (key: readonly number[], i: number, attrs: A) => number,
  scale: (sample: number, attrs: A) => number, whole: (v: number) => number = Math.round) {
  return ({ backend, attrs, outputs: [out] }: KernelArgs<CpuBackend, A>): DataId[] => {
    const key = seedKey(attrs.seed);
    const values = makeArray(out.dtype, sizeFromShape(out.shape));
    for (let i = 0; i < values.length; i++) {
      const v = scale(draw(key, i, attrs), attrs);
      values[i] = out.dtype === 'int32' ? whole(v) : v;
    }
    return [backend.write(values, out.shape, out.dtype)];
  };
}

export const randomUniformKernel = randomKernel<RandomAttrs & { minval: number; maxval: number }>(uniformAt,
  (u, { minval, maxval }) => minval + u * (maxval - minval), Math.floor);

const meanStd = (z: number, { mean, stdDev }: { mean: number; stdDev: number }) => mean + z * stdDev;
export const randomNormalKernel = randomKernel<RandomAttrs & { mean: number; stdDev: number }>(normalAt, meanStd);
export const truncatedNormalKernel = randomKernel<RandomAttrs & { mean: number; stdDev: number }>(truncatedNormalAt, meanStd);
/** Gamma(alpha) samples times beta: TF.js's code multiplies by beta, though its docs call beta the rate. */
export const randomGammaKernel = randomKernel<RandomAttrs & { alpha: number; beta: number }>((key, i, { alpha }) => gammaAt(key, i, alpha),
  (g, { beta }) => g * beta);
