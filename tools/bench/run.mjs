// Drives the benchmark page (tools/bench/web/bench.html) in headless Chromium through playwright-core, runs the native
// CLI's benchmark for the native-vs-wasm ratio, and prints progress, a table and, as the last line, one
// JSON object. Started by tools/bench.sh, which builds the site and installs TF.js first.
//
//   node tools/bench/run.mjs --site DIR [--port N] [--quick] [--seeds 42,1,2] [--cli build/native/convpad]
//
// Two page loads: the main one (ConvPad single + threaded, TF.js wasm threaded-SIMD when the page is
// cross-origin isolated, the epochs: one per seed and engine) and a short one for TF.js's single-thread
// SIMD binary (the wasm backend picks its binary once per page). --seeds: 1 to 10 distinct integers
// (default: the page's, 42,1,2); --quick runs no epochs, so it only uses the first seed.
import { existsSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import path from 'node:path';

import { openBrowser, run, startServer } from '../../tests/browser/helpers.mjs';
import { describeInPage, measureInPage, textTable } from './in_page.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback = null) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const fail = (message) => {
  console.error(`bench: ${message}`);
  process.exit(1);
};

const known = new Set(['--site', '--port', '--quick', '--seeds', '--cli', '--help']);
for (let i = 0; i < args.length; ++i) {
  if (!known.has(args[i])) fail(`unknown argument '${args[i]}' (usage: run.mjs --site DIR [--port N] [--quick] [--seeds 42,1,2] [--cli FILE])`);
  if (['--site', '--port', '--seeds', '--cli'].includes(args[i])) ++i;
}
const SITE = value('--site') ? path.resolve(value('--site')) : fail('--site DIR is required');
if (!existsSync(path.join(SITE, 'bench.html'))) fail(`${SITE}/bench.html not found: build the site (tools/bench.sh does)`);
const PORT = Number(value('--port', '0'));
if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65535) fail(`--port must be an integer from 0 to 65535 (got ${value('--port')})`);
const QUICK = flag('--quick');
const MAX_SEEDS = 10, MAX_SEED = 2 ** 31 - 1;  // as tools/bench/web/bench.js, which checks them again
const SEEDS = (() => {
  const text = value('--seeds');
  if (text === null) return flag('--seeds') ? fail('--seeds needs a list, e.g. --seeds 42,1,2') : null;
  const expected = `--seeds must be 1 to ${MAX_SEEDS} distinct integers from 0 to ${MAX_SEED}, comma-separated (got '${text}')`;
  const parts = text.split(',').map((t) => t.trim());
  if (parts.some((t) => !/^\d+$/.test(t))) fail(expected);
  const seeds = parts.map(Number);
  if (seeds.length > MAX_SEEDS || seeds.some((x) => x > MAX_SEED) || new Set(seeds).size !== seeds.length) fail(expected);
  return seeds;
})();
// The whole page run, epochs included, must end within this (a TF.js epoch takes about 3 minutes here,
// ConvPad's under one): generous, since it only catches a hung page.
const PAGE_TIMEOUT_MINUTES = QUICK ? 20 : Math.max(40, 15 + 8 * (SEEDS ?? [0, 0, 0]).length);
const CLI = value('--cli');
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

// [SECTION] Native CLI

// `convpad bench` prints a JSON object as its last line.
async function nativeBench(threads) {
  const steps = QUICK ? 40 : 200;
  const out = await run(CLI, ['bench', '--steps', String(steps), '--threads', String(threads)]);
  const last = out.trim().split('\n').pop();
  const result = JSON.parse(last);
  return { threads, steps, trainImagesPerSecond: result.train_images_per_s, inferImagesPerSecond: result.infer_images_per_s,
           singleMs: result.single_ms, backend: result.backend };
}

// [SECTION] Server and browser

async function runPage(url, options) {
  const browser = await openBrowser({ width: 1200, height: 900 });
  const { page, problems } = browser;
  let timer = null;
  try {
    // The page's progress comes as console lines (WebKitWebDriver reports none: there, use browsers.mjs).
    page.on('console', (msg) => {
      const text = msg.text();
      if (text.startsWith('[bench] ')) console.log(`  ${text.slice(8)}`);
    });
    await page.goto(`${url}bench.html`);
    await page.waitForFunction(() => window.convpadBench, null, { timeout: 60_000 });  // the page's scripts load
    // page.evaluate has no timeout of its own: a hung run would hang the runner.
    const hung = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the page's run did not finish within ${PAGE_TIMEOUT_MINUTES} minutes`)),
                         PAGE_TIMEOUT_MINUTES * 60_000);
    });
    return await Promise.race([page.evaluate((o) => window.convpadBench.run(o), options), hung]);
  } catch (err) {
    throw new Error(`${err.message.split('\n')[0]}${problems.length ? `\n  page problems: ${problems.join('\n  ')}` : ''}`);
  } finally {
    clearTimeout(timer);
    await browser.close();
  }
}

