// End-to-end tests of window.convpad (README.md, "JavaScript API") on the real page in headless Chromium:
// one page for the whole file, loaded once, as a user would keep it open. The tests run in order
// and share it: classification and evaluation against the native CLI, drawing with real mouse
// events, model files, a short training run with pause/resume/reset (the engine runs in a Web Worker:
// its commands return Promises). Screenshots of the whole UI and of each panel go to the artifacts
// folder; the figures measured (load times, frames, training speed) go to api-figures.json there.
//
//   node --test tests/browser/api.mjs          (environment: see helpers.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import {
  ARTIFACTS_DIR, BROWSER, ONLY_CHROMIUM, SITE_DIR, THREADED, assertSiteBuilt, downloadsOf, frameCount, nativeCli,
  nativePredictions, openBrowser, readTestSet, run, startServer, testImagePixels, waitFrames, waitReady, waitStatus,
} from './helpers.mjs';

// A small network keeps the training test short: the point there is behaviour, not accuracy.
const SMALL_ARCH = 'conv16k5-relu-pool2-flatten-dense64-relu-dense10';
const MODEL_PATH = path.join(SITE_DIR, 'fashion-cnn.cpm');

let server, browser, page, testSet, pretrained;
const figures = {};   // measurements for the report, written to api-figures.json

// [SECTION] Helpers

const classifyInPage = (pixels) => page.evaluate((p) => window.convpad.classify(p), pixels);

// Counts requestAnimationFrame callbacks (the browser's frame rate: how free the main thread is) and
// the app's own frames (drawn on demand: input, the engine's news, a resize).
async function measureFrames(ms) {
  const before = await frameCount(page);
  const presented = await page.evaluate((duration) => new Promise((resolve) => {
    let frames = 0;
    const start = performance.now();
    const count = (now) => {
      if (now - start >= duration) resolve({ frames, seconds: (now - start) / 1000 });
      else { ++frames; requestAnimationFrame(count); }
    };
    requestAnimationFrame(count);
  }), ms);
  const appFrames = (await frameCount(page)) - before;
  return { fps: presented.frames / presented.seconds, appFrames, seconds: presented.seconds };
}

