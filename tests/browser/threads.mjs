// Browser tests of the two engine builds (README "Threads"). The engine runs in a Web Worker: on a
// cross-origin isolated page (tools/server.py sends COOP/COEP) the threaded convpad_engine_mt with its
// pthreads, on min(cores, 4) threads or the URL's threads=N; with threads=1 or on a page served without
// COOP/COEP the single-thread convpad_engine. The UI module (convpad_web) is always single-threaded and runs
// on the main thread. Both engines give the same probabilities and, for the same seed, the same training
// run bit for bit (kernels/parallel.h). A bad threads= value is named in a notice; a threaded engine that
// fails to start gives way to the single-thread one with a console warning.
//
//   node --test tests/browser/threads.mjs      (environment: see helpers.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  ARTIFACTS_DIR, SITE_DIR, assertSiteBuilt, nativeCli, nativePredictions, openBrowser, readTestSet, startServer,
  testImagePixels, waitFrames, waitReady,
} from './helpers.mjs';

const SMALL_ARCH = 'conv16k5-relu-pool2-flatten-dense64-relu-dense10';
// 5,000 training images (79 steps of 64): enough for the loss to fall, short enough to run twice.
const RUN = { epochs: 1, arch: SMALL_ARCH, validation: 55000, batchSize: 64, learningRate: 0.001, seed: 7 };
const INDICES = Array.from({ length: 16 }, (_, k) => k * 617);
// The app's wasm modules and their scripts: the UI (convpad_web) and the engines (convpad_engine, _mt).
const APP_FILES = /\/(convpad_(?:web|engine|engine_mt)\.(?:wasm|js|worker\.js))$/;
const TRAINING_SET_BYTES = 60000 * 28 * 28;   // the training images as the engine holds them

let isolated, plain, testSet;
const reference = {};   // what the threaded page answered, for the single-thread pages to match

before(async () => {
  assertSiteBuilt();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  testSet = readTestSet();
  isolated = await startServer();
  plain = await startServer({ isolation: false });
});

after(() => {
  isolated?.proc.kill('SIGTERM');
  plain?.proc.kill('SIGTERM');
});

// Opens `url` in a fresh browser and runs body({page, problems, warnings, appFiles}) once the app is ready.
// warnings: console warnings (the workers' too); appFiles: the app's files requested by the page or by
// any of its workers (the engine worker and its pthreads), from the browser context's requests.
async function withPage(url, body, { prepare = async () => {} } = {}) {
  const browser = await openBrowser({ width: 1280, height: 800 });
  const warnings = [], appFiles = [];
  browser.page.on('console', (msg) => { if (msg.type() === 'warning') warnings.push(msg.text()); });
  browser.page.context().on('request', (req) => {
    const match = new URL(req.url()).pathname.match(APP_FILES);
    if (match) appFiles.push(match[1]);
  });
  try {
    await prepare(browser.page);
    await browser.page.goto(url);
    await waitReady(browser.page);
    return await body({ ...browser, warnings, appFiles });
  } finally {
    await browser.close();
  }
}

const pageState = (page) => page.evaluate(() => ({
  status: window.convpad.status(),
  isolated: self.crossOriginIsolated,
  cores: navigator.hardwareConcurrency,
}));

const classifyAll = (page) => page.evaluate(
  (images) => images.map((pixels) => window.convpad.classify(pixels)),
  INDICES.map((i) => testImagePixels(testSet, i)));

// The app files a page requested, once each.
const requested = (appFiles) => [...new Set(appFiles)].sort();

// The short run RUN from the same seed: {final status, losses per step}.
async function trainShortRun(page) {
  await page.evaluate(() => window.convpad.datasetReady);
  const final = await page.evaluate((options) => window.convpad.train(options), RUN);
  const { losses } = await page.evaluate(() => window.convpad.history());
  return { final, losses: losses.map(([, loss]) => loss) };
}

const meanOf = (values) => values.reduce((a, b) => a + b, 0) / values.length;

// [SECTION] Threaded build

