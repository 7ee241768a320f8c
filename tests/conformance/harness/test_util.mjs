// What TF.js's test files import from '../test_util': array and number
// comparisons with TF.js's tolerances, written here from its documented
// behaviour. The tolerance follows the backend's float precision: 1e-3 for a
// 32-bit float backend, 1e-1 for a 16-bit one (TF.js's TEST_EPSILON_FLOAT32/16).
// Both tensorweb backends compute in 32-bit floats (WGSL f32 on webgpu), so the
// runner configures floatPrecision 32 for both.

import { currentTestEnv } from './jasmine_util.mjs';

export const TEST_EPSILON_FLOAT32 = 1e-3;
export const TEST_EPSILON_FLOAT16 = 1e-1;

export function testEpsilon() {
  return currentTestEnv().floatPrecision === 32 ? TEST_EPSILON_FLOAT32 : TEST_EPSILON_FLOAT16;
}

const isTypedArray = (a) => ArrayBuffer.isView(a) && !(a instanceof DataView);

// The shape of a nested array, TF.js style: each level's length along the first entries.
function nestedShape(value) {
  const shape = [];
  while (Array.isArray(value) || isTypedArray(value)) {
    shape.push(value.length);
    value = value[0];
  }
  return shape;
}

function flatten(value, out = []) {
  if (Array.isArray(value) || isTypedArray(value)) {
    for (const v of value) flatten(v, out);
  } else {
    out.push(value);
  }
  return out;
}

// Both arrays (any nesting) or both typed arrays compare by class, nested
// arrays by shape too; then flat element by element.
function expectArraysPredicate(actual, expected, predicate) {
  const bothOrNeitherTyped = isTypedArray(actual) === isTypedArray(expected);
  if (bothOrNeitherTyped) {
    const actualType = actual?.constructor?.name;
    const expectedType = expected?.constructor?.name;
    if (actualType !== expectedType) {
      throw new Error(`Arrays are of different type. Actual: ${actualType}. Expected: ${expectedType}`);
    }
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    const actualShape = nestedShape(actual);
    const expectedShape = nestedShape(expected);
    if (actualShape.join() !== expectedShape.join()) {
      throw new Error(`Arrays have different shapes. Actual: [${actualShape}]. Expected: [${expectedShape}]`);
    }
  }
  const actualFlat = isTypedArray(actual) ? actual : flatten(actual);
  const expectedFlat = isTypedArray(expected) ? expected : flatten(expected);
  if (actualFlat.length !== expectedFlat.length) {
    throw new Error(`Arrays have different lengths actual: ${actualFlat.length} vs expected: ${expectedFlat.length}.\n`
      + `Actual:   ${actualFlat}.\nExpected: ${expectedFlat}.`);
  }
  for (let i = 0; i < expectedFlat.length; i++) {
    if (!predicate(actualFlat[i], expectedFlat[i])) {
      throw new Error(`Arrays differ: actual[${i}] = ${actualFlat[i]}, expected[${i}] = ${expectedFlat[i]}.\n`
        + `Actual:   ${actualFlat}.\nExpected: ${expectedFlat}.`);
    }
  }
  expect().nothing();
}

// Two non-finite values are close (NaN and ±Infinity alike, as in TF.js); a NaN and a number are not.
function areClose(a, e, epsilon) {
  if (!Number.isFinite(a) && !Number.isFinite(e)) return true;
  return !(Number.isNaN(a) || Number.isNaN(e) || Math.abs(a - e) > epsilon);
}

export function expectArraysClose(actual, expected, epsilon = testEpsilon()) {
  expectArraysPredicate(actual, expected, (a, e) => areClose(Number(a), Number(e), epsilon));
}

export function expectArraysEqual(actual, expected) {
  const isString = (v) => typeof v === 'string';
  if (isString(actual) || isString(actual?.[0]) || isString(expected) || isString(expected?.[0])) {
    const scalar = isString(expected) || typeof expected === 'number' || typeof expected === 'boolean';
    // Strings compare with ==, as in TF.js.
    expectArraysPredicate(actual, scalar ? [expected] : expected, (a, e) => a == e); // eslint-disable-line eqeqeq
    return;
  }
  expectArraysPredicate(actual, expected, (a, e) => areClose(Number(a), Number(e), 0));
}

export function expectNumbersClose(a, e, epsilon = testEpsilon()) {
  if (!areClose(a, e, epsilon)) throw new Error(`Numbers differ: actual === ${a}, expected === ${e}`);
  expect().nothing();
}

export function expectValuesInRange(actual, low, high) {
  for (const value of actual) {
    if (value < low || value > high) throw new Error(`Value out of range:${value} low: ${low}, high: ${high}`);
  }
  expect().nothing();
}

export function expectPromiseToFail(fn, done) {
  fn().then(() => done.fail(), () => done());
  expect().nothing();
}

/** Strings (at any nesting) as their UTF-8 bytes, the way TF.js stores them. */
export function encodeStrings(a) {
  const encoder = new TextEncoder();
  return a.map((v) => (Array.isArray(v) ? encodeStrings(v) : typeof v === 'string' ? encoder.encode(v) : v));
}

/** A looping <video> for a <source>, resolved once its first frame is loaded (browser only), as TF.js's. */
export function createVideoElement(source) {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  // A one-frame clip that does not loop ends before play() resolves, which rejects it.
  video.loop = true;
  Object.assign(video.style, { position: 'fixed', left: '0px', top: '0px' });
  video.preload = 'auto';
  video.appendChild(source);
  return new Promise((resolve) => {
    video.addEventListener('loadeddata', () => resolve(video), { once: true });
    video.load();
  });
}

/** Plays a video and resolves once it has a frame to read. */
export async function play(video) {
  await video.play();
  if ('requestVideoFrameCallback' in video) {
    await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
  }
}
