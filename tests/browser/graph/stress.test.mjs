// Model stress tier (issue 20): rounds of loading, running and disposing
// converted graph models and a layers model in orders drawn from a seeded
// generator, with the buffer pool and the pipeline cache capped low so both
// evict all the time. After every round the page's tensors and GPU bytes are
// back at their baseline, the pool and the cache within their caps, and every
// run gave what the model gives alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../helper.mjs';
import { assertClose, readIO } from '../../js/graph/helpers.mjs';

const GRAPHS = ['resnet', 'squeezenet', 'mobilenet', 'bert', 'resnet_uint8'];
const ROUNDS = 10;
const SEED = 3;
const MAX_POOLED_BYTES = 256 * 1024;
// Below the 28 pipelines the models use together on SwiftShader, so that the cache evicts.
const MAX_PIPELINES = 20;

const shared = sharedWebGpuPage();

test(`webgpu stress: ${ROUNDS} seeded rounds of load, run, dispose; memory back at baseline after each, pool and pipeline cache evict within their caps`, async (t) => {
  const ios = Object.fromEntries(GRAPHS.map((name) => [name, readIO(name)]));
  const report = await shared.page.run(async (tw, { graphs, ios, rounds, seed, maxPooledBytes, maxPipelines }) => {
    const backend = tw.engine().findBackend('webgpu');
    const limits = backend.limits;
    backend.setLimits({ maxPooledBytes, maxPipelines });
    // mulberry32: the rounds are the same on every run.
    let state = seed;
    const random = () => {
      state = (state + 0x6d2b79f5) | 0;
      let r = Math.imul(state ^ (state >>> 15), 1 | state);
      r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
      return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
    };
    const shuffled = (items) => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy;
    };

    // Each kind: load() gives { run: () => Promise<values by output>, dispose }.
    const kinds = {};
    for (const name of graphs) {
      kinds[name] = async () => {
        const model = await tw.loadGraphModel(`/tests/fixtures/graph/${name}/model.json`);
        return {
          // A model with free input dims may run, at sizes whose best variants the cache evicted, other compiled
          // ones, which round differently (webgpu backend.ts, pickVariant): its values are compared to the
          // reference within tolerance, not bit for bit across rounds.
          bitForBit: !model.inputs.some((input) => input.shape.some((d) => d < 0)),
          async run() {
            const feeds = Object.fromEntries(Object.entries(ios[name].inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
            const out = model.predict(feeds);
            const byName = out instanceof tw.Tensor ? { [model.outputNodes[0]]: out } : out;
            const values = {};
            for (const [key, tensor] of Object.entries(byName)) values[key] = Array.from(await tensor.data());
            tw.dispose([feeds, out]);
            return values;
          },
          dispose: () => model.dispose(),
        };
      };
    }
    kinds.layers = async () => {
      tw.layers.setSeed(11);
      const model = tw.sequential({ layers: [
        tw.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
        tw.layers.flatten(), tw.layers.dense({ units: 10, activation: 'softmax' })] });
      return {
        bitForBit: true,
        async run() {
          const x = tw.tidy(() => tw.linspace(0, 1, 128).reshape([2, 8, 8, 1]));
          const y = model.predict(x);
          const values = { y: Array.from(await y.data()) };
          tw.dispose([x, y]);
          return values;
        },
        dispose: () => model.dispose(),
      };
    };

    const memory = () => {
      const m = tw.memory();
      const gpu = m.backends.webgpu;
      return { tensors: m.numTensors, bytes: m.numBytes, gpuBytes: gpu.numBytes, pooledBytes: gpu.pooledBytes,
        inUseBytes: gpu.allocatedBytes - gpu.pooledBytes, pipelines: gpu.pipelines };
    };
    backend.submit(); // buffers released so far become idle, so inUseBytes starts settled
    const baseline = memory();
    const outputs = {};
    const mismatches = [];
    const laterValues = [];
    const log = [];
    const pipelinesBefore = backend.stats.pipelines;
    const evictionsBefore = backend.stats.pipelineEvictions;
    for (let round = 0; round < rounds; round++) {
      const chosen = shuffled(Object.keys(kinds)).slice(0, 1 + Math.floor(random() * 3));
      const loaded = {};
      for (const name of chosen) loaded[name] = await kinds[name]();
      const runs = shuffled(chosen.flatMap((name) => [name, name]));
      for (const name of runs) {
        const values = await loaded[name].run();
        outputs[name] ??= values;
        if (!loaded[name].bitForBit) {
          laterValues.push({ round, name, values });
          continue;
        }
        for (const [key, v] of Object.entries(values)) {
          if (v.some((x, i) => x !== outputs[name][key][i])) mismatches.push(`round ${round}: ${name} ${key}`);
        }
      }
      for (const name of shuffled(chosen)) loaded[name].dispose();
      backend.submit();
      log.push({ round, loaded: chosen, runs, ...memory() });
    }
    const stats = { compiled: backend.stats.pipelines - pipelinesBefore, evicted: backend.stats.pipelineEvictions - evictionsBefore };
    // With the pool's cap at 0 every idle buffer goes: what is left allocated is what the baseline held.
    backend.setLimits({ maxPooledBytes: 0 });
    backend.submit();
    const drained = memory();
    backend.setLimits(limits);
    return { baseline, log, outputs, mismatches, laterValues, stats, drained };
  }, { graphs: GRAPHS, ios, rounds: ROUNDS, seed: SEED, maxPooledBytes: MAX_POOLED_BYTES, maxPipelines: MAX_PIPELINES });

  const { baseline, log } = report;
  t.diagnostic(`baseline ${JSON.stringify(baseline)}; after the last round ${JSON.stringify(log.at(-1))}; ` +
    `pipelines compiled ${report.stats.compiled}, evicted ${report.stats.evicted}`);
  const seen = new Set(log.flatMap((r) => r.loaded));
  assert.equal(seen.size, GRAPHS.length + 1, `every model is drawn at least once (drawn: ${[...seen]})`);
  assert.deepEqual(report.mismatches, [], 'a model gives the same values in every round, whatever ran beside it');
  for (const name of GRAPHS) {
    for (const [output, expected] of Object.entries(ios[name].outputs)) {
      assertClose(report.outputs[name][output], expected.values, ios[name].tolerance, `${name} ${output}`);
    }
  }
  for (const { round, name, values } of report.laterValues) {
    for (const [output, expected] of Object.entries(ios[name].outputs)) {
      assertClose(values[output], expected.values, ios[name].tolerance, `round ${round}: ${name} ${output}`);
    }
  }
  for (const entry of log) {
    const at = `round ${entry.round} (${entry.loaded})`;
    assert.equal(entry.tensors, baseline.tensors, `${at}: tensors back at baseline`);
    assert.equal(entry.bytes, baseline.bytes, `${at}: tensor bytes back at baseline`);
    assert.equal(entry.gpuBytes, baseline.gpuBytes, `${at}: GPU bytes of live tensors back at baseline`);
    assert.equal(entry.inUseBytes, baseline.inUseBytes, `${at}: every buffer not holding a tensor is back in the pool or destroyed`);
    assert.ok(entry.pooledBytes <= MAX_POOLED_BYTES, `${at}: pooled ${entry.pooledBytes} bytes, cap ${MAX_POOLED_BYTES}`);
    assert.ok(entry.pipelines <= MAX_PIPELINES, `${at}: ${entry.pipelines} pipelines cached, cap ${MAX_PIPELINES}`);
  }
  assert.deepEqual([report.drained.pooledBytes, report.drained.inUseBytes], [0, baseline.inUseBytes],
    'with the pool emptied, no buffer is left beyond those the baseline held');
  assert.ok(report.stats.evicted > 0, 'the pipeline cache evicted (its cap is below what the models use)');
  assert.ok(log.some((entry) => entry.pooledBytes > 0), 'the pool kept idle buffers for reuse');
});