// [SECTION] Report

const fmt = (x, digits = 0) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const ratio = (a, b) => (a != null && b != null && b > 0 ? Number((a / b).toFixed(2)) : null);


function report(main, tfjsSingle, native, inPage) {
  const cp1 = main.convpad.single, cpT = main.convpad.threaded, tfT = main.tfjs.wasm, tf1 = tfjsSingle?.tfjs.wasm;
  const pageIsolated = inPage.find((p) => p.isolation), pagePlain = inPage.find((p) => !p.isolation);
  const firstSeed = main.options.seeds[0];
  const rows = [['', 'train img/s', 'infer img/s', `epoch s (seed ${firstSeed})`, `test acc % (seed ${firstSeed})`, 'pad ms med/p95', 'train GFLOP/s', '% of peak']];
  const flopsTrain = (cp1 ?? cpT)?.flopsTraining, flopsInfer = (cp1 ?? cpT)?.flopsForward;
  const gf = (ips, flops) => (ips && flops ? (ips * flops) / 1e9 : null);
  const peak = (g, threads) => (g == null ? '–' : `${fmt((100 * g) / (18 * threads), 1)}`);
  for (const [name, c] of [['ConvPad wasm 1 thread', cp1], [`ConvPad wasm ${cpT?.threads} threads`, cpT]]) {
    if (!c) continue;
    const g = gf(c.train.imagesPerSecond, c.flopsTraining);
    rows.push([name, fmt(c.train.imagesPerSecond), fmt(c.infer.imagesPerSecond), fmt(c.epoch?.seconds, 1),
      c.epoch ? fmt(100 * c.epoch.testAccuracy, 2) : '–', `${fmt(c.sketch.medianMs, 3)}/${fmt(c.sketch.p95Ms, 3)}`, fmt(g, 2), peak(g, c.threads)]);
  }
  for (const n of native) {
    const g = gf(n.trainImagesPerSecond, flopsTrain);
    rows.push([`ConvPad native ${n.backend} ${n.threads}t`, fmt(n.trainImagesPerSecond), fmt(n.inferImagesPerSecond), '–', '–',
      `${fmt(n.singleMs, 3)} (1 img)`, fmt(g, 2), '–']);
  }
  for (const t of [tfT, tf1]) {
    if (!t) continue;
    const g = gf(t.train.imagesPerSecond, flopsTrain);
    const threads = Math.max(1, t.requestedThreads);
    rows.push([`TF.js ${t.version} wasm ${t.binary}${t.requestedThreads > 0 ? ` ${t.requestedThreads}t` : ' 1t'}`, fmt(t.train.imagesPerSecond), fmt(t.infer.imagesPerSecond),
      fmt(t.epoch?.seconds, 1), t.epoch ? fmt(100 * t.epoch.testAccuracy, 2) : '–', '–', fmt(g, 2), peak(g, threads)]);
  }
  for (const p of inPage) {
    const g = gf(p.trainImagesPerSecond, flopsTrain);
    rows.push([`ConvPad in the page, ${p.isolation ? 'isolated' : 'not isolated'} (${p.engine} ${p.threads}t)`, fmt(p.trainImagesPerSecond), '–',
      fmt(p.epochSeconds, 1), '–', `${fmt(p.classifyMedianMs, 3)}/${fmt(p.classifyP95Ms, 3)}`, fmt(g, 2), peak(g, p.threads)]);
  }
  if (main.tfjs.cpu) rows.push(['TF.js cpu backend', fmt(main.tfjs.cpu.imagesPerSecond, 1), '–', '–', '–', '–', '–', '–']);

  // Ratios: ConvPad against the TF.js wasm build with the same number of threads where both ran.
  const tfOne = tf1 ?? (tfT?.binary !== 'threaded-SIMD' ? tfT : null);
  const nat1 = native.find((n) => n.threads === 1), natT = native.find((n) => n.threads > 1);
  const ratios = {
    trainSingleVsTfjsSingle: ratio(cp1?.train.imagesPerSecond, tfOne?.train.imagesPerSecond),
    trainSingleVsTfjsThreaded: ratio(cp1?.train.imagesPerSecond, tfT?.train.imagesPerSecond),
    trainThreadedVsTfjsThreaded: ratio(cpT?.train.imagesPerSecond, tfT?.train.imagesPerSecond),
    inferSingleVsTfjsSingle: ratio(cp1?.infer.imagesPerSecond, tfOne?.infer.imagesPerSecond),
    inferThreadedVsTfjsThreaded: ratio(cpT?.infer.imagesPerSecond, tfT?.infer.imagesPerSecond),
    epochTfjsVsConvPadThreaded: ratio(tfT?.epoch?.seconds, cpT?.epoch?.seconds),
    epochTfjsVsConvPadSingle: ratio(tfT?.epoch?.seconds, cp1?.epoch?.seconds),
    trainThreadedVsSingle: ratio(cpT?.train.imagesPerSecond, cp1?.train.imagesPerSecond),
    inferThreadedVsSingle: ratio(cpT?.infer.imagesPerSecond, cp1?.infer.imagesPerSecond),
    trainNativeVsWasmSingle: ratio(nat1?.trainImagesPerSecond, cp1?.train.imagesPerSecond),
    inferNativeVsWasmSingle: ratio(nat1?.inferImagesPerSecond, cp1?.infer.imagesPerSecond),
    trainNativeVsWasmThreaded: ratio(natT?.trainImagesPerSecond, cpT?.train.imagesPerSecond),
    trainPageIsolatedVsTfjsThreaded: ratio(pageIsolated?.trainImagesPerSecond, tfT?.train.imagesPerSecond),
    trainPageIsolatedVsEngineOnly: ratio(pageIsolated?.trainImagesPerSecond, cpT?.train.imagesPerSecond),
    trainPagePlainVsEngineOnly: ratio(pagePlain?.trainImagesPerSecond, cp1?.train.imagesPerSecond),
  };
  const best = cpT ?? cp1;
  const targets = {
    trainSingleAtLeast3xTfjs: ratios.trainSingleVsTfjsSingle == null ? null : ratios.trainSingleVsTfjsSingle >= 3,
    trainThreadedAtLeast1500: cpT ? cpT.train.imagesPerSecond >= 1500 : null,
    epochThreadedAtMost40s: cpT?.epoch ? cpT.epoch.seconds <= 40 : null,
    inferAtLeast15000: best ? best.infer.imagesPerSecond >= 15000 : null,
    padAtMost2ms: best ? best.sketch.medianMs <= 2 : null,
    // Over all seeds: mean(ConvPad) >= mean(TF.js) (main.accuracy.verdict says by how much and how noisy).
    accuracyAtLeastTfjs: main.accuracy?.atLeastTfjs ?? null,
    // What the served page gives, with its UI drawn.
    pageIsolatedAtLeast2000: pageIsolated ? pageIsolated.trainImagesPerSecond >= 2000 : null,
    pageIsolatedAtLeast5xTfjs: ratios.trainPageIsolatedVsTfjsThreaded == null ? null : ratios.trainPageIsolatedVsTfjsThreaded >= 5,
    pagePlainAtLeast1500: pagePlain ? pagePlain.trainImagesPerSecond >= 1500 : null,
    pageRafGapMedianAtMost34ms: inPage.length ? inPage.every((p) => p.rafGapMedianMs <= 34) : null,
    pageClassifyAtMost2ms: inPage.length ? inPage.every((p) => p.classifyMedianMs <= 2) : null,
    pageIdleAtMost0_10Cores: inPage.length ? inPage.every((p) => p.idleCores <= 0.10) : null,
    pageEpochAtMost40s: pageIsolated?.epochSeconds ? pageIsolated.epochSeconds <= 40 : null,
  };
  return { rows, ratios, targets };
}

