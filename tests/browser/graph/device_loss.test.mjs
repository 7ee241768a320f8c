// Device loss during work (issue 20): the WebGPU device destroyed in the
// middle of a converted graph's fit, while loadGraphModel downloads shards,
// and while it uploads weights. Where results are lost the caller gets an
// error saying the device was lost and naming the model; the backend acquires
// a new device; nothing is left behind once the caller disposes what it
// holds; and loading the model again gives the right outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../helper.mjs';
import { assertClose, readIO } from '../../js/graph/helpers.mjs';

const URL_OF = '/tests/fixtures/graph/resnet/model.json';

const shared = sharedWebGpuPage(async (opened) => {
  // Shared by both tests: the device destroyed at once (as a driver reset would), and a run of the reloaded model.
  await opened.run(async () => {
    window.loseDevice = async (tw) => {
      const backend = tw.engine().findBackend('webgpu');
      const { lost } = backend.device;
      backend.device.destroy();
      await lost;
    };
    window.predictFixture = async (tw, model, io) => {
      const [[name, v]] = Object.entries(io.inputs);
      const x = tw.tensor(v.values, v.shape, v.dtype);
      try {
        const y = model.predict({ [name]: x });
        const values = Array.from(await y.data());
        y.dispose();
        return values;
      } finally {
        x.dispose();
      }
    };
  });
});

function expectedOutput(io) {
  return Object.values(io.outputs)[0].values;
}

