// Host ops (registry.ts, OpDef.host): ops whose output shapes depend on the
// values of their inputs. Each reads back only what decides its result (a
// mask, boxes and scores, a k), computes it on the CPU or with other ops, and
// runs through engine.runHostOp: from its async public function, or from a
// graph model's executeAsync (graph/async_executor.ts), never synchronously.
import { stridesOf } from '../core/dtype.js';
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
