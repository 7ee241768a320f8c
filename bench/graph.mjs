// Converted-graph benchmark: tensorweb's GraphModel on webgpu against
// onnxruntime-web 1.30 (webgpu) on the same model in the same headless
// Chromium. Per model: load time (model.json + shards, or the .onnx file, to
// weights on the device), first inference, steady-state inference (median of
// `runs`), each with its readback, and load to first result (a page's first
// visit: loadGraphModel, or InferenceSession.create, then the first run and
// its readback, timed as one); plus the largest difference between the two
// runtimes' outputs (relative to each output's largest value). Each model
// gets a fresh browser, so no pipeline compiled for an earlier one is reused.
//
//   .venv/bin/python bench/graph_models.py   # writes build/bench-graph/
//   node bench/graph.mjs [--runs N] [--models squeezenet1_0,alexnet,...] [--flags '{"matvec":"off"}'] [--warmup off]
// --flags sets tensorweb's webgpu backend flags (kernel variants) for the run;
// --warmup off loads with { warmup: false } (pipelines compile on first use).
//
// scripts/bench.mjs may import benchGraphModels(options).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BrowserSession, ROOT } from '../tests/browser/helper.mjs';
import { join } from 'node:path';
import { median } from './suite.mjs';

/** Models bench/graph_models.py writes, and what to feed them: 'normal' noise, 'pixels' in 0..255, token 'ids', 'ones'. */
export const MODELS = [
  { name: 'squeezenet1_0', inputs: [{ name: 'image', shape: [1, 3, 224, 224], fill: 'normal', ortType: 'float32' }] },
  { name: 'alexnet', inputs: [{ name: 'data_0', shape: [1, 3, 224, 224], fill: 'normal', ortType: 'float32' }] },
  // Quantised conversions of the same AlexNet: onnxruntime-web runs the float32 source, so their outputs differ by the quantisation.
  { name: 'alexnet_uint8', inputs: [{ name: 'data_0', shape: [1, 3, 224, 224], fill: 'normal', ortType: 'float32' }] },
  { name: 'alexnet_float16', inputs: [{ name: 'data_0', shape: [1, 3, 224, 224], fill: 'normal', ortType: 'float32' }] },
  { name: 'vgg19', inputs: [{ name: 'data_0', shape: [1, 3, 224, 224], fill: 'normal', ortType: 'float32' }] },
  { name: 'efficientnet_lite0', inputs: [{ name: 'image', shape: [1, 224, 224, 3], fill: 'pixels', ortType: 'float32' }] },
  {
    name: 'minilm_l6', inputs: [
      { name: 'input_ids', shape: [1, 128], fill: 'ids', ortType: 'int64' },
      { name: 'attention_mask', shape: [1, 128], fill: 'ones', ortType: 'int64' }],
  },
];

/** The MODELS entries a comma-separated list names, in its order. */
export function modelsNamed(list) {
  return list.split(',').map((name) => {
    const model = MODELS.find((m) => m.name === name);
    if (!model) throw new Error(`unknown model '${name}' (have: ${MODELS.map((m) => m.name).join(', ')})`);
    return model;
  });
}

/**
 * Runs both runtimes on each model in one page of a browser of its own;
 * returns one row per model, each also passed to onRow. `warmup: false`
 * loads tensorweb's models without compiling pipelines ahead.
 */
export async function benchGraphModels({ runs = 5, models = MODELS, flags = {}, warmup = true, onRow = () => {} } = {}) {
  const rows = [];
  for (const model of models) {
    if (!existsSync(join(ROOT, 'build', 'bench-graph', model.name, 'model.json'))) {
      throw new Error(`build/bench-graph/${model.name} is missing: run .venv/bin/python bench/graph_models.py`);
    }
    const session = await BrowserSession.start();
    let result;
    try {
      const page = await session.newPage();
      result = await page.run(benchOneModel, { model, runs, flags, warmup });
    } finally {
      await session.close();
    }
    const { tensorweb, ort } = result;
    // Per output, the largest difference over the output's largest magnitude; the worst output counts.
    const differences = Object.entries(ort.outputs).map(([name, expected]) => {
      const actual = tensorweb.outputs[name];
      if (!actual) throw new Error(`${model.name}: tensorweb has no output '${name}'`);
      const scale = Math.max(...expected.map(Math.abs));
      return Math.max(...expected.map((v, i) => Math.abs(v - actual[i]))) / scale;
    });
    const summary = (r) => ({ loadMs: r.loadMs, firstMs: r.firstMs, steadyMs: median(r.times), loadToFirstResultMs: r.loadToFirstResultMs });
    rows.push({
      model: model.name,
      tensorweb: summary(tensorweb),
      onnxruntimeWeb: summary(ort),
      outputRelativeDifference: Math.max(...differences),
    });
    onRow(rows.at(-1));
  }
  return rows;
}

/**
 * In the page: each runtime loads the model and runs it once, timed from the
 * load's start to the first result's readback, then both run `runs` times in
 * turns (so that load from other processes falls on both alike).
 */
