// Packed weights (js/src/backends/webgpu/packed.ts, README "Packed weights") in headless Chromium:
// a converted MLP with uint8 and float16 weights (tests/fixtures/graph/packed_mlp.py) gives numpy's
// outputs on the weights the converter's dequantize recovers, packed (the default), dequantised at
// load and on the CPU backend; a packed weight reads back, assigns and trains like a float32 one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, sharedWebGpuPage } from '../../helper.mjs';
import { assertClose } from '../../../js/graph/helpers.mjs';

const shared = sharedWebGpuPage();
// float32 sums of up to 64 products against numpy's float64 over the same weights.
const TOLERANCE = { rtol: 1e-4, atol: 1e-5 };

function convertMlp(storage) {
  const result = spawnSync(join(ROOT, '.venv/bin/python'), ['tests/fixtures/graph/packed_mlp.py', storage, `examples-cache/packed-mlp/${storage}`],
    { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`packed_mlp.py ${storage} failed (${result.status}):\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** In the page: the model's outputs and its matrices' packed formats, loaded with `options` on `backend`. */
function predictOn(backend, folder, x, options) {
  return shared.page.run(async (tw, { backend, url, x, options }) => {
    await tw.setBackend(backend);
    try {
      const model = await tw.loadGraphModel(url, options);
      const gpu = tw.engine().findBackend('webgpu');
      const matrices = model.weights.filter((w) => w.rank === 2);
      const input = tw.tensor(x, [1, 64]);
      const { result: y, kernels } = await tw.profile(() => model.predict(input));
      const values = Array.from(await y.data());
      // Still packed after the predict: the dense layers read them as they are (any other use would have unpacked them).
      const formats = matrices.map((w) => (backend === 'webgpu' ? gpu.packedLayout(w.dataId)?.format ?? 'float32' : 'cpu'));
      tw.dispose([input, y]);
      model.dispose();
      return { values, formats, shaders: [...new Set(kernels.map((k) => k.shader))] };
    } finally {
      await tw.setBackend('webgpu');
    }
  }, { backend, url: `/${folder}/model.json`, x, options });
}

for (const storage of ['uint8', 'float16']) {
  test(`webgpu: a converted MLP with ${storage} weights gives numpy's outputs packed, dequantised at load and on the CPU`, async () => {
    const mlp = convertMlp(storage);
    const perChannel = Object.values(mlp.quantization).filter((q) => q && Array.isArray(q.scale)).length;
    if (storage === 'uint8') assert.ok(perChannel === 2, `two matrices with a scale per column (${JSON.stringify(mlp.quantization)})`);
    const packed = await predictOn('webgpu', mlp.folder, mlp.x, {});
    assert.deepEqual(packed.formats, [storage, storage, storage]);
    assert.ok(packed.shaders.includes('matmul/matvec.wgsl'), packed.shaders.join());
    const dequantised = await predictOn('webgpu', mlp.folder, mlp.x, { dequantizeWeights: true });
    assert.deepEqual(dequantised.formats, ['float32', 'float32', 'float32']);
    const cpu = await predictOn('cpu', mlp.folder, mlp.x, {});
    for (const [what, run] of Object.entries({ packed, dequantised, cpu })) assertClose(run.values, mlp.y, TOLERANCE, `${storage} ${what}`);
  });
}

