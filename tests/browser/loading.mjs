// Browser tests of start-up: calls before the app is ready, the background download of the data set
// (by the engine's Web Worker) with its byte progress, broken or missing data set files (reported; the
// app keeps running), URL parameters and autostart. Each test loads the page in a fresh browser.
// page.route() also catches the worker's requests (the data set files).
//
//   node --test tests/browser/loading.mjs      (environment: see helpers.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import {
  ARTIFACTS_DIR, SITE_DIR, assertSiteBuilt, openBrowser, readTestSet, startServer, testImagePixels, waitFrames,
  waitReady, waitStatus,
} from './helpers.mjs';

const SMALL_ARCH = 'conv16k5-relu-pool2-flatten-dense64-relu-dense10';
// Fashion-MNIST and its sketch set (train()'s `sketches`), as the page downloads them.
const DATASET_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz', 'quickdraw/train-images-idx3-ubyte.gz', 'quickdraw/train-labels-idx1-ubyte.gz'];

let server, baseUrl, testSet;

before(async () => {
  assertSiteBuilt();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  testSet = readTestSet();
  ({ proc: server, url: baseUrl } = await startServer());
});

after(() => {
  server?.kill('SIGTERM');
});

// Opens a browser, runs body({page, problems}), closes the browser.
async function withBrowser(body) {
  const browser = await openBrowser({ width: 1280, height: 800 });
  try {
    return await body(browser);
  } finally {
    await browser.close();
  }
}

// Holds requests for `pattern` until release() is called.
async function holdRequests(page, pattern) {
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  await page.route(pattern, async (route) => {
    await released;
    await route.continue();
  });
  return release;
}

// Settles convpad.datasetReady in the page: {ok: true} or {message}.
const datasetOutcome = (page) => page.evaluate(() => window.convpad.datasetReady.then(
  () => ({ ok: true }), (e) => ({ isError: e instanceof Error, message: e.message })));

test('before ready, calls throw a clear Error; the pad works before the data set arrives', async () => {
  await withBrowser(async ({ page, problems }) => {
    const releaseWasm = await holdRequests(page, /\/convpad_web\.wasm$/);   // the UI module
    const releaseImages = await holdRequests(page, '**/train-images-idx3-ubyte.gz');   // fetched by the engine worker
    await page.goto(baseUrl, { waitUntil: 'domcontentloaded' });
    const early = await page.evaluate(() => {
      const c = window.convpad;
      let error = null;
      try { c.classify(new Array(784).fill(0)); } catch (e) { error = { isError: e instanceof Error, message: e.message }; }
      return { state: c.state, status: c.status(), error };
    });
    assert.equal(early.state, 'loading');
    assert.equal(early.status.phase, 'loading');
    assert.equal(early.error.isError, true);
    assert.equal(early.error.message, 'classify: ConvPad is still loading: await convpad.ready first');

    releaseWasm();
    await waitReady(page);
    // train() waits for the data set (it downloads on demand); the run starts once it is in.
    const waiting = await page.evaluate(async (pixels) => {
      const c = window.convpad;
      const settings = c.settings();
      window.pendingTrain = { settled: false };
      window.pendingTrain.promise = c.train({ epochs: 1, seed: 3, subset: 256, validation: 100 }).then(
        (s) => ({ phase: s.phase, stepsDone: s.stepsDone }), (e) => ({ error: e.message }))
        .finally(() => { window.pendingTrain.settled = true; });
      await new Promise((resolve) => setTimeout(resolve, 500));
      return { status: c.status(), classified: c.classify(pixels), settings, settingsAfter: c.settings(),
        settled: window.pendingTrain.settled };
    }, testImagePixels(testSet, 0));
    assert.equal(waiting.status.phase, 'loading');
    assert.equal(waiting.status.dataset.ready, false);
    assert.equal(waiting.classified.label, testSet.labels[0], 'the pretrained model does not answer yet');
    assert.equal(waiting.settled, false, 'train() settled although the data set is not in');
    assert.deepEqual(waiting.settingsAfter, waiting.settings, 'a run that has not started changed the Training panel');
    await waitFrames(page, 3);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'loading-dataset-pending.png') });

    releaseImages();
    assert.deepEqual(await datasetOutcome(page), { ok: true });
    assert.deepEqual(await page.evaluate(() => window.pendingTrain.promise), { phase: 'idle', stepsDone: 4 },
      'the waiting train() did not run once the data set was in');
    const status = await page.evaluate(() => window.convpad.status());
    assert.equal(status.phase, 'idle');
    assert.equal(status.dataset.loaded, status.dataset.total);
    assert.deepEqual(problems, []);
  });
});

test('the data set downloads in the background with byte progress in status()', async (t) => {
  const totalBytes = DATASET_FILES.reduce((sum, f) => sum + statSync(path.join(SITE_DIR, f)).size, 0);
  await withBrowser(async ({ page, problems }) => {
    // About 10 MB/s: the ~31 MB take a few seconds, long enough to watch.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions',
      { offline: false, latency: 5, downloadThroughput: 10_000_000, uploadThroughput: 10_000_000 });
    await page.goto(baseUrl);
    await waitReady(page);
    const samples = [];
    const midway = await waitStatus(page, (s) => {
      samples.push(s.dataset);
      return s.dataset.ready || s.dataset.error || (s.dataset.total > 0 && s.dataset.loaded < 0.7 * s.dataset.total);
    }, { what: 'the download under way' });
    if (!midway.dataset.ready) await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'loading-dataset-progress.png') });
    await waitStatus(page, (s) => {
      samples.push(s.dataset);
      return s.dataset.ready || s.dataset.error;
    }, { what: 'the data set' });
    const partial = samples.filter((d) => d.total === totalBytes && d.loaded > 0 && d.loaded < totalBytes);
    t.diagnostic(`${samples.length} status samples, ${partial.length} in the middle of the download`);
    assert.ok(partial.length >= 2, `no partial progress seen: ${JSON.stringify(samples.slice(0, 5))}`);
    for (let i = 1; i < samples.length; ++i) assert.ok(samples[i].loaded >= samples[i - 1].loaded, 'progress went back');
    const last = samples.at(-1);
    assert.equal(last.error, null);
    assert.deepEqual([last.loaded, last.total], [totalBytes, totalBytes]);
    assert.deepEqual(problems, []);
  });
});

