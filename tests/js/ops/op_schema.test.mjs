// converter/op_schema.json, the converter's op set, is the built registry's
// schema, and scripts/write_op_schema.mjs --check fails when it is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tw from '../../../js/dist/tensorweb.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SCHEMA_FILE = join(root, 'converter', 'op_schema.json');
const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));

function check(file) {
  return spawnSync(process.execPath, ['scripts/write_op_schema.mjs', '--check', ...(file ? [file] : [])],
    { cwd: root, encoding: 'utf8' });
}

test('the committed op schema is the built registry\'s', () => {
  const run = check();
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});

test('--check names the ops of a stale schema and exits 1', () => {
  const stale = structuredClone(committed);
  stale.ops.sum.attrs.keepDims.default = true;
  delete stale.ops.relu;
  stale.ops.notAnOp = stale.ops.abs;
  const folder = mkdtempSync(join(tmpdir(), 'op-schema-'));
  try {
    const file = join(folder, 'op_schema.json');
    writeFileSync(file, JSON.stringify(stale, null, 2));
    const run = check(file);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /is stale/);
    assert.match(run.stderr, /ops missing from it: relu/);
    assert.match(run.stderr, /no longer has: notAnOp/);
    assert.match(run.stderr, /entry differs: sum\b/);
    writeFileSync(file, '{"ops": ');
    assert.match(check(file).stderr, /not JSON/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('the schema has every op with its contract and nothing about backends', () => {
  assert.deepEqual(Object.keys(committed.ops), tw.listOps());
  assert.deepEqual(committed.dtypes, [...tw.ATTR_DTYPES]);
  for (const [name, op] of Object.entries(committed.ops)) {
    assert.equal(op.backends, undefined, `${name} lists backends`);
    assert.deepEqual(op.inputs, tw.getOpDef(name).inputs.map((i) => ({ ...i })), `${name} inputs`);
    assert.equal(op.inputDtype, tw.getOpDef(name).inputDtype, `${name} inputDtype`);
  }
  assert.deepEqual(committed.ops.fusedMatMul.attrs.activation.oneOf, tw.getOpDef('fusedMatMul').attrs.activation.oneOf);
  assert.equal(committed.ops.logSumExp.kind, 'decomposition');
  assert.equal(committed.ops.equal.differentiable, false);
});
