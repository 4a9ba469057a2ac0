// Browser tests of what a course site configures and what a visitor on any screen gets: every URL
// parameter with good and bad values (convpad.config() and the page's banner), a model from the URL,
// panels= (and that a pad-only page downloads no data set until something needs it), the layouts from
// a 360-px phone (drawing by touch) to a large screen, both themes, the Share / embed dialog, and
// the accessible mirror of the canvas (aria-live text, keyboard navigation). The requests counted are the
// ones the server answered, so that every engine's are seen (the workers' too). In Firefox and WebKit the
// system's theme is set at launch, and WebKit skips the phone (docs/browsers.md says why).
//
//   node --test tests/browser/config.mjs      (environment: see helpers.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { TRAIN_OPTIONS } from '../../web/page/url_config.js';
import {
  ARTIFACTS_DIR, BROWSER, NO_PHONE_WINDOW, SITE_DIR, assertSiteBuilt, openBrowser, readTestSet, startServer,
  testImagePixels, waitFrames, waitReady, waitStatus,
} from './helpers.mjs';

const ALL_PANELS = ['training', 'curves', 'samples', 'evaluation', 'inside', 'pad'];
let server, baseUrl, served, testSet;

before(async () => {
  assertSiteBuilt();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  testSet = readTestSet();
  ({ proc: server, url: baseUrl, requests: served } = await startServer({ isolation: false, logRequests: true }));
});

after(() => {
  server?.kill('SIGTERM');
});

// Opens a browser (options: openBrowser's; the system prefers dark unless colorScheme says), runs
// body(browser) with requested() (every URL the page and its workers asked the server for so far), closes
// the browser.
async function withPage(query, body, { width = 1280, height = 800, deviceScaleFactor = 1, colorScheme = 'dark' } = {}) {
  const browser = await openBrowser({ width, height, deviceScaleFactor, colorScheme });
  const first = served.length;
  const requested = () => served.slice(first).map((p) => new URL(p, baseUrl).href);
  try {
    await browser.page.goto(baseUrl + query);
    await waitReady(browser.page);
    return await body({ ...browser, requested });
  } finally {
    await browser.close();
  }
}

const config = (page) => page.evaluate(() => window.convpad.config());
const dataRequests = (requested) => requested().filter((url) => url.endsWith('.gz'));
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS_DIR, `config-${name}.png`) });

// Draws a stroke on the pad with the mouse: points in [0,1] of the pad's rectangle. Each point gets a frame of
// its own, as a hand's do: the UI reads the mouse once a frame, and a loaded WebKitGTK once drew a frame only
// after a whole stroke had come and gone (CI: the pad stayed empty). Returns once the pad has the stroke.
async function drawWithMouse(page, points) {
  const { pad } = await page.evaluate(() => window.convpad.layout());
  assert.ok(pad, 'the pad is not on screen');
  const strokes = (await page.evaluate(() => window.convpad.pad.prediction())).strokes;
  const at = ([u, v]) => [pad.x + u * pad.width, pad.y + v * pad.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  await waitFrames(page, 1);
  for (const p of points.slice(1)) {
    await page.mouse.move(...at(p), { steps: 4 });
    await waitFrames(page, 1);
  }
  await page.mouse.up();
  await page.waitForFunction((before) => window.convpad.pad.prediction().strokes > before, strokes, { timeout: 10_000 })
    .catch(() => assert.fail('the stroke did not reach the pad'));
}

// A finger on the page's touch screen: {start(point), move(point), end()}, points in CSS pixels. Chromium
// through its DevTools protocol, Firefox through WebDriver BiDi's touch pointer (WebKitGTK's driver turns
// touch into mouse events, and its window is never phone-sized).
async function touchscreen(page) {
  if (BROWSER === 'firefox') {
    return {
      start: ({ x, y }) => page.touchscreen.touchStart(x, y),
      move: ({ x, y }) => page.touchscreen.touchMove(x, y),
      end: () => page.touchscreen.touchEnd(),
    };
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
  const touch = (type, touchPoints) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints });
  return {
    start: (p) => touch('touchStart', [p]),
    move: (p) => touch('touchMove', [p]),
    end: () => touch('touchEnd', []),
  };
}

