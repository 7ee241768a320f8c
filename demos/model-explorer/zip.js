// A stored (uncompressed) zip of several files, made in the page: the server
// takes a multi-file model (a TF.js folder, a SavedModel folder) as one .zip
// upload. Weights barely compress, so storing them costs little and needs no
// compressor; each file's bytes are read once, for its CRC-32.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes) {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const UTF8_NAMES = 0x0800; // general-purpose flag 11: names are UTF-8
const ZIP32_LIMIT = 0xffffffff;

/** One header: [size in bytes, value] pairs written little-endian. */
function header(fields) {
  const bytes = new Uint8Array(fields.reduce((total, [size]) => total + size, 0));
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const [size, value] of fields) {
    if (size === 2) view.setUint16(offset, value, true);
    else view.setUint32(offset, value, true);
    offset += size;
  }
  return bytes;
}

/** A Blob holding a zip of `entries` ({path, file}, path with '/' between folders). */
export async function zipFiles(entries) {
  const encoder = new TextEncoder();
  const parts = [];
  const central = [];
  let offset = 0;
  for (const { path, file } of entries) {
    if (file.size >= ZIP32_LIMIT || offset >= ZIP32_LIMIT) throw new Error(`${path}: too large for a zip made in the page (4 GiB at most)`);
    const name = encoder.encode(path);
    const crc = crc32(new Uint8Array(await file.arrayBuffer()));
    // version needed, flags, method 0 (stored), time, date, crc, sizes, name length, extra length
    const common = [[2, 20], [2, UTF8_NAMES], [2, 0], [2, 0], [2, 0x21], [4, crc], [4, file.size], [4, file.size], [2, name.length], [2, 0]];
    const local = header([[4, 0x04034b50], ...common]);
    central.push(header([[4, 0x02014b50], [2, 20], ...common, [2, 0], [2, 0], [2, 0], [4, 0], [4, offset]]), name);
    parts.push(local, name, file);
    offset += local.length + name.length + file.size;
  }
  const centralSize = central.reduce((total, part) => total + part.length, 0);
  const end = header([[4, 0x06054b50], [2, 0], [2, 0], [2, entries.length], [2, entries.length], [4, centralSize], [4, offset], [2, 0]]);
  return new Blob([...parts, ...central, end], { type: 'application/zip' });
}
