// The one helper every browser test uses: serve the repository on 127.0.0.1
// (a free port), open headless Chromium with WebGPU on, load a page that
// imports js/dist/tensorweb.js as `tw`, and evaluate async functions in it.
// Any console error, uncaught exception or unhandled rejection in the page
// fails the call, with the console text in the error.
import { after, before } from 'node:test';
import { createServer } from 'node:http';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = realpathSync(fileURLToPath(new URL('../..', import.meta.url)));
const CHROMIUM = process.env.TENSORWEB_CHROMIUM || '/usr/bin/chromium';

// WebGPU on SwiftShader (ARCHITECTURE.md, "Adapters"), and no background traffic on a closed network.
const BASE_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // WebGPU canvases that 2D canvases can draw (dataSync on webgpu reads through them, as TF.js's does):
  // without all three, headless Chromium draws them empty and loses every WebGPU device of the page.
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
];

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wgsl': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.y4m': 'video/x-yuv4mpeg',
  '.wav': 'audio/wav',
};

/** ROOT, and node_modules where it is a link to another checkout's (a git worktree's). */
const SERVED_ROOTS = [ROOT];
try {
  const modules = realpathSync(join(ROOT, 'node_modules'));
  if (!modules.startsWith(ROOT + sep)) SERVED_ROOTS.push(modules);
} catch { /* no node_modules */ }

/** Resolves a URL path inside ROOT (or its linked node_modules), or null when it would leave them. */
function resolveInRoot(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  try {
    const real = realpathSync(join(ROOT, decoded));
    return SERVED_ROOTS.some((root) => real === root || real.startsWith(root + sep)) ? real : null;
  } catch {
    return null;
  }
}

function startStaticServer() {
  const server = createServer((req, res) => {
    const urlPath = new URL(req.url, 'http://127.0.0.1').pathname;
    const file = resolveInRoot(urlPath);
    if (!file || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${urlPath}`);
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      // Cross-origin isolation, so pages may use SharedArrayBuffer as on the dev server.
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A page with `window.tw` loaded, collecting console errors and page errors. */
class TensorwebPage {
  constructor(page) {
    this.page = page;
    this.errors = [];
    this.console = [];
    page.on('console', (msg) => {
      const line = `[${msg.type()}] ${msg.text()}`;
      this.console.push(line);
      if (msg.type() === 'error') this.errors.push(line);
    });
    page.on('pageerror', (err) => this.errors.push(`[pageerror] ${err.stack || err.message}`));
  }

  /**
   * Runs `fn(tw, arg)` in the page and returns its JSON-able result. `fn` is
   * sent as source text, so it must not close over test-side variables.
   */
  async run(fn, arg = null) {
    let result;
    try {
      result = await this.page.evaluate(async ({ source, arg }) => {
        const f = (0, eval)(`(${source})`);
        return await f(window.tw, arg);
      }, { source: fn.toString(), arg });
    } catch (err) {
      throw new Error(`${err.message}\n--- page console ---\n${this.console.join('\n')}`);
    }
    // Let late console messages and rejections arrive before judging the call.
    await this.page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    if (this.errors.length) {
      const errors = this.errors.splice(0);
      throw new Error(`page reported errors:\n${errors.join('\n')}\n--- page console ---\n${this.console.join('\n')}`);
    }
    return result;
  }

  close() {
    return this.page.close();
  }
}

/** One Chromium and one static server; `newPage()` opens the tensorweb test page. */
export class BrowserSession {
  static async start({ extraArgs = [], pagePath = '/tests/browser/page.html' } = {}) {
    const server = await startStaticServer();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...BASE_ARGS, ...extraArgs],
    });
    return new BrowserSession(server, browser, pagePath);
  }

  constructor(server, browser, pagePath) {
    this.server = server;
    this.browser = browser;
    this.pagePath = pagePath;
    this.origin = `http://127.0.0.1:${server.address().port}`;
  }

  async newPage(path = this.pagePath) {
    const page = new TensorwebPage(await this.browser.newPage());
    await page.page.goto(this.origin + path);
    await page.page.waitForFunction(() => window.tw !== undefined || window.twLoadError !== undefined);
    const loadError = await page.page.evaluate(() => window.twLoadError);
    if (loadError) throw new Error(`tensorweb failed to load in the page: ${loadError}`);
    return page;
  }

  async close() {
    await this.browser.close();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * For a test file whose tests share one page with the webgpu backend on (its
 * common pipelines compiled, see js/src/backends/webgpu/prewarm.ts):
 * opens it before them (then awaits `prepare(page)`, for helpers the tests
 * define in the page) and closes it after them. The returned object's `page`
 * is set by the time the tests run.
 */
export function sharedWebGpuPage(prepare = async () => {}) {
  const shared = { page: null };
  let session;
  before(async () => {
    session = await BrowserSession.start();
    shared.page = await session.newPage();
    // Also waits for the pipelines the backend compiles on its own (on CPU adapters), so that they do not land
    // in a test's compile counts.
    const started = await shared.page.run(async (tw) => {
      const ok = await tw.setBackend('webgpu');
      if (ok) await tw.engine().findBackend('webgpu').commonPipelines;
      return ok;
    });
    if (!started) throw new Error('the webgpu backend did not initialise');
    await prepare(shared.page);
  });
  after(() => session?.close());
  return shared;
}