// A vertical bar: a "1" for digits, trousers-like for clothing.
const BAR = [[0.5, 0.15], [0.5, 0.35], [0.5, 0.55], [0.5, 0.8]];

test('good URL parameters all take effect, and config() reports them', async () => {
  const query = '?dataset=digits&panels=pad,training,curves&theme=light&epochs=2&batch=32&lr=0.01&optimizer=sgd'
    + '&subset=600&threads=1&origin=https://example.edu,http://127.0.0.1:9000&autostart=0'
    + '&schedule=onecycle&warmup=0.5&smoothing=0.1&weightDecay=0.02';
  await withPage(query, async ({ page, problems }) => {
    const c = await config(page);
    assert.deepEqual(c.errors, []);
    assert.equal(c.dataset, 'digits');
    assert.deepEqual(c.panels, ['training', 'curves', 'pad']);
    assert.equal(c.theme, 'light');
    assert.equal(c.themeFrom, 'url');
    assert.equal(c.threads, 1);
    assert.deepEqual(c.origin, ['https://example.edu', 'http://127.0.0.1:9000']);
    assert.equal(c.autostart, false);
    assert.equal(c.model, 'digits-cnn.cpm');
    assert.equal(c.settings.epochs, 2);
    assert.equal(c.settings.batchSize, 32);
    assert.equal(c.settings.learningRate, 0.01);
    assert.equal(c.settings.optimizer, 'sgd');
    assert.equal(c.settings.subset, 600);
    assert.equal(c.settings.schedule, 'onecycle');
    assert.equal(c.settings.warmup, 0.5);
    assert.equal(c.settings.labelSmoothing, 0.1);
    assert.equal(c.settings.weightDecay, 0.02);
    assert.equal(c.settings.validation, 800, 'the digits recipe under the URL settings');
    assert.equal((await page.evaluate(() => window.convpad.status())).dataset.name, 'digits');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
    assert.equal(await page.isVisible('#url-problems'), false, 'a banner for good parameters');
    const { windows } = await page.evaluate(() => window.convpad.layout());
    const names = windows.map((w) => w.name);
    for (const shown of ['Training', 'Training curves', 'Drawing pad']) assert.ok(names.includes(shown), `${shown} missing`);
    assert.ok(!names.includes('##bottom'), 'samples and evaluation were not asked for');
    assert.deepEqual(problems, []);
  });
});

test('the URL reader and train() follow the table of options: names, kinds, and the command line', async () => {
  const query = '?weight-decay=0.02&label-smoothing=0.05&lr-patience=2&limit=300&optimizer=adamw&seed=4000000000';
  await withPage(query, async ({ page, problems }) => {
    const table = await page.evaluate(() => window.convpad.runOptions());
    const kinds = { integer: 'integer', number: 'number', string: 'string', choice: 'string', boolean: 'boolean' };
    assert.deepEqual(Object.keys(TRAIN_OPTIONS), table.map((o) => o.key), 'the same options, in the same order');
    for (const option of table) {
      const mine = TRAIN_OPTIONS[option.key];
      assert.deepEqual(mine.url, option.url, `${option.key}: the URL names`);
      assert.equal(mine.kind, option.nullable ? `${kinds[option.kind]} or null` : kinds[option.kind], `${option.key}: the kind`);
    }
    const c = await config(page);
    assert.deepEqual(c.errors, []);
    assert.equal(c.settings.weightDecay, 0.02);
    assert.equal(c.settings.labelSmoothing, 0.05);
    assert.equal(c.settings.lrPatience, 2);
    assert.equal(c.settings.subset, 300, 'limit=, the old name, still works');
    assert.equal(c.settings.seed, 4000000000);
    const line = await page.evaluate(() => window.convpad.commandLine());
    for (const part of ['--weight-decay 0.02', '--label-smoothing 0.05', '--lr-patience 2', '--subset 300',
      '--optimizer adamw', '--seed 4000000000']) assert.ok(line.includes(part), `${part} missing from ${line}`);
    // Share links write each option's first URL name, the command line's flag.
    const { url } = await page.evaluate(() => window.convpad.shareLinks());
    const params = new URL(url).searchParams;
    assert.equal(params.get('weight-decay'), '0.02');
    assert.equal(params.get('lr-patience'), '2');
    assert.equal(params.has('decay') || params.has('limit'), false);
    assert.deepEqual(problems, []);
  });
});

