// ConvPad in each browser engine, in the served page as a visitor gets it (index.html, UI drawn, 1280x800):
// time to `ready`, idle CPU and the seed CNN's training rate, on a cross-origin isolated host and on a plain
// one, with TF.js 4.22's wasm backend training the same network in the same engine (bench.html) for the
// ratio. Prints progress, a table and, as the last line, one JSON object. Asserts nothing.
//
//   node tools/bench/browsers.mjs --site DIR [--browsers chromium,firefox,webkit,webkit-sab] [--seconds 20]
//                                 [--rounds 3]
//
// The same page's rate moves by a third from one run to the next on this machine (other tenants), so the
// engines take turns, round after round, and the table shows each figure's median over the rounds with
// its range. TF.js is measured in the first round only.
//
// DIR is a site built with the benchmark page and TF.js (tools/bench.sh --browsers builds one). Each engine
// runs in a child process of its own (tests/browser/engines.mjs reads CONVPAD_BROWSER once), one after the
// other: two at once would share this machine's cores. webkit-sab is WebKitGTK with
// JSC_useSharedArrayBuffer=1, the only way its Linux port runs the threaded engine (Safari has it on).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { openBrowser, startServer } from '../../tests/browser/helpers.mjs';
import { describeInPage, measureInPage, textTable } from './in_page.mjs';

const ENGINES = {
  chromium: { browser: 'chromium', env: {} },
  firefox: { browser: 'firefox', env: {} },
  webkit: { browser: 'webkit', env: {} },
  'webkit-sab': { browser: 'webkit', env: { JSC_useSharedArrayBuffer: '1' } },
};
const TFJS_SECONDS = 10;
const RESULT = 'engine result: ';   // the child's last line, for the parent

const args = process.argv.slice(2);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const fail = (message) => {
  console.error(`bench: ${message}`);
  process.exit(2);
};

// [SECTION] One engine (the child process)

// TF.js's wasm backend training the seed CNN in bench.html: {imagesPerSecond, binary, threads}.
async function tfjsInEngine(site, isolation) {
  const { proc, url } = await startServer({ dir: site, isolation });
  const browser = await openBrowser({ width: 1200, height: 900 });
  try {
    await browser.page.goto(`${url}bench.html`);
    await browser.page.waitForFunction(() => window.convpadBench, null, { timeout: 60_000 });
    const r = await browser.page.evaluate((seconds) => window.convpadBench.run({
      convpad: false, epoch: false, epochSingle: false, tfjsCpuSteps: 0, seeds: [42], warmupSteps: 5,
      trainSeconds: seconds, inferSeconds: 1,
    }), TFJS_SECONDS);
    const wasm = r.tfjs.wasm;
    if (!wasm) throw new Error(`TF.js did not run: ${r.notes.join('; ')}`);
    return { imagesPerSecond: wasm.train.imagesPerSecond, binary: wasm.binary, threads: wasm.requestedThreads || 1 };
  } finally {
    await browser.close();
    proc.kill();
  }
}

async function measureOneEngine(name, site, seconds, withTfjs) {
  const hosts = name === 'webkit-sab' ? [true] : [true, false];
  const rows = [];
  for (const isolation of hosts) {
    const convpad = await measureInPage({ site, isolation, seconds });
    console.log(`  ${describeInPage(convpad)}`);
    let tfjs = null;
    if (withTfjs) {
      tfjs = await tfjsInEngine(site, isolation).catch((err) => ({ error: err.message.split('\n')[0] }));
      console.log(`  TF.js wasm (${isolation ? 'isolated' : 'not isolated'}): ${tfjs.error ?? `${tfjs.imagesPerSecond.toFixed(0)} images/s (${tfjs.binary}, ${tfjs.threads} thread${tfjs.threads === 1 ? '' : 's'})`}`);
    }
    rows.push({ name, isolation, convpad, tfjs });
  }
  return rows;
}

// [SECTION] All engines (the parent): one child each, then the table

function runChild(name, site, seconds, withTfjs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--site', site, '--seconds', String(seconds),
      '--tfjs', withTfjs ? '1' : '0', '--only', name], {
      env: { ...process.env, CONVPAD_BROWSER: ENGINES[name].browser, ...ENGINES[name].env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let last = '';
    child.stdout.setEncoding('utf8');
    let pending = '';
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (line.startsWith(RESULT)) last = line.slice(RESULT.length);
        else console.log(line);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (pending.startsWith(RESULT)) last = pending.slice(RESULT.length);
      if (code === 0 && last) resolve(JSON.parse(last));
      else reject(new Error(`${name}: the measurement ended with code ${code}`));
    });
  });
}

