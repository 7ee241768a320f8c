// tw.io on the CPU backend: parallel shard fetches with progress, aborting the
// rest on a failure, dequantisation, browserFiles, and save/reload round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as tw from '../../../js/dist/tensorweb.js';
import { BASE, fixtureFetch, ioTensors, loadFixture, readFixtureFile, readIO } from '../graph/helpers.mjs';

await tw.setBackend('cpu');

const mobilenetJSON = JSON.parse(readFixtureFile('mobilenet/model.json'));
const mobilenetShards = mobilenetJSON.weightsManifest[0].shards;

/** A fetchFunc over the fixtures whose shard answers wait `delayMs`, tracking how many are in flight. */
function slowFetch(delayMs, replace = {}) {
  const { fetchFunc } = fixtureFetch(replace);
  const state = { inFlight: 0, mostInFlight: 0, aborted: [] };
  const slow = async (url, init) => {
    if (url.endsWith('model.json')) return fetchFunc(url, init);
    state.inFlight++;
    state.mostInFlight = Math.max(state.mostInFlight, state.inFlight);
    try {
      const wait = url.includes('shard1of') ? 0 : delayMs;
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (init?.signal?.aborted) {
        state.aborted.push(url);
        throw new DOMException('aborted', 'AbortError');
      }
      return await fetchFunc(url, init);
    } finally {
      state.inFlight--;
    }
  };
  return { fetchFunc: slow, state };
}

test('shards are fetched in parallel, with progress rising to 1', async () => {
  assert.ok(mobilenetShards.length >= 4, 'the mobilenet fixture has several shards');
  const { fetchFunc, state } = slowFetch(20);
  const fractions = [];
  const model = await tw.loadGraphModel(`${BASE}mobilenet/model.json`, { fetchFunc, onProgress: (f) => fractions.push(f) });
  assert.equal(state.mostInFlight, mobilenetShards.length);
  assert.ok(fractions.length >= mobilenetShards.length);
  fractions.forEach((f, i) => assert.ok(f >= (fractions[i - 1] ?? 0) && f <= 1, `progress ${fractions}`));
  assert.equal(fractions.at(-1), 1);
  model.dispose();
});

test('one failing shard aborts the others and leaves nothing behind', async () => {
  const before = tw.memory();
  const missing = mobilenetShards[0].path;
  const { fetchFunc, state } = slowFetch(50, { [`mobilenet/${missing}`]: null });
  await assert.rejects(tw.loadGraphModel(`${BASE}mobilenet/model.json`, { fetchFunc }), new RegExp(`shard '${missing}' is missing`));
  assert.equal(state.aborted.length, mobilenetShards.length - 1);
  assert.equal(tw.memory().numTensors, before.numTensors);
});

test('weightPathPrefix and requestInit reach the shard fetches', async () => {
  const seen = [];
  const { fetchFunc } = fixtureFetch();
  const spy = (url, init) => {
    seen.push([url, init?.headers?.['x-test']]);
    return fetchFunc(url, init);
  };
  const model = await tw.loadGraphModel(`${BASE}elsewhere/model.json`, {
    fetchFunc: (url, init) => spy(url.replace('elsewhere/', 'resnet/'), init),
    weightPathPrefix: `${BASE}resnet/`, requestInit: { headers: { 'x-test': 'yes' } },
  });
  assert.deepEqual(seen, [[`${BASE}resnet/model.json`, 'yes'], [`${BASE}resnet/group1-shard1of1.bin`, 'yes']]);
  model.dispose();
});

test('shards resolve beside model.json even when its URL has a query with slashes', async () => {
  const { fetchFunc, fetched } = fixtureFetch();
  const model = await tw.loadGraphModel(`${BASE}resnet/model.json?from=a/b`, {
    fetchFunc: (url, init) => fetchFunc(url.replace('?from=a/b', ''), init),
  });
  assert.deepEqual(fetched, [`${BASE}resnet/model.json`, `${BASE}resnet/group1-shard1of1.bin`]);
  model.dispose();
});

test('a failure while decoding releases the weights decoded before it', async () => {
  const model = JSON.parse(readFixtureFile('resnet_uint8/model.json'));
  const weights = model.weightsManifest[0].weights;
  const last = weights.findLast((w) => w.quantization);
  last.quantization.scale = [1, 2, 3];
  last.quantization.min = [0, 0, 0];
  const before = tw.memory();
  const { fetchFunc } = fixtureFetch({ 'resnet_uint8/model.json': JSON.stringify(model) });
  await assert.rejects(tw.loadGraphModel(`${BASE}resnet_uint8/model.json`, { fetchFunc }),
    new RegExp(`weight '${last.name}': quantization scale must be a number or one per entry of axis`));
  assert.equal(tw.memory().numTensors, before.numTensors);
  assert.equal(tw.memory().numBytes, before.numBytes);
});