test('a cross-origin isolated page runs the threaded engine on min(cores, 4) threads', async (t) => {
  await withPage(isolated.url, async ({ page, problems, appFiles }) => {
    const { status, isolated: isIsolated, cores } = await pageState(page);
    assert.equal(isIsolated, true, 'COOP/COEP headers missing');
    assert.equal(status.mode, 'multi-thread');
    assert.equal(status.modeReason, null);
    assert.equal(status.engine, 'pthreads');
    assert.equal(status.threads, Math.min(cores, 4));
    assert.ok(status.threads >= 2, `${status.threads} thread(s) on ${cores} cores`);
    assert.equal(status.notice, null);
    // The UI module and the threaded engine (its script, its wasm, its pthreads' script); not the
    // single-thread engine.
    assert.deepEqual(requested(appFiles), ['convpad_engine_mt.js', 'convpad_engine_mt.wasm', 'convpad_engine_mt.worker.js',
      'convpad_web.js', 'convpad_web.wasm'], `requested ${appFiles}`);
    t.diagnostic(`${status.threads} threads on ${cores} cores`);

    reference.classified = await classifyAll(page);
    const correct = INDICES.filter((i, k) => reference.classified[k].label === testSet.labels[i]).length;
    assert.ok(correct >= INDICES.length * 0.75, `only ${correct} of ${INDICES.length} right`);

    // The status bar says how many threads run.
    await waitFrames(page, 3);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'threads-idle.png') });
    const { windows } = await page.evaluate(() => window.convpad.layout());
    const bar = windows.find((w) => w.name === '##status');
    assert.ok(bar, 'no status bar window');
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'threads-status-bar.png'),
      clip: { x: bar.x, y: bar.y, width: bar.width, height: bar.height } });

    // Training with threads: the loss falls (the single-thread test below compares it step by step).
    reference.run = await trainShortRun(page);
    const { final, losses } = reference.run;
    assert.equal(final.phase, 'idle');
    assert.equal(final.threads, status.threads);
    assert.equal(losses.length, Math.ceil(5000 / 64));
    const first = meanOf(losses.slice(0, 10)), last = meanOf(losses.slice(-10));
    t.diagnostic(`loss: first ten steps ${first.toFixed(3)}, last ten ${last.toFixed(3)}; `
      + `${Math.round(final.computeImagesPerSecond)} images/s of compute`);
    assert.ok(last < 0.75 * first, `the loss did not fall: ${first} -> ${last}`);
    // Model bytes cross the engine worker's heap both ways after a run whose pthreads may have grown its
    // shared memory; the UI's copy of the weights (the snapshots classify() uses) is that model: loading
    // the saved file back changes no probability, and the native CLI's test below reads the same file.
    const trained = await classifyAll(page);
    const roundTrip = await page.evaluate(async () => {
      const saved = await window.convpad.saveModel();
      const loaded = await window.convpad.loadModel(saved.slice());
      const again = await window.convpad.saveModel();
      let text = '';
      for (let i = 0; i < saved.length; i += 0x8000) text += String.fromCharCode(...saved.subarray(i, i + 0x8000));
      return { base64: btoa(text), arch: loaded.arch, same: again.length === saved.length && again.every((b, i) => b === saved[i]) };
    });
    reference.trainedModel = Buffer.from(roundTrip.base64, 'base64');
    reference.trainedClassified = trained;
    assert.deepEqual([reference.trainedModel.subarray(0, 7).toString('latin1'), roundTrip.arch], ['CONVPAD', SMALL_ARCH]);
    assert.equal(roundTrip.same, true, 'saveModel() after loadModel(saved) gave other bytes');
    assert.deepEqual(await classifyAll(page), trained, 'the UI\'s weights differ from the saved model\'s');
    // Where the memory is now: the data set and training in the engine worker's wasm memory; the UI
    // module on the main thread is single-threaded (no shared memory) and never holds the training set.
    const memory = await page.evaluate(() => ({
      ...window.convpad.status().memory,
      uiShared: window.convpad.module.HEAPU8.buffer instanceof SharedArrayBuffer,
    }));
    t.diagnostic(`wasm memory: engine ${(memory.engineWasm / 1e6).toFixed(0)} MB, UI ${(memory.uiWasm / 1e6).toFixed(0)} MB`);
    assert.equal(memory.uiShared, false, 'the UI module runs on shared memory (a threaded UI build?)');
    assert.ok(memory.engineWasm >= TRAINING_SET_BYTES, `engine memory ${memory.engineWasm} B cannot hold the training set`);
    assert.ok(memory.uiWasm < memory.engineWasm, `UI memory ${memory.uiWasm} B, engine ${memory.engineWasm} B`);

    await waitFrames(page, 3);
    const training = windows.find((w) => w.name === 'Training');
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'threads-training-panel.png'),
      clip: { x: training.x, y: training.y, width: training.width, height: training.height } });
    assert.deepEqual(problems, []);
  });
});

