// Converted models (tests/fixtures/graph, made by `tensorweb convert`) in
// headless Chromium on the webgpu backend: outputs against those onnxruntime or PyTorch recorded,
// weights resident on the GPU (quantised ones packed), fine-tuning with flat
// memory, save/reload through indexeddb:// and downloads://, and named load errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedWebGpuPage } from '../helper.mjs';
import { FIXTURE_NAMES, assertClose, readIO } from '../../js/graph/helpers.mjs';

const shared = sharedWebGpuPage();

/** In the page: loads fixture `name`, runs it on the recorded inputs, reports outputs, placement and memory. */
function runFixture(name) {
  return shared.page.run(async (tw, { name, inputs }) => {
    const before = tw.memory();
    const { result: model, kernelNames } = await tw.profile(() => tw.loadGraphModel(`/tests/fixtures/graph/${name}/model.json`));
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
    const outputs = model.predict(feeds);
    const byName = outputs instanceof tw.Tensor ? { [model.outputNodes[0]]: outputs } : outputs;
    const report = {
      loadKernels: kernelNames,
      weightBackends: [...new Set(model.weights.map((w) => tw.engine().backendOf(w)))],
      outputBackends: Object.values(byName).map((t) => tw.engine().backendOf(t)),
      outputs: {},
    };
    for (const [key, tensor] of Object.entries(byName)) report.outputs[key] = { shape: tensor.shape, values: Array.from(await tensor.data()) };
    tw.dispose([feeds, outputs]);
    model.dispose();
    report.leftTensors = tw.memory().numTensors - before.numTensors;
    report.leftBytes = tw.memory().numBytes - before.numBytes;
    return report;
  }, { name, inputs: readIO(name).inputs });
}

for (const name of FIXTURE_NAMES) {
  test(`webgpu: ${name} matches its source framework's recorded outputs, with its weights on the GPU`, async () => {
    const io = readIO(name);
    const report = await runFixture(name);
    assert.deepEqual(report.weightBackends, ['webgpu']);
    assert.deepEqual(report.outputBackends, Object.keys(io.outputs).map(() => 'webgpu'));
    for (const [output, expected] of Object.entries(io.outputs)) {
      assert.deepEqual(report.outputs[output].shape, expected.shape);
      assertClose(report.outputs[output].values, expected.values, io.tolerance, `${name} ${output}`);
    }
    // Quantised weights stay packed as they load (no dequantising ops); dequantizeWeights: true is packed.test.mjs's.
    if (name.endsWith('uint8') || name.endsWith('float16')) assert.deepEqual(report.loadKernels, [], 'nothing dispatched at load');
    assert.equal(report.leftTensors, 0);
    assert.equal(report.leftBytes, 0);
  });
}

test('webgpu: fine-tuning a converted ResNet lowers the loss with flat memory', async () => {
  const { losses, memory } = await shared.page.run(async (tw) => {
    const model = await tw.loadGraphModel('/tests/fixtures/graph/resnet/model.json');
    const x = tw.randomNormal([8, 3, 32, 32], 0, 1, 'float32', 1);
    const y = tw.oneHot(tw.tensor([0, 1, 2, 3, 4, 5, 6, 7], [8], 'int32'), 10);
    const optimizer = tw.train.adam(0.01);
    const memory = [];
    const history = await model.fit(x, y, {
      loss: 'categoricalCrossentropy', optimizer, epochs: 6, batchSize: 4, shuffle: false,
      callbacks: { onBatchEnd: () => memory.push([tw.memory().numTensors, tw.memory().numBytes]) },
    });
    tw.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
    return { losses: history.history.loss, memory };
  });
  assert.ok(losses.at(-1) < losses[0] * 0.75, `loss ${losses}`);
  memory.slice(1).forEach((m, i) => assert.deepEqual(m, memory[1], `step ${i + 1}`));
});

test('webgpu: tw.variableGrads on a converted BERT encoder matches finite differences for every trainable weight', async () => {
  const io = readIO('bert');
  const checks = await shared.page.run(async (tw, inputs) => {
    const model = await tw.loadGraphModel('/tests/fixtures/graph/bert/model.json');
    const feeds = [inputs.input_ids, inputs.attention_mask].map((v) => tw.tensor(v.values, v.shape, v.dtype));
    const probes = model.outputs.map((o, k) => tw.randomNormal([2, ...o.shape.slice(1)], 0, 1, 'float32', 10 + k));
    const objective = () => tw.tidy(() => model.predict(feeds)
      .map((out, k) => tw.sum(tw.mul(out, probes[k]))).reduce((a, b) => tw.add(a, b)));
    const { value, grads } = tw.variableGrads(objective, model.trainableWeights);
    const checks = [];
    for (const weight of model.trainableWeights) {
      const g = await grads[weight.name].data();
      let index = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[index])) index = i;
      const original = await weight.data();
      const at = async (delta) => {
        const moved = original.slice();
        moved[index] += delta;
        weight.assign(tw.tensor(moved, weight.shape));
        const f = objective();
        const result = (await f.data())[0];
        f.dispose();
        return result;
      };
      const eps = 1e-2;
      const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      weight.assign(tw.tensor(original, weight.shape));
      checks.push({ name: weight.name, index, analytic: g[index], numeric, backend: tw.engine().backendOf(grads[weight.name]) });
    }
    tw.dispose([value, grads, feeds, probes]);
    model.dispose();
    return checks;
  }, io.inputs);
  assert.ok(checks.length > 20);
  for (const { name, index, analytic, numeric, backend } of checks) {
    assert.equal(backend, 'webgpu', `${name} gradient computed on the GPU`);
    assert.ok(Math.abs(numeric - analytic) <= 2e-2 * Math.abs(analytic) + 2e-2, `${name}[${index}]: ${analytic} vs ${numeric}`);
  }
});

