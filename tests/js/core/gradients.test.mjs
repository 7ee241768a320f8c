// The autodiff API: grad, grads, valueAndGrad(s), variableGrads, customGrad,
// higher order, and a training loop that must not leak; variableGradsAsync and
// what may happen while its tape is open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

const close = (actual, expected, tol = 1e-5) =>
  assert.ok(actual.every((v, i) => Math.abs(v - expected[i]) <= tol), `${Array.from(actual)} vs ${expected}`);

test('grad and valueAndGrad', () => {
  const x = tw.tensor([1, 2, 3]);
  close(tw.grad((v) => v.square().sum())(x).dataSync(), [2, 4, 6]);
  close(tw.grad((v) => v.square())(x, tw.tensor([1, 0, 2])).dataSync(), [2, 0, 12]);
  // TF.js's shape: { value, grad } (valueAndGrads: { value, grads }).
  const { value, grad } = tw.valueAndGrad((v) => v.mul(v).mean())(x);
  close(value.dataSync(), [14 / 3]);
  close(grad.dataSync(), [2 / 3, 4 / 3, 2]);
});

test('grads and valueAndGrads with broadcasting', () => {
  const a = tw.tensor([[1, 2], [3, 4]]);
  const b = tw.tensor([10, 20]);
  const [da, db] = tw.grads((p, q) => p.mul(q).sum())([a, b]);
  close(da.dataSync(), [10, 20, 10, 20]);
  close(db.dataSync(), [4, 6]);
  const { value, grads } = tw.valueAndGrads((p, q) => p.sub(q).square().sum())([a, b]);
  assert.equal(value.rank, 0);
  assert.deepEqual(grads.map((g) => g.shape), [[2, 2], [2]]);
});

test('a source with no path to the result is an error', () => {
  const a = tw.tensor([1]);
  const b = tw.tensor([2]);
  assert.throws(() => tw.grads((p) => b.mul(2))([a]), /no op leads from it/);
});

test('a source reached only through ops that give it no gradient gets zeros, as in TF.js', () => {
  const x = tw.tensor([[1, 5], [3, 2]]);
  const viaArgMax = tw.grad((v) => tw.oneHot(tw.argMax(v, 1), 2).sum())(x);
  assert.deepEqual(viaArgMax.shape, [2, 2]);
  assert.deepEqual(Array.from(viaArgMax.dataSync()), [0, 0, 0, 0]);
  // where's condition: zeros for it, the selected values for the branches
  const c = tw.tensor([true, false]);
  const [dc, da, db] = tw.grads((p, q, r) => tw.where(p, q, r))([c, tw.tensor([1, 2]), tw.tensor([3, 4])]);
  assert.deepEqual(Array.from(dc.dataSync()), [0, 0]);
  assert.deepEqual(Array.from(da.dataSync()), [1, 0]);
  assert.deepEqual(Array.from(db.dataSync()), [0, 1]);
});

test('an int32 source gets a float32 gradient, as in TF.js: through a cast, or zeros', () => {
  const n = tw.tensor([1, 2, 3], [3], 'int32');
  const g = tw.grad((v) => v.toFloat().square().sum())(n);
  assert.equal(g.dtype, 'float32');
  assert.deepEqual(Array.from(g.dataSync()), [2, 4, 6]);
  const z = tw.grad((v) => tw.oneHot(v, 4).toFloat().sum())(n);
  assert.equal(z.dtype, 'float32');
  assert.deepEqual(Array.from(z.dataSync()), [0, 0, 0]);
});

test('gradient functions take TensorLikes for the sources and dy, as TF.js converts them', () => {
  const before = tw.memory().numTensors;
  const g = tw.grad((x) => x.square())(3, 2);
  assert.deepEqual(Array.from(g.dataSync()), [12]);
  const [da, db] = tw.grads((a, b) => tw.div(a, b))([5, 2]);
  assert.deepEqual([da.dataSync()[0], db.dataSync()[0]], [0.5, -1.25]);
  const { value, grad: ones } = tw.valueAndGrad((x) => x)([1, 2]); // f returning the converted source itself
  assert.deepEqual(Array.from(value.dataSync()), [1, 2]);
  tw.dispose([g, da, db, value, ones]);
  assert.equal(tw.memory().numTensors, before);
  assert.throws(() => tw.grad((x) => x)({}), /Argument 'x' passed to 'tf.grad' must be a Tensor or TensorLike/);
});

