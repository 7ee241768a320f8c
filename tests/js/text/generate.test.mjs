// tw.text.generate (js/src/text/generate.ts) with the converted GPT-2 decoder of
// tests/fixtures/gpt (make_tiny_gpt.py) on the cpu backend: its first logits and
// greedy tokens against PyTorch's, sampling reproducible by seed, top-k 1 as
// greedy, no tensor left behind, and the errors naming the option or input at fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tw from '../../../js/dist/tensorweb.js';
import { FIXTURE, GPT, recordedLogits } from '../../fixtures/gpt/tiny_gpt.mjs';

const fetchFunc = async (url) => new Response(readFileSync(new URL(url.slice('http://gpt.test/'.length), GPT)));

await tw.setBackend('cpu');
const model = await tw.loadGraphModel('http://gpt.test/tiny_gpt/model.json', { fetchFunc });
const tokenizer = tw.text.BPETokenizer.fromMetadata(model.metadata);

async function tokens(prompt, options) {
  const ids = [];
  for await (const token of tw.text.generate(model, tokenizer, prompt, options)) ids.push(token.id);
  return ids;
}

test('the prompt step\'s logits match PyTorch\'s, from an empty cache', (t) => {
  assert.deepEqual(tokenizer.encode(FIXTURE.prompt), FIXTURE.promptIds);
  const n = FIXTURE.promptIds.length;
  const feeds = { input_ids: tw.tensor(FIXTURE.promptIds, [1, n], 'int32') };
  for (const name of model.inputNodes.filter((name) => name.startsWith('past_key_values.'))) feeds[name] = tw.zeros([1, 4, 0, 16]);
  const logits = model.execute(feeds, 'logits');
  assert.deepEqual(logits.shape, [1, n, 1000]);
  const actual = logits.dataSync();
  const expected = recordedLogits();
  let worst = 0;
  let largest = 0;
  expected.forEach((value, i) => {
    worst = Math.max(worst, Math.abs(actual[i] - value));
    largest = Math.max(largest, Math.abs(value));
  });
  assert.ok(worst <= 1e-4 * largest, `max difference ${worst} of largest ${largest}`);
  t.diagnostic(`max |diff| ${worst.toExponential(2)} of logits up to ${largest.toFixed(2)}`);
  tw.dispose([logits, ...Object.values(feeds)]);
});

test('greedy generation gives PyTorch\'s 12 tokens, its text streamed piece by piece', async () => {
  const pieces = [];
  for await (const token of tw.text.generate(model, tokenizer, FIXTURE.prompt, { maxNewTokens: 12 })) pieces.push(token);
  assert.deepEqual(pieces.map((t) => t.id), FIXTURE.greedyTokens);
  assert.equal(pieces.map((t) => t.text).join(''), FIXTURE.greedyText);
  assert.deepEqual(await tokens(FIXTURE.promptIds, { maxNewTokens: 12 }), FIXTURE.greedyTokens);
});

test('sampling: a seed repeats its tokens, another seed differs, top-k 1 is greedy, top-p keeps the likeliest', async () => {
  const options = { maxNewTokens: 16, temperature: 1.5, seed: 7 };
  const first = await tokens(FIXTURE.prompt, options);
  assert.deepEqual(await tokens(FIXTURE.prompt, options), first);
  assert.notDeepEqual(await tokens(FIXTURE.prompt, { ...options, seed: 8 }), first);
  assert.deepEqual(await tokens(FIXTURE.prompt, { ...options, maxNewTokens: 12, topK: 1 }), FIXTURE.greedyTokens);
  assert.deepEqual(await tokens(FIXTURE.prompt, { ...options, maxNewTokens: 12, topP: 1e-6 }), FIXTURE.greedyTokens);
  const topK = await tokens(FIXTURE.prompt, { ...options, topK: 5, topP: 0.9 });
  assert.equal(topK.length, 16);
  assert.ok(topK.every((id) => Number.isInteger(id) && id >= 0 && id < 1000));
});

test('a stop token ends generation after it is yielded', async () => {
  const stop = FIXTURE.greedyTokens[3];
  assert.deepEqual(await tokens(FIXTURE.prompt, { maxNewTokens: 12, stopTokens: [stop] }), FIXTURE.greedyTokens.slice(0, 4));
});

test('64 steps leave no tensor behind, nor does a loop left early', async () => {
  const before = tw.memory().numTensors;
  assert.equal((await tokens(FIXTURE.prompt, { maxNewTokens: 64, temperature: 0.8, topK: 40, seed: 1 })).length, 64);
  assert.equal(tw.memory().numTensors, before);
  for await (const token of tw.text.generate(model, tokenizer, FIXTURE.prompt, { maxNewTokens: 64 })) {
    if (token.id >= 0) break;
  }
  assert.equal(tw.memory().numTensors, before);
});

test('bad options and a model without a cache are errors naming what is wrong', async () => {
  const run = (options, prompt = 'a') => tokens(prompt, options);
  await assert.rejects(run({ maxNewTokens: 0 }), /options\.maxNewTokens must be a positive integer, got 0/);
  await assert.rejects(run({ temperature: -1 }), /options\.temperature must be a finite number >= 0, got -1/);
  await assert.rejects(run({ topK: 1.5 }), /options\.topK must be an integer >= 0, got 1.5/);
  await assert.rejects(run({ topP: 0 }), /options\.topP must be in \(0, 1\], got 0/);
  await assert.rejects(run({ stopTokens: ['x'] }), /options\.stopTokens must be an array of token ids/);
  await assert.rejects(run({}, ''), /the prompt must encode to at least one token id/);
  const encoder = { inputNodes: ['input_ids', 'attention_mask'], outputNodes: ['logits'], inputs: [] };
  await assert.rejects(tw.text.generate(encoder, tokenizer, 'a').next(), /no past_key_values\.N\.key\/value inputs/);
});
