// A jasmine-compatible spec environment, written for the conformance tier:
// TF.js's op test files call jasmine's globals (describe, it, expect, ...)
// and this module answers them the way jasmine 3 does, so the files run
// unmodified in node and in a browser page. One file is collected and run at
// a time: collectFile() imports it (its describe/it calls build the tree),
// runCollected() runs the tree and reports every spec.

import { deepEqual, prettyPrint, AsymmetricMatcher } from './equality.mjs';

const DEFAULT_TIMEOUT_MS = 20000; // what TF.js's jasmine_util sets for its own runs

class PendingSignal {
  constructor(reason) {
    this.reason = reason;
  }
}

class Suite {
  constructor(title, parent, { keyTitle = title, focused = false, excluded = false } = {}) {
    this.title = title;
    // The title spec keys are built from: describeWithFlags gives the suite a
    // backend-specific title and its own name as keyTitle.
    this.keyTitle = keyTitle;
    this.parent = parent;
    this.focused = focused;
    this.excluded = excluded || Boolean(parent?.excluded);
    this.children = [];
    this.beforeAll = [];
    this.afterAll = [];
    this.beforeEach = [];
    this.afterEach = [];
  }

  path(field) {
    const names = [];
    for (let s = this; s && s.parent; s = s.parent) names.unshift(s[field]);
    return names;
  }

  insideFocus() {
    for (let s = this; s; s = s.parent) if (s.focused) return true;
    return false;
  }
}

class Spec {
  constructor(title, fn, parent, { focused = false, excluded = false, timeout } = {}) {
    this.title = title;
    this.fn = fn;
    this.parent = parent;
    this.focused = focused;
    this.excluded = excluded || parent.excluded;
    this.timeout = timeout;
  }

  get fullName() {
    return [...this.parent.path('title'), this.title].join(' ');
  }

  get key() {
    return [...this.parent.path('keyTitle'), this.title].join(' > ');
  }
}

// ---- the collection state: one file at a time ---------------------------------
let root = new Suite('', null);
let currentSuite = root;
let collecting = false;
let currentRecord = null; // the spec (or suite hook) whose expectations are being recorded
let activeSpies = [];

function resetCollection() {
  root = new Suite('', null);
  currentSuite = root;
}

function defineSuite(title, fn, options) {
  if (!collecting) throw new Error(`describe('${title}') called outside a file's collection`);
  const suite = new Suite(title, currentSuite, options);
  currentSuite.children.push(suite);
  const parent = currentSuite;
  currentSuite = suite;
  try {
    const result = fn?.();
    if (result && typeof result.then === 'function') {
      // jasmine ignores a describe's promise; its specs were registered synchronously.
      result.catch(() => {});
    }
  } catch (err) {
    // jasmine reports a describe that throws as a failure of that suite.
    suite.children.push(new Spec('(the describe block threw)', () => { throw err; }, suite));
  } finally {
    currentSuite = parent;
  }
}

function defineSpec(title, fn, options = {}, timeout) {
  if (!collecting) throw new Error(`it('${title}') called outside a file's collection`);
  currentSuite.children.push(new Spec(title, fn, currentSuite, { ...options, timeout }));
}

function hook(kind) {
  return (fn, timeout) => {
    if (!collecting) throw new Error(`${kind} called outside a file's collection`);
    currentSuite[kind].push({ fn, timeout });
  };
}

// ---- expectations -------------------------------------------------------------
function record(passed, message) {
  if (!currentRecord) throw new Error(`expect() called outside a spec: ${message}`);
  if (!passed) currentRecord.failures.push(message);
}

function callCapturing(fn) {
  if (typeof fn !== 'function') throw new Error('Actual is not a Function');
  try {
    fn();
  } catch (err) {
    return { threw: true, thrown: err };
  }
  return { threw: false };
}

function errorName(err) {
  return err && err.constructor ? err.constructor.name : typeof err;
}

function errorMatches(thrown, type, message) {
  if (type && !(thrown instanceof type)) return false;
  if (message === undefined) return true;
  const text = thrown?.message;
  return message instanceof RegExp ? message.test(text) : text === message;
}

