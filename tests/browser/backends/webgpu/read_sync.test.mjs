// dataSync()/arraySync() on GPU-computed tensors (js/src/backends/webgpu/read_sync.ts): the bytes read
// through canvases equal data()'s, bit for bit, for every dtype and size; without a canvas, a clear error.
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

/**
 * In the page: for each [values, dtype], two tensors made on the GPU from them by a bit-exact copy (reverse
 * twice: strided copies move 32-bit words), one read by dataSync() and one by data(); their bytes, and the
 * input's, as hex words.
 */
async function readBoth(cases) {
  return page.run(async (tw, cases) => {
    await tw.setBackend('webgpu');
    const hex = (values) => Array.from(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');
    const out = [];
    for (const [values, dtype, bits] of cases) {
      // Float bit patterns travel as uint32 words (JSON has no NaN payloads, -0 or denormals).
      const input = bits ? tw.tensor(new Float32Array(new Uint32Array(values).buffer), [values.length], 'float32') : tw.tensor(values, [values.length], dtype);
      const [a, b] = [0, 1].map(() => tw.tidy(() => tw.reverse(tw.reverse(input))));
      const stats = tw.engine().findBackend('webgpu').stats;
      const syncBefore = stats.syncReadbacks;
      const sync = a.dataSync();
      out.push({ dtype: a.dtype, sync: hex(sync), async: hex(await b.data()), input: hex(input.dataSync()),
        syncReads: stats.syncReadbacks - syncBefore, type: sync.constructor.name });
      tw.dispose([input, a, b]);
    }
    return out;
  }, cases);
}

test('float32 dataSync is data() bit for bit: NaN payloads, infinities, -0 and denormals', async () => {
  const words = [0x7fc00000, 0x7f800001, 0xffc12345, 0x7f800000, 0xff800000, 0x80000000, 0x00000000, 0x00000001, 0x807fffff,
    0x00400000, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf9d70a4];
  const [r] = await readBoth([[words, 'float32', true]]);
  assert.equal(r.syncReads, 1, 'dataSync read the GPU');
  assert.equal(r.type, 'Float32Array');
  assert.equal(r.sync, r.async);
  assert.equal(r.sync, r.input);
});

test('int32 and bool dataSync is data(), negatives and the extremes included', async () => {
  const results = await readBoth([
    [[0, -1, 1, -2147483648, 2147483647, 123456789, -987654321, 255, 256, -256, 65535], 'int32'],
    [[true, false, true, true, false, false, true], 'bool'],
  ]);
  for (const r of results) {
    assert.equal(r.syncReads, 1, `${r.dtype}: dataSync read the GPU`);
    assert.equal(r.sync, r.async, r.dtype);
    assert.equal(r.sync, r.input, r.dtype);
  }
  assert.deepEqual(results.map((r) => r.type), ['Int32Array', 'Uint8Array']);
});

test('odd sizes: one element, one canvas row and one element more or less, several rows and a partial row', async () => {
  const sizes = [1, 3, 2047, 2048, 2049, 8193, 2048 * 128 + 5]; // canvas rows of 2048 texels, regions of 128 rows
  const results = await page.run(async (tw, sizes) => {
    await tw.setBackend('webgpu');
    return Promise.all(sizes.map(async (n) => {
      const [a, b] = [0, 1].map(() => tw.tidy(() => tw.sub(tw.mul(tw.range(0, n, 1, 'int32'), tw.scalar(7919, 'int32')), tw.scalar(1 << 20, 'int32'))));
      const sync = a.dataSync();
      const other = await b.data();
      let mismatches = 0;
      // int32 arithmetic, wrapping past 2^31 as Math.imul does.
      for (let i = 0; i < n; i++) if (sync[i] !== other[i] || sync[i] !== (Math.imul(i, 7919) - (1 << 20) | 0)) mismatches++;
      tw.dispose([a, b]);
      return { n, dtype: a.dtype, length: sync.length, mismatches };
    }));
  }, sizes);
  for (const r of results) {
    assert.equal(r.dtype, 'int32');
    assert.equal(r.length, r.n);
    assert.equal(r.mismatches, 0, `size ${r.n}`);
  }
});

test('a 0-size tensor and float16 (two to a word, odd count) read synchronously', async () => {
  const r = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const empty = tw.tidy(() => tw.add(tw.zeros([0, 3]), 1));
    const [h1, h2] = [0, 1].map(() => tw.tidy(() => tw.cast(tw.mul(tw.tensor([1.5, -2, 65504, 1e-7, -0.25]), 1), 'float16')));
    const out = { empty: Array.from(empty.dataSync()), emptyArray: empty.arraySync(), half: Array.from(h1.dataSync()), halfAsync: Array.from(await h2.data()) };
    tw.dispose([empty, h1, h2]);
    return out;
  });
  assert.deepEqual(r.empty, []);
  assert.deepEqual(r.emptyArray, []);
  assert.equal(r.half.length, 5);
  assert.deepEqual(r.half, r.halfAsync);
});

