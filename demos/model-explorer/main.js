// The model explorer: upload and convert a model (convert.js), pick one of the
// models the server offers, show what its model.json says (describe.js), and
// run it on made-up inputs under tw.profile for a per-op time table.
import * as tw from '/js/dist/tensorweb.js';
import { showError, startBackend } from '../common.js';
import { droppedEntries, pickedEntries, uploadFor } from './convert.js';
import { followJob, sendUpload } from '/_tensorweb/uploads.js';
import { describeModel } from './describe.js';
// The server's one event stream per page (shared with its live-reload script): `models` when the list changes.
import { serverEvents } from '/_tensorweb/events.js';

const $ = (id) => document.getElementById(id);
const SEED = 7;
const BATCH_SIZE = 1;
const FREE_DIMENSION_SIZE = 16;
// Int inputs that index no lookup table we can find are most often masks or flags: 0 or 1.
const DEFAULT_ID_LIMIT = 2;

let models = [];                 // GET /api/models
let shown = null;                // {entry, description} of the picked model
let loaded = null;               // {url, model} of the model last run
let converting = false;
let running = false;

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** Fills `table` with a header row and one row per item; a column is [heading, value of item, numeric?]. */
function fillTable(table, columns, items) {
  const head = element('tr');
  head.append(...columns.map(([heading, , numeric]) => element('th', heading, numeric ? 'number' : '')));
  table.replaceChildren(head, ...items.map((item) => {
    const row = element('tr');
    row.append(...columns.map(([, value, numeric]) => element('td', String(value(item)), numeric ? 'number' : '')));
    return row;
  }));
}

