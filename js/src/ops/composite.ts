// TF.js APIs that are plain functions over registry ops (no entries of their
// own; gradients come from the ops they use): meshgrid, movingAverage,
// ensureShape, unsortedSegmentSum, bincount, denseBincount, math.confusionMatrix,
// multinomial, diag, euclideanNorm, searchSorted/lowerBound/upperBound,
// basicLSTMCell, multiRNNCell.
// And the data-dependent functions (setdiff1dAsync, inTopKAsync,
// unique, broadcastArgs; booleanMaskAsync is in shape.ts): their output size depends on the
// values, so they read the inputs and build the result on the CPU, as TF.js
// does on every backend (unique synchronously, as TF.js's); whereAsync is a host op (host.ts).
import { type DataType, sizeFromShape, stridesOf, toStorage } from '../core/dtype.js';
import { getEngine } from '../core/engine.js';
import { tidy } from '../core/globals.js';
import { Tensor } from '../core/tensor.js';
import { add, div, greater, greaterEqual, less, lessEqual, logicalAnd, minimum, mul, pow, sub } from './binary.js';
import { eye, oneHot, ones, randomUniform, scalar } from './creation.js';
import { broadcastShapes } from './helpers.js';
import { matMul } from './linalg.js';
import { cumsum, norm, sum } from './reduction.js';
import { softmax } from './nn.js';
import { type TensorLike, addMethods, withTensors } from './run.js';
import { concat, expandDims, gather, reshape, slice } from './shape.js';
import { cast, sigmoid, tanh } from './unary.js';

function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

/** Coordinate grids from 1-D x and y: 'xy' (Cartesian, default) or 'ij' (matrix) indexing. */
export function meshgrid(x?: TensorLike, y?: TensorLike, { indexing = 'xy' }: { indexing?: string } = {}): Tensor[] {
  if (indexing !== 'xy' && indexing !== 'ij') throw new TypeError(`${indexing} is not a valid third argument to meshgrid`);
  if (x === undefined) return [];
  const args: [string, TensorLike][] = [['x', x]];
  if (y !== undefined) args.push(['y', y]);
  return withTensors('meshgrid', args, (tx, ty) => tidy(() => {
    if (!ty) return [tx.clone()];
    const [w, h] = [tx.size, ty.size];
    // outer products with ones, as TF.js computes them
    return indexing === 'xy'
      ? [matMul(ones([h, 1], tx.dtype), reshape(tx, [1, w])), matMul(reshape(ty, [h, 1]), ones([1, w], ty.dtype))]
      : [matMul(reshape(tx, [w, 1]), ones([1, h], tx.dtype)), matMul(ones([w, 1], ty.dtype), reshape(ty, [1, h]))];
  }));
}

/** v + (x - v) * (1 - decay), divided by 1 - decay^step when zeroDebias (TF.js's movingAverage). */
export function movingAverage(v: TensorLike, x: TensorLike, decay: number | Tensor, step?: number | Tensor, zeroDebias = true): Tensor {
  return withTensors('movingAverage', [['v', v], ['x', x], ['decay', decay]], (tv, tx, td) => {
    check(tv.dtype === tx.dtype, () => `The dtypes of the first(${tv.dtype}) and second(${tx.dtype}) input must match`);
    check(tv.shape.length === tx.shape.length && tv.shape.every((d, i) => d === tx.shape[i]), () => 'Shape mismatch in v and x');
    check(!zeroDebias || step != null, () => 'When using zeroDebias: true, step is required.');
    return tidy(() => {
      let update = mul(sub(tx, tv), sub(1, td));
      if (zeroDebias) update = div(update, sub(1, pow(td, step as number | Tensor)));
      return add(tv, update);
    });
  });
}

/** x itself when its shape fits `shape` (null: any size there), else an error. */
export function ensureShape(x: Tensor, shape: readonly (number | null)[]): Tensor {
  const fits = x.shape.length === shape.length && shape.every((d, i) => d == null || d === x.shape[i]);
  if (!fits) throw new Error(`EnsureShape: Shape of tensor ${x.shape} is not compatible with expected shape ${shape}`);
  return x;
}

