// Converted-graph benchmark: tensorweb's GraphModel on webgpu against a peer
// runtime on the same model in the same headless Chromium page: onnxruntime-web
// 1.30 (webgpu) for the ONNX models, Google's LiteRT.js 2.5.3 for MediaPipe's
// .tflite models (its webgpu accelerator, else its CPU/wasm path; the row says
// which ran). Per row: load time (model.json + shards, or the .onnx/.tflite
// file, to weights on the device; LiteRT.js's includes loading its wasm
// runtime, as onnxruntime-web's session creation does), first inference,
// steady-state inference (median of `runs`, the two runtimes taking turns run
// by run), each with its readback, and load to first result (a page's first
// visit: loadGraphModel, or the peer's load, then the first run and its
// readback, timed as one), divided by load plus steady state, where tensorweb's
// load is the weights' alone (the models loaded a second time, every pipeline
// compiled, the shards read from the model cache: its first load compiles the
// pipelines ahead, and its quick kernel variants run the first result while the
// best ones compile afterwards, which the row also times; the row also divides
// by a second load whose shards come from the server, as the first load's
// did); plus the largest difference between the two
// runtimes' outputs (absolute, and relative to each output's largest value).
// A row may chain models: face_detection_landmarks is one camera frame, the
// face detector on a 128x128 frame then the landmark model on a 192x192 crop.
// A `generate` row times text generation with a KV-cache decoder instead: one
// inference is a 32-token prompt and 64 greedy new tokens, tensorweb's through
// tw.text.generate (cache and token choice on the GPU, the id read back), the
// peer's through a loop of session.run with its present outputs kept on the GPU
// (preferredOutputLocation 'gpu-buffer') and the logits read back for the
// argmax; the row adds tokens per second, and compares the tokens chosen.
// Each row gets a fresh browser, so no pipeline compiled for an earlier one is
// reused. Its page starts tensorweb's backend and then settles for
// PAGE_SETTLE_MS: a fresh Chromium page keeps a 2-core machine's cores busy
// for ~0.9 s (a blank page too: the new renderer's start-up in the browser,
// renderer and GPU processes), which fell on tensorweb's load alone, as it
// loads first, but on neither the peer's load nor the second load the ratio
// divides by. Meanwhile, on CPU adapters, the backend compiles the pipelines
// most models need (js/src/backends/webgpu/prewarm.ts), as in an app that
// starts it before it loads a model; --prewarm off leaves that out (the load
// then compiles them: an app that loads a model as soon as the backend starts).
//
//   .venv/bin/python bench/graph_models.py   # writes build/bench-graph/
//   node bench/graph.mjs [--runs N] [--models squeezenet1_0,alexnet,...] [--flags '{"matvec":"off"}'] [--warmup off]
//                        [--litert wasm] [--prewarm off]
// --flags sets tensorweb's webgpu backend flags (kernel variants) for the run;
// --warmup off loads with { warmup: false } (pipelines compile on first use);
// --litert wasm runs LiteRT.js on its CPU path (threaded XNNPACK) instead of webgpu;
// --prewarm off sets tw.env()'s WEBGPU_PREWARM off before the backend starts.
//
// scripts/bench.mjs may import benchGraphModels(options).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BrowserSession, ROOT } from '../tests/browser/helper.mjs';
import { join } from 'node:path';
import { median } from './suite.mjs';
import { skimagePhoto } from '../tests/fixtures/photos.mjs';

/**
 * Rows: the models bench/graph_models.py writes (`parts`, run one after the
 * other as one inference) and what to feed them: 'normal' noise, 'pixels' in
 * 0..255, token 'ids', 'ones', or a 'photo': scikit-image's astronaut.png
 * (512x512), its square `crop` [x, y, side] scaled to the input's size, pixels
 * in 0..1 ('unit') or -1..1 ('signed'), MediaPipe's normalisations. `peer`:
 * the runtime compared with.
 */
