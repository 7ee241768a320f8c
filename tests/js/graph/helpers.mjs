// Shared by the graph and io node tests: the committed converted fixtures
// served through a fetchFunc (with optional tampering), and closeness checks.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tw from '../../../js/dist/tensorweb.js';

export const FIXTURES = new URL('../../fixtures/graph/', import.meta.url);
export const FIXTURE_NAMES = ['resnet', 'mobilenet', 'squeezenet', 'bert', 'resnet_uint8', 'bert_float16', 'torch_convnet', 'torch_encoder', 'minilm_dynamic'];
export const BASE = 'http://fixtures.test/';

export function readFixtureFile(path) {
  return readFileSync(new URL(path, FIXTURES));
}

/**
 * A fetchFunc serving tests/fixtures/graph under BASE. `replace` maps a path
 * (relative to BASE) to other bytes, or to null for a 404. Records each URL fetched.
 */
export function fixtureFetch(replace = {}) {
  const fetched = [];
  const fetchFunc = async (url, init) => {
    if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    fetched.push(url);
    const path = url.slice(BASE.length);
    if (path in replace) {
      return replace[path] === null ? new Response('not found', { status: 404 }) : new Response(replace[path]);
    }
    try {
      return new Response(readFixtureFile(path));
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
  return { fetchFunc, fetched };
}

export function loadFixture(name, options = {}) {
  return tw.loadGraphModel(`${BASE}${name}/model.json`, { fetchFunc: fixtureFetch().fetchFunc, ...options });
}

const MADE_BASE = 'http://models.test/';

/**
 * The models a make_*_models.py script (`script`, a URL) converts into a temporary folder, removed after
 * the calling test file: `cases` (the names its last line of output lists), `load(name, mend)` (the
 * converted model, each model.json passed through `mend` on its way), `io(name)` (its recorded
 * inputs and outputs) and `artifacts(name)` (what a browser page rebuilds it from with
 * io.fromMemory, its weights' bytes as an array of numbers).
 */
export function madeModels(script, prefix) {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const made = spawnSync(fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url)), [fileURLToPath(script), folder],
    { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`${fileURLToPath(script)} failed:\n${made.stdout}\n${made.stderr}`);
  after(() => rmSync(folder, { recursive: true, force: true }));
  const load = (name, mend = (modelJSON) => modelJSON) => {
    const fetchFunc = async (url) => {
      const path = url.slice(MADE_BASE.length);
      try {
        const bytes = readFileSync(join(folder, path));
        return new Response(path.endsWith('model.json') ? JSON.stringify(mend(JSON.parse(bytes))) : bytes);
      } catch {
        return new Response('not found', { status: 404 });
      }
    };
    return tw.loadGraphModel(`${MADE_BASE}${name}/model.json`, { fetchFunc });
  };
  const io = (name) => JSON.parse(readFileSync(join(folder, `${name}.io.json`), 'utf8'));
  const artifacts = (name) => {
    const { weightsManifest, ...modelJSON } = JSON.parse(readFileSync(join(folder, name, 'model.json'), 'utf8'));
    const [group] = weightsManifest;
    return { modelJSON, weightSpecs: group.weights, bytes: group.paths.flatMap((path) => [...readFileSync(join(folder, name, path))]) };
  };
  return { cases: JSON.parse(made.stdout.trim().split('\n').at(-1)), load, io, artifacts };
}

export function readIO(name) {
  return JSON.parse(readFixtureFile(`${name}.io.json`));
}

export function ioTensors(entries) {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
}

/** Every value within atol * max|expected| + rtol * |expected| (atol scaled as ARCHITECTURE.md scales it for matmul/conv). */
export function assertClose(actual, expected, { rtol, atol }, what) {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  const scale = Math.max(...expected.map(Math.abs), 1e-30);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol * scale + rtol * Math.abs(expected[i]));
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  assert.ok(at < 0, `${what}: value ${at} is ${actual[at]}, expected ${expected[at]}`);
}

/** A fixture's outputs, read back as arrays of values in output order, match its recorded ones (`readIO`). */
export function assertOutputsMatch(name, values) {
  const io = readIO(name);
  Object.values(io.outputs).forEach((expected, k) => assertClose(values[k], expected.values, io.tolerance, `${name} output ${k}`));
}
