// Every registered op has numpy goldens; every op with a gradient function has
// a numerical gradient check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as tw from '../../../js/dist/tensorweb.js';
import { FIXTURES, loadGoldens } from '../helpers/golden.mjs';
import { allGradientCases } from '../helpers/gradcheck.mjs';

test('every registered op has golden cases', () => {
  const families = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
  const covered = new Set(families.flatMap((family) => loadGoldens(family).map((c) => c.op)));
  const missing = tw.listOps().filter((op) => !covered.has(op));
  assert.deepEqual(missing, [], `ops without goldens: ${missing.join(', ')}`);
});

test('every differentiable kernel op has a gradient check', async () => {
  const covered = new Set((await allGradientCases()).map((c) => c.op));
  const missing = tw.listOps().filter((op) => typeof tw.getOpDef(op).grad === 'function' && !covered.has(op));
  assert.deepEqual(missing, [], `ops without gradient checks: ${missing.join(', ')}`);
});
