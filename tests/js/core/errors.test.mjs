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

test("a tensor of another dtype than TF.js parses the argument as is refused in TF.js's words", () => {
  const ints = tw.tensor([1, 2], [2], 'int32');
  const filter = tw.ones([1, 1, 2, 1]);
  const image = tw.tensor([1, 2], [1, 1, 1, 2], 'int32');
  const flags = tw.tensor([true, false]);
  try {
    assertCleanFailure(() => tw.sin(ints), /^Argument 'x' passed to 'sin' must be float32 tensor, but got int32 tensor$/);
    assertCleanFailure(() => tw.all(x), /^Argument 'x' passed to 'all' must be bool tensor, but got float32 tensor$/);
    assertCleanFailure(() => tw.logicalAnd(flags, ints), /^Argument 'b' passed to 'logicalAnd' must be bool tensor, but got int32 tensor$/);
    assertCleanFailure(() => tw.logicalNot(ints), /^Argument 'x' passed to 'logicalNot' must be bool tensor, but got int32 tensor$/);
    assertCleanFailure(() => tw.gather(x, filter), /^Argument 'indices' passed to 'gather' must be int32 tensor, but got float32 tensor$/);
    // fused.conv2d's messages name conv2d, as TF.js's do
    assertCleanFailure(() => tw.fused.conv2d({ x: image, filter, strides: 1, pad: 'valid' }),
      /^Argument 'x' passed to 'conv2d' must be float32 tensor, but got int32 tensor$/);
    assertCleanFailure(() => tw.dropout(ints, 0.5), /^x has to be a floating point tensor since it's going to be scaled, but got a int32 tensor/);
    // A TensorLike is made in the parsed dtype; float16 passes for float32.
    assert.equal(tw.sin([1, 2]).dtype, 'float32');
    assert.equal(tw.sin(tw.cast(x, 'float16')).dtype, 'float32');
    // The registry op (what a converted graph runs) still casts an int32 input.
    assert.equal(tw.engine().runOp('sin', [ints], {})[0].dtype, 'float32');
  } finally {
    tw.dispose([ints, filter, image, flags]);
  }
});