test('each bad URL value is named (parameter and why), the others still apply, the page works', async () => {
  const query = '?dataset=cifar&panels=pad,foo&theme=blue&epochs=x&batch=0&lr=-1&optimizer=rmsprop&subset=-5'
    + '&autostart=maybe&threads=99&origin=example.edu&model=ftp://example.edu/m.cpm&colour=red&seed=7'
    + '&schedule=exp&smoothing=0.9&constructor=1&toString=2';
  await withPage(query, async ({ page, problems }) => {
    const c = await config(page);
    const byParam = Object.fromEntries(c.errors.map((e) => [e.param, e.message]));
    assert.deepEqual(Object.keys(byParam).sort(), ['autostart', 'batch', 'colour', 'dataset', 'epochs', 'lr', 'model',
      'optimizer', 'origin', 'panels', 'subset', 'theme', 'threads', 'schedule', 'smoothing', 'constructor',
      'toString'].sort());
    // Names every object inherits are no parameters (they once reached url_config.js's lookup).
    assert.equal(byParam.constructor, "unknown parameter 'constructor'");
    assert.equal(byParam.toString, "unknown parameter 'toString'");
    assert.match(byParam.schedule, /^schedule=exp: schedule must be 'plateau', 'step', 'cosine' or 'onecycle'/);
    assert.match(byParam.smoothing, /^smoothing=0\.9: labelSmoothing must be in \[0, 0\.5\]/);
    assert.equal(byParam.dataset, 'dataset=cifar: use fashion or digits');
    assert.match(byParam.panels, /^panels=pad,foo: unknown panel 'foo'/);
    assert.match(byParam.theme, /^theme=blue: use light or dark/);
    assert.equal(byParam.epochs, 'epochs=x: not an integer');
    assert.match(byParam.batch, /^batch=0: /);
    assert.match(byParam.lr, /^lr=-1: /);
    assert.match(byParam.optimizer, /^optimizer=rmsprop: /);
    assert.match(byParam.subset, /^subset=-5: /);
    assert.equal(byParam.autostart, 'autostart=maybe: use 1 or 0');
    assert.equal(byParam.threads, 'threads=99: must be an integer from 1 to 16');
    assert.match(byParam.origin, /'example\.edu' is not an origin/);
    assert.equal(byParam.model, 'model=ftp://example.edu/m.cpm: only http and https URLs can be loaded');
    assert.equal(byParam.colour, "unknown parameter 'colour'");
    // What was good still applies; what was bad kept its default.
    assert.equal(c.dataset, 'fashion');
    assert.deepEqual(c.panels, ['pad']);
    assert.equal(c.theme, 'dark', 'the system preference (emulated dark)');
    assert.deepEqual(c.origin, [], 'an origin list without a valid entry lets nobody in');
    assert.equal(c.settings.seed, 7);
    assert.equal(c.settings.epochs, 5);
    assert.equal(c.settings.batchSize, 64);
    // Visible: a banner listing each problem, and the notice line.
    assert.equal(await page.isVisible('#url-problems'), true);
    const items = await page.evaluate(() => [...document.querySelectorAll('#url-problems li')].map((li) => li.textContent));
    assert.deepEqual(items, c.errors.map((e) => e.message));
    const status = await page.evaluate(() => window.convpad.status());
    assert.equal(status.notice.error, true);
    assert.match(status.notice.text, /^URL parameters: dataset=cifar/);
    await waitFrames(page, 3);
    await shot(page, 'bad-parameters');
    await page.click('#url-problems-close');
    // (WebKitWebDriver's click may return before the page has handled it.)
    await page.waitForSelector('#url-problems', { state: 'hidden', timeout: 5_000 })
      .catch(() => assert.fail('the banner does not close'));
    // The page works: the pad classifies.
    await drawWithMouse(page, BAR);
    const prediction = await page.evaluate(() => window.convpad.pad.prediction());
    assert.equal(prediction.empty, false);
    assert.deepEqual(problems, []);
  });
});

