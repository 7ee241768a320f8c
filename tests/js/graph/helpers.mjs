// Shared by the graph and io node tests: the committed converted fixtures
// served through a fetchFunc (with optional tampering), and closeness checks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
