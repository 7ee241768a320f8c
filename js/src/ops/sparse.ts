// Sparse tensors as TF.js has them: sparseToDense (an entry, a decomposition
// over tensorScatterUpdate, so it runs on the GPU where that does) and the
// `tw.sparse` namespace (sparseFillEmptyRows, sparseReshape,
// sparseSegmentSum, sparseSegmentMean). The namespace's output sizes depend
// on the index values, so those functions read their inputs synchronously and
// build the results on the CPU, as TF.js does on every backend; their checks
// of the values throw TF.js's messages.
import type { TensorSpec } from '../core/backend.js';
import { type DataType, type TypedArray, makeArray, sizeFromShape, stridesOf } from '../core/dtype.js';
import { getEngine } from '../core/engine.js';
import { Tensor } from '../core/tensor.js';
import { defineOp, spec } from './registry.js';
import { type TensorLike, runOp, withTensors } from './run.js';
import { broadcastTo, reshape, tensorScatterUpdate } from './shape.js';

function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

function makeTensor(values: TypedArray, shape: readonly number[], dtype: DataType): Tensor {
  return getEngine().makeTensor(values, shape, dtype);
}

// ---- sparseToDense ----

/** sparseIndices as [count, depth] tuples: a scalar is one index, a vector one index per element. */
function tupleShape(indices: TensorSpec): [count: number, depth: number] {
  return [indices.shape.length > 0 ? indices.shape[0] : 1, indices.shape.length > 1 ? indices.shape[1] : 1];
}

defineOp<{ outputShape: number[] }>({
  name: 'sparseToDense',
  inputs: [{ name: 'sparseIndices' }, { name: 'sparseValues' }, { name: 'defaultValue' }],
  attrs: { outputShape: { type: 'ints' } },
  // TF.js's checks and messages (sparse_to_dense_util.validateInput).
  shape([indices, values, defaultValue], { outputShape }) {
    check(outputShape.every((d) => d >= 0), () => `outputShape [${outputShape}] must have non-negative dims`);
    check(indices.dtype === 'int32', () => `tf.sparseToDense() expects the indices to be int32 type, but the dtype was ${indices.dtype}.`);
    check(indices.shape.length <= 2, () => `sparseIndices should be a scalar, vector, or matrix, but got shape ${indices.shape}.`);
    const [count, depth] = tupleShape(indices);
    check(outputShape.length === depth, () => `outputShape has incorrect number of elements:, ${outputShape.length}, should be: ${depth}.`);
    check(values.shape.length === 0 || (values.shape.length === 1 && values.shape[0] === count),
      () => `sparseValues has incorrect shape ${values.shape}, should be [] or [${count}]`);
    check(values.dtype === defaultValue.dtype, () => 'sparseValues.dtype must match defaultValues.dtype');
    check(defaultValue.shape.length === 0, () => `defaultValue must be a scalar, but got shape [${defaultValue.shape}]`);
    return [spec(outputShape, values.dtype)];
  },
  decompose([indices, values, defaultValue], { outputShape }) {
    const [count, depth] = tupleShape(indices);
    const updates = values.rank === 0 ? broadcastTo(values, [count]) : values;
    return [tensorScatterUpdate(broadcastTo(defaultValue, outputShape), reshape(indices, [count, depth]), updates)];
  },
});

/**
 * tw.sparseToDense(sparseIndices, sparseValues, outputShape, defaultValue = 0):
 * `defaultValue` everywhere but at the indices, which take their values (a
 * scalar value goes to every index; where indices repeat, the last wins on
 * the CPU, any one on the GPU, as TF.js).
 */
export function sparseToDense(sparseIndices: TensorLike, sparseValues: TensorLike, outputShape: readonly number[],
  defaultValue: TensorLike = 0): Tensor {
  return withTensors('sparseToDense', [['sparseValues', sparseValues]], (values) =>
    runOp('sparseToDense', [sparseIndices, values, defaultValue], { outputShape: [...outputShape] },
      { dtypes: ['int32', undefined, values.dtype] }));
}

// ---- tw.sparse ----

