// The browser's model cache (js/src/io/model_cache.ts): shards kept in the
// Cache API under their sha256, so a second visit fetches only model.json;
// a changed model is fetched anew and its old shards deleted; a damaged
// cached shard fails the hash check and is fetched again; cache: false opts
// out; tw.io.listModels / removeModel manage it beside indexeddb:// models.
// Requests are counted with playwright's request events. Each test opens its
// own page, which has its own (empty) storage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserSession, ROOT } from '../helper.mjs';
import { assertOutputsMatch, readIO } from '../../js/graph/helpers.mjs';

const MOBILENET = '/tests/fixtures/graph/mobilenet/model.json';
const MOBILENET_SHARDS = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/graph/mobilenet/model.json'))).weightsManifest[0].shards;

let session;
before(async () => {
  session = await BrowserSession.start();
});
after(() => session?.close());

/** A new page on the CPU backend (the cache is the same for every backend), counting the .bin and .json requests. */
async function openPage() {
  const page = await session.newPage();
  const requests = [];
  page.page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (/\.(bin|json)$/.test(path)) requests.push(path);
  });
  await page.run((tw) => tw.setBackend('cpu'));
  // Takes the requests made since the last call.
  const taken = () => requests.splice(0);
  return { page, taken, shards: (paths) => paths.filter((p) => p.endsWith('.bin')).length };
}

/** In the page: loads `url` with `options`, predicts on `inputs`, and returns the outputs' values. */
function loadAndPredict(page, url, inputs, options = {}) {
  return page.run(async (tw, { url, inputs, options }) => {
    const model = await tw.loadGraphModel(url, options);
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
    const output = model.predict(feeds);
    const outputs = output instanceof tw.Tensor ? [output] : Object.values(output);
    const values = await Promise.all(outputs.map(async (t) => Array.from(await t.data())));
    tw.dispose([feeds, outputs]);
    model.dispose();
    return values;
  }, { url, inputs, options });
}

/**
 * In the page: the cache's shard keys (their sha256s), once the writes under way are done (a load does not wait
 * for them; tw.io.listModels does).
 */
function cachedShardHashes(page) {
  return page.run(async (tw) => {
    await tw.io.listModels();
    const cache = await caches.open('tensorweb-models');
    return (await cache.keys()).map((r) => r.url).filter((url) => url.includes('/sha256/')).map((url) => url.split('/').pop()).sort();
  });
}

/** In the page: from now on, each Cache.put appends 'put shard' or 'put model.json' to window.cacheEvents (returned). */
function recordCachePuts(page) {
  return page.run(() => {
    window.cacheEvents = [];
    const put = Cache.prototype.put;
    Cache.prototype.put = function (request, response) {
      window.cacheEvents.push(`put ${String(request.url ?? request).includes('/sha256/') ? 'shard' : 'model.json'}`);
      return put.call(this, request, response);
    };
  });
}

test('a second visit reads every shard from the cache and fetches only model.json', async () => {
  const { page, taken } = await openPage();
  try {
    const inputs = readIO('mobilenet').inputs;
    const first = await loadAndPredict(page, MOBILENET, inputs);
    const firstRequests = taken();
    assert.equal(firstRequests.filter((p) => p.endsWith('.bin')).length, MOBILENET_SHARDS.length);
    assertOutputsMatch('mobilenet', first);
    const listed = await page.run((tw) => tw.io.listModels());
    const url = `${session.origin}${MOBILENET}`;
    assert.deepEqual(Object.keys(listed), [url]);
    assert.equal(listed[url].weightDataBytes, MOBILENET_SHARDS.reduce((total, s) => total + s.byteLength, 0));
    assert.deepEqual(await cachedShardHashes(page), MOBILENET_SHARDS.map((s) => s.sha256).sort());

    await page.page.reload();
    await page.page.waitForFunction(() => window.tw !== undefined);
    await page.run((tw) => tw.setBackend('cpu'));
    const second = await loadAndPredict(page, MOBILENET, inputs);
    assert.deepEqual(taken(), [MOBILENET], 'the second visit fetched model.json and no shard');
    assert.deepEqual(second, first);
  } finally {
    await page.close();
  }
});