/**
 * out[s] = the sum of the slices of x whose segment id is s (ids outside
 * [0, numSegments) are dropped): a matMul with the one-hot of the ids, so the
 * gradient is TF.js's (a gather of dy).
 */
export function unsortedSegmentSum(x: TensorLike, segmentIds: TensorLike, numSegments: number): Tensor {
  check(Number.isInteger(numSegments), () => 'numSegments must be of dtype int');
  return withTensors('unsortedSegmentSum', [['x', x], ['segmentIds', segmentIds, 'int32']], (tx, ids) => tidy(() => {
    check(ids.dtype === 'int32', () => `Argument 'segmentIds' passed to 'unsortedSegmentSum' must be int32 tensor, but got ${ids.dtype} tensor`);
    const rest = tx.shape.slice(ids.rank);
    const hot = reshape(oneHot(ids, numSegments, 1, 0, tx.dtype === 'int32' ? 'int32' : 'float32'), [ids.size, numSegments]);
    const summed = matMul(hot, reshape(tx, [ids.size, sizeFromShape(rest)]), true);
    return reshape(summed, [numSegments, ...rest]);
  }));
}
addMethods({ unsortedSegmentSum });
declare module '../core/tensor.js' {
  interface Tensor {
    unique(axis?: number): { values: Tensor; indices: Tensor };
    unsortedSegmentSum(segmentIds: TensorLike, numSegments: number): Tensor;
  }
}

/**
 * Counts (or sums `weights` at) each value of int32 x in [0, size), along the
 * last axis; values outside are dropped. The dtype is the weights' (TF.js).
 */
function countValues(name: string, x: TensorLike, weights: TensorLike, size: number, binaryOutput: boolean, ranks: number[]): Tensor {
  return withTensors(name, [['x', x], ['weights', weights]], (tx, tw) => tidy(() => {
    check(tx.dtype === 'int32', () => `Error in ${name}: input dtype must be int32, but got ${tx.dtype}`);
    check(ranks.includes(tx.rank), () => `Error in ${name}: input must be at most rank 2, but got rank ${tx.rank}.`);
    check(size >= 0, () => `size must be non-negative, but got ${size}.`);
    check(tw.size === tx.size || tw.size === 0, () => `Error in ${name}: weights must have the same shape as x or 0-length, ` +
      `but got x shape: ${tx.shape}, weights shape: ${tw.shape}.`);
    const hot = oneHot(tx, size, 1, 0, tw.dtype);
    const counted = tw.size > 0 && !binaryOutput ? mul(hot, expandDims(tw, -1)) : hot;
    const counts = sum(counted, tx.rank - 1);
    return binaryOutput ? cast(greater(counts, 0), tw.dtype) : counts;
  }));
}

export function bincount(x: TensorLike, weights: TensorLike, size: number): Tensor {
  return countValues('bincount', x, weights, size, false, [1]);
}

export function denseBincount(x: TensorLike, weights: TensorLike, size: number, binaryOutput = false): Tensor {
  return countValues('denseBincount', x, weights, size, binaryOutput, [1, 2]);
}

/** [numClasses, numClasses] int32: entry (i, j) counts the examples labelled i and predicted j. */
function confusionMatrix(labels: TensorLike, predictions: TensorLike, numClasses: number): Tensor {
  return withTensors('confusionMatrix', [['labels', labels], ['predictions', predictions]], (tl, tp) => tidy(() => {
    check(numClasses == null || (numClasses > 0 && Number.isInteger(numClasses)),
      () => `If provided, numClasses must be a positive integer, but got ${numClasses}`);
    check(tl.rank === 1, () => `Expected the rank of labels to be 1, but got ${tl.rank}`);
    check(tp.rank === 1, () => `Expected the rank of predictions to be 1, but got ${tp.rank}`);
    check(tl.shape[0] === tp.shape[0], () => `Mismatch in the number of examples: ${tl.shape[0]} vs. ${tp.shape[0]}. ` +
      'Labels and predictions should have the same number of elements.');
    const hot = (t: Tensor) => oneHot(cast(t, 'int32'), numClasses, 1, 0, 'int32');
    return matMul(hot(tl), hot(tp), true);
  }));
}
export const math = { confusionMatrix };

