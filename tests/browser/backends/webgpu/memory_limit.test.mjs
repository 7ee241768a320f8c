// Memory pressure (issue 20): with setLimits({ maxMemoryBytes }) below what
// a second model needs, loading it or running a model past the limit fails
// with an error naming the model, the weight or graph node and op, and the
// bytes asked; nothing already loaded is damaged, nothing is left behind,
// and once a model is disposed the same load succeeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../../helper.mjs';
import { assertClose, readIO } from '../../../js/graph/helpers.mjs';

const shared = sharedWebGpuPage();

test('webgpu maxMemoryBytes: loads and runs past the limit fail by name; the loaded model is intact; after disposing, the load succeeds', async (t) => {
  const ios = { bert: readIO('bert'), torch_convnet: readIO('torch_convnet') };
  const r = await shared.page.run(async (tw, ios) => {
    const backend = tw.engine().findBackend('webgpu');
    const limits = backend.limits;
    const url = (name) => `/tests/fixtures/graph/${name}/model.json`;
    const feedsOf = (name, batch = 1) => tw.tidy(() => Object.fromEntries(Object.entries(ios[name].inputs).map(([k, v]) => {
      const t = tw.tensor(v.values, v.shape, v.dtype);
      return [k, batch === 1 ? t : tw.tile(t, [batch, ...v.shape.slice(1).map(() => 1)])];
    })));
    const predict = async (model, name, feeds) => {
      const out = model.predict(feeds);
      const first = out instanceof tw.Tensor ? out : out[Object.keys(ios[name].outputs)[0]];
      const values = Array.from(await first.data());
      tw.dispose(out);
      return values;
    };
    const attempt = async (fn) => {
      try {
        await fn();
        return 'succeeded';
      } catch (error) {
        return error.message;
      }
    };
    const counts = () => ({ tensors: tw.memory().numTensors, bytes: tw.memory().numBytes, gpuBytes: tw.memory().backends.webgpu.numBytes });

    const bert = await tw.loadGraphModel(url('bert'));
    const feeds = feedsOf('bert');
    const bigFeeds = feedsOf('bert', 64);
    const alone = await predict(bert, 'bert', feeds);
    // What the live tensors hold (BERT's weights, the feeds), with the pool emptied, and 48 KiB for runs:
    // BERT runs within it by reusing buffers, the ConvNet's 72 KB of weights do not fit.
    backend.setLimits({ maxPooledBytes: 0 });
    backend.submit();
    backend.setLimits({ maxPooledBytes: limits.maxPooledBytes });
    const limit = backend.memory().allocatedBytes + 48 * 1024;
    backend.setLimits({ maxMemoryBytes: limit });
    const before = counts();
    const loadError = await attempt(async () => {
      window.other = await tw.loadGraphModel(url('torch_convnet'));
    });
    const afterFailedLoad = counts();
    const runError = await attempt(() => predict(bert, 'bert', bigFeeds));
    const afterFailedRun = counts();
    const again = await predict(bert, 'bert', feeds);
    const uploadError = await attempt(async () => tw.tensor(new Float32Array(limit / 4)).dispose());
    bert.dispose();
    tw.dispose([feeds, bigFeeds]);
    const reload = await attempt(async () => {
      window.other = await tw.loadGraphModel(url('torch_convnet'));
    });
    const maxHeld = backend.memory().allocatedBytes;
    // Its runs need more than the limit leaves: lifted, the model loaded under it gives the right values.
    backend.setLimits(limits);
    let other = null;
    if (reload === 'succeeded') {
      const otherFeeds = feedsOf('torch_convnet');
      other = await predict(window.other, 'torch_convnet', otherFeeds);
      tw.dispose(otherFeeds);
      window.other.dispose();
    }
    return { limit, loadError, runError, uploadError, before, afterFailedLoad, afterFailedRun, alone, again, reload, other, maxHeld };
  }, ios);
  t.diagnostic(`load: ${r.loadError}`);
  t.diagnostic(`run: ${r.runError}`);
  assert.match(r.loadError, /loading model '\/tests\/fixtures\/graph\/torch_convnet\/model\.json': weight '[^']+': WebGPU memory limit: \d+ bytes asked for an upload or a readback, with \d+ bytes held .* and maxMemoryBytes \d+/);
  assert.ok(r.loadError.includes(`maxMemoryBytes ${r.limit}`), r.loadError);
  assert.match(r.runError, /model '\/tests\/fixtures\/graph\/bert\/model\.json': graph node '[^']+' \(\w+\): WebGPU memory limit: \d+ bytes asked for op '\w+'/);
  const [, uploadBytes] = /WebGPU memory limit: (\d+) bytes asked for an upload or a readback/.exec(r.uploadError) ?? [null, 0];
  assert.ok(Number(uploadBytes) >= r.limit, `an upload of the limit's size is refused: ${r.uploadError}`);
  assert.deepEqual(r.afterFailedLoad, r.before, 'the failed load left no tensor behind');
  assert.deepEqual(r.afterFailedRun, r.before, 'the failed run left no tensor behind');
  assert.deepEqual(r.again, r.alone, 'the loaded BERT still gives the same values');
  const first = (name) => ios[name].outputs[Object.keys(ios[name].outputs)[0]].values;
  assertClose(r.alone, first('bert'), ios.bert.tolerance, 'bert');
  assert.equal(r.reload, 'succeeded', 'with BERT disposed, the ConvNet loads under the same limit');
  assertClose(r.other, first('torch_convnet'), ios.torch_convnet.tolerance, 'torch_convnet loaded under the limit');
  assert.ok(r.maxHeld <= r.limit, `the backend held ${r.maxHeld} bytes, the limit is ${r.limit}`);
});

test('webgpu setLimits refuses unknown names and negative values', async () => {
  const errors = await shared.page.run(async (tw) => {
    const backend = tw.engine().findBackend('webgpu');
    return [{ maxMemory: 1 }, { maxPooledBytes: -1 }, { maxPipelines: 'many' }].map((limits) => {
      try {
        backend.setLimits(limits);
        return 'accepted';
      } catch (error) {
        return error.message;
      }
    });
  });
  assert.match(errors[0], /no limit named 'maxMemory' \(have: maxMemoryBytes, maxPooledBytes, maxPipelines, maxIm2colBytes\)/);
  assert.match(errors[1], /maxPooledBytes must be a number >= 0, got -1/);
  assert.match(errors[2], /maxPipelines must be a number >= 0, got many/);
});

test('webgpu: a kernel that throws midway (here past maxMemoryBytes on its second buffer) frees the buffers it allocated', async () => {
  const r = await shared.page.run(async (tw) => {
    const backend = tw.engine().findBackend('webgpu');
    const limits = backend.limits;
    backend.setLimits({ maxPooledBytes: 0 }); // no idle buffer to reuse: each allocation makes a buffer
    backend.submit();
    const before = backend.memory();
    backend.setLimits({ maxMemoryBytes: before.allocatedBytes + 3072 });
    let message = '';
    try {
      backend.runKernel('twoOutputs', () => [backend.allocate([512], 'float32'), backend.allocate([512], 'float32')]);
    } catch (error) {
      message = error.message;
    }
    const after = backend.memory();
    backend.setLimits(limits);
    return { message, before: before.numDataBuffers, after: after.numDataBuffers, gpuBytes: [before.numBytes, after.numBytes] };
  });
  assert.match(r.message, /WebGPU memory limit: 2048 bytes asked for op 'twoOutputs'/);
  assert.equal(r.after, r.before, 'no data record is left behind');
  assert.equal(r.gpuBytes[1], r.gpuBytes[0]);
});
