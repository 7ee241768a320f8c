// Replays the op goldens that tests/fixtures/make_op_goldens.py wrote
// (tests/fixtures/ops/<family>.json) against the built bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tw from '../../../js/dist/tensorweb.js';

export const FIXTURES = new URL('../../fixtures/ops/', import.meta.url);

export function decodeNumber(v) {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v;
}

export function decodeTensor({ shape, dtype, values }) {
  const numbers = values.map(decodeNumber);
  if (dtype !== 'complex64') return tw.tensor(numbers, shape, dtype);
  // Interleaved (real, imaginary) pairs, as data() returns them.
  const part = (index) => tw.tensor(numbers.filter((_, i) => i % 2 === index), shape);
  return tw.tidy(() => tw.complex(part(0), part(1)));
}

/** Golden `args`: {"tensor": ...} becomes a tensor, {"number": "NaN"} a number, the rest stays JSON. */
function decodeArg(arg, created) {
  if (Array.isArray(arg)) return arg.map((a) => decodeArg(a, created));
  if (arg !== null && typeof arg === 'object') {
    if ('tensor' in arg) {
      const t = decodeTensor(arg.tensor);
      created.push(t);
      return t;
    }
    if ('number' in arg) return decodeNumber(arg.number);
    return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, decodeArg(v, created)]));
  }
  return arg;
}

function close(actual, expected, rtol, atol) {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

/** Asserts a tensor matches an encoded expectation: dtype, shape, values within tolerance (exact for int32/bool). */
export function assertTensorMatches(actual, expected, { rtol = 1e-4, atol = 1e-5, where = 'output' } = {}) {
  assert.ok(actual instanceof tw.Tensor, `${where}: expected a Tensor, got ${typeof actual}`);
  assert.equal(actual.dtype, expected.dtype, `${where}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${where}: shape`);
  const values = actual.dataSync();
  const exact = expected.dtype === 'int32' || expected.dtype === 'bool';
  const bad = [];
  expected.values.forEach((e, i) => {
    const want = decodeNumber(e);
    if (!(exact ? values[i] === want : close(values[i], want, rtol, atol))) bad.push(`[${i}] got ${values[i]}, want ${want}`);
  });
  assert.equal(bad.length, 0, `${where}: ${bad.length} of ${values.length} values differ: ${bad.slice(0, 6).join('; ')}`);
}

function assertMatches(actual, expected, tolerance, where) {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected an array of ${expected.length} tensors`);
    assert.equal(actual.length, expected.length, `${where}: number of outputs`);
    expected.forEach((e, i) => assertMatches(actual[i], e, tolerance, `${where}[${i}]`));
  } else if ('values' in expected && 'dtype' in expected) {
    assertTensorMatches(actual, expected, { ...tolerance, where });
  } else {
    assert.deepEqual(Object.keys(actual ?? {}).sort(), Object.keys(expected).sort(), `${where}: keys`);
    for (const key of Object.keys(expected)) assertMatches(actual[key], expected[key], tolerance, `${where}.${key}`);
  }
}

export function loadGoldens(family) {
  return JSON.parse(readFileSync(new URL(`${family}.json`, FIXTURES), 'utf8')).cases;
}

/** `tw.fused.matMul` for 'fused.matMul'. */
export function resolveFunction(path) {
  const fn = path.split('.').reduce((scope, key) => scope?.[key], tw);
  assert.equal(typeof fn, 'function', `tw.${path} is not a function`);
  return fn;
}

/**
 * One test per golden case: runs tw.<fn>(...args), checks the outputs, that
 * the registry op `op` ran, and that nothing but the outputs stayed allocated.
 */
export function goldenTests(family) {
  for (const c of loadGoldens(family)) {
    test(`${family}: ${c.name}`, async () => {
      const created = [];
      const args = decodeArg(c.args, created);
      const before = tw.memory().numTensors;
      const { result, kernelNames } = await tw.profile(() => resolveFunction(c.fn)(...args));
      try {
        assert.ok(kernelNames.includes(c.op), `tw.${c.fn} did not run op '${c.op}' (ran: ${kernelNames.join(', ')})`);
        assertMatches(result, c.expected, { rtol: c.rtol, atol: c.atol }, `tw.${c.fn}`);
      } finally {
        tw.dispose(result);
        tw.dispose(created);
      }
      assert.equal(tw.memory().numTensors, before - created.length, 'tensors left allocated');
    });
  }
}
