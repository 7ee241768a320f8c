// The digits training recipes, shared by the cpu (node) and webgpu (browser)
// tests: data split, models, seeds, epochs and the accuracy each must reach on
// the 360 held-out digits. No node imports: the browser page imports it too.

export const TRAIN = 1437;

export const RECIPES = {
  mlp: { epochs: 4, batchSize: 32, seed: 42, threshold: 0.87, image: false },
  cnn: { epochs: 2, batchSize: 32, seed: 42, threshold: 0.83, image: true },
};

/** digits.bin bytes (see tests/fixtures/digits/digits.json) as train/test tensors: pixels in [0, 1], one-hot labels. */
export function digitsTensors(tw, bytes, meta, { image }) {
  const n = meta.count;
  const pixels = Float32Array.from(bytes.subarray(meta.pixelsOffset, meta.pixelsOffset + n * 64), (v) => v / meta.maxPixel);
  const labels = Int32Array.from(bytes.subarray(meta.labelsOffset, meta.labelsOffset + n));
  return tw.tidy(() => {
    const x = tw.tensor(pixels, image ? [n, 8, 8, 1] : [n, 64]);
    const y = tw.oneHot(tw.tensor(labels, [n], 'int32'), 10).cast('float32');
    const part = (t, from, count) => t.slice([from, ...t.shape.slice(1).map(() => 0)], [count, ...t.shape.slice(1).map(() => -1)]);
    return { xTrain: part(x, 0, TRAIN), yTrain: part(y, 0, TRAIN), xTest: part(x, TRAIN, n - TRAIN), yTest: part(y, TRAIN, n - TRAIN) };
  });
}

export function buildModel(tw, kind) {
  tw.layers.setSeed(RECIPES[kind].seed);
  const layers = kind === 'mlp'
    ? [tw.layers.dense({ inputShape: [64], units: 32, activation: 'relu' }), tw.layers.dense({ units: 10, activation: 'softmax' })]
    : [
      tw.layers.conv2d({ inputShape: [8, 8, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tw.layers.maxPooling2d({ poolSize: 2 }),
      tw.layers.flatten(),
      tw.layers.dense({ units: 10, activation: 'softmax' }),
    ];
  const model = tw.sequential({ layers });
  model.compile({ optimizer: tw.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Trains recipe `kind` and returns the model, its history and its held-out accuracy. */
export async function trainDigits(tw, kind, data) {
  const recipe = RECIPES[kind];
  const model = buildModel(tw, kind);
  const started = performance.now();
  const history = await model.fit(data.xTrain, data.yTrain, { epochs: recipe.epochs, batchSize: recipe.batchSize });
  const seconds = (performance.now() - started) / 1000;
  const [, accuracyTensor] = model.evaluate(data.xTest, data.yTest);
  const accuracy = (await accuracyTensor.data())[0];
  tw.dispose(accuracyTensor);
  return { model, history, accuracy, seconds };
}
