// The WebGPU backend's own behaviour: adapter report, large tensors past
// one dispatch dimension, batching and lazy readback, pipeline and buffer
// reuse, zeroExtend's copy and clear, GPU bytes in tw.memory(), dataSync, device loss and allocation failure,
// uncaptured WebGPU errors, and tw.profile / tw.time.
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

test('tw.ready() picks webgpu and the backend reports its adapter, features and limits', async (t) => {
  const info = await page.run(async (tw) => {
    await tw.ready();
    const backend = tw.engine().findBackend('webgpu');
    return { name: tw.getBackend(), info: backend.info };
  });
  t.diagnostic(`adapter ${info.info.vendor}/${info.info.architecture}, features ${info.info.features.join(', ')}`);
  assert.equal(info.name, 'webgpu');
  assert.equal(typeof info.info.vendor, 'string');
  assert.ok(info.info.limits.maxComputeWorkgroupsPerDimension >= 65535);
  assert.ok(info.info.limits.maxStorageBufferBindingSize >= 128 * 1024 * 1024);
});

test('a tensor of 10 million elements: elementwise, reduction and slice past 65,535 workgroups', async () => {
  const values = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const n = 10_000_000;
    const t = tw.tidy(() => {
      const y = tw.add(tw.mul(tw.range(0, n), 0.5), 1);
      return { y, total: tw.sum(tw.onesLike(y)), last: tw.slice(y, [n - 3], [3]), maximum: tw.max(y) };
    });
    const out = {
      total: (await t.total.data())[0], last: Array.from(await t.last.data()), maximum: (await t.maximum.data())[0],
      onGpu: tw.engine().backendOf(t.y),
    };
    tw.dispose(t);
    return out;
  });
  assert.equal(values.onGpu, 'webgpu');
  assert.equal(values.total, 10_000_000);
  assert.deepEqual(values.last, [4999999.5, 5000000, 5000000.5]);
  assert.equal(values.maximum, 5000000.5);
});

test('ops are recorded, many dispatches per submit, and nothing is read back until data()', async () => {
  const counts = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    const x = tw.tensor([1, 2, 3, 4]);
    const before = { ...backend.stats };
    let y = x;
    for (let i = 0; i < 100; i++) {
      const next = tw.add(y, 1);
      if (y !== x) y.dispose();
      y = next;
    }
    const queued = { ...backend.stats };
    const values = Array.from(await y.data());
    const after = { ...backend.stats };
    tw.dispose([x, y]);
    return {
      dispatches: queued.dispatches - before.dispatches, submits: queued.submits - before.submits,
      readbacksWhileQueued: queued.readbacks - before.readbacks, readbacks: after.readbacks - before.readbacks, values,
    };
  });
  assert.equal(counts.dispatches, 100);
  assert.ok(counts.submits <= 2, `${counts.submits} submits for 100 dispatches`);
  assert.equal(counts.readbacksWhileQueued, 0);
  assert.equal(counts.readbacks, 1);
  assert.deepEqual(counts.values, [101, 102, 103, 104]);
});

test('pipelines are cached across shapes, buffers are pooled, and tw.memory() counts GPU bytes', async () => {
  const r = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    await backend.commonPipelines;  // compiled on its own: not to land between the counts below
    const run = (n) => tw.tidy(() => tw.exp(tw.fill([n], 0.5)));
    const first = run(1000);
    await first.data();
    const pipelines = backend.stats.pipelines;
    const second = run(3000);
    await second.data();
    const pipelinesAfter = backend.stats.pipelines;
    const live = tw.memory().backends.webgpu.numBytes;
    second.dispose();
    const liveAfterDispose = tw.memory().backends.webgpu.numBytes;
    await backend.sync();  // freed buffers become reusable once recorded work is submitted
    const allocated = tw.memory().backends.webgpu.allocatedBytes;
    const third = run(3000);
    await third.data();
    const allocatedAfterReuse = tw.memory().backends.webgpu.allocatedBytes;
    tw.dispose([first, third]);
    return { pipelines, pipelinesAfter, live, liveAfterDispose, allocated, allocatedAfterReuse };
  });
  assert.equal(r.pipelinesAfter, r.pipelines, 'a new shape compiled a new pipeline');
  assert.ok(r.live >= 4 * 4000, `live GPU bytes ${r.live}`);
  assert.ok(r.live - r.liveAfterDispose >= 4 * 3000, 'disposing freed the GPU bytes');
  assert.equal(r.allocatedAfterReuse, r.allocated, 'the same-sized tensor reused pooled buffers');
});