const shapeText = (shape) => `[${shape.map((d) => (d < 0 ? '?' : d)).join(', ')}]`;
const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MiB`;

function showBox(id, message) {
  $(id).textContent = message;
  $(id).hidden = !message;
}

// ---- converting -----------------------------------------------------------

async function convert(entries) {
  if (converting) {
    showBox('convert-error', 'One model at a time: wait for the conversion under way to finish, then drop this one again.');
    return;
  }
  converting = true;
  showBox('convert-error', '');
  $('convert-log').textContent = '';
  $('convert-details').hidden = true;
  const progress = $('convert-progress');
  progress.hidden = false;
  progress.value = 0;
  try {
    const upload = await uploadFor(entries);
    $('convert-status').textContent = `Uploading ${upload.name} (${megabytes(upload.body.size)})…`;
    const inputShapes = $('input-shapes').value.split(/[\s;]+/).filter(Boolean);
    const job = await sendUpload(upload, inputShapes, (fraction) => { progress.value = fraction; });
    $('convert-status').textContent = `Converting ${upload.name}…`;
    progress.value = 0;
    $('convert-details').hidden = false;
    const finished = await followJob(job, {
      onLog: (line) => { $('convert-log').textContent += `${line}\n`; },
      onProgress: (bar, fraction) => {
        $('convert-status').textContent = `Converting ${upload.name}: ${bar}`;
        if (fraction !== null) progress.value = fraction;
      },
    });
    if (finished.state !== 'done') {
      const hint = /--input-shape/.test(finished.error) ? '\nSet the sizes under "Conversion options" and convert it again.' : '';
      if (hint) $('convert-options').open = true;
      throw new Error(`${upload.name} could not be converted: ${finished.error}${hint}`);
    }
    await refreshModels(finished.model);
    showBox('convert-error', ''); // a drop refused while this one converted
    $('convert-status').textContent = `Converted ${upload.name} into the model '${finished.model}'.`;
  } catch (error) {
    $('convert-status').textContent = '';
    showBox('convert-error', error.message);
  } finally {
    progress.hidden = true;
    converting = false;
  }
}

const drop = $('drop');
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
// Moving over the zone's own text fires dragleave too: only leaving the zone counts.
drop.addEventListener('dragleave', (event) => { if (!drop.contains(event.relatedTarget)) drop.classList.remove('over'); });
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  droppedEntries(event.dataTransfer).then(convert, (error) => showBox('convert-error', `Cannot read the drop: ${error.message}`));
});
for (const input of [$('file'), $('folder')]) {
  input.addEventListener('change', () => {
    const entries = pickedEntries(input.files);
    input.value = '';
    convert(entries);
  });
}

// ---- picking and describing -----------------------------------------------

/** Lists the served models in the picker, keeping the one picked, or picking and showing `select`. */
async function refreshModels(select) {
  const response = await fetch('/api/models', { cache: 'no-store' });
  if (!response.ok) throw new Error(`GET /api/models answered HTTP ${response.status}`);
  models = await response.json();
  const picker = $('model-picker');
  const picked = picker.value;
  picker.replaceChildren(element('option', models.length ? 'Pick a model…' : 'No models yet: convert one above'), ...models.map((m) => {
    const option = element('option', m.error ? `${m.name}: ${m.error}` : `${m.name} (${m.format})`);
    option.value = m.name;
    option.disabled = Boolean(m.error);
    return option;
  }));
  picker.options[0].value = '';
  picker.value = select ?? picked;
  if (select) await showModel(select);
}

async function showModel(name) {
  const entry = models.find((m) => m.name === name);
  $('model-details').hidden = true;
  $('run-card').hidden = true;
  showBox('model-error', '');
  shown = null;
  if (!entry) {
    $('model-summary').textContent = '';
    return;
  }
  $('model-summary').textContent = `Reading ${entry.url}…`;
  const response = await fetch(entry.url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${entry.url}: HTTP ${response.status}`);
  const description = describeModel(await response.json(), entry);
  shown = { entry, description };
  $('model-summary').textContent = `${description.kind === 'graph' ? 'Graph' : 'Layers'} model from ${entry.producer || 'an unknown producer'}; ` +
    `${entry.shards} weight file${entry.shards === 1 ? '' : 's'}, ${megabytes(entry.weight_bytes)}.`;
  const tensorColumns = [['name', (t) => t.name], ['dtype', (t) => t.dtype], ['shape', (t) => shapeText(t.shape)]];
  fillTable($('inputs'), tensorColumns, description.inputs);
  fillTable($('outputs'), tensorColumns, description.outputs);
  const unit = description.kind === 'graph' ? 'op' : 'layer';
  $('op-counts-title').textContent = description.kind === 'graph' ? 'Ops' : 'Layers';
  const total = description.counts.reduce((sum, [, count]) => sum + count, 0);
  $('op-total').textContent = `${total} ${unit}s of ${description.counts.length} kinds` +
    (description.kind === 'layers' ? ' (the run below lists the ops they execute).' : '.');
  fillTable($('op-counts'), [[unit, ([kind]) => kind], ['count', ([, count]) => count, true]], description.counts);
  buildInputFields(description);
  $('run-results').hidden = true;
  showBox('run-error', '');
  $('run-status').textContent = '';
  $('model-details').hidden = false;
  $('run-card').hidden = false;
}

// A model converted in another tab, or by another visitor, joins the list.
serverEvents.addEventListener('models', () => {
  refreshModels().catch((error) => showBox('model-error', `Cannot list the models: ${error.message}`));
});

$('model-picker').addEventListener('change', (event) => {
  showModel(event.target.value).catch((error) => {
    $('model-summary').textContent = '';
    showBox('model-error', `Cannot show ${event.target.value}: ${error.message}`);
  });
});

// ---- running ----------------------------------------------------------------

function numberField(label, value, dataset) {
  const wrap = element('label', label);
  const input = element('input');
  input.type = 'number';
  input.min = '1';
  input.value = String(value);
  Object.assign(input.dataset, dataset);
  wrap.append(input);
  return wrap;
}

