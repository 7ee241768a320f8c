// CPU kernels of convolution and pooling, for 1 to 3 spatial dims. Every one
// walks the same (batch, output position, filter tap) triples that
// `forEachTap` yields from a `ConvGeometry` (ops/nn_conv.ts computes it from
// the attributes); they differ only in what they do per channel.
import type { DataId } from '../../core/backend.js';
import { makeArray, sizeFromShape } from '../../core/dtype.js';
import type { KernelArgs } from '../../ops/registry.js';
import type { CpuBackend } from './backend.js';

/** Where a convolution or pool reads: channels-last tensors [batch, ...spatial, channels]. */
export interface ConvGeometry {
  batch: number;
  inSpatial: number[];
  outSpatial: number[];
  /** Filter (or pool window) size per spatial dim. */
  window: number[];
  strides: number[];
  dilations: number[];
  /** Padding before each spatial dim (the input coordinate of output 0, tap 0 is -padBefore). */
  padBefore: number[];
  inChannels: number;
  outChannels: number;
  /** Channel groups: 1 for conv, inChannels for depthwise (filter [..., inC, mult] = [..., 1, inC * mult]). */
  groups: number;
}

/**
 * Calls `visit(outIndex, tapIndex, inIndex)` for every batch element, output
 * position and filter tap that lands inside the input; the indices count
 * spatial positions (multiply by the channel count for offsets).
 */
export function forEachTap(g: ConvGeometry, visit: (outPosition: number, tap: number, inPosition: number) => void): void {
  const rank = g.inSpatial.length;
  const outCount = sizeFromShape(g.outSpatial);
  const taps = sizeFromShape(g.window);
  const inCount = sizeFromShape(g.inSpatial);
  const outCoord = new Array<number>(rank);
  const tapCoord = new Array<number>(rank);
  for (let n = 0; n < g.batch; n++) {
    for (let o = 0; o < outCount; o++) {
      for (let d = rank - 1, rest = o; d >= 0; d--) {
        outCoord[d] = rest % g.outSpatial[d];
        rest = Math.floor(rest / g.outSpatial[d]);
      }
      for (let t = 0; t < taps; t++) {
        for (let d = rank - 1, rest = t; d >= 0; d--) {
          tapCoord[d] = rest % g.window[d];
          rest = Math.floor(rest / g.window[d]);
        }
        let inPosition = 0;
        let inside = true;
        for (let d = 0; d < rank; d++) {
          const at = outCoord[d] * g.strides[d] + tapCoord[d] * g.dilations[d] - g.padBefore[d];
          if (at < 0 || at >= g.inSpatial[d]) {
            inside = false;
            break;
          }
          inPosition = inPosition * g.inSpatial[d] + at;
        }
        if (inside) visit(n * outCount + o, t, n * inCount + inPosition);
      }
    }
  }
}

/** How an op's entry derives the geometry from its kernel arguments (ops/nn_conv.ts). */
export type GeometryOf<A> = (args: KernelArgs<CpuBackend, A>) => ConvGeometry;

/** Channel blocks of a grouped convolution: inputs and outputs per group. */
function groupSizes(g: ConvGeometry) {
  return { inPerGroup: g.inChannels / g.groups, outPerGroup: g.outChannels / g.groups };
}

/** out[n, o, co] = sum over taps and the group's input channels of x[n, in, ci] * filter[tap, ci, co]. */
export function convValues(g: ConvGeometry, x: ArrayLike<number>, filter: ArrayLike<number>): Float32Array {
  const { inPerGroup, outPerGroup } = groupSizes(g);
  const out = new Float64Array(g.batch * sizeFromShape(g.outSpatial) * g.outChannels);
  forEachTap(g, (o, t, i) => {
    const outBase = o * g.outChannels;
    for (let group = 0; group < g.groups; group++) {
      for (let ci = 0; ci < inPerGroup; ci++) {
        const xv = x[i * g.inChannels + group * inPerGroup + ci];
        const filterBase = (t * inPerGroup + ci) * g.outChannels + group * outPerGroup;
        const outAt = outBase + group * outPerGroup;
        for (let co = 0; co < outPerGroup; co++) out[outAt + co] += xv * filter[filterBase + co];
      }
    }
  });
  return Float32Array.from(out);
}

/** The convolution's input gradient: each dy[n, o, co] * filter[tap, ci, co] goes back to x's position under that tap. */
export function convBackpropInputValues(g: ConvGeometry, dy: ArrayLike<number>, filter: ArrayLike<number>): Float32Array {
  const { inPerGroup, outPerGroup } = groupSizes(g);
  const dx = new Float64Array(g.batch * sizeFromShape(g.inSpatial) * g.inChannels);
  forEachTap(g, (o, t, i) => {
    for (let group = 0; group < g.groups; group++) {
      const dyAt = o * g.outChannels + group * outPerGroup;
      for (let ci = 0; ci < inPerGroup; ci++) {
        const filterBase = (t * inPerGroup + ci) * g.outChannels + group * outPerGroup;
        let total = 0;
        for (let co = 0; co < outPerGroup; co++) total += dy[dyAt + co] * filter[filterBase + co];
        dx[i * g.inChannels + group * inPerGroup + ci] += total;
      }
    }
  });
  return Float32Array.from(dx);
}