test('the threaded page\'s probabilities, before and after training, match the native CLI', async (t) => {
  assert.ok(reference.classified, 'the threaded page did not classify (first test failed)');
  const cli = nativeCli();
  if (!cli) {
    t.skip('no native convpad (set CONVPAD_CLI or build build/native): comparison skipped');
    return;
  }
  const natives = await nativePredictions(cli, path.join(SITE_DIR, 'fashion-cnn.cpm'), testSet, INDICES);
  assert.equal(natives.length, INDICES.length);
  let worst = 0;
  natives.forEach((native, k) => {
    assert.equal(reference.classified[k].label, native.label, `image ${INDICES[k]}`);
    for (let c = 0; c < 10; ++c) worst = Math.max(worst, Math.abs(reference.classified[k].probs[c] - native.probs[c]));
  });
  t.diagnostic(`largest probability difference threaded page vs native: ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-4, `probabilities differ by ${worst}`);

  // The model the threaded engine trained, as the UI classified it, against its saved file.
  assert.ok(reference.trainedModel, 'no model trained by the threaded engine (first test failed)');
  const dir = await mkdtemp(path.join(tmpdir(), 'convpad-trained-'));
  try {
    const file = path.join(dir, 'trained.cpm');
    await writeFile(file, reference.trainedModel);
    const trainedNatives = await nativePredictions(cli, file, testSet, INDICES);
    let worstTrained = 0;
    trainedNatives.forEach((native, k) => {
      assert.equal(reference.trainedClassified[k].label, native.label, `trained model, image ${INDICES[k]}`);
      for (let c = 0; c < 10; ++c) {
        worstTrained = Math.max(worstTrained, Math.abs(reference.trainedClassified[k].probs[c] - native.probs[c]));
      }
    });
    t.diagnostic(`trained model: largest probability difference page vs native: ${worstTrained.toExponential(2)}`);
    assert.ok(worstTrained <= 1e-4, `trained model: probabilities differ by ${worstTrained}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('threads=1 runs the single-thread engine: the same probabilities and training run, bit for bit', async () => {
  assert.ok(reference.run, 'no threaded run to compare with (first test failed)');
  await withPage(`${isolated.url}?threads=1`, async ({ page, problems, appFiles }) => {
    const { status } = await pageState(page);
    assert.equal(status.mode, 'single-thread');
    assert.equal(status.modeReason, 'threads=1 asks for one thread');
    assert.equal(status.engine, 'worker');
    assert.equal(status.threads, 1);
    assert.equal(status.notice, null);
    assert.deepEqual(requested(appFiles), ['convpad_engine.js', 'convpad_engine.wasm', 'convpad_web.js', 'convpad_web.wasm'],
      `requested ${appFiles}`);
    assert.deepEqual(await classifyAll(page), reference.classified);
    const single = await trainShortRun(page);
    assert.deepEqual(single.losses, reference.run.losses, 'one thread trained differently from several');
    assert.equal(single.final.valLoss, reference.run.final.valLoss);
    assert.deepEqual(problems, []);
  });
});

test('threads=3 runs the threaded engine on 3 threads', async () => {
  await withPage(`${isolated.url}?threads=3`, async ({ page, problems }) => {
    const { status } = await pageState(page);
    assert.equal(status.mode, 'multi-thread');
    assert.equal(status.engine, 'pthreads');
    assert.equal(status.threads, 3);
    assert.equal(status.notice, null);
    assert.deepEqual(await classifyAll(page), reference.classified);
    assert.deepEqual(problems, []);
  });
});

// [SECTION] Without cross-origin isolation, bad parameters, failures

test('served without COOP/COEP, the page runs the single-thread engine and works', async () => {
  await withPage(plain.url, async ({ page, problems, appFiles }) => {
    const { status, isolated: isIsolated } = await pageState(page);
    assert.equal(isIsolated, false);
    assert.equal(status.mode, 'single-thread');
    assert.equal(status.modeReason, 'this page is not cross-origin isolated (served without COOP/COEP headers)');
    assert.equal(status.engine, 'worker');
    assert.equal(status.threads, 1);
    assert.equal(status.notice, null, 'a page on a plain host is not an error');
    assert.deepEqual(requested(appFiles), ['convpad_engine.js', 'convpad_engine.wasm', 'convpad_web.js', 'convpad_web.wasm'],
      `requested ${appFiles}`);
    assert.deepEqual(await classifyAll(page), reference.classified);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'threads-not-isolated.png') });
    // The single-thread engine gets the data set (and the page is left only once its downloads are done).
    await page.evaluate(() => window.convpad.datasetReady);
    assert.equal((await pageState(page)).status.phase, 'idle');

    // Asking for threads there says why there are none.
    await page.goto(`${plain.url}?threads=4`);
    await waitReady(page);
    const asked = (await pageState(page)).status;
    assert.equal(asked.mode, 'single-thread');
    assert.equal(asked.notice.error, false);
    assert.equal(asked.notice.text,
      'threads=4: this page is not cross-origin isolated (served without COOP/COEP headers), so it runs on 1 thread');
    assert.deepEqual(problems, []);
  });
});

