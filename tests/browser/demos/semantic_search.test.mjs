// demos/semantic-search against the real dev server: the fixture's sentences and
// query (tests/fixtures/examples/minilm.json) typed into the page must come back
// in PyTorch's order with PyTorch's cosine similarities (within 1e-3); a listed
// sentence as the query must then rank itself first at 1.000 from cached embeddings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helper.mjs';
import { openDemo, screenshots, useDemoServer } from './demo_server.mjs';

const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/examples/minilm.json'), 'utf8'));
const TOLERANCE = 1e-3;

const site = useDemoServer();

/** Submits `query` and waits for the ranking of it (or an error in the page). */
async function search(page, query) {
  await page.fill('#query', query);
  await page.click('#search');
  await page.waitForFunction((q) => document.getElementById('results').dataset.query === q
    || !document.getElementById('error').hidden || !document.getElementById('search-error').hidden, query, { timeout: 120_000 });
  const failed = await page.locator('#search-error').evaluate((box) => (box.hidden ? '' : box.textContent));
  assert.equal(failed, '', `searching "${query}" failed`);
}

const shownRanking = (page) => page.locator('#results .hit').evaluateAll((hits) => hits.map((hit) => ({
  index: Number(hit.dataset.index),
  text: hit.querySelector('.sentence').textContent,
  score: Number(hit.querySelector('.score').textContent),
  barPercent: parseFloat(hit.querySelector('.fill').style.width),
})));

test('semantic search: the fixture sentences rank in PyTorch\'s order with its scores; cached embeddings are reused', async (t) => {
  const { page, assertNoErrors } = await openDemo(site.browser, `${site.server.url}/demos/semantic-search/`);
  assert.match(await page.title(), /Semantic search/);
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('error').hidden, null, { timeout: 40_000 });
  await assertNoErrors();
  assert.equal(await page.locator('#progress').evaluate((p) => p.value), 1, 'the load progress reached 1');

  // An empty query is an error shown under the Search button (not at the top of the page), not a ranking.
  await page.fill('#query', '  ');
  await page.click('#search');
  await page.waitForFunction(() => !document.getElementById('search-error').hidden, null, { timeout: 10_000 });
  assert.match(await page.locator('#search-error').textContent(), /query is empty/);
  assert.equal(await page.locator('#error').isVisible(), false, 'the top error box stays hidden');
  const button = await page.locator('#search').boundingBox();
  const message = await page.locator('#search-error').boundingBox();
  assert.ok(message.y >= button.y + button.height && message.y - (button.y + button.height) < 40, `the message is right under the button: ${JSON.stringify({ button, message })}`);
  assert.equal(await page.locator('#results .hit').count(), 0);

  const sentences = FIXTURE.sentences.map((s) => s.text);
  await page.fill('#sentences', sentences.join('\n'));
  await search(page, FIXTURE.query.text);
  await assertNoErrors();
  const ranking = await shownRanking(page);
  t.diagnostic(`${await page.locator('#search-status').textContent()}; shown ${JSON.stringify(ranking.map((r) => [r.index, r.score]))}`);
  const pytorchOrder = sentences.map((_, i) => i).sort((a, b) => FIXTURE.scores[b] - FIXTURE.scores[a]);
  assert.equal(ranking[0].index, pytorchOrder[0], `top sentence "${ranking[0].text}", PyTorch's "${sentences[pytorchOrder[0]]}"`);
  assert.deepEqual(ranking.map((r) => r.index), pytorchOrder, 'the whole ranking is PyTorch\'s');
  for (const { index, text, score, barPercent } of ranking) {
    assert.equal(text, sentences[index]);
    // The bar is the similarity in percent; a negative one leaves it empty.
    assert.ok(Math.abs(barPercent - Math.max(0, score) * 100) <= 0.1, `"${text}": bar ${barPercent}% for score ${score}`);
    assert.ok(Math.abs(score - FIXTURE.scores[index]) <= TOLERANCE, `"${text}": shown ${score}, PyTorch ${FIXTURE.scores[index]}`);
  }
  assert.match(await page.locator('#search-status').textContent(), /\(7 embedded, 0 from the cache\)/);
  assert.equal(await page.locator('#search-error').isVisible(), false, 'a search that worked clears the message');
  await screenshots(page, 'semantic-search');

  // A listed sentence as the query: every embedding is cached, and it matches itself best.
  await search(page, sentences[2]);
  await assertNoErrors();
  const selfRanking = await shownRanking(page);
  assert.equal(selfRanking[0].index, 2);
  assert.equal(selfRanking[0].score, 1);
  assert.match(await page.locator('#search-status').textContent(), /\(0 embedded, 6 from the cache\)/);
  await assertNoErrors();
  await page.close();
});
