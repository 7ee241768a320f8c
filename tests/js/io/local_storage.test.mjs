// localstorage:// (js/src/io/local_storage.ts) on the CPU backend, over an
// in-memory localStorage that enforces a quota as browsers do: round trips of
// a layers model and a graph model, TF.js 4.22's own handler reading what
// tensorweb wrote and the reverse (same keys, same values), a save over the
// quota leaving the keys as they were, missing and incomplete models named in
// errors, and tw.io.listModels / removeModel.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tw from '../../../js/dist/tensorweb.js';
import { assertClose, ioTensors, loadFixture, readIO } from '../graph/helpers.mjs';

/** Storage as browsers implement it: string values, and a QuotaExceededError past `quota` characters of keys and values. */
class QuotaStorage {
  #items = new Map();

  constructor(quota) {
    this.quota = quota;
  }

  get length() {
    return this.#items.size;
  }

  key(i) {
    return [...this.#items.keys()][i] ?? null;
  }

  getItem(key) {
    return this.#items.get(key) ?? null;
  }

  setItem(key, value) {
    const text = String(value);
    const used = [...this.#items].reduce((total, [k, v]) => total + (k === key ? 0 : k.length + v.length), 0);
    if (used + key.length + text.length > this.quota) {
      throw new DOMException(`Setting the value of '${key}' exceeded the quota.`, 'QuotaExceededError');
    }
    this.#items.set(key, text);
  }

  removeItem(key) {
    this.#items.delete(key);
  }

  clear() {
    this.#items.clear();
  }

  entries() {
    return Object.fromEntries(this.#items);
  }
}

const storage = new QuotaStorage(1 << 20);
globalThis.localStorage = storage;
// TF.js reads window.localStorage, and only where it believes it is in a browser (not in node).
globalThis.window = { localStorage: storage };
tf.env().set('IS_BROWSER', true);
tf.env().set('IS_NODE', false);
await tf.setBackend('cpu');
await tw.setBackend('cpu');

afterEach(() => storage.clear());

const KEYS = (name) => ['info', 'model_topology', 'weight_specs', 'weight_data', 'model_metadata'].map((s) => `tensorflowjs_models/${name}/${s}`).sort();

/** A small sequential model in tensorweb and the same one (same weights) in TF.js. */
function twModel() {
  tw.layers.setSeed(3);
  const model = tw.sequential({ layers: [
    tw.layers.dense({ units: 5, inputShape: [4], activation: 'relu', name: 'hidden' }),
    tw.layers.dense({ units: 2, activation: 'softmax', name: 'out' }),
  ] });
  return model;
}

const INPUT = [[0.5, -1, 2, 0.25], [-0.3, 0.8, 0.1, -2]];

async function predictTw(model) {
  const x = tw.tensor(INPUT);
  const y = model.predict(x);
  const values = Array.from(await y.data());
  tw.dispose([x, y]);
  return values;
}

async function predictTf(model) {
  const x = tf.tensor(INPUT);
  const y = model.predict(x);
  const values = Array.from(await y.data());
  tf.dispose([x, y]);
  return values;
}

test('a layers model saved to localstorage:// loads back with the same weights and outputs', async () => {
  const model = twModel();
  const result = await model.save('localstorage://layers/one');
  assert.equal(result.location, 'localstorage://layers/one');
  assert.deepEqual(Object.keys(storage.entries()).sort(), KEYS('layers/one'));
  const reloaded = await tw.loadLayersModel('localstorage://layers/one');
  assert.deepEqual(await predictTw(reloaded), await predictTw(model));
  assert.deepEqual(reloaded.layers.map((l) => l.name), ['hidden', 'out']);
  model.dispose();
  reloaded.dispose();
});

test('a graph model (uint8-quantised weights) saved to localstorage:// loads back and predicts the same', async () => {
  const model = await loadFixture('resnet_uint8');
  await model.save('localstorage://graph');
  const metadata = JSON.parse(storage.getItem('tensorflowjs_models/graph/model_metadata'));
  assert.equal(metadata.format, 'tensorweb-graph');
  // tensorweb's graph keeps its graph under `topology`, not TF.js's modelTopology.
  assert.equal(storage.getItem('tensorflowjs_models/graph/model_topology'), 'null');
  const reloaded = await tw.loadGraphModel('localstorage://graph');
  const io = readIO('resnet_uint8');
  const feeds = ioTensors(io.inputs);
  const output = reloaded.predict(feeds);
  const expected = Object.values(io.outputs)[0];
  assertClose(Array.from(await output.data()), expected.values, io.tolerance, 'resnet_uint8 from localStorage');
  assert.deepEqual((await reloaded.getArtifacts()).weightSpecs, (await model.getArtifacts()).weightSpecs);
  tw.dispose([feeds, output]);
  model.dispose();
  reloaded.dispose();
});

test('a layers model TF.js saved to localstorage:// loads in tensorweb with the same outputs, and the reverse', async () => {
  const model = twModel();
  await model.save('localstorage://from-tw');
  const fromTw = await tfl.loadLayersModel('localstorage://from-tw');
  assertClose(await predictTf(fromTw), await predictTw(model), { rtol: 1e-6, atol: 1e-6 }, 'TF.js loading tensorweb\'s save');

  await fromTw.save('localstorage://from-tf');
  // The same five keys, written by TF.js's handler this time.
  assert.deepEqual(Object.keys(storage.entries()).filter((k) => k.includes('/from-tf/')).sort(), KEYS('from-tf'));
  assert.equal(storage.getItem('tensorflowjs_models/from-tf/weight_data'), storage.getItem('tensorflowjs_models/from-tw/weight_data'));
  assert.equal(JSON.parse(storage.getItem('tensorflowjs_models/from-tf/model_metadata')).format, 'layers-model');
  const fromTf = await tw.loadLayersModel('localstorage://from-tf');
  assertClose(await predictTw(fromTf), await predictTf(fromTw), { rtol: 1e-6, atol: 1e-6 }, 'tensorweb loading TF.js\'s save');
  model.dispose();
  fromTw.dispose();
  fromTf.dispose();
});

test('graph-model artifacts pass between TF.js\'s handler and tensorweb\'s unchanged', async () => {
  const weightData = new Float32Array([1.5, -2, 3.25, 0]).buffer;
  const tfArtifacts = {
    modelTopology: { node: [{ name: 'x', op: 'Placeholder' }], versions: { producer: 1 } },
    format: 'graph-model', generatedBy: '2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0',
    signature: { inputs: { x: { name: 'x:0' } } }, modelInitializer: { node: [] }, userDefinedMetadata: { note: 'kept' },
    weightSpecs: [{ name: 'w', shape: [2, 2], dtype: 'float32' }], weightData,
  };
  await tf.io.getSaveHandlers('localstorage://tf-graph')[0].save(tfArtifacts);
  const loaded = await tw.io.loadHandlerFor('localstorage://tf-graph').load();
  const { weightSpecs: specs, weightData: data, ...fields } = tfArtifacts;
  assert.deepEqual(loaded.modelJSON, fields);
  assert.deepEqual(loaded.weightSpecs, specs);
  assert.deepEqual(new Uint8Array(loaded.weightData), new Uint8Array(data));

  await tw.io.saveHandlerFor('localstorage://tw-graph').save(loaded);
  for (const suffix of ['model_topology', 'weight_specs', 'weight_data']) {
    assert.equal(storage.getItem(`tensorflowjs_models/tw-graph/${suffix}`), storage.getItem(`tensorflowjs_models/tf-graph/${suffix}`), suffix);
  }
  const back = await tf.io.getLoadHandlers('localstorage://tw-graph')[0].load();
  assert.deepEqual({ ...back, weightData: new Uint8Array(back.weightData) }, { ...tfArtifacts, weightData: new Uint8Array(weightData) });
});

test('a save past the quota rejects naming the model and its sizes, and leaves the keys as they were', async () => {
  const big = tw.sequential({ layers: [tw.layers.dense({ units: 100, inputShape: [100] })] });
  const small = twModel();
  const tiny = new QuotaStorage(20_000);
  globalThis.localStorage = tiny;
  try {
    await assert.rejects(big.save('localstorage://big'),
      /could not save model 'big' to localStorage \(QuotaExceededError: .*weight data 40400 bytes as base64\) probably exceed the origin's quota/);
    assert.deepEqual(tiny.entries(), {});

    await small.save('localstorage://kept');
    const before = tiny.entries();
    await assert.rejects(big.save('localstorage://kept'), /could not save model 'kept'/);
    assert.deepEqual(tiny.entries(), before);
    const reloaded = await tw.loadLayersModel('localstorage://kept');
    assert.deepEqual(await predictTw(reloaded), await predictTw(small));
    reloaded.dispose();
  } finally {
    globalThis.localStorage = storage;
    big.dispose();
    small.dispose();
  }
});

test('loading a missing or incomplete model rejects naming the key', async () => {
  await assert.rejects(tw.loadLayersModel('localstorage://nothing'),
    /no model named 'nothing' in localStorage \(no key 'tensorflowjs_models\/nothing\/info'/);
  const model = twModel();
  await model.save('localstorage://partial');
  storage.removeItem('tensorflowjs_models/partial/weight_data');
  await assert.rejects(tw.loadLayersModel('localstorage://partial'),
    /model 'partial' in localStorage is incomplete: key 'tensorflowjs_models\/partial\/weight_data' is missing/);
  storage.setItem('tensorflowjs_models/partial/weight_data', '#not base64#');
  await assert.rejects(tw.loadLayersModel('localstorage://partial'), /key 'tensorflowjs_models\/partial\/weight_data' is not base64/);
  storage.setItem('tensorflowjs_models/partial/weight_specs', '[{');
  await assert.rejects(tw.loadLayersModel('localstorage://partial'), /key 'tensorflowjs_models\/partial\/weight_specs' is not valid JSON/);
  model.dispose();
});

test('without localStorage, localstorage:// says so and listModels lists none there', async () => {
  const model = twModel();
  delete globalThis.localStorage;
  try {
    await assert.rejects(model.save('localstorage://x'), /localstorage:\/\/ needs localStorage, which this environment lacks/);
    await assert.rejects(tw.loadLayersModel('localstorage://x'), /localstorage:\/\/ needs localStorage/);
    assert.deepEqual(await tw.io.listModels(), {});
  } finally {
    globalThis.localStorage = storage;
    model.dispose();
  }
  assert.throws(() => tw.io.loadHandlerFor('localstorage://'), /localstorage:\/\/ needs a model name/);
});

test('tw.io.listModels and removeModel cover localstorage:// models, TF.js\'s included', async () => {
  const model = twModel();
  const saved = await model.save('localstorage://listed');
  const tfModel = await tfl.loadLayersModel('localstorage://listed');
  await tfModel.save('localstorage://by/tfjs');
  const listed = await tw.io.listModels();
  assert.deepEqual(Object.keys(listed).sort(), ['localstorage://by/tfjs', 'localstorage://listed']);
  const info = listed['localstorage://listed'];
  assert.ok(info.dateSaved instanceof Date && !Number.isNaN(info.dateSaved.getTime()));
  assert.equal(info.modelTopologyType, 'JSON');
  assert.equal(info.weightDataBytes, saved.weightDataBytes);
  assert.ok(listed['localstorage://by/tfjs'].dateSaved instanceof Date);

  const removed = await tw.io.removeModel('localstorage://by/tfjs');
  assert.equal(removed.weightDataBytes, info.weightDataBytes);
  assert.deepEqual(Object.keys(storage.entries()).sort(), KEYS('listed'));
  await assert.rejects(tw.io.removeModel('localstorage://by/tfjs'), /no model is kept under localstorage:\/\/by\/tfjs/);
  model.dispose();
  tfModel.dispose();
});