test('model= loads a model file from the URL; a missing one is named and the pretrained model is used', async () => {
  const image = testImagePixels(testSet, 5);
  const digitsModel = readFileSync(path.join(SITE_DIR, 'digits-cnn.cpm'));
  // Reference: the same bytes through loadModel() in a plain page.
  const expected = await withPage('', async ({ page }) => {
    const pretrained = await page.evaluate((x) => window.convpad.classify(x), image);
    await page.evaluate((bytes) => window.convpad.loadModel(new Uint8Array(bytes)), [...digitsModel]);
    return { pretrained, loaded: await page.evaluate((x) => window.convpad.classify(x), image) };
  });
  assert.notDeepEqual(expected.loaded.probs, expected.pretrained.probs, 'two models, two answers');

  await withPage('?model=digits-cnn.cpm', async ({ page, problems }) => {
    const c = await page.evaluate(() => window.convpad.modelReady);   // the page is ready first, with the pretrained model
    assert.deepEqual(c.errors, []);
    assert.equal(c.model, `${baseUrl}digits-cnn.cpm`);
    assert.deepEqual(await page.evaluate((x) => window.convpad.classify(x), image), expected.loaded);
    assert.deepEqual(problems, []);
  });
  await withPage('?model=models/missing.cpm', async ({ page, problems }) => {
    const c = await page.evaluate(() => window.convpad.modelReady);
    assert.equal(c.errors.length, 1);
    assert.equal(c.errors[0].param, 'model');
    // A host page reads config(): it learns that the file could not be loaded, not the site's HTTP status.
    assert.match(c.errors[0].message, /^model=http:\/\/127\.0\.0\.1:\d+\/models\/missing\.cpm: could not load the model file \(the pretrained model is used\)$/);
    assert.equal(c.model, 'fashion-cnn.cpm');
    assert.deepEqual(await page.evaluate((x) => window.convpad.classify(x), image), expected.pretrained);
    assert.deepEqual(problems.filter((p) => !p.includes('missing.cpm') && !p.includes('status of 404')), []);
  });
});

test('a pad-only page downloads no data set until training needs it', async () => {
  await withPage('?panels=pad&dataset=digits', async ({ page, requested, problems }) => {
    await drawWithMouse(page, BAR);
    await waitFrames(page, 3);
    const { windows, pad } = await page.evaluate(() => window.convpad.layout());
    assert.deepEqual(windows.map((w) => w.name).sort(), ['##status', 'Drawing pad']);
    assert.ok(pad.width >= 300, `the pad alone is only ${pad.width} px`);
    await shot(page, 'pad-only');
    assert.equal((await page.evaluate(() => window.convpad.pad.prediction())).name, '1');
    assert.ok(requested().some((url) => url.endsWith('/digits-cnn.cpm')), 'the server saw none of the page\'s requests');
    assert.deepEqual(dataRequests(requested), [], 'the data set was fetched although nothing showed or used it');
    const status = await page.evaluate(() => window.convpad.status());
    assert.equal(status.dataset.ready, false);
    // train() needs it: the download starts, then the run.
    await page.evaluate(() => { window.convpad.train({ epochs: 1, subset: 200 }).catch(() => {}); });
    await waitStatus(page, (s) => s.phase === 'training' || s.epoch >= 1, { what: 'training after the download' });
    assert.deepEqual(dataRequests(requested).map((u) => new URL(u).pathname).sort(),
      ['/digits/t10k-images-idx3-ubyte.gz', '/digits/t10k-labels-idx1-ubyte.gz', '/digits/train-images-idx3-ubyte.gz',
        '/digits/train-labels-idx1-ubyte.gz']);
    await page.evaluate(() => window.convpad.reset());
    assert.deepEqual(problems, []);
  }, { width: 800, height: 500 });
});

