// Shared pieces of the browser tests: the static server (tools/server.py on a free port), a fresh browser of
// the engine under test (engines.mjs), waiting on the app's own signals, reading Fashion-MNIST test images,
// and finding the native CLI for reference results.
//
// Environment (also for `node --test`): CONVPAD_SITE_DIR (default build-web/site),
// CONVPAD_ARTIFACTS_DIR (screenshots), CONVPAD_BROWSER (chromium, firefox or webkit) and the browsers'
// binaries (engines.mjs), CONVPAD_CLI (native convpad for reference results; default build/native/convpad).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

import { BROWSER, NARROWEST_WEBKIT_WINDOW, launchBrowser } from './engines.mjs';

export { BROWSER } from './engines.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function option(flag, envName, fallback) {
  const i = process.argv.indexOf(flag);
  if (i > 0 && process.argv[i + 1]) return path.resolve(process.argv[i + 1]);
  if (process.env[envName]) return path.resolve(process.env[envName]);
  return fallback;
}
export const SITE_DIR = option('--site', 'CONVPAD_SITE_DIR', path.join(ROOT, 'build-web/site'));
// Screenshots of Firefox and WebKit go to a subfolder each, beside Chromium's.
const artifactsRoot = option('--artifacts', 'CONVPAD_ARTIFACTS_DIR', path.join(ROOT, 'test-artifacts/web'));
export const ARTIFACTS_DIR = BROWSER === 'chromium' ? artifactsRoot : path.join(artifactsRoot, BROWSER);
// Whether the engine under test runs ConvPad's threaded engine on an isolated page: WebKitGTK gives no page
// SharedArrayBuffer (Safari does).
export const THREADED = BROWSER !== 'webkit';
// `skip` of a test that needs Chromium's DevTools protocol (network throttling, request routing, emulation).
// Why a phone-width window cannot be tried in this engine, or false.
export const NO_PHONE_WINDOW = BROWSER === 'webkit' && `MiniBrowser's window is never narrower than ${NARROWEST_WEBKIT_WINDOW} px`;
export const ONLY_CHROMIUM = BROWSER === 'chromium' ? false : 'needs Chromium\'s DevTools protocol';
export const READY_TIMEOUT_MS = 90_000;   // wasm compile + first frames under SwiftShader on 2 cores

export function assertSiteBuilt() {
  assert.ok(existsSync(path.join(SITE_DIR, 'index.html')),
    `${SITE_DIR}/index.html not found: build the site with tools/serve.sh --no-serve`);
}

// [SECTION] Server and browser

// Starts tools/server.py (on a free port unless `port` says); resolves with {proc, url, requests} (the URL is
// its first stdout line). isolation false: without the COOP/COEP headers, like a plain static host (the
// single-thread build runs). logRequests: `requests` gets the path of every request the server answered
// (the page's, its workers' and its pthreads', in any engine), in order; else it stays empty.
export function startServer({ isolation = true, dir = SITE_DIR, port = 0, logRequests = false } = {}) {
  return new Promise((resolve, reject) => {
    const args = [path.join(ROOT, 'tools/server.py'), '--dir', dir, '--port', String(port)];
    if (!isolation) args.push('--no-isolation');
    if (logRequests) args.push('--verbose');
    const proc = spawn('python3', args, { stdio: ['ignore', 'pipe', logRequests ? 'pipe' : 'inherit'] });
    const requests = [];
    if (logRequests) {
      let partial = '';
      proc.stderr.on('data', (chunk) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop();
        for (const line of lines) {
          const request = line.match(/^server: "[A-Z]+ (\S+) HTTP/);
          if (request) requests.push(request[1]);
          else process.stderr.write(`${line}\n`);
        }
      });
    }
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/serving (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (match) resolve({ proc, url: match[1], requests });
    });
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`tools/server.py exited (${code}) before serving`)));
  });
}

// A fresh browser of the engine CONVPAD_BROWSER names (engines.mjs), with its own empty profile; close() also
// deletes the profile. problems collects console errors and page errors (in Chromium also failed requests and
// HTTP errors).
export const openBrowser = (options) => launchBrowser(options);