const MATCHERS = {
  toBe: (a, e) => [a === e, `Expected ${prettyPrint(a)} to be ${prettyPrint(e)}.`],
  toEqual: (a, e) => [deepEqual(a, e), `Expected ${prettyPrint(a)} to equal ${prettyPrint(e)}.`],
  toBeCloseTo: (a, e, precision = 2) => {
    if (a === null || e === null) throw new Error(`Cannot use toBeCloseTo with null. Arguments evaluated to: expect(${a}).toBeCloseTo(${e}).`);
    const pass = a === e || Math.abs(e - a) < 10 ** -precision / 2;
    return [pass, `Expected ${prettyPrint(a)} to be close to ${prettyPrint(e)}, ${precision}.`];
  },
  toBeTruthy: (a) => [Boolean(a), `Expected ${prettyPrint(a)} to be truthy.`],
  toBeFalsy: (a) => [!a, `Expected ${prettyPrint(a)} to be falsy.`],
  toBeNull: (a) => [a === null, `Expected ${prettyPrint(a)} to be null.`],
  toBeUndefined: (a) => [a === undefined, `Expected ${prettyPrint(a)} to be undefined.`],
  toBeDefined: (a) => [a !== undefined, `Expected ${prettyPrint(a)} to be defined.`],
  toBeNaN: (a) => [Number.isNaN(a), `Expected ${prettyPrint(a)} to be NaN.`],
  toBeTrue: (a) => [a === true, `Expected ${prettyPrint(a)} to be true.`],
  toBeFalse: (a) => [a === false, `Expected ${prettyPrint(a)} to be false.`],
  toBeGreaterThan: (a, e) => [a > e, `Expected ${prettyPrint(a)} to be greater than ${prettyPrint(e)}.`],
  toBeGreaterThanOrEqual: (a, e) => [a >= e, `Expected ${prettyPrint(a)} to be greater than or equal to ${prettyPrint(e)}.`],
  toBeLessThan: (a, e) => [a < e, `Expected ${prettyPrint(a)} to be less than ${prettyPrint(e)}.`],
  toBeLessThanOrEqual: (a, e) => [a <= e, `Expected ${prettyPrint(a)} to be less than or equal to ${prettyPrint(e)}.`],
  toBeInstanceOf: (a, e) => [a instanceof e, `Expected ${prettyPrint(a)} to be an instance of ${e?.name}.`],
  toMatch: (a, e) => [(e instanceof RegExp ? e : new RegExp(e)).test(a), `Expected ${prettyPrint(a)} to match ${e}.`],
  toContain: (a, e) => {
    const pass = typeof a === 'string' ? a.includes(e) : Array.from(a ?? []).some((x) => deepEqual(x, e));
    return [pass, `Expected ${prettyPrint(a)} to contain ${prettyPrint(e)}.`];
  },
  toThrow: (fn, ...expected) => {
    const { threw, thrown } = callCapturing(fn);
    if (expected.length === 0) return [threw, `Expected function to throw, but it threw nothing.`, `Expected function not to throw, but it threw ${prettyPrint(thrown)}.`];
    return [threw && deepEqual(thrown, expected[0]),
      `Expected function to throw ${prettyPrint(expected[0])}, but it ${threw ? `threw ${prettyPrint(thrown)}` : 'threw nothing'}.`];
  },
  toThrowError: (fn, typeOrMessage, message) => {
    let type = Error;
    if (typeof typeOrMessage === 'function') type = typeOrMessage;
    else message = typeOrMessage;
    const { threw, thrown } = callCapturing(fn);
    const wanted = `${type.name}${message === undefined ? '' : ` with message ${prettyPrint(message)}`}`;
    if (!threw) return [false, `Expected function to throw ${wanted}, but it threw nothing.`, ''];
    return [errorMatches(thrown, type, message),
      `Expected function to throw ${wanted}, but it threw ${errorName(thrown)}: ${prettyPrint(thrown?.message ?? thrown)}.`,
      `Expected function not to throw ${wanted}.`];
  },
  toHaveBeenCalled: (spy) => [spyOf(spy).calls.count() > 0, `Expected spy ${spyOf(spy).and.identity} to have been called.`],
  toHaveBeenCalledTimes: (spy, n) => [spyOf(spy).calls.count() === n,
    `Expected spy ${spyOf(spy).and.identity} to have been called ${n} times. It was called ${spyOf(spy).calls.count()} times.`],
  toHaveBeenCalledWith: (spy, ...args) => [spyOf(spy).calls.allArgs().some((call) => deepEqual(call, args)),
    `Expected spy ${spyOf(spy).and.identity} to have been called with ${prettyPrint(args)}.`],
  nothing: () => [true, ''],
};

