// Numerical gradient check shared by every op family's tests.
//
// For y = f(...xs) the check compares the analytic gradient of
// L = sum(w * y) (w fixed random weights, so every output element matters)
// with central differences of L. L is summed in float64 from the float32
// outputs, and the step actually taken (after rounding x ± eps to float32)
// is the divisor, so the difference quotient is accurate to about 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as tw from '../../../js/dist/tensorweb.js';

/** Deterministic inputs: an array of numbers (with `shape`), or random uniform in [low, high). */
export function makeInput(spec, index) {
  if (spec instanceof tw.Tensor) return spec.clone();
  if (spec.values) return tw.tensor(spec.values, spec.shape, spec.dtype ?? 'float32');
  return tw.randomUniform(spec.shape, spec.low ?? -2, spec.high ?? 2, 'float32', 1000 + index);
}

function weightedLoss(y, w) {
  const values = y.dataSync();
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] * w[i];
  return total;
}

/**
 * Asserts that tw.grads agrees with central differences for every input that
 * `differentiable` (default: all float32 inputs) selects.
 */
export function checkGradients(f, inputs, { eps = 1e-2, rtol = 1e-2, atol = 1e-3, differentiable } = {}) {
  const before = tw.memory().numTensors;
  const xs = inputs;
  const which = differentiable ?? xs.map((x) => x.dtype === 'float32');
  const outShape = tw.tidy(() => f(...xs).shape);
  const w = Float64Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(1.7 * i + 0.3) + 0.25);
  const wTensor = tw.tensor(Array.from(w, Math.fround), outShape);
  const active = xs.filter((_, i) => which[i]);
  const analytic = tw.grads((...args) => {
    const full = xs.map((x, i) => (which[i] ? args[active.indexOf(x)] : x));
    return tw.sum(tw.mul(f(...full), wTensor));
  })(active);
  const mismatches = [];
  xs.forEach((x, i) => {
    if (!which[i]) return;
    const base = x.dataSync();
    const grad = analytic[active.indexOf(x)].dataSync();
    for (let j = 0; j < base.length; j++) {
      const probe = (delta) => {
        const values = Float32Array.from(base);
        values[j] = base[j] + delta;
        const moved = tw.tensor(values, x.shape);
        const args = xs.map((other, k) => (k === i ? moved : other));
        const loss = tw.tidy(() => weightedLoss(f(...args), w));
        moved.dispose();
        return { loss, at: values[j] };
      };
      const up = probe(eps);
      const down = probe(-eps);
      const numeric = (up.loss - down.loss) / (up.at - down.at);
      if (!(Math.abs(grad[j] - numeric) <= atol + rtol * Math.abs(numeric))) {
        mismatches.push(`input ${i} [${j}]: analytic ${grad[j]}, numeric ${numeric}`);
      }
    }
  });
  tw.dispose([analytic, wTensor]);
  assert.equal(mismatches.length, 0, `gradient mismatch: ${mismatches.slice(0, 6).join('; ')}`);
  assert.equal(tw.memory().numTensors, before, 'gradient check left tensors allocated');
}

/**
 * One test per gradient case. A case: { op, name?, f, inputs: [spec...], ...tolerances }.
 * The test also checks that the registry op `op` ran under tw.grads.
 */
export function gradientTests(family, cases) {
  for (const c of cases) {
    test(`${family} gradient: ${c.name ?? c.op}`, async () => {
      const xs = c.inputs.map(makeInput);
      try {
        const { kernelNames } = await tw.profile(() => tw.tidy(() => { c.f(...xs); }));
        assert.ok(kernelNames.includes(c.op), `the case did not run op '${c.op}' (ran: ${kernelNames.join(', ')})`);
        checkGradients(c.f, xs, c);
      } finally {
        tw.dispose(xs);
      }
    });
  }
}

/** Every gradient case module (tests/js/ops/*.grads.mjs), for the coverage test. */
export async function allGradientCases() {
  const dir = new URL('../ops/', import.meta.url);
  const files = readdirSync(dir).filter((name) => name.endsWith('.grads.mjs')).sort();
  const modules = await Promise.all(files.map((name) => import(new URL(name, dir))));
  return modules.flatMap((m) => m.cases);
}