/**
 * numSamples int32 draws per row of 1-D or 2-D `logits` (probabilities when
 * `normalized`): sample = how many entries of the row's cumulative
 * distribution lie at or below a uniform draw (TF.js's inverse-CDF rule), so
 * it runs on every backend from randomUniform's seeded stream.
 */
export function multinomial(logits: TensorLike, numSamples: number, seed?: number | string, normalized = false): Tensor {
  return withTensors('multinomial', [['logits', logits]], (t) => {
    if (t.size < 2) throw new Error(`Error in multinomial: you need at least 2 outcomes, but got ${t.size}.`);
    if (t.rank > 2) throw new Error(`Rank of probabilities must be 1 or 2, but is ${t.rank}`);
    return tidy(() => {
      const rows = t.rank === 1 ? reshape(t, [1, -1]) : t;
      const [batch, outcomes] = rows.shape;
      const cdf = cumsum(normalized ? rows : softmax(rows), -1);
      const draws = randomUniform([batch, numSamples, 1], 0, 1, 'float32', seed);
      const below = sum(cast(greaterEqual(draws, reshape(cdf, [batch, 1, outcomes])), 'int32'), -1);
      // rounding can leave the last cumulative value under 1: the draw then falls in the last outcome
      const samples = minimum(below, scalar(outcomes - 1, 'int32'));
      return t.rank === 1 ? reshape(samples, [numSamples]) : samples;
    });
  });
}

/**
 * The distinct slices of x along `axis` in order of first appearance
 * (`values`, gathered from x), and for each slice the index of its value
 * (`indices`, int32). Reads x synchronously, as TF.js's unique does.
 */
export function unique(x: TensorLike, axis = 0): { values: Tensor; indices: Tensor } {
  return withTensors('unique', [['x', x, 'string_or_numeric']], (t) => {
    check(t.rank > 0, () => 'The input tensor must be at least 1D');
    check(axis >= -t.rank && axis < t.rank, () => `Axis must be in the interval [${-t.rank}, ${t.rank}), but got axis ${axis}`);
    const a = axis < 0 ? axis + t.rank : axis;
    const [outer, n, inner] = [sizeFromShape(t.shape.slice(0, a)), t.shape[a], sizeFromShape(t.shape.slice(a + 1))];
    const data = t.dataSync<DataType>();
    const seen = new Map<string, number>();
    const firsts: number[] = [];
    const indices = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const slice: (number | string)[] = [];
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) slice.push(data[(o * n + j) * inner + i]);
      // Strings quoted, so commas inside them cannot join two slices ('b,c','d' vs 'b','c,d'); numbers as written (NaN, Infinity).
      const key = slice.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(',');
      let index = seen.get(key);
      if (index === undefined) {
        index = firsts.length;
        seen.set(key, index);
        firsts.push(j);
      }
      indices[j] = index;
    }
    return { values: gather(t, Int32Array.from(firsts), a), indices: getEngine().makeTensor(indices, [n], 'int32') };
  });
}
addMethods({ unique });

/** A tensor of shape [...x.shape, ...x.shape] with x on its diagonal: x as a column times the identity. */
export function diag(x: TensorLike): Tensor {
  return withTensors('diag', [['x', x]], (t) => tidy(() => {
    const column = reshape(t, [t.size, 1]);
    const identity = eye(t.size, t.size, undefined, t.dtype);
    const spread = t.dtype === 'bool' ? logicalAnd(column, identity) : mul(column, identity);
    return reshape(spread, [...t.shape, ...t.shape]);
  }));
}

