// Symbolic dimensions on webgpu: MiniLM's architecture exported with batch and
// sequence free (tests/fixtures/graph/minilm_dynamic, converted with no
// options; its reshapes over both take their targets from the shape program)
// runs at every recorded [batch, sequence] in one loaded model and matches
// onnxruntime; warm start covers the first shape set, and once the pipelines
// it queued for the background have compiled, a new shape set compiles
// nothing at dispatch (it runs on compiled variants valid at any size; the
// best ones for its sizes compile in the background: counted and reported).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../helper.mjs';
import { assertClose, readIO } from '../../js/graph/helpers.mjs';

const shared = sharedWebGpuPage();

test('webgpu: minilm_dynamic runs at 1x9, 2x16 and 4x23 tokens in one loaded model, matching onnxruntime', async (t) => {
  const io = readIO('minilm_dynamic');
  const runs = io.alsoAt.map((run) => run.inputs);
  const report = await shared.page.run(async (tw, { runs }) => {
    const backend = tw.engine().findBackend('webgpu');
    const stats = backend.stats;
    const before = tw.memory().numTensors;
    const first = runs[0].input_ids.shape;
    const model = await tw.loadGraphModel('/tests/fixtures/graph/minilm_dynamic/model.json',
      { inputShapes: { input_ids: first, attention_mask: first } });
    const results = [];
    // each shape set twice: the second run of a shape set reuses its schedule and pipelines
    for (const inputs of [...runs, ...runs]) {
      const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
      const [atPredict, atDispatch] = [stats.pipelines, stats.compiledAtDispatch];
      const output = model.predict(feeds);
      const values = Array.from(await output.data());
      results.push({ compiled: stats.pipelines - atPredict, atDispatch: stats.compiledAtDispatch - atDispatch, shape: output.shape, values });
      tw.dispose([feeds, output]);
      await backend.bestVariantsReady();
    }
    model.dispose();
    return { results, leftTensors: tw.memory().numTensors - before };
  }, { runs });
  const lines = [];
  report.results.forEach((result, k) => {
    const expected = io.alsoAt[k % runs.length].outputs.embedding;
    const at = runs[k % runs.length].input_ids.shape.join('x');
    assert.deepEqual(result.shape, expected.shape, `embedding shape at ${at}`);
    assertClose(result.values, expected.values, io.tolerance, `embedding at ${at}`);
    const diff = Math.max(...result.values.map((v, i) => Math.abs(v - expected.values[i])));
    lines.push(`${at}: max |diff| ${diff.toExponential(2)}, ${result.atDispatch} pipelines compiled at dispatch, ${result.compiled} in all before its output was read`);
  });
  t.diagnostic(lines.join('; '));
  assert.equal(report.results[0].compiled, 0, 'the warm start compiled the first shape set');
  for (const later of report.results.slice(1)) assert.equal(later.atDispatch, 0, 'a new shape set compiles nothing at dispatch');
  for (const later of report.results.slice(runs.length)) assert.equal(later.compiled, 0, 'a shape set seen before compiles nothing');
  assert.equal(report.leftTensors, 0);
});
