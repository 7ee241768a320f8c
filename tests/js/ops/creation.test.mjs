import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './creation.grads.mjs';

goldenTests('creation');
gradientTests('creation', cases);

test('the Philox generator matches the Random123 known-answer vectors', () => {
  // philox4x32-10 test vectors from Random123's kat_vectors.
  assert.deepEqual(tw.philox4x32([0, 0, 0, 0], [0, 0]), [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
  assert.deepEqual(tw.philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]),
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
  assert.deepEqual(tw.philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]),
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
});

test('the same seed gives the same numbers; different seeds differ', () => {
  const a = tw.randomNormal([100], 0, 1, 'float32', 5).dataSync();
  const b = tw.randomNormal([100], 0, 1, 'float32', 5).dataSync();
  const c = tw.randomNormal([100], 0, 1, 'float32', 6).dataSync();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('random ops have the requested moments', () => {
  const u = tw.randomUniform([20000], -1, 3, 'float32', 11);
  const n = tw.randomNormal([20000], 2, 0.5, 'float32', 12);
  const t = tw.truncatedNormal([20000], 0, 1, 'float32', 13);
  const { mean: um } = tw.moments(u);
  const { mean: nm, variance: nv } = tw.moments(n);
  assert.ok(Math.abs(um.dataSync()[0] - 1) < 0.03);
  assert.ok(Math.abs(nm.dataSync()[0] - 2) < 0.02);
  assert.ok(Math.abs(nv.dataSync()[0] - 0.25) < 0.01);
  assert.ok(tw.max(tw.abs(t)).dataSync()[0] <= 2);
  assert.ok(tw.min(u).dataSync()[0] >= -1 && tw.max(u).dataSync()[0] < 3);
});

test('unseeded random ops differ between calls', () => {
  assert.notDeepEqual(tw.randomUniform([8]).dataSync(), tw.randomUniform([8]).dataSync());
});

test('string seeds are accepted and deterministic', () => {
  assert.deepEqual(tw.randomUniform([5], 0, 1, 'float32', 'abc').dataSync(), tw.randomUniform([5], 0, 1, 'float32', 'abc').dataSync());
  assert.notDeepEqual(tw.randomUniform([5], 0, 1, 'float32', 'abc').dataSync(), tw.randomUniform([5], 0, 1, 'float32', 'abd').dataSync());
});

test('x.oneHot(depth) is oneHot(x, depth)', () => {
  assert.deepEqual(tw.tensor([1, 0], [2], 'int32').oneHot(3).arraySync(), [[0, 1, 0], [1, 0, 0]]);
});

test("randomUniform with dtype bool is TF.js's: the floored draws, cast to bool", () => {
  const never = tw.randomUniform([50], 0, 1, 'bool', 7);
  assert.equal(never.dtype, 'bool');
  assert.ok(never.dataSync().every((v) => v === 0), 'draws in [0, 1) floor to false');
  const draw = tw.randomUniform([50], 0, 3, 'int32', 7);
  const flags = tw.randomUniform([50], 0, 3, 'bool', 7);
  assert.deepEqual(Array.from(flags.dataSync()), Array.from(draw.dataSync(), (v) => (v !== 0 ? 1 : 0)));
  tw.dispose([never, draw, flags]);
});

test('zerosLike and onesLike give x a zero gradient, as in TF.js', () => {
  const x = tw.tensor([[0, 1, 2], [4, 5, 6]]);
  for (const op of [tw.zerosLike, tw.onesLike]) {
    const g = tw.grad((t) => op(t))(x);
    assert.deepEqual(g.shape, [2, 3]);
    assert.deepEqual(Array.from(g.dataSync()), [0, 0, 0, 0, 0, 0]);
    g.dispose();
  }
  x.dispose();
});
