// Long runs (issue 20): the digits CNN trained step after step, a converted
// graph fine-tuned, and many inferences, with tw.memory() sampled after every
// step. After the first pass over the data (which creates optimizer slots and
// pools a buffer of each size), live tensors, their bytes and the GPU bytes
// may not drift at all, the GPU buffers allocated may not grow, and the loss
// must fall. The browser tier runs a short version; `make soak` sets
// TENSORWEB_SOAK=1 for the full one (2,000 CNN steps, 500 fine-tuning steps,
// 2,000 inferences of each model).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../helper.mjs';

const SOAK = process.env.TENSORWEB_SOAK === '1';
const CNN_STEPS = SOAK ? 2000 : 60;
const GRAPH_STEPS = SOAK ? 500 : 30;
const INFERENCES = SOAK ? 2000 : 100;

const shared = sharedWebGpuPage(async (opened) => {
  await opened.run(async () => {
    window.snapshot = (tw) => {
      const m = tw.memory();
      return { tensors: m.numTensors, bytes: m.numBytes, gpuBytes: m.backends.webgpu.numBytes, allocated: m.backends.webgpu.allocatedBytes };
    };
  });
});

/** The first sample of `samples` (from `from` on) whose live memory differs from the one at `from`, or null. */
function firstDrift(samples, from) {
  const base = samples[from];
  const index = samples.findIndex((s, i) => i > from && (s.tensors !== base.tensors || s.bytes !== base.bytes || s.gpuBytes !== base.gpuBytes));
  return index < 0 ? null : { step: index, sample: samples[index], base };
}

function mean(values) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function checkRun(t, what, { losses, samples, warm }) {
  const window = Math.max(5, Math.floor(losses.length / 10));
  const [first, last] = [mean(losses.slice(0, window)), mean(losses.slice(-window))];
  t.diagnostic(`${what}: ${losses.length} steps, loss ${first.toFixed(4)} -> ${last.toFixed(4)} (means of ${window}); ` +
    `memory after step ${warm} ${JSON.stringify(samples[warm])}, at the end ${JSON.stringify(samples.at(-1))}`);
  assert.equal(firstDrift(samples, warm), null, `${what}: live tensors and GPU bytes stay as they were after step ${warm}`);
  assert.ok(samples.at(-1).allocated <= samples[warm].allocated, `${what}: no GPU buffer is allocated after step ${warm}`);
  assert.ok(last < first * 0.8, `${what}: the loss falls (${first} -> ${last})`);
}

test(`webgpu long run: the digits CNN trains ${CNN_STEPS} steps with flat memory and a falling loss`, async (t) => {
  const run = await shared.page.run(async (tw, steps) => {
    const start = window.snapshot(tw);
    const recipes = await import('/tests/js/layers/digits_models.mjs');
    const meta = await (await fetch('/tests/fixtures/digits/digits.json')).json();
    const bytes = new Uint8Array(await (await fetch('/tests/fixtures/digits/digits.bin')).arrayBuffer());
    const data = recipes.digitsTensors(tw, bytes, meta, { image: true });
    const model = recipes.buildModel(tw, 'cnn');
    const batchSize = 32;
    const batches = [];
    for (let start = 0; start + batchSize <= data.xTrain.shape[0]; start += batchSize) {
      batches.push(tw.tidy(() => [data.xTrain.slice([start, 0, 0, 0], [batchSize, -1, -1, -1]), data.yTrain.slice([start, 0], [batchSize, -1])]));
    }
    const losses = [];
    const samples = [];
    for (let step = 0; step < steps; step++) {
      const [x, y] = batches[step % batches.length];
      const result = await model.trainOnBatch(x, y);
      losses.push(Array.isArray(result) ? result[0] : result);
      samples.push(window.snapshot(tw));
      // On CPU adapters the first steps run quick kernel variants; from step 2 on the best ones, compiled in the
      // background meanwhile (their launches may pool a uniform buffer of another size once).
      if (step === 0) await tw.engine().findBackend('webgpu').bestVariantsReady();
    }
    const evaluated = model.evaluate(data.xTest, data.yTest);
    const accuracy = (await evaluated[1].data())[0];
    tw.dispose([evaluated, batches, data]);
    model.dispose();
    return { losses, samples, start, accuracy, end: window.snapshot(tw), warm: 2 };
  }, CNN_STEPS);
  checkRun(t, 'digits CNN', run);
  t.diagnostic(`held-out accuracy ${run.accuracy.toFixed(4)}`);
  if (SOAK) assert.ok(run.accuracy >= 0.9, `held-out accuracy after ${CNN_STEPS} steps: ${run.accuracy}`);
  assert.deepEqual([run.end.tensors, run.end.bytes], [run.start.tensors, run.start.bytes], 'disposing the model and data leaves what was there before');
});

test(`webgpu long run: a converted ResNet fine-tunes ${GRAPH_STEPS} steps with flat memory and a falling loss`, async (t) => {
  const run = await shared.page.run(async (tw, steps) => {
    const model = await tw.loadGraphModel('/tests/fixtures/graph/resnet/model.json');
    const x = tw.randomNormal([8, 3, 32, 32], 0, 1, 'float32', 5);
    const y = tw.tidy(() => tw.oneHot(tw.tensor([0, 1, 2, 3, 4, 5, 6, 7], [8], 'int32'), 10));
    const optimizer = tw.train.adam(0.005);
    const losses = [];
    const samples = [];
    await model.fit(x, y, {
      loss: 'categoricalCrossentropy', optimizer, epochs: steps / 2, batchSize: 4, shuffle: false,
      callbacks: { onBatchEnd: (batch, logs) => {
        losses.push(logs.loss);
        samples.push(window.snapshot(tw));
      } },
    });
    tw.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
    return { losses, samples, warm: 2 };
  }, GRAPH_STEPS);
  checkRun(t, 'ResNet fine-tuning', run);
});

test(`webgpu long run: ${INFERENCES} inferences each of a converted graph and a layers model leave memory as it was`, async (t) => {
  const run = await shared.page.run(async (tw, count) => {
    const graph = await tw.loadGraphModel('/tests/fixtures/graph/mobilenet/model.json');
    const recipes = await import('/tests/js/layers/digits_models.mjs');
    const layers = recipes.buildModel(tw, 'cnn');
    const image = tw.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 6);
    const digits = tw.randomUniform([16, 8, 8, 1], 0, 1, 'float32', 7);
    const samples = [];
    let first = null;
    let same = true;
    for (let i = 0; i < count; i++) {
      const [a, b] = [graph.predict(image), layers.predict(digits)];
      // Read back every tenth, as a page showing results would; the others stay queued on the GPU.
      if (i % 10 === 0) {
        const values = [Array.from(await a.data()), Array.from(await b.data())];
        first ??= values;
        same &&= values.every((v, k) => v.every((x, j) => x === first[k][j]));
      }
      tw.dispose([a, b]);
      samples.push(window.snapshot(tw));
    }
    tw.dispose([image, digits]);
    graph.dispose();
    layers.dispose();
    return { samples, same };
  }, INFERENCES);
  const { samples } = run;
  t.diagnostic(`memory after the first inference ${JSON.stringify(samples[1])}, after the last ${JSON.stringify(samples.at(-1))}`);
  assert.equal(firstDrift(samples, 1), null, 'live tensors and GPU bytes stay as they were after the first inferences');
  assert.ok(samples.at(-1).allocated <= samples[10].allocated, 'no GPU buffer is allocated after the first readback');
  assert.ok(run.same, 'every inference gives the same values');
});
