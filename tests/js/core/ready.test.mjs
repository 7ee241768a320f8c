// ready() picks the best backend even when a synchronous one served ops while it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

class Later extends tw.CpuBackend {
  constructor() {
    super();
    Object.defineProperty(this, 'name', { value: 'later' });
  }
}

test('an async higher-priority backend takes over at ready()', async () => {
  let created = 0;
  tw.engine().registerBackend('later', async () => {
    created++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return new Later();
  }, 10);
  assert.equal(tw.getBackend(), 'cpu', 'ops before ready() use the synchronous backend');
  const early = tw.tensor([1, 2]);
  await tw.ready();
  assert.equal(tw.getBackend(), 'later');
  assert.equal(created, 1, 'the factory ran once');
  const fresh = tw.tensor([3, 4]);
  assert.equal(tw.engine().backendOf(fresh), 'later');
  assert.deepEqual(Array.from(tw.add(early, fresh).dataSync()), [4, 6]);
});
