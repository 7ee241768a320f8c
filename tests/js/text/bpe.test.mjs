// tw.text.BPETokenizer (js/src/text/bpe.ts) against the ids of the Python
// `tokenizers` library for the texts in tests/fixtures/gpt/tiny_gpt.json
// (make_tiny_gpt.py trained the byte-level BPE tokenizer.json), read from the
// converted decoder's metadata; decoding, added tokens, and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tw from '../../../js/dist/tensorweb.js';

const GPT = new URL('../../fixtures/gpt/', import.meta.url);
const FIXTURE = JSON.parse(readFileSync(new URL('tiny_gpt.json', GPT), 'utf8'));
const JSON_CONFIG = JSON.parse(readFileSync(new URL('tokenizer.json', GPT), 'utf8'));
const METADATA = JSON.parse(readFileSync(new URL('tiny_gpt/model.json', GPT), 'utf8')).metadata;
const { BPETokenizer } = tw.text;

test('the converted model\'s tokenizer gives the Python tokenizer\'s ids for every fixture text', () => {
  const tokenizer = BPETokenizer.fromMetadata(METADATA);
  assert.deepEqual(METADATA.tokenizer.config, JSON_CONFIG);
  assert.ok(FIXTURE.tokenizer.length >= 15);
  for (const { text, ids } of FIXTURE.tokenizer) assert.deepEqual(tokenizer.encode(text), ids, JSON.stringify(text));
  assert.deepEqual(tokenizer.encode(FIXTURE.prompt), FIXTURE.promptIds);
});

test('decoding gives the text back, bytes split across tokens included', () => {
  const tokenizer = new BPETokenizer(JSON_CONFIG);
  for (const { text, ids } of FIXTURE.tokenizer) assert.equal(tokenizer.decode(ids), text, JSON.stringify(text));
  assert.equal(tokenizer.decode(FIXTURE.greedyTokens), FIXTURE.greedyText);
  // 😀 is four bytes; the first token alone is an incomplete character
  const ids = tokenizer.encode('😀');
  assert.ok(ids.length > 1);
  assert.equal(tokenizer.decode(ids.slice(0, 1)), '\ufffd');
});

test('added tokens are matched in the raw text, and decoding leaves special ones out unless asked', () => {
  const tokenizer = new BPETokenizer(JSON_CONFIG);
  const eos = tokenizer.tokenToId('<|endoftext|>');
  assert.equal(eos, 0);
  const ids = tokenizer.encode('one<|endoftext|>two');
  assert.deepEqual(ids, [...tokenizer.encode('one'), eos, ...tokenizer.encode('two')]);
  assert.equal(tokenizer.decode(ids), 'onetwo');
  assert.equal(tokenizer.decode(ids, { skipSpecialTokens: false }), 'one<|endoftext|>two');
});

test('merges apply lowest rank first; ignore_merges takes a whole piece found in the vocabulary', () => {
  const config = (extra = {}) => ({
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
    model: { type: 'BPE', vocab: { a: 0, b: 1, c: 2, ab: 3, bc: 4, abc: 5, Ġ: 6, Ġa: 7 }, merges: ['b c', 'a b', 'a bc', 'Ġ a'], ...extra },
  });
  const tokenizer = new BPETokenizer(config());
  assert.deepEqual(tokenizer.encode('abc'), [5]); // b c first (rank 0), then a bc; these ids are tokenizers' too
  assert.deepEqual(tokenizer.encode('ab a'), [3, 7]);
  assert.deepEqual(tokenizer.encode('ca'), [2, 0]);
  const whole = new BPETokenizer(config({ merges: [['a', 'b']], ignore_merges: true }));
  assert.deepEqual(whole.encode('abc bc'), [5, 6, 1, 2]); // ' bc' is not in it: merged as usual (ids as tokenizers gives them)
});

test('tokenizers it cannot reproduce are refused, naming the field', () => {
  const base = JSON_CONFIG;
  assert.throws(() => new BPETokenizer({ ...base, model: { ...base.model, type: 'WordPiece' } }), /model\.type is "WordPiece", not "BPE"/);
  assert.throws(() => new BPETokenizer({ ...base, model: { ...base.model, dropout: 0.1 } }), /model\.dropout is set/);
  assert.throws(() => new BPETokenizer({ ...base, normalizer: { type: 'NFC' } }), /normalizer "NFC" is not supported/);
  assert.throws(() => new BPETokenizer({ ...base, pre_tokenizer: { type: 'Whitespace' } }), /pre_tokenizer must be ByteLevel/);
  assert.throws(() => new BPETokenizer({ ...base, model: { ...base.model, merges: [['a']] } }), /model\.merges\[0\] is \["a"\], not a pair/);
  assert.throws(() => new BPETokenizer({ ...base, added_tokens: [{ id: 5, content: 'x', lstrip: true }] }), /added_tokens\[0\] \("x"\): single_word, lstrip and rstrip/);
  assert.throws(() => BPETokenizer.fromMetadata({}), /metadata has no tokenizer/);
  assert.throws(() => BPETokenizer.fromMetadata({ tokenizer: { type: 'wordpiece' } }), /metadata\.tokenizer\.type is "wordpiece", not "huggingface"/);
  const tokenizer = new BPETokenizer(base);
  assert.throws(() => tokenizer.decode([5000]), /decode: no token has id 5000/);
  assert.throws(() => tokenizer.encode(3), /encode takes a string, got number/);
});
