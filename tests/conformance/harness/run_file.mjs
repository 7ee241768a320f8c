// Runs one bundled TF.js test file and returns its specs' results; the same
// code runs in node (the cpu run) and in the Chromium page (the webgpu run).

import { installGlobals, collectFile, runCollected, chargeStrayError } from './jasmine.mjs';
import { configureTestEnv } from './jasmine_util.mjs';

const strayErrors = [];

/** Sets the environment up once per process or page: jasmine's globals and the test environment. */
export function setUpConformance(testEnv, tw) {
  installGlobals();
  configureTestEnv(testEnv, tw);
}

/** Called for an unhandled rejection or error event of the process or page. */
export function onStrayError(err) {
  const unclaimed = chargeStrayError(err);
  if (unclaimed) strayErrors.push(unclaimed);
}

/**
 * Imports `url` (a bundled test file) and runs its specs. Returns
 * { specs: [...] } or { loadError } when the file cannot be imported or its
 * top level throws; strayErrors lists errors raised while no spec ran.
 */
export async function runTestFile(url) {
  strayErrors.length = 0;
  let tree;
  try {
    tree = await collectFile(() => import(url));
  } catch (err) {
    const loadError = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
    return { loadError, strayErrors: strayErrors.splice(0) };
  }
  const specs = [];
  await runCollected(tree, (result) => specs.push(result));
  return { specs, strayErrors: strayErrors.splice(0) };
}