const ASYNC_MATCHERS = {
  toBeResolved: async (p) => settle(p).then((s) => [s.ok, `Expected a promise to be resolved, but it was rejected with ${prettyPrint(s.reason)}.`]),
  toBeResolvedTo: async (p, e) => settle(p).then((s) => [s.ok && deepEqual(s.value, e), `Expected a promise to be resolved to ${prettyPrint(e)}.`]),
  toBeRejected: async (p) => settle(p).then((s) => [!s.ok, 'Expected a promise to be rejected, but it was resolved.']),
  toBeRejectedWith: async (p, e) => settle(p).then((s) => [!s.ok && deepEqual(s.reason, e), `Expected a promise to be rejected with ${prettyPrint(e)}.`]),
  toBeRejectedWithError: async (p, typeOrMessage, message) => {
    let type = Error;
    if (typeof typeOrMessage === 'function') type = typeOrMessage;
    else message = typeOrMessage;
    const s = await settle(p);
    return [!s.ok && errorMatches(s.reason, type, message),
      `Expected a promise to be rejected with ${type.name}${message === undefined ? '' : `: ${prettyPrint(message)}`}, but it was ${s.ok ? 'resolved' : `rejected with ${errorName(s.reason)}: ${prettyPrint(s.reason?.message ?? s.reason)}`}.`];
  },
};

function settle(promise) {
  return Promise.resolve(promise).then((value) => ({ ok: true, value }), (reason) => ({ ok: false, reason }));
}

function expectationFor(actual, matchers, negate, wrap) {
  const target = {};
  for (const [name, matcher] of Object.entries(matchers)) {
    target[name] = (...expected) => wrap(matcher(actual, ...expected), (outcome) => {
      const [pass, message, negatedMessage] = outcome;
      record(negate ? !pass : pass, negate ? (negatedMessage || message.replace(/^Expected (.*?) to /, 'Expected $1 not to ')) : message);
    });
  }
  return target;
}

function expect(actual) {
  const now = (result, report) => report(result);
  const matchers = expectationFor(actual, MATCHERS, false, now);
  matchers.not = expectationFor(actual, MATCHERS, true, now);
  return matchers;
}

function expectAsync(actual) {
  const later = (result, report) => result.then(report);
  const matchers = expectationFor(actual, ASYNC_MATCHERS, false, later);
  matchers.not = expectationFor(actual, ASYNC_MATCHERS, true, later);
  return matchers;
}

// ---- spies ----------------------------------------------------------------------
const SPY = Symbol('spy');

function spyOf(fn) {
  if (!fn || !fn[SPY]) throw new Error(`Expected a spy, but got ${prettyPrint(fn)}.`);
  return fn[SPY];
}

function createSpy(identity, original) {
  const calls = [];
  let strategy = () => undefined;
  const spy = function (...args) {
    calls.push({ object: this, args });
    return strategy.apply(this, args);
  };
  const and = {
    identity,
    callThrough() { strategy = original; return spy; },
    returnValue(value) { strategy = () => value; return spy; },
    returnValues(...values) { strategy = () => values.shift(); return spy; },
    callFake(fn) { strategy = fn; return spy; },
    throwError(err) { strategy = () => { throw typeof err === 'string' ? new Error(err) : err; }; return spy; },
    stub() { strategy = () => undefined; return spy; },
  };
  const callLog = {
    count: () => calls.length,
    any: () => calls.length > 0,
    argsFor: (i) => calls[i]?.args ?? [],
    allArgs: () => calls.map((c) => c.args),
    all: () => calls.slice(),
    mostRecent: () => calls[calls.length - 1],
    first: () => calls[0],
    reset: () => { calls.length = 0; },
  };
  spy[SPY] = { and, calls: callLog };
  spy.and = and;
  spy.calls = callLog;
  return spy;
}

function spyOn(object, name) {
  if (object == null) throw new Error(`spyOn could not find an object to spy upon for ${name}()`);
  const original = object[name];
  if (typeof original !== 'function') throw new Error(`${name}() method does not exist`);
  const spy = createSpy(name, original);
  const own = Object.prototype.hasOwnProperty.call(object, name);
  object[name] = spy;
  activeSpies.push(() => {
    if (own) object[name] = original;
    else delete object[name];
  });
  return spy;
}

