// The page's side of the TensorFlow.js exchange (README "JavaScript API"): exportModel('tfjs') read by real
// TensorFlow.js (4.22, in node) predicting what the page's classify() does, loadModel(modelJson, weights)
// bringing the same model back, refusals that name the problem and keep the model, the two downloads of
// downloadTfjsModel(), and model.json + weights dropped on the page together; the bundled "best" model
// loaded by loadPretrained('best') and read by TF.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  ARTIFACTS_DIR, assertSiteBuilt, downloadsOf, openBrowser, readTestSet, startServer, testImagePixels, waitReady, waitStatus,
} from './helpers.mjs';

const IMAGES = 40;           // real test images compared
const TOLERANCE = 1e-4;      // max |p_page - p_TF.js|
let server, baseUrl, testSet;

before(async () => {
  assertSiteBuilt();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await tf.setBackend('cpu');
  testSet = readTestSet();
  ({ proc: server, url: baseUrl } = await startServer({ isolation: false }));
});

after(() => server?.kill('SIGTERM'));

async function withPage(body) {
  const browser = await openBrowser({ width: 1280, height: 800 });
  try {
    await browser.page.goto(baseUrl);
    await waitReady(browser.page);
    await body(browser.page);
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
}

// exportModel('tfjs') in the page, brought to node: {modelJson, weights: Uint8Array, weightsFile}.
async function exportFromPage(page) {
  const out = await page.evaluate(async () => {
    const { modelJson, weights, weightsFile } = await window.convpad.exportModel('tfjs');
    return { modelJson, weights: Array.from(weights), weightsFile };
  });
  return { ...out, weights: Uint8Array.from(out.weights) };
}

// tf.loadLayersModel on the exported files, through tf.io's own reading of a model.json.
function loadInTfjs({ modelJson, weights }) {
  const artifacts = JSON.parse(modelJson);
  return tf.loadLayersModel({
    load: () => tf.io.getModelArtifactsForJSON(artifacts, async (manifest) => [
      manifest.flatMap((group) => group.weights), weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    ]),
  });
}

const pagePredictions = (page, images) =>
  page.evaluate((list) => list.map((pixels) => Array.from(window.convpad.classify(pixels).probs)), images);

function largestDifference(a, b) {
  let worst = 0;
  for (let i = 0; i < a.length; ++i) for (let c = 0; c < 10; ++c) worst = Math.max(worst, Math.abs(a[i][c] - b[i][c]));
  return worst;
}

test('exportModel(\'tfjs\'): TensorFlow.js loads it and predicts the page\'s probabilities on real test images', async () => {
  await withPage(async (page) => {
    const exported = await exportFromPage(page);
    assert.equal(exported.weightsFile, 'model.weights.bin');
    const manifest = JSON.parse(exported.modelJson).weightsManifest;
    assert.deepEqual(manifest[0].paths, ['model.weights.bin']);
    const model = await loadInTfjs(exported);
    const images = Array.from({ length: IMAGES }, (_, i) => testImagePixels(testSet, i));
    const ours = await pagePredictions(page, images);
    const theirs = tf.tidy(() => model.predict(tf.tensor4d(images.flat(), [IMAGES, 28, 28, 1])).arraySync());
    const worst = largestDifference(ours, theirs);
    console.log(`page -> TF.js, bundled fashion model, ${IMAGES} test images: largest difference ${worst.toExponential(2)}`);
    assert.ok(worst < TOLERANCE, `probabilities differ by up to ${worst}`);
    // The right answers, not only the same ones: the bundled model reads most of these images.
    const correct = theirs.filter((p, i) => p.indexOf(Math.max(...p)) === testSet.labels[i]).length;
    assert.ok(correct >= IMAGES * 0.8, `TF.js got ${correct} of ${IMAGES} right`);
  });
});

test('the bundled "best" model: loadPretrained(\'best\') and the Model section\'s buttons load it; TensorFlow.js predicts what the page does', async () => {
  await withPage(async (page) => {
    const pretrained = await page.evaluate(() => window.convpad.status().arch);
    const best = await page.evaluate(() => window.convpad.recipe('best').arch);
    const loaded = await page.evaluate(() => window.convpad.loadPretrained('best'));
    assert.equal(loaded.arch, best);
    await page.waitForFunction((arch) => window.convpad.status().arch === arch, best);

    const model = await loadInTfjs(await exportFromPage(page));
    const images = Array.from({ length: IMAGES }, (_, i) => testImagePixels(testSet, i));
    const ours = await pagePredictions(page, images);
    const theirs = tf.tidy(() => model.predict(tf.tensor4d(images.flat(), [IMAGES, 28, 28, 1])).arraySync());
    model.dispose();
    const worst = largestDifference(ours, theirs);
    console.log(`page -> TF.js, assets/fashion-best.cpm, ${IMAGES} test images: largest difference ${worst.toExponential(2)}`);
    assert.ok(worst < TOLERANCE, `probabilities differ by up to ${worst}`);
    const correct = ours.filter((p, i) => p.indexOf(Math.max(...p)) === testSet.labels[i]).length;
    assert.ok(correct >= IMAGES * 0.85, `the best model got ${correct} of ${IMAGES} right`);

    // Refusals name the problem and keep the model.
    const refusal = (...args) => page.evaluate((a) => window.convpad.loadPretrained(...a).then(() => 'loaded', (err) => err.message), args);
    assert.equal(await refusal('huge'), 'loadPretrained: expected \'default\' or \'best\', got the string "huge"');
    assert.equal(await page.evaluate(() => window.convpad.status().arch), best);

    // The buttons' path (engine_view.h command()): "Pretrained CNN" brings back the data set's first model,
    // with a notice naming the file.
    await page.evaluate(() => window.convpad.module.onCommand('pretrained:default'));
    const status = await waitStatus(page, (s) => s.arch === pretrained && s.notice?.text.includes('fashion-cnn.cpm'),
      { timeout: 20_000, what: 'the pretrained model' });
    assert.equal(status.notice.text, `loaded fashion-cnn.cpm (${pretrained})`);

    // MNIST digits has no best model: said, and its own model stays.
    await page.evaluate(() => window.convpad.setDataset('digits'));
    const digits = await page.evaluate(() => window.convpad.status().arch);
    assert.equal(await refusal('best'), 'loadPretrained: there is no bundled best model for MNIST digits');
    assert.equal(await page.evaluate(() => window.convpad.status().arch), digits);
  });
});

test('loadModel(modelJson, weights) loads a TensorFlow.js model; bad ones are refused by name and change nothing', async () => {
  await withPage(async (page) => {
    // A model TF.js built and saved itself, with batch norm and global pooling: its own random weights.
    const built = tf.sequential();
    built.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }));
    built.add(tf.layers.batchNormalization());
    built.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    built.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu' }));
    built.add(tf.layers.globalAveragePooling2d({}));
    built.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    const bn = built.layers[1];
    bn.setWeights(bn.getWeights().map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.5 : -0.5, 1.5)));
    let saved;
    await built.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const modelJson = JSON.stringify({
      format: 'layers-model', generatedBy: 'TensorFlow.js', convertedBy: null, modelTopology: saved.modelTopology,
      weightsManifest: [{ paths: ['tfjs.weights.bin'], weights: saved.weightSpecs }],
    });
    const weights = Array.from(new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData)));

    const before = await page.evaluate(() => window.convpad.status().arch);
    const loaded = await page.evaluate(([json, bytes]) => window.convpad.loadModel(json, new Uint8Array(bytes)), [modelJson, weights]);
    assert.equal(loaded.arch, 'conv4k3same-relu-bn-pool2-conv6k3-relu-gap-dense10');
    await page.waitForFunction((arch) => window.convpad.status().arch === arch, loaded.arch);
    const images = Array.from({ length: 10 }, (_, i) => testImagePixels(testSet, i));
    const ours = await pagePredictions(page, images);
    const theirs = tf.tidy(() => built.predict(tf.tensor4d(images.flat(), [10, 28, 28, 1])).arraySync());
    const worst = largestDifference(ours, theirs);
    console.log(`TF.js -> page, a model built in TF.js, 10 test images: largest difference ${worst.toExponential(2)}`);
    assert.ok(worst < TOLERANCE, `probabilities differ by up to ${worst}`);
    assert.notEqual(before, loaded.arch);

    // Exported again, it comes back bit for bit.
    const again = await exportFromPage(page);
    const reloaded = await page.evaluate(([json, bytes]) => window.convpad.loadModel(json, [new Uint8Array(bytes)]),
      [again.modelJson, Array.from(again.weights)]);
    assert.equal(reloaded.arch, loaded.arch);
    assert.deepEqual(await pagePredictions(page, images), ours);

    // Refusals name what is wrong; the model stays.
    const refusal = (json, bytes) => page.evaluate(([j, b]) => window.convpad.loadModel(j, new Uint8Array(b)).then(
      () => 'loaded', (err) => err.message), [json, bytes]);
    const lstm = JSON.parse(modelJson);
    lstm.modelTopology.config.layers[1] = { class_name: 'LSTM', config: { name: 'lstm_1', units: 8 } };
    assert.match(await refusal(JSON.stringify(lstm), weights), /^loadModel: .*'lstm_1' \(LSTM\) is not supported/);
    assert.match(await refusal(modelJson, weights.slice(0, 100)), /^loadModel: .*(truncated|bytes)/);
    assert.match(await refusal('{"format": "layers-model"', weights), /^loadModel: /);
    assert.match(await page.evaluate(() => window.convpad.loadModel('{}', 42).catch((err) => err.message)),
      /^loadModel: weights must be bytes/);
    assert.equal(await page.evaluate(() => window.convpad.status().arch), loaded.arch, 'a refused model replaced the current one');
    assert.match(await page.evaluate(() => window.convpad.exportModel('onnx').catch((err) => err.message)),
      /^exportModel: format must be 'tfjs'/);
  });
});

