// The benchmark suite, run in one page: tensorweb, TensorFlow.js 4.22's
// webgpu backend and onnxruntime-web 1.30's webgpu execution provider on the
// same adapter and the same input values. Every figure is the median of
// `runs` timed runs after `warmup` untimed ones; a run ends when its result
// is back on the CPU (readback included), so all three are timed alike. The
// frameworks take turns run by run, so a change in the machine's load (these
// machines are shared) falls on all of them alike rather than on whichever
// ran at the time; for the same reason the adapter's FMA peak, which matmul
// 1024³ is judged against, takes turns with that workload, and a copy of as
// many bytes as the matrix-vector rows' weights takes turns with each of them
// (their share of the copy bandwidth), as does tensorweb with matvec.wgsl
// off (the GEMM kernels those products ran before it), and tensorweb's
// dataSync() with its data() on the same tensor. The float16 and uint8
// matrix-vector rows are tensorweb's alone: their weights are packed weights
// (js/src/backends/webgpu/README.md), and their share of the copy bandwidth
// counts the bytes they read, 2 or 1 a weight.
import { layersCnn } from './layers.mjs';

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Times each of `runs` (by name) `rounds` times, taking turns; returns the median per name. */
async function measure(runs, { warmup, rounds, settle = async () => {} }) {
  const names = Object.keys(runs);
  for (let i = 0; i < warmup; i++) for (const name of names) await runs[name]();
  await settle();
  const times = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < rounds; i++) {
    for (const name of names) {
      const start = performance.now();
      await runs[name]();
      times[name].push(performance.now() - start);
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(times[name])]));
}

/** Deterministic values in [-1, 1), the same for every framework. */
function values(size, seed) {
  const out = new Float32Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** NHWC [h, w, c] values as NCHW [c, h, w] (batch 1), and an HWIO filter as OIHW. */
function toNchw(data, [h, w, c]) {
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(k * h + y) * w + x] = data[(y * w + x) * c + k];
  return out;
}
function toOihw(data, [kh, kw, ci, co]) {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
    out[((o * ci + i) * kh + y) * kw + x] = data[((y * kw + x) * ci + i) * co + o];
  }
  return out;
}

/** The small CNN's parameters and batch, as plain arrays (HWIO filters, NHWC images). */
function cnnData() {
  return {
    w1: [values(3 * 3 * 1 * 8, 11).map((v) => v * 0.3), [3, 3, 1, 8]], b1: [new Float32Array(8), [8]],
    w2: [values(3 * 3 * 8 * 16, 12).map((v) => v * 0.1), [3, 3, 8, 16]], b2: [new Float32Array(16), [16]],
    w3: [values(7 * 7 * 16 * 10, 13).map((v) => v * 0.03), [7 * 7 * 16, 10]], b3: [new Float32Array(10), [10]],
    x: [values(32 * 28 * 28, 14).map((v) => (v + 1) / 2), [32, 28, 28, 1]],
    labels: [Float32Array.from({ length: 32 * 10 }, (_, i) => (i % 10 === (Math.floor(i / 10) * 7) % 10 ? 1 : 0)), [32, 10]],
  };
}

/**
 * One Adam step of the CNN written with the ops both tensorweb and TF.js
 * have: conv 8 -> relu -> max-pool -> conv 16 -> relu -> max-pool -> dense 10,
 * softmax cross-entropy.
 */
function cnnStep(lib, params, x, labels, optimizer) {
  const loss = () => {
    let h = lib.relu(lib.add(lib.conv2d(x, params.w1, 1, 'same'), params.b1));
    h = lib.maxPool(h, 2, 2, 'valid');
    h = lib.relu(lib.add(lib.conv2d(h, params.w2, 1, 'same'), params.b2));
    h = lib.maxPool(h, 2, 2, 'valid');
    const logits = lib.add(lib.matMul(lib.reshape(h, [32, 7 * 7 * 16]), params.w3), params.b3);
    return lib.mean(lib.neg(lib.sum(lib.mul(labels, lib.logSoftmax(logits)), -1)));
  };
  return optimizer.minimize(loss, true, Object.values(params));
}

