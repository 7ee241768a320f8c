// Host ops (registry.ts, OpDef.host): ops whose output shapes depend on the
// values of their inputs. Each reads back only what decides its result (a
// mask, boxes and scores, a k), computes it on the CPU or with other ops, and
// runs through engine.runHostOp: from its async public function, or from a
// graph model's executeAsync (graph/async_executor.ts), never synchronously.
import type { TensorSpec } from '../core/backend.js';
import { type DataType, sizeFromShape, stridesOf } from '../core/dtype.js';
import { toTensor } from '../core/convert.js';
import { nonMaxSuppression as nmsCore } from '../core/nms.js';
import { getEngine } from '../core/engine.js';
import { Tensor } from '../core/tensor.js';
import { defineOp, spec } from './registry.js';
import { type TensorLike, withTensors } from './run.js';

defineOp<Record<string, never>>({
  name: 'whereAsync',
  inputs: [{ name: 'condition' }],
  attrs: {},
  inputDtype: 'bool',
  shape: ([condition]) => [spec([-1, condition.shape.length], 'int32')],
  async host([condition]) {
    const values = await condition.data();
    const strides = stridesOf(condition.shape);
    const coords: number[] = [];
    let count = 0;
    values.forEach((v, index) => {
      if (!v) return;
      count++;
      condition.shape.forEach((d, axis) => coords.push(Math.floor(index / strides[axis]) % d));
    });
    return [getEngine().makeTensor(Int32Array.from(coords), [count, condition.shape.length], 'int32')];
  },
});

/** Runs host op `name` on TensorLikes, disposing the tensors made from them once it is done (withTensors, awaited). */
export async function runHostOpOn(name: string, args: readonly (readonly [string, TensorLike, DataType?])[],
  attrs: Record<string, unknown>): Promise<Tensor[]> {
  const made: Tensor[] = [];
  try {
    const tensors = args.map(([argName, value, dtype]) => {
      const { tensor, created } = toTensor(value, argName, name, dtype);
      if (created) made.push(tensor);
      return tensor;
    });
    return await getEngine().runHostOp(name, tensors, attrs);
  } finally {
    made.forEach((t) => t.dispose());
  }
}

/** tw.whereAsync(condition): the int32 coordinates [count, rank] of the true elements of a bool tensor. */
export async function whereAsync(condition: TensorLike): Promise<Tensor> {
  const t = condition instanceof Tensor ? condition : withTensors('whereAsync', [['condition', condition, 'bool']], (c) => c.clone());
  try {
    if (t.dtype !== 'bool') throw new Error(`Argument 'condition' passed to 'whereAsync' must be bool tensor, but got ${t.dtype} tensor`);
    return (await getEngine().runHostOp('whereAsync', [t], {}))[0];
  } finally {
    if (t !== condition) t.dispose();
  }
}

/** A scalar input's value (a count or a threshold given as a tensor): a read of one number. */
async function scalarOf(t: Tensor | undefined, fallback: number): Promise<number> {
  return t === undefined ? fallback : (await t.data())[0];
}

function requireScalar(t: TensorSpec | undefined, name: string): void {
  if (t !== undefined && sizeFromShape(t.shape) !== 1) throw new Error(`input ${name} must hold one value, got shape [${t.shape}]`);
}

/** maxOutputSize read from a tensor: a count, checked, and bounded by what a padded result may allocate. */
function checkedCount(value: number, name: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`input ${name} must be a count (>= 0), got ${value}`);
  return Math.floor(value);
}

/** The most indices a padded NMS result may hold (padding past the boxes there are is only zeros). */
const MAX_PADDED = 1 << 24;

/**
 * TensorFlow's NonMaxSuppressionV3/V4/V5 on boxes [n, 4] ([y1, x1, y2, x2],
 * either corner order) and scores [n]: the selected boxes' indices, the
 * scores they were selected with (soft-NMS decays them) and how many were
 * selected before padding. The counts and thresholds are tensor inputs (a
 * graph may compute them), each read as one number.
 */