test('cache: false fetches every shard and neither reads nor writes the cache', async () => {
  const { page, taken, shards } = await openPage();
  try {
    const inputs = readIO('mobilenet').inputs;
    await loadAndPredict(page, MOBILENET, inputs, { cache: false });
    assert.equal(shards(taken()), MOBILENET_SHARDS.length);
    assert.deepEqual(await page.run((tw) => tw.io.listModels()), {});
    await loadAndPredict(page, MOBILENET, inputs);
    assert.equal(shards(taken()), MOBILENET_SHARDS.length, 'the first cached load fetched every shard');
    assertOutputsMatch('mobilenet', await loadAndPredict(page, MOBILENET, inputs, { cache: false }));
    assert.equal(shards(taken()), MOBILENET_SHARDS.length, 'opting out fetched them again though they are cached');
  } finally {
    await page.close();
  }
});

test('a model changed on the server is fetched anew, and the shards of the old one are deleted', async () => {
  const { page, taken, shards } = await openPage();
  try {
    // /served/model/ answers with one fixture's files, then, once "re-converted", with another's.
    let served = 'resnet';
    await page.page.route('**/served/model/*', (route) => {
      const file = new URL(route.request().url()).pathname.split('/').pop();
      route.fulfill({ body: readFileSync(join(ROOT, 'tests/fixtures/graph', served, file)) });
    });
    const url = '/served/model/model.json';
    const shardOf = (name) => JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/graph', name, 'model.json'))).weightsManifest[0].shards[0].sha256;
    assertOutputsMatch('resnet', await loadAndPredict(page, url, readIO('resnet').inputs));
    assertOutputsMatch('resnet', await loadAndPredict(page, url, readIO('resnet').inputs));
    assert.equal(shards(taken()), 1, 'the unchanged model came from the cache the second time');
    served = 'resnet_uint8';
    assertOutputsMatch('resnet_uint8', await loadAndPredict(page, url, readIO('resnet_uint8').inputs));
    assert.equal(shards(taken()), 1, 'the changed model fetched its new shard');
    assert.deepEqual(await cachedShardHashes(page), [shardOf('resnet_uint8')], 'the old shard is gone');
    assert.deepEqual(Object.keys(await page.run((tw) => tw.io.listModels())), [`${session.origin}${url}`]);
  } finally {
    await page.close();
  }
});

test('a damaged cached shard fails the hash check and is fetched again, repairing the cache', async () => {
  const { page, taken, shards } = await openPage();
  try {
    const inputs = readIO('mobilenet').inputs;
    await loadAndPredict(page, MOBILENET, inputs);
    taken();
    const damaged = MOBILENET_SHARDS[2];
    // Same length, one byte flipped: only the sha256 tells. (listModels first: it waits for the load's cache writes.)
    await page.run(async (tw, sha256) => {
      await tw.io.listModels();
      const cache = await caches.open('tensorweb-models');
      const key = (await cache.keys()).find((r) => r.url.endsWith(`/sha256/${sha256}`));
      const bytes = new Uint8Array(await (await cache.match(key)).arrayBuffer());
      bytes[100] ^= 0xff;
      await cache.put(key, new Response(bytes));
    }, damaged.sha256);
    assertOutputsMatch('mobilenet', await loadAndPredict(page, MOBILENET, inputs));
    assert.deepEqual(taken(), [MOBILENET, `/tests/fixtures/graph/mobilenet/${damaged.path}`]);
    assert.ok(page.console.some((line) => line.startsWith('[warning]') && line.includes(`the cached copy of shard '${damaged.path}' is damaged`) &&
      line.includes('sha256')), page.console.join('\n'));
    await loadAndPredict(page, MOBILENET, inputs);
    assert.equal(shards(taken()), 0, 'the refetched shard replaced the damaged entry');
  } finally {
    await page.close();
  }
});

test('the shard writes wait for the loader: the page reads the held copies meanwhile, model.json is recorded after them', async () => {
  const { page, taken, shards } = await openPage();
  try {
    await recordCachePuts(page);
    const events = await page.run(async (tw, url) => {
      const events = window.cacheEvents;
      let release;
      const gate = new Promise((resolve) => { release = resolve; });
      await tw.io.http(url).load({ cacheWritesMayStart: () => gate });
      events.push('loaded');
      await tw.io.http(url).load();
      events.push('loaded again');
      release();
      await tw.io.listModels();
      events.push('listed');
      return events;
    }, MOBILENET);
    assert.equal(shards(taken()), MOBILENET_SHARDS.length, 'each shard was fetched once: the second load read the held copies');
    assert.deepEqual(events, ['loaded', 'loaded again', ...MOBILENET_SHARDS.map(() => 'put shard'), 'put model.json', 'put model.json', 'listed']);
    assert.deepEqual(await cachedShardHashes(page), MOBILENET_SHARDS.map((s) => s.sha256).sort());
  } finally {
    await page.close();
  }
});

