// A classroom cannot break ConvPad or lose its work (issue 17): a run too big for the tab is refused with
// its estimate before anything is replaced, and after a stop that really is fatal the page still hands
// over the last model it showed.
//
//   node --test tests/browser/sturdy.mjs          (environment: see helpers.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { assertSiteBuilt, openBrowser, startServer, waitReady } from './helpers.mjs';

let server, url, browser, page;

before(async () => {
  assertSiteBuilt();
  ({ proc: server, url } = await startServer());
  browser = await openBrowser({ width: 1280, height: 800 });
  ({ page } = browser);
  await page.goto(url);
  await waitReady(page);
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
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
