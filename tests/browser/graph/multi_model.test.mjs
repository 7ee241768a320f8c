// Several models alive in one page (issue 20): converted graphs and layers
// models loaded side by side, none disposed, run in every order and
// interleaved with training steps of other models. Each must give what it
// gives alone. The buffer pool's cap is lowered so that these small models
// make it evict as full-size ones do at the default cap (SqueezeNet, then
// ResNet-50, then DenseNet-121 in one page: `make soak` runs those).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../helper.mjs';
import { assertClose, readIO } from '../../js/graph/helpers.mjs';

const GRAPHS = ['resnet', 'squeezenet', 'bert'];

const shared = sharedWebGpuPage();

test('webgpu: graph and layers models in one page give their own outputs in every order, between training steps of others', async () => {
  const ios = Object.fromEntries(GRAPHS.map((name) => [name, readIO(name)]));
  const report = await shared.page.run(async (tw, { graphs, ios }) => {
    const backend = tw.engine().findBackend('webgpu');
    const limits = backend.limits;
    backend.setLimits({ maxPooledBytes: 64 * 1024 });
    const baseline = tw.memory();
    const runners = {};
    const owned = [];
    for (const name of graphs) {
      const model = await tw.loadGraphModel(`/tests/fixtures/graph/${name}/model.json`);
      const feeds = Object.fromEntries(Object.entries(ios[name].inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
      owned.push(model, feeds);
      runners[name] = async () => {
        const out = model.predict(feeds);
        const byName = out instanceof tw.Tensor ? { [model.outputNodes[0]]: out } : out;
        const values = {};
        for (const [key, t] of Object.entries(byName)) values[key] = Array.from(await t.data());
        tw.dispose(out);
        return values;
      };
    }
    // A layers model that only predicts, and a copy of the ResNet (same weight names) and a
    // second layers model that train between the runs: neither may change what the others give.
    tw.layers.setSeed(7);
    const cnn = () => tw.sequential({ layers: [
      tw.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tw.layers.flatten(), tw.layers.dense({ units: 10, activation: 'softmax' })] });
    const layersModel = cnn();
    const layersX = tw.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 3);
    owned.push(layersModel, layersX);
    runners.layers = async () => {
      const y = layersModel.predict(layersX);
      const values = { y: Array.from(await y.data()) };
      y.dispose();
      return values;
    };
    const trainedGraph = await tw.loadGraphModel('/tests/fixtures/graph/resnet/model.json');
    const trainedLayers = cnn();
    trainedLayers.compile({ optimizer: tw.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const graphOptimizer = tw.train.adam(0.01);
    const gx = tw.randomNormal([4, 3, 32, 32], 0, 1, 'float32', 1);
    const gy = tw.tidy(() => tw.oneHot(tw.tensor([0, 1, 2, 3], [4], 'int32'), 10));
    const lx = tw.randomUniform([8, 8, 8, 1], 0, 1, 'float32', 4);
    const ly = tw.tidy(() => tw.oneHot(tw.tensor([0, 1, 2, 3, 4, 5, 6, 7], [8], 'int32'), 10));
    owned.push(trainedGraph, trainedLayers, graphOptimizer, gx, gy, lx, ly);
    const losses = { graph: [], layers: [] };
    const trainStep = async (k) => {
      const history = k % 2 === 0
        ? await trainedGraph.fit(gx, gy, { loss: 'categoricalCrossentropy', optimizer: graphOptimizer, epochs: 1, batchSize: 4 })
        : await trainedLayers.fit(lx, ly, { epochs: 1, batchSize: 8 });
      losses[k % 2 === 0 ? 'graph' : 'layers'].push(history.history.loss[0]);
    };

    // Each model once, then its best kernel variants compiled: its first run used the quick ones (see
    // js/src/backends/webgpu/README.md, "Quick kernel variants"), whose sums round differently.
    for (const runner of Object.values(runners)) await runner();
    await backend.bestVariantsReady();
    const names = Object.keys(runners);
    const permutations = (items) => items.length <= 1 ? [items]
      : items.flatMap((item, i) => permutations(items.filter((_, j) => j !== i)).map((rest) => [item, ...rest]));
    const first = {};
    const mismatches = [];
    const errors = [];
    let runs = 0;
    let steps = 0;
    for (const order of permutations(names)) {
      for (const name of order) {
        try {
          const values = await runners[name]();
          runs++;
          first[name] ??= values;
          for (const [key, v] of Object.entries(values)) {
            if (v.some((x, i) => x !== first[name][key][i])) mismatches.push(`${name} ${key} after order ${order}`);
          }
          if (runs % 2 === 0) await trainStep(steps++); // a training step (graph and layers in turn) after every second run
        } catch (error) {
          errors.push(`${order.join(',')} at ${name}: ${error.message}`);
          if (errors.length >= 3) break;
        }
      }
      if (errors.length >= 3) break;
    }
    const pooled = tw.memory().backends.webgpu.pooledBytes;
    for (const item of owned) (item.dispose ? item.dispose() : tw.dispose(item));
    const end = tw.memory();
    backend.setLimits(limits);
    return {
      first, mismatches, errors, runs, losses, pooled,
      leftTensors: end.numTensors - baseline.numTensors, leftBytes: end.numBytes - baseline.numBytes,
    };
  }, { graphs: GRAPHS, ios });
  assert.deepEqual(report.errors, [], 'no run fails');
  assert.equal(report.runs, 24 * 4, 'four models in each of the 24 orders');
  assert.deepEqual(report.mismatches, [], 'every run gives exactly what the model gave the first time');
  for (const name of GRAPHS) {
    for (const [output, expected] of Object.entries(ios[name].outputs)) {
      assertClose(report.first[name][output], expected.values, ios[name].tolerance, `${name} ${output}`);
    }
  }
  for (const [which, losses] of Object.entries(report.losses)) {
    assert.ok(losses.at(-1) < losses[0], `the ${which} model being trained learns: ${losses[0]} -> ${losses.at(-1)}`);
  }
  assert.ok(report.pooled <= 64 * 1024, `the pool keeps to its cap: ${report.pooled} bytes`);
  assert.equal(report.leftTensors, 0);
  assert.equal(report.leftBytes, 0);
});
