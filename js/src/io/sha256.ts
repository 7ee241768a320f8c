// SHA-256 through WebCrypto (browsers in a secure context, node >= 19 as globalThis.crypto).

/** The lowercase hex sha256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new Error('tensorweb: cannot check shard hashes: crypto.subtle is missing (pages need a secure context: https or localhost)');
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
