// demos/digits against the real dev server: epochs outside 1..50 are refused
// with a message (never clamped in silence); training through the page's button
// (seeded, 3 epochs) must report a held-out accuracy of at least 0.8, with the
// loss on its own axis; and a stroke drawn on the pad must become 8x8 counts in
// 0..16 and a prediction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, screenshots, useDemoServer } from './demo_server.mjs';

const EPOCHS = 3;
const THRESHOLD = 0.8;

const site = useDemoServer();

test(`digits: ${EPOCHS} seeded epochs through the Train button reach >= ${THRESHOLD} held-out accuracy, and a drawn stroke gets a prediction`, async (t) => {
  const { page, assertNoErrors } = await openDemo(site.browser, `${site.server.url}/demos/digits/`);
  assert.match(await page.title(), /Digits/);
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('error').hidden, null, { timeout: 20_000 });
  await assertNoErrors();

  for (const bad of ['0', '500']) {
    await page.fill('#epochs', bad);
    await page.click('#train');
    await page.waitForFunction(() => !document.getElementById('error').hidden, null, { timeout: 5_000 });
    assert.equal(await page.locator('#error').textContent(), `Epochs must be a whole number from 1 to 50, got "${bad}".`);
    assert.equal(await page.locator('body').getAttribute('data-trained'), null, `${bad} epochs trained nothing`);
  }
  await page.fill('#epochs', String(EPOCHS));
  await page.click('#train');
  await page.waitForFunction(() => document.body.dataset.trained === 'true' || !document.getElementById('error').hidden, null, { timeout: 40_000 });
  await assertNoErrors();
  const accuracy = Number(await page.locator('#accuracy').getAttribute('data-value'));
  t.diagnostic(`held-out accuracy shown by the page: ${accuracy}; ${await page.locator('#status').textContent()}`);
  assert.ok(accuracy >= THRESHOLD, `accuracy ${accuracy}`);
  assert.equal((await page.locator('#accuracy').textContent()), accuracy.toFixed(3));
  // The loss has its own axis, from 0 to at least its largest value; accuracy keeps 0 to 1.
  const chart = await page.locator('#chart').evaluate((c) => ({ ...c.dataset }));
  const lossTop = Number(chart.lossAxis.split('-')[1]);
  t.diagnostic(`chart axes: loss ${chart.lossAxis}, accuracy ${chart.accuracyAxis}`);
  assert.equal(chart.accuracyAxis, '0-1');
  assert.ok(lossTop >= 1.5 && lossTop <= 4, `the first batches' loss (about ln 10 = 2.3) sets the loss axis's top: ${lossTop}`);

  // A vertical stroke down the middle of the pad.
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#pad').boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.07 * i));
  await page.mouse.up();
  await page.waitForFunction(() => document.getElementById('prediction').dataset.digit !== undefined || !document.getElementById('error').hidden, null, { timeout: 10_000 });
  await assertNoErrors();
  const digit = Number(await page.locator('#prediction').getAttribute('data-digit'));
  assert.ok(Number.isInteger(digit) && digit >= 0 && digit <= 9, `prediction ${digit}`);
  const counts = (await page.locator('#small').getAttribute('data-counts')).split(',').map(Number);
  assert.equal(counts.length, 64);
  assert.ok(counts.every((c) => c >= 0 && c <= 16), `counts ${counts}`);
  // A centred vertical stroke fills the middle columns and leaves the outer ones empty.
  const column = (c) => counts.filter((_, i) => i % 8 === c).reduce((a, b) => a + b, 0);
  assert.ok(column(3) + column(4) > 0 && column(0) === 0 && column(7) === 0, `counts ${counts}`);
  t.diagnostic(`a vertical stroke is read as ${digit}`);

  await screenshots(page, 'digits');
  await assertNoErrors();
  await page.close();
});