function sparseFillEmptyRows(indices: TensorLike, values: TensorLike, denseShape: TensorLike, defaultValue: TensorLike):
  { outputIndices: Tensor; outputValues: Tensor; emptyRowIndicator: Tensor; reverseIndexMap: Tensor } {
  const name = 'sparseFillEmptyRows';
  return withTensors(name, [['indices', indices, 'int32'], ['values', values], ['denseShape', denseShape, 'int32']], (ind, vals, shape) =>
    withTensors(name, [['defaultValue', defaultValue, vals.dtype]], (fill) => {
      check(ind.rank === 2, () => `Indices should be Tensor2D but received shape\n        ${ind.shape}`);
      check(vals.rank === 1, () => `Values should be Tensor1D but received shape ${vals.shape}`);
      check(shape.rank === 1, () => `Dense shape should be Tensor1D but received shape ${shape.shape}`);
      check(fill.rank === 0, () => `Default value should be a scalar but received shape ${fill.shape}`);
      const [count, rank] = ind.shape;
      const index = ind.dataSync();
      const value = vals.dataSync();
      const rows = shape.dataSync()[0];
      check(rows !== 0 || count === 0, () => `Received SparseTensor with denseShape[0] = 0 but\n  indices.shape[0] = ${count}`);
      // Entries per row, then each row's first output position (an empty row takes one for its default).
      const perRow = new Int32Array(rows);
      for (let i = 0; i < count; i++) {
        const row = index[i * rank];
        check(row >= 0, () => `indices(${i}, 0) is invalid: ${row} < 0`);
        check(row < rows, () => `indices(${i}, 0) is invalid: ${row} >= ${rows}`);
        perRow[row]++;
      }
      const empty = new Uint8Array(rows);
      const start = new Int32Array(rows + 1);
      for (let r = 0; r < rows; r++) {
        empty[r] = perRow[r] === 0 ? 1 : 0;
        start[r + 1] = start[r] + Math.max(perRow[r], 1);
      }
      const total = start[rows];
      const outIndices = new Int32Array(total * rank);
      const outValues = makeArray(vals.dtype, total);
      const reverse = new Int32Array(count);
      const filled = new Int32Array(rows);
      // Entries keep their order within a row, as TF.js's stable placement does.
      for (let i = 0; i < count; i++) {
        const row = index[i * rank];
        const at = start[row] + filled[row]++;
        outIndices.set(index.subarray(i * rank, (i + 1) * rank), at * rank);
        outValues[at] = value[i];
        reverse[i] = at;
      }
      const fillValue = fill.dataSync()[0];
      for (let r = 0; r < rows; r++) {
        if (!empty[r]) continue;
        outIndices[start[r] * rank] = r;
        outValues[start[r]] = fillValue;
      }
      return {
        outputIndices: makeTensor(outIndices, [total, rank], 'int32'),
        outputValues: makeTensor(outValues, [total], vals.dtype),
        emptyRowIndicator: makeTensor(empty, [rows], 'bool'),
        reverseIndexMap: makeTensor(reverse, [count], 'int32'),
      };
    }));
}

/** The dense shape `newShape` asks for (one -1 inferred) over `denseSize` values, with TF.js's messages. */
function sparseReshapeTarget(inputShape: readonly number[], newShape: readonly number[]): number[] {
  const denseSize = sizeFromShape(inputShape);
  const outputShape: number[] = [];
  let product = 1;
  let unknown = -1;
  newShape.forEach((size, d) => {
    if (size === -1) {
      check(unknown === -1, () => `only one output dimension may be -1, not both ${unknown} and ${d}`);
      unknown = d;
      outputShape.push(1);
    } else {
      check(size >= 0, () => `size ${d} must be non-negative, not ${size}`);
      product *= size;
      outputShape.push(size);
    }
  });
  if (unknown !== -1) {
    check(product > 0, () => 'reshape cannot infer the missing input size for an empty tensor unless all specified input sizes are non-zero');
    const missing = Math.trunc(denseSize / product);
    check(product * missing === denseSize, () => `Input to reshape is a SparseTensor with ${denseSize}
  dense values, but the requested shape requires a multiple of ${product}. inputShape=${inputShape} outputShape= ${outputShape}`);
    outputShape[unknown] = missing;
  }
  const outputSize = sizeFromShape(outputShape);
  check(outputSize === denseSize, () => `Input to reshape is a tensor with ${denseSize} dense values, but the requested shape has ${outputSize}. inputShape=${inputShape} outputShape=${outputShape}`);
  return outputShape;
}