const fmt = (x, digits = 0) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
// "median (min–max)" over the rounds, or the one value.
const spread = (values, digits = 0) => {
  const v = values.filter(Number.isFinite);
  if (v.length < 2) return fmt(v[0], digits);
  return `${fmt(median(v), digits)} (${fmt(Math.min(...v), digits)}–${fmt(Math.max(...v), digits)})`;
};


// One row per engine and host over all rounds; rates against Chromium's on the same kind of host, each
// round's against the same round's (they ran minutes apart), then the median of those.
function summarise(results) {
  const keys = [...new Map(results.map((r) => [`${r.name} ${r.isolation}`, r])).values()];
  return keys.map(({ name, isolation }) => {
    const mine = results.filter((r) => r.name === name && r.isolation === isolation);
    const rate = (r) => r.convpad.trainImagesPerSecond;
    const vsChromium = mine.map((r) => {
      const peer = results.find((p) => p.name === 'chromium' && p.isolation === isolation && p.round === r.round);
      return peer ? rate(r) / rate(peer) : NaN;
    });
    const tfjs = mine.find((r) => r.tfjs)?.tfjs ?? null;
    return {
      name, isolation, rounds: mine.length, engine: mine[0].convpad.engine, threads: mine[0].convpad.threads,
      readyMs: mine.map((r) => r.convpad.readyMs), idleCores: mine.map((r) => r.convpad.idleCores),
      imagesPerSecond: mine.map(rate), vsChromium, tfjs,
      vsTfjs: tfjs && !tfjs.error ? median(mine.map(rate)) / tfjs.imagesPerSecond : null,
      trainingCores: mine.map((r) => r.convpad.trainingCores),
    };
  });
}

function report(summary) {
  const out = [['engine', 'host', 'ConvPad engine', 'ready ms', 'idle cores', 'train images/s', 'x Chromium',
    'TF.js wasm images/s', 'ConvPad / TF.js', 'training cores']];
  for (const r of summary) {
    out.push([r.name, r.isolation ? 'isolated' : 'plain', `${r.engine} ${r.threads}t`, spread(r.readyMs), spread(r.idleCores, 3),
      spread(r.imagesPerSecond), spread(r.vsChromium, 2),
      !r.tfjs ? '–' : r.tfjs.error ? 'failed' : `${fmt(r.tfjs.imagesPerSecond)} (${r.tfjs.threads}t)`,
      fmt(r.vsTfjs, 1), spread(r.trainingCores, 2)]);
  }
  return textTable(out);
}

if (args.includes('--only')) {
  const name = value('--only');
  const rows = await measureOneEngine(name, value('--site'), Number(value('--seconds', 20)), value('--tfjs', '1') === '1');
  console.log(`${RESULT}${JSON.stringify(rows)}`);
  process.exit(0);
}

const site = value('--site', null) ?? fail('--site DIR is required (usage: browsers.mjs --site DIR [--browsers a,b] [--seconds 20])');
const names = value('--browsers', 'chromium,firefox,webkit,webkit-sab').split(',');
for (const n of names) if (!(n in ENGINES)) fail(`--browsers: unknown engine '${n}' (known: ${Object.keys(ENGINES).join(', ')})`);
const seconds = Number(value('--seconds', 20));
if (!(seconds >= 3 && seconds <= 300)) fail('--seconds must be a number from 3 to 300');
const rounds = Number(value('--rounds', 3));
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10) fail('--rounds must be an integer from 1 to 10');

const results = [];
for (let round = 1; round <= rounds; ++round) {
  for (const name of names) {
    console.log(`round ${round} of ${rounds}, ${name}:`);
    try {
      const rows = await runChild(name, path.resolve(site), seconds, round === 1);
      results.push(...rows.map((r) => ({ ...r, round })));
    } catch (err) {
      console.log(`  ${err.message}`);
    }
  }
}
const summary = summarise(results);
console.log(report(summary));
console.log(JSON.stringify({ rounds, seconds, summary, results }));