test('zeroExtend: a tensor computed in the same recording, then zeros, in a pooled buffer that held other values', async () => {
  const r = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    // A disposed tensor of the size leaves its buffer, full of 7s, to the pool.
    const stale = tw.fill([40], 7);
    await stale.data();
    stale.dispose();
    await backend.sync();
    const out = {};
    for (const dtype of ['float32', 'int32']) {
      // x is computed by a kernel still in the open compute pass: the copy must come after it.
      const x = tw.add(tw.range(1, 28, 1, dtype), tw.scalar(1, dtype));
      const dataId = backend.zeroExtend({ dataId: x.dataId, shape: x.shape, dtype }, 40);
      const extended = tw.engine().makeTensorFromDataId(dataId, [40], dtype, backend);
      const doubled = tw.mul(extended, tw.scalar(2, dtype));  // and a kernel after it reads the copy
      out[dtype] = Array.from(await doubled.data());
      tw.dispose([x, extended, doubled]);
    }
    let error = null;
    try { backend.zeroExtend({ dataId: tw.zeros([4]).dataId, shape: [4], dtype: 'float32' }, 3); } catch (e) { error = e.message; }
    return { ...out, error };
  });
  const expected = [...Array.from({ length: 27 }, (_, i) => 2 * (i + 2)), ...new Array(13).fill(0)];
  assert.deepEqual(r.float32, expected);
  assert.deepEqual(r.int32, expected);
  assert.match(r.error, /zeroExtend: float32 \[4\] to 3 elements/);
});

test('dataSync works for uploaded data and for GPU-computed data (read through canvases)', async () => {
  const r = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const x = tw.tensor([1, 2, 3]);
    const uploaded = Array.from(x.dataSync());
    const y = tw.mul(x, 2);
    const stats = tw.engine().findBackend('webgpu').stats;
    const syncBefore = stats.syncReadbacks;
    const computed = Array.from(y.dataSync());
    const syncReads = stats.syncReadbacks - syncBefore;
    const afterRead = (await y.data(), Array.from(y.dataSync()));
    tw.dispose([x, y]);
    return { uploaded, computed, syncReads, afterRead };
  });
  assert.deepEqual(r.uploaded, [1, 2, 3]);
  assert.deepEqual(r.computed, [2, 4, 6]);
  assert.equal(r.syncReads, 1, 'the computed tensor was read once, then its values kept');
  assert.deepEqual(r.afterRead, [2, 4, 6]);
});

test('an allocation beyond the adapter limit is a clear error, and the next op works', async () => {
  const r = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const limit = tw.engine().findBackend('webgpu').info.limits.maxBufferSize;
    let message = '';
    try {
      tw.zeros([Math.ceil(limit / 4) + 1024]);
    } catch (error) {
      message = error.message;
    }
    const ok = Array.from(await tw.add(tw.tensor([1, 2]), 1).data());
    return { message, ok, tensors: tw.memory().numTensors };
  });
  assert.match(r.message, /cannot allocate \d+ bytes.*at most \d+ bytes/);
  assert.deepEqual(r.ok, [2, 3]);
});

