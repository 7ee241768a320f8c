// Fingerprint64 of farmhash (its farmhashna variant), which TensorFlow's
// StringToHashBucketFast uses; written after TF.js's hash_util.ts, whose
// results TF.js's tests pin (fingerprint64('a') = 12917804110809363939).
// 64-bit unsigned arithmetic is BigInt wrapped to 64 bits.

const MASK = (1n << 64n) - 1n;
const k0 = 0xc3a5c85c97cb3127n;
const k1 = 0xb492b66fbe98f273n;
const k2 = 0x9ae16a3b2f90404fn;

const u64 = (x: bigint) => x & MASK;
const add = (...xs: bigint[]) => u64(xs.reduce((a, b) => a + b, 0n));
const mul = (a: bigint, b: bigint) => u64(a * b);
const shiftMix = (v: bigint) => v ^ (v >> 47n);
const rotate = (v: bigint, shift: bigint) => (shift === 0n ? v : u64((v >> shift) | (v << (64n - shift))));

/** `count` bytes of `s` from `offset`, little-endian. */
function fetch(s: Uint8Array, offset: number, count: number): bigint {
  let value = 0n;
  for (let i = count - 1; i >= 0; i--) value = (value << 8n) | BigInt(s[offset + i] ?? 0);
  return value;
}
const fetch64 = (s: Uint8Array, offset: number) => fetch(s, offset, 8);
const fetch32 = (s: Uint8Array, offset: number) => fetch(s, offset, 4);

function hashLen16(u: bigint, v: bigint, m = 0x9ddfea08eb382d69n): bigint {
  let a = mul(u ^ v, m);
  a ^= a >> 47n;
  let b = mul(v ^ a, m);
  b ^= b >> 47n;
  return mul(b, m);
}

function weakHashLen32WithSeeds(s: Uint8Array, offset: number, a: bigint, b: bigint): [bigint, bigint] {
  const w = fetch64(s, offset);
  const x = fetch64(s, offset + 8);
  const y = fetch64(s, offset + 16);
  const z = fetch64(s, offset + 24);
  a = add(a, w);
  b = rotate(add(b, a, z), 21n);
  const c = a;
  a = add(a, x, y);
  b = add(b, rotate(a, 44n));
  return [add(a, z), add(b, c)];
}

function hashLen0to16(s: Uint8Array, len: number): bigint {
  if (len >= 8) {
    const m = add(k2, BigInt(len * 2));
    const a = add(fetch64(s, 0), k2);
    const b = fetch64(s, len - 8);
    const c = add(mul(rotate(b, 37n), m), a);
    const d = mul(add(rotate(a, 25n), b), m);
    return hashLen16(c, d, m);
  }
  if (len >= 4) {
    const m = add(k2, BigInt(len * 2));
    const a = fetch32(s, 0);
    return hashLen16(add(a << 3n, BigInt(len)), fetch32(s, len - 4), m);
  }
  if (len > 0) {
    const y = BigInt(s[0] + (s[len >> 1] << 8));
    const z = BigInt(len + (s[len - 1] << 2));
    return mul(shiftMix(mul(k2, y) ^ mul(k0, z)), k2);
  }
  return k2;
}

function hashLen17to32(s: Uint8Array, len: number): bigint {
  const m = add(k2, BigInt(len * 2));
  const a = mul(fetch64(s, 0), k1);
  const b = fetch64(s, 8);
  const c = mul(fetch64(s, len - 8), m);
  const d = mul(fetch64(s, len - 16), k2);
  return hashLen16(add(rotate(add(a, b), 43n), rotate(c, 30n), d), add(a, rotate(add(b, k2), 18n), c), m);
}

function hashLen33to64(s: Uint8Array, len: number): bigint {
  const m = add(k2, BigInt(len * 2));
  const a = mul(fetch64(s, 0), k2);
  const b = fetch64(s, 8);
  const c = mul(fetch64(s, len - 8), m);
  const d = mul(fetch64(s, len - 16), k2);
  const y = add(rotate(add(a, b), 43n), rotate(c, 30n), d);
  const z = hashLen16(y, add(a, rotate(add(b, k2), 18n), c), m);
  const e = mul(fetch64(s, 16), m);
  const f = fetch64(s, 24);
  const g = mul(add(y, fetch64(s, len - 32)), m);
  const h = mul(add(z, fetch64(s, len - 24)), m);
  return hashLen16(add(rotate(add(e, f), 43n), rotate(g, 30n), h), add(e, rotate(add(f, a), 18n), g), m);
}

/** farmhash's Fingerprint64 of `s` as an unsigned 64-bit BigInt. */
export function fingerprint64(s: Uint8Array): bigint {
  const len = s.length;
  if (len <= 16) return hashLen0to16(s, len);
  if (len <= 32) return hashLen17to32(s, len);
  if (len <= 64) return hashLen33to64(s, len);
  // Over 64 bytes: 64-byte chunks through 56 bytes of state (v, w, x, y, z).
  const seed = 81n;
  let x = seed;
  let y = add(mul(seed, k1), 113n);
  let z = mul(shiftMix(add(mul(y, k2), 113n)), k2);
  let v: [bigint, bigint] = [0n, 0n];
  let w: [bigint, bigint] = [0n, 0n];
  x = add(mul(x, k2), fetch64(s, 0));
  let offset = 0;
  // The loop leaves 1 to 64 bytes, which the last round reads as the final 64.
  const end = ((len - 1) >> 6) * 64;
  const last64 = end + ((len - 1) & 63) - 63;
  do {
    x = mul(rotate(add(x, y, v[0], fetch64(s, offset + 8)), 37n), k1);
    y = mul(rotate(add(y, v[1], fetch64(s, offset + 48)), 42n), k1);
    x ^= w[1];
    y = add(y, v[0], fetch64(s, offset + 40));
    z = mul(rotate(add(z, w[0]), 33n), k1);
    v = weakHashLen32WithSeeds(s, offset, mul(v[1], k1), add(x, w[0]));
    w = weakHashLen32WithSeeds(s, offset + 32, add(z, w[1]), add(y, fetch64(s, offset + 16)));
    [z, x] = [x, z];
    offset += 64;
  } while (offset !== end);
  const m = add(k1, (z & 0xffn) << 1n);
  offset = last64;
  w[0] = add(w[0], BigInt((len - 1) & 63));
  v[0] = add(v[0], w[0]);
  w[0] = add(w[0], v[0]);
  x = mul(rotate(add(x, y, v[0], fetch64(s, offset + 8)), 37n), m);
  y = mul(rotate(add(y, v[1], fetch64(s, offset + 48)), 42n), m);
  x ^= mul(w[1], 9n);
  y = add(y, mul(v[0], 9n), fetch64(s, offset + 40));
  z = mul(rotate(add(z, w[0]), 33n), m);
  v = weakHashLen32WithSeeds(s, offset, mul(v[1], m), add(x, w[0]));
  w = weakHashLen32WithSeeds(s, offset + 32, add(z, w[1]), add(y, fetch64(s, offset + 16)));
  [z, x] = [x, z];
  return hashLen16(add(hashLen16(v[0], w[0], m), mul(shiftMix(y), k0), z), add(hashLen16(v[1], w[1], m), x), m);
}
