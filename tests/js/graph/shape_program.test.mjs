// The runtime's shape program evaluator (js/src/graph/shape_program.ts) on the
// CPU backend: each one-op model of tests/py/converter/test_shape_program.py,
// converted with no --input-shape, runs at two input sizes in one loaded model
// and matches onnxruntime (make_shape_program_models.py writes them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { assertClose, madeModels } from './helpers.mjs';

await tw.setBackend('cpu');

const { cases: CASES, load, io } = madeModels(new URL('make_shape_program_models.py', import.meta.url), 'tw-shape-program-');

test('there is a model per shape-program case', () => assert.ok(CASES.length >= 10, CASES.join(', ')));

for (const name of CASES) {
  test(`${name}: the converted model runs at any size and matches onnxruntime`, async () => {
    const model = await load(name);
    for (const run of io(name)) {
      const x = tw.tensor(run.x.values, run.x.shape, 'float32');
      const y = model.predict(x);
      assert.deepEqual(y.shape, run.y.shape, `${name} at [${run.x.shape}]`);
      assertClose(await y.data(), run.y.values, { rtol: 1e-6, atol: 1e-6 }, `${name} at [${run.x.shape}]`);
      tw.dispose([x, y]);
    }
    model.dispose();
  });
}
