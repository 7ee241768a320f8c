// Ragged tensors as TF.js has them: raggedGather, raggedRange and
// raggedTensorToTensor. A ragged tensor is flat values plus row partitions
// (splits, or value row ids), so every output size follows the partitions'
// values: these functions read their inputs synchronously and build the
// results on the CPU, as TF.js does on every backend, with TF.js's checks and
// messages.
import { type DataType, type TypedArray, makeArray, sizeFromShape, stridesOf } from '../core/dtype.js';
import { getEngine } from '../core/engine.js';
import { Tensor } from '../core/tensor.js';
import { type TensorLike, withTensors } from './run.js';
import { broadcastTo } from './shape.js';

function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

function makeTensor(values: TypedArray, shape: readonly number[], dtype: DataType): Tensor {
  return getEngine().makeTensor(values, shape, dtype);
}

/** Converts a list of TensorLikes as `tensors<i>` (TF.js's names), disposing what it made after `fn`. */
function withTensorList<T>(opName: string, list: readonly TensorLike[], fn: (tensors: Tensor[]) => T): T {
  return withTensors(opName, list.map((t, i) => [`tensors${i}`, t, 'int32'] as const), (...tensors) => fn(tensors));
}

// ---- raggedGather ----

function checkSplits(splits: readonly TypedArray[], denseRows: number): void {
  splits.forEach((s, dim) => {
    const last = dim === splits.length - 1 ? denseRows : splits[dim + 1].length;
    check(s.length > 0, () => 'Ragged splits may not be empty');
    check(s[0] >= 0, () => 'Ragged splits must be non-negative');
    check(s[s.length - 1] <= last, () => 'Ragged splits must not point past values');
    for (let i = 1; i < s.length; i++) check(s[i - 1] <= s[i], () => 'Ragged splits must be sorted in ascending order');
  });
}

/**
 * tw.raggedGather(paramsNestedSplits, paramsDenseValues, indices, outputRaggedRank):
 * the rows of a ragged tensor that `indices` pick, as a ragged tensor whose
 * ragged rank is indices.rank - 1 + paramsNestedSplits.length (which
 * outputRaggedRank must state).
 */
export function raggedGather(paramsNestedSplits: readonly TensorLike[], paramsDenseValues: TensorLike, indices: TensorLike,
  outputRaggedRank: number): { outputNestedSplits: Tensor[]; outputDenseValues: Tensor } {
  const name = 'raggedGather';
  return withTensorList(name, paramsNestedSplits, (splitTensors) =>
    withTensors(name, [['paramsDenseValues', paramsDenseValues], ['indices', indices, 'int32']], (params, ind) => {
      check(splitTensors.length > 0, () => 'paramsNestedSplits must be non empty');
      check(splitTensors[0].rank > 0, () => 'Split tensors must not be scalars');
      const rows = splitTensors[0].shape[0] - 1;
      const index = ind.dataSync();
      index.forEach((v, i) => {
        if (v >= 0 && v < rows) return;
        const strides = stridesOf(ind.shape);
        const loc = strides.map((s, d) => Math.floor(i / s) % ind.shape[d]);
        throw new Error(`indices[${loc.join(',')}] = ${v} is not in [0, ${rows})`);
      });
      check(params.rank > 0, () => 'params.rank must be nonzero');
      const splits = splitTensors.map((t) => t.dataSync());
      checkSplits(splits, params.shape[0]);
      const outRank = ind.rank - 1 + splits.length;
      check(outputRaggedRank === outRank, () => `outputRaggedRank ${outputRaggedRank} must be indices.rank - 1 + paramsNestedSplits.length = ${outRank}`);
      // The dense dims of indices (all but its last) become uniform splits.
      const outSplits: number[][] = Array.from({ length: outRank }, () => [0]);
      let outer = 1;
      for (let d = 0; d < ind.rank - 1; d++) {
        outer *= ind.shape[d];
        for (let i = 1; i <= outer; i++) outSplits[d].push(i * ind.shape[d + 1]);
      }
      // Each picked row copies its nested row lengths level by level, down to a range of dense values.
      const slices: [number, number][] = [];
      for (const picked of index) {
        let [start, limit] = [picked, picked + 1];
        splits.forEach((s, dim) => {
          // A scalar index has no output dim for the outermost splits: it only narrows the range.
          const target = outSplits[dim + ind.rank - 1];
          if (target) {
            const shift = target[target.length - 1] - s[start];
            for (let j = start; j < limit; j++) target.push(s[j + 1] + shift);
          }
          [start, limit] = [s[start], s[limit]];
        });
        if (limit > start) slices.push([start, limit]);
      }
      const rowSize = params.shape[0] === 0 ? 0 : params.size / params.shape[0];
      const source = params.dataSync();
      const rowsOut = slices.reduce((n, [a, b]) => n + b - a, 0);
      const values = makeArray(params.dtype, rowsOut * rowSize);
      let at = 0;
      for (const [a, b] of slices) {
        values.set(source.subarray(a * rowSize, b * rowSize), at);
        at += (b - a) * rowSize;
      }
      return {
        outputNestedSplits: outSplits.map((s) => makeTensor(Int32Array.from(s), [s.length], 'int32')),
        outputDenseValues: makeTensor(values, [rowsOut, ...params.shape.slice(1)], params.dtype),
      };
    }));
}