test('a 360-px phone: panels become tabs, the pad and its prediction are on screen, drawing by touch works', {
  skip: NO_PHONE_WINDOW,
}, async () => {
  const width = 360, height = 740;
  await withPage('?dataset=digits', async ({ page, problems }) => {
    await waitFrames(page, 3);
    let layout = await page.evaluate(() => window.convpad.layout());
    assert.equal(layout.mode, 'tabs');
    assert.equal(layout.tab, 'pad', 'a phone opens on the pad');
    const padWindow = layout.windows.find((w) => w.name === 'Drawing pad');
    for (const r of [layout.pad, padWindow]) {
      assert.ok(r.x >= 0 && r.y >= 0 && r.x + r.width <= width && r.y + r.height <= height, `off screen: ${JSON.stringify(r)}`);
    }
    assert.ok(layout.pad.width >= 300, `the pad is only ${layout.pad.width} px wide`);

    // Touch: a vertical stroke, as a finger draws it.
    const { pad } = layout;
    const point = (v) => ({ x: pad.x + pad.width * 0.5, y: pad.y + pad.height * v });
    const finger = await touchscreen(page);
    await finger.start(point(0.15));
    for (let v = 0.2; v <= 0.85; v += 0.05) {
      await finger.move(point(v));
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
    }
    await finger.end();
    await waitFrames(page, 3);
    const prediction = await page.evaluate(() => window.convpad.pad.prediction());
    assert.equal(prediction.empty, false, 'the touch stroke did not draw');
    assert.equal(prediction.name, '1');
    await shot(page, 'phone-pad');

    // Every other panel has its tab; the Training panel fits the width.
    await page.evaluate(() => window.convpad.showPanel('training'));
    await waitFrames(page, 3);
    layout = await page.evaluate(() => window.convpad.layout());
    assert.equal(layout.tab, 'training');
    assert.equal(layout.pad, null, 'the pad is reported although its tab is hidden');
    const training = layout.windows.find((w) => w.name === 'Training');
    assert.ok(training && training.x >= 0 && training.x + training.width <= width);
    await shot(page, 'phone-training');
    // A tap on another tab does not draw on the hidden pad.
    assert.equal((await page.evaluate(() => window.convpad.pad.prediction())).name, '1');
    await page.evaluate(() => window.convpad.showPanel('pad'));
    await waitFrames(page, 3);
    assert.equal((await page.evaluate(() => window.convpad.layout())).tab, 'pad');
    const refused = await page.evaluate(() => { try { window.convpad.showPanel('chart'); return null; } catch (e) { return e.message; } });
    assert.match(refused, /^showPanel: unknown panel 'chart'/);
    assert.deepEqual(problems, []);
  }, { width, height, deviceScaleFactor: 2 });
});

test('layouts: columns on a laptop, the pad beside tabs in an 800x500 frame; sharp at devicePixelRatio 2', async () => {
  await withPage('', async ({ page }) => {
    await waitFrames(page, 3);
    const layout = await page.evaluate(() => window.convpad.layout());
    assert.equal(layout.mode, 'columns');
    assert.deepEqual(layout.windows.map((w) => w.name).sort(), ['##bottom', '##status', 'Drawing pad', 'Training', 'Training curves']);
    await shot(page, 'laptop-dark');
  });
  await withPage('', async ({ page }) => {
    await waitFrames(page, 3);
    const layout = await page.evaluate(() => window.convpad.layout());
    assert.equal(layout.mode, 'split');
    assert.ok(layout.pad.x + layout.pad.width <= 800 && layout.pad.y + layout.pad.height <= 500);
    // The canvas' backing store follows devicePixelRatio: one texel per device pixel.
    const backing = await page.evaluate(() => {
      const c = document.getElementById('canvas');
      return { width: c.width, height: c.height, css: c.getBoundingClientRect().width };
    });
    assert.equal(backing.width, Math.round(backing.css * 2));
    await shot(page, 'iframe-800x500');
  }, { width: 800, height: 500, deviceScaleFactor: 2 });
});

// Only Playwright changes the system's preference under an open page; the other engines get theirs at launch.
const CHANGES_COLOR_SCHEME = BROWSER === 'chromium';