function sparseReshape(inputIndices: TensorLike, inputShape: TensorLike, newShape: TensorLike): { outputIndices: Tensor; outputShape: Tensor } {
  return withTensors('sparseReshape', [['inputIndices', inputIndices, 'int32'], ['inputShape', inputShape, 'int32'], ['newShape', newShape, 'int32']],
    (ind, from, to) => {
      check(ind.rank === 2, () => `Input indices should be Tensor2D but received shape\n        ${ind.shape}`);
      check(from.rank === 1, () => `Input shape should be Tensor1D but received shape ${from.shape}`);
      check(to.rank === 1, () => `New shape should be Tensor1D but received shape ${to.shape}`);
      const source = Array.from(from.dataSync());
      const target = sparseReshapeTarget(source, Array.from(to.dataSync()));
      const [count, inRank] = ind.shape;
      const index = ind.dataSync();
      const inStrides = stridesOf(source);
      const outStrides = stridesOf(target);
      const out = new Int32Array(count * target.length);
      for (let i = 0; i < count; i++) {
        let flat = 0;
        for (let j = 0; j < inRank; j++) flat += index[i * inRank + j] * inStrides[j];
        for (let j = 0; j < target.length; j++) {
          out[i * target.length + j] = Math.trunc(flat / outStrides[j]);
          flat %= outStrides[j];
        }
      }
      return { outputIndices: makeTensor(out, [count, target.length], 'int32'), outputShape: makeTensor(Int32Array.from(target), [target.length], 'int32') };
    });
}

/**
 * Rows of `data` picked by `indices`, summed (or averaged) into the segment
 * each `segmentIds` entry names; ids are sorted, and segments without rows
 * are zeros. TF.js's checks, in its order, with its messages.
 */
function sparseSegmentReduce(opName: string, data: TensorLike, indices: TensorLike, segmentIds: TensorLike, isMean: boolean): Tensor {
  return withTensors(opName, [['data', data], ['indices', indices, 'int32'], ['segmentIds', segmentIds, 'int32']], (x, ind, ids) => {
    check(x.rank >= 1, () => 'Data should be at least 1 dimensional but received scalar');
    check(ind.rank === 1, () => `Indices should be Tensor1D but received shape\n          ${ind.shape}`);
    check(ids.rank === 1, () => `Segment ids should be Tensor1D but received shape\n          ${ids.shape}`);
    check(x.dtype === 'float32' || x.dtype === 'int32', () => `Argument 'data' passed to '${opName}' must be float32 or int32 tensor, but got ${x.dtype} tensor`);
    const rowsIn = x.shape[0];
    const columns = rowsIn === 0 ? 0 : x.size / rowsIn;
    const index = ind.dataSync();
    const segment = ids.dataSync();
    const count = index.length;
    const rows = count > 0 ? segment[count - 1] + 1 : 0;
    check(rows >= 0, () => 'segment ids must be >= 0');
    const shape = [rows, ...x.shape.slice(1)];
    // Int32 data keeps int32 storage, so an int32 mean truncates as TF.js's does.
    const out = makeArray(x.dtype, sizeFromShape(shape));
    if (count === 0) return makeTensor(out, shape, x.dtype);
    check(rows > 0, () => 'segment ids must be >= 0');
    const values = x.dataSync();
    for (let begin = 0; begin < count;) {
      const id = segment[begin];
      let end = begin + 1;
      while (end < count && segment[end] === id) end++;
      check(end === count || id < segment[end], () => 'segment ids are not increasing');
      check(id >= 0 && id < rows, () => `Segment id ${id} out of range [0, ${rows}), possibly because segmentIds input is not sorted.`);
      for (let i = begin; i < end; i++) {
        const row = index[i];
        check(row >= 0 && row < rowsIn, () => `Bad: indices[${i}] == ${row} out of range [0, ${rowsIn})`);
        for (let j = 0; j < columns; j++) out[id * columns + j] += values[row * columns + j];
      }
      if (isMean) for (let j = 0; j < columns; j++) out[id * columns + j] /= end - begin;
      begin = end;
    }
    return makeTensor(out, shape, x.dtype);
  });
}

const sparseSegmentSum = (data: TensorLike, indices: TensorLike, segmentIds: TensorLike): Tensor =>
  sparseSegmentReduce('sparseSegmentSum', data, indices, segmentIds, false);
const sparseSegmentMean = (data: TensorLike, indices: TensorLike, segmentIds: TensorLike): Tensor =>
  sparseSegmentReduce('sparseSegmentMean', data, indices, segmentIds, true);

/** TF.js's `tf.sparse` namespace. */
export const sparse = { sparseFillEmptyRows, sparseReshape, sparseSegmentMean, sparseSegmentSum };