/** The Euclidean norm (TF.js's name for norm(x, 'euclidean', ...)). */
export function euclideanNorm(x: TensorLike, axis: number | number[] | null = null, keepDims = false): Tensor {
  return norm(x, 'euclidean', axis, keepDims);
}

/**
 * For each value, the index in its row of the sorted sequence where it would
 * be inserted: before equal entries ('left') or after them ('right'). A
 * count of the entries below (or at most) the value, so [rows, values, seq]
 * comparisons run on every backend.
 */
export function searchSorted(sortedSequence: TensorLike, values: TensorLike, side: 'left' | 'right' = 'left'): Tensor {
  return withTensors('searchSorted', [['sortedSequence', sortedSequence], ['values', values]], (seq, vals) => tidy(() => {
    const n = seq.shape[seq.rank - 1];
    const m = vals.shape[vals.rank - 1];
    const seq2 = reshape(seq, [-1, n]);
    const vals2 = reshape(vals, [-1, m]);
    check(seq2.shape[0] === vals2.shape[0], () => "Leading dimension of 'sortedSequence' and 'values' must match.");
    const [rows] = seq2.shape;
    const below = (side === 'left' ? less : lessEqual)(reshape(seq2, [rows, 1, n]), reshape(vals2, [rows, m, 1]));
    return sum(cast(below, 'int32'), -1);
  }));
}
export const lowerBound = (sortedSequence: TensorLike, values: TensorLike): Tensor => searchSorted(sortedSequence, values, 'left');
export const upperBound = (sortedSequence: TensorLike, values: TensorLike): Tensor => searchSorted(sortedSequence, values, 'right');

/** The shape two int32 shape vectors broadcast to, as an int32 vector; reads them synchronously, as TF.js. */
export function broadcastArgs(s0: TensorLike, s1: TensorLike): Tensor {
  return withTensors('broadcastArgs', [['s0', s0, 'int32'], ['s1', s1, 'int32']], (a, b) => {
    check(a.rank === 1, () => `broadcastArgs(): first input must be a vector (rank=1). Has rank ${a.rank}`);
    check(b.rank === 1, () => `broadcastArgs(): second input must be a vector (rank=1). Has rank ${b.rank}`);
    const shape = broadcastShapes(Array.from(a.dataSync()), Array.from(b.dataSync()));
    return getEngine().makeTensor(Int32Array.from(shape), [shape.length], 'int32');
  });
}

/** [the values of 1-D x not in 1-D y, their int32 indices in x], in x's order. */
export async function setdiff1dAsync(x: TensorLike, y: TensorLike): Promise<[Tensor, Tensor]> {
  const [tx, ty] = withTensors('setdiff1d', [['x', x], ['y', y]], (a, b) => {
    check(a.dtype === b.dtype, () => `x and y should have the same dtype, but got x (${a.dtype}) and y (${b.dtype}).`);
    check(a.rank === 1, () => `x should be 1D tensor, but got x (${a.shape}).`);
    check(b.rank === 1, () => `y should be 1D tensor, but got y (${b.shape}).`);
    return [a.clone(), b.clone()];
  });
  try {
    const [xs, ys] = [await tx.data(), await ty.data()];
    const exclude = new Set(ys);
    const kept: number[] = [];
    xs.forEach((v, i) => !exclude.has(v) && kept.push(i));
    const engine = getEngine();
    return [engine.makeTensor(toStorage(kept.map((i) => xs[i]), tx.dtype), [kept.length], tx.dtype),
      engine.makeTensor(Int32Array.from(kept), [kept.length], 'int32')];
  } finally {
    tx.dispose();
    ty.dispose();
  }
}

