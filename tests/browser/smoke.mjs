// Browser smoke test of the ConvPad site: serve build-web/site on a free port (tools/server.py),
// open it in the engine under test (CONVPAD_BROWSER: Chromium, Firefox or WebKit; a fresh profile per
// test), wait for the app's own ready signal, and fail on any console error, page error or failed request.
// Screenshots go to the artifacts folder (Firefox's and WebKit's in a subfolder each).
//
//   node --test tests/browser/smoke.mjs
//   CONVPAD_BROWSER=webkit node --test tests/browser/smoke.mjs
// Environment (also for `node --test`): see helpers.mjs and engines.mjs.
// Needs `tools/deps.sh browser` (the browsers + npm ci here) and a built site (`tools/serve.sh --no-serve`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  ARTIFACTS_DIR, BROWSER, NO_PHONE_WINDOW, ONLY_CHROMIUM, SITE_DIR, THREADED, assertSiteBuilt, frameCount, openBrowser, startServer,
  waitFrames, waitReady,
} from './helpers.mjs';


// Fashion-MNIST and its sketch set (train()'s `sketches`), as the page downloads them.
const DATASET_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz', 'quickdraw/train-images-idx3-ubyte.gz', 'quickdraw/train-labels-idx1-ubyte.gz'];

let server;
let baseUrl;

// Loads the page and waits for the app's ready signal (window.convpad.ready), never a fixed sleep.
async function openApp(page) {
  await page.goto(baseUrl);
  await waitReady(page);
}

const canvasSize = (page) => page.evaluate(() => {
  const c = document.getElementById('canvas');
  return { width: c.width, height: c.height, cssWidth: c.clientWidth, cssHeight: c.clientHeight, dpr: devicePixelRatio };
});

// [SECTION] Tests

before(async () => {
  assertSiteBuilt();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  ({ proc: server, url: baseUrl } = await startServer());
});

after(() => {
  server?.kill('SIGTERM');
});

