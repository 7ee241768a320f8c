// tw.data pipelines: every stage's elements, sizes, seeded shuffling,
// re-iteration, and that pipelines dispose what they consume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

const values = async (dataset) => (await dataset.toArray()).map((e) => (e instanceof tw.Tensor ? e.arraySync() : e));

test('array, map, filter, take, skip, repeat, concatenate', async () => {
  const ds = tw.data.array([1, 2, 3, 4, 5]);
  assert.equal(ds.size, 5);
  assert.deepEqual(await values(ds.map((x) => x * 10)), [10, 20, 30, 40, 50]);
  assert.deepEqual(await values(ds.filter((x) => x % 2 === 1)), [1, 3, 5]);
  assert.deepEqual(await values(ds.take(2)), [1, 2]);
  assert.deepEqual(await values(ds.skip(3)), [4, 5]);
  assert.equal(ds.skip(3).size, 2);
  assert.deepEqual(await values(ds.take(2).repeat(3)), [1, 2, 1, 2, 1, 2]);
  assert.deepEqual(await values(ds.repeat().take(7)), [1, 2, 3, 4, 5, 1, 2]);
  assert.equal(ds.repeat().size, Infinity);
  await assert.rejects(ds.repeat().toArray(), /endless/);
  assert.deepEqual(await values(ds.take(1).concatenate(ds.skip(4))), [1, 5]);
  // A dataset is re-iterable: every pass starts over.
  assert.deepEqual(await values(ds), await values(ds));
});

test('batch stacks tensors, numbers and objects; smallLastBatch', async () => {
  const ds = tw.data.array([0, 1, 2, 3, 4].map((i) => ({ x: tw.tensor([i, i + 0.5]), y: i })));
  const batches = await ds.batch(2).toArray();
  assert.equal(batches.length, 3);
  assert.deepEqual(batches[0].x.arraySync(), [[0, 0.5], [1, 1.5]]);
  assert.deepEqual(batches[0].y.arraySync(), [0, 1]);
  assert.deepEqual(batches[2].x.shape, [1, 2]);
  assert.equal((await ds.batch(2, false).toArray()).length, 2);
  assert.equal(ds.batch(2).size, 3);
  assert.equal(ds.batch(2, false).size, 2);
  assert.deepEqual((await tw.data.array([[1, 2], [3, 4], [5, 6]]).batch(3).toArray())[0].arraySync(), [[1, 2], [3, 4], [5, 6]]);
  assert.throws(() => ds.batch(0), /batchSize must be a positive integer/);
});

test('zip of arrays and objects ends with the shortest', async () => {
  const a = tw.data.array([1, 2, 3]);
  const b = tw.data.array(['x', 'y']);
  assert.deepEqual(await values(tw.data.zip([a, b])), [[1, 'x'], [2, 'y']]);
  assert.deepEqual(await values(tw.data.zip({ n: a, s: b })), [{ n: 1, s: 'x' }, { n: 2, s: 'y' }]);
  assert.equal(tw.data.zip([a, b]).size, 2);
});

test('generator: sync and async iterators, one call per pass', async () => {
  let calls = 0;
  const ds = tw.data.generator(function* () {
    calls++;
    for (let i = 0; i < 3; i++) yield i;
  });
  assert.deepEqual(await values(ds), [0, 1, 2]);
  assert.deepEqual(await values(ds.repeat(2)), [0, 1, 2, 0, 1, 2]);
  assert.equal(calls, 3);
  const slow = tw.data.generator(async function* () {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 1));
      yield { v: i };
    }
  });
  assert.deepEqual(await values(slow.map((e) => e.v)), [0, 1, 2]);
  assert.equal(ds.size, null);
  assert.throws(() => tw.data.generator([1, 2]), /pass a function/);
});

test('shuffle is a seeded permutation; it reshuffles per pass unless told not to', async () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const ds = tw.data.array(items).shuffle(50, 42);
  const first = await values(ds);
  const second = await values(ds);
  assert.deepEqual([...first].sort((p, q) => p - q), items);
  assert.notDeepEqual(first, items);
  assert.notDeepEqual(first, second);
  assert.deepEqual(await values(tw.data.array(items).shuffle(50, 42)), first, 'same seed, same first pass');
  assert.notDeepEqual(await values(tw.data.array(items).shuffle(50, 43)), first);
  const fixed = tw.data.array(items).shuffle(50, 7, false);
  assert.deepEqual(await values(fixed), await values(fixed));
  // A small buffer only moves elements locally: element v comes out no earlier than position v - bufferSize + 1.
  const local = await values(tw.data.array(items).shuffle(5, 1));
  local.forEach((v, pos) => assert.ok(pos >= v - 4, `${v} came out at ${pos}`));
  assert.deepEqual([...local].sort((p, q) => p - q), items);
});

test('prefetch yields the same elements; forEachAsync visits them in order', async () => {
  const ds = tw.data.array([1, 2, 3, 4]).prefetch(2);
  assert.deepEqual(await values(ds), [1, 2, 3, 4]);
  const seen = [];
  await ds.forEachAsync((e) => { seen.push(e); });
  assert.deepEqual(seen, [1, 2, 3, 4]);
  const it = await ds.iterator();
  assert.deepEqual(await it.next(), { value: 1, done: false });
});

test('a full pipeline over tensors leaks nothing, even when stopped early', async () => {
  const source = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => tw.tensor([i, -i]));
  const before = tw.memory().numTensors;
  const pipeline = tw.data.array(source)
    .map((x) => x.mul(2))
    .filter((x) => x.dataSync()[0] !== 4)
    .shuffle(4, 3)
    .batch(3)
    .prefetch(2);
  const batches = await pipeline.toArray();
  assert.deepEqual(batches.map((b) => b.shape[0]), [3, 3, 1]);
  const all = batches.flatMap((b) => b.arraySync().map((row) => row[0])).sort((p, q) => p - q);
  assert.deepEqual(all, [0, 2, 6, 8, 10, 12, 14]);
  tw.dispose(batches);
  await pipeline.take(1).forEachAsync((b) => b.dispose());
  await tw.data.array(source).skip(3).take(2).forEachAsync((b) => b.dispose());
  await tw.data.zip([tw.data.array(source), tw.data.array(source.slice(0, 2))]).forEachAsync((pair) => tw.dispose(pair));
  assert.equal(tw.memory().numTensors, before);
  assert.ok(source.every((t) => !t.isDisposed), 'the source tensors belong to the caller');
});

test('webcam and microphone outside a browser page say what they need', async () => {
  await assert.rejects(tw.data.webcam(), /navigator\.mediaDevices\.getUserMedia/);
  await assert.rejects(tw.data.microphone(), /navigator\.mediaDevices\.getUserMedia/);
});