/** Per row of `predictions`, whether `targets`' class is among its k largest (ties: the lower index first). */
export async function inTopKAsync(predictions: TensorLike, targets: TensorLike, k = 1): Promise<Tensor> {
  const [tp, tt] = withTensors('inTopK', [['predictions', predictions], ['targets', targets]], (p, t) => {
    check(p.rank > 1, () => `inTopK() expects the predictions to be of rank 2 or higher, but got ${p.rank}`);
    check(p.rank - 1 === t.rank, () => 'predictions rank should be 1 larger than targets rank, but got predictions rank ' +
      `${p.rank} and targets rank ${t.rank}`);
    check(p.shape.slice(0, -1).every((d, i) => d === t.shape[i]), () => "predictions's shape should be align with the targets' " +
      `shape, except the last dimension. Shapes ${p.shape.slice(0, -1)} and ${t.shape} must match`);
    const last = p.shape[p.rank - 1];
    check(k > 0 && k <= last, () => `'k' passed to inTopK() must be > 0 && <= the predictions last dimension (${last}), but got ${k}`);
    return [p.clone(), t.clone()];
  });
  try {
    const [values, target] = [await tp.data(), await tt.data()];
    const size = tp.shape[tp.rank - 1];
    const hits = new Uint8Array(tt.size);
    for (let b = 0; b < hits.length; b++) {
      const row = Array.from(values.subarray(b * size, (b + 1) * size), (value, index) => ({ value, index }));
      row.sort((p, q) => q.value - p.value); // stable: equal values keep index order
      hits[b] = row.slice(0, k).some(({ index }) => index === target[b]) ? 1 : 0;
    }
    return getEngine().makeTensor(hits, tt.shape, 'bool');
  } finally {
    tp.dispose();
    tt.dispose();
  }
}

/**
 * One step of TF.js's basic LSTM cell: [data, h] · lstmKernel + lstmBias, split into the
 * input gate, new input, forget gate and output gate; returns [newC, newH].
 */
export function basicLSTMCell(forgetBias: TensorLike, lstmKernel: TensorLike, lstmBias: TensorLike, data: TensorLike,
  c: TensorLike, h: TensorLike): [Tensor, Tensor] {
  const args = { forgetBias, lstmKernel, lstmBias, data, c, h };
  return withTensors('basicLSTMCell', Object.entries(args), (tForget, tKernel, tBias, tData, tc, th) => tidy(() => {
    const gates = add(matMul(concat([tData, th], 1), tKernel), tBias);
    const [batch, width] = [gates.shape[0], gates.shape[1] / 4];
    const [i, j, f, o] = [0, 1, 2, 3].map((k) => slice(gates, [0, width * k], [batch, width]));
    const newC = add(mul(sigmoid(i), tanh(j)), mul(tc, sigmoid(add(tForget, f))));
    return [newC, mul(tanh(newC), sigmoid(o))] as [Tensor, Tensor];
  }));
}

/** A cell as multiRNNCell calls it: (data, c, h) => [newC, newH]. */
export type LSTMCellFunc = (data: Tensor, c: Tensor, h: Tensor) => [Tensor, Tensor];

/** TF.js's multiRNNCell: the cells in turn, each fed the previous one's h; returns [newC[], newH[]]. */
export function multiRNNCell(lstmCells: LSTMCellFunc[], data: TensorLike, c: TensorLike[], h: TensorLike[]): [Tensor[], Tensor[]] {
  const list = (name: string, values: TensorLike[]) => {
    check(Array.isArray(values), () => `Argument ${name} passed to multiRNNCell must be a \`Tensor[]\` or \`TensorLike[]\``);
    return values.map((v, i) => [`${name}[${i}]`, v] as const);
  };
  const named = [['data', data] as const, ...list('c', c), ...list('h', h)];
  return withTensors('multiRNNCell', named, (tData, ...states) => {
    const newC: Tensor[] = [];
    const newH: Tensor[] = [];
    let input = tData;
    lstmCells.forEach((cell, i) => {
      const [cellC, cellH] = cell(input, states[i], states[c.length + i]);
      newC.push(cellC);
      newH.push(cellH);
      input = cellH;
    });
    return [newC, newH];
  });
}