test('downloads and dropped files: downloadTfjsModel() saves both files, model.json dropped with its weights loads', async (t) => {
  await withPage(async (page) => {
    const downloads = await downloadsOf(page, 2, () => page.evaluate(() => window.convpad.downloadTfjsModel()));
    await page.waitForFunction(() => /saved model\.json/.test(window.convpad.status().notice?.text ?? ''));
    const exported = await exportFromPage(page);
    if (downloads) {
      assert.deepEqual(downloads.map((d) => d.name), ['model.json', 'model.weights.bin']);
      const json = JSON.parse(downloads[0].bytes.toString('utf8'));
      assert.equal(json.format, 'layers-model');
      assert.ok(downloads[1].bytes.equals(Buffer.from(exported.weights)), 'the downloaded weights differ from exportModel()\'s');
    } else {
      t.diagnostic('the downloads are not checked: WebKitWebDriver reports no downloads');
    }

    // Drop only the model.json: the notice asks for its weights; then drop both: it loads.
    const drop = (withWeights) => page.evaluate(([text, bytes, both]) => {
      const data = new DataTransfer();
      data.items.add(new File([text], 'model.json', { type: 'application/json' }));
      if (both) data.items.add(new File([new Uint8Array(bytes)], 'model.weights.bin'));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, cancelable: true }));
    }, [exported.modelJson, Array.from(exported.weights), withWeights]);
    await drop(false);
    await page.waitForFunction(() => /could not load model\.json/.test(window.convpad.status().notice?.text ?? ''));
    assert.match((await page.evaluate(() => window.convpad.status().notice.text)), /together with its weight file model\.weights\.bin/);
    const runId = await page.evaluate(() => window.convpad.status().runId);
    await drop(true);
    await page.waitForFunction(() => /^loaded model\.json/.test(window.convpad.status().notice?.text ?? ''));
    assert.ok(await page.evaluate(() => window.convpad.status().runId) > runId, 'the dropped model did not load');
  });
});