// The whole page plus one picture per panel window (layout().windows), clipped to its rectangle.
async function screenshotPanels(prefix) {
  await waitFrames(page, 3);
  const { windows } = await page.evaluate(() => window.convpad.layout());
  const shots = [path.join(ARTIFACTS_DIR, `${prefix}-full.png`)];
  await page.screenshot({ path: shots[0] });
  const viewport = page.viewportSize();
  for (const w of windows) {
    const name = w.name.replace(/^#+/, '').replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
    const clip = {
      x: Math.max(0, w.x), y: Math.max(0, w.y),
      width: Math.min(w.width, viewport.width - Math.max(0, w.x)),
      height: Math.min(w.height, viewport.height - Math.max(0, w.y)),
    };
    const file = path.join(ARTIFACTS_DIR, `${prefix}-${name}.png`);
    await page.screenshot({ path: file, clip });
    shots.push(file);
  }
  return shots;
}

// Bytes cross into the page as base64: a 900 KB model as a JSON array of numbers takes seconds.
const base64 = (bytes) => Buffer.from(bytes).toString('base64');

async function savedModel() {
  return Buffer.from(await page.evaluate(async () => {
    const bytes = await window.convpad.saveModel();
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }), 'base64');
}

// Runs convpad.loadModel(bytes) in the page: {loaded: {arch, params}} or {isError, message}.
function loadInPage(bytes) {
  return page.evaluate(async (b64) => {
    const bytesOf = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    try {
      return { loaded: await window.convpad.loadModel(bytesOf(b64)) };
    } catch (e) {
      return { isError: e instanceof Error, message: e.message };
    }
  }, base64(bytes));
}

function meanOf(values) { return values.reduce((a, b) => a + b, 0) / values.length; }

// [SECTION] Setup

before(async () => {
  assertSiteBuilt();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  testSet = readTestSet();
  pretrained = readFileSync(MODEL_PATH);
  const started = await startServer();
  server = started.proc;
  browser = await openBrowser({ width: 1280, height: 800 });
  page = browser.page;
  const start = Date.now();
  await page.goto(started.url);
  await waitReady(page);
  figures.readyWallMs = Date.now() - start;
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  await writeFile(path.join(ARTIFACTS_DIR, 'api-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

// [SECTION] Tests

test('the page loads without errors; ready, then the data set, arrive', async (t) => {
  const status = await page.evaluate(async () => {
    await window.convpad.datasetReady;
    return window.convpad.status();
  });
  assert.equal(status.phase, 'idle');
  assert.equal(status.dataset.ready, true);
  assert.equal(status.dataset.error, null);
  assert.ok(status.dataset.total > 30e6, `dataset bytes ${status.dataset.total}`);
  assert.equal(status.dataset.loaded, status.dataset.total);
  assert.equal(status.arch, pretrained.subarray(16, 16 + pretrained.readUInt32LE(12)).toString());
  // tools/server.py makes the page cross-origin isolated: the threaded build on min(cores, 4) threads, where
  // the browser gives an isolated page SharedArrayBuffer.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.equal(status.threads, THREADED ? Math.min(cores, 4) : 1);
  assert.equal(status.modeReason, THREADED ? null : 'this browser has no SharedArrayBuffer');
  assert.equal(status.mode, status.threads > 1 ? 'multi-thread' : 'single-thread');
  assert.equal(status.engine, status.threads > 1 ? 'pthreads' : 'worker');

  const timings = await page.evaluate(() => window.convpad.timings);
  figures.readyMs = Math.round(timings.readyMs);       // since navigation start, in the page
  figures.datasetMs = Math.round(timings.datasetMs);
  t.diagnostic(`ready after ${figures.readyMs} ms, data set loaded after ${figures.datasetMs} ms`);
  assert.deepEqual(browser.problems, []);
});

test('every call validates its arguments and throws an Error naming the problem', async () => {
  const errors = await page.evaluate(async () => {
    const c = window.convpad;
    const outcome = (e) => ({ isError: e instanceof Error, message: e.message });
    const sync = (f) => { try { f(); return null; } catch (e) { return outcome(e); } };
    // A call that returns a Promise must reject it, never throw at once (sync: true would say it did).
    const later = async (f) => {
      let promise;
      try { promise = f(); } catch (e) { return { ...outcome(e), sync: true }; }
      if (!(promise instanceof Promise)) return { notPromise: true, isError: false, message: String(promise) };
      try { await promise; return null; } catch (e) { return outcome(e); }
    };
    const image = (index, value) => { const a = new Array(784).fill(0); a[index] = value; return a; };
    return {
      noArgument: sync(() => c.classify()),
      string: sync(() => c.classify('pixels')),
      short: sync(() => c.classify([0, 0.5, 1])),
      long: sync(() => c.classify(new Float32Array(785))),
      notNumber: sync(() => c.classify(image(3, '0.5'))),
      nan: sync(() => c.classify(image(5, NaN))),
      infinite: sync(() => c.classify(image(6, Infinity))),
      tooBright: sync(() => c.classify(image(700, 1.5))),
      negative: sync(() => c.classify(image(0, -0.01))),
      trainNotObject: await later(() => c.train(5)),
      trainUnknownKey: await later(() => c.train({ epochs: 1, epoch: 2 })),
      trainInheritedKey: await later(() => c.train(JSON.parse('{"constructor": 1}'))),
      trainType: await later(() => c.train({ epochs: '1' })),
      trainFraction: await later(() => c.train({ batchSize: 32.5 })),
      trainRange: await later(() => c.train({ epochs: 0 })),
      trainBatch: await later(() => c.train({ batchSize: 5000 })),
      trainRate: await later(() => c.train({ learningRate: 5 })),
      trainOptimizer: await later(() => c.train({ optimizer: 'rmsprop' })),
      trainDropout: await later(() => c.train({ dropout: 1 })),
      trainValidation: await later(() => c.train({ validation: 60000 })),
      trainSubset: await later(() => c.train({ subset: -1 })),
      trainArch: await later(() => c.train({ arch: 'conv32k3-relu-pool2-conv64x3-dense10' })),
      pauseIdle: await later(() => c.pause()),
      resumeIdle: await later(() => c.resume()),
      setThreadsRange: await later(() => c.setThreads(0)),
      setThreadsType: await later(() => c.setThreads('2')),
      loadModelType: await later(() => c.loadModel('model.cpm')),
      loadModelEmpty: await later(() => c.loadModel(new Uint8Array(0))),
      phase: c.status().phase,
      settings: c.settings(),
    };
  });
  const expect = {
    noArgument: /^classify: pixels must be an Array or Float32Array of 784 numbers, got undefined/,
    string: /^classify: pixels must be an Array .* got the string "pixels"/,
    short: /^classify: pixels must have 784 values \(28x28\), got 3$/,
    long: /^classify: pixels must have 784 values \(28x28\), got 785$/,
    notNumber: /^classify: pixels\[3\] is the string "0.5", not a number$/,
    nan: /^classify: pixels\[5\] is NaN, not a finite number$/,
    infinite: /^classify: pixels\[6\] is Infinity, not a finite number$/,
    tooBright: /^classify: pixels\[700\] is 1.5, outside \[0, 1\]$/,
    negative: /^classify: pixels\[0\] is -0.01, outside \[0, 1\]$/,
    trainNotObject: /^train: options must be an object, got number 5$/,
    trainUnknownKey: /^train: unknown option 'epoch' \(known: epochs, batchSize/,
    trainInheritedKey: /^train: unknown option 'constructor' \(known: epochs, batchSize/,
    trainType: /^train: epochs must be an integer, got the string "1"$/,
    trainFraction: /^train: batchSize must be an integer, got number 32.5$/,
    trainRange: /^train: epochs must be an integer from 1 to 1000 \(got 0\)$/,
    trainBatch: /^train: batchSize must be an integer from 1 to 4096 \(got 5000\)$/,
    trainRate: /^train: learningRate must be in \(0, 1\] \(got 5\)$/,
    trainOptimizer: /^train: optimizer must be 'adam', 'adamw' or 'sgd' \(got "rmsprop"\)$/,
    trainDropout: /^train: dropout must be in \[0, 1\)/,
    trainValidation: /^train: validation must be an integer from 0 to 59999 \(got 60000\)$/,
    trainSubset: /^train: subset must be an integer from 0 to 60000 \(got -1\)$/,
    trainArch: /^train: architecture token 'conv64x3' at position 20/,
    pauseIdle: /^pause: nothing to pause: no run is in progress$/,
    resumeIdle: /^resume: nothing to resume: no run is in progress$/,
    setThreadsRange: /^setThreads: threads must be an integer from 1 to 16, got number 0$/,
    setThreadsType: /^setThreads: threads must be an integer from 1 to 16, got the string "2"$/,
    loadModelType: /^loadModel: expected a Uint8Array, ArrayBuffer or Blob, got the string "model.cpm"$/,
    loadModelEmpty: /^loadModel: the model file is empty$/,
  };
  for (const [name, pattern] of Object.entries(expect)) {
    assert.ok(errors[name], `${name}: no error`);
    assert.equal(errors[name].isError, true, `${name}: not an Error`);
    assert.equal(errors[name].sync, undefined, `${name}: threw instead of rejecting its Promise`);
    assert.match(errors[name].message, pattern, name);
  }
  assert.equal(errors.phase, 'idle', 'a refused call changed the session');
  assert.equal(errors.settings.epochs, 5, 'a refused train() changed the settings');
  assert.deepEqual(browser.problems, []);
});

test('classify() gives the native CLI\'s labels and probabilities', async (t) => {
  const indices = Array.from({ length: 24 }, (_, k) => k * 413);
  const results = [];
  for (const i of indices) {
    const pixels = testImagePixels(testSet, i);
    const result = await classifyInPage(pixels);
    assert.equal(result.probs.length, 10);
    assert.ok(Math.abs(meanOf(result.probs) * 10 - 1) < 1e-5, `probs of image ${i} do not sum to 1`);
    assert.equal(result.label, result.probs.indexOf(Math.max(...result.probs)));
    assert.equal(typeof result.name, 'string');
    results.push(result);
  }
  // A Float32Array gives the same answer as an Array.
  const typed = await page.evaluate((p) => window.convpad.classify(new Float32Array(p)), testImagePixels(testSet, indices[1]));
  assert.deepEqual(typed, results[1]);
  const correct = indices.filter((i, k) => results[k].label === testSet.labels[i]).length;
  t.diagnostic(`${correct} of ${indices.length} test images classified correctly`);
  assert.ok(correct >= indices.length * 0.75, 'the pretrained model is not doing its job');

  const cli = nativeCli();
  if (!cli) {
    t.skip('no native convpad (set CONVPAD_CLI or build build/native): comparison skipped');
    return;
  }
  const natives = await nativePredictions(cli, MODEL_PATH, testSet, indices);
  assert.equal(natives.length, indices.length);
  let worst = 0;
  natives.forEach((native, k) => {
    assert.equal(results[k].label, native.label, `image ${indices[k]}: page ${results[k].name}, native ${native.name}`);
    for (let c = 0; c < 10; ++c) worst = Math.max(worst, Math.abs(results[k].probs[c] - native.probs[c]));
  });
  t.diagnostic(`largest probability difference page vs native: ${worst.toExponential(2)}`);
  figures.classifyMaxProbDiff = worst;
  assert.ok(worst <= 1e-4, `probabilities differ by ${worst}`);
});

test('evaluate() matches `convpad eval --json` and shows the Evaluation tab', async (t) => {
  const started = Date.now();
  const result = await page.evaluate(() => window.convpad.evaluate());
  figures.evaluateMs = Date.now() - started;
  assert.equal(result.total, 10000);
  assert.equal(result.confusion.length, 10);
  for (const row of result.confusion) assert.equal(row.length, 10);
  const rowSums = result.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  assert.deepEqual(rowSums, result.support, 'confusion rows are not the true classes');
  const trace = result.confusion.reduce((sum, row, k) => sum + row[k], 0);
  assert.ok(Math.abs(result.accuracy - trace / 10000) < 1e-12);
  assert.ok(Math.abs(result.macroF1 - meanOf(result.f1)) < 1e-9);
  for (const key of ['precision', 'recall', 'f1']) assert.equal(result[key].length, 10, key);
  t.diagnostic(`page: accuracy ${result.accuracy}, macro F1 ${result.macroF1.toFixed(4)} in ${figures.evaluateMs} ms`);
  figures.pretrainedAccuracy = result.accuracy;

  const status = await page.evaluate(() => window.convpad.status());
  assert.equal(status.phase, 'idle');
  await screenshotPanels('api-evaluation');

  const cli = nativeCli();
  if (!cli) {
    t.skip('no native convpad (set CONVPAD_CLI or build build/native): comparison skipped');
    return;
  }
  const native = JSON.parse(await run(cli, ['eval', '--json', '--model', MODEL_PATH, '--data', SITE_DIR]));
  t.diagnostic(`native: accuracy ${native.accuracy}`);
  assert.ok(Math.abs(result.accuracy - native.accuracy) <= 1e-4,
    `page accuracy ${result.accuracy}, native ${native.accuracy}`);
  assert.ok(Math.abs(result.macroF1 - native.macro.f1) <= 1e-3);
});

test('drawing with the mouse: pad.prediction() changes and pad.pixels() follow the preprocessing', async () => {
  await page.evaluate(() => window.convpad.pad.clear());
  await waitFrames(page, 2);
  const empty = await page.evaluate(() => ({
    prediction: window.convpad.pad.prediction(), pixels: Array.from(window.convpad.pad.pixels()),
  }));
  assert.equal(empty.prediction.empty, true);
  assert.equal(empty.pixels.length, 784);
  assert.ok(empty.pixels.every((v) => v === 0), 'an empty pad gives a non-black input');

  // A vertical stroke down the middle of the drawing surface, with real mouse events.
  const { pad } = await page.evaluate(() => window.convpad.layout());
  assert.ok(pad.width > 100 && pad.height > 100, `pad rectangle ${JSON.stringify(pad)}`);
  const x = pad.x + pad.width / 2;
  // A frame after each input, as a hand gives: the UI reads the mouse once a frame, so a stroke that began
  // and ended within one (a loaded WebKitGTK's) would be lost.
  await page.mouse.move(x, pad.y + pad.height * 0.15);
  await page.mouse.down();
  await waitFrames(page, 1);
  await page.mouse.move(x, pad.y + pad.height * 0.85, { steps: 25 });
  await waitFrames(page, 1);
  await page.mouse.up();
  await waitFrames(page, 3);

  const drawn = await page.evaluate(() => {
    const pixels = Array.from(window.convpad.pad.pixels());
    return { prediction: window.convpad.pad.prediction(), pixels, check: window.convpad.classify(pixels) };
  });
  assert.equal(drawn.prediction.empty, false);
  assert.notDeepEqual(drawn.prediction.probs, empty.prediction.probs, 'the prediction did not change');
  for (let c = 0; c < 10; ++c) {
    assert.ok(Math.abs(drawn.check.probs[c] - drawn.prediction.probs[c]) < 1e-6,
      'classify(pad.pixels()) differs from pad.prediction()');
  }

  // README "Preprocessing": the box's longer side scaled to 28 px, centre of mass at (14, 14).
  let mass = 0, cx = 0, cy = 0, top = 28, bottom = -1, left = 28, right = -1;
  drawn.pixels.forEach((v, i) => {
    const row = Math.floor(i / 28), col = i % 28;
    mass += v; cx += v * col; cy += v * row;
    if (v > 0.1) {
      top = Math.min(top, row); bottom = Math.max(bottom, row);
      left = Math.min(left, col); right = Math.max(right, col);
    }
  });
  cx /= mass; cy /= mass;
  const height = bottom - top + 1, width = right - left + 1;
  // Centre of mass of a pixel grid: pixel centres are at index + 0.5.
  assert.ok(Math.abs(cx + 0.5 - 14) <= 1 && Math.abs(cy + 0.5 - 14) <= 1, `centre of mass (${cx + 0.5}, ${cy + 0.5})`);
  assert.ok(height >= 27, `the stroke spans ${height} rows, not the full 28`);
  assert.ok(width <= 8, `a vertical line became ${width} columns wide`);
  figures.padStroke = { rows: height, columns: width, centre: [+(cx + 0.5).toFixed(2), +(cy + 0.5).toFixed(2)],
    prediction: drawn.prediction.name };
  await screenshotPanels('api-drawing');

  await page.evaluate(() => window.convpad.pad.clear());
  assert.equal(await page.evaluate(() => window.convpad.pad.prediction().empty), true);
  assert.deepEqual(browser.problems, []);
});

test('moves the browser merges into one event reach the pad: a quick zigzag draws as a slow one', { skip: ONLY_CHROMIUM }, async () => {
  await page.evaluate(() => {
    window.__merged = 0;
    window.addEventListener('pointermove', (e) => { window.__merged = Math.max(window.__merged, e.getCoalescedEvents().length); },
      { capture: true });
  });
  const { pad } = await page.evaluate(() => window.convpad.layout());
  const at = (u, v) => [pad.x + u * pad.width, pad.y + v * pad.height];
  // Eight sharp teeth: a stroke that loses moves cuts their tips.
  const path = [];
  for (let i = 1; i <= 96; ++i) {
    const tooth = (i % 12) / 12;
    path.push(at(0.15 + 0.7 * i / 96, 0.25 + 0.5 * (tooth < 0.5 ? 2 * tooth : 2 - 2 * tooth)));
  }
  const cdp = await page.context().newCDPSession(page);
  const send = (type, [x, y], buttons) => cdp.send('Input.dispatchMouseEvent',
    { type, x, y, button: type === 'mouseMoved' && !buttons ? 'none' : 'left', buttons, clickCount: 1 });
  const browserFrame = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
  const draw = async (quick) => {
    await page.evaluate(() => window.convpad.pad.clear());
    await send('mouseMoved', at(0.15, 0.25), 0);
    await browserFrame();
    await send('mousePressed', at(0.15, 0.25), 1);
    if (quick) {
      // Back to back while the page's main thread is busy (as in a slow frame): Chromium merges them.
      const busy = page.evaluate(() => { const end = performance.now() + 400; while (performance.now() < end); });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await Promise.all(path.map((p) => send('mouseMoved', p, 1)));
      await busy;
    } else {
      for (const p of path) {   // one move per browser frame: none merged
        await send('mouseMoved', p, 1);
        await browserFrame();
      }
    }
    await send('mouseReleased', path[path.length - 1], 0);
    await browserFrame();
    await waitFrames(page, 2);
    return page.evaluate(() => ({
      pixels: Array.from(window.convpad.pad.pixels()), strokes: window.convpad.pad.prediction().strokes, merged: window.__merged,
    }));
  };
  const slow = await draw(false);
  await page.evaluate(() => { window.__merged = 0; });
  const quick = await draw(true);
  await cdp.detach();
  assert.ok(quick.merged > 8, `Chromium merged at most ${quick.merged} moves: the case this test is about did not happen`);
  assert.deepEqual([slow.strokes, quick.strokes], [1, 1]);
  // Not bit for bit: SDL rounds each event's own position to whole pixels, merged positions keep their
  // fractions. A quick stroke without the merged moves differs by whole pixels (1.0).
  const worst = Math.max(...quick.pixels.map((v, i) => Math.abs(v - slow.pixels[i])));
  assert.ok(worst < 0.25, `the quick zigzag's input differs from the slow one's by up to ${worst.toFixed(3)}`);
  await page.evaluate(() => window.convpad.pad.clear());
});

test('model files: save, download, load, pick, drop; bad bytes are refused and the model stays', async (t) => {
  const image = testImagePixels(testSet, 7);
  const reference = await classifyInPage(image);

  const saved = await savedModel();
  assert.equal(saved.subarray(0, 8).toString('latin1'), 'CONVPAD\x1a');
  assert.ok(saved.equals(pretrained), 'saveModel() is not the model file the page loaded');

  // Each malformed file must be refused with an Error; the current model must keep answering.
  const archAt = 16, archLength = pretrained.readUInt32LE(12);
  const mismatched = Buffer.from(pretrained);
  const arch = mismatched.subarray(archAt, archAt + archLength).toString();
  assert.ok(arch.includes('dense128'));
  mismatched.write(arch.replace('dense128', 'dense127'), archAt);   // same length: only the shapes disagree
  const flipped = Buffer.from(pretrained);
  flipped[flipped.length - 5] ^= 0x40;                            // one weight byte: the checksum catches it
  let seed = 12345;
  const garbage = Buffer.from(Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 255));
  const cases = {
    garbage: [garbage, /magic/i],
    truncated: [pretrained.subarray(0, pretrained.length >> 1), /size|truncat|short|end/i],
    headerOnly: [pretrained.subarray(0, 20), /size|truncat|short|end/i],
    mismatched: [mismatched, /declares \d+ weights but its architecture .* has \d+/],
    flipped: [flipped, /checksum|crc/i],
  };
  for (const [name, [bytes, pattern]] of Object.entries(cases)) {
    const outcome = await loadInPage(bytes);
    assert.equal(outcome.loaded, undefined, `${name}: a malformed model was accepted`);
    assert.equal(outcome.isError, true, name);
    assert.match(outcome.message, /^loadModel: /, name);
    assert.match(outcome.message, pattern, `${name}: ${outcome.message}`);
    assert.deepEqual(await classifyInPage(image), reference, `${name}: the model changed`);
  }

  const { loaded } = await loadInPage(saved);
  assert.equal(loaded.arch, arch);
  assert.deepEqual(await classifyInPage(image), reference);

  // downloadModel(): a browser download named convpad-model.cpm with the same bytes.
  const downloads = await downloadsOf(page, 1, () => page.evaluate(() => window.convpad.downloadModel()));
  if (downloads) {
    assert.deepEqual(downloads.map((d) => d.name), ['convpad-model.cpm']);
    assert.ok(downloads[0].bytes.equals(saved), 'the download differs from saveModel()');
  } else {
    t.diagnostic('downloadModel() not checked: WebKitWebDriver reports no downloads');
  }

  // A file dropped on the page goes through loadModel; the outcome is the app's notice.
  const drop = (name, bytes) => page.evaluate(async ({ name, b64 }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
    document.getElementById('canvas').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, { name, b64: base64(bytes) });
  await drop('broken.cpm', garbage);
  let status = await waitStatus(page, (s) => s.notice?.text.includes('broken.cpm'), { timeout: 10_000, what: 'the drop notice' });
  assert.equal(status.notice.error, true);
  assert.match(status.notice.text, /^could not load broken\.cpm: /);
  assert.deepEqual(await classifyInPage(image), reference);
  await drop('dropped.cpm', saved);
  status = await waitStatus(page, (s) => s.notice?.text.includes('dropped.cpm'), { timeout: 10_000, what: 'the drop notice' });
  assert.equal(status.notice.error, false);
  assert.equal(status.notice.text, `loaded dropped.cpm (${arch})`);

  // pickModelFile(): the browser's file chooser, answered with the site's model file. (Only Playwright
  // answers a file chooser.)
  if (BROWSER !== 'chromium') {
    t.diagnostic('pickModelFile() not checked: only Chromium\'s driver answers a file chooser');
  } else {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.evaluate(() => window.convpad.pickModelFile())]);
    await chooser.setFiles(MODEL_PATH);
    status = await waitStatus(page, (s) => s.notice?.text.includes('fashion-cnn.cpm'), { timeout: 10_000, what: 'the picker notice' });
    assert.equal(status.notice.text, `loaded fashion-cnn.cpm (${arch})`);
    assert.deepEqual(await classifyInPage(image), reference);
  }
  assert.deepEqual(browser.problems, []);
});

test('training: the loss falls, pause/resume/reset behave and frames keep coming', async (t) => {
  const image = testImagePixels(testSet, 3);
  const pretrainedResult = await classifyInPage(image);

  // An idle page rests (frames on demand): without input or news from the engine it draws (almost)
  // nothing, while the browser itself keeps presenting; input over the canvas gets frames at once.
  await new Promise((resolve) => setTimeout(resolve, 500));   // a last notice or snapshot may still ask for a frame
  const idle = await measureFrames(2000);
  figures.idleFps = +idle.fps.toFixed(1);
  figures.idleAppFrames = idle.appFrames;
  assert.ok(idle.appFrames <= 3, `the idle page drew ${idle.appFrames} frames in ${idle.seconds.toFixed(1)} s`);
  const { canvas } = await page.evaluate(() => window.convpad.layout());
  const beforeInput = await frameCount(page);
  await page.mouse.move(canvas.x + canvas.width * 0.5, canvas.y + canvas.height * 0.4);
  await page.mouse.move(canvas.x + canvas.width * 0.55, canvas.y + canvas.height * 0.45, { steps: 5 });
  await page.waitForFunction((n) => window.convpad.status().frames > n, beforeInput, { timeout: 10_000 });

  // Three epochs of 59,000 images: long enough to measure frames, pause and resume in the middle of the
  // run even where this small network trains at 15,000 images/s.
  const options = { epochs: 3, arch: SMALL_ARCH, validation: 1000, batchSize: 64, learningRate: 0.001, seed: 7 };
  const runSettings = {
    ...options, optimizer: 'adam', dropout: 0.5, patience: 3, lrPatience: 1, subset: 0, shift: 0, rotate: 0, scale: 0, flip: false, drawn: 0,
    sketches: 0, schedule: 'plateau', warmup: 0, weightDecay: 0.01, labelSmoothing: 0,
  };
  await page.evaluate((o) => {
    window.trainRun = { promise: window.convpad.train(o) };
    window.trainRun.promise.then((s) => { window.trainRun.result = s; }, (e) => { window.trainRun.error = e.message; });
  }, options);
  // The engine starts the run in its worker; the page's status says so with the engine's next update.
  await page.waitForFunction(() => window.trainRun.error || window.convpad.status().phase !== 'idle', null,
    { timeout: 30_000 });
  const started = await page.evaluate(() => ({
    status: window.convpad.status(), settings: window.convpad.settings(), error: window.trainRun.error ?? null,
  }));
  assert.equal(started.error, null, 'train() was refused');
  assert.equal(started.status.phase, 'training');
  assert.equal(started.status.arch, SMALL_ARCH);
  assert.deepEqual(started.settings, runSettings, 'the Training panel does not show the run');
  assert.deepEqual(started.status.settings, runSettings, 'the engine does not run the settings train() asked for');

  await waitStatus(page, (s) => s.step >= 10, { what: 'ten training steps' });

  // While training, the engine's news (at most every 250 ms) keeps the page drawing without any input.
  const training = await measureFrames(3000);
  const stepsAfter = await page.evaluate(() => window.convpad.status());
  assert.equal(stepsAfter.phase, 'training', 'the run ended during the frame measurement: make it longer');
  figures.trainingFps = +training.fps.toFixed(1);
  figures.trainingFrameMs = +(1000 / training.fps).toFixed(1);
  figures.trainingAppFrames = training.appFrames;
  t.diagnostic(`browser frame rate: idle ${idle.fps.toFixed(1)} fps (${idle.appFrames} app frames in ${idle.seconds.toFixed(1)} s), `
    + `training ${training.fps.toFixed(1)} fps (${training.appFrames} app frames in ${training.seconds.toFixed(1)} s)`);
  assert.ok(training.appFrames >= 5, `only ${training.appFrames} frames in 3 s while training`);

  const second = await page.evaluate(async () => {
    try { await window.convpad.train({ epochs: 2, seed: 8 }); return null; } catch (e) { return e.message; }
  });
  assert.match(second, /^train: training is already running/);
  assert.deepEqual(await page.evaluate(() => window.convpad.settings()), runSettings,
    'a train() the engine refused changed the Training panel');

  // pause() resolves once the engine has paused, on a step boundary, with the log up to that step; the
  // step then stays put until resume().
  const paused = await page.evaluate(() => window.convpad.pause());
  assert.equal(paused.phase, 'paused');
  assert.ok(paused.step >= 10, `paused at step ${paused.step}`);
  assert.equal(await page.evaluate(() => window.convpad.history().losses.length), paused.stepsDone,
    'the loss log and the status disagree at the pause');
  await new Promise((resolve) => setTimeout(resolve, 1000));   // an engine that ignored the pause would do dozens of steps
  await screenshotPanels('api-training');                     // the UI still draws while paused
  const stillPaused = await page.evaluate(() => ({ status: window.convpad.status(), logged: window.convpad.history().losses.length }));
  assert.equal(stillPaused.status.phase, 'paused');
  assert.equal(stillPaused.status.step, paused.step, 'training went on while paused');
  assert.equal(stillPaused.status.stepsDone, paused.stepsDone, 'training went on while paused');
  assert.equal(stillPaused.logged, paused.stepsDone, 'losses were logged while paused');
  assert.equal((await page.evaluate(() => window.convpad.pause())).phase, 'paused', 'pause() twice');
  const resumed = await page.evaluate(() => window.convpad.resume());
  assert.equal(resumed.phase, 'training');
  await waitStatus(page, (s) => s.step > paused.step || s.phase === 'idle', { what: 'steps after resume' });

  const final = await page.evaluate(() => window.trainRun.promise);
  assert.equal(final.phase, 'idle');
  assert.equal(final.epoch, 3);
  assert.equal(final.step, final.stepsPerEpoch);
  assert.equal(final.stepsPerEpoch, Math.ceil(59000 / 64));
  assert.ok(final.valAccuracy > 0.6, `validation accuracy ${final.valAccuracy}`);
  figures.trainingImagesPerSecond = Math.round(final.imagesPerSecond);
  figures.trainingArch = SMALL_ARCH;
  t.diagnostic(`${Math.round(final.imagesPerSecond)} training images/s (${SMALL_ARCH}); val accuracy ${final.valAccuracy}`);

  const history = await page.evaluate(() => window.convpad.history());
  assert.equal(history.losses.length, 3 * final.stepsPerEpoch);
  assert.equal(history.epochs.length, 3);
  const losses = history.losses.map(([, loss]) => loss);
  const first = meanOf(losses.slice(0, 10)), last = meanOf(losses.slice(-10));
  t.diagnostic(`loss: first ten steps ${first.toFixed(3)}, last ten ${last.toFixed(3)}`);
  assert.ok(last < 0.75 * first, `the loss did not fall: ${first} -> ${last}`);
  assert.notDeepEqual(await classifyInPage(image), pretrainedResult, 'classify still uses the old weights');

  // Reset: back to the pretrained weights, in the engine and in the UI's copy classify() uses.
  const reset = await page.evaluate(() => window.convpad.reset());
  assert.equal(reset.phase, 'idle');
  assert.notEqual(reset.arch, SMALL_ARCH);
  assert.deepEqual(await classifyInPage(image), pretrainedResult, 'reset did not restore the pretrained model');

  // A run stopped by reset() rejects its promise.
  const stopped = await page.evaluate(async (o) => {
    // Handled at once: the run rejects while reset() is still on its way back from the engine.
    const run = window.convpad.train(o).then(() => null, (e) => e.message);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await window.convpad.reset();
    return { phase: after.phase, error: await run };
  }, options);
  assert.equal(stopped.phase, 'idle');
  assert.match(stopped.error ?? 'the run was not stopped', /^train: the run was stopped by reset\(\)/);
  assert.deepEqual(await classifyInPage(image), pretrainedResult);
  assert.deepEqual(browser.problems, []);
});

test('setDataset(): digits and back; each data set keeps its model, and its own options', async (t) => {
  const image = testImagePixels(testSet, 0);
  const fashionResult = await classifyInPage(image);
  const bad = await page.evaluate(() => window.convpad.setDataset('cifar').then(() => 'resolved', (e) => e.message));
  assert.equal(bad, 'setDataset: unknown data set the string "cifar" (known: fashion, digits)');

  const switched = await page.evaluate(() => window.convpad.setDataset('digits'));
  assert.equal(switched.dataset.name, 'digits');
  assert.equal(switched.dataset.title, 'MNIST digits');
  await page.evaluate(() => window.convpad.showPanel('samples'));   // the grid on screen asks for the data set
  const digits = await waitStatus(page, (s) => s.dataset.ready && s.phase === 'idle', { what: 'the digits data set' });
  assert.match(digits.message, /^loaded model /, 'the pretrained digits model was not loaded');
  const settings = await page.evaluate(() => window.convpad.settings());
  assert.equal(settings.validation, 800, 'the Training panel did not take the digits recipe');
  assert.equal(settings.flip, false);
  const digitGuess = await classifyInPage(image);
  assert.match(digitGuess.name, /^[0-9]$/);
  const flipped = await page.evaluate(() => window.convpad.train({ flip: true, epochs: 1 }).then(() => 'trained', (e) => e.message));
  assert.match(flipped, /^train: flip: mirrored MNIST digits are other shapes/);
  const sketches = await page.evaluate(() => window.convpad.train({ sketches: 5, epochs: 1 }).then(() => 'trained', (e) => e.message));
  assert.match(sketches, /^train: sketches: MNIST digits has no sketch set/);
  const evaluation = await page.evaluate(() => window.convpad.evaluate());
  assert.equal(evaluation.total, 2000);
  assert.deepEqual(evaluation.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  t.diagnostic(`digits in the page: accuracy ${evaluation.accuracy}`);
  assert.ok(evaluation.accuracy >= 0.985, `the bundled digits model scored ${evaluation.accuracy}`);

  const back = await page.evaluate(() => window.convpad.setDataset('fashion'));
  assert.equal(back.dataset.name, 'fashion');
  assert.equal(back.dataset.ready, true);
  assert.deepEqual(await classifyInPage(image), fashionResult, 'the fashion model did not come back');
  assert.equal((await page.evaluate(() => window.convpad.settings())).validation, 5000);
  assert.deepEqual(browser.problems, []);
});

test('screenshots of the idle app and each panel', async () => {
  const shots = await screenshotPanels('api-idle');
  assert.ok(shots.length >= 5, `only ${shots.length - 1} panel windows`);
});
