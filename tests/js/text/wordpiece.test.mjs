// tw.text.WordPieceTokenizer (js/src/text/wordpiece.ts) against the ids of the
// Python reference tokenizer (py/tensorweb/examples/minilm.py, recorded in
// tests/fixtures/examples/minilm.json), built from the converted MiniLM's
// metadata; and its settings, padding and errors on a small vocabulary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tw from '../../../js/dist/tensorweb.js';
import { EXAMPLES, ensureExamples } from '../../fixtures/examples.mjs';

const FIXTURE = JSON.parse(readFileSync(new URL('../../fixtures/examples/minilm.json', import.meta.url), 'utf8'));
const { WordPieceTokenizer } = tw.text;

ensureExamples();
const METADATA = JSON.parse(readFileSync(join(EXAMPLES, 'all-minilm-l6-v2/model.json'), 'utf8')).metadata;

test('MiniLM\'s tokenizer gives the reference ids for every fixture text', () => {
  const tokenizer = WordPieceTokenizer.fromMetadata(METADATA);
  const cases = [...FIXTURE.tokenizer, ...FIXTURE.sentences, FIXTURE.query];
  assert.ok(cases.length >= 14);
  for (const { text, ids } of cases) assert.deepEqual(tokenizer.encode(text), ids, JSON.stringify(text));
});

test('MiniLM\'s tokenizer truncates to maxLength, [SEP] kept last', () => {
  const tokenizer = WordPieceTokenizer.fromMetadata(METADATA);
  const ids = tokenizer.encode('word '.repeat(tokenizer.maxLength));
  assert.equal(ids.length, tokenizer.maxLength);
  assert.equal(ids[0], tokenizer.tokenToId('[CLS]'));
  assert.equal(ids.at(-1), tokenizer.tokenToId('[SEP]'));
  assert.equal(ids[1], tokenizer.tokenToId('word'));
});

// A vocabulary small enough to reason about each rule by hand.
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'un', '##aff', '##able', 'cafe', 'café', '!', '$', '北', '京', 'a', '##b', 'ab', '😀'];
const small = (settings = {}) => new WordPieceTokenizer({ vocab: VOCAB, ...settings });
const tokens = (tokenizer, text) => tokenizer.tokenize(text);

test('normalisation: control characters dropped, whitespace to spaces, CJK spaced, lowercase, accents stripped', () => {
  const tokenizer = small();
  assert.equal(tokenizer.normalize('A\u0007b\u00a0C\u200bd\tE'), 'ab cd e'); // the zero-width space is a format character (Cf): dropped, not a space
  assert.equal(tokenizer.normalize('北京x'), ' 北  京 x');
  assert.equal(tokenizer.normalize('Café'), 'cafe');
  assert.deepEqual(tokens(tokenizer, 'Café!'), ['cafe', '!']);
  // Accents follow lowercase by default, and can be kept separately.
  assert.deepEqual(tokens(small({ lowercase: false }), 'café'), ['café']);
  assert.deepEqual(tokens(small({ stripAccents: false }), 'CAFÉ'), ['café']);
  assert.deepEqual(tokens(small({ tokenizeChineseChars: false }), '北京'), ['[UNK]']);
});

test('words split on punctuation, BERT\'s ASCII symbols included', () => {
  const tokenizer = small();
  assert.deepEqual(tokenizer.words('a$b! ¿ab—'), ['a', '$', 'b', '!', '¿', 'ab', '—']);
});

test('wordpieces: longest match first, ## continuations, [UNK] for a word with an unmatched part or too long', () => {
  const tokenizer = small();
  assert.deepEqual(tokens(tokenizer, 'unaffable ab abb'), ['un', '##aff', '##able', 'ab', 'ab', '##b']);
  assert.deepEqual(tokens(tokenizer, 'unaffablex'), ['[UNK]']);
  // Lengths count code points: the emoji is one character, not two UTF-16 units.
  assert.deepEqual(tokens(small({ maxInputCharsPerWord: 1 }), '😀 ab'), ['😀', '[UNK]']);
});

test('encode adds [CLS] and [SEP] and truncates; encodeForModel pads with [PAD] and a zero mask, to a length or a multiple', () => {
  const tokenizer = small({ maxLength: 4 });
  assert.deepEqual(tokenizer.encode('un ab a'), [2, 4, 15, 3]);
  assert.deepEqual(tokenizer.encode(''), [2, 3]);
  const inputs = tokenizer.encodeForModel('ab', { padTo: 5 });
  assert.deepEqual(Array.from(inputs.inputIds), [2, 15, 3, 0, 0]);
  assert.deepEqual(Array.from(inputs.attentionMask), [1, 1, 1, 0, 0]);
  assert.equal(inputs.tokenCount, 3);
  assert.ok(inputs.inputIds instanceof Int32Array && inputs.attentionMask instanceof Int32Array);
  assert.deepEqual(Array.from(tokenizer.encodeForModel('ab').attentionMask), [1, 1, 1]);
  assert.deepEqual(Array.from(tokenizer.encodeForModel('ab', { padToMultipleOf: 4 }).inputIds), [2, 15, 3, 0]);
  assert.equal(tokenizer.encodeForModel('un ab', { padToMultipleOf: 4 }).inputIds.length, 4);
  assert.equal(tokenizer.encodeForModel('ab', { padTo: 5, padToMultipleOf: 4 }).inputIds.length, 8);
  assert.throws(() => tokenizer.encodeForModel('un ab', { padTo: 3 }), /padTo 3 is shorter than the text's 4 tokens/);
  assert.throws(() => tokenizer.encodeForModel('ab', { padToMultipleOf: 0 }), /padToMultipleOf must be a positive integer, got 0/);
});

test('bad settings and metadata are errors that name the fault', () => {
  assert.throws(() => new WordPieceTokenizer({ vocab: [] }), /vocab must be a non-empty array/);
  assert.throws(() => new WordPieceTokenizer({ vocab: ['[PAD]', '[CLS]', '[SEP]'] }), /unkToken "\[UNK\]" is not in the vocab/);
  assert.throws(() => small({ lowercase: 'yes' }), /lowercase must be a boolean/);
  assert.throws(() => small({ maxLength: 1 }), /maxLength must be an integer of at least 2/);
  assert.throws(() => small({ maxInputCharsPerWord: 0 }), /maxInputCharsPerWord must be a positive integer, got 0/);
  assert.throws(() => new WordPieceTokenizer({ vocab: [...VOCAB, 'ab'] }), /vocab has "ab" twice \(ids 15 and 17\)/);
  assert.throws(() => WordPieceTokenizer.fromMetadata({ labels: [] }), /metadata has no tokenizer/);
  assert.throws(() => WordPieceTokenizer.fromMetadata({ tokenizer: { type: 'bpe', vocab: VOCAB } }), /tokenizer.type is "bpe", not "wordpiece"/);
  assert.throws(() => small().encode(42), /encode takes a string, got number/);
});