test('device loss: a clear error, then the backend re-initialises; uploaded tensors survive', async () => {
  const r = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    const uploaded = tw.tensor([1, 2, 3]);
    const computed = tw.mul(uploaded, 10);
    await computed.data();
    const onGpuOnly = tw.add(uploaded, 5);
    const lost = backend.device.lost;
    backend.device.destroy();
    await lost;
    let lostMessage = '';
    try {
      tw.exp(uploaded);
    } catch (error) {
      lostMessage = error.message;
    }
    await backend.restored();
    const afterRestore = Array.from(await tw.add(uploaded, 1).data());
    const readComputed = Array.from(await computed.data());
    let goneMessage = '';
    try {
      await tw.neg(onGpuOnly).data();
    } catch (error) {
      goneMessage = error.message;
    }
    tw.dispose([uploaded, computed, onGpuOnly]);
    return { lostMessage, afterRestore, readComputed, goneMessage };
  });
  assert.match(r.lostMessage, /device was lost.*re-initialising/);
  assert.deepEqual(r.afterRestore, [2, 3, 4]);
  assert.deepEqual(r.readComputed, [10, 20, 30], 'values read before the loss stay readable');
  assert.match(r.goneMessage, /lost; its values are gone/);
});

test('an invalid shader surfaces as a console error (uncaptured WebGPU errors are not silent)', async () => {
  await assert.rejects(page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    const x = tw.tensor([1, 2]);
    const out = backend.allocate([2], 'float32');
    backend.run({
      shader: 'elementwise/unary.wgsl', slots: { body: 'return undefined_function(v);' },
      bindings: { x: x.dataId, y: out, params: { size: 2 }, scalars: { alpha: 0, beta: 0 } }, workgroups: 1,
    });
    await backend.sync();
    backend.disposeData(out);
    x.dispose();
  }), /WebGPU error.*undefined_function/s);
});

test('a launch names the uniform fields it misses or does not know, and the bindings its shader lacks', async () => {
  const messages = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    const x = tw.tensor([1, 2]);
    const out = backend.allocate([2], 'float32');
    const attempt = (bindings) => {
      try {
        backend.run({ shader: 'elementwise/unary.wgsl', slots: { body: 'return neg_f32(v);' }, bindings, workgroups: 1 });
        return 'ran';
      } catch (error) {
        return error.message;
      }
    };
    const scalars = { alpha: 0, beta: 0 };
    const result = [
      attempt({ x: x.dataId, y: out, params: {}, scalars }),
      attempt({ x: x.dataId, y: out, params: { size: 2, sise: 2 }, scalars }),
      attempt({ x: x.dataId, y: out, params: { size: 2 }, scalars, z: x.dataId }),
      attempt({ x: x.dataId, y: out, params: { size: 2 }, scalars }),
    ];
    await backend.sync();
    backend.disposeData(out);
    x.dispose();
    return result;
  });
  assert.match(messages[0], /uniform fields missing \[size\], unknown \[\]/);
  assert.match(messages[1], /uniform fields missing \[\], unknown \[sise\]/);
  assert.match(messages[2], /elementwise\/unary\.wgsl has no binding\(s\) z$/);
  assert.equal(messages[3], 'ran');
});

test('tw.profile lists each dispatch with its op, shader and GPU time; tw.time sums kernel time', async () => {
  const r = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const a = tw.randomNormal([64, 64], 0, 1, 'float32', 1);
    const b = tw.randomNormal([64, 64], 0, 1, 'float32', 2);
    const profiled = await tw.profile(() => tw.relu(tw.matMul(a, b)));
    const timed = await tw.time(() => tw.tidy(() => tw.matMul(a, b)));
    const canTime = tw.engine().findBackend('webgpu').canTime;
    tw.dispose([a, b, profiled.result]);
    return { kernels: profiled.kernels, kernelNames: profiled.kernelNames, timed, canTime };
  });
  assert.deepEqual(r.kernelNames, ['matMul', 'relu']);
  assert.deepEqual(r.kernels.map((k) => k.name), ['matMul', 'relu']);
  assert.ok(r.kernels[0].shader.startsWith('matmul/'));
  assert.ok(r.timed.wallMs > 0);
  if (r.canTime) {
    assert.ok(r.kernels.every((k) => typeof k.kernelTimeMs === 'number' && k.kernelTimeMs >= 0));
    assert.ok(r.timed.kernelMs > 0);
  } else {
    assert.equal(r.timed.kernelMs, null);
  }
});
