// Converted-graph benchmark: tensorweb's GraphModel on webgpu against
// onnxruntime-web 1.30 (webgpu) on the same model in the same headless
// Chromium. Per model: load time (model.json + shards, or the .onnx file, to
// weights on the device), first inference, and steady-state inference
// (median of `runs`), each with its readback; plus the largest difference
// between the two runtimes' outputs.
//
//   .venv/bin/python bench/graph_models.py   # writes build/bench-graph/
//   node bench/graph.mjs [--runs N]
//
// scripts/bench.mjs may import benchGraphModels(session, options).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BrowserSession, ROOT } from '../tests/browser/helper.mjs';
import { join } from 'node:path';

export const MODELS = [{ name: 'squeezenet1_0', input: 'image', shape: [1, 3, 224, 224] }];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs both runtimes on each model in one page of `session`; returns one row per model. */
export async function benchGraphModels(session, { runs = 5, models = MODELS } = {}) {
  const rows = [];
  for (const model of models) {
    if (!existsSync(join(ROOT, 'build', 'bench-graph', model.name, 'model.json'))) {
      throw new Error(`build/bench-graph/${model.name} is missing: run .venv/bin/python bench/graph_models.py`);
    }
    const page = await session.newPage();
    // Both runtimes in one page, steady-state runs alternating, so that load from other processes falls on both alike.
    const result = await page.run(async (tw, { model, runs }) => {
      const ort = await import('/node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs');
      ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
      if (!(await tw.setBackend('webgpu'))) throw new Error('webgpu did not initialise');
      const timed = async (f) => {
        const start = performance.now();
        const value = await f();
        return [performance.now() - start, value];
      };
      const [twLoadMs, graph] = await timed(() => tw.loadGraphModel(`/build/bench-graph/${model.name}/model.json`));
      const [ortLoadMs, session] = await timed(() => ort.InferenceSession.create(`/build/bench-graph/${model.name}.onnx`,
        { executionProviders: ['webgpu'] }));
      const x = tw.randomNormal(model.shape, 0, 1, 'float32', 7);
      const feeds = { [model.input]: new ort.Tensor('float32', await x.data(), model.shape) };
      const twInfer = async () => {
        const y = graph.predict(x);
        const values = await y.data();
        y.dispose();
        return values;
      };
      const ortInfer = async () => {
        const output = (await session.run(feeds))[session.outputNames[0]];
        const values = await output.getData();
        output.dispose();
        return values;
      };
      const [twFirstMs, twOutput] = await timed(twInfer);
      const [ortFirstMs, ortOutput] = await timed(ortInfer);
      const twTimes = [];
      const ortTimes = [];
      for (let i = 0; i < runs; i++) {
        twTimes.push((await timed(twInfer))[0]);
        ortTimes.push((await timed(ortInfer))[0]);
      }
      await session.release();
      x.dispose();
      graph.dispose();
      return {
        tensorweb: { loadMs: twLoadMs, firstMs: twFirstMs, times: twTimes, output: Array.from(twOutput) },
        ort: { loadMs: ortLoadMs, firstMs: ortFirstMs, times: ortTimes, output: Array.from(ortOutput) },
      };
    }, { model, runs });
    const { tensorweb, ort } = result;
    await page.close();
    const scale = Math.max(...ort.output.map(Math.abs));
    const maxDiff = Math.max(...ort.output.map((v, i) => Math.abs(v - tensorweb.output[i])));
    rows.push({
      model: model.name,
      tensorweb: { loadMs: tensorweb.loadMs, firstMs: tensorweb.firstMs, steadyMs: median(tensorweb.times) },
      onnxruntimeWeb: { loadMs: ort.loadMs, firstMs: ort.firstMs, steadyMs: median(ort.times) },
      outputRelativeDifference: maxDiff / scale,
    });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runsAt = process.argv.indexOf('--runs');
  const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5;
  const session = await BrowserSession.start();
  try {
    const rows = await benchGraphModels(session, { runs });
    const ms = (v) => `${v.toFixed(0)} ms`;
    for (const row of rows) {
      console.log(`${row.model} (steady state: median of ${runs}; outputs differ by ${row.outputRelativeDifference.toExponential(1)} of their largest)`);
      console.log('  runtime                 load        first       steady');
      for (const [label, r] of [['tensorweb webgpu', row.tensorweb], ['onnxruntime-web webgpu', row.onnxruntimeWeb]]) {
        console.log(`  ${label.padEnd(22)}  ${ms(r.loadMs).padEnd(10)}  ${ms(r.firstMs).padEnd(10)}  ${ms(r.steadyMs)}`);
      }
    }
  } finally {
    await session.close();
  }
}
