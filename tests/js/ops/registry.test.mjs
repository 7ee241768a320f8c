// Every registry entry is complete: shape rule, a CPU and a WebGPU kernel
// with a gradient decision (or a decomposition, or a host op), valid attribute schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

const ATTR_TYPES = ['number', 'int', 'bool', 'string', 'dtype', 'ints', 'numbers', 'intOrInts', 'numberOrString', 'pairs', 'pad'];

test('listOps is sorted and names the TF.js functions', () => {
  const ops = tw.listOps();
  assert.deepEqual(ops, [...ops].sort());
  for (const name of ['add', 'matMul', 'sum', 'cast', 'randomNormal', 'reshape'].filter((n) => ops.includes(n))) {
    assert.equal(typeof tw.getOpDef(name), 'object');
  }
  assert.ok(ops.length > 80, `only ${ops.length} ops registered`);
});

for (const name of tw.listOps()) {
  test(`registry entry ${name} is complete`, () => {
    const def = tw.getOpDef(name);
    assert.equal(def.name, name);
    assert.match(name, /^[a-z][a-zA-Z0-9]*$/, 'camelCase TF.js name');
    assert.equal(typeof def.shape, 'function', 'shape rule');
    assert.ok(Array.isArray(def.inputs), 'inputs list');
    def.inputs.forEach((input, i) => {
      assert.equal(typeof input.name, 'string');
      if (input.variadic) assert.equal(i, def.inputs.length - 1, 'only the last input may be variadic');
    });
    for (const [attr, spec] of Object.entries(def.attrs)) {
      assert.ok(ATTR_TYPES.includes(spec.type), `attr ${attr} has type ${spec.type}`);
    }
    assert.ok(def.outputs === undefined || def.outputs === 'variable' || (Number.isInteger(def.outputs) && def.outputs > 1),
      `outputs ${def.outputs}: left out for 1, else a count above 1 or 'variable'`);
    if (def.decompose || def.host) {
      assert.equal(typeof (def.decompose ?? def.host), 'function');
      assert.ok(!(def.decompose && def.host), 'a decomposition or a host op, not both');
      assert.equal(def.kernels, undefined, 'a decomposition or host op has no kernels');
      assert.equal(def.grad, undefined, 'a decomposition inherits its gradient; a host op has none');
    } else {
      assert.equal(typeof def.kernels?.cpu, 'function', 'CPU kernel');
      assert.equal(typeof def.kernels?.webgpu, 'function', 'WebGPU kernel');
      assert.ok(typeof def.grad === 'function' || def.grad === 'not-differentiable', 'gradient decision');
    }
  });
}

// The whole op set, one line per op: how it runs on each backend and whether
// gradients flow. Printed so a run's log shows every op's decisions.
test('every op has a CPU kernel and a WebGPU kernel, or is a decomposition, and a gradient decision', (t) => {
  const described = tw.describeOps();
  const rows = Object.entries(described).map(([name, d]) => {
    const runs = d.kind === 'kernel' ? `kernels: ${d.backends.join(', ')}` : d.kind;
    return `${name}: ${runs}; ${d.differentiable ? 'differentiable' : 'not differentiable'}`;
  });
  t.diagnostic(`${rows.length} ops\n${rows.join('\n')}`);
  const incomplete = Object.entries(described)
    .filter(([, d]) => d.kind === 'kernel' && !(d.backends.includes('cpu') && d.backends.includes('webgpu')))
    .map(([name]) => name);
  assert.deepEqual(incomplete, []);
});

test('attribute defaults pass their own validation', () => {
  for (const name of tw.listOps()) {
    for (const [attr, spec] of Object.entries(tw.getOpDef(name).attrs)) {
      if (spec.default === undefined) continue;
      if (spec.oneOf) assert.ok(spec.oneOf.includes(spec.default), `${name}.${attr} default not in oneOf`);
    }
  }
});

test('describeOps is plain JSON describing every op', () => {
  const described = JSON.parse(JSON.stringify(tw.describeOps()));
  assert.deepEqual(Object.keys(described), tw.listOps());
  assert.deepEqual(described.sum.attrs.keepDims, { type: 'bool', default: false });
  assert.equal(described.sum.kind, 'kernel');
  assert.ok(described.sum.backends.includes('cpu'));
  assert.equal(described.logSumExp.kind, 'decomposition');
  assert.equal(described.equal.differentiable, false);
  assert.equal(described.exp.inputDtype, 'float32');
  assert.equal(described.add.inputDtype, undefined);
  assert.equal(described.add.outputs, 1);
  assert.equal(described.moments.outputs, 2);
  assert.equal(described.split.outputs, 'variable');
  assert.deepEqual(described.where.inputs.map((i) => i.name), ['condition', 'a', 'b']);
});

test('the engine holds every run to the entry\'s output count', () => {
  const def = tw.getOpDef('topk');
  const x = tw.tensor([3, 1, 2]);
  def.outputs = 3;
  try {
    assert.throws(() => tw.topk(x, 2), /topk: the shape rule gave 2 outputs, the entry declares 3/);
  } finally {
    def.outputs = 2;
  }
  const { values, indices } = tw.topk(x, 2);
  assert.deepEqual([values.arraySync(), indices.arraySync()], [[3, 2], [0, 2]]);
  tw.dispose([x, values, indices]);
});