test('on webgpu a graph model\'s shard writes wait for a first run that follows the load', async () => {
  const { page } = await openPage();
  try {
    const inputs = readIO('mobilenet').inputs;
    await recordCachePuts(page);
    const events = await page.run(async (tw, { url, inputs }) => {
      await tw.setBackend('webgpu');
      const events = window.cacheEvents;
      const model = await tw.loadGraphModel(url);
      // The run follows at once (the same task), as a page's first predict would.
      const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
      const output = model.predict(feeds);
      await (output instanceof tw.Tensor ? output : Object.values(output)[0]).data();
      events.push('first result');
      tw.dispose([feeds, output]);
      model.dispose();
      await tw.io.listModels();
      return events;
    }, { url: MOBILENET, inputs });
    assert.deepEqual(events, ['first result', ...MOBILENET_SHARDS.map(() => 'put shard'), 'put model.json']);
  } finally {
    await page.close();
  }
});

test('two models loaded at once are both cached: neither record deletes the other\'s shards', async () => {
  const { page, taken, shards } = await openPage();
  try {
    const RESNET = '/tests/fixtures/graph/resnet/model.json';
    const resnetShards = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/graph/resnet/model.json'))).weightsManifest[0].shards;
    const listed = await page.run(async (tw, urls) => {
      (await Promise.all(urls.map((url) => tw.loadGraphModel(url)))).forEach((model) => model.dispose());
      return Object.keys(await tw.io.listModels()).sort();
    }, [MOBILENET, RESNET]);
    assert.deepEqual(listed, [`${session.origin}${MOBILENET}`, `${session.origin}${RESNET}`].sort());
    assert.deepEqual(await cachedShardHashes(page), [...MOBILENET_SHARDS, ...resnetShards].map((s) => s.sha256).sort());
    taken();
    await page.run(async (tw, urls) => {
      for (const url of urls) (await tw.loadGraphModel(url)).dispose();
    }, [MOBILENET, RESNET]);
    assert.equal(shards(taken()), 0, 'both came from the cache');
  } finally {
    await page.close();
  }
});

test('tw.io.listModels and removeModel cover cached models and indexeddb:// ones', async () => {
  const { page } = await openPage();
  try {
    const report = await page.run(async (tw, url) => {
      const model = await tw.loadGraphModel(url);
      await model.save('indexeddb://kept');
      model.dispose();
      const listed = await tw.io.listModels();
      const absolute = new URL(url, location.href).href;
      const removed = await tw.io.removeModel(absolute);
      const shardsLeft = (await (await caches.open('tensorweb-models')).keys()).length;
      const again = await tw.io.removeModel(absolute).then(() => 'resolved', (e) => e.message);
      const removedSaved = await tw.io.removeModel('indexeddb://kept');
      return {
        listed: Object.fromEntries(Object.entries(listed).map(([k, v]) => [k, { ...v, dateSaved: v.dateSaved instanceof Date }])),
        removed: removed.weightDataBytes, shardsLeft, again, removedSaved: removedSaved.weightDataBytes,
        after: await tw.io.listModels(),
      };
    }, MOBILENET);
    const bytes = MOBILENET_SHARDS.reduce((total, s) => total + s.byteLength, 0);
    const url = `${session.origin}${MOBILENET}`;
    assert.deepEqual(Object.keys(report.listed).sort(), ['indexeddb://kept', url].sort());
    for (const info of Object.values(report.listed)) {
      assert.equal(info.dateSaved, true);
      assert.equal(info.modelTopologyType, 'JSON');
      assert.ok(info.modelTopologyBytes > 0 && info.weightSpecsBytes > 0);
      assert.equal(info.weightDataBytes, bytes);
    }
    assert.equal(report.removed, bytes);
    assert.equal(report.shardsLeft, 0, 'removing the model deleted its shards');
    assert.match(report.again, new RegExp(`io.removeModel: no model is kept under ${url.replace(/[.]/g, '\\.')}`));
    assert.equal(report.removedSaved, bytes);
    assert.deepEqual(report.after, {});
  } finally {
    await page.close();
  }
});
