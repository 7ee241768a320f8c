// Semantic search with all-MiniLM-L6-v2: each text is tokenized by the WordPiece
// tokenizer the model's metadata describes, embedded by the graph (which itself
// mean-pools over the attention mask and L2-normalises), and the sentences are
// ranked by the dot product of their embedding with the query's: their cosine similarity.
import * as tw from '/js/dist/tensorweb.js';
import { barTrack, showError, startBackend } from '../common.js';

const MODEL_URL = '/models/all-minilm-l6-v2/model.json';
// The model keeps batch and sequence free (its reshapes follow them through the
// converter's shape program), so the texts not embedded yet go in one batch, each
// row at its real length and padded (masked) only to the batch's longest.
// Each sentence takes about a second to embed on a software GPU.
const MAX_SENTENCES = 50;
const DEFAULT_SENTENCES = [
  'A man is playing a guitar.',
  'Someone is strumming an acoustic guitar on stage.',
  'The chef is cooking pasta in the kitchen.',
  'A woman is slicing vegetables for dinner.',
  'The stock market fell sharply on Monday.',
  'Investors worried as share prices dropped.',
  'The cat is asleep on the sofa.',
  'Heavy rain is expected in the mountains tomorrow.',
];
const DEFAULT_QUERY = 'Who is making music?';

const $ = (id) => document.getElementById(id);
let model = null;
let tokenizer = null;
// text -> its embedding (Float32Array): a new query embeds only itself and the sentences edited since.
const embeddings = new Map();
let busy = false;

/** The model's embeddings of `texts` (384 numbers of unit length each), computed as one batch. */
async function embedBatch(texts) {
  const longest = Math.max(...texts.map((text) => tokenizer.encode(text).length));
  const rows = texts.map((text) => tokenizer.encodeForModel(text, { padTo: longest }));
  const shape = [texts.length, longest];
  const feeds = {
    input_ids: tw.tensor(rows.flatMap((r) => Array.from(r.inputIds)), shape, 'int32'),
    attention_mask: tw.tensor(rows.flatMap((r) => Array.from(r.attentionMask)), shape, 'int32'),
  };
  try {
    const output = model.execute(feeds, 'embedding');
    const width = output.shape[1];
    const values = await output.data();
    output.dispose();
    return texts.map((_, row) => values.slice(row * width, (row + 1) * width));
  } finally {
    tw.dispose(Object.values(feeds));
  }
}

function dot(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function readInputs() {
  const sentences = $('sentences').value.split('\n').map((line) => line.trim()).filter(Boolean);
  const query = $('query').value.trim();
  if (sentences.length === 0) throw new Error('The sentence list is empty: write at least one sentence, one per line.');
  if (sentences.length > MAX_SENTENCES) throw new Error(`The list has ${sentences.length} sentences; this page ranks at most ${MAX_SENTENCES}.`);
  if (!query) throw new Error('The query is empty: type what you are looking for.');
  return { sentences, query };
}

/** Embeds what is not cached yet (the query first), showing progress, then ranks the sentences. */
async function search() {
  const { sentences, query } = readInputs();
  const started = performance.now();
  const texts = [...new Set([query, ...sentences])];
  const missing = texts.filter((text) => !embeddings.has(text));
  const progress = $('embedding');
  progress.hidden = missing.length === 0;
  if (missing.length > 0) {
    progress.removeAttribute('value'); // one batch: no steps to count
    $('search-status').textContent = `Embedding ${missing.length} text(s) as one batch`;
    const computed = await embedBatch(missing);
    missing.forEach((text, k) => embeddings.set(text, computed[k]));
  }
  progress.value = 1;
  const queryEmbedding = embeddings.get(query);
  const ranked = sentences.map((text, index) => ({ text, index, score: dot(embeddings.get(text), queryEmbedding) }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
  showResults(ranked);
  const truncated = texts.filter((text) => tokenizer.tokenize(text).length > tokenizer.maxLength - 2).length;
  $('search-status').textContent = `Ranked ${sentences.length} sentences in ${((performance.now() - started) / 1000).toFixed(1)} s on ${tw.getBackend()}`
    + ` (${missing.length} embedded, ${texts.length - missing.length} from the cache)`
    + (truncated ? `; ${truncated} text(s) cut to the model's ${tokenizer.maxLength} tokens.` : '.');
  progress.hidden = true;
  $('results').dataset.query = query;
}

function showResults(ranked) {
  $('results').replaceChildren(...ranked.map(({ text, index, score }) => {
    const item = document.createElement('li');
    item.className = 'hit';
    item.dataset.index = index;
    const sentence = document.createElement('div');
    sentence.className = 'sentence';
    sentence.textContent = text;
    const meter = document.createElement('div');
    meter.className = 'meter';
    // Cosine similarity is in -1..1; unrelated sentences sit near 0 and get an empty bar.
    const track = barTrack(score);
    const value = document.createElement('span');
    value.className = 'score';
    value.textContent = score.toFixed(3);
    value.title = 'cosine similarity to the query (1: same meaning)';
    meter.append(track, value);
    item.append(sentence, meter);
    return item;
  }));
}

$('search-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (busy || !model) return;
  busy = true;
  $('search').disabled = true;
  $('search-error').hidden = true;
  try {
    await search();
  } catch (error) {
    $('embedding').hidden = true;
    $('search-status').textContent = 'The search stopped.';
    showError(error, $('search-error')); // under the Search button, where the eyes are

  } finally {
    busy = false;
    $('search').disabled = false;
  }
});

/** The page needs a sentence-embedding graph with a WordPiece tokenizer and unit-length embeddings. */
function checkModel() {
  for (const input of ['input_ids', 'attention_mask']) {
    if (!model.inputNodes.includes(input)) throw new Error(`${MODEL_URL}: the model has no input "${input}" (it has ${model.inputNodes.join(', ')})`);
  }
  if (!model.outputNodes.includes('embedding')) throw new Error(`${MODEL_URL}: the model has no output "embedding" (it has ${model.outputNodes.join(', ')})`);
  if (model.metadata.normalized !== true) throw new Error(`${MODEL_URL}: metadata.normalized is not true, so a dot product would not be a cosine similarity`);
}

async function main() {
  $('sentences').value = DEFAULT_SENTENCES.join('\n');
  $('query').value = DEFAULT_QUERY;
  const backend = await startBackend();
  model = await tw.loadGraphModel(MODEL_URL, { onProgress: (fraction) => { $('progress').value = fraction; } }).catch((error) => {
    throw new Error(`${error.message ?? error}. Is the server run with --models .tensorweb/examples (tensorweb examples makes them)?`);
  });
  checkModel();
  tokenizer = tw.text.WordPieceTokenizer.fromMetadata(model.metadata);
  $('progress').value = 1;
  $('status').textContent = `Model loaded (vocabulary of ${tokenizer.vocab.length} word pieces), running on ${backend}.`;
  $('search').disabled = false;
  document.body.dataset.ready = 'true';
}

main().catch((error) => showError(`Could not start: ${error.message ?? error}`));
