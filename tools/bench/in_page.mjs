// What a visitor gets: the real app page (index.html, its UI drawn at 1280x800), measured in the browser
// engine CONVPAD_BROWSER names (tests/browser/engines.mjs; headless Chromium by default). Prints numbers,
// asserts nothing. Used by tools/bench/run.mjs for the "in the page" rows, and
// on its own:
//
//   node tools/bench/in_page.mjs --site DIR [--plain] [--seconds 20] [--epoch] [--recipe best]
//   node tools/bench/in_page.mjs --site DIR --best-run
//
// Figures: the time from navigation to `ready` (convpad.timings.readyMs, a fresh profile: nothing cached),
// the whole browser's CPU while the page sits idle (10 s, starting 10 s after the data set
// arrived, nothing touched), training images/s from status().stepsDone over `seconds` after 5 s of
// warm-up (default CNN, batch 64), the gaps between requestAnimationFrame callbacks meanwhile, the time
// of a classification on the main thread meanwhile (the pad's model call), and with --epoch one 60k-image
// epoch's wall time. --plain serves the site without COOP/COEP, as a plain static host would. --recipe NAME
// trains that recipe (convpad.recipe(NAME): its network, batch size and augmentation) instead of the default CNN.
// --best-run trains the "best" preset's whole recipe in the page (convpad.recipe('best'), 20 epochs) and
// prints its wall time, images/s and the test accuracy and macro F1 of convpad.evaluate() afterwards.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { openBrowser, startServer, waitReady } from '../../tests/browser/helpers.mjs';

const WARMUP_S = 5;
const IDLE_SETTLE_S = 10, IDLE_MEASURE_S = 10;
const CLOCK_TICKS = 100;   // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

// [SECTION] CPU of the browser's processes (Linux /proc)

function processTable() {
  const table = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');   // after "pid (comm) "
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      table.push({ pid: Number(entry), ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, cmdline });
    } catch { /* the process ended meanwhile */ }
  }
  return table;
}

// Seconds of CPU used so far by a browser (tests/browser/engines.mjs): the processes whose command line names
// its profile folder, the root processes it lists (Firefox's and WebKit's own, and their X server), and all
// their descendants.
export function browserCpuSeconds({ profile, roots = [] }) {
  const table = processTable();
  const inTree = new Set(table.filter((p) => (profile && p.cmdline.includes(profile)) || roots.includes(p.pid)).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of table) if (!inTree.has(p.pid) && inTree.has(p.ppid)) { inTree.add(p.pid); grew = true; }
  }
  return table.filter((p) => inTree.has(p.pid)).reduce((sum, p) => sum + p.cpu, 0);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// [SECTION] Measurements in the page

