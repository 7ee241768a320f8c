// Every op golden (tests/fixtures/ops/*.json) on the webgpu backend in the
// page, with the adapter's default kernel choices; outputs must live on the
// GPU except for the ops the backend README lists as CPU fallbacks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BrowserSession } from '../../helper.mjs';
import { goldenFamilies, judgeCases, loadCases, runCasesInPage } from './goldens.mjs';

/** The ops js/src/backends/webgpu/README.md lists under "CPU fallbacks" (first column of its table). */
const README = readFileSync(new URL('../../../../js/src/backends/webgpu/README.md', import.meta.url), 'utf8');
const fallbackSection = README.split('## CPU fallbacks')[1].split('\n## ')[0];
const CPU_OPS = [...fallbackSection.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).sort();

let session;
let page;
before(async () => {
  session = await BrowserSession.start();
  page = await session.newPage();
});
after(() => session.close());

test('the ops without a WebGPU kernel are exactly the README\'s CPU fallbacks', async () => {
  const missing = await page.run(async (tw) => tw.opsMissingKernel('webgpu'));
  assert.deepEqual(missing.sort(), CPU_OPS);
});

for (const family of goldenFamilies()) {
  const cases = loadCases(family);
  let results = null;
  judgeCases(`webgpu ${family}`, cases, () => (results ??= runCasesInPage(page, cases)), CPU_OPS);
}