const onnx = (name, inputs) => ({ name, peer: 'ort', parts: [{ name, inputs }] });
const image = (name, size, fill) => ({ name, shape: [1, size, size, 3], fill, ortType: 'float32' });
const photo = (name, size, range, crop) => ({ name, shape: [1, size, size, 3], fill: 'photo', range, crop });
const WHOLE = [0, 0, 512];
const FACE = [125, 10, 200]; // the astronaut's face box, widened 1.5x as MediaPipe crops for its landmark model
export const MODELS = [
  onnx('squeezenet1_0', [{ name: 'image', shape: [1, 3, 224, 224], fill: 'normal', ortType: 'float32' }]),
  onnx('alexnet', [{ name: 'data_0', shape: [1, 3, 224, 224], fill: 'normal', ortType: 'float32' }]),
  // Quantised conversions of the same AlexNet: onnxruntime-web runs the float32 source, so their outputs differ by the quantisation.
  onnx('alexnet_uint8', [{ name: 'data_0', shape: [1, 3, 224, 224], fill: 'normal', ortType: 'float32' }]),
  onnx('alexnet_float16', [{ name: 'data_0', shape: [1, 3, 224, 224], fill: 'normal', ortType: 'float32' }]),
  onnx('vgg19', [{ name: 'data_0', shape: [1, 3, 224, 224], fill: 'normal', ortType: 'float32' }]),
  onnx('efficientnet_lite0', [image('image', 224, 'pixels')]),
  onnx('minilm_l6', [
    { name: 'input_ids', shape: [1, 128], fill: 'ids', ortType: 'int64' },
    { name: 'attention_mask', shape: [1, 128], fill: 'ones', ortType: 'int64' }]),
  // The same conversion (batch and sequence free) at a batch of 8 sentences of 128 tokens.
  {
    name: 'minilm_l6_batch8', peer: 'ort', parts: [{ name: 'minilm_l6', inputs: [
      { name: 'input_ids', shape: [8, 128], fill: 'ids', ortType: 'int64' },
      { name: 'attention_mask', shape: [8, 128], fill: 'ones', ortType: 'int64' }] }],
  },
  // The decoder fixture, prompt step from an empty cache ([1, 4, 0, 16]), then 64 steps of one token.
  {
    name: 'tiny_gpt_generate', peer: 'ort', generate: { newTokens: 64 }, parts: [{ name: 'tiny_gpt', inputs: [
      { name: 'input_ids', shape: [1, 32], fill: 'tokens', ortType: 'int64' },
      ...[0, 1].flatMap((layer) => ['key', 'value'].map((kind) => (
        { name: `past_key_values.${layer}.${kind}`, shape: [1, 4, 0, 16], fill: 'normal', ortType: 'float32' })))] }],
  },
  {
    name: 'face_detection_landmarks', peer: 'litert', parts: [
      { name: 'face_detection_short_range', inputs: [photo('input', 128, 'signed', WHOLE)] },
      { name: 'face_landmark', inputs: [photo('input_1', 192, 'unit', FACE)] }],
  },
  { name: 'selfie_segmentation', peer: 'litert', parts: [{ name: 'selfie_segmentation', inputs: [photo('input_1', 256, 'unit', WHOLE)] }] },
];

/** How long a row's fresh page idles before the first load (see the header). */
const PAGE_SETTLE_MS = 1000;

/** The MODELS entries a comma-separated list names, in its order. */
export function modelsNamed(list) {
  return list.split(',').map((name) => {
    const model = MODELS.find((m) => m.name === name);
    if (!model) throw new Error(`unknown model '${name}' (have: ${MODELS.map((m) => m.name).join(', ')})`);
    return model;
  });
}

/**
 * Runs both runtimes on each row in one page of a browser of its own; returns
 * one row per entry, each also passed to onRow. `warmup: false` loads
 * tensorweb's models without compiling pipelines ahead; `litert: 'wasm'` puts
 * LiteRT.js on its CPU path; `prewarm: false` keeps the backend from compiling common pipelines before the load.
 */