defineOp<{ padToMaxOutputSize: boolean }>({
  name: 'nonMaxSuppression',
  inputs: [{ name: 'boxes' }, { name: 'scores' }, { name: 'maxOutputSize' }, { name: 'iouThreshold', optional: true },
    { name: 'scoreThreshold', optional: true }, { name: 'softNmsSigma', optional: true }],
  outputs: 3,
  attrs: { padToMaxOutputSize: { type: 'bool', default: false } },
  shape([boxes, scores, maxOutputSize, iou, score, sigma]) {
    if (boxes.shape.length !== 2 || boxes.shape[1] !== 4) throw new Error(`input boxes must be [numBoxes, 4], got [${boxes.shape}]`);
    if (scores.shape.length !== 1 || scores.shape[0] !== boxes.shape[0]) {
      throw new Error(`input scores must be [numBoxes] (${boxes.shape[0]}), got [${scores.shape}]`);
    }
    [[maxOutputSize, 'maxOutputSize'], [iou, 'iouThreshold'], [score, 'scoreThreshold'], [sigma, 'softNmsSigma']]
      .forEach(([t, name]) => requireScalar(t as TensorSpec | undefined, name as string));
    return [spec([-1], 'int32'), spec([-1], 'float32'), spec([], 'int32')];
  },
  async host([boxes, scores, maxOutputSize, iou, score, sigma], { padToMaxOutputSize }) {
    const count = checkedCount(await scalarOf(maxOutputSize, 0), 'maxOutputSize');
    if (padToMaxOutputSize && count > boxes.shape[0] && count > MAX_PADDED) {
      throw new Error(`input maxOutputSize ${count} is padded to, which would allocate more than ${MAX_PADDED} indices`);
    }
    const iouThreshold = await scalarOf(iou, 1);
    if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new Error(`input iouThreshold must be in [0, 1], got ${iouThreshold}`);
    const result = nmsCore(await boxes.data(), await scores.data(), {
      maxOutputSize: count, iouThreshold, scoreThreshold: await scalarOf(score, -Infinity),
      softNmsSigma: await scalarOf(sigma, 0), padToMaxOutputSize,
    });
    const engine = getEngine();
    const n = result.selectedIndices.length;
    return [engine.makeTensor(Int32Array.from(result.selectedIndices), [n], 'int32'),
      engine.makeTensor(Float32Array.from(result.selectedScores), [n], 'float32'),
      engine.makeTensor(Int32Array.of(result.validOutputs), [], 'int32')];
  },
});

/**
 * ONNX's NonMaxSuppression: boxes [batch, n, 4] and scores [batch, classes,
 * n], suppression per batch and class, the result [selected, 3] as (batch,
 * class, box) rows in that order, each class's best first. Boxes are
 * corners ([y1, x1, y2, x2]) or, with centerPointBox, [xc, yc, w, h].
 * A missing maxOutputBoxesPerClass selects nothing, as ONNX defines.
 */
defineOp<{ centerPointBox: boolean }>({
  name: 'nonMaxSuppressionPerClass',
  inputs: [{ name: 'boxes' }, { name: 'scores' }, { name: 'maxOutputBoxesPerClass', optional: true },
    { name: 'iouThreshold', optional: true }, { name: 'scoreThreshold', optional: true }],
  attrs: { centerPointBox: { type: 'bool', default: false } },
  shape([boxes, scores, count, iou, score]) {
    if (boxes.shape.length !== 3 || boxes.shape[2] !== 4) throw new Error(`input boxes must be [batch, numBoxes, 4], got [${boxes.shape}]`);
    if (scores.shape.length !== 3 || scores.shape[0] !== boxes.shape[0] || scores.shape[2] !== boxes.shape[1]) {
      throw new Error(`input scores must be [batch (${boxes.shape[0]}), classes, numBoxes (${boxes.shape[1]})], got [${scores.shape}]`);
    }
    [[count, 'maxOutputBoxesPerClass'], [iou, 'iouThreshold'], [score, 'scoreThreshold']]
      .forEach(([t, name]) => requireScalar(t as TensorSpec | undefined, name as string));
    return [spec([-1, 3], 'int32')];
  },
  async host([boxes, scores, count, iou, score], { centerPointBox }) {
    const perClass = checkedCount(await scalarOf(count, 0), 'maxOutputBoxesPerClass');
    const iouThreshold = await scalarOf(iou, 0);
    if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new Error(`input iouThreshold must be in [0, 1], got ${iouThreshold}`);
    const scoreThreshold = await scalarOf(score, -Infinity);
    const [batch, classes, n] = scores.shape;
    const rows: number[] = [];
    if (perClass > 0 && n > 0) {
      const boxValues = await boxes.data();
      const scoreValues = await scores.data();
      for (let b = 0; b < batch; b++) {
        const corners = new Float32Array(n * 4);
        for (let i = 0; i < n; i++) {
          const [a, c, d, e] = boxValues.subarray((b * n + i) * 4, (b * n + i + 1) * 4);
          // [xc, yc, w, h] -> [y1, x1, y2, x2]
          corners.set(centerPointBox ? [c - e / 2, a - d / 2, c + e / 2, a + d / 2] : [a, c, d, e], i * 4);
        }
        for (let k = 0; k < classes; k++) {
          const classScores = scoreValues.subarray((b * classes + k) * n, (b * classes + k + 1) * n);
          const { selectedIndices } = nmsCore(corners, classScores, { maxOutputSize: perClass, iouThreshold, scoreThreshold });
          for (const index of selectedIndices) rows.push(b, k, index);
        }
      }
    }
    return [getEngine().makeTensor(Int32Array.from(rows), [rows.length / 3, 3], 'int32')];
  },
});

