// Control flow on webgpu: a runtime If, a Loop whose body holds an If reading
// values two scopes out, and a Scan run as a loop (the models of
// tests/py/converter/control_flow_models.py, converted by
// tests/js/graph/make_control_flow_models.py) match onnxruntime through
// executeAsync, each condition and trip count read back from the GPU, and
// leave no tensor behind.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedWebGpuPage } from '../helper.mjs';
import { assertClose } from '../../js/graph/helpers.mjs';

const shared = sharedWebGpuPage();
const folder = mkdtempSync(join(tmpdir(), 'tw-control-flow-webgpu-'));
const made = spawnSync(fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url)),
  [fileURLToPath(new URL('../../js/graph/make_control_flow_models.py', import.meta.url)), folder], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`make_control_flow_models.py failed:\n${made.stdout}\n${made.stderr}`);
after(() => rmSync(folder, { recursive: true, force: true }));

/** A converted model as artifacts the page can rebuild (io.fromMemory), with its recorded inputs and outputs. */
function artifactsOf(name) {
  const { weightsManifest, ...modelJSON } = JSON.parse(readFileSync(join(folder, name, 'model.json'), 'utf8'));
  const [group] = weightsManifest;
  const bytes = group.paths.flatMap((path) => [...readFileSync(join(folder, name, path))]);
  return { modelJSON, weightSpecs: group.weights, bytes, io: JSON.parse(readFileSync(join(folder, `${name}.io.json`), 'utf8')) };
}

test('webgpu: If, a Loop holding an If, and a Scan loop match onnxruntime through executeAsync', async (t) => {
  const cases = Object.fromEntries(['if_runtime_then', 'if_runtime_else', 'loop_with_if', 'scan_loop'].map((n) => [n, artifactsOf(n)]));
  const report = await shared.page.run(async (tw, { cases }) => {
    const before = tw.memory().numTensors;
    const results = {};
    for (const [name, { modelJSON, weightSpecs, bytes, io }] of Object.entries(cases)) {
      const model = await tw.loadGraphModel(tw.io.fromMemory({ modelJSON, weightSpecs, weightData: new Uint8Array(bytes).buffer }));
      const feeds = Object.fromEntries(Object.entries(io.inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
      const names = Object.keys(io.outputs);
      const outputs = [await model.executeAsync(feeds, names)].flat();
      results[name] = await Promise.all(outputs.map(async (y) => ({ shape: y.shape, values: Array.from(await y.data()) })));
      tw.dispose([...Object.values(feeds), ...outputs]);
      model.dispose();
    }
    return { backend: tw.getBackend(), results, leftTensors: tw.memory().numTensors - before };
  }, { cases });
  assert.equal(report.backend, 'webgpu');
  const lines = [];
  for (const [name, outputs] of Object.entries(report.results)) {
    const expected = Object.values(cases[name].io.outputs);
    outputs.forEach((y, k) => {
      assert.deepEqual(y.shape, expected[k].shape, name);
      assertClose(y.values, expected[k].values, { rtol: 1e-5, atol: 1e-5 }, name);
      lines.push(`${name}[${k}]: max |diff| ${Math.max(...y.values.map((v, i) => Math.abs(v - expected[k].values[i]))).toExponential(2)}`);
    });
  }
  t.diagnostic(lines.join('; '));
  assert.equal(report.leftTensors, 0);
});