test('webgpu: a packed weight reads back its dequantised values and stays packed; assigning and training replace it', async () => {
  const mlp = convertMlp('uint8');
  const names = Object.keys(mlp.weights);
  const report = await shared.page.run(async (tw, { url, x, names }) => {
    const gpu = tw.engine().findBackend('webgpu');
    const [packed, plain] = [await tw.loadGraphModel(url), await tw.loadGraphModel(url, { dequantizeWeights: true })];
    const input = tw.tensor(x, [1, 64]);
    const read = {};
    for (const name of names) read[name] = Array.from(await packed.getWeight(name).data());
    const stillPacked = names.map((name) => gpu.packedLayout(packed.getWeight(name).dataId)?.format ?? 'float32');
    const predictions = async (model) => {
      const y = model.predict(input);
      const values = Array.from(await y.data());
      y.dispose();
      return values;
    };
    const afterRead = await predictions(packed);
    // Assign: the variable's new data is float32, computed from the packed values (a mul reads them unpacked).
    for (const model of [packed, plain]) {
      const w = model.getWeight(names[1]);
      w.assign(tw.tidy(() => tw.mul(w, 0.5)));
    }
    const assigned = [await predictions(packed), await predictions(plain)];
    const assignedFormat = gpu.packedLayout(packed.getWeight(names[1]).dataId)?.format ?? 'float32';
    // Training (the graph's batch is 1): the same SGD steps on both models give the same losses and weights.
    const target = tw.randomNormal([4, 16], 0, 1, 'float32', 7);
    const batch = tw.randomNormal([4, 64], 0, 1, 'float32', 8);
    const losses = [];
    for (const model of [packed, plain]) {
      const optimizer = tw.train.sgd(0.01);
      const history = await model.fit(batch, target, { loss: 'meanSquaredError', optimizer, epochs: 3, batchSize: 1, shuffle: false });
      losses.push(history.history.loss);
      optimizer.dispose();
    }
    const trained = [];
    for (const model of [packed, plain]) trained.push(Array.from(await model.getWeight(names[0]).data()));
    const trainedFormats = names.map((name) => gpu.packedLayout(packed.getWeight(name).dataId)?.format ?? 'float32');
    tw.dispose([input, target, batch]);
    packed.dispose();
    plain.dispose();
    return { read, stillPacked, afterRead, assigned, assignedFormat, losses, trained, trainedFormats };
  }, { url: `/${mlp.folder}/model.json`, x: mlp.x, names });
  for (const name of names) assertClose(report.read[name], mlp.weights[name], { rtol: 1e-6, atol: 1e-6 }, `read ${name}`);
  assert.deepEqual(report.stillPacked, ['uint8', 'uint8', 'uint8']);
  assertClose(report.afterRead, mlp.y, TOLERANCE, 'predict after the read');
  assertClose(report.assigned[0], report.assigned[1], TOLERANCE, 'packed vs dequantised after assign');
  assert.notDeepEqual(report.assigned[0], report.afterRead);
  assert.equal(report.assignedFormat, 'float32');
  assert.ok(report.losses[0].every(Number.isFinite) && report.losses[0].at(-1) < report.losses[0][0], `losses ${report.losses[0]}`);
  assertClose(report.losses[0], report.losses[1], TOLERANCE, 'losses');
  assertClose(report.trained[0], report.trained[1], TOLERANCE, `trained ${names[0]}`);
  assert.deepEqual(report.trainedFormats, ['float32', 'float32', 'float32']);
});

/** A one-node graph x [1, 64] @ w^T, w [24, 64] as uint8 codes with a scale per row (axis 0), as artifacts. */
function transposedArtifacts() {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const codes = Uint8Array.from({ length: 24 * 64 }, () => Math.floor(next() * 256));
  const scale = Array.from({ length: 24 }, (_, i) => 0.001 * (i + 1));
  const min = Array.from({ length: 24 }, (_, i) => -0.1 * (i % 5));
  const modelJSON = {
    format: 'tensorweb-graph', formatVersion: 1, producer: { name: 'packed.test.mjs' },
    topology: {
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 64] }], outputs: [{ name: 'y', dtype: 'float32', shape: [1, 24] }],
      nodes: [{ name: 'y', op: 'matMul', inputs: ['x', 'w'], outputs: ['y'], attrs: { transposeA: false, transposeB: true } }],
    },
    trainable: ['w'],
  };
  const weightSpecs = [{ name: 'w', shape: [24, 64], dtype: 'float32', quantization: { dtype: 'uint8', scale, min, axis: 0 } }];
  return { modelJSON, weightSpecs, codes: Array.from(codes), scale, min };
}

test('webgpu: a transposed weight with a scale per row is read packed and matches its values computed in JS', async () => {
  const artifacts = transposedArtifacts();
  const x = Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const expected = Array.from({ length: 24 }, (_, n) => {
    let sum = 0;
    for (let k = 0; k < 64; k++) sum += x[k] * (artifacts.codes[n * 64 + k] * artifacts.scale[n] + artifacts.min[n]);
    return sum;
  });
  const report = await shared.page.run(async (tw, { artifacts, x }) => {
    const gpu = tw.engine().findBackend('webgpu');
    const handler = () => tw.io.fromMemory({
      modelJSON: artifacts.modelJSON, weightSpecs: artifacts.weightSpecs, weightData: Uint8Array.from(artifacts.codes).buffer,
    });
    const run = async (options) => {
      const model = await tw.loadGraphModel(handler(), options);
      const input = tw.tensor(x, [1, 64]);
      const y = model.predict(input);
      const values = Array.from(await y.data());
      const format = gpu.packedLayout(model.getWeight('w').dataId)?.format ?? 'float32';
      tw.dispose([input, y]);
      model.dispose();
      return { values, format };
    };
    return { packed: await run({}), dequantised: await run({ dequantizeWeights: true }) };
  }, { artifacts, x });
  assert.equal(report.packed.format, 'uint8');
  assert.equal(report.dequantised.format, 'float32');
  assertClose(report.packed.values, expected, TOLERANCE, 'packed');
  assertClose(report.dequantised.values, expected, TOLERANCE, 'dequantised');
});
