// Every layer's output and gradients (with respect to its inputs and its
// weights) against the numpy references in tests/fixtures/train/layers.json,
// and the symbolic output shape against the real one (cpu backend; the
// browser tier replays the same cases on webgpu).
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import * as tw from '../../../js/dist/tensorweb.js';
import { replayLayer } from '../train/replay.mjs';

const { cases } = JSON.parse(readFileSync(new URL('../../fixtures/train/layers.json', import.meta.url)));

for (const c of cases) {
  test(`${c.name}: output and gradients match numpy`, () => replayLayer(tw, c));
}
