// The browser tier's foundation: the page's WebGPU adapter runs a real WGSL
// kernel from shaders/ (inlined in the bundle) and the numbers are right.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserSession } from '../helper.mjs';

let session;
let page;
before(async () => {
  session = await BrowserSession.start();
  page = await session.newPage();
});
after(() => session.close());

test('the page has a WebGPU adapter and reports it', async (t) => {
  const info = await page.run(async () => {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    return { vendor: adapter.info.vendor, architecture: adapter.info.architecture };
  });
  t.diagnostic(`adapter vendor=${info.vendor} architecture=${info.architecture}`);
  assert.equal(typeof info.vendor, 'string');
  assert.equal(typeof info.architecture, 'string');
});

test('elementwise/unary.wgsl with a substituted body computes y = 2x + 1 past 65,535 workgroups', async () => {
  const result = await page.run(async (tw, { size, workgroupSize }) => {
    const adapter = await navigator.gpu.requestAdapter();
    const device = await adapter.requestDevice();
    const code = tw.substituteBody(tw.shaderSource('elementwise/unary.wgsl'), 'v * 2.0 + 1.0');
    const module = device.createShaderModule({ code });
    const compileErrors = (await module.getCompilationInfo()).messages
      .filter((m) => m.type === 'error').map((m) => m.message);
    if (compileErrors.length) throw new Error(`WGSL errors: ${compileErrors.join('; ')}`);
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants: { WORKGROUP_SIZE: workgroupSize } },
    });
    const x = new Float32Array(size);
    for (let i = 0; i < size; i++) x[i] = (i % 1000) - 500;
    const usage = GPUBufferUsage;
    const xBuf = device.createBuffer({ size: x.byteLength, usage: usage.STORAGE | usage.COPY_DST });
    const yBuf = device.createBuffer({ size: x.byteLength, usage: usage.STORAGE | usage.COPY_SRC });
    const params = device.createBuffer({ size: 16, usage: usage.UNIFORM | usage.COPY_DST });
    const readBuf = device.createBuffer({ size: x.byteLength, usage: usage.MAP_READ | usage.COPY_DST });
    device.queue.writeBuffer(xBuf, 0, x);
    device.queue.writeBuffer(params, 0, new Uint32Array([size, 0, 0, 0]));
    const groups = Math.ceil(size / workgroupSize);
    const maxPerDim = device.limits.maxComputeWorkgroupsPerDimension;
    const gx = Math.min(groups, maxPerDim);
    const gy = Math.ceil(groups / gx);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: xBuf } }, { binding: 1, resource: { buffer: yBuf } },
        { binding: 2, resource: { buffer: params } }],
    }));
    pass.dispatchWorkgroups(gx, gy);
    pass.end();
    encoder.copyBufferToBuffer(yBuf, 0, readBuf, 0, x.byteLength);
    device.queue.submit([encoder.finish()]);
    await readBuf.mapAsync(GPUMapMode.READ);
    const y = new Float32Array(readBuf.getMappedRange());
    let mismatches = 0;
    for (let i = 0; i < size; i++) if (y[i] !== x[i] * 2 + 1) mismatches++;
    return { mismatches, gy, last: y[size - 1], lastX: x[size - 1] };
  }, { size: 65536 * 64 + 1000, workgroupSize: 64 });
  assert.ok(result.gy >= 2, 'the dispatch needed a second row of workgroups');
  assert.equal(result.mismatches, 0);
  assert.equal(result.last, result.lastX * 2 + 1);
});

test('a console error in the page fails the call and carries its text', async () => {
  await assert.rejects(
    page.run(async () => { console.error('deliberate failure 1234'); }),
    /deliberate failure 1234/);
});
