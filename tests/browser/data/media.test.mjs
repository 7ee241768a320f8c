// tw.data.webcam and tw.data.microphone in headless Chromium with its fake
// camera and microphone playing files this test writes: a y4m video whose left
// half is white and right half black, and a WAV of a 1 kHz tone. Also the
// logMelSpectrogram op on the captured waveform on the webgpu backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserSession } from '../helper.mjs';
import { fakeMediaArgs, tone, wav, y4m } from '../media_files.mjs';

const WIDTH = 64;
const HEIGHT = 48;
const TONE_HZ = 1000;
const SAMPLE_RATE = 44100;

let folder;
let session;
let page;
before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tensorweb-media-'));
  writeFileSync(join(folder, 'camera.y4m'), y4m({ width: WIDTH, height: HEIGHT, frames: 30, luma: (x) => (x < WIDTH / 2 ? 235 : 16) }));
  writeFileSync(join(folder, 'tone.wav'), wav(tone(3, TONE_HZ, SAMPLE_RATE), SAMPLE_RATE));
  session = await BrowserSession.start({
    extraArgs: fakeMediaArgs({ camera: join(folder, 'camera.y4m'), microphone: join(folder, 'tone.wav') }),
  });
  page = await session.newPage();
});
after(async () => {
  await session?.close();
  rmSync(folder, { recursive: true, force: true });
});

test('webcam: frames come out [height, width, 3] int32 with the file\'s picture; resize and centerCrop; on cpu and on webgpu (copied on the GPU)', async () => {
  const results = await page.run(async (tw) => {
    const describe = (frame) => {
      const [h, w] = frame.shape;
      const values = frame.dataSync();
      const mean = (x0, x1) => {
        let total = 0;
        for (let y = 0; y < h; y++) for (let x = x0; x < x1; x++) total += values[(y * w + x) * 3 + 1];
        return total / (h * (x1 - x0));
      };
      return { shape: frame.shape, dtype: frame.dtype, backend: tw.engine().backendOf(frame), left: mean(0, Math.floor(w / 4)), right: mean(Math.ceil((3 * w) / 4), w) };
    };
    const out = {};
    for (const backend of ['cpu', 'webgpu']) {
      await tw.setBackend(backend);
      const camera = await tw.data.webcam();
      const full = await camera.capture();
      const fromNext = (await camera.next()).value;
      camera.stop();
      const stopped = await camera.next();
      const cropped = await tw.data.webcam(undefined, { resizeWidth: 16, resizeHeight: 16, centerCrop: true });
      const square = await cropped.capture();
      cropped.stop();
      const stretched = await tw.data.webcam(document.createElement('video'), { resizeWidth: 20, resizeHeight: 10 });
      const small = await stretched.capture();
      stretched.stop();
      out[backend] = { full: describe(full), next: describe(fromNext), stoppedDone: stopped.done, square: describe(square), small: describe(small) };
    }
    return out;
  });
  for (const [backend, result] of Object.entries(results)) {
    assert.deepEqual(result.full.shape, [48, 64, 3]);
    assert.equal(result.full.dtype, 'int32');
    for (const frame of [result.full, result.next, result.square, result.small]) {
      assert.ok(frame.left > 200, `left half is white: ${frame.left}`);
      assert.ok(frame.right < 40, `right half is black: ${frame.right}`);
    }
    assert.equal(result.stoppedDone, true);
    assert.deepEqual(result.square.shape, [16, 16, 3]);
    assert.deepEqual(result.small.shape, [10, 20, 3]);
    assert.equal(result.full.backend, backend);
  }
});

test('microphone: spectrogram peaks at the tone, waveform is the tone, log-mel runs on webgpu', async () => {
  const result = await page.run(async (tw, { toneHz }) => {
    await tw.setBackend('webgpu');
    // Without the browser's voice processing (automatic gain would rescale the tone).
    const audioTrackConstraints = { autoGainControl: false, echoCancellation: false, noiseSuppression: false };
    const mic = await tw.data.microphone({ fftSize: 1024, numFramesPerSpectrogram: 8, columnTruncateLength: 200, includeWaveform: true, audioTrackConstraints });
    const { spectrogram, waveform } = await mic.capture();
    const rate = mic.getSampleRate();
    mic.stop();
    const meanSpectrum = spectrogram.mean([0, 2]);
    const peakBin = (await meanSpectrum.argMax().data())[0];
    const samples = await waveform.data();
    // The pitch from the zero crossings of each frame: the median frame's, since the first
    // frames may be silence before the sound starts, and on a busy machine the audio thread
    // can miss a block.
    const perFrame = Array.from({ length: 8 }, (_, f) => {
      let crossings = 0;
      for (let i = f * 1024 + 1; i < (f + 1) * 1024; i++) if ((samples[i - 1] < 0) !== (samples[i] < 0)) crossings++;
      return crossings / 2 / (1023 / rate);
    }).sort((a, b) => a - b);
    const logMel = tw.logMelSpectrogram(waveform.reshape([-1]), { sampleRate: rate, frameLength: 1024, frameStep: 512, numMelBins: 40 });
    const melPeak = (await logMel.mean(0).argMax().data())[0];
    const centers = [];
    const weights = tw.melWeightMatrix(40, 513, rate, 80, rate / 2);
    for (let m = 0; m < 40; m++) {
      let best = 0;
      for (let b = 1; b < 513; b++) if (weights[b * 40 + m] > weights[best * 40 + m]) best = b;
      centers.push((best * rate) / 1024);
    }
    return {
      spectrogramShape: spectrogram.shape, waveformShape: waveform.shape, rate, peakHz: (peakBin * rate) / 1024,
      maxAmplitude: Math.max(...samples.map(Math.abs)), crossingHz: perFrame[4], perFrame,
      logMelShape: logMel.shape, logMelBackend: tw.engine().backendOf(logMel), melPeakHz: centers[melPeak], toneHz,
    };
  }, { toneHz: TONE_HZ });
  assert.deepEqual(result.spectrogramShape, [8, 200, 1]);
  assert.deepEqual(result.waveformShape, [8 * 1024, 1]);
  assert.equal(result.rate, SAMPLE_RATE);
  assert.ok(Math.abs(result.peakHz - TONE_HZ) < 2 * SAMPLE_RATE / 1024, `spectrogram peak at ${result.peakHz} Hz`);
  assert.ok(result.maxAmplitude > 0.3 && result.maxAmplitude < 0.7, `amplitude ${result.maxAmplitude}`);
  assert.ok(Math.abs(result.crossingHz - TONE_HZ) < 50, `zero crossings say ${result.perFrame} Hz`);
  assert.deepEqual(result.logMelShape, [15, 40]);
  assert.equal(result.logMelBackend, 'webgpu');
  assert.ok(Math.abs(result.melPeakHz - TONE_HZ) < 150, `log-mel peak band centred at ${result.melPeakHz} Hz`);
});
