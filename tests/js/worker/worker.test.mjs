// tw.worker() outside a browser: node has no Web Worker global, and the call says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

test('tw.worker() without a Web Worker rejects, naming what is missing', async () => {
  await assert.rejects(tw.worker(), /tensorweb: worker: this environment has no Web Worker \(a browser page is needed\)/);
});

test('the worker API is exported', () => {
  for (const name of ['worker', 'serveInWorker', 'RemoteRuntime', 'RemoteGraphModel']) assert.equal(typeof tw[name], 'function', name);
});
