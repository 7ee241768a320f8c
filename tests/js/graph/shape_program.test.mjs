// The runtime's shape program evaluator (js/src/graph/shape_program.ts) on the
// CPU backend: each one-op model of tests/py/converter/test_shape_program.py,
// converted with no --input-shape, runs at two input sizes in one loaded model
// and matches onnxruntime (make_shape_program_models.py writes them).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tw from '../../../js/dist/tensorweb.js';
import { assertClose } from './helpers.mjs';

await tw.setBackend('cpu');

const folder = mkdtempSync(join(tmpdir(), 'tw-shape-program-'));
const made = spawnSync(fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url)),
  [fileURLToPath(new URL('make_shape_program_models.py', import.meta.url)), folder], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`make_shape_program_models.py failed:\n${made.stdout}\n${made.stderr}`);
after(() => rmSync(folder, { recursive: true, force: true }));
const CASES = JSON.parse(made.stdout.trim().split('\n').at(-1));
const fetchFunc = async (url) => {
  try {
    return new Response(readFileSync(join(folder, url.slice('http://models.test/'.length))));
  } catch {
    return new Response('not found', { status: 404 });
  }
};

test('there is a model per shape-program case', () => assert.ok(CASES.length >= 10, CASES.join(', ')));

for (const name of CASES) {
  test(`${name}: the converted model runs at any size and matches onnxruntime`, async () => {
    const model = await tw.loadGraphModel(`http://models.test/${name}/model.json`, { fetchFunc });
    for (const run of JSON.parse(readFileSync(join(folder, `${name}.io.json`), 'utf8'))) {
      const x = tw.tensor(run.x.values, run.x.shape, 'float32');
      const y = model.predict(x);
      assert.deepEqual(y.shape, run.y.shape, `${name} at [${run.x.shape}]`);
      assertClose(await y.data(), run.y.values, { rtol: 1e-6, atol: 1e-6 }, `${name} at [${run.x.shape}]`);
      tw.dispose([x, y]);
    }
    model.dispose();
  });
}