test('a bad threads= value is named in a notice; the default is used and the page works', async () => {
  await withPage(`${isolated.url}?threads=abc&epochs=2`, async ({ page, problems }) => {
    const { status, cores } = await pageState(page);
    assert.equal(status.notice.error, true);
    assert.equal(status.notice.text, 'URL parameters: threads=abc: must be an integer from 1 to 16 (defaults kept)');
    assert.equal(status.mode, 'multi-thread');
    assert.equal(status.threads, Math.min(cores, 4));
    assert.equal((await page.evaluate(() => window.convpad.settings())).epochs, 2, 'the other parameters were lost');
    assert.deepEqual(await classifyAll(page), reference.classified);

    // The check itself, on the values a URL may carry (cores: 2).
    const requests = await page.evaluate(() => Object.fromEntries(
      ['', '?threads=1', '?threads=16', '?threads=003', '?threads=0', '?threads=17', '?threads=-2', '?threads=2.5',
        '?threads=', '?threads=%203', '?threads=1e1', '?threads=999999999999'].map(
        (search) => [search, window.convpad.threadsRequest(search, 2)])));
    assert.deepEqual(requests[''], { threads: 2, fromUrl: false, problem: null });
    assert.deepEqual(requests['?threads=1'], { threads: 1, fromUrl: true, problem: null });
    assert.deepEqual(requests['?threads=16'], { threads: 16, fromUrl: true, problem: null });
    assert.deepEqual(requests['?threads=003'], { threads: 3, fromUrl: true, problem: null });
    for (const bad of ['0', '17', '-2', '2.5', '', '%203', '1e1', '999999999999']) {
      const shown = decodeURIComponent(bad);
      assert.deepEqual(requests[`?threads=${bad}`],
        { threads: 2, fromUrl: false, problem: `threads=${shown}: must be an integer from 1 to 16` }, bad);
    }
    assert.equal((await page.evaluate(() => window.convpad.threadsRequest('', 64))).threads, 4, 'default above 4');
    assert.equal((await page.evaluate(() => window.convpad.threadsRequest('', 0))).threads, 1, 'no core count');
    assert.deepEqual(problems, []);
  });
});

