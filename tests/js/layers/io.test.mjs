// Layers models' save and load (js/src/layers/io.ts): the user-defined
// metadata a page attaches goes into model.json and comes back on load; the
// format's version is written and checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

function smallModel() {
  return tw.sequential({ layers: [tw.layers.dense({ units: 2, inputShape: [3], activation: 'softmax' })] });
}

/** Saves `model` in memory; resolves with the artifacts as written. */
async function saved(model) {
  let artifacts;
  await model.save(tw.io.withSaveHandler(async (written) => {
    artifacts = written;
    return { location: 'memory', modelJSONBytes: 0, weightDataBytes: written.weightData.byteLength };
  }));
  return artifacts;
}

test('userDefinedMetadata: set on a model, written into model.json, given back by loadLayersModel', async () => {
  const model = smallModel();
  assert.equal(model.getUserDefinedMetadata(), undefined);
  const classes = ['cat', 'dog'];
  model.setUserDefinedMetadata({ classes, note: { version: 2 } });
  classes.push('changed after'); // the model keeps a copy
  const artifacts = await saved(model);
  assert.deepEqual(artifacts.modelJSON.userDefinedMetadata, { classes: ['cat', 'dog'], note: { version: 2 } });
  const loaded = await tw.loadLayersModel(tw.io.fromMemory(artifacts));
  assert.deepEqual(loaded.getUserDefinedMetadata(), { classes: ['cat', 'dog'], note: { version: 2 } });
  model.dispose();
  loaded.dispose();
});

test('userDefinedMetadata: a model without it saves none; unset again with undefined', async () => {
  const model = smallModel();
  assert.equal('userDefinedMetadata' in (await saved(model)).modelJSON, false);
  model.setUserDefinedMetadata({ a: 1 });
  model.setUserDefinedMetadata(undefined);
  assert.equal('userDefinedMetadata' in (await saved(model)).modelJSON, false);
});

test('userDefinedMetadata: what is not a JSON object is refused with a named error', async () => {
  const model = smallModel();
  assert.throws(() => model.setUserDefinedMetadata(['a']), /must be a plain object, got an array/);
  assert.throws(() => model.setUserDefinedMetadata(7), /must be a plain object, got 7/);
  const loop = {};
  loop.self = loop;
  assert.throws(() => model.setUserDefinedMetadata(loop), /cannot be written as JSON/);
  const artifacts = await saved(model);
  artifacts.modelJSON.userDefinedMetadata = 'classes';
  await assert.rejects(tw.loadLayersModel(tw.io.fromMemory(artifacts)), /userDefinedMetadata is not an object/);
});

test('formatVersion: a saved model carries this runtime\'s version; a newer major one is refused by loadLayersModel', async () => {
  const artifacts = await saved(smallModel());
  assert.equal(artifacts.modelJSON.formatVersion, tw.io.FORMAT_VERSION);
  artifacts.modelJSON.formatVersion = tw.io.FORMAT_VERSION + 1;
  await assert.rejects(tw.loadLayersModel(tw.io.fromMemory(artifacts)),
    new RegExp(`loadLayersModel: model.json's formatVersion is ${tw.io.FORMAT_VERSION + 1}, newer than this runtime reads`));
});
