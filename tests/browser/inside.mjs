// Browser tests of the Inside view (web/ui/panel_inside.cpp, README "The Inside view"): convpad.showPanel('inside')
// brings it on screen, convpad.inspect() reports a feature map for every convolution of the bundled model with the
// shapes its architecture gives, the saliency map follows the drawing, a test image can be shown instead, the
// view follows the last thing the user touched, and it updates with each weight snapshot while the network trains.
// Screenshots of the view at 1280x800, 800x500 and 390x844, dark and light, with a drawing and with a test image go
// to the artifacts folder (inside-<width>x<height>-<theme>-<drawing|test>.png).
//
//   node --test tests/browser/inside.mjs          (environment: see helpers.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import {
  ARTIFACTS_DIR, NO_PHONE_WINDOW, ROOT, assertSiteBuilt, openBrowser, readTestSet, startServer, testImagePixels, waitFrames, waitReady,
} from './helpers.mjs';

let server, baseUrl, testSet;

before(async () => {
  assertSiteBuilt();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  testSet = readTestSet();
  ({ proc: server, url: baseUrl } = await startServer({ isolation: false }));
});

after(() => {
  server?.kill('SIGTERM');
});

// Opens a browser at the given size whose system prefers the colour scheme, runs body(browser), closes it.
async function withPage(query, body, { width = 1280, height = 800, colorScheme = 'dark' } = {}) {
  const browser = await openBrowser({ width, height, deviceScaleFactor: 1, colorScheme });
  try {
    await browser.page.goto(baseUrl + query);
    await waitReady(browser.page);
    return await body(browser);
  } finally {
    await browser.close();
  }
}

const inspect = (page, options) => page.evaluate((o) => window.convpad.inspect(o), options);
const showPanel = async (page, name) => {
  await page.evaluate((n) => window.convpad.showPanel(n), name);
  await waitFrames(page, 3);   // a tab selected by code shows from the next frame
};

// A stroke on the pad with the mouse, points in [0,1] of the pad's rectangle (the pad must be on screen).
async function drawWithMouse(page, points) {
  const { pad } = await page.evaluate(() => window.convpad.layout());
  assert.ok(pad, 'the pad is not on screen');
  const at = ([u, v]) => [pad.x + u * pad.width, pad.y + v * pad.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p));
  await page.mouse.up();
  await waitFrames(page, 3);
}

// Recorded drawings (tests/browser/drawings/fashion.json), every third point: trousers and a bag.
const DRAWINGS = JSON.parse(readFileSync(path.join(ROOT, 'tests/browser/drawings/fashion.json'), 'utf8')).drawings;
const strokesOf = (note) => DRAWINGS.find((d) => d.note === note).strokes
  .map((stroke) => stroke.filter((_, i) => i % 3 === 0 || i === stroke.length - 1));
const TROUSERS = strokesOf('two legs, one stroke');
const BAG = strokesOf('a box and an arched handle');

// Every convolution of an architecture string with the (channels, height, width) of its output after the batch
// norms and ReLUs that follow it, for a 28x28 input (model.h's grammar).
function expectedConvLayers(arch) {
  let side = 28;
  const layers = [];
  for (const token of arch.split('-')) {
    const conv = token.match(/^conv(\d+)k(\d+)(same)?$/);
    const pool = token.match(/^pool(\d+)$/);
    if (conv) {
      if (!conv[3]) side -= Number(conv[2]) - 1;
      layers.push({ name: `conv${layers.length + 1}`, channels: Number(conv[1]), height: side, width: side });
    } else if (pool) {
      side = Math.floor(side / Number(pool[1]));
    }
  }
  return layers;
}

const differs = (a, b) => a.some((v, i) => v !== b[i]);

// The test set downloads once something on screen needs it: the sample grid does.
async function loadTestImages(page) {
  await showPanel(page, 'samples');
  await page.evaluate(() => window.convpad.datasetReady);
}

// [SECTION] Tests

