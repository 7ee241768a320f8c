// The benchmark: tensorweb against TensorFlow.js 4.22 (webgpu backend) and
// onnxruntime-web 1.30 (webgpu EP) in one headless Chromium page on the same
// adapter (bench/index.html, bench/suite.mjs). Prints a table of medians and
// ratios (peer time / ours) and, with --json FILE, writes the same as JSON.
// Usage: npm run bench [-- --json FILE] [--runs N] [--warmup N] [--only id,id] [--graph [--models name,name]]
// Build first (npm run build): the page loads js/dist/tensorweb.js. --graph
// also compares converted models with onnxruntime-web, and MediaPipe's models
// with LiteRT.js (bench/graph.mjs; make the models first with
// .venv/bin/python bench/graph_models.py).
import { writeFileSync } from 'node:fs';
import { BrowserSession } from '../tests/browser/helper.mjs';
import { MODELS, benchGraphModels, modelsNamed } from '../bench/graph.mjs';

function parseArgs(argv) {
  const options = { json: null, runs: 5, warmup: 2, only: null, graph: false, models: MODELS };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--graph') { options.graph = true; continue; }
    if (flag === '--json') options.json = value;
    else if (flag === '--runs') options.runs = Number(value);
    else if (flag === '--warmup') options.warmup = Number(value);
    else if (flag === '--only') options.only = value.split(',');
    else if (flag === '--models') options.models = modelsNamed(value);
    else throw new Error(`bench: unknown argument ${flag} (takes --json FILE, --runs N, --warmup N, --only id,id, --graph, --models name,name)`);
    i++;
  }
  return options;
}

const ms = (v) => (v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = (v) => (v === undefined ? '–' : `${v.toFixed(2)}×`);

function table(report) {
  const rows = [['workload', 'tensorweb ms', 'tfjs-webgpu ms', 'ort-webgpu ms', 'tfjs / ours', 'ort / ours']];
  for (const r of report.results) {
    rows.push([r.label, ms(r.medianMs.tensorweb), ms(r.medianMs.tfjs), ms(r.medianMs.ort), ratio(r.ratio.tfjs), ratio(r.ratio.ort)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  const matmul = report.results.find((r) => r.id === 'matmul_1024');
  out.push('');
  out.push(`adapter: ${report.adapter.vendor}/${report.adapter.architecture}; medians of ${report.runs} runs after ${report.warmup} warm-up runs`);
  const beside = matmul?.peak ? ', timed in turns with matmul 1024³' : '';
  out.push(`FMA peak (common/fma_peak.wgsl${beside}): ${report.peak.gflops.toFixed(2)} GFLOP/s`);
  if (matmul?.gflops) {
    out.push(`matmul 1024³: ${matmul.gflops.toFixed(2)} GFLOP/s = ${((100 * matmul.gflops) / report.peak.gflops).toFixed(0)}% of the FMA peak`);
  }
  for (const r of report.results.filter((row) => row.bandwidth)) {
    const { gbs, copyGBs, shareOfCopy } = r.bandwidth;
    // Rows of packed weights have no GEMM turn (it would unpack them).
    const gemm = r.medianMs.tensorwebGemm === undefined ? ''
      : `; with matvec off (GEMM kernels) ${ms(r.medianMs.tensorwebGemm)} ms, ${(r.medianMs.tensorwebGemm / r.medianMs.tensorweb).toFixed(2)}× tensorweb's`;
    out.push(`${r.label}: ${gbs.toFixed(2)} GB/s = ${(100 * shareOfCopy).toFixed(0)}% of the copy bandwidth (${copyGBs.toFixed(2)} GB/s, ` +
      `bytes read and written)${gemm}`);
  }
  for (const r of report.results.filter((row) => row.medianMs.tensorwebData !== undefined)) {
    out.push(`${r.label}: data() on the same tensor ${ms(r.medianMs.tensorwebData)} ms; dataSync() takes ` +
      `${(r.medianMs.tensorweb / r.medianMs.tensorwebData).toFixed(2)}× data()'s time`);
  }
  for (const r of report.results.filter((row) => row.samplesPerSecond)) {
    const rates = Object.entries(r.samplesPerSecond).map(([name, rate]) => `${name} ${rate.toFixed(0)}`).join(', ');
    out.push(`${r.label}: samples per second: ${rates}`);
  }
  return out.join('\n');
}

function graphTable(rows, runs) {
  const out = ['', `converted models, tensorweb vs the peer in the same page: load / first / steady (median of ${runs}) / load to first result ms`];
  for (const row of rows) {
    const cells = (r) => [r.loadMs, r.firstMs, r.steadyMs, r.loadToFirstResultMs].map((v) => v.toFixed(0).padStart(6)).join(' ');
    out.push(`${row.model.padEnd(24)} tensorweb ${cells(row.tensorweb)}   ${row.peer.runtime} ${cells(row.peer)}   ` +
      `steady peer/ours ${(row.peer.steadyMs / row.tensorweb.steadyMs).toFixed(2)}×  ` +
      `outputs differ ${row.outputMaxAbsDifference.toExponential(1)} (${row.outputRelativeDifference.toExponential(1)} relative)`);
  }
  return out.join('\n');
}

const options = parseArgs(process.argv.slice(2));
const session = await BrowserSession.start();
try {
  const page = await session.newPage('/bench/index.html');
  const report = await page.run((tw, opts) => window.runBench(tw, opts), { runs: options.runs, warmup: options.warmup, only: options.only });
  console.log(table(report));
  if (options.graph) {
    report.graphModels = await benchGraphModels({ runs: options.runs, models: options.models });
    console.log(graphTable(report.graphModels, options.runs));
  }
  if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await session.close();
}
