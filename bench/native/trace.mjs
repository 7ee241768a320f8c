// The native benchmark's workloads, recorded: runs each through the runtime
// (js/dist/tensorweb.js) in node on a recording navigator.gpu that describes
// the adapter py/tensorweb/native_bench.py will replay them on, so every
// kernel choice ('auto' rules, tile sizes, split-K) is the one the browser
// runtime makes for that adapter. Prints JSON: per workload its setup events
// (inputs made on the device) and run events (the workload's launches), plus
// the work it does (flops, bytes) for the report.
//
//   node bench/native/trace.mjs ADAPTER.json TRACES.json [--only id,id]
//
// ADAPTER.json: { vendor, architecture, description, isFallbackAdapter, features: [...], limits: {...} }
// with WebGPU's names (maxBufferSize, 'shader-f16'...).
import { readFileSync, writeFileSync } from 'node:fs';
import { installRecordingGpu } from './recorder.mjs';

// Each workload's work, and `reference`: the same computation named for the
// cuBLAS/cuDNN column (py/tensorweb/native_bench.py's REFERENCES, by kind).
const gemm = (m, k, n, epilogue = false) => ({
  flops: 2 * m * k * n, bytes: 4 * (m * k + k * n + m * n), reference: { kind: 'matmul', m, k, n, epilogue },
});
const conv = (kind, batch, h, w, cin, cout, window) => ({
  flops: 2 * batch * h * w * cin * cout * window * window, bytes: 4 * (batch * h * w * (cin + cout) + window * window * cin * cout),
  reference: { kind, batch, h, w, cin, cout, window },
});

/**
 * The hot kernels of the runtime's benchmarks and models. `setup` makes the
 * inputs (on the device: seeded random kernels, so no data is uploaded);
 * `run` is what is timed, its result left on the device.
 */
