// Browser tests of the static bundle: the site published in a sub-folder of a plain static host (no
// COOP/COEP: the single-thread engine), offline use after one visit (web/page/sw.js, registered by
// web/page/offline.js), a new build replacing the old one's cache, and the size of what a visitor downloads
// (tools/bundle_size.mjs). Each test serves its own copy of the site at <tmp>/courses/cnn/convpad/ (data
// sets linked, not copied) in a fresh browser with service workers allowed. It runs in all three engines.
//
//   node --test tests/browser/offline.mjs      (environment: see helpers.mjs; needs cmake for the rebuild)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { APP_GZIP_LIMIT, bundleSizes } from '../../tools/bundle_size.mjs';
import {
  BROWSER, ROOT, SITE_DIR, THREADED, assertSiteBuilt, openBrowser, readTestSet, run, startServer, testImagePixels,
  waitReady, waitStatus,
} from './helpers.mjs';

const SUB_PATH = 'courses/cnn/convpad/';
// Fashion-MNIST and its sketch set, as the page downloads them at start.
const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz', 'quickdraw/train-images-idx3-ubyte.gz', 'quickdraw/train-labels-idx1-ubyte.gz'];

let testSet;

before(() => {
  assertSiteBuilt();
  testSet = readTestSet();
});

// [SECTION] A site in a sub-folder, its server, a browser

// A copy of the site at <root>/courses/cnn/convpad/ with the data folders and *.gz linked, and a stand-in
// index.html at <root> (tools/server.py serves only a folder that has one). Returns {root, app}.
async function siteInSubFolder() {
  const root = await mkdtemp(path.join(tmpdir(), 'convpad-offline-'));
  const app = path.join(root, SUB_PATH);
  await mkdir(app, { recursive: true });
  for (const entry of await readdir(SITE_DIR, { withFileTypes: true })) {
    const from = path.join(SITE_DIR, entry.name);
    const to = path.join(app, entry.name);
    if (entry.isDirectory() || entry.name.endsWith('.gz')) await symlink(from, to);
    else await copyFile(from, to);
  }
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>A course site</title>\n');
  return { root, app };
}

// Serves a fresh copy in a sub-folder and opens a browser (service workers allowed) at the app's URL;
// runs body({page, problems, appUrl, app, server}); then closes and deletes everything. server.requests:
// the path of every request the server answered.
async function withSubFolderSite({ isolation }, body) {
  const { root, app } = await siteInSubFolder();
  const server = await startServer({ dir: root, isolation, logRequests: true });
  const browser = await openBrowser({ width: 1280, height: 800, serviceWorkers: 'allow' });
  try {
    return await body({ ...browser, appUrl: server.url + SUB_PATH, app, server });
  } finally {
    await browser.close();
    server.proc.kill('SIGTERM');
    await rm(root, { recursive: true, force: true });
  }
}

// [SECTION] What the page sees of its service worker and caches

// Waits for the service worker to be active; returns its scope.
const serviceWorkerScope = (page) => page.evaluate(async () => (await navigator.serviceWorker.ready).scope);

// {name: [paths relative to the page's folder]} of every cache of the page's origin.
const cacheContents = (page) => page.evaluate(async () => {
  const contents = {};
  for (const name of await caches.keys()) {
    const keys = await (await caches.open(name)).keys();
    const folder = new URL('.', location.href).pathname;
    contents[name] = keys.map((request) => {
      const url = new URL(request.url);
      return url.pathname.slice(folder.length) + url.search;
    }).sort();
  }
  return contents;
});

