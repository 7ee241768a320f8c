// Every registered op rejects bad calls with an error naming the op, and a
// failed call leaves nothing allocated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

const x = tw.ones([2, 3]);

function assertCleanFailure(run, pattern) {
  const before = tw.memory();
  assert.throws(run, (error) => {
    assert.match(error.message, pattern);
    return true;
  });
  assert.deepEqual(tw.memory(), before, 'a failed op left tensors allocated');
}

for (const name of tw.listOps()) {
  const def = tw.getOpDef(name);
  test(`${name}: unknown attribute and wrong input count are named errors`, () => {
    const inputs = def.inputs.filter((i) => !i.optional).map(() => x);
    assertCleanFailure(() => tw.engine().runOp(name, inputs, { notAnAttribute: 1 }),
      new RegExp(`^tw\\.${name}: unknown attribute 'notAnAttribute'`));
    if (!def.inputs.some((i) => i.variadic)) {
      const tooMany = [...def.inputs.map(() => x), x];
      assertCleanFailure(() => tw.engine().runOp(name, tooMany, {}), new RegExp(`^tw\\.${name}: takes`));
    }
  });
}

test('a wrongly typed attribute names the attribute and the expected type', () => {
  assertCleanFailure(() => tw.engine().runOp('sum', [x], { axis: 'rows' }),
    /tw\.sum: attribute 'axis' must be an int or a list of ints, got "rows"[\s\S]*x: \[2,3\] float32/);
  assertCleanFailure(() => tw.engine().runOp('cast', [x], { dtype: 'float64' }), /tw\.cast: attribute 'dtype' must be of type dtype/);
  assertCleanFailure(() => tw.engine().runOp('range', [], { start: 0 }), /tw\.range: attribute 'stop' is required/);
});

test('inputs that are not tensors are rejected by name', () => {
  assertCleanFailure(() => tw.engine().runOp('neg', [[1, 2]], {}), /tw\.neg: input x is not a Tensor/);
  // TF.js's wording (its convertToTensor), which code written against TF.js matches on.
  assertCleanFailure(() => tw.add(x, {}), /Argument 'b' passed to 'add' must be a Tensor or TensorLike, but got 'Object'/);
  assertCleanFailure(() => tw.add(null, x), /Argument 'a' passed to 'add' must be a Tensor or TensorLike, but got 'null'/);
  assertCleanFailure(() => tw.add(x, 'two'), /Argument 'b' passed to 'add' must be numeric tensor, but got string tensor/);
  assertCleanFailure(() => tw.concat([x, {}]), /Argument 'tensors\[1\]' passed to 'concat' must be a Tensor or TensorLike/);
  assertCleanFailure(() => tw.all(['yes']), /Argument 'x' passed to 'all' must be bool tensor, but got string tensor/);
  assertCleanFailure(() => tw.sin([['a']]), /Argument 'x' passed to 'sin' must be float32 tensor, but got string tensor/);
});
