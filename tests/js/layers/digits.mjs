// scikit-learn's 8x8 digits (tests/fixtures/digits) read from disk for the node tests.
import { readFileSync } from 'node:fs';
import { digitsTensors } from './digits_models.mjs';

const meta = JSON.parse(readFileSync(new URL('../../fixtures/digits/digits.json', import.meta.url)));
const bytes = readFileSync(new URL('../../fixtures/digits/digits.bin', import.meta.url));

export function digits(tw, { image = false } = {}) {
  return digitsTensors(tw, bytes, meta, { image });
}
