// Failures name what failed, and a failed load leaves tw.memory() where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { BASE, fixtureFetch, loadFixture, readFixtureFile } from './helpers.mjs';

await tw.setBackend('cpu');

const SHARD = 'group1-shard1of1.bin';

function modelJSON(name) {
  return JSON.parse(readFixtureFile(`${name}/model.json`));
}

/** Loads `name` with some files replaced, expecting a rejection matching `pattern`; memory must not move. */
async function assertLoadFails(name, replace, pattern) {
  const before = tw.memory();
  const { fetchFunc } = fixtureFetch(Object.fromEntries(Object.entries(replace).map(([k, v]) => [`${name}/${k}`, v])));
  await assert.rejects(tw.loadGraphModel(`${BASE}${name}/model.json`, { fetchFunc }), pattern);
  const after = tw.memory();
  assert.equal(after.numTensors, before.numTensors, 'tensors left behind');
  assert.equal(after.numBytes, before.numBytes, 'bytes left behind');
  assert.equal(after.numDataBuffers, before.numDataBuffers, 'buffers left behind');
}

test('a model.json of a newer major formatVersion is refused, naming formatVersion and both versions', async () => {
  const model = modelJSON('resnet');
  model.formatVersion = tw.io.FORMAT_VERSION + 1;
  await assertLoadFails('resnet', { 'model.json': JSON.stringify(model) },
    new RegExp(`formatVersion is ${tw.io.FORMAT_VERSION + 1}, newer than this runtime reads \\(${tw.io.FORMAT_VERSION}\\)`));
});

test('a model.json without a formatVersion is refused, naming the field', async () => {
  const model = modelJSON('resnet');
  delete model.formatVersion;
  await assertLoadFails('resnet', { 'model.json': JSON.stringify(model) }, /formatVersion must be a positive integer, got undefined/);
});

test('a missing model.json is named with its URL', async () => {
  await assertLoadFails('resnet', { 'model.json': null }, /model\.json is missing: .*resnet\/model\.json answered HTTP 404/);
});

test('a missing shard is named', async () => {
  await assertLoadFails('resnet', { [SHARD]: null }, new RegExp(`shard '${SHARD}' is missing: .*HTTP 404`));
});

test('a shard of the wrong length is named, shorter or longer', async () => {
  const shard = readFixtureFile(`resnet/${SHARD}`);
  await assertLoadFails('resnet', { [SHARD]: shard.subarray(0, shard.length - 4) },
    new RegExp(`shard '${SHARD}' is ${shard.length - 4} bytes long, the manifest says ${shard.length}`));
  await assertLoadFails('resnet', { [SHARD]: Buffer.concat([shard, Buffer.alloc(8)]) },
    new RegExp(`shard '${SHARD}' is longer than the ${shard.length} bytes the manifest says`));
});

test('a shard with the wrong hash is named', async () => {
  const shard = Buffer.from(readFixtureFile(`resnet/${SHARD}`));
  shard[100] ^= 1;
  await assertLoadFails('resnet', { [SHARD]: shard }, new RegExp(`shard '${SHARD}' has sha256 [0-9a-f]{64}, the manifest says`));
});