test('gradients survive tidy and dispose inside f', () => {
  const x = tw.tensor([0.5, -1]);
  const g = tw.grad((v) => {
    const h = tw.tidy(() => v.exp());
    const y = h.mul(v).sum();
    h.dispose();
    return y;
  })(x);
  close(g.dataSync(), [Math.exp(0.5) * 1.5, 0]);
});

test('second-order gradients', () => {
  const x = tw.scalar(2);
  const d2 = tw.grad((v) => tw.grad((u) => u.pow(3))(v))(x);
  close(d2.dataSync(), [12]);
  const dd = tw.grad((v) => tw.grad((u) => u.sin())(v))(x);
  close(dd.dataSync(), [-Math.sin(2)]);
});

test('customGrad replaces the gradient of its forward pass', () => {
  const f = tw.customGrad((x, save) => {
    save([x]);
    return { value: x.square(), gradFunc: (dy, [saved]) => dy.mul(saved).mul(3) };
  });
  const x = tw.tensor([1, 2]);
  close(f(x).dataSync(), [1, 4]);
  close(tw.grad((v) => f(v).sum())(x).dataSync(), [3, 6]);
  // Chained with ordinary ops on both sides.
  close(tw.grad((v) => f(v.mul(2)).sum())(x).dataSync(), [12, 24]);
});

test('variableGrads differentiates trainable variables by name', () => {
  const w = tw.variable(tw.tensor([1, 2]), true, 'vg_w');
  const frozen = tw.variable(tw.tensor([3, 4]), false, 'vg_frozen');
  const { value, grads } = tw.variableGrads(() => w.mul(frozen).sum());
  close(value.dataSync(), [11]);
  assert.ok(!('vg_frozen' in grads));
  close(grads.vg_w.dataSync(), [3, 4]);
  assert.throws(() => tw.variable(tw.tensor([1]), true, 'vg_w'), /already exists/);
  assert.throws(() => tw.variableGrads(() => w.mul(2)), /scalar/);
  tw.dispose([w, frozen, value, grads]);
});

test('variableGradsAsync keeps the tape open across awaits, and leaves nothing behind', async () => {
  const w = tw.variable(tw.tensor([1, 2, 3]), true, 'async_w');
  const x = tw.tensor([4, 5, 6]);
  const before = tw.memory().numTensors;
  const { value, grads } = await tw.variableGradsAsync(async () => {
    const y = w.mul(x);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const loss = tw.tidy(() => y.square().sum());
    y.dispose(); // the tape holds what the gradient needs
    return loss;
  });
  close(value.dataSync(), [16 + 100 + 324]);
  close(grads.async_w.dataSync(), [32, 100, 216]);
  tw.dispose([value, grads]);
  assert.equal(tw.memory().numTensors, before);
  await assert.rejects(tw.variableGradsAsync(async () => tw.tidy(() => w.sum().reshape([1]))), /f must return a scalar/);
  await assert.rejects(tw.variableGradsAsync(async () => {
    throw new Error('f failed');
  }), /f failed/);
  assert.equal(tw.memory().numTensors, before);
  tw.dispose([w, x]);
});

test('while variableGradsAsync records: a second is refused, its sources cannot be assigned, others\' ops are recorded but change nothing', async () => {
  const w = tw.variable(tw.tensor([1, 2]), true, 'rules_w');
  const other = tw.variable(tw.tensor([5]), true, 'rules_other');
  const before = tw.memory().numTensors;
  let resume;
  const paused = new Promise((resolve) => { resume = resolve; });
  const pending = tw.variableGradsAsync(async () => {
    const y = w.square();
    await paused;
    const loss = y.sum();
    y.dispose();
    return loss;
  }, [w]);
  await assert.rejects(tw.variableGradsAsync(async () => w.sum(), [w]), /is already being recorded; await it first: one is recorded at a time/);
  assert.throws(() => tw.tidy(() => w.assign(tw.tensor([0, 0]))),
    /assign: variable 'rules_w' is a source of the asynchronous gradient being recorded/);
  tw.tidy(() => other.assign(tw.tensor([6]))); // not one of its sources
  // another task's op on a source is recorded: the tape holds its tensors until it closes
  const open = tw.memory().numTensors;
  tw.dispose(w.mul(10));
  assert.ok(tw.memory().numTensors > open);
  // a synchronous gradient beside it is its own
  const sync = tw.variableGrads(() => w.mul(3).sum(), [w]);
  close(sync.grads.rules_w.dataSync(), [3, 3]);
  tw.dispose([sync.value, sync.grads]);
  resume();
  const { value, grads } = await pending;
  close(grads.rules_w.dataSync(), [2, 4]);
  tw.dispose([value, grads]);
  assert.equal(tw.memory().numTensors, before, 'the recorded ops were released with the tape');
  tw.tidy(() => w.assign(tw.tensor([0, 0]))); // and assigning is allowed again
  tw.dispose([w, other]);
});