/** tensorweb and TF.js share an API shape; this runs a workload with either. */
function tensorSuite(lib, { adam, variable }) {
  const make = ([data, shape]) => lib.tensor(data, shape);
  return {
    async matmul(n) {
      const a = make([values(n * n, 1), [n, n]]);
      const b = make([values(n * n, 2), [n, n]]);
      return { run: async () => { const c = lib.matMul(a, b); await c.data(); c.dispose(); }, dispose: () => lib.dispose([a, b]) };
    },
    /** One row times a K x N matrix: a dense layer at batch 1. */
    async matvec(k, n) {
      const x = make([values(k, 7), [1, k]]);
      const w = make([values(k * n, 8).map((v) => v / Math.sqrt(k)), [k, n]]);
      return { run: async () => { const y = lib.matMul(x, w); await y.data(); y.dispose(); }, dispose: () => lib.dispose([x, w]) };
    },
    /** The same with the weights packed as float16 halves or uint8 codes (a scale and min per column): tensorweb only. */
    async matvecPacked(k, n, storage) {
      const backend = lib.engine?.().findBackend('webgpu');
      if (!backend?.writePacked) return null;
      const x = make([values(k, 7), [1, k]]);
      const weights = values(k * n, 8).map((v) => v / Math.sqrt(k));
      const halves = async () => {
        const [float32, float16] = lib.tidy(() => { const t = lib.tensor(weights, [k, n]); return [t, t.cast('float16')]; });
        const bits = await float16.data();
        lib.dispose([float32, float16]);
        return bits;
      };
      const packed = storage === 'float16' ? { format: 'float16', halves: await halves() }
        : { format: 'uint8', codes: Uint8Array.from(weights, (v) => Math.round((v * Math.sqrt(k) + 1) * 127.5)),
            scale: new Float32Array(n).fill(1 / (127.5 * Math.sqrt(k))), min: new Float32Array(n).fill(-1 / Math.sqrt(k)), axis: 1 };
      const w = lib.engine().makeTensorFromDataId(backend.writePacked(packed, [k, n]), [k, n], 'float32', backend);
      return { run: async () => { const y = lib.matMul(x, w); await y.data(); y.dispose(); }, dispose: () => lib.dispose([x, w]) };
    },
    async conv() {
      const x = make([values(56 * 56 * 64, 3), [1, 56, 56, 64]]);
      const w = make([values(3 * 3 * 64 * 64, 4).map((v) => v * 0.05), [3, 3, 64, 64]]);
      return { run: async () => { const y = lib.conv2d(x, w, 1, 'same'); await y.data(); y.dispose(); }, dispose: () => lib.dispose([x, w]) };
    },
    async depthwise() {
      const x = make([values(112 * 112 * 32, 5), [1, 112, 112, 32]]);
      const w = make([values(3 * 3 * 32, 6), [3, 3, 32, 1]]);
      return { run: async () => { const y = lib.depthwiseConv2d(x, w, 1, 'same'); await y.data(); y.dispose(); }, dispose: () => lib.dispose([x, w]) };
    },
    async train() {
      const data = cnnData();
      const params = Object.fromEntries(['w1', 'b1', 'w2', 'b2', 'w3', 'b3'].map((k) => [k, variable(make(data[k]))]));
      const x = make(data.x);
      const labels = make(data.labels);
      const optimizer = adam(0.001);
      return {
        run: async () => { const loss = cnnStep(lib, params, x, labels, optimizer); await loss.data(); loss.dispose(); },
        dispose: () => { lib.dispose([x, labels, ...Object.values(params)]); optimizer.dispose?.(); },
      };
    },
    layersCnn: () => layersCnn(lib),
    /** n values computed on the GPU (x + 1), then read by dataSync() (the row's figure) or, as `runData`, by data(). */
    async readSync(n) {
      const x = make([values(n, 9), [n]]);
      const read = async (sync) => {
        const y = lib.add(x, 1);
        if (sync) y.dataSync();
        else await y.data();
        y.dispose();
      };
      return { run: () => read(true), runData: () => read(false), dispose: () => lib.dispose([x]) };
    },
  };
}

function ortSuite(ort) {
  const feeds = (entries) => Object.fromEntries(entries.map(([name, data, shape]) => [name, new ort.Tensor('float32', data, shape)]));
  const session = (file) => ort.InferenceSession.create(`/bench/models/${file}.onnx`, { executionProviders: ['webgpu'] });
  const runner = async (file, inputs) => {
    const s = await session(file);
    const f = feeds(inputs);
    return { run: async () => { const out = await s.run(f); for (const t of Object.values(out)) await t.getData(); }, dispose: () => s.release() };
  };
  return {
    matmul: (n) => runner(`matmul_${n}`, [['a', values(n * n, 1), [n, n]], ['b', values(n * n, 2), [n, n]]]),
    conv: () => runner('conv_56x56x64_64_3x3', [
      ['x', toNchw(values(56 * 56 * 64, 3), [56, 56, 64]), [1, 64, 56, 56]],
      ['w', toOihw(values(3 * 3 * 64 * 64, 4).map((v) => v * 0.05), [3, 3, 64, 64]), [64, 64, 3, 3]]]),
    depthwise: () => runner('depthwise_112x112x32_3x3', [
      ['x', toNchw(values(112 * 112 * 32, 5), [112, 112, 32]), [1, 32, 112, 112]],
      ['w', toOihw(values(3 * 3 * 32, 6), [3, 3, 32, 1]), [32, 1, 3, 3]]]),
  };
}