test('uint8 and float16 weights dequantise to within half a step of the float32 weights', async () => {
  const exact = await loadFixture('resnet');
  const uint8 = await loadFixture('resnet_uint8');
  const specs = JSON.parse(readFixtureFile('resnet_uint8/model.json')).weightsManifest[0].weights;
  let quantised = 0;
  for (const spec of specs) {
    const want = exact.getWeight(spec.name).dataSync();
    const got = uint8.getWeight(spec.name).dataSync();
    const q = spec.quantization;
    const scales = q ? [q.scale].flat() : [0];
    // Per-channel scales lie along q.axis: the channel of flat index i is its coordinate on that axis.
    const axis = q?.axis ?? 0;
    const stride = spec.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    if (q) quantised++;
    got.forEach((v, i) => {
      const step = scales[scales.length === 1 ? 0 : Math.floor(i / stride) % spec.shape[axis]];
      assert.ok(Math.abs(v - want[i]) <= step / 2 + 1e-6, `${spec.name}[${i}]: ${v} vs ${want[i]} (step ${step})`);
    });
  }
  assert.ok(quantised > 0);
  const bert = await loadFixture('bert');
  const half = await loadFixture('bert_float16');
  bert.weights.forEach((weight, index) => {
    const want = weight.dataSync();
    const got = half.weights[index].dataSync();
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= Math.abs(want[i]) * 2 ** -11 + 6e-8, `${weight.name}[${i}]`));
  });
  [exact, uint8, bert, half].forEach((m) => m.dispose());
});

test('browserFiles loads model.json and its shards from File objects, and names a missing one', async () => {
  const names = ['model.json', ...mobilenetShards.map((s) => s.path)];
  const files = names.map((n) => new File([readFixtureFile(`mobilenet/${n}`)], n));
  const io = readIO('mobilenet');
  const model = await tw.loadGraphModel(tw.io.browserFiles(files));
  const x = ioTensors(io.inputs);
  const y = model.predict(x);
  assert.deepEqual(y.shape, Object.values(io.outputs)[0].shape);
  tw.dispose([x, y]);
  model.dispose();
  await assert.rejects(tw.loadGraphModel(tw.io.browserFiles(files.slice(0, -1))),
    new RegExp(`shard '${names.at(-1)}' is missing: no file named`));
});

/** predict's result (a tensor, an array or a map) as a list. */
function outputList(result) {
  return result instanceof tw.Tensor ? [result] : Array.isArray(result) ? result : Object.values(result);
}

/** Saves `model` to memory and loads it back. */
async function roundTrip(model) {
  let saved;
  const result = await model.save(tw.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { location: 'memory', modelJSONBytes: 0, weightDataBytes: artifacts.weightData.byteLength };
  }));
  assert.equal(result.weightDataBytes, saved.weightData.byteLength);
  return { saved, reloaded: await tw.loadGraphModel(tw.io.fromMemory(saved)) };
}

test('save and reload give the same outputs, quantised models included', async () => {
  for (const name of ['bert', 'resnet_uint8']) {
    const io = readIO(name);
    const model = await loadFixture(name);
    const { saved, reloaded } = await roundTrip(model);
    assert.equal(saved.modelJSON.format, 'tensorweb-graph');
    assert.ok(saved.weightSpecs.every((s) => !s.quantization), 'saved weights are the dequantised values');
    const x = ioTensors(io.inputs);
    const a = outputList(model.predict(x));
    const b = outputList(reloaded.predict(x));
    for (let k = 0; k < a.length; k++) assert.deepEqual(b[k].dataSync(), a[k].dataSync(), `${name} output ${k}`);
    assert.deepEqual(reloaded.inputs, model.inputs);
    assert.deepEqual(reloaded.outputs, model.outputs);
    tw.dispose([x, a, b]);
    model.dispose();
    reloaded.dispose();
  }
});

test('http save POSTs model.json (with length and sha256 of the weights) and the weights; loading them back works', async () => {
  const model = await loadFixture('squeezenet');
  const posted = {};
  const fetchFunc = async (url, init) => {
    if (init?.method === 'POST') {
      for (const [key, value] of init.body.entries()) posted[key] = Buffer.from(await value.arrayBuffer());
      return new Response('saved', { status: 200 });
    }
    const name = url.slice(url.lastIndexOf('/') + 1);
    return name in posted ? new Response(posted[name]) : new Response('missing', { status: 404 });
  };
  const result = await model.save(tw.io.http('http://server.test/upload/model.json', { fetchFunc }));
  assert.equal(result.responses[0].status, 200);
  const written = JSON.parse(posted['model.json']);
  const [group] = written.weightsManifest;
  assert.deepEqual(group.paths, ['model.weights.bin']);
  assert.equal(group.shards[0].byteLength, posted['model.weights.bin'].length);
  assert.equal(group.shards[0].sha256, createHash('sha256').update(posted['model.weights.bin']).digest('hex'));
  const reloaded = await tw.loadGraphModel('http://server.test/upload/model.json', { fetchFunc });
  const io = readIO('squeezenet');
  const x = ioTensors(io.inputs);
  const [a, b] = [model.predict(x), reloaded.predict(x)];
  assert.deepEqual(b.dataSync(), a.dataSync());
  tw.dispose([x, a, b]);
  model.dispose();
  reloaded.dispose();
});

test('saving where no page is, or loading from downloads://, says why it cannot', async () => {
  const model = await loadFixture('resnet');
  await assert.rejects(model.save('downloads://resnet'), /downloads:\/\/ saving needs a page/);
  await assert.rejects(model.save('indexeddb://resnet'), /indexeddb:\/\/ needs IndexedDB/);
  await assert.rejects(tw.loadGraphModel('downloads://resnet'), /downloads:\/\/ can only save/);
  model.dispose();
});

test("the caller's requestInit.signal cancels a load in flight", async () => {
  const before = tw.memory().numTensors;
  const controller = new AbortController();
  const { fetchFunc } = slowFetch(100);
  const loading = tw.loadGraphModel(`${BASE}mobilenet/model.json`, {
    fetchFunc, requestInit: { signal: controller.signal },
  });
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(loading, { name: 'AbortError' });
  assert.equal(tw.memory().numTensors, before);
});
