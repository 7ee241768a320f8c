// Compiling ahead of any model (js/src/backends/webgpu/prewarm.ts): on a CPU
// adapter (SwiftShader here) the pipelines most image models' first runs need
// compile once the backend has started and its device is idle, and a model
// loaded after compiles only the rest, its slow best variants waiting for its
// end. Each case opens a fresh page: a page's backend starts with no pipeline
// compiled.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserSession } from '../../helper.mjs';
import { assertOutputsMatch, readIO } from '../../../js/graph/helpers.mjs';

let session;
before(async () => {
  session = await BrowserSession.start();
});
after(() => session?.close());

/** `work(tw, arg)` run in a new page, closed after. */
async function inNewPage(work, arg) {
  const page = await session.newPage();
  try {
    return await page.run(work, arg);
  } finally {
    await page.close();
  }
}

/**
 * In a new page with WEBGPU_PREWARM set to `prewarm`: the pipeline keys compiled by the time the backend's
 * common pipelines are ready (and a further 300 ms of idling), then those a load of fixture `name` compiled,
 * and its first predict's outputs and compiles.
 */
async function prewarmThenLoad(name, prewarm) {
  return inNewPage(async (tw, { name, prewarm, inputs }) => {
    tw.env().set('WEBGPU_PREWARM', prewarm);
    if (!(await tw.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise');
    const backend = tw.engine().findBackend('webgpu');
    await backend.commonPipelines;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const keys = () => [...backend.pipelines.keys()];
    const common = keys();
    const { dispatches, compiledAtDispatch } = backend.stats;
    const model = await tw.loadGraphModel(`/tests/fixtures/graph/${name}/model.json`, { cache: false });
    const atLoad = keys().filter((key) => !common.includes(key));
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
    const before = backend.stats.pipelines;
    const output = model.predict(feeds);
    const compiledAtPredict = backend.stats.pipelines - before;
    const outputs = output instanceof tw.Tensor ? [output] : Object.values(output);
    const values = await Promise.all(outputs.map(async (t) => Array.from(await t.data())));
    tw.dispose([feeds, outputs]);
    model.dispose();
    return { runsOnCpu: backend.info.runsOnCpu, common, atLoad, compiledAtPredict, values, prewarmDispatches: dispatches,
      prewarmCompiledAtDispatch: compiledAtDispatch, tensors: tw.memory().numTensors };
  }, { name, prewarm, inputs: readIO(name).inputs });
}

test('on a CPU adapter the common pipelines compile while the page idles, and a model loaded after compiles only the rest', async () => {
  const name = 'mobilenet';
  const off = await prewarmThenLoad(name, false);
  assert.ok(off.runsOnCpu, 'these tests run on SwiftShader');
  assert.deepEqual(off.common, [], 'with WEBGPU_PREWARM off nothing compiles before the load');
  assertOutputsMatch(name, off.values);

  const on = await prewarmThenLoad(name, true);
  assert.ok(on.common.length >= 4, `common pipelines: ${on.common.join('\n')}`);
  assert.equal(on.prewarmDispatches, 0, 'the prewarm is a plan: it dispatches nothing');
  assert.equal(on.prewarmCompiledAtDispatch, 0);
  // What the model needs of them it does not compile again, and it compiles everything else it needs: the same
  // pipelines as without the prewarm.
  const used = on.common.filter((key) => off.atLoad.includes(key));
  assert.ok(used.length >= 3, `the model uses ${used.length} of the common pipelines:\n${on.common.join('\n')}\n--\n${off.atLoad.join('\n')}`);
  assert.deepEqual([...on.atLoad, ...used].sort(), [...off.atLoad].sort());
  assert.equal(on.compiledAtPredict, 0, 'the first predict compiled nothing');
  assert.equal(on.tensors, 0, 'the plan left no tensor');
  assertOutputsMatch(name, on.values);
});

test('the pipelines compiled ahead of any model give way to a model\'s own compiles: none starts while those run', async () => {
  const result = await inNewPage(async (tw) => {
    tw.env().set('WEBGPU_PREWARM', false);
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    const keys = () => [...backend.pipelines.keys()];
    // Uploaded, not computed (tw.zeros would compile its fill).
    const a = tw.tensor(new Float32Array(1024 * 1024), [1024, 1024]);
    const b = tw.tensor(new Float32Array(4 * 1024), [4, 1024]);
    backend.setFlags({ quickKernels: 'off' });
    // A slow compile (the 32-row registers matmul, ~0.75 s on SwiftShader) stands for a load's.
    const slow = backend.plan(() => tw.matMul(a, a).dispose());
    backend.setFlags({ quickKernels: 'auto' });
    const speculative = backend.plan(() => tw.add(b, tw.scalar(1)).dispose());
    tw.dispose([a, b]);
    const load = backend.compilePipelines(slow);
    await backend.compileWhileUnused(speculative);
    const whileLoading = keys().length;
    await load;
    const afterLoad = keys().length;
    await backend.compileWhileUnused(speculative);
    return { slow: slow.length, speculative: speculative.length, whileLoading, afterLoad, after: keys().length };
  });
  assert.ok(result.slow >= 1 && result.speculative >= 1, JSON.stringify(result));
  assert.equal(result.whileLoading, 0, 'nothing compiled while the load compiled');
  assert.equal(result.afterLoad, result.slow);
  assert.equal(result.after, result.slow + result.speculative, 'compiled once the load was done');
});

test('a load\'s slow best variants wait for its end, also where its quick pipelines were all compiled before it', async () => {
  const result = await inNewPage(async (tw) => {
    tw.env().set('WEBGPU_PREWARM', false);
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    const a = tw.tensor(new Float32Array(512 * 512), [512, 512]);
    // A product of 2^27 multiply-adds: its best variants (32 rows, and 16 rows as the next stand-in) compile in
    // the background while the 8-row one runs.
    const specs = backend.plan(() => tw.matMul(a, a).dispose());
    a.dispose();
    const quick = specs.filter((spec) => !spec.background);
    await backend.compilePipelines(quick);
    // As after the prewarm: the load's quick pipelines are compiled, and its compile ahead resolves at once.
    let endLoad;
    const loadEnded = new Promise((resolve) => { endLoad = resolve; });
    await backend.compilePipelines(specs, undefined, loadEnded);
    const atCompiled = backend.stats.pipelines;
    // Idle moments pass while the load goes on (its weights going up).
    await new Promise((resolve) => setTimeout(resolve, 400));
    const beforeEnd = backend.stats.pipelines + backend.compiling.size;
    endLoad();
    await loadEnded;
    await new Promise((resolve) => setTimeout(resolve, 0));
    await backend.bestVariantsReady();
    return { background: specs.length - quick.length, atCompiled, beforeEnd, after: backend.stats.pipelines };
  });
  assert.ok(result.background >= 1, JSON.stringify(result));
  assert.equal(result.beforeEnd, result.atCompiled, 'no best variant started compiling before the load ended');
  assert.equal(result.after, result.atCompiled + result.background, 'they compiled once the load had ended');
});