/**
 * The adapter's FMA throughput through tensorweb's backend (common/fma_peak.wgsl, 64 flops per
 * thread-iteration), as a turn to time beside a workload's, so both see the same machine load.
 */
function fmaPeakTurn(tw) {
  const backend = tw.engine().findBackend('webgpu');
  const threads = 65536;
  const iterations = 512;
  const out = backend.allocate([threads], 'float32');
  return {
    flops: threads * iterations * 64,
    run: async () => {
      backend.run({
        shader: 'common/fma_peak.wgsl', bindings: { out, params: { threads, iterations, multiplier: 0.999, addend: 0.001 } },
        workgroups: Math.ceil(threads / 256),
      });
      await backend.sync();
    },
    dispose: () => backend.disposeData(out),
  };
}

/**
 * The adapter's copy bandwidth through tensorweb's backend (common/copy_bandwidth.wgsl): `bytes` read and
 * as many written per run, as a turn to time beside a workload that streams that many bytes.
 */
function copyBandwidthTurn(tw, bytes) {
  const backend = tw.engine().findBackend('webgpu');
  const vec4s = Math.ceil(bytes / 16);
  const items = 4;
  const threads = Math.ceil(vec4s / items);
  const source = backend.allocate([vec4s * 4], 'float32');
  const destination = backend.allocate([vec4s * 4], 'float32');
  return {
    bytesMoved: 2 * vec4s * 16,
    run: async () => {
      backend.run({
        shader: 'common/copy_bandwidth.wgsl', constants: { ITEMS: items },
        bindings: { source, destination, params: { vec4s, threads } }, workgroups: backend.grid(Math.ceil(threads / 256)),
      });
      await backend.sync();
    },
    dispose: () => { backend.disposeData(source); backend.disposeData(destination); },
  };
}

/** A turn of tensorweb's run of a workload with backend flags set (a kernel variant forced), then restored. */
function withFlags(tw, flags, run) {
  const backend = tw.engine().findBackend('webgpu');
  return async () => {
    const saved = { ...backend.flags };
    backend.setFlags(flags);
    try {
      await run();
    } finally {
      backend.setFlags(saved);
    }
  };
}

const PEAK = 'fmaPeak';
const COPY = 'copy';
/** The matrix-vector rows' second tensorweb turn: the GEMM kernels they took before matmul/matvec.wgsl. */
const GEMM = 'tensorwebGemm';
/** The dataSync row's second tensorweb turn: the same tensor read by data(). */
const DATA = 'tensorwebData';

/** A matrix-vector workload: 1 x K times K x N, streaming K * N float32 weights (plus x and y). */
const matvecWorkload = (id, k, n, what) => ({
  id, label: `matrix-vector 1×${k} · ${k}×${n} (${what})`, make: (s) => s.matvec?.(k, n),
  weightBytes: 4 * k * n, bytes: 4 * (k * n + k + n),
});

/** The same with packed float16 or uint8 weights: K * N * 2 or 1 bytes of weights (plus the scales and mins, x and y). */
const packedMatvecWorkload = (k, n, storage) => {
  const weightBytes = k * n * (storage === 'float16' ? 2 : 1) + (storage === 'uint8' ? 8 * n : 0);
  return {
    id: `matvec_1x${k}x${n}_${storage}`, label: `matrix-vector 1×${k} · ${k}×${n}, ${storage} weights`,
    make: (s) => s.matvecPacked?.(k, n, storage), weightBytes, bytes: weightBytes + 4 * (k + n), packed: true,
  };
};

export const WORKLOADS = [
  { id: 'matmul_256', label: 'matmul 256³ (with readback)', make: (s) => s.matmul(256) },
  { id: 'matmul_1024', label: 'matmul 1024³ (with readback)', make: (s) => s.matmul(1024), flops: 2 * 1024 ** 3 },
  matvecWorkload('matvec_1x9216x4096', 9216, 4096, "AlexNet's first dense layer"),
  packedMatvecWorkload(9216, 4096, 'float16'),
  packedMatvecWorkload(9216, 4096, 'uint8'),
  matvecWorkload('matvec_1x4096x4096', 4096, 4096, "AlexNet's and VGG-19's second"),
  packedMatvecWorkload(4096, 4096, 'float16'),
  packedMatvecWorkload(4096, 4096, 'uint8'),
  matvecWorkload('matvec_1x1280x1000', 1280, 1000, "EfficientNet-Lite0's classifier"),
  { id: 'conv2d_56x56x64_64_3x3', label: 'conv2d 1×56×56×64 → 64, 3×3 same', make: (s) => s.conv() },
  { id: 'depthwise_112x112x32_3x3', label: 'depthwise 3×3 on 1×112×112×32', make: (s) => s.depthwise() },
  { id: 'cnn_adam_step_b32', label: 'small CNN, one Adam step, batch 32', make: (s) => s.train?.() },
  { id: 'layers_cnn_fit_b32', label: 'layers API CNN, trainOnBatch, batch 32', make: (s) => s.layersCnn?.(), samples: 32 },
  { id: 'datasync_1m', label: 'dataSync() of 1M float32 computed on the GPU', make: (s) => s.readSync?.(1 << 20), dataTurn: true },
];

