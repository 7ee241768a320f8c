// Every op golden (tests/fixtures/ops/*.json) on the webgpu backend in the
// page, with the adapter's default kernel choices; every output must live on
// the GPU (each kernel op's registry entry carries its WebGPU kernel).
import { before, after } from 'node:test';
import { BrowserSession } from '../../helper.mjs';
import { goldenFamilies, judgeCases, loadCases, runCasesInPage } from './goldens.mjs';

let session;
let page;
before(async () => {
  session = await BrowserSession.start();
  page = await session.newPage();
});
after(() => session.close());

for (const family of goldenFamilies()) {
  const cases = loadCases(family);
  let results = null;
  judgeCases(`webgpu ${family}`, cases, () => (results ??= runCasesInPage(page, cases)));
}
