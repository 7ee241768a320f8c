// The plain-JS SHA-256 (for pages without crypto.subtle) against node's, across block boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as tw from '../../../js/dist/tensorweb.js';

test('io.sha256 matches node:crypto for lengths around the 64-byte block and padding edges', () => {
  for (const length of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70001]) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 255);
    const expected = createHash('sha256').update(bytes).digest('hex');
    const actual = Buffer.from(tw.io.sha256(bytes)).toString('hex');
    assert.equal(actual, expected, `length ${length}`);
  }
});

test('io.sha256Hex (WebCrypto) agrees with io.sha256', async () => {
  const bytes = Uint8Array.from({ length: 5000 }, (_, i) => i & 255);
  assert.equal(await tw.io.sha256Hex(bytes), Buffer.from(tw.io.sha256(bytes)).toString('hex'));
});
