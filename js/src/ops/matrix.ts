// `tw.linalg`, as TF.js's `tf.linalg`: bandPart, gramSchmidt and qr,
// composed of other ops (TF.js composes them too), so they run on every
// backend and differentiate through the ops they use. qr is Householder's,
// TF.js's algorithm, applied to the whole batch of matrices at once.
import type { Tensor } from '../core/tensor.js';
import { toTensor } from '../core/convert.js';
import { tidy } from '../core/globals.js';
import { div, greater, greaterEqual, less, lessEqual, logicalAnd, minimum, mul, sub, where } from './binary.js';
import { eye, ones, range, scalar, zerosLike } from './creation.js';
import { matMul } from './linalg.js';
import { sum } from './reduction.js';
import type { TensorLike } from './run.js';
import { concat, reshape, slice, split, squeeze, stack, transpose } from './shape.js';
import { neg, sqrt, square } from './unary.js';

/** A band's width from a number or an int32 scalar tensor; negative keeps the whole side. */
function bandWidth(width: number | Tensor, size: number, name: string): Tensor | number {
  if (typeof width === 'number') {
    if (!Number.isInteger(width)) throw new Error(`tw.linalg.bandPart: ${name} must be an integer, got ${width}.`);
    if (width > size) throw new Error(`tw.linalg.bandPart: ${name} (${width}) must not be greater than the number of ${name === 'numLower' ? 'rows' : 'columns'} (${size}).`);
    return width < 0 ? size : width;
  }
  if (width.dtype !== 'int32') throw new Error(`tw.linalg.bandPart: ${name}'s dtype must be an int32, got ${width.dtype}.`);
  return where(less(width, 0), scalar(size, 'int32'), minimum(width, scalar(size, 'int32')));
}

/**
 * tw.linalg.bandPart(a, numLower, numUpper): the innermost matrices of `a`
 * with everything more than numLower below or numUpper above the diagonal
 * zeroed (negative: keep that whole side).
 */
export function bandPart(a: TensorLike, numLower: number | Tensor, numUpper: number | Tensor): Tensor {
  return tidy(() => {
    const x = toTensor(a, 'a', 'linalg.bandPart').tensor;
    if (x.rank < 2) throw new Error(`tw.linalg.bandPart: Rank must be at least 2, got ${x.rank}.`);
    const [m, n] = x.shape.slice(-2);
    const lower = bandWidth(numLower, m, 'numLower');
    const upper = bandWidth(numUpper, n, 'numUpper');
    const offset = sub(reshape(range(0, m, 1, 'int32'), [-1, 1]), range(0, n, 1, 'int32'));  // row - column
    const inBand = logicalAnd(lessEqual(offset, lower), greaterEqual(offset, typeof upper === 'number' ? -upper : neg(upper)));
    return where(inBand, x, zerosLike(x));
  });
}

/**
 * tw.linalg.gramSchmidt(xs): orthonormalises the rows of a [n, d] tensor (or
 * an array of n [d] tensors), in order, by classical Gram-Schmidt; n <= d.
 */
export function gramSchmidt(xs: Tensor | Tensor[]): Tensor | Tensor[] {
  const given = Array.isArray(xs);
  if (given && xs.length === 0) throw new Error('tw.linalg.gramSchmidt: input must not be null, undefined, or empty');
  return tidy(() => {
    const vectors = given ? xs : split(xs, xs.shape[0], 0).map((x) => squeeze(x, [0]));
    const dim = vectors[0].shape[0];
    for (const v of vectors) {
      if (v.shape[0] !== dim) throw new Error(`tw.linalg.gramSchmidt: Non-unique lengths found in the input vectors: (${v.shape[0]} vs. ${dim})`);
    }
    if (vectors.length > dim) throw new Error(`tw.linalg.gramSchmidt: Number of vectors (${vectors.length}) exceeds number of dimensions (${dim}).`);
    const ys: Tensor[] = [];
    for (const v of vectors) {
      let x = v;
      for (const y of ys) x = sub(x, mul(sum(mul(y, x)), y));
      ys.push(div(x, sqrt(sum(square(x)))));
    }
    return given ? ys : stack(ys, 0);
  });
}

/**
 * tw.linalg.qr(x, fullMatrices = false): [q, r] with x = q r for each of x's
 * innermost [m, n] matrices; q orthogonal, r upper triangular. Without
 * fullMatrices and m > n, q is [m, n] and r [n, n] (else [m, m] and [m, n]).
 */
export function qr(x: TensorLike, fullMatrices = false): [Tensor, Tensor] {
  return tidy(() => {
    const input = toTensor(x, 'x', 'linalg.qr').tensor;
    if (input.rank < 2) throw new Error(`tw.linalg.qr: qr() requires input tensor to have a rank >= 2, but got rank ${input.rank}`);
    const [m, n] = input.shape.slice(-2);
    const batchShape = input.shape.slice(0, -2);
    const batch = batchShape.reduce((a, b) => a * b, 1);
    let r = reshape(input, [batch, m, n]);
    let q = mul(ones([batch, 1, 1]), eye(m));
    const one = ones([batch, 1, 1]);
    for (let j = 0; j < Math.min(m, n); j++) {
      // The Householder reflection I - tau w w^T that zeroes column j below the diagonal.
      const column = slice(r, [0, j, j], [batch, m - j, 1]);
      const norm = sqrt(sum(square(column), 1, true));
      const rjj = slice(r, [0, j, j], [batch, 1, 1]);
      const s = where(greater(rjj, 0), scalar(-1), scalar(1));
      const u1 = sub(rjj, mul(s, norm));
      const w = m - j === 1 ? one : concat([one, slice(div(column, u1), [0, 1, 0], [batch, m - j - 1, 1])], 1);
      const tauW = mul(neg(div(mul(s, u1), norm)), w);
      const below = slice(r, [0, j, 0], [batch, m - j, n]);
      const reflected = sub(below, matMul(tauW, matMul(w, below, true, false)));
      r = j === 0 ? reflected : concat([slice(r, [0, 0, 0], [batch, j, n]), reflected], 1);
      const right = slice(q, [0, 0, j], [batch, m, m - j]);
      const turned = sub(right, matMul(matMul(right, w), tauW, false, true));
      q = j === 0 ? turned : concat([slice(q, [0, 0, 0], [batch, m, j]), turned], 2);
    }
    if (!fullMatrices && m > n) {
      q = slice(q, [0, 0, 0], [batch, m, n]);
      r = slice(r, [0, 0, 0], [batch, n, n]);
    }
    return [reshape(q, [...batchShape, ...q.shape.slice(1)]), reshape(r, [...batchShape, ...r.shape.slice(1)])] as [Tensor, Tensor];
  });
}

/** TF.js's `tf.linalg`. */
export const linalg = { bandPart, gramSchmidt, qr };