test('a tensor of 18 MB (18 canvas regions of 1 MiB, the last one short) and arraySync of a matrix', async () => {
  const r = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const n = 4_500_001;
    const [a, b] = [0, 1].map(() => tw.tidy(() => tw.mul(tw.range(0, n), 0.5)));
    const sync = a.dataSync();
    const other = await b.data();
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (Object.is(sync[i], other[i]) === false || sync[i] !== i * 0.5) mismatches++;
    const [m1, m2] = [0, 1].map(() => tw.tidy(() => tw.reshape(tw.add(tw.range(0, 6), -2.5), [2, 3])));
    const out = { length: sync.length, mismatches, array: m1.arraySync(), arrayAsync: await m2.array() };
    tw.dispose([a, b, m1, m2]);
    return out;
  });
  assert.equal(r.length, 4_500_001);
  assert.equal(r.mismatches, 0);
  assert.deepEqual(r.array, [[-2.5, -1.5, -0.5], [0.5, 1.5, 2.5]]);
  assert.deepEqual(r.array, r.arrayAsync);
});

test('without a canvas WebGPU can draw into, dataSync says to use data()', async () => {
  const r = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const y = tw.mul(tw.tensor([1, 2, 3]), 2);
    // As in a context with no OffscreenCanvas whose canvases give no WebGPU context.
    const [offscreen, getContext] = [globalThis.OffscreenCanvas, HTMLCanvasElement.prototype.getContext];
    globalThis.OffscreenCanvas = undefined;
    HTMLCanvasElement.prototype.getContext = function (kind, ...rest) { return kind === 'webgpu' ? null : getContext.call(this, kind, ...rest); };
    let message = '';
    try {
      y.dataSync();
    } catch (error) {
      message = error.message;
    } finally {
      globalThis.OffscreenCanvas = offscreen;
      HTMLCanvasElement.prototype.getContext = getContext;
    }
    const after = Array.from(y.dataSync());
    y.dispose();
    return { message, after };
  });
  assert.match(r.message, /dataSync\(\)\/arraySync\(\).*WebGPU canvas context.*await tensor\.data\(\)/);
  assert.deepEqual(r.after, [2, 4, 6]);
});

test('where WebGPU canvases draw empty (headless Chromium without Vulkan), dataSync says so and to use data(); the backend recovers', async () => {
  const broken = await BrowserSession.start({ extraArgs: ['--disable-features=Vulkan'] });
  try {
    const brokenPage = await broken.newPage();
    const r = await brokenPage.run(async (tw) => {
      await tw.setBackend('webgpu');
      const backend = tw.engine().findBackend('webgpu');
      const messages = [];
      for (let i = 0; i < 2; i++) {
        const y = tw.mul(tw.tensor([1, 2, 3]), 2);
        try {
          messages.push(`returned ${Array.from(y.dataSync())}`);
        } catch (error) {
          messages.push(error.message);
        }
        y.dispose();
        // Trying lost the device here: wait for the backend to come back before the next op.
        await new Promise((resolve) => setTimeout(resolve, 500));
        await backend.restored();
      }
      const z = tw.add(tw.tensor([1, 2]), 1);
      const after = Array.from(await z.data());
      z.dispose();
      return { messages, after };
    });
    for (const message of r.messages) {
      assert.match(message, /draws WebGPU canvases empty.*dataSync\(\)\/arraySync\(\).*--enable-features=Vulkan.*await tensor\.data\(\)/);
    }
    assert.deepEqual(r.after, [2, 3]);
  } finally {
    await broken.close();
  }
});
