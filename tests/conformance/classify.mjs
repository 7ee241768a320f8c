// Names why a spec failed, in the categories of expected_failures.json: a
// function or namespace tensorweb lacks ("not done yet: missing tw.image"),
// an error TF.js does not throw, a different error message, a different
// result. Missing API is read from the TypeError and, where V8's message
// omits the object ("reading 'x'"), from the bundled source at the frame.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './bundle.mjs';

const TF_ALIAS = /^tf\d*$/; // how the bundles name `import * as tf from '../index'`

function apiName(expression) {
  const parts = expression.split('.');
  return TF_ALIAS.test(parts[0]) ? `tw.${parts.slice(1).join('.')}` : null;
}

// The source line of the first stack frame inside a conformance bundle.
function bundleFrame(stack) {
  for (const match of (stack ?? '').matchAll(/((?:file:\/\/|https?:\/\/[^/\s]+)\/[^\s):]*test-artifacts\/conformance\/bundles\/[^\s):]+):(\d+):(\d+)/g)) {
    const [, url, line, column] = match;
    const path = url.startsWith('file:') ? fileURLToPath(url) : join(ROOT, new URL(url).pathname);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8').split('\n')[Number(line) - 1];
    if (text !== undefined) return { text, column: Number(column) };
  }
  return null;
}

function missingProperty(property, stack) {
  const frame = bundleFrame(stack);
  if (!frame) return null;
  const escaped = property.replace(/[$]/g, '\\$');
  let best = null;
  for (const m of frame.text.matchAll(new RegExp(`([A-Za-z_$][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)*)\\.${escaped}\\b`, 'g'))) {
    const distance = Math.abs(m.index - frame.column);
    if (!best || distance < best.distance) best = { expression: m[1], distance };
  }
  return best?.expression ?? null;
}

/** The reason category for a failed spec ({ failures: [messages], stack }). */
export function classifyFailure(spec) {
  const message = spec.failures[0] ?? '';
  let m = /TypeError: ([\w$.]+) is not a function/.exec(message);
  if (m) {
    const api = apiName(m[1]);
    return api ? `not done yet: missing ${api}` : `not done yet: missing method .${m[1].split('.').pop()}()`;
  }
  m = /TypeError: Cannot read properties of (?:undefined|null) \(reading '([^']+)'\)/.exec(message);
  if (m) {
    const expression = missingProperty(m[1], spec.stack);
    const api = expression && apiName(expression);
    if (api) return `not done yet: missing ${api}`;
    return `not done yet: TypeError reading '${m[1]}' of undefined${expression ? ` (${expression})` : ''}`;
  }
  if (/^Timeout - /.test(message)) return 'not done yet: timed out';
  if (/but it threw nothing|to be rejected.*but it was resolved/.test(message)) return 'not done yet: no error where TF.js throws one';
  m = /^Expected (?:function to throw|a promise to be rejected with) .*Argument '\w+' passed to '\w+' must be ([\w ]+?)(?:\\|\/|'|,|\.| ?\()/.exec(message);
  if (m) return `not done yet: TF.js's argument message ("Argument 'x' passed to 'op' must be ${m[1]}")`;
  if (/^Expected function (not )?to throw .*but it threw|^Expected a promise to be rejected with .*rejected with/.test(message)) {
    return 'not done yet: an error message other than TF.js\'s';
  }
  if (/^Expected function not to throw/.test(message)) return 'not done yet: throws where TF.js does not';
  if (/^(Error: )?(Arrays differ|Arrays have different|Arrays are of different type|Numbers differ|Value out of range)|^Expected /.test(message)) {
    return 'not done yet: a result other than TF.js\'s';
  }
  const first = message.split('\n')[0].replace(/\d+/g, 'N').slice(0, 120);
  return `not done yet: throws where TF.js does not: ${first}`;
}

/** The reason category for a file that could not be bundled or loaded. */
export function classifyLoadError(loadError) {
  const m = /does not provide an export named '([^']+)'/.exec(loadError);
  if (m) return `not done yet: missing tw.${m[1]} (imported by name, so the whole file fails to load)`;
  return `not done yet: file does not load: ${loadError.split('\n')[0].slice(0, 160)}`;
}
