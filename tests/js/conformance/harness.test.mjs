// The conformance tier's jasmine environment and test_util must fail what
// jasmine and TF.js fail, or the tier's pass rate means nothing: each case
// here collects a small spec file and checks the outcome of every spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { installGlobals, collectFile, runCollected } from '../../conformance/harness/jasmine.mjs';
import { configureTestEnv, describeWithFlags, ALL_ENVS, BROWSER_ENVS, NODE_ENVS, SYNC_BACKEND_ENVS } from '../../conformance/harness/jasmine_util.mjs';
import { expectArraysClose, expectArraysEqual, expectNumbersClose } from '../../conformance/harness/test_util.mjs';

installGlobals();
configureTestEnv({ name: 'cpu', backendName: 'cpu', isDataSync: true, platform: 'node', floatPrecision: 32 }, tw);

async function outcomes(define) {
  const tree = await collectFile(async () => define());
  const results = {};
  await runCollected(tree, (r) => { results[r.key] = r.status; });
  return results;
}

test('matchers pass and fail as jasmine does', async () => {
  const r = await outcomes(() => describe('m', () => {
    it('toEqual NaN', () => expect([NaN]).toEqual([NaN]));
    it('toEqual 0 and -0', () => expect(0).toEqual(-0));
    it('toEqual key with undefined', () => expect({ a: undefined }).toEqual({}));
    it('toEqual typed arrays', () => expect(new Float32Array([1, 2])).toEqual(new Float32Array([1, 2])));
    it('toBe', () => expect([1]).toBe([1]));
    it('not.toBe', () => expect(1).not.toBe(2));
    it('toThrowError message', () => expect(() => { throw new Error('boom'); }).toThrowError('boom'));
    it('toThrowError wrong message', () => expect(() => { throw new Error('boom'); }).toThrowError('bang'));
    it('toThrowError regex', () => expect(() => { throw new Error('a boom'); }).toThrowError(/boom/));
    it('toThrowError nothing thrown', () => expect(() => {}).toThrowError());
    it('not.toThrow', () => expect(() => {}).not.toThrow());
    it('toBeCloseTo', () => expect(1.004).toBeCloseTo(1, 2));
    it('toBeCloseTo far', () => expect(1.01).toBeCloseTo(1, 2));
    it('rejected with error', async () => { await expectAsync(Promise.reject(new Error('no'))).toBeRejectedWithError('no'); });
    it('resolved, not rejected', async () => { await expectAsync(Promise.resolve(1)).toBeRejectedWithError('no'); });
    it('jasmine.any', () => expect({ a: 3 }).toEqual({ a: jasmine.any(Number) }));
  }));
  assert.deepEqual(r, {
    'm > toEqual NaN': 'passed', 'm > toEqual 0 and -0': 'failed', 'm > toEqual key with undefined': 'failed',
    'm > toEqual typed arrays': 'passed', 'm > toBe': 'failed', 'm > not.toBe': 'passed',
    'm > toThrowError message': 'passed', 'm > toThrowError wrong message': 'failed', 'm > toThrowError regex': 'passed',
    'm > toThrowError nothing thrown': 'failed', 'm > not.toThrow': 'passed', 'm > toBeCloseTo': 'passed',
    'm > toBeCloseTo far': 'failed', 'm > rejected with error': 'passed', 'm > resolved, not rejected': 'failed',
    'm > jasmine.any': 'passed',
  });
});

test('hooks, done callbacks, timeouts and xit', async () => {
  const order = [];
  const r = await outcomes(() => {
    describe('h', () => {
      beforeAll(() => order.push('beforeAll'));
      beforeEach(() => order.push('beforeEach'));
      afterEach(() => order.push('afterEach'));
      it('done', (done) => setTimeout(done, 1));
      it('done.fail', (done) => setTimeout(() => done.fail('no'), 1));
      it('timeout', () => new Promise(() => {}), 20);
      it('pending()', () => pending('later'));
      xit('x', () => { throw new Error('never runs'); });
    });
    describe('setup fails', () => {
      beforeAll(() => { throw new Error('no setup'); });
      it('inherits the failure', () => {});
    });
  });
  assert.deepEqual(r, {
    'h > done': 'passed', 'h > done.fail': 'failed', 'h > timeout': 'failed', 'h > pending()': 'pending',
    'h > x': 'pending', 'setup fails > inherits the failure': 'failed',
  });
  assert.deepEqual(order.slice(0, 4), ['beforeAll', 'beforeEach', 'afterEach', 'beforeEach']);
});

test('describeWithFlags admits what the constraints admit for cpu in node', async () => {
  const r = await outcomes(() => {
    describeWithFlags('all', ALL_ENVS, () => it('runs', () => {}));
    describeWithFlags('node', NODE_ENVS, () => it('runs', () => {}));
    describeWithFlags('sync', SYNC_BACKEND_ENVS, () => it('runs', () => {}));
    describeWithFlags('browser', BROWSER_ENVS, () => it('never', () => {}));
  });
  assert.deepEqual(r, { 'all > runs': 'passed', 'node > runs': 'passed', 'sync > runs': 'passed' });
});

test('test_util tolerances and shape checks follow TF.js', async () => {
  const r = await outcomes(() => describe('t', () => {
    it('within 1e-3', () => expectArraysClose([1, 2], [1.0009, 2]));
    it('beyond 1e-3', () => expectArraysClose([1, 2], [1.002, 2]));
    it('nested shapes differ', () => expectArraysClose([[1, 2]], [[1], [2]]));
    it('typed array classes differ', () => expectArraysClose(new Float32Array([1]), new Int32Array([1])));
    it('non-finite pairs', () => expectArraysClose(new Float32Array([NaN, Infinity]), [NaN, Infinity]));
    it('NaN against a number', () => expectArraysClose([NaN], [0]));
    it('equal int32', () => expectArraysEqual(new Int32Array([1, 2]), [1, 2]));
    it('unequal int32', () => expectArraysEqual(new Int32Array([1, 2]), [1, 3]));
    it('strings', () => expectArraysEqual(['a', 'b'], ['a', 'b']));
    it('numbers beyond epsilon', () => expectNumbersClose(1, 1.1));
  }));
  assert.deepEqual(r, {
    't > within 1e-3': 'passed', 't > beyond 1e-3': 'failed', 't > nested shapes differ': 'failed',
    't > typed array classes differ': 'failed', 't > non-finite pairs': 'passed', 't > NaN against a number': 'failed',
    't > equal int32': 'passed', 't > unequal int32': 'failed', 't > strings': 'passed', 't > numbers beyond epsilon': 'failed',
  });
});
