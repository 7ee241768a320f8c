// What TF.js's test files import from '../jasmine_util': describeWithFlags and
// the environment constraints, answered for the one backend a run tests.
//
// TF.js runs a describeWithFlags block once per registered test environment
// whose flags and predicate the constraints admit. A conformance run has one
// environment, set by the runner through configureTestEnv():
//   cpu in node:         { name: 'cpu', backendName: 'cpu', isDataSync: true }, platform 'node'
//   webgpu in Chromium:  { name: 'webgpu', backendName: 'webgpu', isDataSync: true }, platform 'browser'
// isDataSync is true on webgpu because TF.js registers its webgpu test
// environment that way (it answers dataSync() there, as tensorweb now does
// through canvases); the specs that need it run there.
// So ALL_ENVS admits both runs, NODE_ENVS only cpu-in-node, BROWSER_ENVS only
// webgpu-in-Chromium, SYNC_BACKEND_ENVS both, CHROME_ENVS (flag IS_CHROME)
// only the Chromium run.

import { describeKeyed } from './jasmine.mjs';

let activeEnv = null;
let runtime = null;

/** The runner's choice of environment, and the tensorweb module under test. */
export function configureTestEnv(testEnv, tw) {
  activeEnv = testEnv;
  runtime = tw;
}

/** The environment a run tests (test_util reads its float precision). */
export function currentTestEnv() {
  if (!activeEnv) throw new Error('conformance harness: configureTestEnv() was not called before loading a test file');
  return activeEnv;
}

// The environment's flags, as TF.js's env() would report them for this run.
function envFlags(testEnv) {
  const browser = testEnv.platform === 'browser';
  return { IS_BROWSER: browser, IS_NODE: !browser, IS_CHROME: browser, IS_TEST: true, ...testEnv.flags };
}

export const ALL_ENVS = {};
export const NODE_ENVS = { predicate: (testEnv) => testEnv.platform === 'node' };
export const BROWSER_ENVS = { predicate: (testEnv) => testEnv.platform === 'browser' };
export const CHROME_ENVS = { flags: { IS_CHROME: true } };
export const SYNC_BACKEND_ENVS = { predicate: (testEnv) => testEnv.isDataSync === true };

export function envSatisfiesConstraints(testEnv, constraints) {
  if (constraints == null) return true;
  const flags = envFlags(testEnv);
  for (const [name, value] of Object.entries(constraints.flags ?? {})) {
    if (flags[name] !== value) return false;
  }
  return constraints.predicate == null || Boolean(constraints.predicate(testEnv));
}

export function describeWithFlags(name, constraints, tests) {
  const testEnv = currentTestEnv();
  if (!envSatisfiesConstraints(testEnv, constraints)) return;
  // TF.js's title: the name, the environment's name and its flags.
  const title = `${name} ${testEnv.name} ${JSON.stringify(testEnv.flags ?? {})}`;
  describeKeyed(title, name, () => {
    beforeAll(async () => {
      if (!(await runtime.setBackend(testEnv.backendName))) {
        throw new Error(`the ${testEnv.backendName} backend did not initialise`);
      }
    });
    // TF.js disposes each spec's variables after it (its engine scope also
    // frees the spec's tensors; tensorweb has no public scope to open across
    // an async spec, so leftovers stay until the page or process ends).
    afterEach(() => runtime.disposeVariables());
    tests(testEnv);
  });
}
