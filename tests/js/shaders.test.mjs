// The bundle inlines every shaders/**/*.wgsl and applies the body substitution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tw from '../../js/dist/tensorweb.js';

const shaderDir = fileURLToPath(new URL('../../shaders', import.meta.url));

function wgslOnDisk(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return wgslOnDisk(path);
    return name.endsWith('.wgsl') ? [relative(shaderDir, path).split('\\').join('/')] : [];
  });
}

test('every .wgsl under shaders/ is in the bundle, byte for byte', () => {
  const onDisk = wgslOnDisk(shaderDir).sort();
  assert.deepEqual(tw.listShaders(), onDisk);
  for (const path of onDisk) assert.equal(tw.shaderSource(path), readFileSync(join(shaderDir, path), 'utf8'));
});

test('an unknown shader names itself in the error', () => {
  assert.throws(() => tw.shaderSource('nope/missing.wgsl'), /nope\/missing\.wgsl/);
});

test('substituteBody replaces only the marked code line, not a comment that mentions it', () => {
  const source = '// the `// @body` marker\nfn f(v: f32) -> f32 {\n  return v; // @body\n}\n';
  assert.equal(tw.substituteBody(source, 'exp(v)'),
    '// the `// @body` marker\nfn f(v: f32) -> f32 {\n  return exp(v);\n}\n');
  assert.throws(() => tw.substituteBody('fn f() {}', 'v'), /no slot\(s\) body/);
});

test('fillSlots fills the named slots it is given and leaves the others as written', () => {
  const source = 'alias T = f32; // @types\nfn f(v: T) -> T {\n  return v; // @body\n}\n';
  assert.equal(tw.fillSlots(source, { types: 'enable f16; alias T = f16;' }),
    'enable f16; alias T = f16;\nfn f(v: T) -> T {\n  return v; // @body\n}\n');
  assert.throws(() => tw.fillSlots(source, { bodyy: 'x' }), /bodyy.*has body, types/);
});