// ---- raggedRange ----

const INT32_MAX = 2147483647;

/**
 * tw.raggedRange(starts, limits, deltas): row i is the range from starts[i]
 * towards limits[i] by deltas[i] (scalars broadcast), as `rtNestedSplits`
 * (int32 row splits) and `rtDenseValues` (the dtype of starts).
 */
export function raggedRange(starts: TensorLike, limits: TensorLike, deltas: TensorLike): { rtNestedSplits: Tensor; rtDenseValues: Tensor } {
  const name = 'raggedRange';
  return withTensors(name, [['starts', starts]], (first) =>
    withTensors(name, [['limits', limits, first.dtype], ['deltas', deltas, first.dtype]], (last, step) => {
      const args = { starts: first, limits: last, deltas: step };
      for (const [arg, t] of Object.entries(args)) check(t.rank <= 1, () => `${arg} must be a scalar or vector`);
      const sizes = Object.values(args).filter((t) => t.rank === 1).map((t) => t.shape[0]);
      check(sizes.every((n) => n === sizes[0]), () => 'starts, limits, and deltas must have the same shape');
      const rows = sizes.length ? sizes[0] : 1;
      const [s, l, d] = [first, last, step].map((t) => {
        const v = t.dataSync();
        return (row: number) => v[t.rank === 0 ? 0 : row];
      });
      const splits = new Int32Array(rows + 1);
      for (let row = 0; row < rows; row++) {
        const [start, limit, delta] = [s(row), l(row), d(row)];
        check(delta !== 0, () => 'Requires delta != 0');
        const empty = (delta > 0 && limit < start) || (delta < 0 && limit > start);
        const size = empty ? 0 : Math.ceil(Math.abs((limit - start) / delta));
        check(size <= INT32_MAX, () => `Requires ((limit - start) / delta) <= ${INT32_MAX}`);
        splits[row + 1] = splits[row] + size;
      }
      const values = makeArray(first.dtype, splits[rows]);
      for (let row = 0; row < rows; row++) {
        let value = s(row);
        for (let i = splits[row]; i < splits[row + 1]; i++, value += d(row)) values[i] = value;
      }
      return { rtNestedSplits: makeTensor(splits, [rows + 1], 'int32'), rtDenseValues: makeTensor(values, [splits[rows]], first.dtype) };
    }));
}

// ---- raggedTensorToTensor ----

const PARTITION_TYPES = ['FIRST_DIM_SIZE', 'VALUE_ROWIDS', 'ROW_SPLITS'] as const;
type PartitionType = (typeof PARTITION_TYPES)[number];

/** The requested output shape (-1: the natural size there), with TF.js's checks. */
function requestedShape(shape: Tensor, rank: number): number[] {
  const values = Array.from(shape.dataSync());
  if (shape.rank === 0) {
    check(values[0] === -1, () => 'The only valid scalar shape tensor is the fully unknown shape specified as -1.');
    return new Array(rank).fill(-1);
  }
  values.forEach((d) => check(d >= -1, () => `Dimension ${d} must be >= -1`));
  check(values.length === rank, () =>
    `rt input.shape and shape=${values} are incompatible: rt input.rank = ${rank}, but shape.rank = ${values.length}`);
  return values;
}

/**
 * tw.raggedTensorToTensor(shape, values, defaultValue, rowPartitionTensors, rowPartitionTypes):
 * the ragged tensor as a dense one of `shape` (-1 entries, or a scalar -1,
 * take the natural size: the row count, then the longest row), padded with
 * `defaultValue` (broadcast to a value's shape) and cut where rows are longer.
 * Partitions: 'ROW_SPLITS' per ragged dim, or 'FIRST_DIM_SIZE' (a scalar row
 * count) followed by 'VALUE_ROWIDS' per ragged dim.
 */
