// The WebGPU transforms in the page: fft and ifft of rows whose lengths are
// powers of two (radix-2 passes, spectral/fft_radix2.wgsl) and are not (the
// direct sum, spectral/dft.wgsl), rows longer than a workgroup, against the CPU
// backend's transform; the results stay on the GPU, and stft runs there end
// to end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserSession } from '../../helper.mjs';

let session;
let page;
before(async () => {
  session = await BrowserSession.start();
  page = await session.newPage();
});
after(() => session.close());

test('fft and ifft on webgpu give the CPU backend values for any length, and stay on the GPU', async () => {
  const results = await page.run(async (tw) => {
    const shapes = [[3], [4, 5], [2, 16], [300], [2, 1024]];
    const input = (shape, seed) => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed + i * 0.37) * 2);
    const run = async (backend) => {
      await tw.setBackend(backend);
      const out = [];
      for (const shape of shapes) {
        for (const name of ['fft', 'ifft']) {
          const y = tw.tidy(() => tw.spectral[name](tw.complex(tw.tensor(input(shape, 1), shape), tw.tensor(input(shape, 2), shape))));
          out.push({ name, shape, backend: tw.engine().backendOf(y), values: Array.from(await y.data()) });
          y.dispose();
        }
      }
      return out;
    };
    const before = tw.memory().numTensors;
    const gpu = await run('webgpu');
    const cpu = await run('cpu');
    await tw.setBackend('webgpu');
    const spectrogram = tw.signal.stft(input([64], 3), 16, 8);
    const stft = { shape: spectrogram.shape, backend: tw.engine().backendOf(spectrogram) };
    spectrogram.dispose();
    return { gpu, cpu, stft, leaked: tw.memory().numTensors - before };
  });
  results.gpu.forEach((g, i) => {
    const c = results.cpu[i];
    assert.equal(g.backend, 'webgpu', `${g.name} [${g.shape}] should live on webgpu`);
    const n = g.shape[g.shape.length - 1];
    g.values.forEach((v, k) => assert.ok(Math.abs(v - c.values[k]) <= 1e-4 * n, `${g.name} [${g.shape}] [${k}]: webgpu ${v}, cpu ${c.values[k]}`));
  });
  assert.deepEqual(results.stft, { shape: [7, 9], backend: 'webgpu' });
  assert.equal(results.leaked, 0, 'tensors left allocated');
});