// Runs in the page for `seconds`: rAF gaps (ms) and main-thread classification times (ms) every 100 ms.
function sampleMainThread(seconds) {
  return new Promise((resolve) => {
    const gaps = [], classify = [];
    const pixels = new Float32Array(784);
    for (let y = 6; y < 22; ++y) for (let x = 9; x < 19; ++x) pixels[y * 28 + x] = 1;   // a filled block, like a drawn shape
    const end = performance.now() + seconds * 1000;
    let last = 0;
    const frame = (now) => {
      if (last) gaps.push(now - last);
      last = now;
      if (now < end) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const timer = setInterval(() => {
      const t0 = performance.now();
      window.convpad.classify(pixels);
      classify.push(performance.now() - t0);
      if (performance.now() >= end) {
        clearInterval(timer);
        resolve({ gaps, classify });
      }
    }, 100);
  });
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
};

// Serves `site`, opens the app and waits until its data set is in; runs measure(page, browser), then cleans up.
export async function withApp({ site, isolation = true, width = 1280, height = 800 }, measure) {
  const { proc, url } = await startServer({ dir: site, isolation });
  const browser = await openBrowser({ width, height });
  try {
    await browser.page.goto(url);
    await waitReady(browser.page);
    await browser.page.evaluate(() => window.convpad.datasetReady);
    return await measure(browser.page, browser);
  } finally {
    await browser.close();
    proc.kill();
  }
}

export function measureInPage({ site, isolation = true, seconds = 20, epoch = false, recipe = null, width = 1280, height = 800 }) {
  return withApp({ site, isolation, width, height }, async (page, browser) => {
    const status = () => page.evaluate(() => window.convpad.status());
    const engine = await status();
    const { readyMs } = await page.evaluate(() => window.convpad.timings);

    await sleep(IDLE_SETTLE_S * 1000);
    const cpu0 = browserCpuSeconds(browser), t0 = Date.now();
    await sleep(IDLE_MEASURE_S * 1000);
    const idleCores = (browserCpuSeconds(browser) - cpu0) / ((Date.now() - t0) / 1000);

    // Two epochs planned so the measured window never reaches the end of the run.
    const batchSize = await page.evaluate((name) => {
      const options = name ? { ...window.convpad.recipe(name), epochs: 2 } : { epochs: 2, validation: 5000, batchSize: 64 };
      window.convpad.train(options).catch(() => {});
      return options.batchSize;
    }, recipe);
    await sleep(WARMUP_S * 1000);
    const before = await page.evaluate(() => ({ s: window.convpad.status(), t: performance.now() }));
    const cpu1 = browserCpuSeconds(browser);
    const main = await page.evaluate(sampleMainThread, seconds);
    const after = await page.evaluate(() => ({ s: window.convpad.status(), t: performance.now() }));
    const trainingCores = (browserCpuSeconds(browser) - cpu1) / ((after.t - before.t) / 1000);
    const frames = after.s.frames - before.s.frames;
    await page.evaluate(() => window.convpad.reset());

    let epochSeconds = null;
    if (epoch) {
      epochSeconds = await page.evaluate(async () => {
        const start = performance.now();
        await window.convpad.train({ epochs: 1, validation: 0, batchSize: 64 });
        return (performance.now() - start) / 1000;
      });
    }
    return {
      isolation,
      browser: browser.engine,
      readyMs,
      engine: engine.engine,
      threads: engine.threads,
      idleCores,
      recipe,
      trainImagesPerSecond: ((after.s.stepsDone - before.s.stepsDone) * batchSize) / ((after.t - before.t) / 1000),
      trainingCores,
      appFramesPerSecond: frames / ((after.t - before.t) / 1000),
      rafGapMedianMs: quantile(main.gaps, 0.5),
      rafGapP95Ms: quantile(main.gaps, 0.95),
      classifyMedianMs: quantile(main.classify, 0.5),
      classifyP95Ms: quantile(main.classify, 0.95),
      epochSeconds,
    };
  });
}

// The best preset's full run in the page: {seconds, imagesPerSecond, epochs, accuracy, macroF1, threads}.
// Each epoch's record is printed as it ends (a run takes the better part of an hour).
export function measureBestRun({ site, width = 1280, height = 800 }) {
  return withApp({ site, width, height }, async (page) => {
    await page.exposeFunction('benchEpoch', (e) => console.log(`epoch ${JSON.stringify(e)}`));
    await page.evaluate(() => window.convpad.on('epoch', (e) => window.benchEpoch(e)));
    const run = await page.evaluate(async () => {
      const recipe = window.convpad.recipe('best');
      const start = performance.now();
      const final = await window.convpad.train(recipe);
      const seconds = (performance.now() - start) / 1000;
      const evaluation = await window.convpad.evaluate();
      return { recipe, seconds, final, evaluation };
    });
    const images = run.final.stepsDone * run.recipe.batchSize;
    return {
      threads: run.final.threads, engine: run.final.engine, seconds: run.seconds, epochs: run.final.epoch,
      imagesPerSecond: images / run.seconds, accuracy: run.evaluation.accuracy, macroF1: run.evaluation.macroF1,
    };
  });
}

// Rows of cells as aligned text columns: the first left-aligned, the others right-aligned.
export function textTable(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function describeInPage(r) {
  const f = (x, d = 0) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));
  return `${r.browser}, ${r.isolation ? 'isolated' : 'not isolated'} (${r.engine}, ${r.threads} thread${r.threads === 1 ? '' : 's'}): `
    + `ready in ${f(r.readyMs)} ms, `
    + `training ${r.recipe ? `the ${r.recipe} recipe` : 'the default CNN'} at ${f(r.trainImagesPerSecond)} images/s, rAF gap median ${f(r.rafGapMedianMs, 1)} ms (p95 ${f(r.rafGapP95Ms, 1)}), `
    + `classify on the main thread ${f(r.classifyMedianMs, 2)} ms median (p95 ${f(r.classifyP95Ms, 2)}), `
    + `UI ${f(r.appFramesPerSecond, 1)} frames/s, browser CPU ${f(r.trainingCores, 2)} cores while training, `
    + `${f(r.idleCores, 3)} cores idle${r.epochSeconds ? `, 60k epoch ${f(r.epochSeconds, 1)} s` : ''}`;
}

// [SECTION] On its own

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const site = value('--site', null);
  if (!site) {
    console.error('usage: node tools/bench/in_page.mjs --site DIR [--plain] [--seconds 20] [--epoch] [--recipe NAME]');
    process.exit(2);
  }
  if (args.includes('--best-run')) {
    const r = await measureBestRun({ site: path.resolve(site) });
    console.log(`best preset in the page (${r.engine}, ${r.threads} threads): ${r.epochs} epochs in ${(r.seconds / 60).toFixed(1)} min `
      + `(${r.imagesPerSecond.toFixed(0)} images/s with validation), test accuracy ${r.accuracy.toFixed(4)}, macro F1 ${r.macroF1.toFixed(4)}`);
    console.log(JSON.stringify(r));
    process.exit(0);
  }
  const result = await measureInPage({
    site: path.resolve(site), isolation: !args.includes('--plain'), seconds: Number(value('--seconds', 20)),
    epoch: args.includes('--epoch'), recipe: value('--recipe', null),
  });
  console.log(describeInPage(result));
  console.log(JSON.stringify(result));
}
