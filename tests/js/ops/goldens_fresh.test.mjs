// The committed goldens are exactly what tests/fixtures/make_op_goldens.py produces now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const python = `${root}.venv/bin/python`;

test('committed op goldens match their generating tables',
  { skip: existsSync(python) ? false : 'no .venv/bin/python with numpy here (make setup creates it)' }, () => {
    const run = spawnSync(python, ['tests/fixtures/make_op_goldens.py', '--check'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  });