/** The convolution's filter gradient: filter[tap, ci, co] collects x[n, in, ci] * dy[n, o, co]. */
export function convBackpropFilterValues(g: ConvGeometry, x: ArrayLike<number>, dy: ArrayLike<number>): Float32Array {
  const { inPerGroup, outPerGroup } = groupSizes(g);
  const dw = new Float64Array(sizeFromShape(g.window) * inPerGroup * g.outChannels);
  forEachTap(g, (o, t, i) => {
    for (let group = 0; group < g.groups; group++) {
      const dyAt = o * g.outChannels + group * outPerGroup;
      for (let ci = 0; ci < inPerGroup; ci++) {
        const xv = x[i * g.inChannels + group * inPerGroup + ci];
        const filterBase = (t * inPerGroup + ci) * g.outChannels + group * outPerGroup;
        for (let co = 0; co < outPerGroup; co++) dw[filterBase + co] += xv * dy[dyAt + co];
      }
    }
  });
  return Float32Array.from(dw);
}

/**
 * A kernel over the first two inputs: `values(geometry, first, second)` into
 * the single output. Forward convs take (x, filter), backprop-input ops
 * (dy, filter), backprop-filter ops (x, dy).
 */
export function convFamilyKernel<A>(values: (g: ConvGeometry, first: ArrayLike<number>, second: ArrayLike<number>) => Float32Array,
  geometryOf: GeometryOf<A>) {
  return (args: KernelArgs<CpuBackend, A>): DataId[] => {
    const { backend, inputs: [first, second], outputs: [out] } = args;
    return [backend.write(values(geometryOf(args), backend.values(first), backend.values(second)), out.shape, out.dtype)];
  };
}

/**
 * For each output element of a max pool, the input element that wins (the
 * first maximum in tap order; NaN wins), or -1 for an empty window.
 */
export function maxPoolWinners(g: ConvGeometry, x: ArrayLike<number>): Int32Array {
  const c = g.inChannels;
  const winners = new Int32Array(g.batch * sizeFromShape(g.outSpatial) * c).fill(-1);
  forEachTap(g, (o, _t, i) => {
    for (let ch = 0; ch < c; ch++) {
      const best = winners[o * c + ch];
      const v = x[i * c + ch];
      if (best < 0 || (!Number.isNaN(x[best]) && (v > x[best] || Number.isNaN(v)))) winners[o * c + ch] = i * c + ch;
    }
  });
  return winners;
}

export const maxPoolKernel = <A>(geometryOf: GeometryOf<A>) => (args: KernelArgs<CpuBackend, A>): DataId[] => {
  const { backend, inputs: [x], outputs: [out] } = args;
  const values = backend.values(x);
  const winners = maxPoolWinners(geometryOf(args), values);
  const result = makeArray(out.dtype, winners.length);
  winners.forEach((w, k) => { result[k] = w < 0 ? -Infinity : values[w]; });
  return [backend.write(result, out.shape, out.dtype)];
};

/** Inputs dy, x: each dy element goes to the input element that won its window. */
export const maxPoolGradKernel = <A>(geometryOf: GeometryOf<A>) => (args: KernelArgs<CpuBackend, A>): DataId[] => {
  const { backend, inputs: [dy, x], outputs: [out] } = args;
  const grads = backend.values(dy);
  const winners = maxPoolWinners(geometryOf(args), backend.values(x));
  const dx = new Float32Array(sizeFromShape(out.shape));
  winners.forEach((w, k) => { if (w >= 0) dx[w] += grads[k]; });
  return [backend.write(dx, out.shape, out.dtype)];
};

/** How many taps of each output window land inside the input (average pools leave padding out, as TF.js does). */
function windowCounts(g: ConvGeometry): Int32Array {
  const counts = new Int32Array(g.batch * sizeFromShape(g.outSpatial));
  forEachTap(g, (o) => { counts[o]++; });
  return counts;
}

export const avgPoolKernel = <A>(geometryOf: GeometryOf<A>) => (args: KernelArgs<CpuBackend, A>): DataId[] => {
  const { backend, inputs: [x], outputs: [out] } = args;
  const g = geometryOf(args);
  const values = backend.values(x);
  const c = g.inChannels;
  const counts = windowCounts(g);
  const sums = new Float64Array(counts.length * c);
  forEachTap(g, (o, _t, i) => {
    for (let ch = 0; ch < c; ch++) sums[o * c + ch] += values[i * c + ch];
  });
  // A window with no tap inside x averages to 0, as TF.js's does.
  return [backend.write(Float32Array.from(sums, (s, k) => s / Math.max(counts[Math.floor(k / c)], 1)), out.shape, out.dtype)];
};

/** Input dy: each dy element is spread evenly over its window's inside taps. */
export const avgPoolGradKernel = <A>(geometryOf: GeometryOf<A>) => (args: KernelArgs<CpuBackend, A>): DataId[] => {
  const { backend, inputs: [dy], outputs: [out] } = args;
  const g = geometryOf(args);
  const grads = backend.values(dy);
  const c = g.inChannels;
  const counts = windowCounts(g);
  const dx = new Float64Array(sizeFromShape(out.shape));
  forEachTap(g, (o, _t, i) => {
    for (let ch = 0; ch < c; ch++) dx[i * c + ch] += grads[o * c + ch] / counts[o];
  });
  return [backend.write(Float32Array.from(dx), out.shape, out.dtype)];
};
