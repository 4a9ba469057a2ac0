// A classroom cannot break ConvPad or lose its work (issue 17): a run too big for the tab is refused with
// its estimate before anything is replaced; a model= server that stalls or sends without end cannot hold
// the page up, learns no cookies and tells a host nothing about the site; and after a stop that really is
// fatal the page still hands over the last model it showed.
//
//   node --test tests/browser/sturdy.mjs          (environment: see helpers.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import { ARTIFACTS_DIR, assertSiteBuilt, openBrowser, startServer, waitReady } from './helpers.mjs';

let server, url, browser, page, hostile;

// A model server a course page should not trust: /stall.cpm answers, sends 16 bytes and then nothing;
// /endless.cpm sends zeros without end. It allows CORS, and records each request's cookies.
function startHostileServer() {
  const requests = [];
  const srv = http.createServer((req, res) => {
    requests.push({ url: req.url, cookie: req.headers.cookie ?? null });
    res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/octet-stream' });
    if (req.url.startsWith('/stall')) {
      res.write(Buffer.alloc(16));
      return;
    }
    const chunk = Buffer.alloc(1 << 20);
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) {
        // until the socket's buffer is full
      }
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, requests, port: srv.address().port })));
}

before(async () => {
  assertSiteBuilt();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  ({ proc: server, url } = await startServer());
  hostile = await startHostileServer();
  browser = await openBrowser({ width: 1280, height: 800 });
  ({ page } = browser);
  await page.goto(url);
  await waitReady(page);
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  hostile?.srv.closeAllConnections();
  hostile?.srv.close();
});

const savedModel = () => page.evaluate(async () => Array.from(await window.convpad.saveModel()));

test('a run that cannot fit is refused with its estimate and a batch that fits; nothing is lost', { timeout: 300_000 }, async () => {
  const before = await page.evaluate(() => window.convpad.status());
  const model = await savedModel();
  const refusal = await page.evaluate(() => window.convpad.train({ arch: 'conv1024k3same-relu-gap-dense10', batchSize: 4096 })
    .then(() => null, (err) => err.message));
  assert.match(refusal ?? '', /^train: this run needs about [\d.]+ GB; at most [\d.]+ [GM]B fits\. Try batch \d+ or fewer or smaller filters$/);
  const after = await page.evaluate(() => window.convpad.status());
  assert.equal(await page.evaluate(() => window.convpad.state), 'ready');
  assert.equal(after.runId, before.runId, 'the refusal started or stopped something');
  assert.equal(after.modelVersion, before.modelVersion, 'the refusal changed the weights');
  assert.deepEqual(await savedModel(), model, 'the model is not the one the page had');
  assert.ok(after.memory.engineWasm < 512e6, `the refused run grew the engine to ${after.memory.engineWasm} bytes`);

  // The batch the message advises does fit: the engine starts it (and it is stopped at once).
  const batch = Number(refusal.match(/Try batch (\d+)/)[1]);
  const started = await page.evaluate(async (size) => {
    const run = window.convpad.train({ arch: 'conv1024k3same-relu-gap-dense10', batchSize: size, epochs: 1 });
    run.catch(() => {});
    const { phase } = await new Promise((resolve) => {
      const stop = window.convpad.on('phase', (status) => { stop(); resolve(status); });
    });
    await window.convpad.reset();
    return phase;
  }, batch);
  assert.equal(started, 'training');
});

