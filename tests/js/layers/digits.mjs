// scikit-learn's 8x8 digits (tests/fixtures/digits) as tensors: pixels scaled
// to [0, 1], one-hot labels; the first 1437 samples train, the last 360 test.
import { readFileSync } from 'node:fs';

const meta = JSON.parse(readFileSync(new URL('../../fixtures/digits/digits.json', import.meta.url)));
const blob = readFileSync(new URL('../../fixtures/digits/digits.bin', import.meta.url));

export const TRAIN = 1437;

export function digits(tw, { image = false } = {}) {
  const n = meta.count;
  const pixels = Float32Array.from(blob.subarray(meta.pixelsOffset, meta.pixelsOffset + n * 64), (v) => v / meta.maxPixel);
  const labels = Int32Array.from(blob.subarray(meta.labelsOffset, meta.labelsOffset + n));
  const shape = image ? [n, 8, 8, 1] : [n, 64];
  return tw.tidy(() => {
    const x = tw.tensor(pixels, shape);
    const y = tw.oneHot(tw.tensor(labels, [n], 'int32'), 10).cast('float32');
    const part = (t, from, count) => t.slice([from, ...t.shape.slice(1).map(() => 0)], [count, ...t.shape.slice(1).map(() => -1)]);
    return {
      xTrain: part(x, 0, TRAIN), yTrain: part(y, 0, TRAIN),
      xTest: part(x, TRAIN, n - TRAIN), yTest: part(y, TRAIN, n - TRAIN),
      labelsTest: tw.tensor(labels.subarray(TRAIN), [n - TRAIN], 'int32'),
    };
  });
}
