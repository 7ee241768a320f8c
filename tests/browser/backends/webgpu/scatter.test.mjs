// tensorScatterUpdate and sparseToDense on webgpu (scatter_nd.wgsl with ACCUMULATE off): update bits land
// unchanged (float NaN payloads and denormals, int32 values that are float denormals), repeated tuples
// leave one of their updates, the result stays on the GPU; and tw.sparse / ragged functions read
// GPU-computed inputs synchronously.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserSession } from '../../helper.mjs';

let session;
let results;
before(async () => {
  session = await BrowserSession.start();
  const page = await session.newPage();
  results = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const words = (t) => Array.from(new Uint32Array(t.dataSync().slice().buffer));
    const floatBits = (w) => tw.tensor(new Float32Array(new Uint32Array(w).buffer), [w.length], 'float32');
    return tw.tidy(() => {
      const base = floatBits([0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000]);
      const floats = tw.tensorScatterUpdate(base, [[3], [1]], floatBits([0x7fc12345, 0x00000001]));
      const ints = tw.tensorScatterUpdate(tw.zeros([3, 2], 'int32'), [[2], [0], [2]], tw.tensor([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'));
      const dense = tw.sparseToDense(tw.add(tw.tensor([0, 2], [2], 'int32'), tw.scalar(1, 'int32')), tw.tensor([7, 8]), [4], -1);
      const segments = tw.sparse.sparseSegmentSum(tw.mul(tw.tensor([[1, 2], [3, 4]]), 2), [1, 0, 1], [0, 0, 1]);
      const range = tw.raggedRange(tw.add(tw.tensor([0, 3], [2], 'int32'), tw.scalar(0, 'int32')), 4, 1);
      const on = (t) => tw.engine().backendOf(t);
      return {
        floats: words(floats), ints: Array.from(ints.dataSync()), dense: Array.from(dense.dataSync()),
        segments: Array.from(segments.dataSync()), range: Array.from(range.rtDenseValues.dataSync()),
        backends: [floats, ints, dense, segments, range.rtDenseValues].map(on),
      };
    });
  });
});
after(() => session.close());

test('tensorScatterUpdate stores the update bits over a copy, on the GPU', () => {
  assert.deepEqual(results.floats, [0x3f800000, 0x00000001, 0x3f800000, 0x7fc12345]);
  assert.deepEqual(results.ints.slice(0, 4), [3, 4, 0, 0]);
  // row 2 was written twice: either update, whole
  assert.ok([[1, 2], [5, 6]].some((row) => row.join() === results.ints.slice(4).join()), `row 2 is ${results.ints.slice(4)}`);
  assert.deepEqual(results.dense, [-1, 7, -1, 8]);
});

test('the CPU-built sparse and ragged functions read GPU values and answer on webgpu', () => {
  assert.deepEqual(results.segments, [8, 12, 6, 8]);
  assert.deepEqual(results.range, [0, 1, 2, 3, 3]);
  assert.deepEqual(results.backends, ['webgpu', 'webgpu', 'webgpu', 'webgpu', 'webgpu']);
});
