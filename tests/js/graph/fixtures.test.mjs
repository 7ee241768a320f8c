// Converted models (tests/fixtures/graph, made by `tensorweb convert`) run on
// the CPU backend against the outputs onnxruntime or PyTorch recorded; and the committed
// fixtures are what the current converter writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tw from '../../../js/dist/tensorweb.js';
import { FIXTURES, FIXTURE_NAMES, assertClose, ioTensors, loadFixture, readIO } from './helpers.mjs';

await tw.setBackend('cpu');

for (const name of FIXTURE_NAMES) {
  test(`${name}: outputs match its source framework's recorded outputs, and nothing is left behind`, async () => {
    const before = tw.memory();
    const io = readIO(name);
    const model = await loadFixture(name);
    // `alsoAt`: more input shapes (free batch and sequence), run by the same loaded model
    for (const run of [io, ...(io.alsoAt ?? [])]) {
      const inputs = ioTensors(run.inputs);
      const outputs = model.predict(inputs);
      const byName = outputs instanceof tw.Tensor ? { [model.outputNodes[0]]: outputs } : outputs;
      assert.deepEqual(Object.keys(byName).sort(), Object.keys(run.outputs).sort());
      for (const [output, expected] of Object.entries(run.outputs)) {
        const what = `${name} ${output} at [${Object.values(run.inputs)[0].shape}]`;
        assert.deepEqual(byName[output].shape, expected.shape, `${what} shape`);
        assertClose(await byName[output].data(), expected.values, io.tolerance, what);
      }
      tw.dispose([inputs, outputs]);
    }
    model.dispose();
    assert.equal(tw.memory().numTensors, before.numTensors);
    assert.equal(tw.memory().numBytes, before.numBytes);
  });
}

test('the committed fixtures are what tensorweb convert, onnxruntime and the PyTorch recordings give now', () => {
  const python = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url));
  const script = fileURLToPath(new URL('make_graph_fixtures.py', FIXTURES));
  const run = spawnSync(python, [script, '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
});

test('minilm_dynamic saves with its shape program and reloads running at another size', async () => {
  const model = await loadFixture('minilm_dynamic');
  let saved;
  await model.save(tw.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { location: 'memory', modelJSONBytes: 0, weightDataBytes: 0 };
  }));
  assert.ok(Array.isArray(saved.modelJSON.topology.shapeProgram) && saved.modelJSON.topology.shapeProgram.length > 0);
  // through JSON, as a saved file would be
  const reloaded = await tw.loadGraphModel(tw.io.fromMemory({ ...saved, modelJSON: JSON.parse(JSON.stringify(saved.modelJSON)) }));
  const run = readIO('minilm_dynamic').alsoAt.at(-1);
  const inputs = ioTensors(run.inputs);
  const output = reloaded.predict(inputs);
  assertClose(await output.data(), run.outputs.embedding.values, readIO('minilm_dynamic').tolerance, 'reloaded minilm_dynamic');
  tw.dispose([inputs, output]);
  model.dispose();
  reloaded.dispose();
});