export function raggedTensorToTensor(shape: TensorLike, values: TensorLike, defaultValue: TensorLike,
  rowPartitionTensors: readonly TensorLike[], rowPartitionTypes: readonly string[]): Tensor {
  const name = 'raggedTensorToTensor';
  return withTensorList(name, rowPartitionTensors, (partitions) =>
    withTensors(name, [['shape', shape, 'int32'], ['values', values]], (shapeT, flat) =>
      withTensors(name, [['defaultValue', defaultValue, flat.dtype]], (fill) => {
        check(rowPartitionTypes.length > 0, () => 'No row_partition_types given.');
        check(rowPartitionTypes.length === partitions.length,
          () => `rowPartitionTypes has ${rowPartitionTypes.length} entries but rowPartitionTensors has ${partitions.length}`);
        rowPartitionTypes.forEach((t) => check((PARTITION_TYPES as readonly string[]).includes(t),
          () => `Unsupported partition type: ${t} (tensorweb takes ${PARTITION_TYPES.join(', ')})`));
        const types = rowPartitionTypes as readonly PartitionType[];
        const firstDimSize = types[0] === 'FIRST_DIM_SIZE';
        check(types[0] !== 'VALUE_ROWIDS', () => 'Cannot handle VALUE_ROWIDS in first dimension.');
        types.slice(1).forEach((t) => check(t === (firstDimSize ? 'VALUE_ROWIDS' : 'ROW_SPLITS'),
          () => `Cannot mix row partition types ${types.join(', ')}: ROW_SPLITS throughout, or FIRST_DIM_SIZE then VALUE_ROWIDS`));
        const raggedRank = firstDimSize ? types.length - 1 : types.length;
        check(flat.rank >= 1, () => 'values must be at least 1-D');
        const innerShape = flat.shape.slice(1);
        check(fill.rank < flat.rank, () => `defaultValue.shape=${fill.shape} and ragged tensor flatValues.shape=${flat.shape}, are incompatible: defaultValue.rank = ${fill.rank} must be less than ragged tensor input flatValues.rank = ${flat.rank})`);
        const out = requestedShape(shapeT, raggedRank + flat.rank);
        innerShape.forEach((d, i) => {
          const at = raggedRank + 1 + i;
          check(out[at] === -1 || out[at] === d, () => `rt input.shape and shape=${out} are incompatible: rt input.shape[${at}] = ${d} but shape[${at}] = ${out[at]}`);
          out[at] = d;
        });
        const parts = partitions.map((t) => t.dataSync());
        const levels = firstDimSize ? parts.slice(1) : parts;
        // Level 0's rows, then for each ragged dim each element's (parent row, place in that row).
        let rows = firstDimSize ? parts[0][0] : parts[0].length - 1;
        const placements: { parent: Int32Array; place: Int32Array }[] = levels.map((p, level) => {
          if (types[firstDimSize ? level + 1 : level] === 'ROW_SPLITS') {
            check(p.length > 0 && p[0] === 0, () => 'Invalid row split size.');
            for (let r = 1; r < p.length; r++) check(p[r - 1] <= p[r], () => 'Invalid row split size.');
            const count = p.length === 0 ? 0 : p[p.length - 1];
            const parent = new Int32Array(count);
            const place = new Int32Array(count);
            for (let r = 0; r + 1 < p.length; r++) {
              for (let c = p[r]; c < p[r + 1]; c++) [parent[c], place[c]] = [r, c - p[r]];
            }
            return { parent, place };
          }
          const parent = Int32Array.from(p);
          const place = new Int32Array(p.length);
          for (let c = 1; c < p.length; c++) {
            check(p[c] >= p[c - 1], () => 'Invalid row ids.');
            place[c] = p[c] === p[c - 1] ? place[c - 1] + 1 : 0;
          }
          p.forEach((r) => check(r >= 0 && r < rows, () => `Got value row id ${r}, which is not in [0, ${rows})`));
          rows = p.length;
          return { parent, place };
        });
        check(placements.length === 0 || placements[placements.length - 1].parent.length === flat.shape[0],
          () => `the last row partition covers ${placements[placements.length - 1].parent.length} values but values has ${flat.shape[0]} rows`);
        // Natural sizes: the row count, then each ragged dim's longest row.
        if (out[0] === -1) out[0] = firstDimSize ? parts[0][0] : parts[0].length - 1;
        placements.forEach(({ place }, level) => {
          if (out[level + 1] === -1) out[level + 1] = place.reduce((m, j) => Math.max(m, j + 1), 0);
        });
        // Where each level's elements land in the output, in values-sized units; -1 where cut off.
        const strides = stridesOf(out.slice(0, raggedRank + 1));
        let landing = Int32Array.from({ length: out[0] }, (_, r) => r * strides[0]);
        placements.forEach(({ parent, place }, level) => {
          landing = Int32Array.from(parent, (p, c) => {
            const base = p < landing.length ? landing[p] : -1;
            return base < 0 || place[c] >= out[level + 1] ? -1 : base + place[c] * strides[level + 1];
          });
        });
        const rowSize = sizeFromShape(innerShape);
        const result = makeArray(flat.dtype, sizeFromShape(out));
        const pad = broadcastTo(fill, innerShape);
        const padValues = pad.dataSync();
        pad.dispose();
        if (rowSize > 0) for (let at = 0; at < result.length; at += rowSize) result.set(padValues, at);
        const source = flat.dataSync();
        landing.forEach((at, v) => {
          if (at >= 0) result.set(source.subarray(v * rowSize, (v + 1) * rowSize), at * rowSize);
        });
        return makeTensor(result, out, flat.dtype);
      })));
}