test('long texts and big files are refused at the boundary; the modules keep working and the heap stays', { timeout: 180_000 }, async () => {
  const outcome = await page.evaluate(async () => {
    const { convpad } = window;
    const attempt = async (fn) => { try { await fn(); return 'accepted'; } catch (err) { return err.message; } };
    const before = convpad.status().memory;
    const results = {
      // ccall once copied each of these onto the 5 MB wasm stack, into static data beyond it.
      longJson: await attempt(() => convpad.loadModel(`{"pad": "${'x'.repeat(1_500_000)}"}`, new Uint8Array(4))),
      tooLongJson: await attempt(() => convpad.loadModel('x'.repeat(17 * 2 ** 20), new Uint8Array(4))),
      longRecipe: await attempt(() => convpad.recipe('b'.repeat(2_000_000))),
      longArch: await attempt(() => convpad.train({ arch: `${'relu-'.repeat(300_000)}dense10` })),
      longInspect: await attempt(() => convpad.inspect({ source: 'p'.repeat(2_000_000) })),
      // A file no model can be is refused before it is read; junk of a model's size from its first bytes.
      hugeFile: await attempt(() => convpad.loadModel(new Blob([new Uint8Array(100 * 2 ** 20)]))),
      junk: await attempt(() => convpad.loadModel(new Uint8Array(50 * 2 ** 20).fill(7))),
    };
    const after = convpad.status().memory;
    results.engineGrowth = after.engineWasm - before.engineWasm;
    results.state = convpad.state;
    results.classifies = convpad.classify(new Float32Array(784)).probs.length;
    return results;
  });
  assert.match(outcome.longJson, /^loadModel: /);
  assert.doesNotMatch(outcome.longJson, /app (failed|stopped)/);
  assert.match(outcome.tooLongJson, /^loadModel: model\.json is \d+ bytes, longer than the 16777216 accepted$|^loadModel: a text of \d+ characters is longer than the 16777216 a call accepts$/);
  assert.match(outcome.longRecipe, /^recipe: unknown recipe/);
  assert.match(outcome.longArch, /^train: /);
  assert.doesNotMatch(outcome.longArch, /app (failed|stopped)/);
  assert.match(outcome.longInspect, /^inspect: source must be 'pad' or 'test'/);
  assert.match(outcome.hugeFile, /^loadModel: the model file is 100 MB, more than any model can be \(96 MB\)$/);
  assert.match(outcome.junk, /^loadModel: not a ConvPad model file \(wrong magic bytes\)$/);
  assert.equal(outcome.engineGrowth, 0, 'a refused file grew the engine\'s memory');
  assert.equal(outcome.state, 'ready');
  assert.equal(outcome.classifies, 10);
});