test('webgpu device lost in the middle of fit: fit rejects naming the model, the backend recovers, a reload trains and predicts', async (t) => {
  const io = readIO('resnet');
  const r = await shared.page.run(async (tw, { url, io }) => {
    const backend = tw.engine().findBackend('webgpu');
    const baseline = tw.memory().numTensors;
    const model = await tw.loadGraphModel(url);
    const x = tw.randomNormal([8, 3, 32, 32], 0, 1, 'float32', 1);
    const y = tw.tidy(() => tw.oneHot(tw.tensor([0, 1, 2, 3, 4, 5, 6, 7], [8], 'int32'), 10));
    const optimizer = tw.train.adam(0.01);
    const batches = [];
    let fitError = '';
    try {
      await model.fit(x, y, {
        loss: 'categoricalCrossentropy', optimizer, epochs: 2, batchSize: 2, shuffle: false,
        callbacks: { onBatchEnd: async (batch) => {
          batches.push(batch);
          if (batches.length === 2) await window.loseDevice(tw);
        } },
      });
    } catch (error) {
      fitError = error.message;
    }
    await backend.restored();
    // The old model's trained weights were computed on the lost device: using it says so.
    let staleError = '';
    try {
      await window.predictFixture(tw, model, io);
    } catch (error) {
      staleError = error.message;
    }
    tw.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
    const leftAfterLoss = tw.memory().numTensors - baseline;

    const reloaded = await tw.loadGraphModel(url);
    const values = await window.predictFixture(tw, reloaded, io);
    const x2 = tw.randomNormal([4, 3, 32, 32], 0, 1, 'float32', 2);
    const y2 = tw.tidy(() => tw.oneHot(tw.tensor([0, 1, 2, 3], [4], 'int32'), 10));
    const optimizer2 = tw.train.adam(0.01);
    const history = await reloaded.fit(x2, y2, { loss: 'categoricalCrossentropy', optimizer: optimizer2, epochs: 3, batchSize: 4 });
    tw.dispose([x2, y2]);
    optimizer2.dispose();
    reloaded.dispose();
    return { batches, fitError, staleError, leftAfterLoss, values, losses: history.history.loss, left: tw.memory().numTensors - baseline };
  }, { url: URL_OF, io });
  t.diagnostic(`fit: ${r.fitError}`);
  t.diagnostic(`stale model: ${r.staleError}`);
  assert.deepEqual(r.batches, [0, 1], 'fit stopped at the batch after the loss');
  assert.match(r.fitError, /model '\/tests\/fixtures\/graph\/resnet\/model\.json': (fit|graph node '[^']+' \(\w+\)): the WebGPU device was lost \(destroyed.*\); the backend is re-initialising/);
  assert.match(r.staleError, /model '\/tests\/fixtures\/graph\/resnet\/model\.json': graph node .*computed on a WebGPU device that was lost; its values are gone/);
  assert.equal(r.leftAfterLoss, 0, 'disposing what the caller held leaves no tensor');
  assertClose(r.values, expectedOutput(io), io.tolerance, 'reloaded resnet');
  assert.ok(r.losses.at(-1) < r.losses[0], `the reloaded model trains: ${r.losses}`);
  assert.equal(r.left, 0);
});

test('webgpu device lost while loadGraphModel downloads the shards: the load waits for the new device and succeeds', async () => {
  const io = readIO('resnet');
  const values = await shared.page.run(async (tw, { url, io }) => {
    const fetchFunc = async (resource, init) => {
      if (String(resource).endsWith('.bin')) await window.loseDevice(tw);
      return fetch(resource, init);
    };
    const model = await tw.loadGraphModel(url, { fetchFunc });
    const values = await window.predictFixture(tw, model, io);
    model.dispose();
    return values;
  }, { url: URL_OF, io });
  assertClose(values, expectedOutput(io), io.tolerance, 'resnet loaded across a device loss');
});

test('webgpu device lost while loadGraphModel uploads the weights: weights dequantised there fail the load by name and leave nothing; uploaded and packed ones survive; reloads work', async (t) => {
  const ios = { resnet_uint8: readIO('resnet_uint8'), resnet: readIO('resnet') };
  const r = await shared.page.run(async (tw, ios) => {
    const backend = tw.engine().findBackend('webgpu');
    // The device destroyed at the 5th weight upload, in the middle of the synchronous decode.
    const loadLosingDevice = async (name, options) => {
      const write = backend.write;
      let uploads = 0;
      backend.write = function (...args) {
        if (++uploads === 5) this.device.destroy();
        return write.apply(this, args);
      };
      try {
        return await tw.loadGraphModel(`/tests/fixtures/graph/${name}/model.json`, options);
      } finally {
        backend.write = write;
      }
    };
    const baseline = { tensors: tw.memory().numTensors, bytes: tw.memory().numBytes };
    let loadError = '';
    try {
      await loadLosingDevice('resnet_uint8', { dequantizeWeights: true });
    } catch (error) {
      loadError = error.message;
    }
    const afterFailure = { tensors: tw.memory().numTensors, bytes: tw.memory().numBytes };
    await tw.ready(); // the backend has its new device
    const reloaded = await tw.loadGraphModel('/tests/fixtures/graph/resnet_uint8/model.json');
    const quantised = await window.predictFixture(tw, reloaded, ios.resnet_uint8);
    reloaded.dispose();
    // float32 weights keep their uploaded values on the CPU, so they go up again on the new device.
    const survivor = await loadLosingDevice('resnet');
    await tw.ready();
    const float32 = await window.predictFixture(tw, survivor, ios.resnet);
    survivor.dispose();
    // Packed weights (the default) keep their codes on the CPU, so they too go up again.
    const packed = await loadLosingDevice('resnet_uint8');
    await tw.ready();
    const packedOutput = await window.predictFixture(tw, packed, ios.resnet_uint8);
    packed.dispose();
    return { loadError, baseline, afterFailure, quantised, float32, packedOutput, left: tw.memory().numTensors - baseline.tensors };
  }, ios);
  t.diagnostic(`load: ${r.loadError}`);
  assert.match(r.loadError, /loading model '\/tests\/fixtures\/graph\/resnet_uint8\/model\.json': the device was lost while its weights were decoded, and \d+ weight\(s\) computed there are gone \([^)]+\); the backend is re-initialising: load the model again/);
  assert.deepEqual(r.afterFailure, r.baseline, 'the failed load left no tensor behind');
  assertClose(r.quantised, expectedOutput(ios.resnet_uint8), ios.resnet_uint8.tolerance, 'resnet_uint8 reloaded');
  assertClose(r.float32, expectedOutput(ios.resnet), ios.resnet.tolerance, 'resnet loaded across the loss');
  assertClose(r.packedOutput, expectedOutput(ios.resnet_uint8), ios.resnet_uint8.tolerance, 'resnet_uint8 loaded packed across the loss');
  assert.equal(r.left, 0);
});