// Polls check(contents of the caches) until it holds; returns the contents.
async function waitCaches(page, check, what) {
  const start = Date.now();
  for (;;) {
    const contents = await cacheContents(page);
    if (check(contents)) return contents;
    if (Date.now() - start > 60_000) throw new Error(`timed out waiting for ${what}; caches ${JSON.stringify(contents)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const appCacheHolds = (files) => (contents) => Object.entries(contents).some(([name, paths]) =>
  name.startsWith('convpad app ') && files.every((f) => paths.includes(f)));
const dataCacheHolds = (files) => (contents) => Object.entries(contents).some(([name, paths]) =>
  name.startsWith('convpad data ') && files.every((f) => paths.some((p) => p.startsWith(`${f}?sha256=`))));

// The version the build wrote into a site's sw.js.
async function siteVersion(dir) {
  const match = (await readFile(path.join(dir, 'sw.js'), 'utf8')).match(/const SITE_VERSION = '([0-9a-f]{16})'/);
  assert.ok(match, `${dir}/sw.js has no version: was it written by web/service_worker.cmake?`);
  return match[1];
}

// page.evaluate(fn) until it returns a truthy value, across the page's own reloads; returns that value.
async function evaluateUntil(page, fn, what, timeout = 120_000, arg = undefined) {
  const start = Date.now();
  for (;;) {
    try {
      const value = await page.evaluate(fn, arg);
      if (value) return value;
    } catch (err) {
      if (!/context was destroyed|navigat/i.test(err.message)) throw err;
    }
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const classify = (page, i) => page.evaluate((pixels) => window.convpad.classify(pixels), testImagePixels(testSet, i));

// [SECTION] Tests

test('the site runs from a sub-folder of a plain static host: single-thread engine, every URL relative', async () => {
  await withSubFolderSite({ isolation: false }, async ({ page, problems, appUrl, server }) => {
    const requested = server.requests;
    await page.goto(appUrl);
    await waitReady(page);
    const status = await waitStatus(page, (s) => s.dataset.ready || s.dataset.error, { what: 'the data set' });
    assert.equal(status.dataset.error, null);
    assert.equal(status.dataset.ready, true);
    assert.equal(status.engine, 'worker', 'a page without COOP/COEP runs the single-thread engine');
    assert.equal((await classify(page, 0)).label, testSet.labels[0]);
    assert.equal(await serviceWorkerScope(page), appUrl, 'the service worker\'s scope is the app\'s folder');
    const outside = requested.filter((p) => !p.startsWith(`/${SUB_PATH}`));
    assert.deepEqual(outside, [], 'requests outside the app\'s folder');
    assert.ok(requested.some((p) => p.endsWith('/convpad_engine.wasm')), 'the engine worker\'s requests were not seen');
    assert.deepEqual(problems, []);
  });
});

// WebKitGTK goes to the network for only-if-cached, so its service worker does not copy the first visit's data
// (web/page/sw.js): there the data is kept from the second visit, which the service worker serves.
const KEEPS_FIRST_VISIT = BROWSER !== 'webkit';

test('after one visit the page, its models and its data work offline (threaded engine: headers kept)', async (t) => {
  await withSubFolderSite({ isolation: true }, async ({ page, problems, appUrl, server }) => {
    await page.goto(appUrl);
    await waitReady(page);
    await waitStatus(page, (s) => s.dataset.ready || s.dataset.error, { what: 'the data set' });
    await serviceWorkerScope(page);
    if (!KEEPS_FIRST_VISIT) {
      t.diagnostic('a second visit keeps the data: this browser does not honour only-if-cached');
      await page.reload();
      await waitReady(page);
      await waitStatus(page, (s) => s.dataset.ready || s.dataset.error, { what: 'the data set' });
    }
    // The first visit ran from the network; its data is copied into the data cache from the HTTP cache, and
    // the threaded engine it ran is kept even where the service worker itself is not isolated (Firefox).
    const threadedFiles = THREADED ? ['convpad_engine_mt.wasm'] : [];   // only where the page can run it
    const kept = await waitCaches(page, (contents) => dataCacheHolds(FASHION_FILES)(contents)
      && appCacheHolds(threadedFiles)(contents), 'the data set in the data cache and the engine in the app cache');
    t.diagnostic(`caches after the first visit: ${Object.entries(kept).map(([n, p]) => `${n}: ${p.length} files`).join('; ')}`);
    const appCache = Object.entries(kept).find(([name]) => name.startsWith('convpad app '));
    assert.ok(appCache, 'no app cache');
    for (const file of ['index.html', 'boot.js', 'convpad_web.wasm', 'convpad_engine.wasm', ...threadedFiles,
      'fashion-cnn.cpm', 'digits-cnn.cpm']) {
      assert.ok(appCache[1].includes(file), `${file} was not precached`);
    }
    // The best model is downloaded only when asked for, then kept with the data (as when the page is hidden).
    assert.ok(!appCache[1].includes('fashion-best.cpm'), 'fashion-best.cpm was precached');
    const best = await page.evaluate(() => window.convpad.loadPretrained('best'));
    await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.active.postMessage({ type: 'convpad-keep-data' })));
    await waitCaches(page, dataCacheHolds(['fashion-best.cpm']), 'the best model in the data cache');

    // Offline for real: the browser's network (where the driver can take it away) and the server are gone.
    if (BROWSER === 'chromium') await page.context().setOffline(true);
    server.proc.kill('SIGTERM');
    await page.reload();
    await waitReady(page);
    const status = await waitStatus(page, (s) => s.dataset.ready || s.dataset.error, { what: 'the data set offline' });
    assert.equal(status.dataset.error, null);
    assert.equal(status.dataset.ready, true, 'the data set did not come from the cache');
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'COOP/COEP were lost in the cache');
    assert.equal(status.engine, THREADED ? 'pthreads' : 'worker');
    assert.ok(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), 'the page is not controlled');
    assert.equal((await classify(page, 1)).label, testSet.labels[1]);
    const evaluation = await page.evaluate(() => window.convpad.evaluate());
    assert.equal(evaluation.total, 10000);
    assert.ok(evaluation.accuracy > 0.85, `accuracy ${evaluation.accuracy}`);
    t.diagnostic(`offline: evaluate() accuracy ${evaluation.accuracy}`);
    assert.deepEqual(await page.evaluate(() => window.convpad.loadPretrained('best')), best, 'the best model offline');
    // The browser reports the service worker's failed update check (sw.js, offline) on its own.
    const unexpected = problems.filter((p) => !/sw\.js/.test(p));
    assert.deepEqual(unexpected, []);
  });
});

test('a new build replaces the old cache whole, once no page of the app is open', {
  skip: BROWSER !== 'chromium' && 'needs a second tab, which the Firefox and WebKit adapters do not open yet',
}, async (t) => {
  await withSubFolderSite({ isolation: false }, async ({ page, problems, appUrl, app, server }) => {
    await page.goto(appUrl);
    await waitReady(page);
    await serviceWorkerScope(page);
    const oldVersion = await siteVersion(app);
    const before = Object.keys(await cacheContents(page)).filter((name) => name.startsWith('convpad app '));
    assert.deepEqual(before, [`convpad app ${appUrl} ${oldVersion}`]);

    // A rebuild that changes one script: the build writes sw.js again (web/web.cmake includes this script).
    await writeFile(path.join(app, 'fetch.js'),
      `${await readFile(path.join(app, 'fetch.js'), 'utf8')}self.convpadBuildMark = 'second build';\n`);
    await run('cmake', [`-DSITE_DIR=${app}`, '-P', path.join(ROOT, 'web/service_worker.cmake')]);
    const newVersion = await siteVersion(app);
    assert.notEqual(newVersion, oldVersion, 'a changed file did not change the version');

    // A reload: the old build serves the whole page while the new one installs and waits.
    await page.reload();
    await waitReady(page);
    assert.equal(await page.evaluate(() => self.convpadBuildMark), undefined, 'a page mixed two builds');
    await evaluateUntil(page, async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state === 'installed',
      'the new build to install');

    // The app's last page closes (a page of the course site, outside the app's folder, stays): the new
    // build takes over, and the next visit runs it.
    const outside = await page.context().newPage();
    await outside.goto(server.url);
    await page.close();
    await evaluateUntil(outside, async (url) => {
      const registration = await navigator.serviceWorker.getRegistration(url);
      return registration && !registration.waiting && registration.active?.state === 'activated';
    }, 'the new build to take over', 120_000, appUrl);
    const next = await outside.context().newPage();
    next.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await next.goto(appUrl);
    await waitReady(next);
    assert.equal(await next.evaluate(() => self.convpadBuildMark), 'second build', 'the next visit runs the old build');
    const after = Object.keys(await cacheContents(next)).filter((name) => name.startsWith('convpad app '));
    assert.deepEqual(after, [`convpad app ${appUrl} ${newVersion}`], 'the old build\'s cache is still there');
    assert.equal((await classify(next, 2)).label, testSet.labels[2]);
    t.diagnostic(`version ${oldVersion} -> ${newVersion}`);
    // A reload aborts what the page it replaces was still downloading.
    assert.deepEqual(problems.filter((p) => !/ net::ERR_ABORTED$/.test(p)), []);
  });
});

test('a data or model file that is not this build\'s never reaches the page through the service worker', async () => {
  await withSubFolderSite({ isolation: false }, async ({ page, problems, appUrl, app }) => {
    await page.goto(appUrl);
    await waitReady(page);
    await waitStatus(page, (s) => s.dataset.ready || s.dataset.error, { what: 'the data set' });
    await serviceWorkerScope(page);
    await page.reload();   // now controlled: the best model comes through the service worker's data cache
    await waitReady(page);
    assert.ok(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), 'the page is not controlled');
    // The server already has another build's best model (a valid model file, just not the one listed).
    await rm(path.join(app, 'fashion-best.cpm'));
    await copyFile(path.join(ROOT, 'assets/fashion-cnn.cpm'), path.join(app, 'fashion-best.cpm'));
    const before = await page.evaluate(() => window.convpad.status());
    const refused = await page.evaluate(() => window.convpad.loadPretrained('best').then(() => null, (err) => err.message));
    assert.ok(refused, 'another build\'s fashion-best.cpm was loaded');
    const after = await page.evaluate(() => window.convpad.status());
    assert.equal(after.arch, before.arch, 'the model changed');
    assert.equal(after.state ?? 'ready', 'ready');
    const contents = await cacheContents(page);
    assert.ok(!Object.values(contents).flat().some((p) => p.startsWith('fashion-best.cpm')), 'the wrong file was cached');
    // What the page and the service worker reported about the refused download (Firefox names no file).
    const unexpected = problems.filter((p) => !/fashion-best\.cpm|not this build|A ServiceWorker intercepted the request and encountered an unexpected error/.test(p));
    assert.deepEqual(unexpected, []);
  });
});

test('what a visitor downloads to run the app stays within 1 MB gzipped', (t) => {
  const { files, totals } = bundleSizes(SITE_DIR);
  for (const [part, total] of Object.entries(totals)) {
    t.diagnostic(`${part}: ${total.files} files, ${total.bytes} bytes, ${total.gzip} gzipped`);
  }
  const app = files.filter((f) => f.part === 'app').map((f) => f.file);
  for (const file of ['index.html', 'boot.js', 'convpad_web.js', 'convpad_web.wasm', 'convpad_engine.js',
    'convpad_engine.wasm', 'engine_worker.js', 'sw.js']) {
    assert.ok(app.includes(file), `${file} is not counted in the app (reached from index.html)`);
  }
  assert.ok(totals.app.gzip <= APP_GZIP_LIMIT, `the app is ${totals.app.gzip} bytes gzipped (limit ${APP_GZIP_LIMIT})`);
});
