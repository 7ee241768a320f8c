// bench/graph.mjs's LiteRT.js rows (MediaPipe's face detection + landmarks per frame, selfie
// segmentation), one timed run each, so that the benchmark keeps working: both runtimes load and run
// the wheel's .tflite models in one page, the row names the accelerator LiteRT.js compiled each for,
// and tensorweb's outputs agree with LiteRT.js's. The models come from bench/graph_models.py (the
// mediapipe wheel, cached in examples-cache/), the photo from tests/fixtures/photos.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helper.mjs';
import { benchGraphModels, modelsNamed } from '../../../bench/graph.mjs';

function makeModels() {
  const result = spawnSync(join(ROOT, '.venv/bin/python'),
    ['bench/graph_models.py', 'face_detection_short_range', 'face_landmark', 'selfie_segmentation'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bench/graph_models.py failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

function assertTimed(row) {
  for (const [runtime, r] of [['tensorweb', row.tensorweb], [row.peer.runtime, row.peer]]) {
    for (const key of ['loadMs', 'firstMs', 'steadyMs', 'loadToFirstResultMs']) {
      assert.ok(Number.isFinite(r[key]) && r[key] > 0, `${row.model}: ${runtime} ${key} is ${r[key]}`);
    }
    assert.ok(r.loadToFirstResultMs >= r.loadMs + r.firstMs - 1, `${row.model}: ${runtime}'s first result comes before its load and first run`);
  }
  // A second load finds every pipeline compiled: the weights' load alone, the ratio's denominator.
  assert.ok(Number.isFinite(row.tensorweb.reloadMs) && row.tensorweb.reloadMs > 0, `${row.model}: reload ${row.tensorweb.reloadMs}`);
  assert.ok(Number.isFinite(row.tensorweb.serverReloadMs) && row.tensorweb.serverReloadMs > 0, `${row.model}: server reload ${row.tensorweb.serverReloadMs}`);
  assert.ok(row.tensorweb.bestVariantsMs >= 0, `${row.model}: best variants ${row.tensorweb.bestVariantsMs}`);
}

test('bench/graph.mjs: the MediaPipe rows run against LiteRT.js on webgpu, its accelerators named, outputs agreeing', async () => {
  makeModels();
  const rows = await benchGraphModels({ runs: 1, models: modelsNamed('face_detection_landmarks,selfie_segmentation') });
  assert.deepEqual(rows.map((row) => row.model), ['face_detection_landmarks', 'selfie_segmentation']);
  for (const [row, parts] of [[rows[0], 2], [rows[1], 1]]) {
    // webgpu where LiteRT.js can take the whole model on this adapter, else its wasm fallback: either way, said.
    assert.match(row.peer.runtime, /^LiteRT\.js 2\.5\.3 (webgpu|wasm|webgpu\+wasm|wasm\+webgpu)$/);
    assert.equal(row.peer.accelerators.length, parts);
    assert.ok(row.peer.wasmRuntimeLoadMs > 0 && row.peer.wasmRuntimeLoadMs < row.peer.loadMs);
    assertTimed(row);
    assert.ok(row.outputRelativeDifference < 1e-3, `${row.model}: outputs differ by ${row.outputRelativeDifference} of their largest`);
  }
});

test('bench/graph.mjs: --litert wasm puts LiteRT.js on its CPU path, and another accelerator is refused', async () => {
  makeModels();
  const [row] = await benchGraphModels({ runs: 1, models: modelsNamed('selfie_segmentation'), litert: 'wasm' });
  assert.equal(row.peer.runtime, 'LiteRT.js 2.5.3 wasm');
  assert.deepEqual(row.peer.accelerators, ['wasm']);
  assertTimed(row);
  assert.ok(row.outputRelativeDifference < 1e-3, `outputs differ by ${row.outputRelativeDifference} of their largest`);
  await assert.rejects(benchGraphModels({ models: modelsNamed('selfie_segmentation'), litert: 'webnn' }), /--litert takes webgpu or wasm, not 'webnn'/);
});