test('a corrupt data set file is reported in the page; the pad keeps working', async () => {
  await withBrowser(async ({ page, problems }) => {
    // A valid gzip stream of bytes that are not an IDX file.
    const body = gzipSync(Buffer.alloc(10_008, 7));
    await page.route('**/t10k-labels-idx1-ubyte.gz', (route) => route.fulfill({
      status: 200, body, headers: { 'Content-Type': 'application/gzip' },
    }));
    await page.goto(baseUrl);
    await waitReady(page);
    const outcome = await datasetOutcome(page);
    assert.equal(outcome.isError, true);
    assert.match(outcome.message, /^loadDataset: 't10k-labels-idx1-ubyte': bad magic/);
    const state = await page.evaluate((pixels) => ({
      status: window.convpad.status(),
      classified: window.convpad.classify(pixels),
    }), testImagePixels(testSet, 1));
    assert.match(state.status.dataset.error, /^'t10k-labels-idx1-ubyte': bad magic/);
    assert.equal(state.status.dataset.ready, false);
    assert.equal(state.status.notice.error, true);
    assert.equal(state.status.notice.text, `data set: ${state.status.dataset.error}`);
    assert.equal(state.classified.label, testSet.labels[1]);
    await waitFrames(page, 3);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'loading-dataset-corrupt.png') });
    assert.deepEqual(problems, []);
  });
});

test('a missing data set file is reported in the page', async () => {
  await withBrowser(async ({ page, problems }) => {
    await page.route('**/train-labels-idx1-ubyte.gz', (route) => route.fulfill({ status: 404, body: 'not here' }));
    await page.goto(baseUrl);
    await waitReady(page);
    const outcome = await datasetOutcome(page);
    assert.equal(outcome.message, 'loadDataset: train-labels-idx1-ubyte.gz: HTTP 404 Not Found');
    const status = await page.evaluate(() => window.convpad.status());
    assert.equal(status.dataset.error, 'train-labels-idx1-ubyte.gz: HTTP 404 Not Found');
    assert.equal(status.notice.text, 'data set: train-labels-idx1-ubyte.gz: HTTP 404 Not Found');
    // The browser logs the 404 itself; nothing else may go wrong.
    const unexpected = problems.filter((p) => !/404/.test(p));
    assert.deepEqual(unexpected, []);
  });
});

test('URL parameters prefill the Training panel; bad ones are named in a notice', async () => {
  await withBrowser(async ({ page, problems }) => {
    const query = `?arch=${SMALL_ARCH}&epochs=3&lr=0.01&optimizer=sgd&seed=9&subset=500&batch=abc&val=70000&dropout=x`
      + '&colour=red&shift=1.5&flip=1&rotate=90&drawn=half';
    await page.goto(baseUrl + query);
    await waitReady(page);
    const { settings, status } = await page.evaluate(() => ({
      settings: window.convpad.settings(), status: window.convpad.status(),
    }));
    assert.deepEqual(settings, {
      arch: SMALL_ARCH, epochs: 3, learningRate: 0.01, optimizer: 'sgd', seed: 9, subset: 500,
      batchSize: 64, validation: 5000, dropout: 0.5, patience: 3, lrPatience: 1,   // the defaults the bad values left alone
      shift: 1.5, flip: true, rotate: 0, scale: 0, drawn: 0, sketches: 0,
      schedule: 'plateau', warmup: 0, weightDecay: 0.01, labelSmoothing: 0,
    });
    assert.equal(status.notice.error, true);
    assert.equal(status.notice.text, 'URL parameters: batch=abc: not an integer; '
      + 'val=70000: validation must be an integer from 0 to 59999 (got 70000); dropout=x: not a number; '
      + 'unknown parameter \'colour\'; rotate=90: augmentation: rotate must be in [0, 45] degrees, got 90; '
      + 'drawn=half: not a number (defaults kept)');
    assert.equal(status.phase === 'loading' || status.phase === 'idle', true, 'no autostart was asked for');
    await waitFrames(page, 3);
    const { windows } = await page.evaluate(() => window.convpad.layout());
    const panel = windows.find((w) => w.name === 'Training');
    assert.ok(panel, 'no Training window');
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'loading-url-settings.png'),
      clip: { x: panel.x, y: panel.y, width: panel.width, height: panel.height } });
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'loading-url-notice.png') });
    assert.deepEqual(problems, []);
  });
});

test('autostart=1 starts training with the URL\'s settings once the data set is in', async () => {
  await withBrowser(async ({ page, problems }) => {
    await page.goto(`${baseUrl}?arch=${SMALL_ARCH}&epochs=1&val=55000&autostart=1`);
    await waitReady(page);
    const status = await waitStatus(page, (s) => s.phase === 'training' || s.epoch > 0, { what: 'autostart' });
    assert.equal(status.arch, SMALL_ARCH);
    assert.equal(status.epochs, 1);
    assert.equal(status.stepsPerEpoch, Math.ceil(5000 / 64));
    assert.equal((await page.evaluate(() => window.convpad.reset())).phase, 'idle');
    assert.deepEqual(problems, []);
  });
});