test('variables: assign, tidy never disposes them', () => {
  const v = tw.variable(tw.zeros([2]), true, 'assign_me');
  tw.tidy(() => v.assign(tw.ones([2])));
  assert.deepEqual(Array.from(v.dataSync()), [1, 1]);
  assert.throws(() => v.assign(tw.ones([3])), /assign/);
  v.dispose();
});

test('1,000 tidy\'d training steps leave numTensors unchanged', () => {
  // Fit y = 3x - 1 with plain gradient descent.
  const xs = tw.tensor([[0], [1], [2], [3]]);
  const ys = tw.tensor([[-1], [2], [5], [8]]);
  const w = tw.variable(tw.zeros([1, 1]), true, 'train_w');
  const b = tw.variable(tw.zeros([1]), true, 'train_b');
  const step = () => tw.tidy(() => {
    const { value, grads } = tw.variableGrads(() => xs.mul(w.reshape([1])).add(b).squaredDifference(ys).mean());
    w.assign(w.sub(grads.train_w.mul(0.05)));
    b.assign(b.sub(grads.train_b.mul(0.05)));
    return value;
  });
  tw.dispose(step());
  const before = tw.memory();
  let loss;
  for (let i = 0; i < 1000; i++) {
    loss?.dispose();
    loss = step();
  }
  loss.dispose();
  assert.equal(tw.memory().numTensors, before.numTensors);
  assert.equal(tw.memory().numBytes, before.numBytes);
  close(w.dataSync(), [3], 1e-3);
  close(b.dataSync(), [-1], 1e-3);
  tw.dispose([w, b, xs, ys]);
});

test('a function returning its input: the gradient is dy and the input survives', () => {
  const x = tw.tensor([1, 2]);
  close(tw.grad((v) => v)(x).dataSync(), [1, 1]);
  const { value } = tw.valueAndGrad((v) => v)(x);
  value.dispose();
  assert.ok(!x.isDisposed);
});

test('the backward pass skips gradients that lead to no source (a first layer\'s input gradient)', async () => {
  tw.setBackend('cpu');
  const x = tw.randomNormal([1, 5, 5, 2], 0, 1, 'float32', 1);
  const filter = tw.variable(tw.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 2));
  const weights = tw.variable(tw.randomNormal([4, 3], 0, 1, 'float32', 3));
  const loss = (input) => tw.matMul(tw.conv2d(input, filter, 1, 'same').reshape([25, 4]), weights).sum();
  const onlyVariables = await tw.profile(() => Object.values(tw.variableGrads(() => loss(x)).grads));
  const withInput = await tw.profile(() => tw.grad(loss)(x));
  assert.ok(onlyVariables.kernelNames.includes('conv2dBackpropFilter'));
  assert.ok(!onlyVariables.kernelNames.includes('conv2dTranspose'), 'the input gradient was computed for nothing');
  assert.ok(withInput.kernelNames.includes('conv2dTranspose'), 'the input gradient is computed when asked for');
  const features = tw.randomNormal([6, 4], 0, 1, 'float32', 4);
  const head = await tw.profile(() => Object.values(tw.variableGrads(() => tw.matMul(features, weights).sum()).grads));
  assert.equal(head.kernelNames.filter((name) => name === 'matMul').length, 2,
    'the forward matMul and the weights gradient, not the constant features\' gradient');
  tw.dispose([x, features, filter, weights]);
});