/** Runs every workload on every framework; returns the medians, ratios (peer / ours) and the adapter's peak. */
export async function runBench(tw, { warmup = 2, runs = 5, only = null } = {}) {
  const tf = window.tf;
  const ort = window.ort;
  if (!(await tw.setBackend('webgpu'))) throw new Error('tensorweb: no webgpu backend');
  await tf.setBackend('webgpu');
  await tf.ready();
  const suites = {
    tensorweb: tensorSuite(tw, { adam: (lr) => tw.train.adam(lr), variable: (t) => tw.variable(t) }),
    tfjs: tensorSuite(tf, { adam: (lr) => tf.train.adam(lr), variable: (t) => tf.variable(t) }),
    ort: ortSuite(ort),
  };
  // The warm-up runs used the quick kernel variants where the best ones compile slowly; time the best ones.
  const settle = () => tw.engine().findBackend('webgpu').bestVariantsReady();
  const results = [];
  for (const workload of WORKLOADS.filter((w) => !only || only.includes(w.id))) {
    const row = { id: workload.id, label: workload.label, medianMs: {}, ratio: {} };
    const prepared = {};
    // A workload measured against the adapter's FMA peak or its copy bandwidth takes turns with that kernel.
    const peak = workload.flops ? fmaPeakTurn(tw) : null;
    const copy = workload.bytes ? copyBandwidthTurn(tw, workload.weightBytes) : null;
    try {
      for (const [name, suite] of Object.entries(suites)) {
        const made = await workload.make(suite);
        if (made) prepared[name] = made;
      }
      const turns = Object.fromEntries(Object.entries(prepared).map(([name, made]) => [name, made.run]));
      if (peak) turns[PEAK] = peak.run;
      if (workload.dataTurn) turns[DATA] = prepared.tensorweb.runData;
      if (copy) {
        turns[COPY] = copy.run;
        // Packed weights would be unpacked for good by the GEMM kernels, so their rows have no such turn.
        if (!workload.packed) turns[GEMM] = withFlags(tw, { matvec: 'off' }, prepared.tensorweb.run);
      }
      const { [PEAK]: peakMs, [COPY]: copyMs, ...medianMs } = await measure(turns, { warmup, rounds: runs, settle });
      row.medianMs = medianMs;
      if (peak) row.peak = { gflops: peak.flops / (peakMs * 1e6), medianMs: peakMs };
      if (copy) {
        const copyGBs = copy.bytesMoved / (copyMs * 1e6);
        const gbs = workload.bytes / (medianMs.tensorweb * 1e6);
        row.bandwidth = { gbs, copyGBs, copyMs, shareOfCopy: gbs / copyGBs };
      }
    } finally {
      for (const made of Object.values(prepared)) await made.dispose();
      peak?.dispose();
      copy?.dispose();
    }
    for (const peer of ['tfjs', 'ort']) {
      if (row.medianMs[peer] !== undefined) row.ratio[peer] = row.medianMs[peer] / row.medianMs.tensorweb;
    }
    if (workload.flops) row.gflops = workload.flops / (row.medianMs.tensorweb * 1e6);
    if (workload.samples) {
      row.samplesPerSecond = Object.fromEntries(Object.entries(row.medianMs).map(([name, ms]) => [name, (workload.samples * 1000) / ms]));
    }
    results.push(row);
  }
  // The peak measured beside matmul 1024³, or alone when that did not run.
  let peak = results.find((row) => row.peak)?.peak;
  if (!peak) {
    const turn = fmaPeakTurn(tw);
    const { [PEAK]: medianMs } = await measure({ [PEAK]: turn.run }, { warmup: 1, rounds: runs, settle });
    turn.dispose();
    peak = { gflops: turn.flops / (medianMs * 1e6), medianMs };
  }
  const adapter = tw.engine().findBackend('webgpu').info;
  return { adapter: { vendor: adapter.vendor, architecture: adapter.architecture, description: adapter.description }, warmup, runs, peak, results };
}