export async function benchGraphModels({ runs = 5, models = MODELS, flags = {}, warmup = true, litert = 'webgpu', prewarm = true,
  onRow = () => {} } = {}) {
  if (!['webgpu', 'wasm'].includes(litert)) throw new Error(`--litert takes webgpu or wasm, not '${litert}'`);
  const rows = [];
  for (const model of models) {
    for (const part of model.parts) {
      const source = `${part.name}.${model.peer === 'ort' ? 'onnx' : 'tflite'}`;
      for (const file of [join(part.name, 'model.json'), source]) {
        if (!existsSync(join(ROOT, 'build', 'bench-graph', file))) {
          throw new Error(`build/bench-graph/${file} is missing: run .venv/bin/python bench/graph_models.py ${part.name}`);
        }
      }
    }
    const usesPhoto = model.parts.some((part) => part.inputs.some((input) => input.fill === 'photo'));
    const photoBase64 = usesPhoto ? skimagePhoto('astronaut.png').toString('base64') : null;
    const session = await BrowserSession.start({ pagePath: '/bench/graph.html' });
    let result;
    try {
      const page = await session.newPage();
      result = await page.run(benchOneModel, { model, runs, flags, warmup, litert, prewarm, photoBase64, settleMs: PAGE_SETTLE_MS });
    } finally {
      await session.close();
    }
    const { tensorweb, peer } = result;
    // Per output, the largest difference, absolute and over the output's largest magnitude; the worst output counts.
    const absolute = [];
    const relative = [];
    for (const [name, expected] of Object.entries(peer.outputs)) {
      const actual = tensorweb.outputs[name];
      if (!actual) throw new Error(`${model.name}: tensorweb has no output '${name}' (has ${Object.keys(tensorweb.outputs).join(', ')})`);
      if (actual.length !== expected.length) throw new Error(`${model.name}: output '${name}' has ${actual.length} values, the peer's ${expected.length}`);
      const difference = Math.max(...expected.map((v, i) => Math.abs(v - actual[i])));
      absolute.push(difference);
      relative.push(difference / Math.max(...expected.map(Math.abs)));
    }
    const summary = (r) => ({ loadMs: r.loadMs, firstMs: r.firstMs, steadyMs: median(r.times), loadToFirstResultMs: r.loadToFirstResultMs });
    // A generate row's steady state is one generation: its new tokens per second.
    const speed = (r) => (model.generate ? { tokensPerSecond: model.generate.newTokens / (median(r.times) / 1000) } : {});
    rows.push({
      model: model.name,
      ...(model.generate ? { generate: { promptTokens: model.parts[0].inputs[0].shape[1], newTokens: model.generate.newTokens } } : {}),
      tensorweb: { ...summary(tensorweb), ...speed(tensorweb), reloadMs: tensorweb.reloadMs, serverReloadMs: tensorweb.serverReloadMs, bestVariantsMs: tensorweb.bestVariantsMs },
      peer: { runtime: peer.runtime, ...summary(peer), ...peer.details, ...speed(peer) },
      outputMaxAbsDifference: Math.max(...absolute),
      outputRelativeDifference: Math.max(...relative),
    });
    onRow(rows.at(-1));
  }
  return rows;
}

/**
 * In the page: each runtime loads the row's models and runs them once, timed
 * from the load's start to the first result's readback, then both run `runs`
 * times in turns (so that load from other processes falls on both alike).
 * Outputs are keyed "model/output".
 */