export const WORKLOADS = [
  ...[256, 1024, 4096].map((n) => ({
    id: `matmul_${n}`, label: `matmul ${n}³`, ...gemm(n, n, n),
    setup: (tw) => ({ a: tw.randomUniform([n, n], -1, 1, 'float32', 1), b: tw.randomUniform([n, n], -1, 1, 'float32', 2) }),
    run: (tw, { a, b }) => tw.matMul(a, b),
  })),
  {
    id: 'matmul_1024_epilogue', label: 'matmul 1024³ + bias + relu (fused)', ...gemm(1024, 1024, 1024, true),
    setup: (tw) => ({ a: tw.randomUniform([1024, 1024], -1, 1, 'float32', 3), b: tw.randomUniform([1024, 1024], -1, 1, 'float32', 4),
      bias: tw.randomUniform([1024], -1, 1, 'float32', 5) }),
    run: (tw, { a, b, bias }) => tw.fused.matMul({ a, b, bias, activation: 'relu' }),
  },
  {
    // A long K with a small output: split-K on every adapter kind, then its summing pass.
    id: 'matmul_64x8192x64_split_k', label: 'matmul 64×8192 · 8192×64 (split-K)', ...gemm(64, 8192, 64),
    setup: (tw) => ({ a: tw.randomUniform([64, 8192], -1, 1, 'float32', 6), b: tw.randomUniform([8192, 64], -1, 1, 'float32', 7) }),
    run: (tw, { a, b }) => tw.matMul(a, b),
  },
  // AlexNet's first two dense layers at batch 1 (the first needs a 151 MB binding, past some adapters' limits).
  ...[[9216, 4096], [4096, 4096]].map(([k, n]) => ({
    id: `matvec_1x${k}x${n}`, label: `matrix-vector 1×${k} · ${k}×${n}`, ...gemm(1, k, n),
    setup: (tw) => ({ a: tw.randomUniform([1, k], -1, 1, 'float32', 8), b: tw.randomUniform([k, n], -1, 1, 'float32', 9) }),
    run: (tw, { a, b }) => tw.matMul(a, b),
  })),
  {
    id: 'conv2d_56x56x64_64_3x3', label: 'conv2d 1×56×56×64 → 64, 3×3 same', ...conv('conv2d', 1, 56, 56, 64, 64, 3),
    setup: (tw) => ({ x: tw.randomUniform([1, 56, 56, 64], -1, 1, 'float32', 10), w: tw.randomUniform([3, 3, 64, 64], -0.05, 0.05, 'float32', 11) }),
    run: (tw, { x, w }) => tw.conv2d(x, w, 1, 'same'),
  },
  {
    id: 'conv2d_56x56x64_64_1x1', label: 'conv2d 1×56×56×64 → 64, 1×1', ...conv('conv2d', 1, 56, 56, 64, 64, 1),
    setup: (tw) => ({ x: tw.randomUniform([1, 56, 56, 64], -1, 1, 'float32', 12), w: tw.randomUniform([1, 1, 64, 64], -0.1, 0.1, 'float32', 13) }),
    run: (tw, { x, w }) => tw.conv2d(x, w, 1, 'same'),
  },
  {
    id: 'depthwise_112x112x32_3x3', label: 'depthwise 3×3 on 1×112×112×32',
    flops: 2 * 112 * 112 * 32 * 9, bytes: 4 * (2 * 112 * 112 * 32 + 9 * 32),
    reference: { kind: 'depthwise', batch: 1, h: 112, w: 112, channels: 32, window: 3 },
    setup: (tw) => ({ x: tw.randomUniform([1, 112, 112, 32], -1, 1, 'float32', 14), w: tw.randomUniform([3, 3, 32, 1], -1, 1, 'float32', 15) }),
    run: (tw, { x, w }) => tw.depthwiseConv2d(x, w, 1, 'same'),
  },
  {
    id: 'sum_4096x1024_rows', label: 'sum over rows, 4096×1024', flops: 4096 * 1024, bytes: 4 * (4096 * 1024 + 4096),
    reference: { kind: 'sum_rows', shape: [4096, 1024] },
    setup: (tw) => ({ x: tw.randomUniform([4096, 1024], -1, 1, 'float32', 16) }),
    run: (tw, { x }) => tw.sum(x, 1),
  },
  {
    // MiniLM's attention at 128 tokens: 12 heads of 128 x 128 scores.
    id: 'softmax_12x128x128', label: 'softmax over the last axis, 12×128×128', flops: 5 * 12 * 128 * 128, bytes: 8 * 12 * 128 * 128,
    reference: { kind: 'softmax', shape: [12, 128, 128] },
    setup: (tw) => ({ x: tw.randomUniform([12, 128, 128], -4, 4, 'float32', 17) }),
    run: (tw, { x }) => tw.softmax(x),
  },
  {
    id: 'layer_norm_128x384', label: 'layer norm over the last axis, 128×384 (MiniLM)', flops: 8 * 128 * 384, bytes: 4 * (2 * 128 * 384 + 2 * 384),
    reference: { kind: 'layer_norm', shape: [128, 384] },
    setup: (tw) => ({ x: tw.randomUniform([128, 384], -2, 2, 'float32', 18), gamma: tw.randomUniform([384], 0.5, 1.5, 'float32', 19),
      beta: tw.randomUniform([384], -0.5, 0.5, 'float32', 20) }),
    run: (tw, { x, gamma, beta }) => tw.layerNorm(x, gamma, beta),
  },
  // The training benchmark's second conv (batch 32, 14x14, 8 -> 16 channels): its input and filter gradients.
  {
    id: 'conv2d_backprop_input_b32_14x14_16_8', label: 'conv2d input gradient, 32×14×14, 16 → 8 channels, 3×3', ...conv('conv2d_input_grad', 32, 14, 14, 8, 16, 3),
    setup: (tw) => ({ dy: tw.randomUniform([32, 14, 14, 16], -1, 1, 'float32', 21), w: tw.randomUniform([3, 3, 8, 16], -0.1, 0.1, 'float32', 22) }),
    run: (tw, { dy, w }) => tw.conv2dTranspose(dy, w, [32, 14, 14, 8], 1, 'same'),  // conv2d's input gradient
  },
  {
    id: 'conv2d_backprop_filter_b32_14x14_8_16', label: 'conv2d filter gradient, 32×14×14, 8 → 16 channels, 3×3', ...conv('conv2d_filter_grad', 32, 14, 14, 8, 16, 3),
    setup: (tw) => ({ x: tw.randomUniform([32, 14, 14, 8], -1, 1, 'float32', 23), dy: tw.randomUniform([32, 14, 14, 16], -1, 1, 'float32', 24) }),
    run: (tw, { x, dy }) => tw.conv2dBackpropFilter(x, dy, [3, 3, 8, 16], 1, 'same'),
  },
];

/** The adapter's FMA peak (common/fma_peak.wgsl, as bench/suite.mjs times it): a reference row. */
const FMA_PEAK = (() => {
  const threads = 65536;
  const iterations = 512;
  return {
    id: 'fma_peak', label: 'FMA peak (common/fma_peak.wgsl)', flops: threads * iterations * 64, bytes: 0,
    setup: (tw) => ({ out: tw.zeros([threads]) }),
    run: (tw, { out }) => {
      const backend = tw.engine().findBackend('webgpu');
      backend.run({
        shader: 'common/fma_peak.wgsl', bindings: { out: out.dataId, params: { threads, iterations, multiplier: 0.999, addend: 0.001 } },
        workgroups: backend.grid(Math.ceil(threads / 256)),
      });
    },
  };
})();

