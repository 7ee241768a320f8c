// Replays the op goldens (tests/fixtures/ops/<family>.json) in a page on the
// webgpu backend: every case of a family runs in one page call, then each is
// judged as its own node test with the golden's tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

const FIXTURES = new URL('../../../fixtures/ops/', import.meta.url);

export function goldenFamilies() {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
}

export function loadCases(family) {
  return JSON.parse(readFileSync(new URL(`${family}.json`, FIXTURES), 'utf8')).cases;
}

/**
 * Runs `cases` in the page with `flags` set on the webgpu backend. Per case:
 * the outputs (values as JSON-safe numbers), which backend holds each output,
 * the ops that ran, and the tensors left allocated; or the error text.
 */
export function runCasesInPage(page, cases, flags = {}) {
  return page.run(async (tw, { cases, flags }) => {
    if (!(await tw.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise');
    const backend = tw.engine().findBackend('webgpu');
    const saved = { ...backend.flags };
    backend.setFlags(flags);
    const decodeNumber = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
    const encodeNumber = (v) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
    const decodeArg = (arg, created) => {
      if (Array.isArray(arg)) return arg.map((a) => decodeArg(a, created));
      if (arg !== null && typeof arg === 'object') {
        if ('tensor' in arg) {
          const { values, shape, dtype } = arg.tensor;
          const numbers = values.map(decodeNumber);
          // complex64: interleaved (real, imaginary) pairs, as data() returns them
          const part = (index) => tw.tensor(numbers.filter((_, i) => i % 2 === index), shape);
          const t = dtype === 'complex64' ? tw.tidy(() => tw.complex(part(0), part(1))) : tw.tensor(numbers, shape, dtype);
          created.push(t);
          return t;
        }
        if ('number' in arg) return decodeNumber(arg.number);
        return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, decodeArg(v, created)]));
      }
      return arg;
    };
    const encodeResult = async (r) => {
      if (r instanceof tw.Tensor) {
        return { shape: r.shape, dtype: r.dtype, backend: tw.engine().backendOf(r), values: Array.from(await r.data(), encodeNumber) };
      }
      if (Array.isArray(r)) return Promise.all(r.map(encodeResult));
      const entries = await Promise.all(Object.entries(r).map(async ([k, v]) => [k, await encodeResult(v)]));
      return Object.fromEntries(entries);
    };
    const results = [];
    try {
      for (const c of cases) {
        const created = [];
        try {
          const args = decodeArg(c.args, created);
          const before = tw.memory().numTensors;
          const fn = c.fn.split('.').reduce((scope, key) => scope?.[key], tw);
          const { result, kernelNames } = await tw.profile(() => fn(...args));
          const encoded = await encodeResult(result);
          tw.dispose(result);
          results.push({ result: encoded, kernelNames, leaked: tw.memory().numTensors - before });
        } catch (error) {
          results.push({ error: String(error && error.stack || error) });
        } finally {
          tw.dispose(created);
        }
      }
    } finally {
      backend.setFlags(saved);
    }
    return results;
  }, { cases, flags });
}

const decode = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);

function close(actual, expected, rtol, atol) {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

/** Asserts one page result against a golden expectation; `onGpu`: every output must live on webgpu. */
export function assertMatches(actual, expected, { rtol = 1e-4, atol = 1e-5 }, where, onGpu) {
  if (Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, `${where}: number of outputs`);
    expected.forEach((e, i) => assertMatches(actual[i], e, { rtol, atol }, `${where}[${i}]`, onGpu));
    return;
  }
  if (!('values' in expected && 'dtype' in expected)) {
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${where}: keys`);
    for (const key of Object.keys(expected)) assertMatches(actual[key], expected[key], { rtol, atol }, `${where}.${key}`, onGpu);
    return;
  }
  assert.equal(actual.dtype, expected.dtype, `${where}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${where}: shape`);
  if (onGpu) assert.equal(actual.backend, 'webgpu', `${where}: the output should live on webgpu`);
  const exact = expected.dtype === 'int32' || expected.dtype === 'bool';
  const bad = [];
  expected.values.forEach((e, i) => {
    const want = decode(e);
    const got = decode(actual.values[i]);
    if (!(exact ? got === want : close(got, want, rtol, atol))) bad.push(`[${i}] got ${got}, want ${want}`);
  });
  assert.equal(bad.length, 0, `${where}: ${bad.length} of ${expected.values.length} values differ: ${bad.slice(0, 6).join('; ')}`);
}

/** One node test per case, judging results that `resultsFor()` (a promise of page results) delivers. */
export function judgeCases(label, cases, resultsFor) {
  cases.forEach((c, i) => {
    test(`${label}: ${c.name}`, async () => {
      const outcome = (await resultsFor())[i];
      assert.ok(!outcome.error, `threw: ${outcome.error}`);
      assert.ok(outcome.kernelNames.includes(c.op), `tw.${c.fn} did not run op '${c.op}' (ran: ${outcome.kernelNames.join(', ')})`);
      assertMatches(outcome.result, c.expected, { rtol: c.rtol, atol: c.atol }, `tw.${c.fn}`, true);
      assert.equal(outcome.leaked, 0, 'tensors left allocated');
    });
  });
}
