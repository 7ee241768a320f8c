// Backends are pluggable; data moves to the backend an op runs on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tw from '../../../js/dist/tensorweb.js';

// A second backend with no kernels of its own: every op falls back to the CPU.
class StorageOnly extends tw.CpuBackend {
  constructor() {
    super();
    Object.defineProperty(this, 'name', { value: 'storage-only' });
  }
}

test('cpu is the default backend and ready() resolves', async () => {
  await tw.ready();
  assert.equal(tw.getBackend(), 'cpu');
  assert.equal(await tw.setBackend('cpu'), true);
});

test('setBackend on an unknown name fails clearly', async () => {
  await assert.rejects(tw.setBackend('nope'), /no backend named 'nope'/);
});

test('a backend that fails to initialise resolves false and keeps the current one', async () => {
  tw.engine().registerBackend('broken', async () => { throw new Error('no adapter'); });
  const warn = console.warn;
  console.warn = () => {};
  try {
    assert.equal(await tw.setBackend('broken'), false);
  } finally {
    console.warn = warn;
  }
  assert.equal(tw.getBackend(), 'cpu');
});

test('data moves between backends on demand', async () => {
  assert.ok(tw.engine().registerBackend('storage-only', async () => new StorageOnly()));
  assert.equal(await tw.setBackend('storage-only'), true);
  try {
    assert.equal(tw.getBackend(), 'storage-only');
    const x = tw.tensor([1, 2, 3]);
    assert.equal(tw.engine().backendOf(x), 'storage-only');
    assert.equal(tw.memory().backends['storage-only'].numDataBuffers, 1);
    const y = x.mul(2); // no kernel on storage-only: runs on cpu, x moves there
    assert.equal(tw.engine().backendOf(x), 'cpu');
    assert.equal(tw.engine().backendOf(y), 'cpu');
    assert.equal(tw.memory().backends['storage-only'].numDataBuffers, 0);
    assert.deepEqual(Array.from(await y.data()), [2, 4, 6]);
    tw.dispose([x, y]);
  } finally {
    await tw.setBackend('cpu');
  }
});

test('registry entries expose their attribute schema and kernels', () => {
  const def = tw.getOpDef('sum');
  assert.deepEqual(Object.keys(def.attrs), ['axis', 'keepDims']);
  assert.equal(def.attrs.keepDims.default, false);
  assert.deepEqual(Object.keys(tw.getOpDef('add').kernels), ['cpu', 'webgpu']);
});

test('in Node (no navigator.gpu) the automatic choice passes over webgpu without a warning and lands on cpu', () => {
  const bundle = new URL('../../../js/dist/tensorweb.js', import.meta.url).href;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e',
    `const tw = await import(${JSON.stringify(bundle)}); await tw.ready(); tw.add(tw.tensor([1]), tw.tensor([2])); console.log(tw.getBackend());`],
  { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'cpu');
  assert.equal(run.stderr, '', 'nothing is written to stderr (console.warn)');
});

test('naming an absent backend in setBackend resolves false and says why', async () => {
  tw.engine().registerBackend('absent', async () => { throw new tw.BackendUnavailableError('no such device here'); }, 0);
  const warnings = [];
  const warn = console.warn;
  console.warn = (message) => warnings.push(message);
  try {
    assert.equal(await tw.setBackend('absent'), false);
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(warnings, ["tensorweb: setBackend('absent'): no such device here"]);
  assert.equal(tw.getBackend(), 'cpu');
});

test('tw.backend() is the active backend object, with TF.js\'s queries', async () => {
  await tw.setBackend('cpu');
  const backend = tw.backend();
  assert.equal(backend, tw.engine().backend);
  assert.equal(backend.name, 'cpu');
  assert.equal(backend.floatPrecision(), 32);
  assert.equal(backend.epsilon(), 1e-7);
  const before = backend.numDataIds();
  const x = tw.tensor([1, 2, 3]);
  const y = x.reshape([3, 1]); // a view shares the data buffer
  assert.equal(backend.numDataIds(), before + 1);
  assert.equal(backend.numDataIds(), backend.memory().numDataBuffers);
  tw.dispose([x, y]);
  assert.equal(backend.numDataIds(), before);
});
