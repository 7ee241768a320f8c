// localstorage:// in Chromium's own localStorage (js/src/io/local_storage.ts):
// a layers model saved on cpu survives a reload and loads on webgpu with the
// same outputs; a model past the origin's real quota is refused with the
// browser's QuotaExceededError named and no key of it left behind; and
// tw.io.listModels / removeModel see the saved one. The node tests
// (tests/js/io/local_storage.test.mjs) cover the key layout against TF.js.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserSession } from '../helper.mjs';
import { assertClose } from '../../js/graph/helpers.mjs';

let session;
before(async () => {
  session = await BrowserSession.start();
});
after(() => session?.close());

test('save on cpu, reload, load on webgpu; the quota refuses a large model cleanly; list and remove', async () => {
  const page = await session.newPage();
  try {
    const saved = await page.run(async (tw) => {
      await tw.setBackend('cpu');
      tw.layers.setSeed(7);
      const model = tw.sequential({ layers: [
        tw.layers.dense({ units: 6, inputShape: [3], activation: 'tanh' }),
        tw.layers.dense({ units: 2 }),
      ] });
      const x = tw.tensor([[1, -2, 0.5], [0.25, 3, -1]]);
      const y = model.predict(x);
      const values = Array.from(await y.data());
      await model.save('localstorage://browser/mlp');
      // 1.5M float32 weights: 6 MB, 8M characters as base64, past Chromium's per-origin quota.
      const big = tw.sequential({ layers: [tw.layers.dense({ units: 1500, inputShape: [1000], useBias: false })] });
      const refused = await big.save('localstorage://browser/big').then(() => 'saved', (e) => e.message);
      tw.dispose([x, y]);
      model.dispose();
      big.dispose();
      return { values, refused, keys: Object.keys(localStorage).sort() };
    });
    assert.match(saved.refused, /could not save model 'browser\/big' to localStorage \(QuotaExceededError: .*weight data 6000000 bytes/);
    assert.deepEqual(saved.keys, ['info', 'model_metadata', 'model_topology', 'weight_data', 'weight_specs'].map((s) => `tensorflowjs_models/browser/mlp/${s}`));

    await page.page.reload();
    await page.page.waitForFunction(() => window.tw !== undefined);
    const loaded = await page.run(async (tw) => {
      if (!(await tw.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise');
      const listed = await tw.io.listModels();
      const model = await tw.loadLayersModel('localstorage://browser/mlp');
      const x = tw.tensor([[1, -2, 0.5], [0.25, 3, -1]]);
      const y = model.predict(x);
      const values = Array.from(await y.data());
      tw.dispose([x, y]);
      model.dispose();
      const removed = await tw.io.removeModel('localstorage://browser/mlp');
      return {
        listed: Object.keys(listed), dateSaved: listed['localstorage://browser/mlp']?.dateSaved instanceof Date, values,
        removed: removed.weightDataBytes, keysLeft: localStorage.length, after: await tw.io.listModels(),
      };
    });
    assert.deepEqual(loaded.listed, ['localstorage://browser/mlp']);
    assert.equal(loaded.dateSaved, true);
    assertClose(loaded.values, saved.values, { rtol: 1e-5, atol: 1e-6 }, 'webgpu outputs of the model saved on cpu');
    assert.equal(loaded.removed, (3 * 6 + 6 + 6 * 2 + 2) * 4);
    assert.equal(loaded.keysLeft, 0);
    assert.deepEqual(loaded.after, {});
  } finally {
    await page.close();
  }
});
