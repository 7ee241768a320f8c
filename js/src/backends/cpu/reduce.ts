// CPU kernels of the reductions (over a set of axes), arg-reductions and
// scans (along one axis).
import type { DataId } from '../../core/backend.js';
import { normalizeAxes } from '../../core/axes.js';
import { makeArray, sizeFromShape } from '../../core/dtype.js';
import type { KernelArgs } from '../../ops/registry.js';
import type { CpuBackend } from './backend.js';
import { broadcastIndex } from './elementwise.js';

export interface Reducer {
  init: number;
  step(acc: number, value: number): number;
  /** Turns the accumulator into the result, given how many values were reduced. */
  finish?(acc: number, count: number): number;
}

const nanMax = (acc: number, v: number) => (v > acc || Number.isNaN(v) ? v : acc);
const nanMin = (acc: number, v: number) => (v < acc || Number.isNaN(v) ? v : acc);

/** Keyed by registry op name. max and min propagate NaN, as numpy does. */
export const reducers = {
  sum: { init: 0, step: (acc, v) => acc + v },
  mean: { init: 0, step: (acc, v) => acc + v, finish: (acc, count) => acc / count },
  prod: { init: 1, step: (acc, v) => acc * v },
  max: { init: -Infinity, step: (acc, v) => (Number.isNaN(acc) ? acc : nanMax(acc, v)) },
  min: { init: Infinity, step: (acc, v) => (Number.isNaN(acc) ? acc : nanMin(acc, v)) },
  all: { init: 1, step: (acc, v) => (acc && v ? 1 : 0) },
  any: { init: 0, step: (acc, v) => (acc || v ? 1 : 0) },
} satisfies Record<string, Reducer>;

interface ReduceAttrs {
  axis: number | number[] | null;
  keepDims: boolean;
}

/** Accumulates in float64 over the reduced axes, then stores in the output dtype. */
export function reduceKernel(reducer: Reducer) {
  return ({ backend, inputs: [x], attrs, outputs: [out] }: KernelArgs<CpuBackend, ReduceAttrs>): DataId[] => {
    const axes = normalizeAxes(attrs.axis, x.shape.length);
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const values = backend.values(x);
    // The kept-dims output broadcast against the input maps each input element to its output slot.
    const slot = broadcastIndex(x.shape, kept);
    const acc = new Float64Array(sizeFromShape(kept)).fill(reducer.init);
    for (let i = 0; i < values.length; i++) {
      const k = slot ? slot[i] : i;
      acc[k] = reducer.step(acc[k], values[i]);
    }
    const count = acc.length === 0 ? 0 : values.length / acc.length;
    const result = makeArray(out.dtype, acc.length);
    for (let k = 0; k < acc.length; k++) result[k] = reducer.finish ? reducer.finish(acc[k], count) : acc[k];
    return [backend.write(result, out.shape, out.dtype)];
  };
}

/** Sizes before, along and after `axis`: element (o, j, i) sits at (o * len + j) * inner + i. */
function split(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeFromShape(shape.slice(0, axis)), shape[axis], sizeFromShape(shape.slice(axis + 1))];
}

/** argMax/argMin along one axis: the first index of the extreme value (NaN counts as extreme). */
export function argReduceKernel(better: (candidate: number, best: number) => boolean) {
  return ({ backend, inputs: [x], attrs, outputs: [out] }: KernelArgs<CpuBackend, { axis: number }>): DataId[] => {
    const axis = normalizeAxes(attrs.axis, x.shape.length)[0];
    const [outer, len, inner] = split(x.shape, axis);
    const values = backend.values(x);
    const result = makeArray('int32', outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let j = 1; j < len; j++) {
          const v = values[(o * len + j) * inner + i];
          const b = values[(o * len + best) * inner + i];
          if (!Number.isNaN(b) && (Number.isNaN(v) || better(v, b))) best = j;
        }
        result[o * inner + i] = best;
      }
    }
    return [backend.write(result, out.shape, out.dtype)];
  };
}

interface ScanAttrs {
  axis: number;
  exclusive: boolean;
  reverse: boolean;
}

/** cumsum/cumprod along one axis, optionally exclusive and/or from the end. */
export function scanKernel(reducer: Reducer) {
  return ({ backend, inputs: [x], attrs, outputs: [out] }: KernelArgs<CpuBackend, ScanAttrs>): DataId[] => {
    const axis = normalizeAxes(attrs.axis, x.shape.length)[0];
    const [outer, len, inner] = split(x.shape, axis);
    const values = backend.values(x);
    const result = makeArray(out.dtype, values.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let acc = reducer.init;
        for (let n = 0; n < len; n++) {
          const at = (o * len + (attrs.reverse ? len - 1 - n : n)) * inner + i;
          if (attrs.exclusive) {
            result[at] = acc;
            acc = reducer.step(acc, values[at]);
          } else {
            acc = reducer.step(acc, values[at]);
            result[at] = acc;
          }
        }
      }
    }
    return [backend.write(result, out.shape, out.dtype)];
  };
}