async function benchOneModel(tw, { model, runs, flags, warmup }) {
  const ort = await import('/node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs');
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  // Its warnings (shape ops placed on the CPU) go to console.error, which the page helper counts as failures.
  ort.env.logLevel = 'error';
  if (!(await tw.setBackend('webgpu'))) throw new Error('webgpu did not initialise');
  tw.engine().findBackend('webgpu').setFlags(flags);
  const timed = async (f) => {
    const start = performance.now();
    const value = await f();
    return [performance.now() - start, value];
  };
  // Deterministic inputs (an LCG), the same numbers for both runtimes.
  let state = 12345;
  const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const fills = {
    normal: () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
    pixels: () => Math.floor(256 * uniform()),
    ids: () => 1000 + Math.floor(4000 * uniform()),
    ones: () => 1,
  };
  const values = Object.fromEntries(model.inputs.map((input) =>
    [input.name, Array.from({ length: input.shape.reduce((a, b) => a * b, 1) }, fills[input.fill])]));
  const twFeeds = {};
  const ortFeeds = {};
  for (const input of model.inputs) {
    ortFeeds[input.name] = input.ortType === 'int64'
      ? new ort.Tensor('int64', BigInt64Array.from(values[input.name], BigInt), input.shape)
      : new ort.Tensor('float32', Float32Array.from(values[input.name]), input.shape);
  }
  let graph;
  let session;
  const twInfer = async () => {
    const outputs = graph.execute(twFeeds, graph.outputNodes);
    const list = Array.isArray(outputs) ? outputs : [outputs];
    const values = await Promise.all(list.map((t) => t.data()));
    tw.dispose(list);
    return Object.fromEntries(graph.outputNodes.map((name, k) => [name, Array.from(values[k])]));
  };
  const ortInfer = async () => {
    const results = await session.run(ortFeeds);
    const values = {};
    for (const name of session.outputNames) {
      values[name] = Array.from(await results[name].getData());
      results[name].dispose();
    }
    return values;
  };
  const inputShapes = Object.fromEntries(model.inputs.map((input) => [input.name, input.shape]));
  const [twLoadToFirstResultMs, [twLoadMs, twFirstMs, twOutput]] = await timed(async () => {
    const [loadMs, loaded] = await timed(() => tw.loadGraphModel(`/build/bench-graph/${model.name}/model.json`, { inputShapes, warmup }));
    graph = loaded;
    for (const input of model.inputs) {
      twFeeds[input.name] = tw.tensor(values[input.name], input.shape, graph.inputs.find((d) => d.name === input.name).dtype);
    }
    return [loadMs, ...await timed(twInfer)];
  });
  const [ortLoadToFirstResultMs, [ortLoadMs, ortFirstMs, ortOutput]] = await timed(async () => {
    const [loadMs, created] = await timed(() => ort.InferenceSession.create(`/build/bench-graph/${model.name}.onnx`,
      { executionProviders: ['webgpu'], logSeverityLevel: 3 }));
    session = created;
    return [loadMs, ...await timed(ortInfer)];
  });
  const twTimes = [];
  const ortTimes = [];
  for (let i = 0; i < runs; i++) {
    twTimes.push((await timed(twInfer))[0]);
    ortTimes.push((await timed(ortInfer))[0]);
  }
  await session.release();
  tw.dispose(twFeeds);
  graph.dispose();
  return {
    tensorweb: { loadMs: twLoadMs, firstMs: twFirstMs, loadToFirstResultMs: twLoadToFirstResultMs, times: twTimes, outputs: twOutput },
    ort: { loadMs: ortLoadMs, firstMs: ortFirstMs, loadToFirstResultMs: ortLoadToFirstResultMs, times: ortTimes, outputs: ortOutput },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argument = (flag) => {
    const at = process.argv.indexOf(flag);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const runs = Number(argument('--runs') ?? 5);
  const models = argument('--models') ? modelsNamed(argument('--models')) : MODELS;
  const flags = JSON.parse(argument('--flags') ?? '{}');
  const warmup = argument('--warmup') !== 'off';
  const ms = (v) => `${v.toFixed(0)} ms`;
  const print = (row) => {
    console.log(`${row.model} (steady state: median of ${runs}; outputs differ by ${row.outputRelativeDifference.toExponential(1)} of their largest)`);
    console.log('  runtime                 load        first       steady      load to first result (÷ load + steady)');
    for (const [label, r] of [[`tensorweb webgpu${warmup ? '' : ' (warmup off)'}`, row.tensorweb], ['onnxruntime-web webgpu', row.onnxruntimeWeb]]) {
      const share = (r.loadToFirstResultMs / (r.loadMs + r.steadyMs)).toFixed(2);
      console.log(`  ${label.padEnd(22)}  ${ms(r.loadMs).padEnd(10)}  ${ms(r.firstMs).padEnd(10)}  ${ms(r.steadyMs).padEnd(10)}  ` +
        `${ms(r.loadToFirstResultMs)} (${share}×)`);
    }
  };
  await benchGraphModels({ runs, models, flags, warmup, onRow: print });
}