// ---- jasmine's namespace object ---------------------------------------------------
const jasmine = {
  DEFAULT_TIMEOUT_INTERVAL: DEFAULT_TIMEOUT_MS,
  any: (ctor) => new AsymmetricMatcher(`<jasmine.any(${ctor?.name})>`, (v) => (
    ctor === Number ? typeof v === 'number' || v instanceof Number
      : ctor === String ? typeof v === 'string' || v instanceof String
        : ctor === Boolean ? typeof v === 'boolean'
          : ctor === Function ? typeof v === 'function'
            : ctor === Object ? v !== null && typeof v === 'object'
              : v instanceof ctor)),
  anything: () => new AsymmetricMatcher('<jasmine.anything>', (v) => v !== undefined && v !== null),
  objectContaining: (sample) => new AsymmetricMatcher(`<jasmine.objectContaining(${prettyPrint(sample)})>`,
    (v) => v != null && Object.keys(sample).every((k) => k in Object(v) && deepEqual(v[k], sample[k]))),
  arrayContaining: (sample) => new AsymmetricMatcher(`<jasmine.arrayContaining(${prettyPrint(sample)})>`,
    (v) => Array.isArray(v) && sample.every((e) => v.some((x) => deepEqual(x, e)))),
  stringMatching: (re) => new AsymmetricMatcher(`<jasmine.stringMatching(${re})>`,
    (v) => typeof v === 'string' && (re instanceof RegExp ? re : new RegExp(re)).test(v)),
  createSpy: (name = 'unknown', fn = () => undefined) => createSpy(name, fn),
};

/** Installs jasmine's globals on globalThis (describe, it, expect, jasmine, ...). */
export function installGlobals(target = globalThis) {
  Object.assign(target, {
    describe: (title, fn) => defineSuite(title, fn),
    fdescribe: (title, fn) => defineSuite(title, fn, { focused: true }),
    xdescribe: (title, fn) => defineSuite(title, fn, { excluded: true }),
    it: (title, fn, timeout) => defineSpec(title, fn, {}, timeout),
    fit: (title, fn, timeout) => defineSpec(title, fn, { focused: true }, timeout),
    xit: (title, fn, timeout) => defineSpec(title, fn, { excluded: true }, timeout),
    beforeAll: hook('beforeAll'),
    afterAll: hook('afterAll'),
    beforeEach: hook('beforeEach'),
    afterEach: hook('afterEach'),
    expect,
    expectAsync,
    spyOn,
    pending: (reason = '') => { throw new PendingSignal(reason); },
    fail: (err) => record(false, `Failed: ${err instanceof Error ? err.message : err ?? ''}`),
    jasmine,
  });
}

/**
 * An error nobody caught (an unhandled rejection, an error event): jasmine
 * charges it to the spec running at the time; with none running, it is
 * returned for the caller to report.
 */
export function chargeStrayError(err) {
  const { message } = describeError(err);
  if (!currentRecord) return message;
  currentRecord.failures.push(`Unhandled: ${message}`);
  return null;
}

/** describe() with a second title for spec keys (the backend-neutral name). */
export function describeKeyed(title, keyTitle, fn) {
  defineSuite(title, fn, { keyTitle });
}

/**
 * Imports a module (a bundled test file) with jasmine's globals collecting
 * its suites. Returns the collected root suite, or throws the load error.
 */
export async function collectFile(load) {
  resetCollection();
  jasmine.DEFAULT_TIMEOUT_INTERVAL = DEFAULT_TIMEOUT_MS;
  collecting = true;
  try {
    await load();
  } finally {
    collecting = false;
  }
  return root;
}

