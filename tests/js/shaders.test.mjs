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

const IMPORT = /^\/\/ @import (\S+)$/gm;

test('every .wgsl under shaders/ is in the bundle, byte for byte where it imports nothing', () => {
  const onDisk = wgslOnDisk(shaderDir).sort();
  assert.deepEqual(tw.listShaders(), onDisk);
  for (const path of onDisk) {
    const text = readFileSync(join(shaderDir, path), 'utf8');
    if (!text.match(IMPORT)) assert.equal(tw.shaderSource(path), text);
  }
});

test('each // @import line gives way to the prelude it names', () => {
  const importers = wgslOnDisk(shaderDir).filter((path) => readFileSync(join(shaderDir, path), 'utf8').match(IMPORT));
  assert.ok(importers.includes('matmul/matmul.wgsl'));
  for (const path of importers) {
    const source = tw.shaderSource(path);
    assert.doesNotMatch(source, IMPORT);
    for (const [, prelude] of readFileSync(join(shaderDir, path), 'utf8').matchAll(IMPORT)) {
      // The prelude's own text, around the import lines that gave way to its own preludes.
      for (const part of readFileSync(join(shaderDir, prelude), 'utf8').split(IMPORT).filter((_, i) => i % 2 === 0)) {
        assert.ok(source.includes(part), `${path} lacks part of ${prelude}`);
      }
    }
  }
  // Slots in a prelude are the importing kernel's.
  assert.match(tw.fillSlots(tw.shaderSource('matmul/matmul.wgsl'), { body: 'return max(v, 0.0);' }), /return max\(v, 0\.0\);/);
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

test('repeatTemplates writes a slot out from its // @repeat lines, integers only', () => {
  const source = 'fn f() {\n  let a = 0; // @body\n  // @repeat body.load: let x{o} = read({o}u);\n  // @repeat body.end: }\n}\n';
  assert.equal(tw.repeatTemplates(source, 'body', [['load', { o: 0 }], ['load', { o: 12 }], ['end', {}]]),
    'let x0 = read(0u); let x12 = read(12u); }');
  assert.throws(() => tw.repeatTemplates(source, 'body', [['store', {}]]), /no template body\.store \(has load, end\)/);
  assert.throws(() => tw.repeatTemplates(source, 'body', [['load', { o: -1 }]]), /body\.load needs a non-negative integer for \{o\}, got -1/);
  assert.throws(() => tw.repeatTemplates(source, 'body', [['load', { o: '1; evil()' }]]), /non-negative integer for \{o\}/);
  assert.throws(() => tw.repeatTemplates(source, 'taps', []), /no '\/\/ @repeat taps\.<part>:' template lines/);
});

test('tests/fixtures/depthwise_taps.json is what the bundle writes out now', async () => {
  const { FIXTURE, fixtureText } = await import('../fixtures/make_depthwise_taps.mjs');
  assert.equal(readFileSync(FIXTURE, 'utf8'), fixtureText(), 'stale: run node tests/fixtures/make_depthwise_taps.mjs');
});
