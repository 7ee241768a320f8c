// tidy/keep/dispose/memory, and failed ops releasing what they allocated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

test('tidy disposes intermediates and keeps what it returns', () => {
  const start = tw.memory().numTensors;
  const x = tw.tensor([1, 2, 3]);
  const y = tw.tidy(() => x.mul(2).add(1).square());
  assert.equal(tw.memory().numTensors, start + 2);
  const named = tw.tidy('named', () => ({ a: x.neg(), list: [x.exp(), 5] }));
  assert.equal(tw.memory().numTensors, start + 4);
  tw.dispose([y, named, x]);
  assert.equal(tw.memory().numTensors, start);
});

test('keep survives tidy; nested tidy hands results to the outer scope', () => {
  const start = tw.memory().numTensors;
  let kept;
  const outer = tw.tidy(() => {
    const inner = tw.tidy(() => {
      kept = tw.keep(tw.ones([2]));
      return tw.zeros([3]);
    });
    tw.ones([4]);
    return inner;
  });
  assert.equal(tw.memory().numTensors, start + 2);
  assert.ok(!kept.isDisposed && !outer.isDisposed);
  tw.dispose([kept, outer]);
});

test('tidy releases everything when the function throws', () => {
  const start = tw.memory().numTensors;
  assert.throws(() => tw.tidy(() => {
    tw.ones([5]);
    throw new Error('boom');
  }), /boom/);
  assert.equal(tw.memory().numTensors, start);
  assert.throws(() => tw.tidy(async () => tw.ones([1])), /Promise/);
});

test('memory counts tensors, buffers and bytes per backend', () => {
  const before = tw.memory();
  const a = tw.zeros([10]);
  const b = tw.zeros([3], 'int32');
  const c = tw.zeros([4], 'bool');
  const r = a.reshape([2, 5]);
  const after = tw.memory();
  assert.equal(after.numTensors - before.numTensors, 4);
  assert.equal(after.numDataBuffers - before.numDataBuffers, 3, 'reshape shares its input buffer');
  assert.equal(after.numBytes - before.numBytes, 40 + 12 + 4);
  assert.equal(after.backends.cpu.numBytes - before.backends.cpu.numBytes, 56);
  tw.dispose([a, b, c, r]);
  assert.deepEqual(tw.memory(), before);
});

test('a failed op names the op, the input shapes and the attribute, and leaks nothing', () => {
  const a = tw.ones([2, 3]);
  const b = tw.ones([4]);
  const c = tw.ones([5]);
  const start = tw.memory();
  assert.throws(() => tw.add(a, b), (e) => /tw\.add/.test(e.message) && /\[2,3\]/.test(e.message) && /\[4\]/.test(e.message));
  assert.throws(() => tw.sum(a, 2), /tw\.sum: axis 2 is out of range for rank 2[\s\S]*x: \[2,3\] float32[\s\S]*"axis":2/);
  assert.throws(() => tw.clipByValue(a, 3, 1), /tw\.clipByValue: attribute clipValueMin/);
  assert.throws(() => tw.cumsum(a, 1.5), /tw\.cumsum: attribute 'axis' must be of type int/);
  assert.throws(() => tw.range(0, 1, 0), /tw\.range: attribute step must not be 0/);
  assert.throws(() => tw.norm(a, 2, [0, 1]), /tw\.norm: Error in norm: invalid ord value: 2 \(attribute ord of a matrix norm\)/);
  // the registry op casts float operands to bool before its shape rule fails (tw.logicalAnd refuses them, as TF.js)
  assert.throws(() => tw.engine().runOp('logicalAnd', [a, c], {}), /tw\.logicalAnd/);
  assert.throws(() => tw.engine().runOp('sum', [a], { axes: 1 }), /unknown attribute 'axes'/);
  assert.throws(() => tw.engine().runOp('nope', [a], {}), /no op named 'nope'/);
  // A decomposition failing halfway (its second op) still releases the first op's output.
  assert.throws(() => tw.moments(a, [5]), /tw\.moments/);
  assert.deepEqual(tw.memory(), start);
  tw.dispose([a, b, c]);
});

test('disposeVariables disposes every variable; nextFrame resolves', async () => {
  const start = tw.memory().numTensors;
  const a = tw.variable(tw.zeros([2]), true, 'dv_a');
  tw.variable(tw.ones([3]), false, 'dv_b');
  tw.disposeVariables();
  assert.ok(a.isDisposed);
  assert.equal(tw.memory().numTensors, start + 2, 'the initial values stay, the variables go');
  await tw.nextFrame();
});
