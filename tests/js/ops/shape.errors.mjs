// Shared by the shape, linalg and nn tests: an op called with bad shapes or
// attributes throws a message that names the op and the culprit, and leaves
// nothing allocated.
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

/** Runs `makeInputs()` (tensors kept), then asserts `call(...inputs)` throws matching every pattern and leaks nothing. */
export function assertOpError(makeInputs, call, patterns) {
  const inputs = makeInputs();
  const before = tw.memory().numTensors;
  try {
    assert.throws(() => call(...inputs), (error) => {
      for (const pattern of patterns) assert.match(error.message, pattern);
      return true;
    });
    assert.equal(tw.memory().numTensors, before, 'a failed op left tensors allocated');
  } finally {
    tw.dispose(inputs);
  }
}
