// The logMelSpectrogram op (js/src/ops/audio.ts) against its numpy goldens
// (tests/fixtures/op_goldens/audio.py), its gradient, and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';

goldenTests('audio');

test('logMelSpectrogram is differentiable (a numerical check of one input sample)', () => {
  const x = tw.randomNormal([256], 0, 1, 'float32', 3);
  const options = { sampleRate: 8000, frameLength: 64, frameStep: 32, numMelBins: 8, power: 2 };
  const f = (v) => tw.logMelSpectrogram(v, options).sum();
  const g = tw.grad(f)(x).dataSync();
  const values = x.dataSync();
  for (const i of [5, 70, 200]) {
    const eps = 1e-2;
    const at = (delta) => f(tw.tensor(values.map((v, k) => (k === i ? v + delta : v)))).dataSync()[0];
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    assert.ok(Math.abs(numeric - g[i]) <= 0.02 * Math.abs(numeric) + 0.05, `d/dx[${i}]: ${g[i]} vs ${numeric}`);
  }
});

test('logMelSpectrogram errors name the attribute', () => {
  const x = tw.zeros([100]);
  assert.throws(() => tw.logMelSpectrogram(x, { sampleRate: 8000, frameLength: 64, frameStep: 0 }), /frameLength and frameStep must be positive/);
  assert.throws(() => tw.logMelSpectrogram(x, { sampleRate: 8000, frameLength: 64, frameStep: 8, fftLength: 32 }), /fftLength 32 is shorter/);
  assert.throws(() => tw.logMelSpectrogram(x, { sampleRate: 8000, frameLength: 64, frameStep: 8, upperEdgeHertz: 5000 }), /upperEdgeHertz/);
});