async function benchOneModel(tw, { model, runs, flags, warmup, litert, prewarm, photoBase64, settleMs }) {
  tw.env().set('WEBGPU_PREWARM', prewarm);
  if (!(await tw.setBackend('webgpu'))) throw new Error('webgpu did not initialise');
  tw.engine().findBackend('webgpu').setFlags(flags);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
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
    tokens: () => Math.floor(1000 * uniform()), // the decoder's vocabulary
    ones: () => 1,
  };
  const picture = photoBase64 && await createImageBitmap(new Blob([Uint8Array.from(atob(photoBase64), (c) => c.charCodeAt(0))]));
  const photoPixels = ({ shape: [, size], crop: [x, y, side], range }) => {
    const context = new OffscreenCanvas(size, size).getContext('2d');
    context.drawImage(picture, x, y, side, side, 0, 0, size, size);
    const rgba = context.getImageData(0, 0, size, size).data;
    return Array.from({ length: size * size * 3 }, (_, i) => {
      const pixel = rgba[4 * Math.floor(i / 3) + (i % 3)];
      return range === 'unit' ? pixel / 255 : pixel / 127.5 - 1;
    });
  };
  const values = model.parts.map((part) => Object.fromEntries(part.inputs.map((input) => [input.name, input.fill === 'photo'
    ? photoPixels(input) : Array.from({ length: input.shape.reduce((a, b) => a * b, 1) }, fills[input.fill])])));

  // Each peer: its name, its load of one part (returning that part's inference, outputs by name, and its release).
  const peers = {
    async ort() {
      const ort = await import('/node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs');
      ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
      // Its warnings (shape ops placed on the CPU) go to console.error, which the page helper counts as failures.
      ort.env.logLevel = 'error';
      return {
        runtime: 'onnxruntime-web webgpu',
        details: () => ({}),
        async load(part, k) {
          const url = `/build/bench-graph/${part.name}.onnx`;
          const feeds = Object.fromEntries(part.inputs.map((input) => [input.name, input.ortType === 'int64'
            ? new ort.Tensor('int64', BigInt64Array.from(values[k][input.name], BigInt), input.shape)
            : new ort.Tensor('float32', Float32Array.from(values[k][input.name]), input.shape)]));
          if (model.generate) {
            const presents = part.inputs.map((input) => input.name.replace('past_key_values.', 'present.')).slice(1);
            const session = await ort.InferenceSession.create(url, { executionProviders: ['webgpu'], logSeverityLevel: 3,
              preferredOutputLocation: Object.fromEntries(presents.map((name) => [name, 'gpu-buffer'])) });
            return {
              async infer() {
                const tokens = [];
                let step = feeds;
                let cache = [];
                for (let i = 0; i < model.generate.newTokens; i++) {
                  const results = await session.run(step);
                  const logits = await results.logits.getData();
                  const vocab = results.logits.dims[2];
                  const last = logits.subarray(logits.length - vocab);
                  const token = last.reduce((best, v, j) => (v > last[best] ? j : best), 0);
                  tokens.push(token);
                  results.logits.dispose();
                  cache.forEach((t) => t.dispose());
                  cache = presents.map((name) => results[name]);
                  step = { input_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(token)), [1, 1]),
                    ...Object.fromEntries(presents.map((name, j) => [name.replace('present.', 'past_key_values.'), cache[j]])) };
                }
                cache.forEach((t) => t.dispose());
                return { tokens };
              },
              release: () => session.release(),
            };
          }
          const session = await ort.InferenceSession.create(url, { executionProviders: ['webgpu'], logSeverityLevel: 3 });
          return {
            async infer() {
              const results = await session.run(feeds);
              const outputs = {};
              for (const name of session.outputNames) {
                outputs[name] = Array.from(await results[name].getData());
                results[name].dispose();
              }
              return outputs;
            },
            release: () => session.release(),
          };
        },
      };
    },
    async litert() {
      // LiteRT's wasm writes its INFO log lines to stderr, which emscripten sends to console.error
      // (a failure to the page helper); they are logs, so they go to console.warn. Its errors throw.
      window.Module = { printErr: (line) => console.warn(line) };
      const lite = await import('/node_modules/@litertjs/core/dist/index.js');
      // Its wasm runtime loads with the first model, as onnxruntime-web's does in InferenceSession.create.
      let runtimeLoad;
      const ready = () => (runtimeLoad ??= timed(() => lite.loadLiteRt('/node_modules/@litertjs/core/wasm/',
        { threads: litert === 'wasm' && crossOriginIsolated })));
      const compiled = [];
      return {
        // The accelerator each model was compiled for: LiteRT.js falls back to wasm where webgpu cannot take a whole model.
        get runtime() {
          return `LiteRT.js 2.5.3 ${[...new Set(compiled.map((m) => m.options.accelerator))].join('+') || litert}`;
        },
        details: async () => ({
          accelerators: compiled.map((m) => `${m.options.accelerator}${m.isFullyAccelerated ? '' : ' (partly)'}`),
          wasmRuntimeLoadMs: (await runtimeLoad)[0],
        }),
        async load(part, k) {
          await ready();
          const compiledModel = await lite.loadAndCompile(`/build/bench-graph/${part.name}.tflite`, { accelerator: litert });
          compiled.push(compiledModel);
          const inputs = compiledModel.getInputDetails().map((d) => {
            const input = part.inputs.find((i) => i.name === d.name);
            if (!input) throw new Error(`${part.name}.tflite: LiteRT.js input '${d.name}' is not among the bench's (${part.inputs.map((i) => i.name)})`);
            return new lite.Tensor(Float32Array.from(values[k][input.name]), input.shape);
          });
          const names = compiledModel.getOutputDetails().map((d) => d.name);
          return {
            async infer() {
              const results = await compiledModel.run(inputs);
              const outputs = {};
              for (const [j, tensor] of results.entries()) {
                outputs[names[j]] = Array.from(await tensor.data());
                tensor.delete();
              }
              return outputs;
            },
            release: () => { inputs.forEach((t) => t.delete()); compiledModel.delete(); },
          };
        },
      };
    },
  };
  const peer = await peers[model.peer]();

  // One inference of the row: its parts one after the other, each read back.
  const inferAll = async (runners) => {
    const outputs = {};
    for (const [k, runner] of runners.entries()) {
      for (const [name, value] of Object.entries(await runner.infer())) outputs[`${model.parts[k].name}/${name}`] = value;
    }
    return outputs;
  };
  const loadPart = (part, options = {}) => tw.loadGraphModel(`/build/bench-graph/${part.name}/model.json`,
    { inputShapes: Object.fromEntries(part.inputs.map((input) => [input.name, input.shape])), warmup, ...options });
  const graphs = [];
  const twFeeds = [];
  const twRunners = model.parts.map((part, k) => ({
    async infer() {
      const graph = graphs[k];
      if (model.generate) {
        const tokens = [];
        const tokenizer = tw.text.BPETokenizer.fromMetadata(graph.metadata);
        for await (const token of tw.text.generate(graph, tokenizer, values[k].input_ids, { maxNewTokens: model.generate.newTokens })) {
          tokens.push(token.id);
        }
        return { tokens };
      }
      const outputs = graph.execute(twFeeds[k], graph.outputNodes);
      const list = Array.isArray(outputs) ? outputs : [outputs];
      const data = await Promise.all(list.map((t) => t.data()));
      tw.dispose(list);
      return Object.fromEntries(graph.outputNodes.map((name, j) => [name, Array.from(data[j])]));
    },
  }));
  const [twLoadToFirstResultMs, [twLoadMs, twFirstMs, twOutput]] = await timed(async () => {
    const [loadMs] = await timed(async () => {
      for (const [k, part] of model.parts.entries()) {
        graphs[k] = await loadPart(part);
        twFeeds[k] = {};
        for (const input of part.inputs) {
          const declared = graphs[k].inputs.find((d) => d.name === input.name);
          if (!declared) throw new Error(`build/bench-graph/${part.name}/model.json has no input '${input.name}'`);
          twFeeds[k][input.name] = tw.tensor(values[k][input.name], input.shape, declared.dtype);
        }
      }
    });
    return [loadMs, ...await timed(() => inferAll(twRunners))];
  });
  // The slow best kernel variants compile after the first result (their quick ones ran it); they finish before
  // the peer starts, so that neither waits on the other's compiles in the browser's GPU process.
  const [bestVariantsMs] = await timed(() => tw.engine().findBackend('webgpu').bestVariantsReady());
  const peerRunners = [];
  const [peerLoadToFirstResultMs, [peerLoadMs, peerFirstMs, peerOutput]] = await timed(async () => {
    const [loadMs] = await timed(async () => {
      for (const [k, part] of model.parts.entries()) peerRunners.push(await peer.load(part, k));
    });
    return [loadMs, ...await timed(() => inferAll(peerRunners))];
  });
  const twTimes = [];
  const peerTimes = [];
  for (let i = 0; i < runs; i++) {
    twTimes.push((await timed(() => inferAll(twRunners)))[0]);
    peerTimes.push((await timed(() => inferAll(peerRunners)))[0]);
  }
  // The weights' load alone: the models loaded again, every pipeline compiled by now, their shards read from the
  // model cache (the ratio's denominator), then fetched from the server again as the first load fetched them.
  const reload = (options) => timed(async () => {
    for (const part of model.parts) {
      (await loadPart(part, options)).dispose();
    }
  });
  await tw.io.listModels(); // the first load's cache writes done
  const [reloadMs] = await reload({});
  const [serverReloadMs] = await reload({ cache: false });
  const details = await peer.details();
  await Promise.all(peerRunners.map((runner) => runner.release()));
  twFeeds.forEach((feeds) => tw.dispose(feeds));
  graphs.forEach((graph) => graph.dispose());
  return {
    tensorweb: {
      loadMs: twLoadMs, firstMs: twFirstMs, loadToFirstResultMs: twLoadToFirstResultMs, times: twTimes, outputs: twOutput,
      reloadMs, serverReloadMs, bestVariantsMs,
    },
    peer: {
      runtime: peer.runtime, details, loadMs: peerLoadMs, firstMs: peerFirstMs, loadToFirstResultMs: peerLoadToFirstResultMs,
      times: peerTimes, outputs: peerOutput,
    },
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
  const litert = argument('--litert') ?? 'webgpu';
  const prewarm = argument('--prewarm') !== 'off';
  const ms = (v) => `${v.toFixed(0)} ms`;
  const print = (row) => {
    const { runtime, accelerators, wasmRuntimeLoadMs } = row.peer;
    console.log(`${row.model} (steady state: median of ${runs}; outputs differ by ${row.outputMaxAbsDifference.toExponential(1)} at most, ` +
      `${row.outputRelativeDifference.toExponential(1)} of their largest)`);
    const runtimes = [[`tensorweb webgpu${warmup ? '' : ' (warmup off)'}${prewarm ? '' : ' (prewarm off)'}`, row.tensorweb], [runtime, row.peer]];
    const width = Math.max(...runtimes.map(([label]) => label.length));
    console.log(`  ${'runtime'.padEnd(width)}  load        first       steady      load to first result (÷ load + steady)`);
    for (const [label, r] of runtimes) {
      // tensorweb's load compiles pipelines ahead; the ratio takes the weights' load alone (a second load).
      const share = (r.loadToFirstResultMs / ((r.reloadMs ?? r.loadMs) + r.steadyMs)).toFixed(2);
      console.log(`  ${label.padEnd(width)}  ${ms(r.loadMs).padEnd(10)}  ${ms(r.firstMs).padEnd(10)}  ${ms(r.steadyMs).padEnd(10)}  ` +
        `${ms(r.loadToFirstResultMs)} (${share}×)`);
    }
    console.log(`  steady ${runtime} / tensorweb: ${(row.peer.steadyMs / row.tensorweb.steadyMs).toFixed(2)}×; ` +
      `first result: ${(row.peer.loadToFirstResultMs / row.tensorweb.loadToFirstResultMs).toFixed(2)}×`);
    const { reloadMs, serverReloadMs, loadToFirstResultMs, steadyMs } = row.tensorweb;
    console.log(`  tensorweb: weights' load alone (a second load) ${ms(reloadMs)} from the model cache, ${ms(serverReloadMs)} ` +
      `from the server (÷ that + steady: ${(loadToFirstResultMs / (serverReloadMs + steadyMs)).toFixed(2)}×); its best kernel ` +
      `variants compiled ${ms(row.tensorweb.bestVariantsMs)} after the first result`);
    if (row.generate) {
      console.log(`  tokens per second (${row.generate.newTokens} new after a ${row.generate.promptTokens}-token prompt, prompt step included): tensorweb ${row.tensorweb.tokensPerSecond.toFixed(1)}, ` +
        `${runtime} ${row.peer.tokensPerSecond.toFixed(1)}`);
    }
    if (accelerators) {
      console.log(`  LiteRT.js compiled for: ${accelerators.join(', ')}; its wasm runtime loaded in ${ms(wasmRuntimeLoadMs)} (in its load)`);
    }
  };
  await benchGraphModels({ runs, models, flags, warmup, litert, prewarm, onRow: print });
}
