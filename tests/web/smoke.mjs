// Browser smoke test of the ConvPad site: serve build-web/site on a free port (tools/server.py),
// open it in Debian's headless Chromium (playwright-core, a fresh profile per test), wait for the
// app's own ready signal, and fail on any console error, page error or failed request.
// Screenshots go to the artifacts folder.
//
//   node --test tests/web/smoke.mjs
//   node tests/web/smoke.mjs --site build-web/site --artifacts test-artifacts/web
// Environment (also for `node --test`): CONVPAD_SITE_DIR, CONVPAD_ARTIFACTS_DIR, CONVPAD_CHROMIUM.
// Needs `tools/deps.sh browser` (chromium + npm ci here) and a built site (`tools/serve.sh --no-serve`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function option(flag, envName, fallback) {
  const i = process.argv.indexOf(flag);
  if (i > 0 && process.argv[i + 1]) return path.resolve(process.argv[i + 1]);
  if (process.env[envName]) return path.resolve(process.env[envName]);
  return fallback;
}
const SITE_DIR = option('--site', 'CONVPAD_SITE_DIR', path.join(ROOT, 'build-web/site'));
const ARTIFACTS_DIR = option('--artifacts', 'CONVPAD_ARTIFACTS_DIR', path.join(ROOT, 'test-artifacts/web'));
const CHROMIUM = process.env.CONVPAD_CHROMIUM || '/usr/bin/chromium';

// Flags that work on this kind of machine (shared/TOOLCHAIN.md); playwright adds --headless and
// --user-data-dir itself. SwiftShader renders WebGL2 in software, so screenshots show the real UI.
const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
];
const READY_TIMEOUT_MS = 90_000;   // wasm compile + first frames under SwiftShader on 2 cores

// [SECTION] Server and browser

let server;
let baseUrl;

// Starts tools/server.py on a free port and resolves with its URL (its first stdout line).
function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn('python3', [path.join(ROOT, 'tools/server.py'), '--dir', SITE_DIR, '--port', '0'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/serving (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (match) resolve({ proc, url: match[1] });
    });
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`tools/server.py exited (${code}) before serving`)));
  });
}