/** tw's topk with k read from a tensor (a graph's computed k): reads k alone, then runs topk on the backend. */
defineOp<{ sorted: boolean }>({
  name: 'topkAsync',
  inputs: [{ name: 'x' }, { name: 'k' }],
  outputs: 2,
  attrs: { sorted: { type: 'bool', default: true } },
  shape([x, k]) {
    if (x.shape.length === 0) throw new Error('input x must have rank >= 1');
    if (x.dtype === 'bool') throw new Error('input x must be float32 or int32');
    requireScalar(k, 'k');
    const out = [...x.shape.slice(0, -1), -1];
    return [spec(out, x.dtype), spec(out, 'int32')];
  },
  async host([x, k], { sorted }) {
    const count = await scalarOf(k, 0);
    const n = x.shape[x.shape.length - 1];
    if (!Number.isInteger(count) || count < 0 || count > n) throw new Error(`input k is ${count}, which must be in [0, ${n}] (x's last dim)`);
    return getEngine().runOp('topk', [x], { k: count, sorted });
  },
});

/**
 * ONNX's Unique: the distinct values of x (flattened when axis is null) or
 * slices along axis, ascending (sorted) or in order of first appearance;
 * each one's first index, each element's (slice's) index in the result, and
 * the counts. Reads x back.
 */
defineOp<{ axis: number | null; sorted: boolean }>({
  name: 'uniqueAsync',
  inputs: [{ name: 'x' }],
  outputs: 4,
  attrs: { axis: { type: 'int', nullable: true }, sorted: { type: 'bool', default: true } },
  shape([x], { axis }) {
    if (axis === null) return [spec([-1], x.dtype), spec([-1], 'int32'), spec([sizeFromShape(x.shape)], 'int32'), spec([-1], 'int32')];
    if (axis < -x.shape.length || axis >= x.shape.length) throw new Error(`attribute axis ${axis} is out of range for rank ${x.shape.length}`);
    const a = axis < 0 ? axis + x.shape.length : axis;
    return [spec(x.shape.map((d, i) => (i === a ? -1 : d)), x.dtype), spec([-1], 'int32'), spec([x.shape[a]], 'int32'), spec([-1], 'int32')];
  },
  async host([x], { axis, sorted }) {
    const a = axis === null ? 0 : axis < 0 ? axis + x.rank : axis;
    const shape = axis === null ? [x.size] : x.shape;
    const [outer, n, inner] = [sizeFromShape(shape.slice(0, a)), shape[a], sizeFromShape(shape.slice(a + 1))];
    const data = await x.data();
    const sliceAt = (j: number) => {
      const slice: number[] = [];
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) slice.push(data[(o * n + j) * inner + i]);
      return slice;
    };
    const firsts: number[] = [];
    const slices: number[][] = [];
    const seen = new Map<string, number>();
    const firstOf = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const slice = sliceAt(j);
      const key = slice.join(',');
      let index = seen.get(key);
      if (index === undefined) {
        index = firsts.length;
        seen.set(key, index);
        firsts.push(j);
        slices.push(slice);
      }
      firstOf[j] = index;
    }
    // sorted: the distinct slices in lexicographic order of their values
    const order = firsts.map((_, u) => u);
    if (sorted) {
      order.sort((p, q) => {
        for (let i = 0; i < slices[p].length; i++) if (slices[p][i] !== slices[q][i]) return slices[p][i] - slices[q][i];
        return 0;
      });
    }
    const rank = new Int32Array(order.length);
    order.forEach((u, r) => { rank[u] = r; });
    const inverse = firstOf.map((u) => rank[u]);
    const counts = new Int32Array(order.length);
    inverse.forEach((r) => counts[r]++);
    const engine = getEngine();
    const firstIndices = Int32Array.from(order, (u) => firsts[u]);
    const indices = engine.makeTensor(firstIndices, [firstIndices.length], 'int32');
    const flat = axis === null ? engine.runOp('reshape', [x], { shape: [x.size] })[0] : x;
    try {
      const values = engine.runOp('gather', [flat, indices], { axis: a, batchDims: 0 })[0];
      return [values, indices, engine.makeTensor(inverse, [n], 'int32'), engine.makeTensor(counts, [counts.length], 'int32')];
    } finally {
      if (flat !== x) flat.dispose();
    }
  },
});

/** tw.topkAsync(x, k, sorted = true): topk with k given as a tensor (a graph's computed k), which it reads back. */
export async function topkAsync(x: TensorLike, k: TensorLike, sorted = true): Promise<{ values: Tensor; indices: Tensor }> {
  const [values, indices] = await runHostOpOn('topkAsync', [['x', x], ['k', k, 'int32']], { sorted });
  return { values, indices };
}

/**
 * tw.uniqueAsync(x, axis = null, sorted = true): ONNX's Unique, {values, indices (first of each),
 * inverseIndices, counts}; TF.js's unique (synchronous) is tw.unique.
 */
export async function uniqueAsync(x: TensorLike, axis: number | null = null, sorted = true):
  Promise<{ values: Tensor; indices: Tensor; inverseIndices: Tensor; counts: Tensor }> {
  const [values, indices, inverseIndices, counts] = await runHostOpOn('uniqueAsync', [['x', x]], { axis, sorted });
  return { values, indices, inverseIndices, counts };
}
