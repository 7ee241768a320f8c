// jasmine's notion of equality (toEqual) and its printing of values in
// failure messages, as the conformance harness needs them.

/** jasmine.any(), jasmine.objectContaining(), ...: a value that matches by a predicate. */
export class AsymmetricMatcher {
  constructor(description, predicate) {
    this.description = description;
    this.predicate = predicate;
  }
}

const classOf = (v) => Object.prototype.toString.call(v);

/**
 * jasmine's eq: NaN equals NaN, 0 does not equal -0, arrays and typed arrays
 * compare element by element (with their class), objects by their own
 * enumerable keys (a key holding undefined still counts), Maps and Sets by
 * content, Errors by message.
 */
export function deepEqual(a, b, seen = []) {
  if (a instanceof AsymmetricMatcher) return a.predicate(b);
  if (b instanceof AsymmetricMatcher) return b.predicate(a);
  if (Object.is(a, b)) return true;
  // Object.is already decided primitives: NaN equals NaN, 0 does not equal -0.
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const kind = classOf(a);
  if (kind !== classOf(b)) return false;
  if (a instanceof Error) return b instanceof Error && a.message === b.message;
  if (kind === '[object Number]' || kind === '[object String]' || kind === '[object Boolean]') return Object.is(a.valueOf(), b.valueOf());
  if (kind === '[object Date]') return a.getTime() === b.getTime();
  if (kind === '[object RegExp]') return a.source === b.source && a.flags === b.flags;
  if (seen.some(([x, y]) => x === a && y === b)) return true;
  seen = [...seen, [a, b]];
  if (ArrayBuffer.isView(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i], seen)) return false;
    return true;
  }
  if (a instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k), seen)) return false;
    return true;
  }
  if (a instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (![...b].some((w) => deepEqual(v, w, seen))) return false;
    return true;
  }
  if (Array.isArray(a) && a.length !== b.length) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k], seen));
}

const MAX_ITEMS = 24;

/** A short, readable rendering of a value for a failure message. */
export function prettyPrint(value, depth = 0) {
  if (value instanceof AsymmetricMatcher) return value.description;
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `Function${value.name ? ` '${value.name}'` : ''}`;
  if (value === null || typeof value !== 'object') return String(value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value instanceof RegExp) return String(value);
  if (depth > 3) return Array.isArray(value) ? '[ ... ]' : '{ ... }';
  if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    const items = Array.from(value.length > MAX_ITEMS ? Array.prototype.slice.call(value, 0, MAX_ITEMS) : value,
      (v) => prettyPrint(v, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`... ${value.length - MAX_ITEMS} more`);
    const prefix = Array.isArray(value) ? '' : `${value.constructor.name} `;
    return `${prefix}[ ${items.join(', ')} ]`;
  }
  const name = value.constructor && value.constructor !== Object ? `${value.constructor.name}(` : '';
  const entries = Object.keys(value).slice(0, MAX_ITEMS).map((k) => `${k}: ${prettyPrint(value[k], depth + 1)}`);
  return name ? `${name}{ ${entries.join(', ')} })` : `Object({ ${entries.join(', ')} })`;
}