test('themes: theme= wins; without it the page follows the system and its changes', async (t) => {
  await withPage('?theme=light', async ({ page }) => {
    await waitFrames(page, 3);
    assert.equal(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), true);
    assert.equal((await config(page)).theme, 'light', 'theme=light must not follow the system');
    await shot(page, 'laptop-light');
  }, { colorScheme: 'dark' });
  await withPage('', async ({ page }) => {
    assert.deepEqual([(await config(page)).theme, (await config(page)).themeFrom], ['light', 'system']);
    if (!CHANGES_COLOR_SCHEME) return t.diagnostic('a change of the system\'s preference under an open page is not tried: only Playwright makes one');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    assert.equal((await config(page)).theme, 'dark');
  }, { colorScheme: 'light' });
});

test('Share / embed: the link and the iframe code carry the settings, and the link opens them again', async () => {
  const shared = await withPage('?panels=pad,training&theme=light', async ({ page, problems }) => {
    await page.evaluate(async () => {
      await window.convpad.setDataset('digits');
      window.convpad.module.ccall('convpad_ui_edit_settings', 'string', ['string'], [JSON.stringify({ epochs: 3, learningRate: 0.005 })]);
    });
    await page.evaluate(() => window.convpad.openShareDialog());
    assert.equal(await page.isVisible('#share'), true);
    const fields = await page.evaluate(() => ({
      url: document.getElementById('share-url').value, iframe: document.getElementById('share-iframe').value,
    }));
    assert.deepEqual(fields, await page.evaluate(() => window.convpad.shareLinks()));
    const url = new URL(fields.url);
    assert.equal(url.origin + url.pathname, baseUrl);
    assert.deepEqual(Object.fromEntries(url.searchParams),
      { dataset: 'digits', panels: 'training,pad', theme: 'light', epochs: '3', lr: '0.005' });
    assert.match(fields.iframe, /^<iframe src="[^"]+" title="ConvPad: MNIST digits" width="800" height="500"/);
    assert.ok(fields.iframe.includes(fields.url.replaceAll('&', '&amp;')), 'the iframe does not embed the link');
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'config-share-dialog.png') });
    await page.click('#share form button');
    assert.equal(await page.isVisible('#share'), false);
    assert.deepEqual(problems, []);
    return { url: fields.url, settings: await page.evaluate(() => window.convpad.settings()) };
  });
  await withPage(new URL(shared.url).search, async ({ page }) => {
    const c = await config(page);
    assert.deepEqual(c.errors, []);
    assert.equal(c.dataset, 'digits');
    assert.deepEqual(c.panels, ['training', 'pad']);
    assert.deepEqual(c.settings, shared.settings);
  });
});