// The page's accuracyRows (tools/bench/web/bench.js), for the terminal: [header, ...per-seed rows, mean, sd].
function accuracyRows(a) {
  const f = (x, d = 2) => fmt(x, d);
  const rows = [['seed', `ConvPad wasm ${a.convpadThreads > 1 ? `${a.convpadThreads}t` : '1t'}`, a.tfjsBinary ? `TF.js wasm ${a.tfjsBinary}` : 'TF.js (not run)']];
  a.seeds.forEach((seed, i) => rows.push([String(seed), f(a.convpad[i]), f(a.tfjs[i])]));
  rows.push(['mean', f(a.means.convpad, 3), f(a.means.tfjs, 3)], ['sd', f(a.sds.convpad, 3), f(a.sds.tfjs, 3)]);
  return rows;
}

// [SECTION] Main

const options = { ...(QUICK ? { quick: true } : {}), ...(SEEDS ? { seeds: SEEDS } : {}) };
console.log(`bench: ${QUICK ? 'quick' : 'full'} run, ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}` +
            `, seeds ${SEEDS ? SEEDS.join(',') : 'the page default'}${QUICK ? ' (quick: no epochs)' : ''}, page timeout ${PAGE_TIMEOUT_MINUTES} min`);

const native = [];
if (CLI && existsSync(CLI)) {
  for (const threads of [1, Math.max(2, Math.min(cpus().length, 4))]) {
    console.log(`native: ${CLI} bench --threads ${threads}`);
    native.push(await nativeBench(threads));
    const n = native.at(-1);
    console.log(`  native ${threads} thread${threads === 1 ? '' : 's'}: training ${fmt(n.trainImagesPerSecond)} images/s, inference ${fmt(n.inferImagesPerSecond)} images/s`);
  }
} else {
  console.log('native: no convpad CLI given or built: native figures skipped');
}