/** One fieldset per input: a size for each free dimension, and the id range of int inputs. */
function buildInputFields({ inputs, lookupSizes }) {
  $('run-inputs').replaceChildren(...inputs.map((input) => {
    const set = element('fieldset');
    set.dataset.input = input.name;
    set.append(element('legend', `${input.name}: ${input.dtype}${shapeText(input.shape)}`));
    const sizes = element('div', undefined, 'sizes');
    input.shape.forEach((size, axis) => {
      if (size < 0) sizes.append(numberField(axis === 0 ? 'batch (axis 0)' : `axis ${axis}`, axis === 0 ? BATCH_SIZE : FREE_DIMENSION_SIZE, { axis: String(axis) }));
    });
    if (input.dtype === 'int32') {
      const lookup = lookupSizes[input.name];
      sizes.append(numberField('ids from 0 to below', lookup?.rows ?? DEFAULT_ID_LIMIT, { idLimit: '' }));
      set.append(sizes, element('div', lookup ? `(the rows of ${lookup.table})` : '(no lookup table found: set the range the model expects)', 'status'));
    } else {
      set.append(sizes);
    }
    if (!sizes.children.length) sizes.replaceWith(element('div', 'fixed shape', 'status'));
    return set;
  }));
}

/** Positive whole number from a field, or an error naming the field. */
function fieldValue(field, what) {
  const value = Number(field.value);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what}: '${field.value}' is not a whole number of at least 1`);
  return value;
}

/** Seeded inputs by name, shaped and ranged as the fields say. */
function makeInputs(inputs) {
  return Object.fromEntries(inputs.map((input, index) => {
    const set = $('run-inputs').querySelector(`fieldset[data-input="${CSS.escape(input.name)}"]`);
    const shape = input.shape.map((size, axis) => (size >= 0 ? size
      : fieldValue(set.querySelector(`input[data-axis="${axis}"]`), `${input.name} axis ${axis}`)));
    const seed = SEED + index;
    if (input.dtype === 'int32') {
      const limit = fieldValue(set.querySelector('input[data-id-limit]'), `${input.name} id range`);
      return [input.name, tw.randomUniform(shape, 0, limit, 'int32', seed)];
    }
    if (input.dtype === 'bool') return [input.name, tw.tidy(() => tw.randomUniform(shape, 0, 2, 'int32', seed).cast('bool'))];
    if (input.dtype !== 'float32') throw new Error(`${input.name}: the page makes no ${input.dtype} inputs`);
    return [input.name, tw.randomNormal(shape, 0, 1, 'float32', seed)];
  }));
}

async function loadModel(entry, kind) {
  if (loaded?.url === entry.url) return loaded.model;
  loaded?.model.dispose();
  loaded = null;
  const progress = $('load-progress');
  progress.hidden = false;
  try {
    const load = kind === 'graph' ? tw.loadGraphModel : tw.loadLayersModel;
    const model = await load(entry.url, { onProgress: (fraction) => { progress.value = fraction; } });
    loaded = { url: entry.url, model };
    return model;
  } finally {
    progress.hidden = true;
  }
}

/** The model's outputs for `feeds` as [{name, tensor}], in output order. */
function runModel(model, kind, feeds) {
  if (kind === 'graph') {
    const result = model.execute(feeds);
    return [result].flat().map((tensor, i) => ({ name: model.outputNodes[i], tensor }));
  }
  const ordered = model.inputNames.map((name) => {
    if (!feeds[name]) throw new Error(`the model's input '${name}' is not in model.json's signature`);
    return feeds[name];
  });
  return [model.predict(ordered)].flat().map((tensor, i) => ({ name: model.outputNames[i], tensor }));
}

function summarize(values) {
  if (!values.length) return { min: '–', max: '–', mean: '–' };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    const x = Number(v);
    min = Math.min(min, x);
    max = Math.max(max, x);
    sum += x;
  }
  const format = (x) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));
  return { min: format(min), max: format(max), mean: format(sum / values.length) };
}

/**
 * Per op: how often the executor called it, its GPU dispatches and their summed
 * timestamp-query time (null where the adapter cannot time kernels).
 */
function opTimes({ kernelNames, kernels }) {
  const rows = new Map();
  const row = (name) => rows.get(name) ?? rows.set(name, { op: name, calls: 0, dispatches: 0, gpuMs: null }).get(name);
  for (const name of kernelNames) row(name).calls += 1;
  for (const kernel of kernels) {
    const r = row(kernel.name);
    r.dispatches += 1;
    if (kernel.kernelTimeMs !== null) r.gpuMs = (r.gpuMs ?? 0) + kernel.kernelTimeMs;
  }
  return [...rows.values()].sort((a, b) => (b.gpuMs ?? -1) - (a.gpuMs ?? -1) || b.calls - a.calls || a.op.localeCompare(b.op));
}

function showProfile(info, wallMs) {
  const rows = opTimes(info);
  const timed = info.kernels.length > 0 && info.kernels.every((k) => k.kernelTimeMs !== null);
  const gpuTotal = rows.reduce((sum, r) => sum + (r.gpuMs ?? 0), 0);
  const columns = [['op', (r) => r.op], ['calls', (r) => r.calls, true], ['dispatches', (r) => r.dispatches, true]];
  if (timed) {
    $('profile-note').textContent = `GPU time per op from timestamp queries: ${gpuTotal.toFixed(3)} ms in ${info.kernels.length} dispatches; ` +
      `the whole run took ${wallMs.toFixed(1)} ms of wall time (uploads, scheduling and read-back included). Calls count every op run, the parts of composite ops included; an op with no dispatch ran on the CPU or only changed metadata.`;
    columns.push(['GPU ms', (r) => (r.gpuMs === null ? '–' : r.gpuMs.toFixed(3)), true],
      ['share', (r) => (r.gpuMs === null ? '–' : `${((100 * r.gpuMs) / gpuTotal).toFixed(1)}%`), true]);
  } else {
    $('profile-note').textContent = `${tw.getBackend() === 'webgpu' ? 'This GPU has no timestamp queries' : `The ${tw.getBackend()} backend has no GPU kernels to time`}, ` +
      `so there are no per-op times: the table counts the ops, and the whole run took ${wallMs.toFixed(1)} ms of wall time.`;
  }
  fillTable($('profile'), columns, rows);
}

async function run() {
  if (running || !shown) return;
  running = true;
  $('run').disabled = true;
  showBox('run-error', '');
  const { entry, description } = shown;
  let feeds = {};
  try {
    $('run-status').textContent = `Loading ${entry.name}…`;
    const model = await loadModel(entry, description.kind);
    feeds = makeInputs(description.inputs);
    // The first run compiles the kernels: keep it out of the profile.
    $('run-status').textContent = 'Warm-up run (compiles the GPU kernels)…';
    const warmUp = runModel(model, description.kind, feeds).map((o) => o.tensor);
    await Promise.all(warmUp.map((tensor) => tensor.data()));
    tw.dispose(warmUp);
    $('run-status').textContent = 'Profiled run…';
    let outputs = [];
    const started = performance.now();
    const info = await tw.profile(async () => {
      outputs = runModel(model, description.kind, feeds);
      return Promise.all(outputs.map((o) => o.tensor.data()));
    });
    const wallMs = performance.now() - started;
    fillTable($('run-outputs'), [['output', (o) => o.name], ['shape', (o) => `${o.tensor.dtype}${shapeText(o.tensor.shape)}`],
      ['min', (o) => o.stats.min, true], ['mean', (o) => o.stats.mean, true], ['max', (o) => o.stats.max, true]],
    outputs.map((o, i) => ({ ...o, stats: summarize(info.result[i]) })));
    tw.dispose(outputs.map((o) => o.tensor));
    showProfile(info, wallMs);
    $('run-results').hidden = false;
    $('run-status').textContent = `Ran ${entry.name} on ${tw.getBackend()} in ${wallMs.toFixed(1)} ms.`;
  } catch (error) {
    $('run-status').textContent = '';
    showBox('run-error', `${entry.name} did not run: ${error.message}`);
  } finally {
    tw.dispose(Object.values(feeds));
    $('run').disabled = false;
    running = false;
  }
}

$('run').addEventListener('click', run);

async function main() {
  await startBackend();
  await refreshModels();
  document.body.dataset.ready = 'true';
}

main().catch((error) => showError(`Could not start: ${error.message ?? error}`));