test('webgpu: save to indexeddb:// and load back gives the same outputs', async () => {
  const { same, location } = await shared.page.run(async (tw) => {
    const model = await tw.loadGraphModel('/tests/fixtures/graph/bert/model.json');
    const { location } = await model.save('indexeddb://bert-test');
    const reloaded = await tw.loadGraphModel('indexeddb://bert-test');
    const ids = tw.tensor([[1, 2, 3, 4, 5, 6, 7, 8]], [1, 8], 'int32');
    const mask = tw.ones([1, 8], 'int32');
    const a = model.predict([ids, mask]);
    const b = reloaded.predict([ids, mask]);
    let same = true;
    for (let k = 0; k < a.length; k++) {
      const [va, vb] = [await a[k].data(), await b[k].data()];
      same &&= va.every((v, i) => v === vb[i]);
    }
    await tw.io.removeIndexedDBModel('bert-test');
    tw.dispose([ids, mask, a, b]);
    model.dispose();
    reloaded.dispose();
    return { same, location };
  });
  assert.equal(location, 'indexeddb://bert-test');
  assert.ok(same);
});

test('webgpu: downloads:// writes name.json and name.weights.bin that browserFiles loads back', async () => {
  const downloads = [];
  shared.page.page.on('download', (d) => downloads.push(d));
  const before = await shared.page.run(async (tw) => {
    const model = await tw.loadGraphModel('/tests/fixtures/graph/squeezenet/model.json');
    await model.save('downloads://squeeze');
    const x = tw.randomNormal([1, 3, 33, 33], 0, 1, 'float32', 2);
    const y = model.predict(x);
    window.savedCheck = { x, model };
    return Array.from(await y.data());
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const files = {};
  for (const d of downloads) files[d.suggestedFilename()] = Array.from(readFileSync(await d.path()));
  assert.deepEqual(Object.keys(files).sort(), ['squeeze.json', 'squeeze.weights.bin']);
  const after = await shared.page.run(async (tw, files) => {
    const picked = Object.entries(files).map(([name, bytes]) => new File([Uint8Array.from(bytes)], name));
    const reloaded = await tw.loadGraphModel(tw.io.browserFiles(picked));
    const { x, model } = window.savedCheck;
    const values = Array.from(await reloaded.predict(x).data());
    tw.dispose(x);
    model.dispose();
    reloaded.dispose();
    return values;
  }, files);
  assert.deepEqual(after, before);
});

test('webgpu: a missing, short or altered shard is named and the load leaves memory as it was', async () => {
  const result = await shared.page.run(async (tw) => {
    const before = tw.memory();
    // The shard answers are made up in the page: a real 404 would be logged as a page error.
    const tampered = (change) => async (url, init) => {
      const response = await fetch(url, init);
      if (!url.endsWith('.bin')) return response;
      const bytes = new Uint8Array(await response.arrayBuffer());
      return change(bytes);
    };
    const cases = [
      () => new Response('not found', { status: 404 }),
      (bytes) => new Response(bytes.subarray(0, bytes.length - 1)),
      (bytes) => {
        bytes[7] ^= 1;
        return new Response(bytes);
      },
    ];
    const errors = [];
    for (const change of cases) {
      try {
        // cache: false, or the shard an earlier test left in the model cache would answer instead.
        await tw.loadGraphModel('/tests/fixtures/graph/resnet/model.json', { fetchFunc: tampered(change), cache: false });
        errors.push('loaded');
      } catch (error) {
        errors.push(error.message);
      }
    }
    return { errors, leftTensors: tw.memory().numTensors - before.numTensors, leftBytes: tw.memory().numBytes - before.numBytes };
  });
  assert.match(result.errors[0], /shard 'group1-shard1of1.bin' is missing: .*resnet\/group1-shard1of1.bin answered HTTP 404/);
  assert.match(result.errors[1], /shard 'group1-shard1of1.bin' is \d+ bytes long, the manifest says \d+/);
  assert.match(result.errors[2], /shard 'group1-shard1of1.bin' has sha256 [0-9a-f]{64}, the manifest says/);
  assert.equal(result.leftTensors, 0);
  assert.equal(result.leftBytes, 0);
});