test('accessibility: the canvas is labelled, predictions and training are mirrored in aria-live text, keys navigate', async () => {
  await withPage('?dataset=digits', async ({ page, problems }) => {
    const canvas = await page.evaluate(() => {
      const c = document.getElementById('canvas');
      return { role: c.getAttribute('role'), label: c.getAttribute('aria-label'), tabindex: c.tabIndex,
        described: document.getElementById(c.getAttribute('aria-describedby'))?.textContent ?? '' };
    });
    assert.equal(canvas.role, 'application');
    assert.match(canvas.label, /ConvPad/);
    assert.equal(canvas.tabindex, 0);
    assert.match(canvas.described, /Keyboard/);
    for (const id of ['live-prediction', 'live-training']) {
      assert.equal(await page.evaluate((i) => document.getElementById(i).getAttribute('aria-live'), id), 'polite');
    }

    await drawWithMouse(page, BAR);
    await page.waitForFunction(() => document.getElementById('live-prediction').textContent !== '');
    assert.equal(await page.textContent('#live-prediction'), `The pad reads 1 (${Math.round(
      (await page.evaluate(() => { const p = window.convpad.pad.prediction(); return p.probs[p.label]; })) * 100)}%).`);

    // Keyboard: Delete clears the pad it points at; Ctrl+Tab moves the keyboard to another panel,
    // and arrow keys pick an item there.
    await page.evaluate(() => document.getElementById('canvas').focus());
    await page.keyboard.press('Delete');
    await waitFrames(page, 2);
    assert.equal((await page.evaluate(() => window.convpad.pad.prediction())).empty, true, 'Delete did not clear the pad');
    await page.waitForFunction(() => document.getElementById('live-prediction').textContent === 'The pad is empty.');
    const before = (await page.evaluate(() => window.convpad.layout())).keyboard?.window ?? null;
    await page.keyboard.down('Control');
    await page.keyboard.down('Tab');
    await waitFrames(page, 3);
    await page.keyboard.up('Tab');
    await page.keyboard.up('Control');
    await waitFrames(page, 3);
    const after = (await page.evaluate(() => window.convpad.layout())).keyboard;
    assert.ok(after && after.window !== before, `Ctrl+Tab did not move the keyboard (${before} -> ${after?.window})`);
    // ImGui 1.86 reads key states once per frame: the key stays down for a few frames, as a finger does.
    await page.keyboard.down('ArrowDown');
    await waitFrames(page, 3);
    await page.keyboard.up('ArrowDown');
    await waitFrames(page, 2);
    const picked = (await page.evaluate(() => window.convpad.layout())).keyboard;
    assert.equal(picked.item, true, `no item of ${picked.window} took the keyboard`);

    // Training status in words.
    await page.evaluate(() => { window.convpad.train({ epochs: 1, subset: 300, validation: 100 }).catch(() => {}); });
    await page.waitForFunction(() => /^Epoch 1 done/.test(document.getElementById('live-training').textContent)
      || /^Training ended/.test(document.getElementById('live-training').textContent), null, { timeout: 120_000 });
    await waitStatus(page, (s) => s.phase === 'idle', { what: 'the end of the short run' });
    await page.waitForFunction(() => /^Training ended/.test(document.getElementById('live-training').textContent));
    assert.deepEqual(problems, []);
  });
});

test('recipe(): the best preset\'s recipe per data set; a short run of it follows its one-cycle schedule', async () => {
  await withPage('', async ({ page, problems }) => {
    const best = await page.evaluate(() => window.convpad.recipe('best'));
    assert.match(best.arch, /-bn-relu-.*-gap-dense10$/);
    assert.equal(best.optimizer, 'adamw');
    assert.equal(best.schedule, 'onecycle');
    assert.equal(best.flip, true);
    assert.deepEqual(await page.evaluate(() => window.convpad.recipe('default')).then((r) => r.arch),
      'conv32k3-relu-pool2-conv64k3-relu-pool2-flatten-dense128-relu-drop0.5-dense10');
    assert.match(await page.evaluate(() => { try { window.convpad.recipe('fast'); return 'accepted'; } catch (err) { return err.message; } }),
      /^recipe: unknown recipe 'fast' \(known: default, best\)$/);
    // 10 steps of 128 images: the rate rises for the first 30% of them, then falls.
    const final = await page.evaluate(() => window.convpad.train({ ...window.convpad.recipe('best'), epochs: 1, subset: 1280, validation: 200 }));
    assert.equal(final.stepsDone, 10);
    assert.equal(final.settings.schedule, 'onecycle');
    const rates = (await page.evaluate(() => window.convpad.history().losses)).map(([, , rate]) => rate);
    assert.equal(rates.length, 10);
    for (let i = 1; i <= 3; ++i) assert.ok(rates[i] > rates[i - 1], `the rate did not rise at step ${i + 1}: ${rates}`);
    for (let i = 4; i < 10; ++i) assert.ok(rates[i] < rates[i - 1], `the rate did not fall at step ${i + 1}: ${rates}`);
    assert.ok(Math.abs(rates[3] - best.learningRate) < 1e-9, `the peak is not the recipe's rate: ${rates}`);
    await page.evaluate(() => window.convpad.redraw(3));
    await shot(page, 'best-recipe-run');
    await page.evaluate(() => window.convpad.setDataset('digits'));
    assert.equal((await page.evaluate(() => window.convpad.recipe('best'))).flip, false, 'a mirrored digit is no digit');
    assert.deepEqual(problems, []);
  });
});
