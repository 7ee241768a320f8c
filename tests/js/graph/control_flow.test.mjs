// Control flow (js/src/graph/control_flow.ts) on the CPU backend: each If,
// Loop and Scan model of tests/py/converter/control_flow_models.py, converted,
// matches onnxruntime through executeAsync (nested bodies and outer-scope
// reads included); predict refuses a graph that still holds control flow,
// naming the node; the loader refuses broken subgraphs, and a loop refuses a
// trip count over MAX_LOOP_ITERATIONS instead of running it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { assertClose, madeModels } from './helpers.mjs';

await tw.setBackend('cpu');

const { cases: CASES, load, io } = madeModels(new URL('make_control_flow_models.py', import.meta.url), 'tw-control-flow-');
const feedsOf = (run) => Object.fromEntries(Object.entries(run.inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));

test('there are If, Loop and Scan cases, folded and not', () => {
  assert.ok(CASES.length >= 9, CASES.join(', '));
  assert.ok(CASES.some((c) => io(c).controlFlow.length === 0) && CASES.some((c) => io(c).controlFlow.length > 0));
});

for (const name of CASES) {
  test(`${name}: executeAsync matches onnxruntime`, async () => {
    const model = await load(name);
    const run = io(name);
    const feeds = feedsOf(run);
    const names = Object.keys(run.outputs);
    const outputs = await model.executeAsync(feeds, names);
    [outputs].flat().forEach((y, k) => {
      const want = run.outputs[names[k]];
      assert.deepEqual(y.shape, want.shape, `${name} ${names[k]}`);
      assertClose(y.dataSync(), want.values, { rtol: 1e-5, atol: 1e-6 }, `${name} ${names[k]}`);
    });
    if (run.controlFlow.length > 0) {
      const node = model.topology.nodes.find((n) => run.controlFlow.includes(n.op));
      assert.throws(() => model.predict(feeds), new RegExp(`graph node '${node.name}' \\(${node.op}\\): it runs subgraphs .* only with executeAsync`));
    } else {
      tw.dispose(model.predict(feeds));
    }
    tw.dispose([...Object.values(feeds), ...[outputs].flat()]);
    model.dispose();
  });
}

test('control flow leaves no tensor behind', async () => {
  const model = await load('loop_with_if');
  const feeds = feedsOf(io('loop_with_if'));
  tw.dispose(await model.executeAsync(feeds, ['v', 'trace']));
  const before = tw.memory().numTensors;
  tw.dispose(await model.executeAsync(feeds, ['v', 'trace']));
  assert.equal(tw.memory().numTensors, before);
  tw.dispose(Object.values(feeds));
  model.dispose();
});

test('gradients flow through an unrolled loop', async () => {
  const model = await load('loop_unrolled');
  const x = tw.tensor(io('loop_unrolled').inputs.x.values, [2, 3]);
  // v = v0 + x * (0 + 1 + 2): d sum(v) / d v0 is ones, d sum(scans) / d v0 is 2 * 3 per iteration
  const { grads } = tw.variableGrads(() => tw.sum(model.execute(x, 'v')), model.trainableWeights);
  const [[, grad]] = Object.entries(grads);
  assert.deepEqual([...grad.dataSync()], new Array(6).fill(1));
  const scans = tw.variableGrads(() => tw.sum(model.execute(x, 'scans')), model.trainableWeights);
  assert.deepEqual([...Object.values(scans.grads)[0].dataSync()], new Array(6).fill(6));
  tw.dispose([x, ...Object.values(grads), ...Object.values(scans.grads)]);
  model.dispose();
});

test('a trip count over MAX_LOOP_ITERATIONS is refused, naming the node', async () => {
  const model = await load('loop_runtime_trip_count');
  const feeds = { x: tw.zeros([2, 3]), n: tw.scalar(2 ** 31 - 1, 'int32') };
  await assert.rejects(model.executeAsync(feeds, ['v']),
    /graph node 'count' \(loop\): trip count 2147483647 is over the limit of 1048576 iterations/);
  tw.dispose(Object.values(feeds));
  model.dispose();
});

const loopNode = (m) => m.topology.nodes.find((n) => n.op === 'loop');

test('a subgraph reading a name it does not list is refused as the model loads', async () => {
  await assert.rejects(load('loop_with_if', (m) => {
    loopNode(m).subgraphs.body.nodes.find((n) => n.op === 'if').subgraphs.then.nodes[0].inputs[0] = 'nowhere';
    return m;
  }), /node '.*' reads 'nowhere', which no subgraph input, outer value or earlier node provides/);
  await assert.rejects(load('loop_with_if', (m) => {
    const body = loopNode(m).subgraphs.body;
    body.outer = [...body.outer, 'not_an_input'];
    return m;
  }), /node 'outer_loop' \(loop\) subgraph 'body': reads 'not_an_input' from the enclosing scope, which the node's inputs do not list/);
});

test('an if whose branches give different numbers of outputs is refused as the model loads', async () => {
  await assert.rejects(load('if_runtime_then', (m) => {
    const node = m.topology.nodes.find((n) => n.op === 'if');
    node.subgraphs.then.outputs.push(node.subgraphs.then.outputs[0]);
    return m;
  }), /node 'choose' \(if\): the then branch gives 2 outputs, the else branch 1, the node has 1/);
});
