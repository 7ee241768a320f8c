// farmhash Fingerprint64 (core/farmhash.ts), seen through the op that uses it,
// against TF.js's own implementation (tfjs-core's hash_util) on every length
// branch: 0-16, 17-32, 33-64 and the 64-byte loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { fingerPrint64 } from '@tensorflow/tfjs-core/dist/hash_util.js';

test('stringToHashBucketFast buckets every string length as TF.js fingerprints it', () => {
  const strings = Array.from({ length: 200 }, (_, n) => Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7 + n) % 90))).join(''));
  strings.push('héllo wörld ✓', '\u{1F600}'.repeat(20));
  const encoder = new TextEncoder();
  for (const buckets of [10, 2147483647, 1000003]) {
    const got = tw.string.stringToHashBucketFast(strings, buckets);
    const expected = strings.map((s) => fingerPrint64(encoder.encode(s)).modulo(buckets).getLowBitsUnsigned());
    assert.deepEqual([...got.dataSync()], expected, `buckets ${buckets}`);
    got.dispose();
  }
});

test("TF.js's pinned fingerprints: a, b, c, d into 10 buckets", () => {
  // fingerPrint64('a') = 12917804110809363939 and so on (TF.js's test comments).
  const got = tw.string.stringToHashBucketFast(['a', 'b', 'c', 'd'], 10);
  assert.deepEqual([...got.dataSync()], [9, 2, 2, 5]);
  got.dispose();
});