test('model= from a server that stalls or never ends: ready with the pretrained model, then a plain refusal; no cookies sent', { timeout: 180_000 }, async () => {
  const cases = [['/stall.cpm', /^model=\S+: no data arrived for 15 s \(the pretrained model is used\)$/],
    ['/endless.cpm', /^model=\S+: the file is larger than 96 MB \(the pretrained model is used\)$/]];
  const pretrainedArch = (await page.evaluate(() => window.convpad.status())).arch;   // the shared page's
  for (const [file, refusal] of cases) {
    const other = await openBrowser({ width: 800, height: 500 });
    try {
      await other.page.context().addCookies([{ name: 'course', value: 'secret', domain: '127.0.0.1', path: '/' }]);
      await other.page.goto(`${url}?model=${encodeURIComponent(`http://127.0.0.1:${hostile.port}${file}`)}`);
      await waitReady(other.page);
      const atReady = await other.page.evaluate(() => ({ state: window.convpad.state, ...window.convpad.config() }));
      assert.equal(atReady.state, 'ready', `${file}: the page did not start`);
      if (file === '/stall.cpm') assert.deepEqual(atReady.errors, [], 'ready only after giving up on the stalled server');
      const settled = await other.page.evaluate(() => window.convpad.modelReady);
      assert.equal(settled.errors.length, 1, `${file}: ${JSON.stringify(settled.errors)}`);
      assert.match(settled.errors[0].message, refusal);
      assert.equal(settled.model, 'fashion-cnn.cpm');
      const status = await other.page.evaluate(() => window.convpad.status());
      assert.match(status.notice.text, /could not|no data|larger than/);
      assert.equal(status.arch, pretrainedArch, `${file}: not the pretrained model`);
    } finally {
      await other.close();
    }
  }
  const asked = hostile.requests.filter((r) => r.url === '/stall.cpm' || r.url === '/endless.cpm');
  assert.equal(asked.length, 2);
  assert.deepEqual(asked.map((r) => r.cookie), [null, null], 'the model= fetch sent the browser\'s cookies');
});

test('a finished run survives a reload: offered back with the same weights and curves; Start asks first', { timeout: 300_000 }, async () => {
  const own = await openBrowser({ width: 1280, height: 800 });
  try {
    const p = own.page;
    await p.goto(url);
    await waitReady(p);
    const trained = await p.evaluate(async () => {
      const { convpad } = window;
      await convpad.train({ arch: 'conv8k5-relu-pool2-flatten-dense10', epochs: 1, subset: 640, batchSize: 64 });
      const { modelVersion } = convpad.status();
      for (let wait = 0; wait < 200; ++wait) {   // the keep after the run's end
        const kept = await convpad.keptRun();
        if (kept?.modelVersion === modelVersion) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { model: Array.from(await convpad.saveModel()), history: convpad.history(), kept: await convpad.keptRun() };
    });
    assert.equal(trained.kept.epochs, 1);
    assert.equal(trained.kept.arch, 'conv8k5-relu-pool2-flatten-dense10');

    await p.reload();
    await waitReady(p);
    await p.waitForSelector('#kept-run:not([hidden])');
    assert.match(await p.textContent('#kept-run-text'), /^Restore your run from .+ \(1 epoch, 0\.\d{3} validation accuracy\)\?$/);
    await p.screenshot({ path: path.join(ARTIFACTS_DIR, 'sturdy-restore-offer-1280x800.png') });
    await p.click('#kept-run-restore');
    await p.waitForFunction(() => window.convpad.status().hasRun);
    const restored = await p.evaluate(async () => ({
      model: Array.from(await window.convpad.saveModel()), history: window.convpad.history(), status: window.convpad.status(),
    }));
    assert.deepEqual(restored.model, trained.model, 'not the same weights, byte for byte');
    assert.deepEqual(restored.history, trained.history, 'not the same curves');
    assert.equal(restored.status.settings.arch, 'conv8k5-relu-pool2-flatten-dense10');
    assert.equal(await p.isVisible('#kept-run'), false);

    // The Training panel's Start (the UI's command) asks before replacing the trained model; Cancel keeps it.
    const startFromUi = () => p.evaluate(() => window.convpad.module.onCommand('train'));
    await startFromUi();
    await p.waitForSelector('#confirm[open]');
    assert.match(await p.textContent('#confirm-text'), /^Start replaces the model your run trained \(0\.\d{3} validation accuracy\)\. /);
    await p.screenshot({ path: path.join(ARTIFACTS_DIR, 'sturdy-confirm-1280x800.png') });
    await p.click('#confirm-cancel');
    await p.waitForSelector('#confirm', { state: 'hidden' });
    assert.equal((await p.evaluate(() => window.convpad.status())).runId, restored.status.runId, 'Cancel started a run');
    await startFromUi();
    await p.click('#confirm-replace');
    await p.waitForFunction((runId) => window.convpad.status().runId !== runId, restored.status.runId);
    await p.evaluate(() => window.convpad.reset());
    assert.deepEqual(own.problems, []);
  } finally {
    await own.close();
  }
});

test('the restore offer and the question fit a phone', { timeout: 180_000 }, async () => {
  const phone = await openBrowser({ width: 390, height: 844, deviceScaleFactor: 2 });
  try {
    const p = phone.page;
    await p.goto(url);
    await waitReady(p);
    await p.evaluate(() => window.convpad.train({ arch: 'conv8k5-relu-pool2-flatten-dense10', epochs: 1, subset: 320, batchSize: 64 }));
    await p.waitForFunction(async () => (await window.convpad.keptRun()) !== null);
    await p.reload();
    await waitReady(p);
    await p.waitForSelector('#kept-run:not([hidden])');
    const box = await p.locator('#kept-run').boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the offer spills out of the screen: ${JSON.stringify(box)}`);
    await p.screenshot({ path: path.join(ARTIFACTS_DIR, 'sturdy-restore-offer-390x844.png') });
    await p.click('#kept-run-restore');
    await p.waitForFunction(() => window.convpad.status().hasRun);
    await p.evaluate(() => window.convpad.module.onCommand('pretrained:default'));
    await p.waitForSelector('#confirm[open]');
    const dialog = await p.locator('#confirm').boundingBox();
    assert.ok(dialog.x >= 0 && dialog.x + dialog.width <= 390, `the question spills out of the screen: ${JSON.stringify(dialog)}`);
    await p.screenshot({ path: path.join(ARTIFACTS_DIR, 'sturdy-confirm-390x844.png') });
    await p.click('#confirm-cancel');
  } finally {
    await phone.close();
  }
});

test('a full storage quota: one plain notice, training goes on, and leaving an unsaved model asks first', { timeout: 180_000 }, async () => {
  const own = await openBrowser({ width: 1280, height: 800 });
  const { page: p, problems } = own;
  try {
    // The origin may store 4 KB: the first run's model (about 30 KB) does not fit.
    const cdp = await p.context().newCDPSession(p);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(url).origin, quotaSize: 4096 });
    await p.goto(url);
    await waitReady(p);
    const run = () => p.evaluate(async () => {
      const { convpad } = window;
      const final = await convpad.train({ arch: 'conv8k5-relu-pool2-flatten-dense10', epochs: 1, subset: 320, batchSize: 64 });
      for (let wait = 0; wait < 100 && !convpad.status().notice; ++wait) await new Promise((resolve) => setTimeout(resolve, 50));
      return { final, notice: convpad.status().notice, kept: await convpad.keptRun() };
    });
    const first = await run();
    assert.equal(first.final.phase, 'idle');
    assert.equal(first.kept, null);
    assert.match(first.notice?.text ?? '', /^Runs cannot be kept in this browser \(the browser's storage for this site is full\): download the model to keep it$/);
    const second = await run();   // the failed store stops nothing
    assert.equal(second.final.phase, 'idle');
    assert.equal(second.final.stepsDone, 5);

    // Leaving asks while the trained model is neither kept nor downloaded (the browser asks only after the
    // visitor has touched the page: a click on the status bar).
    const dialogs = [];
    p.on('dialog', (dialog) => { dialogs.push(dialog.type()); dialog.dismiss(); });
    await p.mouse.click(640, 795);
    await p.close({ runBeforeUnload: true });
    await p.waitForFunction(() => true);   // the dismissed question keeps the page
    assert.deepEqual(dialogs, ['beforeunload']);
    assert.equal(p.isClosed(), false);
    assert.equal(await p.evaluate(() => window.convpad.state), 'ready');

    // Once downloaded, the model is safe: leaving asks nothing.
    const [download] = await Promise.all([p.waitForEvent('download'), p.evaluate(() => window.convpad.downloadModel())]);
    assert.ok((await readFile(await download.path())).length > 1000);
    const closed = new Promise((resolve) => p.once('close', resolve));
    await p.close({ runBeforeUnload: true });
    await closed;
    assert.deepEqual(dialogs, ['beforeunload'], 'leaving asked again after the download');
    assert.deepEqual(problems, []);
  } finally {
    await own.close();
  }
});

test('storage that refuses to open (a private window): the page starts, says so once, and trains', { timeout: 180_000 }, async () => {
  const own = await openBrowser({ width: 1280, height: 800 });
  const { page: p, problems } = own;
  try {
    await p.addInitScript(() => {
      IDBFactory.prototype.open = () => { throw new DOMException('The operation is insecure.', 'SecurityError'); };
    });
    await p.goto(url);
    await waitReady(p);
    const result = await p.evaluate(async () => {
      const { convpad } = window;
      const final = await convpad.train({ arch: 'conv8k5-relu-pool2-flatten-dense10', epochs: 1, subset: 320, batchSize: 64 });
      return { final, notice: convpad.status().notice, kept: await convpad.keptRun() };
    });
    assert.equal(result.final.phase, 'idle');
    assert.equal(result.kept, null);
    assert.match(result.notice?.text ?? '', /^Runs cannot be kept in this browser \(storage is off here, as in a private window\)/);
    assert.deepEqual(problems, []);
  } finally {
    await own.close();
  }
});

// Last: it stops the shared page.
test('after a fatal stop the error screen saves the last model the page showed, byte for byte', { timeout: 120_000 }, async () => {
  const model = await savedModel();
  await page.evaluate(() => document.getElementById('canvas').dispatchEvent(new Event('webglcontextlost', { cancelable: true })));
  assert.equal(await page.evaluate(() => window.convpad.state), 'error');
  assert.equal(await page.isVisible('#error-save-button'), true, 'the error screen offers no way to keep the model');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#error-save-button')]);
  assert.equal(download.suggestedFilename(), 'convpad-model.cpm');
  const saved = Array.from(await readFile(await download.path()));
  assert.deepEqual(saved, model, 'the saved file is not the model the page showed');
  assert.match(await page.textContent('#error-save-note'), /^saved convpad-model\.cpm$/);
});
