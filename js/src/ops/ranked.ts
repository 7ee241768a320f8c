// TF.js's fixed-rank forms of general ops (concat1d..4d, slice1d..4d,
// reverse1d..4d, pad1d..4d, batchNorm2d..4d): plain functions that check the
// rank, with TF.js's messages, and call the general op. No registry entries:
// they add no computation of their own.
import type { Tensor } from '../core/tensor.js';
import { batchNorm } from './nn.js';
import { type TensorLike, withTensors } from './run.js';
import { concat, pad, reverse, slice } from './shape.js';

/** Runs `fn` on `args` as tensors once each one's rank is among its `ranks`. */
function withRanks(opName: string, args: readonly [name: string, value: TensorLike, ranks: readonly number[], message: (rank: number) => string][],
  fn: (...tensors: Tensor[]) => Tensor): Tensor {
  return withTensors(opName, args.map(([name, value]) => [name, value] as const), (...tensors) => {
    tensors.forEach((t, i) => {
      if (!args[i][2].includes(t.rank)) throw new Error(args[i][3](t.rank));
    });
    return fn(...tensors);
  });
}

// concat: TF.js checks nothing more than concat does.
export const concat1d = (tensors: readonly TensorLike[]): Tensor => concat(tensors, 0);
export const concat2d = (tensors: readonly TensorLike[], axis: number): Tensor => concat(tensors, axis);
export const concat3d = concat2d;
export const concat4d = concat2d;

function sliceNd(rank: number) {
  return (x: TensorLike, begin: number | readonly number[], size: number | readonly number[]): Tensor =>
    withRanks('slice' + rank + 'd', [['x', x, [rank], (r) => `slice${rank}d expects a rank-${rank} tensor, but got a rank-${r} tensor`]],
      (t) => slice(t, begin, size));
}
export const slice1d: (x: TensorLike, begin: number, size: number) => Tensor = sliceNd(1);
export const slice2d: (x: TensorLike, begin: [number, number], size: [number, number]) => Tensor = sliceNd(2);
export const slice3d: (x: TensorLike, begin: [number, number, number], size: [number, number, number]) => Tensor = sliceNd(3);
export const slice4d: (x: TensorLike, begin: [number, number, number, number], size: [number, number, number, number]) => Tensor = sliceNd(4);

function reverseNd(rank: number) {
  return (x: TensorLike, axis?: number | number[]): Tensor =>
    withRanks('reverse', [['x', x, [rank], (r) => `Error in reverse${rank}D: x must be rank ${rank} but got rank ${r}.`]],
      (t) => reverse(t, rank === 1 ? 0 : axis ?? null));
}
export const reverse1d: (x: TensorLike) => Tensor = reverseNd(1);
export const reverse2d = reverseNd(2);
export const reverse3d = reverseNd(3);
export const reverse4d = reverseNd(4);

export function pad1d(x: TensorLike, paddings: [number, number], constantValue = 0): Tensor {
  if (paddings.length !== 2) throw new Error('Invalid number of paddings. Must be length of 2.');
  return pad(x, [paddings], constantValue);
}
function padNd(rank: number) {
  return (x: TensorLike, paddings: readonly (readonly number[])[], constantValue = 0): Tensor => {
    if (paddings.length !== rank || paddings.some((p) => p.length !== 2)) {
      throw new Error(`Invalid number of paddings. Must be length of ${rank} with 2 each (pad${rank}d).`);
    }
    return pad(x, paddings, constantValue);
  };
}
export const pad2d = padNd(2);
export const pad3d = padNd(3);
export const pad4d = padNd(4);

function batchNormNd(rank: number) {
  const must = (what: string) => (r: number) => `Error in batchNorm${rank}D: ${what} must be rank ${rank} or rank 1 but got rank ${r}.`;
  return (x: TensorLike, mean: TensorLike, variance: TensorLike, offset?: TensorLike | null, scale?: TensorLike | null,
    varianceEpsilon?: number): Tensor => {
    const args: [string, TensorLike, number[], (r: number) => string][] = [
      ['x', x, [rank], (r) => `Error in batchNorm${rank}D: x must be rank ${rank} but got rank ${r}.`],
      ['mean', mean, [rank, 1], must('mean')],
      ['variance', variance, [rank, 1], must('variance')],
    ];
    if (offset != null) args.push(['offset', offset, [rank, 1], must('offset')]);
    if (scale != null) args.push(['scale', scale, [rank, 1], must('scale')]);
    return withRanks('batchNorm', args, (tx, tm, tv, ...rest) =>
      batchNorm(tx, tm, tv, offset != null ? rest[0] : null, scale != null ? rest[offset != null ? 1 : 0] : null, varianceEpsilon));
  };
}
export const batchNorm2d = batchNormNd(2);
export const batchNorm3d = batchNormNd(3);
export const batchNorm4d = batchNormNd(4);
