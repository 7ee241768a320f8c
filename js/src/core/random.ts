// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel
// random numbers: as easy as 1, 2, 3", SC 2011). Element i of a random op
// depends only on (seed, i), so every backend -- this CPU code, a WGSL kernel,
// the numpy oracle in converter/reference.py -- produces the same numbers.
//
// The contract, which every implementation follows exactly:
//   key     = the two 32-bit words of the seed's float64 bits, [low, high]
//   counter = [i mod 2^32, floor(i / 2^32), round, 0]   (round: 0 except for
//             truncatedNormal's redraws)
//   words   = philox4x32_10(counter, key): 10 rounds, key bumped by
//             (0x9E3779B9, 0xBB67AE85) before every round after the first
//   uniform = (words[0] >>> 8) * 2^-24                       in [0, 1)
//   normal  = sqrt(-2 ln u1) * cos(2π u2), with
//             u1 = ((words[0] >>> 8) + 1) * 2^-24 in (0, 1], u2 = (words[1] >>> 8) * 2^-24
//   truncatedNormal redraws (round 1, 2, ...) until |normal| <= 2.
//   gamma(alpha) (Marsaglia and Tsang, 2000): d = alpha - 1/3 (alpha + 2/3
//             for alpha < 1), c = 1 / sqrt(9 d); round 0, 1, ... takes the
//             normal x of its words 0 and 1 and u = ((words[2] >>> 8) + 1) * 2^-24;
//             with v = (1 + c x)^3 it accepts d v when 1 + c x > 0 and
//             (u < 1 - 0.0331 x^4 or ln u < x^2 / 2 + d (1 - v + ln v)); for
//             alpha < 1 that is multiplied by b^(1 / alpha), b = ((words[3] >>> 8) + 1) * 2^-24
//             of the accepting round.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32s (no u64 in JS or WGSL). */
function mulHi(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const mid = ((aLo * bLo) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (aHi * bHi + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** Philox4x32 with 10 rounds; returns four u32 words. */
export function philox4x32(counter: readonly number[], key: readonly number[]): number[] {
  let [c0, c1, c2, c3] = counter.map((c) => c >>> 0);
  let [k0, k1] = key.map((k) => k >>> 0);
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulHi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/** The Philox key of a seed: the two words of its float64 bits. */
export function seedKey(seed: number): [number, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, seed, true);
  return [view.getUint32(0, true), view.getUint32(4, true)];
}

function words(key: readonly number[], index: number, round: number): number[] {
  return philox4x32([index % 2 ** 32, Math.floor(index / 2 ** 32), round, 0], key);
}

export function uniformAt(key: readonly number[], index: number): number {
  return (words(key, index, 0)[0] >>> 8) * 2 ** -24;
}

function normalFromWords(w: number[]): number {
  const u1 = ((w[0] >>> 8) + 1) * 2 ** -24;
  const u2 = (w[1] >>> 8) * 2 ** -24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export function normalAt(key: readonly number[], index: number): number {
  return normalFromWords(words(key, index, 0));
}

export function truncatedNormalAt(key: readonly number[], index: number): number {
  for (let round = 0; ; round++) {
    const z = normalFromWords(words(key, index, round));
    if (Math.abs(z) <= 2) return z;
  }
}

export function gammaAt(key: readonly number[], index: number, alpha: number): number {
  const d = alpha < 1 ? alpha + 2 / 3 : alpha - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (let round = 0; ; round++) {
    const w = words(key, index, round);
    const x = normalFromWords(w);
    const cube = 1 + c * x;
    if (cube <= 0) continue;
    const v = cube * cube * cube;
    const u = ((w[2] >>> 8) + 1) * 2 ** -24;
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
      return alpha < 1 ? d * v * (((w[3] >>> 8) + 1) * 2 ** -24) ** (1 / alpha) : d * v;
    }
  }
}

/**
 * The numeric seed random ops carry as their `seed` attribute: a number as
 * given; a string (TF.js accepts those too) hashed with 32-bit FNV-1a; none, a
 * fresh one from Math.random.
 */
export function seedValue(seed?: number | string): number {
  if (seed === undefined) return Math.floor(Math.random() * 2 ** 32);
  if (typeof seed === 'number') return seed;
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}