// Loads a page whose threaded engine is broken (served from `url`, after `prepare(page)`); the
// single-thread engine must take over, with a console warning and a notice naming the reason.
// expectedProblems: what the injected failure itself reports (e.g. the broken script's own error).
async function assertFallback({ url = isolated.url, prepare, reasonPattern, expectedProblems = [] }) {
  await withPage(url, async ({ page, problems, warnings }) => {
    const { status } = await pageState(page);
    assert.equal(status.mode, 'single-thread');
    assert.equal(status.engine, 'worker');
    assert.equal(status.threads, 1);
    const warning = warnings.find((w) => w.startsWith('ConvPad: the threaded engine did not start'));
    assert.ok(warning, `no console warning; warnings: ${warnings.join(' | ')}`);
    assert.match(warning, reasonPattern);
    assert.equal(status.notice.error, false);
    assert.match(status.notice.text, /^threads unavailable \(.*\): running on 1 thread$/);
    assert.match(status.notice.text, reasonPattern, 'the notice does not say why');
    assert.match(status.modeReason, /^the threaded engine did not start \(/);
    assert.match(status.modeReason, reasonPattern);
    assert.deepEqual(await classifyAll(page), reference.classified);
    // The single-thread engine does the work: the data set arrives, an evaluation runs.
    await page.evaluate(() => window.convpad.datasetReady);
    assert.equal((await page.evaluate(() => window.convpad.evaluate())).total, 10000);
    await waitFrames(page, 3);
    assert.deepEqual(problems.filter((p) => !expectedProblems.includes(p)), []);
  }, { prepare });
}

// A copy of the site (symbolic links) with some files replaced: {name: contents}.
async function siteWith(replacements) {
  const dir = await mkdtemp(path.join(tmpdir(), 'convpad-site-'));
  for (const name of await readdir(SITE_DIR)) {
    if (!(name in replacements)) await symlink(path.join(SITE_DIR, name), path.join(dir, name));
  }
  for (const [name, contents] of Object.entries(replacements)) await writeFile(path.join(dir, name), contents);
  return dir;
}

test('a threaded engine whose pthread workers cannot start gives way to the single-thread engine', async () => {
  // The pthreads' script throws as it loads, in every worker of the pool. The engine worker creates
  // those workers itself, where page.route() does not reach their scripts: the site serves the broken one.
  const dir = await siteWith({ 'convpad_engine_mt.worker.js': 'throw new Error("broken worker script");\n' });
  const broken = await startServer({ dir });
  try {
    await assertFallback({ url: broken.url, reasonPattern: /broken worker script/,
      expectedProblems: ['page error: broken worker script'] });
  } finally {
    broken.proc.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
});

// The engine worker's script, with `new Worker` that never returns for the first `stalls` loads of it: how
// Firefox sometimes hangs as the threaded engine makes its pthread pool.
function stallingPool(page, stalls) {
  let loads = 0;
  return page.route('**/engine_worker.js', async (route) => {
    const response = await route.fetch();
    const stall = loads++ < stalls ? 'self.Worker = function () { for (;;) {} };\n' : '';
    await route.fulfill({ response, body: stall + await response.text() });
  });
}

test('a threaded engine that stalls making its threads is started again, and runs', async () => {
  await withPage(isolated.url, async ({ page, problems, warnings }) => {
    const { status } = await pageState(page);
    assert.equal(status.engine, 'pthreads');
    assert.equal(status.modeReason, null);
    assert.deepEqual(warnings.filter((w) => w.startsWith('ConvPad:')), [
      "ConvPad: the browser did not make the engine's threads within 8 s; starting the threaded engine again"]);
    assert.deepEqual(await classifyAll(page), reference.classified);
    assert.deepEqual(problems, []);
  }, { prepare: (page) => stallingPool(page, 1) });
});

test('a threaded engine that stalls twice gives way to the single-thread engine', async () => {
  await assertFallback({ prepare: (page) => stallingPool(page, 2), reasonPattern: /did not make the engine's threads/ });
});

test('a threaded engine whose wasm does not compile gives way to the single-thread engine', async () => {
  await assertFallback({
    prepare: (page) => page.route('**/convpad_engine_mt.wasm', (route) => route.fulfill({
      status: 200, body: Buffer.from('\0asm\x01\0\0\0not a module'), headers: { 'Content-Type': 'application/wasm' },
    })),
    reasonPattern: /Aborted|CompileError|compile/i,
  });
});