// Runs action() and resolves the files it downloads as [{name, bytes}] sorted by name: the first `count`, and
// any that follow within half a second (so that one too many shows). In WebKit only runs action() and
// resolves null: WebKitWebDriver reports no downloads.
export async function downloadsOf(page, count, action, { timeout = 30_000 } = {}) {
  if (BROWSER === 'webkit') {
    await action();
    return null;
  }
  const settle = () => new Promise((resolve) => { setTimeout(resolve, 500); });
  let downloads;
  if (BROWSER === 'firefox') {
    const watch = await page.watchDownloads();
    await action();
    await watch.files(count, { timeout });
    await settle();
    downloads = await watch.files(count, { timeout });
  } else {
    downloads = [];
    const collect = (d) => downloads.push(d);
    page.on('download', collect);
    try {
      await action();
      for (const start = Date.now(); downloads.length < count;) {
        if (Date.now() - start > timeout) throw new Error(`${downloads.length} of ${count} downloads within ${timeout} ms`);
        await new Promise((resolve) => { setTimeout(resolve, 100); });
      }
      await settle();
    } finally {
      page.off('download', collect);
    }
  }
  const files = await Promise.all(downloads.map(async (d) => ({ name: d.suggestedFilename(), bytes: await readFile(await d.path()) })));
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

// Waits for the app's ready signal (window.convpad.ready settles), never a fixed sleep.
export async function waitReady(page) {
  try {
    await page.waitForFunction(() => window.convpad && window.convpad.state !== 'loading', null,
      { timeout: READY_TIMEOUT_MS });
  } catch (err) {
    throw new Error(`the app was not ready after ${READY_TIMEOUT_MS / 1000} s (${err.message}); the page: ${
      await startupReport(page)}`);
  }
  const { state, error } = await page.evaluate(() => ({
    state: window.convpad.state,
    error: window.convpad.error ? String(window.convpad.error.message || window.convpad.error) : null,
  }));
  assert.equal(state, 'ready', `the app did not start: ${error}`);
}

// Where start-up stopped: the loading screen's text and the milestones passed (convpad.timings).
async function startupReport(page) {
  return page.evaluate(() => JSON.stringify({
    document: document.readyState,
    api: typeof window.convpad,
    timings: window.convpad?.timings,
    loadingScreen: document.getElementById('loading')?.innerText,
    isolated: self.crossOriginIsolated,
  })).catch((err) => `(could not be read: ${err.message})`);
}

// The document inside the page's iframe `selector`, once the iframe is there, in any engine.
export async function iframeContent(page, selector) {
  if (typeof page.contentFrame === 'function') return page.contentFrame(selector);   // engines.mjs's adapters
  return (await page.waitForSelector(selector)).contentFrame();
}

// Watches for `ms` that something does not happen: a pause with a purpose, not a wait for something.
export const watchQuietly = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// Frames the UI module has drawn since it started.
export const frameCount = (page) =>
  page.evaluate(() => window.convpad.module.ccall('convpad_ui_frame_count', 'number', [], []));

// Draws `frames` frames now (convpad.redraw), so a screenshot or a read of the UI shows the current state.
// The page draws on demand only (input, the engine's news, a resize): an idle page draws nothing, so waiting
// for frames to come by themselves could wait forever. Fails unless at least that many new frames were drawn.
export async function waitFrames(page, frames) {
  const { before, after } = await page.evaluate((n) => {
    const count = () => window.convpad.module.ccall('convpad_ui_frame_count', 'number', [], []);
    const first = count();
    window.convpad.redraw(n);
    return { before: first, after: count() };
  }, frames);
  assert.ok(after - before >= frames, `redraw(${frames}) drew ${after - before} frames`);
}

// Starts fn(arg) in the page and returns a promise of its result, read by polling. A plain evaluate of a
// whole training run would do in Chromium, but a WebDriver session runs one command at a time: there it
// would hold up every status read until the run ended.
let startedInPage = 0;
export async function startInPage(page, fn, arg, { timeout = 30 * 60_000 } = {}) {
  const id = `__convpadTestRun${++startedInPage}`;
  // eslint-disable-next-line no-new-func -- the driver sends the function's text to the page either way
  const starter = new Function('input', `
    const [id, arg] = input;
    window[id] = { done: false };
    Promise.resolve().then(() => (${fn.toString()})(arg)).then(
      (value) => { window[id] = { done: true, value }; },
      (err) => { window[id] = { done: true, error: String((err && err.message) || err) }; });`);
  await page.evaluate(starter, [id, arg ?? null]);
  const start = Date.now();
  for (;;) {
    const outcome = await page.evaluate((name) => window[name], id);
    if (outcome?.done) {
      if ('error' in outcome) throw new Error(outcome.error);
      return outcome.value;
    }
    if (Date.now() - start > timeout) throw new Error(`what was started in the page did not end within ${timeout / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// Polls convpad.status() in the page until predicate(status) holds; returns that status.
export async function waitStatus(page, predicate, { timeout = 120_000, what = 'status' } = {}) {
  const start = Date.now();
  for (;;) {
    const status = await page.evaluate(() => window.convpad.status());
    if (predicate(status)) return status;
    if (Date.now() - start > timeout) {
      throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(status)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// [SECTION] Data and the native reference

// Fashion-MNIST test images as the site serves them: {count, images: Uint8Array (n,784), labels}.
export function readTestSet() {
  const images = gunzipSync(readFileSync(path.join(SITE_DIR, 't10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(readFileSync(path.join(SITE_DIR, 't10k-labels-idx1-ubyte.gz')));
  assert.equal(images.readUInt32BE(0), 0x803, 'not an IDX3 image file');
  const count = images.readUInt32BE(4);
  return { count, images: images.subarray(16), labels: labels.subarray(8) };
}

// Image i of the test set as 784 numbers in [0,1] (how the engine normalises: byte / 255).
export const testImagePixels = (set, i) => Array.from(set.images.subarray(i * 784, (i + 1) * 784), (b) => b / 255);

// A binary PGM of 28x28 bytes, which `convpad predict --raw` reads as it is.
export function pgm(bytes) {
  return Buffer.concat([Buffer.from('P5\n28 28\n255\n'), Buffer.from(bytes)]);
}

// The native CLI, or null when none is built (the comparisons are then skipped, with a message).
export function nativeCli() {
  const candidates = [process.env.CONVPAD_CLI, path.join(ROOT, 'build/native/convpad')];
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

// `convpad predict --raw --json` of test images `indices` (as PGM files in a scratch folder): one
// {label, name, probs} per image, in order.
export async function nativePredictions(cli, model, set, indices) {
  const dir = await mkdtemp(path.join(tmpdir(), 'convpad-pgm-'));
  try {
    const files = [];
    for (const i of indices) {
      const file = path.join(dir, `test-${i}.pgm`);
      await writeFile(file, pgm(set.images.subarray(i * 784, (i + 1) * 784)));
      files.push(file);
    }
    const lines = (await run(cli, ['predict', '--raw', '--json', '--model', model, ...files])).trim().split('\n');
    return lines.map((line) => JSON.parse(line));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function run(command, args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    proc.stdout.on('data', (c) => { stdout += c; });
    proc.stderr.on('data', (c) => { stderr += c; });
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve(stdout)
      : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}