// A fresh browser with its own empty profile; close() also deletes the profile.
async function openBrowser({ width, height, deviceScaleFactor }) {
  const { chromium } = await import('playwright-core').catch(() => {
    throw new Error('playwright-core is missing: run tools/deps.sh browser');
  });
  const profile = await mkdtemp(path.join(tmpdir(), 'convpad-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width, height },
    deviceScaleFactor,
  });
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];   // every console error, page error and failed request
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => { if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`); });
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { page, problems, close };
}

// Loads the page and waits for the app's ready signal (window.convpad.ready), never a fixed sleep.
async function openApp(page) {
  await page.goto(baseUrl);
  await waitReady(page);
}

async function waitReady(page) {
  await page.waitForFunction(() => window.convpad && window.convpad.state !== 'loading', null,
    { timeout: READY_TIMEOUT_MS });
  const { state, error } = await page.evaluate(() => ({
    state: window.convpad.state,
    error: window.convpad.error ? String(window.convpad.error.message || window.convpad.error) : null,
  }));
  assert.equal(state, 'ready', `the app did not start: ${error}`);
}

const frameCount = (page) => page.evaluate(() => window.convpad.module.ccall('convpad_frame_count', 'number', [], []));

// Waits until the app has rendered `frames` more frames, so a screenshot shows the current layout.
async function waitFrames(page, frames) {
  const target = (await frameCount(page)) + frames;
  await page.waitForFunction((n) => window.convpad.module.ccall('convpad_frame_count', 'number', [], []) >= n,
    target, { timeout: READY_TIMEOUT_MS });
}

const canvasSize = (page) => page.evaluate(() => {
  const c = document.getElementById('canvas');
  return { width: c.width, height: c.height, cssWidth: c.clientWidth, cssHeight: c.clientHeight, dpr: devicePixelRatio };
});

// [SECTION] Tests

before(async () => {
  assert.ok(existsSync(path.join(SITE_DIR, 'index.html')),
    `${SITE_DIR}/index.html not found: build the site with tools/serve.sh --no-serve`);
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  ({ proc: server, url: baseUrl } = await startServer());
});

after(() => {
  server?.kill('SIGTERM');
});

test('the page loads, the shell renders and follows resizes', { timeout: 180_000 }, async () => {
  const browser = await openBrowser({ width: 1280, height: 800, deviceScaleFactor: 1 });
  try {
    const { page, problems } = browser;
    await openApp(page);
    assert.ok(await frameCount(page) >= 3, 'the shell signalled ready before rendering frames');
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP headers missing');

    let size = await canvasSize(page);
    assert.deepEqual([size.width, size.height], [1280, 800], 'the canvas does not fill the window');
    await waitFrames(page, 2);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'smoke-1280x800.png') });

    await page.setViewportSize({ width: 900, height: 600 });
    await page.waitForFunction(() => document.getElementById('canvas').width === 900, null, { timeout: 10_000 });
    size = await canvasSize(page);
    assert.deepEqual([size.width, size.height], [900, 600], 'the canvas did not follow the resize');
    await waitFrames(page, 2);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'smoke-900x600.png') });

    // The loader's gunzip path, as the data set will use it.
    const labels = await page.evaluate(async () => {
      const bytes = await window.convpad.fetchBytes('t10k-labels-idx1-ubyte.gz', { gunzip: true });
      return { length: bytes.length, magic: Array.from(bytes.subarray(0, 8)) };
    });
    assert.equal(labels.length, 8 + 10000);
    assert.deepEqual(labels.magic, [0, 0, 8, 1, 0, 0, 0x27, 0x10], 'not an IDX1 file of 10000 labels');

    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('HiDPI: the canvas backing store is CSS size x devicePixelRatio', { timeout: 180_000 }, async () => {
  const browser = await openBrowser({ width: 800, height: 600, deviceScaleFactor: 2 });
  try {
    const { page, problems } = browser;
    await openApp(page);
    const size = await canvasSize(page);
    assert.equal(size.dpr, 2);
    assert.deepEqual([size.cssWidth, size.cssHeight], [800, 600]);
    assert.deepEqual([size.width, size.height], [1600, 1200], 'the backing store ignores devicePixelRatio');
    await waitFrames(page, 2);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'smoke-800x600@2x.png') });

    // Only the ratio changes (no resize): the shell must still follow it and rebuild its font.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: 800, height: 600, deviceScaleFactor: 1.5, mobile: false });
    await page.waitForFunction(() => document.getElementById('canvas').width === 1200, null, { timeout: 10_000 });
    await waitFrames(page, 2);
    // Through CDP: page.screenshot() would re-apply playwright's own deviceScaleFactor first.
    const shot = await cdp.send('Page.captureScreenshot', { format: 'png' });
    await writeFile(path.join(ARTIFACTS_DIR, 'smoke-800x600@1.5x.png'), Buffer.from(shot.data, 'base64'));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('the loading screen shows byte progress', { timeout: 180_000 }, async () => {
  const browser = await openBrowser({ width: 800, height: 600, deviceScaleFactor: 1 });
  try {
    const { page, problems } = browser;
    // About 1 MB/s, so the download of the wasm lasts long enough to be seen.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions',
      { offline: false, latency: 20, downloadThroughput: 1_000_000, uploadThroughput: 1_000_000 });
    await page.goto(baseUrl, { waitUntil: 'commit' });
    const progress = await page.waitForFunction(() => {
      const text = document.getElementById('progress-text')?.textContent ?? '';
      const width = parseFloat(document.getElementById('progress-fill')?.style.width ?? '');
      return / MB of [0-9.]+ MB$/.test(text) && width >= 20 && width < 100 ? { text, width } : null;
    }, null, { timeout: 30_000, polling: 50 }).then((handle) => handle.jsonValue());
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'smoke-loading.png') });
    assert.match(progress.text, /^Downloading… [0-9.]+ MB of [0-9.]+ MB$/);
    await cdp.send('Network.emulateNetworkConditions',
      { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await waitReady(page);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('a failed download is reported in the page', { timeout: 180_000 }, async () => {
  const browser = await openBrowser({ width: 800, height: 600, deviceScaleFactor: 1 });
  try {
    const { page } = browser;
    await page.route('**/convpad_web.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto(baseUrl);
    await page.waitForFunction(() => window.convpad && window.convpad.state === 'error', null, { timeout: 30_000 });
    assert.equal(await page.isVisible('#error'), true, 'the error area is hidden');
    assert.match(await page.textContent('#error-text'), /convpad_web\.wasm: HTTP 404/);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'smoke-error.png') });
  } finally {
    await browser.close();
  }
});
