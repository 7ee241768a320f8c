// tw.test_util: TF.js's test helpers (tf.test_util), which tests written
// against TF.js call: array and number comparisons with the backend's float
// tolerance, range and promise checks, and video elements for fromPixels.
// Failures throw an Error with TF.js's message; under jasmine, a passing check
// also counts as an expectation, as in TF.js.
import { getEngine } from './core/engine.js';

type Nested = number | boolean | string | ArrayLike<unknown> | readonly Nested[];

const TEST_EPSILON_FLOAT32 = 1e-3;
export const TEST_EPSILON_FLOAT16 = 1e-1;

/** The tolerance for the active backend: 1e-3 where it computes in 32-bit floats, 1e-1 in 16-bit. */
export function testEpsilon(): number {
  return getEngine().backend.floatPrecision() === 32 ? TEST_EPSILON_FLOAT32 : TEST_EPSILON_FLOAT16;
}

const isTypedArray = (a: unknown): a is ArrayLike<number> => ArrayBuffer.isView(a) && !(a instanceof DataView);

function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  while (Array.isArray(value) || isTypedArray(value)) {
    shape.push(value.length);
    value = value[0];
  }
  return shape;
}

function flatten(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value) || isTypedArray(value)) for (const v of Array.from(value as ArrayLike<unknown>)) flatten(v, out);
  else out.push(value);
  return out;
}

/** Under jasmine (a global `expect`), a check that passed counts as an expectation. */
function passed(): void {
  const jasmineExpect = (globalThis as { expect?: () => { nothing(): void } }).expect;
  if (typeof jasmineExpect === 'function') jasmineExpect().nothing();
}

function expectArraysPredicate(actual: Nested, expected: Nested, predicate: (a: unknown, e: unknown) => boolean): void {
  // Typed arrays compare with plain arrays by value; otherwise the classes must match.
  const checkClass = isTypedArray(actual) === isTypedArray(expected);
  if (checkClass) {
    const [actualType, expectedType] = [(actual as object).constructor.name, (expected as object).constructor.name];
    if (actualType !== expectedType) throw new Error(`Arrays are of different type. Actual: ${actualType}. Expected: ${expectedType}`);
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    const [actualShape, expectedShape] = [shapeOf(actual), shapeOf(expected)];
    if (actualShape.join() !== expectedShape.join()) {
      throw new Error(`Arrays have different shapes. Actual: [${actualShape}]. Expected: [${expectedShape}]`);
    }
  }
  const [actualFlat, expectedFlat] = [flatten(actual), flatten(expected)];
  if (actualFlat.length !== expectedFlat.length) {
    throw new Error(`Arrays have different lengths actual: ${actualFlat.length} vs expected: ${expectedFlat.length}.\n` +
      `Actual:   ${actualFlat}.\nExpected: ${expectedFlat}.`);
  }
  expectedFlat.forEach((e, i) => {
    if (!predicate(actualFlat[i], e)) {
      throw new Error(`Arrays differ: actual[${i}] = ${actualFlat[i]}, expected[${i}] = ${e}.\nActual:   ${actualFlat}.\nExpected: ${expectedFlat}.`);
    }
  });
  passed();
}

/** Both non-finite (NaN and infinities alike, as TF.js), or both numbers within epsilon. */
function areClose(a: number, e: number, epsilon: number): boolean {
  if (!Number.isFinite(a) && !Number.isFinite(e)) return true;
  return !(Number.isNaN(a) || Number.isNaN(e) || Math.abs(a - e) > epsilon);
}

export function expectArraysClose(actual: Nested, expected: Nested, epsilon = testEpsilon()): void {
  expectArraysPredicate(actual, expected, (a, e) => areClose(a as number, e as number, epsilon));
}

export function expectArraysEqual(actual: Nested, expected: Nested): void {
  const isString = (x: unknown) => typeof x === 'string';
  const first = (x: Nested) => (x as ArrayLike<unknown>)[0];
  const wrapped = typeof expected === 'string' || typeof expected === 'number' || typeof expected === 'boolean' ? [expected] : expected;
  if (isString(actual) || isString(first(actual)) || isString(expected) || isString(first(expected))) {
    // Strings compare with ==, as in TF.js.
    expectArraysPredicate(actual, wrapped, (a, e) => a == e); // eslint-disable-line eqeqeq
    return;
  }
  expectArraysPredicate(actual, expected, (a, e) => areClose(a as number, e as number, 0));
}

export function expectNumbersClose(a: number, e: number, epsilon = testEpsilon()): void {
  if (!areClose(a, e, epsilon)) throw new Error(`Numbers differ: actual === ${a}, expected === ${e}`);
  passed();
}

export function expectValuesInRange(actual: ArrayLike<number>, low: number, high: number): void {
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] < low || actual[i] > high) throw new Error(`Value out of range:${actual[i]} low: ${low}, high: ${high}`);
  }
}

/** jasmine's `done` callback: fails the spec when `fn`'s promise resolves. */
export function expectPromiseToFail(fn: () => Promise<unknown>, done: { (): void; fail(message?: Error | string): void }): void {
  fn().then(() => done.fail(), () => done());
  passed();
}

export function expectArrayBuffersEqual(actual: ArrayBuffer, expected: ArrayBuffer): void {
  // Compared as float32 words, as TF.js does.
  const [a, e] = [new Float32Array(actual), new Float32Array(expected)];
  if (a.length !== e.length) throw new Error(`Expected ArrayBuffer to be of length ${e.length}, but it was ${a.length}`);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) throw new Error(`Expected ArrayBuffer value at ${i} to be ${e[i]} but got ${a[i]} instead`);
  }
}

/** Replaces the strings (at any nesting) of `a` with their UTF-8 bytes, in place, as TF.js stores strings. */
export function encodeStrings(a: unknown[]): unknown[] {
  const encoder = new TextEncoder();
  a.forEach((v, i) => {
    a[i] = Array.isArray(v) ? encodeStrings(v) : encoder.encode(v as string);
  });
  return a;
}

/** A muted, looping <video> for `source`, resolved once its first frame is loaded. */
export function createVideoElement(source: HTMLSourceElement): Promise<HTMLVideoElement> {
  const video = document.createElement('video');
  video.playsInline = true;
  video.muted = true;
  video.loop = true;
  Object.assign(video.style, { position: 'fixed', left: '0px', top: '0px' });
  video.preload = 'auto';
  video.appendChild(source);
  return new Promise((resolve) => {
    video.addEventListener('loadeddata', () => resolve(video));
    video.load();
  });
}

/** Plays `video` and resolves once a frame is shown. */
export async function play(video: HTMLVideoElement): Promise<void> {
  await video.play();
  if ('requestVideoFrameCallback' in video) await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
}
