// tw.text.generate on webgpu with the converted GPT-2 decoder of tests/fixtures/gpt:
// the prompt step's logits and 12 greedy tokens against PyTorch's, the KV cache
// kept on the GPU between steps (no tensor left after), and the pipelines each
// new past length compiles (reported).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../helper.mjs';
import { FIXTURE, recordedLogits } from '../../fixtures/gpt/tiny_gpt.mjs';

const shared = sharedWebGpuPage();

test('webgpu: the decoder\'s first logits and greedy tokens match PyTorch\'s, leaving no tensor', async (t) => {
  const report = await shared.page.run(async (tw, { prompt, promptIds }) => {
    const before = tw.memory().numTensors;
    const stats = tw.engine().findBackend('webgpu').stats;
    const model = await tw.loadGraphModel('/tests/fixtures/gpt/tiny_gpt/model.json');
    const tokenizer = tw.text.BPETokenizer.fromMetadata(model.metadata);
    const feeds = { input_ids: tw.tensor(promptIds, [1, promptIds.length], 'int32') };
    for (const name of model.inputNodes.filter((n) => n.startsWith('past_key_values.'))) feeds[name] = tw.zeros([1, 4, 0, 16]);
    const logits = model.execute(feeds, 'logits');
    const first = Array.from(await logits.data());
    tw.dispose([logits, feeds]);
    const tokens = [];
    const compiled = [];
    let atStep = stats.pipelines;
    for await (const token of tw.text.generate(model, tokenizer, prompt, { maxNewTokens: 12 })) {
      tokens.push(token.id);
      compiled.push(stats.pipelines - atStep);
      atStep = stats.pipelines;
    }
    model.dispose();
    return { first, tokens, compiled, leftTensors: tw.memory().numTensors - before };
  }, { prompt: FIXTURE.prompt, promptIds: FIXTURE.promptIds });
  const expected = recordedLogits();
  const largest = Math.max(...expected.map(Math.abs));
  const worst = Math.max(...report.first.map((v, i) => Math.abs(v - expected[i])));
  t.diagnostic(`first logits: max |diff| ${worst.toExponential(2)} of ${largest.toFixed(2)}; pipelines compiled per step: ${report.compiled.join(' ')}`);
  assert.equal(report.first.length, expected.length);
  assert.ok(worst <= 1e-4 * largest, `first logits differ by ${worst}`);
  assert.deepEqual(report.tokens, FIXTURE.greedyTokens);
  assert.equal(report.leftTensors, 0);
});