const { proc: server, url } = await startServer({ dir: SITE, port: PORT }).catch((err) => fail(err.message));
let main, tfjsSingle = null;
try {
  console.log(`page: ${url}bench.html (main run)`);
  main = await runPage(url, options);
  if (main.tfjs.wasm && main.tfjs.wasm.binary === 'threaded-SIMD') {
    console.log('page: reloaded for TF.js single-thread SIMD');
    tfjsSingle = await runPage(url, { ...options, convpad: false, epoch: false, tfjsThreads: 0, tfjsCpuSteps: 0 });
  }
} catch (err) {
  server.kill();
  fail(err.message);
}
server.kill();

// The app page itself, as a visitor gets it (isolated: the threaded engine; plain host: single-thread).
const inPage = [];
for (const isolation of [true, false]) {
  console.log(`page: the app (index.html) ${isolation ? 'cross-origin isolated' : 'from a plain static host'}`);
  inPage.push(await measureInPage({ site: SITE, isolation, seconds: 20, epoch: isolation && !QUICK }));
  console.log(`  ${describeInPage(inPage.at(-1))}`);
}

const { rows, ratios, targets } = report(main, tfjsSingle, native, inPage);
const kernelCheck = main.tfjs.wasm?.kernelCheck;
console.log('');
console.log(`Seed CNN ${main.arch}, batch 64 (Adam), inference batch 256, Fashion-MNIST 60k/10k`);
console.log(`FLOPs per image: training ${fmt(((main.convpad.single ?? main.convpad.threaded)?.flopsTraining ?? 0) / 1e6, 2)} M, ` +
            `inference ${fmt(((main.convpad.single ?? main.convpad.threaded)?.flopsForward ?? 0) / 1e6, 2)} M (2 per multiply-add); ` +
            'peak 18 GFLOP/s per core (TOOLCHAIN.md). GFLOP/s count direct-convolution FLOPs: an engine doing fewer ' +
            '(Winograd) can pass 100% of peak');
console.log(textTable(rows));
console.log('');
for (const [k, v] of Object.entries(ratios)) console.log(`  ${k.padEnd(30)} ${v ?? '–'}`);
const accuracy = main.accuracy ?? null;
if (accuracy) {
  console.log('');
  console.log('Test accuracy (%) after one 60k epoch from fresh weights, per seed (the same seeds on both sides):');
  const [head, ...body] = accuracyRows(accuracy);
  console.log(textTable([head, ...body]).split('\n').map((l) => `  ${l}`).join('\n'));
  console.log(`  difference of means (ConvPad - TF.js): ${fmt(accuracy.difference, 2)} points, standard error ${fmt(accuracy.standardError, 2)}` +
              ' (sqrt(sd_c^2/n_c + sd_t^2/n_t); rough with few seeds)');
}
console.log('');
console.log('targets (issues 4 and 8): ' + Object.entries(targets).map(([k, v]) => `${k} ${v == null ? 'n/a' : v ? 'met' : 'NOT met'}`).join(', '));
if (accuracy) console.log(`accuracy target: ${accuracy.verdict}`);
if (kernelCheck) {
  console.log('TF.js Conv2DBackpropFilter (registered for wasm) vs cpu backend: ' + (kernelCheck.ok ? 'ok' : 'MISMATCH') + '; ' +
    kernelCheck.cases.map((c) => `x${c.x.join('x')} w${c.w.join('x')}: max diff ${c.maxAbsDiff.toExponential(1)} (rel ${c.relDiff.toExponential(1)})`).join('; '));
}
for (const note of main.notes) console.log(`note: ${note}`);

const strip = (r) => r && (({ kernels, kernelCheck: _k, ...rest }) => rest)(r);
console.log(JSON.stringify({
  bench: 'convpad', quick: QUICK, arch: main.arch, crossOriginIsolated: main.crossOriginIsolated, hardwareConcurrency: main.hardwareConcurrency,
  convpad: main.convpad, native, tfjs: { wasm: strip(main.tfjs.wasm), wasmSingle: strip(tfjsSingle?.tfjs.wasm), cpu: main.tfjs.cpu ?? null },
  kernelCheck: kernelCheck ?? null, tfjsKernels: main.tfjs.wasm?.kernels ?? null, ratios, targets, notes: main.notes,
  seeds: main.options.seeds, accuracy, inPage,
}));