test('the page loads, the shell renders, follows resizes, draws on input and rests when idle', { timeout: 180_000 }, async () => {
  const browser = await openBrowser({ width: 1280, height: 800, deviceScaleFactor: 1 });
  try {
    const { page, problems } = browser;
    await openApp(page);
    assert.ok(await frameCount(page) >= 3, 'the shell signalled ready before rendering frames');
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP headers missing');

    const size = await canvasSize(page);
    assert.deepEqual([size.width, size.height], [1280, 800], 'the canvas does not fill the window');

    // The data set: the engine worker downloads and gunzips the four files and builds it (the engine
    // checks each IDX header); every compressed byte is counted once.
    const totalBytes = DATASET_FILES.reduce((sum, f) => sum + statSync(path.join(SITE_DIR, f)).size, 0);
    const status = await page.evaluate(async () => {
      await window.convpad.datasetReady;
      return window.convpad.status();
    });
    assert.equal(status.phase, 'idle');
    assert.equal(status.datasetReady, true, 'the engine has no data set');
    assert.deepEqual(status.dataset,
      { name: 'fashion', title: 'Fashion-MNIST', loaded: totalBytes, total: totalBytes, ready: true, error: null });
    if (!THREADED) {
      assert.deepEqual([status.engine, status.modeReason], ['worker', 'this browser has no SharedArrayBuffer']);
    } else {
      assert.equal(status.engine, 'pthreads', 'an isolated page runs the threaded engine in its worker');
    }

    // A laptop, a small course-page frame and a phone (not in WebKitGTK, whose window is never that
    // narrow): the canvas follows each size; the pictures are compared across the engines by eye.
    const sizes = [[1280, 800], [800, 500], ...(NO_PHONE_WINDOW ? [] : [[390, 844]])];
    for (const [width, height] of sizes) {
      await page.setViewportSize({ width, height });
      await page.waitForFunction((w) => document.getElementById('canvas').width === w, width, { timeout: 10_000 });
      const now = await canvasSize(page);
      assert.deepEqual([now.width, now.height], [width, height], 'the canvas did not follow the resize');
      await waitFrames(page, 2);
      await page.screenshot({ path: path.join(ARTIFACTS_DIR, `smoke-${width}x${height}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForFunction(() => document.getElementById('canvas').width === 1280, null, { timeout: 10_000 });

    // Frames on demand ("an idle page rests"): without input or news the page draws (almost)
    // nothing; input over the canvas gets frames at once.
    await new Promise((resolve) => setTimeout(resolve, 500));   // the data set's news may still ask for a frame
    const restStart = await frameCount(page);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idleFrames = (await frameCount(page)) - restStart;
    assert.ok(idleFrames <= 3, `the idle page drew ${idleFrames} frames in 2 s`);
    const beforeInput = await frameCount(page);
    await page.mouse.move(450, 300);
    await page.mouse.move(460, 320, { steps: 5 });
    await page.waitForFunction((n) => window.convpad.status().frames > n, beforeInput, { timeout: 10_000 });

    // A finger on the canvas draws: it neither scrolls nor zooms the page (touch-action), and Safari's
    // pinch, which also comes as gesture events, is cancelled there. The events are the page's own here:
    // no driver sends gesture events.
    const touch = await page.evaluate(() => {
      const canvas = document.getElementById('canvas');
      const cancelled = (type) => !canvas.dispatchEvent(new Event(type, { bubbles: true, cancelable: true }));
      return { touchAction: getComputedStyle(canvas).touchAction, gesturestart: cancelled('gesturestart'),
        gesturechange: cancelled('gesturechange') };
    });
    assert.deepEqual(touch, { touchAction: 'none', gesturestart: true, gesturechange: true });

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

    assert.deepEqual(problems, []);
    if (BROWSER !== 'chromium') return;   // what follows needs Chromium's DevTools protocol

    // Only the ratio changes (no resize): the shell must still follow it and rebuild its font.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: 800, height: 600, deviceScaleFactor: 1.5, mobile: false });
    await page.waitForFunction(() => document.getElementById('canvas').width === 1200, null, { timeout: 10_000 });
    await waitFrames(page, 2);
    // Through CDP: page.screenshot() would re-apply playwright's own deviceScaleFactor first.
    const capture = await cdp.send('Page.captureScreenshot', { format: 'png' });
    await writeFile(path.join(ARTIFACTS_DIR, 'smoke-800x600@1.5x.png'), Buffer.from(capture.data, 'base64'));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('the loading screen shows byte progress', { timeout: 180_000, skip: ONLY_CHROMIUM }, async () => {
  const browser = await openBrowser({ width: 800, height: 600, deviceScaleFactor: 1 });
  try {
    const { page, problems } = browser;
    // About 1 MB/s, so the download of the UI's wasm and the model lasts long enough to be seen; the
    // app must then start as on a fast network.
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
  // The site without the UI module (always the single-thread convpad_web): without it there is no app. (The
  // threaded engine's failure only means the single-thread engine is tried: threads.mjs.)
  const dir = await mkdtemp(path.join(tmpdir(), 'convpad-no-ui-'));
  for (const name of await readdir(SITE_DIR)) {
    if (name !== 'convpad_web.wasm') await symlink(path.join(SITE_DIR, name), path.join(dir, name));
  }
  const broken = await startServer({ dir });
  const browser = await openBrowser({ width: 800, height: 600, deviceScaleFactor: 1 });
  try {
    const { page } = browser;
    await page.goto(broken.url);
    await page.waitForFunction(() => window.convpad && window.convpad.state === 'error', null, { timeout: 30_000 });
    assert.equal(await page.isVisible('#error'), true, 'the error area is hidden');
    assert.match(await page.textContent('#error-text'), /convpad_web\.wasm: HTTP 404/);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'smoke-error.png') });
  } finally {
    await browser.close();
    broken.proc.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
});
