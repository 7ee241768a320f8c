// String tensors through ops (core/strings.ts and engine.runStringKernel):
// ops that take strings run their CPU kernel on int32 codes ordered as the
// strings are; every other op refuses them with TF.js's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

const words = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];

test('shape ops move strings as they move numbers', () => {
  const before = tw.memory().numTensors;
  tw.tidy(() => {
    const x = tw.tensor3d(words, [2, 2, 2], 'string');
    assert.deepEqual(x.reshape([4, 2]).arraySync(), [['one', 'two'], ['three', 'four'], ['five', 'six'], ['seven', 'eight']]);
    assert.deepEqual(tw.transpose(x, [2, 0, 1]).dataSync(), ['one', 'three', 'five', 'seven', 'two', 'four', 'six', 'eight']);
    assert.deepEqual(x.slice([0, 1, 1]).dataSync(), ['four', 'eight']);
    assert.deepEqual(tw.reverse(x, 0).dataSync().slice(0, 2), ['five', 'six']);
    assert.deepEqual(tw.gather(tw.tensor1d(words), [7, 0, 7]).dataSync(), ['eight', 'one', 'eight']);
    // An index out of range gives '' where it gives 0 for numbers.
    assert.deepEqual(tw.gather(tw.tensor1d(['b', 'c']), [1, 5]).dataSync(), ['c', '']);
    assert.deepEqual(tw.concat([tw.tensor1d(['a']), tw.tensor1d(['b', 'a'])]).dataSync(), ['a', 'b', 'a']);
    assert.deepEqual(tw.tile(tw.tensor1d(['a', 'b']), [2]).dataSync(), ['a', 'b', 'a', 'b']);
    assert.deepEqual(tw.stack([tw.scalar('p'), tw.scalar('q')]).dataSync(), ['p', 'q']);
    assert.deepEqual(tw.unstack(tw.tensor2d([['a', 'b'], ['c', 'd']])).map((t) => t.dataSync()), [['a', 'b'], ['c', 'd']]);
    assert.deepEqual(tw.split(tw.tensor1d(['a', 'b', 'c']), [1, 2]).map((t) => t.dataSync()), [['a'], ['b', 'c']]);
    assert.deepEqual(tw.where([true, false], ['x', 'y'], ['u', 'v']).dataSync(), ['x', 'v']);
    assert.deepEqual(tw.clone(x).dtype, 'string');
    assert.deepEqual(tw.fill([2, 1], 'z').arraySync(), [['z'], ['z']]);
  });
  assert.equal(tw.memory().numTensors, before, 'the int32 codes and intermediate tensors are released');
});

test('comparisons order strings as JavaScript does (UTF-16 code units), broadcasting', () => {
  tw.tidy(() => {
    const a = tw.scalar('aa');
    const b = tw.tensor1d(['aa', 'ab', 'a', 'Z', 'é', '']);
    assert.deepEqual([...tw.equal(a, b).dataSync()], [1, 0, 0, 0, 0, 0]);
    assert.deepEqual([...tw.notEqual(a, b).dataSync()], [0, 1, 1, 1, 1, 1]);
    assert.deepEqual([...tw.less(a, b).dataSync()], [0, 1, 0, 0, 1, 0]);
    assert.deepEqual([...tw.lessEqual(a, b).dataSync()], [1, 1, 0, 0, 1, 0]);
    assert.deepEqual([...tw.greater(a, b).dataSync()], [0, 0, 1, 1, 0, 1]);
    assert.deepEqual([...tw.greaterEqual(b, a).dataSync()], [1, 1, 0, 0, 1, 0]);
    assert.equal(tw.equal(a, b).dtype, 'bool');
  });
});

test('unique groups strings, commas inside them included', () => {
  const { values, indices } = tw.unique(tw.tensor2d([['a', 'b,c', 'd'], ['a', 'b', 'c,d'], ['a', 'b,c', 'd']]), 0);
  assert.deepEqual(values.arraySync(), [['a', 'b,c', 'd'], ['a', 'b', 'c,d']]);
  assert.deepEqual([...indices.dataSync()], [0, 1, 0]);
  tw.dispose([values, indices]);
});

test("ops that compute numbers refuse strings with TF.js's message, tensors and TensorLikes alike", () => {
  const s = tw.tensor1d(['a']);
  assert.throws(() => tw.add(s, s), /Argument 'a' passed to 'add' must be numeric tensor, but got string tensor/);
  assert.throws(() => tw.sum(s), /Argument 'x' passed to 'sum' must be numeric tensor, but got string tensor/);
  assert.throws(() => tw.abs('q'), /Argument 'x' passed to 'abs' must be numeric tensor, but got string tensor/);
  assert.throws(() => tw.cast(s, 'float32'), /Argument 'x' passed to 'cast' must be numeric tensor, but got string tensor/);
  assert.throws(() => tw.zeros([2], 'string'), /attribute 'dtype' must be of type dtype/);
  assert.throws(() => tw.concat([s, tw.tensor1d([1])]), /a string tensor cannot be combined with a float32 one/);
  s.dispose();
});

test('gradients through a string op: a float32 dy flows, any other dy is refused as in TF.js', () => {
  const a = tw.tensor1d(['a', 'b', 'c']);
  const da = tw.grad((x) => tw.clone(x))(a, tw.tensor1d([4, 5, 6]));
  assert.equal(da.dtype, 'float32');
  assert.deepEqual([...da.dataSync()], [4, 5, 6]);
  assert.throws(() => tw.grad((x) => tw.clone(x))(a, tw.tensor1d([4, 5, 6], 'int32')), /dy must have 'float32' dtype, but has 'int32'/);
  assert.throws(() => tw.grad((x) => tw.clone(x))(a, tw.tensor1d(['d', 'e', 'f'])), /dy must have 'float32' dtype, but has 'string'/);
  tw.dispose([a, da]);
});