/** The adapter's copy bandwidth (common/copy_bandwidth.wgsl on 64 MiB): a reference row. */
const COPY_BANDWIDTH = (() => {
  const vec4s = 2 ** 22;
  const items = 4;
  const threads = vec4s / items;
  return {
    id: 'copy_bandwidth', label: 'copy 64 MiB (common/copy_bandwidth.wgsl)', flops: 0, bytes: 2 * 16 * vec4s,
    reference: { kind: 'copy', bytes: 16 * vec4s },
    setup: (tw) => ({ source: tw.randomUniform([4 * vec4s], -1, 1, 'float32', 25), destination: tw.zeros([4 * vec4s]) }),
    run: (tw, { source, destination }) => {
      const backend = tw.engine().findBackend('webgpu');
      backend.run({
        shader: 'common/copy_bandwidth.wgsl', constants: { ITEMS: items },
        bindings: { source: source.dataId, destination: destination.dataId, params: { vec4s, threads } },
        workgroups: backend.grid(Math.ceil(threads / 256)),
      });
    },
  };
})();

export const REFERENCES = [FMA_PEAK, COPY_BANDWIDTH];

/** Workloads past this many flops (matmul 4096³) run on CPU adapters only when named. */
const CPU_ADAPTER_FLOPS = 2 ** 36;

/**
 * Records each workload's setup and run on the adapter described. Objects
 * persist from one workload to the next (the backend's pipeline cache and
 * buffer pool), so the replay takes the events in order: `prelude` (the
 * device's own buffers), then each workload's `setup` once and its `run` as
 * often as it times it. A workload the adapter cannot hold (a buffer past its
 * limits) is listed with the reason instead of its events.
 */
export async function traceWorkloads(adapter, only = null) {
  const recorder = installRecordingGpu(adapter);
  const tw = await import('../../js/dist/tensorweb.js');
  if (!(await tw.setBackend('webgpu'))) throw new Error('tensorweb: the webgpu backend did not start on the recording adapter');
  const backend = tw.engine().findBackend('webgpu');
  // Each workload's best variants: in a page, quick stand-ins run only until those have compiled.
  backend.setFlags({ quickKernels: 'off' });
  const prelude = recorder.events.slice();
  const traces = [];
  for (const workload of [...REFERENCES, ...WORKLOADS].filter((w) => !only || only.includes(w.id))) {
    const { id, label, flops, bytes, reference = null } = workload;
    if (backend.info.runsOnCpu && flops > CPU_ADAPTER_FLOPS && !only) {
      traces.push({ id, label, flops, bytes, reference, skipped: `${(flops / 1e9).toFixed(0)} GFLOP takes minutes a run on a CPU adapter; --only ${id} runs it` });
      continue;
    }
    const setupFrom = recorder.events.length;
    let inputs = {};
    try {
      inputs = workload.setup(tw);
      await backend.sync();
      const runFrom = recorder.events.length;
      const result = tw.tidy(() => workload.run(tw, inputs));
      await backend.sync();
      traces.push({ id, label, flops, bytes, reference, setup: recorder.events.slice(setupFrom, runFrom), run: recorder.events.slice(runFrom) });
      tw.dispose(result ?? []);
    } catch (error) {
      recorder.events.length = setupFrom;  // what it recorded is never replayed
      traces.push({ id, label, flops, bytes, reference, skipped: error.message });
    } finally {
      tw.dispose(Object.values(inputs));
    }
  }
  return { runsOnCpu: backend.info.runsOnCpu, flags: backend.flags, prelude, workloads: traces };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [adapterFile, tracesFile, ...rest] = process.argv.slice(2);
  if (!tracesFile) throw new Error('usage: node bench/native/trace.mjs ADAPTER.json TRACES.json [--only id,id]');
  const onlyAt = rest.indexOf('--only');
  const only = onlyAt >= 0 ? rest[onlyAt + 1].split(',') : null;
  const known = [...REFERENCES, ...WORKLOADS].map((w) => w.id);
  const unknown = (only ?? []).filter((id) => !known.includes(id));
  if (unknown.length) throw new Error(`unknown workload(s) ${unknown.join(', ')} (have: ${known.join(', ')})`);
  writeFileSync(tracesFile, JSON.stringify(await traceWorkloads(JSON.parse(readFileSync(adapterFile, 'utf8')), only)));
}
