// The demos' end-to-end tests run against the real dev server (`tensorweb serve`
// on a free port, --no-reload) serving the example models, in headless Chromium
// with WebGPU on; any console error or page error fails the test.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { EXAMPLES, ensureExamples } from '../../fixtures/examples.mjs';
import { ROOT } from '../helper.mjs';
import { fakeMediaArgs } from '../media_files.mjs';

const PYTHON = join(ROOT, '.venv/bin/python');
const CHROMIUM = process.env.TENSORWEB_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-artifacts/screenshots');

/**
 * Starts `tensorweb serve --port 0`, and resolves with its URL once it prints it.
 * `stateDir` (--state-dir) takes the uploads and their converted models, instead of the checkout's .tensorweb.
 */
export function startServer({ stateDir } = {}) {
  const stateArgs = stateDir ? ['--state-dir', stateDir] : [];
  return startServe([PYTHON, '-m', 'tensorweb'], ['--no-reload', '--models', EXAMPLES, ...stateArgs]);
}

/**
 * Runs `serve --port 0` with `args` through `command` (the tensorweb command: a venv's console script, or
 * python -m tensorweb) in `cwd`; resolves with { url (no trailing slash), output() (all it printed), stop() }
 * once it prints the URL it serves on.
 */
export function startServe(command, args, { cwd = ROOT, env = process.env } = {}) {
  const child = spawn(command[0], [...command.slice(1), 'serve', '--port', '0', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`tensorweb serve printed no URL in 30 s:\n${output}`)); }, 30_000);
    const read = (chunk) => {
      output += chunk;
      const match = output.match(/serving .*? on (http:\/\/[^\s/]+)\//);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], output: () => output, stop: () => stopServer(child) });
      }
    };
    child.stdout.setEncoding('utf8').on('data', read);
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`tensorweb serve exited (${code}):\n${output}`)); });
  });
}

function stopServer(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => { clearTimeout(force); resolve(); });
    child.kill('SIGTERM');
  });
}

/** Headless Chromium with WebGPU on; `extraArgs` adds flags (the fake camera and microphone, for example). */
export function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', ...extraArgs],
  });
}

// The widths every page is checked and photographed at: a common Android phone, and a laptop.
export const PHONE = { width: 412, height: 915 };
export const DESKTOP = { width: 1280, height: 900 };

/** Opens `url` in a phone-sized page that records console errors and page errors. */
export async function openDemo(browser, url) {
  const page = await browser.newPage({ viewport: PHONE });
  const errors = [];
  const console = [];
  page.on('console', (msg) => {
    console.push(`[${msg.type()}] ${msg.text()}`);
    if (msg.type() === 'error') errors.push(`[console.error] ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`[pageerror] ${err.stack || err.message}`));
  await page.goto(url);
  const assertNoErrors = async () => {
    const shown = await page.locator('#error').evaluate((box) => (box.hidden ? '' : box.textContent));
    if (errors.length || shown) {
      throw new Error(`the page reported errors:\n${[...errors, shown && `[in page] ${shown}`].filter(Boolean).join('\n')}\n--- console ---\n${console.join('\n')}`);
    }
  };
  return { page, errors, console, assertNoErrors };
}

/**
 * Saves full-page screenshots `name`-desktop.png and `name`-phone.png, and
 * fails when the page is wider than the phone's screen (the document's
 * scrollWidth past the viewport's width), naming the elements that stick out.
 * The page is left at phone width.
 */
export async function screenshots(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(viewport);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${label}.png`), fullPage: true });
  }
  const fit = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    outside: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.trim().replace(/\s+/g, '.')}` : ''} (right edge ${Math.round(e.getBoundingClientRect().right)})`),
  }));
  if (fit.scrollWidth > fit.viewport) {
    throw new Error(`${name}: at ${fit.viewport} px the page is ${fit.scrollWidth} px wide; sticking out: ${fit.outside.join(', ')}`);
  }
}

/**
 * The set-up every demo test file shares, as node:test before/after hooks: the
 * example models, `tensorweb serve`, a temporary folder and Chromium. `camera`
 * (y4m bytes) and `microphone` (WAV bytes) start the fake devices playing
 * `folder/camera.y4m` and `folder/microphone.wav` (rewrite them to change what
 * they play); `ownState` gives the server a state folder inside `folder`, so
 * uploads stay out of the repository's. Returns an object whose `server`,
 * `browser`, `folder`, `cameraFile`, `microphoneFile` and `stateDir` are set
 * once the hook ran.
 */
export function useDemoServer({ camera, microphone, ownState = false } = {}) {
  const site = {};
  before(async () => {
    ensureExamples();
    site.folder = mkdtempSync(join(tmpdir(), 'tensorweb-demo-'));
    if (camera) writeFileSync((site.cameraFile = join(site.folder, 'camera.y4m')), camera);
    if (microphone) writeFileSync((site.microphoneFile = join(site.folder, 'microphone.wav')), microphone);
    if (ownState) site.stateDir = join(site.folder, 'state');
    site.server = await startServer(ownState ? { stateDir: site.stateDir } : {});
    site.browser = await launchBrowser(fakeMediaArgs({ camera: site.cameraFile, microphone: site.microphoneFile }));
  });
  after(async () => {
    await site.browser?.close();
    await site.server?.stop();
    if (site.folder) rmSync(site.folder, { recursive: true, force: true });
  });
  return site;
}
