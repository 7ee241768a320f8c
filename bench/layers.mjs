// Layers-API training throughput: the same small CNN built with tensorweb's
// layers API and with TensorFlow.js 4.22's tfjs-layers (webgpu backend), in
// one page on one adapter. A run is one trainOnBatch (an Adam step with the
// loss read back), so samples per second = batch / run time. tfjs-layers is
// loaded into the bench page on demand (its UMD build extends window.tf).

const BATCH = 32;

/** Deterministic inputs in [0, 1) and one-hot labels, the same for both. */
function batchData() {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const x = Float32Array.from({ length: BATCH * 28 * 28 }, next);
  const y = Float32Array.from({ length: BATCH * 10 }, (_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0));
  return { x, y };
}

/** conv 8 → max-pool → conv 16 → max-pool → flatten → dense 10 softmax, as suite.mjs's CNN training step. */
function buildCnn(lib) {
  const model = lib.sequential({
    layers: [
      lib.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      lib.layers.maxPooling2d({ poolSize: 2 }),
      lib.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      lib.layers.maxPooling2d({ poolSize: 2 }),
      lib.layers.flatten(),
      lib.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: lib.train.adam(0.001), loss: 'categoricalCrossentropy' });
  return model;
}

async function loadTfLayers() {
  if (window.tf?.layers) return;
  await new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/node_modules/@tensorflow/tfjs-layers/dist/tf-layers.es2017.js';
    script.onload = resolve;
    script.onerror = () => reject(new Error('bench: tfjs-layers could not be loaded'));
    document.head.appendChild(script);
  });
}

/** Prepares the layers-CNN workload for `lib` (tensorweb or tf): {run, dispose}. */
export async function layersCnn(lib) {
  if (lib === window.tf) await loadTfLayers();
  const { x, y } = batchData();
  const xs = lib.tensor(x, [BATCH, 28, 28, 1]);
  const ys = lib.tensor(y, [BATCH, 10]);
  const model = buildCnn(lib);
  return {
    run: async () => {
      await model.trainOnBatch(xs, ys);
    },
    dispose: () => {
      lib.dispose([xs, ys]);
      model.dispose();
    },
    samplesPerRun: BATCH,
  };
}