function withTimeout(fn, timeoutMs, label) {
  let timer;
  const run = new Promise((resolve, reject) => {
    if (fn.length > 0) {
      // done-callback style: the function calls done() or done.fail(err).
      const done = () => resolve();
      done.fail = (err) => reject(err instanceof Error ? err : new Error(`Failed: ${err ?? 'done.fail() called'}`));
      try {
        fn(done);
      } catch (err) {
        reject(err);
      }
    } else {
      Promise.resolve().then(fn).then(resolve, reject);
    }
  });
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timeout - ${label} did not complete within ${timeoutMs}ms (jasmine.DEFAULT_TIMEOUT_INTERVAL)`)), timeoutMs);
  });
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
}

function describeError(err) {
  if (err instanceof Error) return { message: `${err.name}: ${err.message}`, stack: err.stack ?? '' };
  return { message: `thrown: ${prettyPrint(err)}`, stack: '' };
}

/** Runs a function of a spec or hook, adding what it throws to `target.failures`. */
async function runGuarded(fn, timeoutMs, label, target) {
  const previous = currentRecord;
  currentRecord = target;
  try {
    await withTimeout(fn, timeoutMs, label);
  } catch (err) {
    if (err instanceof PendingSignal) {
      target.pending = err.reason || 'pending() called';
    } else {
      const { message, stack } = describeError(err);
      target.failures.push(message);
      target.stack ??= stack;
    }
  } finally {
    currentRecord = previous;
  }
}

function beforeEachChain(suite) {
  return suite ? [...beforeEachChain(suite.parent), ...suite.beforeEach] : [];
}

function afterEachChain(suite) {
  return suite ? [...suite.afterEach, ...afterEachChain(suite.parent)] : [];
}

/**
 * Runs a collected tree the way jasmine orders it (beforeAll once per suite,
 * beforeEach outermost first, afterEach innermost first) and calls
 * `report(result)` for each spec: { key, name, status: 'passed' | 'failed' |
 * 'pending', failures, stack?, pendingReason?, ms }.
 */
export async function runCollected(tree, report) {
  const anyFocused = (function hasFocus(s) {
    return s.children.some((c) => c.focused || (c instanceof Suite && hasFocus(c)));
  })(tree);
  const runs = (spec) => !spec.excluded && (!anyFocused || spec.focused || spec.parent.insideFocus());

  async function runSpec(spec, inherited) {
    const result = { key: spec.key, name: spec.fullName, failures: [...inherited] };
    const start = Date.now();
    if (!runs(spec) || !spec.fn) {
      result.status = 'pending';
      result.pendingReason = spec.excluded ? 'Temporarily disabled with xit'
        : !spec.fn ? 'No spec function' : 'Not focused (the file has fit/fdescribe)';
      report(result);
      return;
    }
    if (result.failures.length === 0) {
      for (const { fn, timeout } of beforeEachChain(spec.parent)) {
        await runGuarded(fn, timeout ?? jasmine.DEFAULT_TIMEOUT_INTERVAL, 'beforeEach', result);
        if (result.failures.length || result.pending) break;
      }
      if (!result.failures.length && !result.pending) {
        await runGuarded(spec.fn, spec.timeout ?? jasmine.DEFAULT_TIMEOUT_INTERVAL, 'Async function', result);
      }
      for (const { fn, timeout } of afterEachChain(spec.parent)) {
        await runGuarded(fn, timeout ?? jasmine.DEFAULT_TIMEOUT_INTERVAL, 'afterEach', result);
      }
    }
    while (activeSpies.length) activeSpies.pop()();
    result.ms = Date.now() - start;
    result.status = result.failures.length ? 'failed' : result.pending ? 'pending' : 'passed';
    if (result.pending) result.pendingReason = result.pending;
    delete result.pending;
    report(result);
  }

  async function runSuite(suite, inherited) {
    const active = (function anyRuns(s) {
      return s.children.some((c) => (c instanceof Spec ? runs(c) && c.fn : anyRuns(c)));
    })(suite);
    const setup = { failures: [...inherited] };
    if (active && !setup.failures.length) {
      for (const { fn, timeout } of suite.beforeAll) {
        await runGuarded(fn, timeout ?? jasmine.DEFAULT_TIMEOUT_INTERVAL, 'beforeAll', setup);
        if (setup.failures.length) break;
      }
    }
    const failedSetup = setup.failures.map((f) => `beforeAll: ${f}`);
    for (const child of suite.children) {
      if (child instanceof Spec) await runSpec(child, failedSetup);
      else await runSuite(child, failedSetup);
    }
    if (active) {
      const teardown = { failures: [] };
      for (const { fn, timeout } of suite.afterAll) {
        await runGuarded(fn, timeout ?? jasmine.DEFAULT_TIMEOUT_INTERVAL, 'afterAll', teardown);
      }
      if (teardown.failures.length) {
        // jasmine reports an afterAll error against its suite; here it is one failed entry.
        const key = [...suite.path('keyTitle'), '(afterAll)'].join(' > ');
        report({ key, name: `${suite.path('title').join(' ')} (afterAll)`, status: 'failed', failures: teardown.failures, ms: 0 });
      }
    }
  }

  await runSuite(tree, []);
}