test('a manifest whose shards cannot hold its weights fails before fetching any shard', async () => {
  const model = modelJSON('resnet');
  model.weightsManifest[0].weights[0].shape[0] += 1;
  const { fetchFunc, fetched } = fixtureFetch({ 'resnet/model.json': JSON.stringify(model) });
  await assert.rejects(tw.loadGraphModel(`${BASE}resnet/model.json`, { fetchFunc }), /the manifest's shards hold \d+ bytes but its weights need \d+/);
  assert.deepEqual(fetched, [`${BASE}resnet/model.json`]);
});

test('an unknown op is named with its node, and no weight is decoded', async () => {
  const model = modelJSON('bert');
  model.topology.nodes[3].op = 'frobnicate';
  await assertLoadFails('bert', { 'model.json': JSON.stringify(model) },
    new RegExp(`unknown op 'frobnicate' at node '${model.topology.nodes[3].name}'`));
});

test('a node reading a value nothing provides is named', async () => {
  const model = modelJSON('resnet');
  model.topology.nodes[2].inputs[0] = 'nowhere';
  await assertLoadFails('resnet', { 'model.json': JSON.stringify(model) },
    new RegExp(`node '${model.topology.nodes[2].name}' reads 'nowhere'`));
});

test('a layers model is sent to loadLayersModel; broken JSON is named', async () => {
  const model = modelJSON('resnet');
  model.format = 'tensorweb-layers';
  await assertLoadFails('resnet', { 'model.json': JSON.stringify(model) }, /format 'tensorweb-layers'.*loadLayersModel/);
  await assertLoadFails('resnet', { 'model.json': '{"format": ' }, /resnet\/model\.json is not valid JSON/);
});

test('wrong input shape, dtype, name or count is named, and nothing leaks', async () => {
  const resnet = await loadFixture('resnet');
  const bert = await loadFixture('bert');
  const before = tw.memory();
  const wrongShape = tw.zeros([1, 32, 32, 3]);
  assert.throws(() => resnet.predict(wrongShape), /predict: input 'image' must have shape \[-1,3,32,32\] \(-1: any size\), got \[1,32,32,3\]/);
  const wrongRank = tw.zeros([3, 32, 32]);
  assert.throws(() => resnet.predict(wrongRank), /input 'image' must have shape/);
  const ids = tw.zeros([1, 8], 'float32');
  const mask = tw.ones([1, 8], 'int32');
  assert.throws(() => bert.predict({ input_ids: ids, attention_mask: mask }), /input 'input_ids' must be int32, got float32/);
  assert.throws(() => bert.predict({ input_id: mask, attention_mask: mask }), /no input named 'input_id'/);
  assert.throws(() => bert.predict(mask), /takes 2 inputs \(input_ids, attention_mask\)/);
  assert.throws(() => bert.predict([mask]), /takes 2 inputs, got 1/);
  assert.throws(() => bert.execute({ input_ids: mask, attention_mask: mask }, 'no_such_node'), /no node or value named 'no_such_node'/);
  tw.dispose([wrongShape, wrongRank, ids, mask]);
  assert.equal(tw.memory().numTensors, before.numTensors);
  resnet.dispose();
  bert.dispose();
});

test('a node whose shape rule rejects what reaches it is named, before any kernel runs', async () => {
  const model = modelJSON('resnet');
  const transpose = model.topology.nodes.find((n) => n.op === 'transpose');
  transpose.attrs.perm = [0, 2, 1];
  const { fetchFunc } = fixtureFetch({ 'resnet/model.json': JSON.stringify(model) });
  const broken = await tw.loadGraphModel(`${BASE}resnet/model.json`, { fetchFunc });
  const before = tw.memory();
  const x = tw.zeros([1, 3, 32, 32]);
  const { kernelNames } = await tw.profile(() => {
    assert.throws(() => broken.predict(x), new RegExp(`graph node '${transpose.name}' \\(transpose\\): .*perm`));
  });
  assert.deepEqual(kernelNames, []);
  x.dispose();
  assert.equal(tw.memory().numTensors, before.numTensors);
  broken.dispose();
});

test('a disposed model says so', async () => {
  const model = await loadFixture('resnet');
  model.dispose();
  const x = tw.zeros([1, 3, 32, 32]);
  assert.throws(() => model.predict(x), /GraphModel.predict: the model is disposed/);
  x.dispose();
});

test('a broken shape program is refused before any weight is decoded, naming the node or value at fault', async () => {
  const cases = [
    [(m) => { m.topology.nodes.find((n) => n.shapeAttrs).shapeAttrs.shape = 'nowhere'; },
      /node '.*Reshape.*': shapeAttrs\.shape names 'nowhere', which the shapeProgram lacks/],
    [(m) => { m.topology.shapeProgram[2].op = 'nonZero'; }, /shapeProgram value '.*' has unknown op 'nonZero'/],
    [(m) => { m.topology.shapeProgram[2].inputs = ['later']; }, /shapeProgram value '.*' reads 'later', which no earlier shapeProgram value is/],
    [(m) => { m.topology.shapeProgram.find((v) => v.op === 'shape').attrs.of = 'ghost'; },
      /its shapeAttrs read the shape of 'ghost', which no graph input, weight or earlier node provides/],
  ];
  for (const [change, pattern] of cases) {
    const model = modelJSON('minilm_dynamic');
    change(model);
    await assertLoadFails('minilm_dynamic', { 'model.json': JSON.stringify(model) }, pattern);
  }
});

test('a shape program that fails names its value and the graph node needing it', async () => {
  const model = modelJSON('minilm_dynamic');
  const gather = model.topology.shapeProgram.find((v) => v.op === 'gather');
  model.topology.shapeProgram.find((v) => v.name === gather.inputs[1]).attrs.values = [7];
  const { fetchFunc } = fixtureFetch({ 'minilm_dynamic/model.json': JSON.stringify(model) });
  const loaded = await tw.loadGraphModel(`${BASE}minilm_dynamic/model.json`, { fetchFunc });
  const feeds = { input_ids: tw.zeros([2, 7], 'int32'), attention_mask: tw.ones([2, 7], 'int32') };
  assert.throws(() => loaded.predict(feeds),
    new RegExp(`graph node '.*' \\(reshape\\): shape program value '${gather.name}' \\(gather\\): index 7 is outside \\[-3, 3\\)`));
  tw.dispose(Object.values(feeds));
  loaded.dispose();
});
