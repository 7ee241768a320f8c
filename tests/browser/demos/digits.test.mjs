// demos/digits against the real dev server: training through the page's button
// (seeded, 3 epochs) must report a held-out accuracy of at least 0.8, and a
// stroke drawn on the pad must become 8x8 counts in 0..16 and a prediction.
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

  await page.fill('#epochs', String(EPOCHS));
  await page.click('#train');
  await page.waitForFunction(() => document.body.dataset.trained === 'true' || !document.getElementById('error').hidden, null, { timeout: 40_000 });
  await assertNoErrors();
  const accuracy = Number(await page.locator('#accuracy').getAttribute('data-value'));
  t.diagnostic(`held-out accuracy shown by the page: ${accuracy}; ${await page.locator('#status').textContent()}`);
  assert.ok(accuracy >= THRESHOLD, `accuracy ${accuracy}`);
  assert.equal((await page.locator('#accuracy').textContent()), accuracy.toFixed(3));

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