test('showPanel opens the Inside tab; inspect() reports every convolution of the bundled model; saliency follows the drawing', async () => {
  await withPage('', async ({ page, problems }) => {
    await showPanel(page, 'inside');
    const { arch } = await page.evaluate(() => window.convpad.status());
    const expected = expectedConvLayers(arch);
    assert.ok(expected.length >= 2, `the bundled model ${arch} has fewer than two convolutions`);

    // Nothing drawn yet: nothing to inspect, until the test images are in (then the first sample shows).
    let before = await inspect(page);
    if (before.source === 'pad') {
      assert.equal(before.empty, true);
      assert.equal(before.layers, null);
    }

    // A drawing: the view switches to it (the last thing touched) and reports it.
    for (const stroke of TROUSERS) await drawWithMouse(page, stroke);
    const first = await inspect(page);
    assert.equal(first.source, 'pad');
    assert.equal(first.index, null);
    assert.equal(first.empty, false);
    assert.equal(first.arch, arch);
    assert.deepEqual(first.layers.map(({ name, channels, height, width }) => ({ name, channels, height, width })), expected);
    for (const layer of first.layers) {
      assert.ok(layer.min <= layer.max, `${layer.name}: min ${layer.min} > max ${layer.max}`);
      if (layer.applied.endsWith('relu')) assert.ok(layer.min >= 0, `${layer.name} after a ReLU has ${layer.min}`);
    }
    assert.deepEqual({ ...first.filters, scale: undefined }, { count: expected[0].channels, channels: 1, kernel: 3, scale: undefined });
    assert.ok(first.filters.scale > 0);
    assert.equal(first.saliency.values.length, 784);
    assert.ok(first.saliency.min < 0 && first.saliency.max > 0, 'the saliency map is not signed');
    assert.equal(Math.min(...first.saliency.values), first.saliency.min);
    assert.equal(Math.max(...first.saliency.values), first.saliency.max);

    // The prediction is the pad's (the same weights and input).
    const padPrediction = await page.evaluate(() => window.convpad.pad.prediction());
    assert.equal(first.prediction.label, padPrediction.label);
    assert.equal(first.prediction.name, padPrediction.name);
    first.prediction.probs.forEach((p, c) => assert.ok(Math.abs(p - padPrediction.probs[c]) < 1e-6, `class ${c}`));

    // The panel drew what inspect() reports (its tab is the one on screen).
    await waitFrames(page, 2);
    // One read of both: frames may come between two reads while the page settles.
    const { drawn, frames } = await page.evaluate(() => ({
      drawn: window.convpad.inspect(), frames: window.convpad.status().frames,
    }));
    assert.equal(drawn.view.version, drawn.modelVersion);
    assert.ok(frames - drawn.view.frame <= 1, `the Inside view was last drawn in frame ${drawn.view.frame} of ${frames}`);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'inside-trousers.png') });

    // Another drawing changes the input, and so the saliency map and the feature maps.
    await page.evaluate(() => window.convpad.pad.clear());
    for (const stroke of BAG) await drawWithMouse(page, stroke);
    const second = await inspect(page);
    assert.equal(second.source, 'pad');
    assert.ok(differs(first.saliency.values, second.saliency.values), 'the saliency did not change with the drawing');
    assert.ok(second.layers.some((l, i) => l.max !== first.layers[i].max), 'no feature map changed with the drawing');

    // Clearing the pad leaves nothing to inspect.
    await page.evaluate(() => window.convpad.pad.clear());
    const cleared = await inspect(page);
    assert.equal(cleared.source, 'pad');
    assert.equal(cleared.empty, true);
    assert.equal(cleared.saliency, null);

    // Bad arguments are refused with a message; the view keeps its source.
    const refusals = await page.evaluate(() => {
      const c = window.convpad;
      const refused = (f) => { try { f(); return null; } catch (e) { return e.message; } };
      return {
        notObject: refused(() => c.inspect('pad')),
        source: refused(() => c.inspect({ source: 'camera' })),
        noIndex: refused(() => c.inspect({ source: 'test' })),
        fraction: refused(() => c.inspect({ source: 'test', index: 1.5 })),
        unknown: refused(() => c.inspect({ layer: 1 })),
      };
    });
    assert.match(refusals.notObject, /^inspect: options must be an object, got the string "pad"$/);
    assert.match(refusals.source, /^inspect: source must be 'pad' or 'test', got "camera"$/);
    assert.match(refusals.noIndex, /^inspect: source 'test' needs an integer index$/);
    assert.match(refusals.fraction, /^inspect: source 'test' needs an integer index$/);
    assert.match(refusals.unknown, /^inspect: unknown option 'layer'/);
    assert.equal((await inspect(page)).source, 'pad');
    assert.deepEqual(problems, []);
  });
});

test('a test image: shown by inspect({source: "test"}), predicted as classify() does; drawing switches back', async () => {
  await withPage('', async ({ page, problems }) => {
    await showPanel(page, 'inside');
    await page.evaluate(() => window.convpad.datasetReady);
    // Nothing drawn: once the sample predictions are in, the view shows the first sample image.
    await page.waitForFunction(() => window.convpad.inspect().source === 'test', null, { timeout: 60_000 });
    const automatic = await inspect(page);
    assert.equal(automatic.empty, false);
    assert.ok(Number.isInteger(automatic.index));

    const tooFar = await page.evaluate(() => { try { window.convpad.inspect({ source: 'test', index: 10_000 }); return null; } catch (e) { return e.message; } });
    assert.match(tooFar, /^inspect: index 10000 is outside the test set \(0 to 9999\)$/);

    const index = 17;
    const shown = await inspect(page, { source: 'test', index });
    assert.equal(shown.source, 'test');
    assert.equal(shown.index, index);
    const expected = await page.evaluate((pixels) => window.convpad.classify(pixels), testImagePixels(testSet, index));
    assert.equal(shown.prediction.label, expected.label);
    shown.prediction.probs.forEach((p, c) => assert.ok(Math.abs(p - expected.probs[c]) < 1e-6, `class ${c}`));
    assert.ok(differs(shown.saliency.values, automatic.saliency.values) || automatic.index === index);
    await waitFrames(page, 2);
    assert.equal((await inspect(page)).view.version, shown.modelVersion);

    // Drawing is touching the pad: the view follows.
    await drawWithMouse(page, TROUSERS[0]);
    const drawn = await inspect(page);
    assert.equal(drawn.source, 'pad');
    assert.equal(drawn.empty, false);
    assert.deepEqual(problems, []);
  });
});

test('switching data sets: the view inspects each data set\'s model', async () => {
  await withPage('', async ({ page, problems }) => {
    await showPanel(page, 'inside');
    for (const stroke of TROUSERS) await drawWithMouse(page, stroke);
    // Each data set's session numbers its model versions itself: the view must still take the new weights.
    for (const [name, classes] of [['digits', '0123456789'.split('')], ['fashion', null], ['digits', null]]) {
      await page.evaluate((n) => window.convpad.setDataset(n), name);
      await page.waitForFunction((n) => window.convpad.status().dataset.name === n, name);
      await waitFrames(page, 3);
      const { shown, expected } = await page.evaluate(() => ({
        shown: window.convpad.inspect(), expected: window.convpad.classify(window.convpad.pad.pixels()),
      }));
      assert.equal(shown.source, 'pad');
      if (classes) assert.ok(classes.includes(shown.prediction.name), `${name}: the class ${shown.prediction.name}`);
      assert.equal(shown.prediction.label, expected.label, name);
      shown.prediction.probs.forEach((p, c) => assert.ok(Math.abs(p - expected.probs[c]) < 1e-6, `${name}: class ${c}`));
    }
    assert.deepEqual(problems, []);
  });
});

test('the view updates with every weight snapshot while the network trains', async () => {
  await withPage('', async ({ page, problems }) => {
    await showPanel(page, 'inside');
    await page.evaluate(() => window.convpad.datasetReady);
    const start = await inspect(page, { source: 'test', index: 3 });
    await page.evaluate(() => {
      window.insideRun = window.convpad.train({ epochs: 2, subset: 4000, validation: 1000, batchSize: 32, seed: 3 })
        .catch((e) => e.message);   // ended by reset() below
    });
    // Two snapshots after the start: the inspection is redone with each, and the panel draws it. (Frames and the
    // read in one synchronous step: no snapshot can arrive between them.)
    const seen = [];
    for (let version = start.modelVersion; seen.length < 2;) {
      await page.waitForFunction((v) => window.convpad.inspect().modelVersion > v, version, { timeout: 120_000 });
      const now = await page.evaluate(() => {
        window.convpad.redraw(2);
        return window.convpad.inspect();
      });
      assert.equal(now.source, 'test');
      assert.equal(now.index, 3);
      assert.ok(now.modelVersion > version, `inspect() kept model version ${now.modelVersion}`);
      assert.equal(now.view.version, now.modelVersion, 'the Inside view did not redraw with the new weights');
      seen.push(now);
      version = now.modelVersion;
    }
    assert.ok(differs(start.saliency.values, seen[0].saliency.values), 'the saliency did not change with the weights');
    assert.ok(differs(seen[0].saliency.values, seen[1].saliency.values), 'training did not change the saliency');
    await page.evaluate(() => window.convpad.reset());
    await page.evaluate(() => window.insideRun);
    assert.deepEqual(problems, []);
  });
});

// [SECTION] Screenshots

const SCREENS = [
  { width: 1280, height: 800 },
  { width: 800, height: 500 },
  { width: 390, height: 844 },
];

for (const { width, height } of SCREENS) {
  for (const theme of ['dark', 'light']) {
    test(`screenshots at ${width}x${height}, ${theme}: a drawing and a test image`, {
      skip: width < 720 && NO_PHONE_WINDOW,
    }, async () => {
      await withPage(`?theme=${theme}`, async ({ page, problems }) => {
        const shot = (what) => page.screenshot({ path: path.join(ARTIFACTS_DIR, `inside-${width}x${height}-${theme}-${what}.png`) });
        await showPanel(page, 'pad');   // on a phone the pad has a tab of its own
        for (const stroke of TROUSERS) await drawWithMouse(page, stroke);
        await showPanel(page, 'inside');
        const layout = await page.evaluate(() => window.convpad.layout());
        if (width < 720) assert.equal(layout.tab, 'inside');
        const drawn = await inspect(page);
        assert.equal(drawn.source, 'pad');
        assert.equal(drawn.view.version, drawn.modelVersion, 'the Inside view is not on screen');
        // The view's window stays inside the page.
        for (const w of layout.windows) {
          assert.ok(w.x >= 0 && w.y >= 0 && w.x + w.width <= width + 0.5 && w.y + w.height <= height + 0.5,
            `${w.name} is off screen: ${JSON.stringify(w)}`);
        }
        await shot('drawing');

        await loadTestImages(page);
        await showPanel(page, 'inside');
        await inspect(page, { source: 'test', index: 42 });
        await waitFrames(page, 3);
        assert.equal((await inspect(page)).index, 42);
        await shot('test');
        assert.deepEqual(problems, []);
      }, { width, height, colorScheme: theme });
    });
  }
}
