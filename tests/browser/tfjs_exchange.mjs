// Model exchange with real TensorFlow.js (@tensorflow/tfjs 4.22, its pure-JS CPU backend in node; no
// browser) through `convpad export --format tfjs` and `convpad import` (src/exchange/tfjs_model.h):
//   ConvPad -> TF.js   models ConvPad trained (the bundled ones, a briefly trained seed CNN), exported, loaded by tf.loadLayersModel from their model.json
//                      and weights: TF.js's probabilities for the first 500 Fashion-MNIST test images
//                      (100 for the "best" preset) against `convpad predict --test N`; TF.js's own save of
//                      them reads back bit for bit
//   TF.js -> ConvPad   models built in TF.js (batch norm with moving statistics set, several weight files,
//                      quantized weights), saved as model.save writes them, imported, predicted by both
//   refusals           TF.js models with what ConvPad cannot run: exit code 1 and the layer named
// The largest differences are printed at the end.
//
//   node --test tests/browser/tfjs_exchange.mjs   (CONVPAD_CLI: a native convpad, see helpers.mjs; without one
//                                              CONVPAD_WASM_CLI, the wasm build's convpad.js under node;
//                                              CONVPAD_FASHION_DIR: the data set, default Debian's)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

import * as tf from '@tensorflow/tfjs';

import { ROOT, nativeCli } from './helpers.mjs';

const FASHION_DIR = process.env.CONVPAD_FASHION_DIR || '/usr/share/datasets/fashion-mnist';
// {command, prefix, data}: how to run convpad, and its --data for Fashion-MNIST. The wasm CLI (tools/test.sh
// browser builds it) reads the unpacked copy of the data set its build made (no zlib in wasm): no --data.
const WASM_CLI = process.env.CONVPAD_WASM_CLI || path.join(ROOT, 'build/wasm/convpad.js');
const CLI = nativeCli() ? { command: nativeCli(), prefix: [], data: ['--data', FASHION_DIR] }
  : existsSync(WASM_CLI) ? { command: process.execPath, prefix: ['--no-experimental-fetch', WASM_CLI], data: [] }
    : null;
const COUNT = 500;              // test images compared per model
// The "best" preset costs TF.js's pure-JS CPU backend about 0.15 s per image: its comparisons use the first
// BEST_COUNT (each image already checks every weight of every layer).
const BEST_COUNT = 100;
const TOLERANCE = 1e-4;         // max |p_ConvPad - p_TF.js| over every class of every image

let work;                      // scratch folder
let images;                    // Float32Array (COUNT, 28, 28, 1): pixels / 255, as ConvPad reads them
const differences = [];        // [what, max |difference|] for the summary

before(async () => {
  assert.ok(CLI, 'no convpad: set CONVPAD_CLI (tools/test.sh native builds build/native/convpad) or CONVPAD_WASM_CLI');
  console.log(`convpad: ${[CLI.command, ...CLI.prefix].join(' ')}`);
  await tf.setBackend('cpu');
  images = readTestImages(COUNT);
  work = await mkdtemp(path.join(tmpdir(), 'convpad-tfjs-'));
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  if (differences.length) {
    console.log('largest |ConvPad - TF.js| probability differences over the first test images:');
    for (const [what, diff, count] of differences) console.log(`  ${what.padEnd(68)} ${diff.toExponential(2)} (${count} images)`);
  }
});

// [SECTION] Helpers

function readTestImages(count) {
  const file = path.join(FASHION_DIR, 't10k-images-idx3-ubyte.gz');
  assert.ok(existsSync(file), `${file} not found (apt-get install dataset-fashion-mnist)`);
  const idx = gunzipSync(readFileSync(file));
  assert.equal(idx.readUInt32BE(0), 0x803, 'not an IDX3 image file');
  const pixels = new Float32Array(count * 784);
  for (let i = 0; i < pixels.length; ++i) pixels[i] = idx[16 + i] / 255;
  return pixels;
}

// Runs the CLI; resolves {code, stdout, stderr} whatever the exit code.
function convpad(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(CLI.command, [...CLI.prefix, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    proc.stdout.on('data', (c) => { stdout += c; });
    proc.stderr.on('data', (c) => { stderr += c; });
    proc.on('error', reject);
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function convpadOk(args) {
  const r = await convpad(args);
  assert.equal(r.code, 0, `convpad ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

// ConvPad's probabilities for the first `count` test images: (count, 10) rows.
async function convpadProbs(model, count) {
  const lines = (await convpadOk(['predict', '--model', model, ...CLI.data, '--test', String(count), '--json']))
    .trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(lines.length, count);
  lines.forEach((l, i) => assert.equal(l.index, i));
  return lines.map((l) => l.probs);
}

// TF.js's predict of the same images, in batches of 100.
function tfjsProbs(model, count) {
  const rows = [];
  for (let start = 0; start < count; start += 100) {
    const n = Math.min(100, count - start);
    const probs = tf.tidy(() => model.predict(tf.tensor4d(images.subarray(start * 784, (start + n) * 784), [n, 28, 28, 1])));
    rows.push(...probs.arraySync());
    probs.dispose();
  }
  return rows;
}

function compare(what, convpadRows, tfjsRows) {
  assert.equal(convpadRows.length, tfjsRows.length);
  let worst = 0;
  for (let i = 0; i < convpadRows.length; ++i) {
    assert.equal(convpadRows[i].length, 10);
    for (let c = 0; c < 10; ++c) worst = Math.max(worst, Math.abs(convpadRows[i][c] - tfjsRows[i][c]));
  }
  differences.push([what, worst, convpadRows.length]);
  assert.ok(worst < TOLERANCE, `${what}: probabilities differ by up to ${worst}`);
  return worst;
}

const arrayBufferOf = (buffer) => buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);

// tf.loadLayersModel from a model.json and the weight files its manifest names, read from disk as a
// browser would fetch them (tf.io's own parsing of model.json; no network).
async function loadFromFolder(jsonPath) {
  const modelJSON = JSON.parse(await readFile(jsonPath, 'utf8'));
  return tf.loadLayersModel({
    load: () => tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
      const specs = manifest.flatMap((group) => group.weights);
      const files = await Promise.all(manifest.flatMap((group) => group.paths)
        .map((p) => readFile(path.join(path.dirname(jsonPath), p))));
      return [specs, arrayBufferOf(Buffer.concat(files))];
    }),
  });
}

// model.save as TF.js's file handlers write it: model.json (weights in `shards` files, split at arbitrary
// bytes as TF.js shards) and the weight files. `transform(specs, data)` may rewrite the weights (quantize).
async function saveToFolder(model, dir, { shards = 1, transform = null } = {}) {
  let artifacts;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  let specs = artifacts.weightSpecs;
  let data = Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  if (transform) ({ specs, data } = transform(specs, data));
  await mkdir(dir, { recursive: true });
  // Shard boundaries 3 bytes past a share of the data: inside a float, as TF.js's fixed-size shards may fall.
  const bounds = Array.from({ length: shards + 1 }, (_, s) => (s === 0 ? 0 : s === shards ? data.length
    : Math.floor((data.length * s) / shards) + 3));
  const paths = [];
  for (let s = 0; s < shards; ++s) {
    const name = shards === 1 ? 'model.weights.bin' : `group1-shard${s + 1}of${shards}.bin`;
    await writeFile(path.join(dir, name), data.subarray(bounds[s], bounds[s + 1]));
    paths.push('./' + name);
  }
  const modelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths, weights: specs }],
  };
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJSON));
}

// Each float32 weight quantized as tensorflowjs_converter does: q = round((v - min) / scale), per weight.
function quantize(dtype) {
  const levels = dtype === 'uint8' ? 255 : 65535;
  return (specs, data) => {
    const out = [];
    const quantized = [];
    let offset = 0;
    for (const spec of specs) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(arrayBufferOf(data.subarray(offset, offset + 4 * count)));
      offset += 4 * count;
      const min = values.reduce((a, b) => Math.min(a, b)), max = values.reduce((a, b) => Math.max(a, b));
      const scale = max > min ? (max - min) / levels : 1;
      const q = dtype === 'uint8' ? new Uint8Array(count) : new Uint16Array(count);
      for (let i = 0; i < count; ++i) q[i] = Math.round((values[i] - min) / scale);
      quantized.push(Buffer.from(q.buffer));
      out.push({ ...spec, quantization: { dtype, scale, min } });
    }
    return { specs: out, data: Buffer.concat(quantized) };
  };
}

// Sets every batch norm's gamma, beta and moving statistics to values far from their initial 1, 0, 0, 1.
// gamma 0.5..1.5, beta and moving mean -0.5..0.5, moving variance 0.2..2.2 (from a seeded generator).
function setBatchNormStatistics(model, seed) {
  let state = seed;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const values = layer.weights.map((w) => {
      const kind = w.originalName.split('/').pop();
      const u = Float32Array.from({ length: w.shape.reduce((a, b) => a * b, 1) }, random);
      return tf.tensor(u.map((x) => (kind === 'gamma' ? x + 0.5 : kind === 'moving_variance' ? 2 * x + 0.2 : x - 0.5)), w.shape);
    });
    layer.setWeights(values);
    values.forEach((v) => v.dispose());
  }
}

// [SECTION] ConvPad -> TF.js

// Trains `arch` briefly (2,000 images, one epoch) into work/<name>.cpm.
async function trained(name, arch) {
  const file = path.join(work, `${name}.cpm`);
  await convpadOk(['train', '--arch', arch, '--limit', '2000', '--epochs', '1', '--val', '500', ...CLI.data, '--out', file]);
  return file;
}

async function convpadToTfjs(what, cpm, count = COUNT) {
  const dir = path.join(work, `export-${path.basename(cpm, '.cpm')}`);
  await convpadOk(['export', cpm, '--format', 'tfjs', '--out', dir]);
  const model = await loadFromFolder(path.join(dir, 'model.json'));
  compare(`ConvPad -> TF.js: ${what}`, await convpadProbs(cpm, count), tfjsProbs(model, count));

  // TF.js's own save of what it loaded reads back as the same ConvPad model file, byte for byte.
  const again = path.join(work, `resaved-${path.basename(cpm, '.cpm')}`);
  await saveToFolder(model, again);
  const back = path.join(again, 'back.cpm');
  await convpadOk(['import', path.join(again, 'model.json'), '--out', back]);
  assert.ok((await readFile(back)).equals(await readFile(cpm)), `${what}: TF.js's save of the export imports differently`);
  model.dispose();
}

test('ConvPad -> TF.js: the bundled Fashion-MNIST model (two convolutions first)', async () => {
  await convpadToTfjs('assets/fashion-cnn.cpm', path.join(ROOT, 'assets/fashion-cnn.cpm'));
});

test('ConvPad -> TF.js: the Keras seed CNN, trained briefly', async () => {
  await convpadToTfjs('seed CNN (kDefaultArch), 1 epoch on 2,000 images', await trained('seed', 'conv32k3-relu-pool2-conv64k3-relu-pool2-flatten-dense128-relu-drop0.5-dense10'));
});

test('ConvPad -> TF.js: the bundled "best" preset (batch norm, global average pooling)', async () => {
  await convpadToTfjs('assets/fashion-best.cpm', path.join(ROOT, 'assets/fashion-best.cpm'), BEST_COUNT);
});

// [SECTION] TF.js -> ConvPad

async function tfjsToConvpad(what, model, { count = COUNT, ...options } = {}) {
  const dir = path.join(work, `tfjs-${what.replace(/[^a-z0-9]+/gi, '-')}`);
  await saveToFolder(model, dir, options);
  // The model TF.js itself loads from what was written (quantized weights dequantized by TF.js).
  const reference = await loadFromFolder(path.join(dir, 'model.json'));
  const cpm = path.join(dir, 'imported.cpm');
  const out = await convpadOk(['import', path.join(dir, 'model.json'), '--out', cpm]);
  compare(`TF.js -> ConvPad: ${what}`, await convpadProbs(cpm, count), tfjsProbs(reference, count));
  reference.dispose();
  return out;
}

test('TF.js -> ConvPad: a seed CNN built in TF.js (relu folded into a conv and a dense, softmax in the last dense)', async () => {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu',
    kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, kernelInitializer: tf.initializers.heNormal({ seed: 2 }) }));
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 3 }) }));
  model.add(tf.layers.dropout({ rate: 0.5 }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }),
    biasInitializer: tf.initializers.randomNormal({ seed: 12, stddev: 0.1 }) }));
  const out = await tfjsToConvpad('seed CNN built in TF.js', model);
  assert.match(out, /conv32k3-relu-pool2-conv64k3-relu-pool2-flatten-dense128-relu-drop0\.5-dense10 /);
  model.dispose();
});

function bnGapModel({ epsilon } = {}) {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same',
    kernelInitializer: tf.initializers.heNormal({ seed: 5 }), biasInitializer: tf.initializers.randomNormal({ seed: 6, stddev: 0.1 }) }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.reLU());
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', useBias: false,
    kernelInitializer: tf.initializers.heNormal({ seed: 7 }) }));
  model.add(tf.layers.batchNormalization(epsilon ? { epsilon } : {}));
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 4, padding: 'same', activation: 'relu',
    kernelInitializer: tf.initializers.heNormal({ seed: 8 }) }));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.batchNormalization({ center: false }));
  model.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotNormal({ seed: 9 }) }));
  model.add(tf.layers.activation({ activation: 'softmax' }));
  setBatchNormStatistics(model, 17);
  return model;
}

test('TF.js -> ConvPad: batch norm (moving statistics set, no bias, no beta), global average pooling, 3 weight files', async () => {
  const model = bnGapModel();
  const out = await tfjsToConvpad('bn/gap CNN built in TF.js, 3 shards', model, { shards: 3 });
  assert.match(out, /conv16k3same-bn-relu-pool2-conv32k3same-bn-relu-conv32k4same-relu-gap-bn-dense10 /);
  model.dispose();
});

test('TF.js -> ConvPad: batch norm with epsilon 1e-5 (folded into gamma) and after a Flatten (reordered)', async () => {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, kernelInitializer: tf.initializers.heNormal({ seed: 10 }) }));
  model.add(tf.layers.batchNormalization({ epsilon: 1e-5 }));
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 3 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotNormal({ seed: 11 }) }));
  model.add(tf.layers.softmax());
  setBatchNormStatistics(model, 23);
  await tfjsToConvpad('bn eps 1e-5, bn after Flatten', model);
  model.dispose();
});

// The "best" preset's architecture (kBestArch) as `convpad archs` lists it.
async function bestArch() {
  const line = (await convpadOk(['archs'])).split('\n').find((l) => l.includes('best'));
  const arch = line && line.match(/\S*-gap-dense10\b/);
  assert.ok(arch, `no best preset in convpad archs: ${line}`);
  return arch[0];
}

test('TF.js -> ConvPad: the "best" preset built in TF.js (conv, bn, relu stages, global average pooling)', async () => {
  const model = tf.sequential();
  let seed = 30;
  const conv = (filters, first) => {
    model.add(tf.layers.conv2d({ ...(first ? { inputShape: [28, 28, 1] } : {}), filters, kernelSize: 3, padding: 'same',
      kernelInitializer: tf.initializers.heNormal({ seed: seed++ }), biasInitializer: tf.initializers.randomNormal({ seed: seed++, stddev: 0.1 }) }));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.reLU());
  };
  conv(48, true);
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  conv(96); conv(96);
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  conv(192); conv(192);
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed++ }) }));
  setBatchNormStatistics(model, 29);
  const out = await tfjsToConvpad('"best" preset built in TF.js', model, { count: BEST_COUNT });
  assert.ok(out.includes(`${await bestArch()} `), `imported as another architecture: ${out}`);
  model.dispose();
});

test('TF.js -> ConvPad: weights quantized to uint8 and uint16 are dequantized as TF.js does', async () => {
  for (const dtype of ['uint8', 'uint16']) {
    const model = bnGapModel();
    await tfjsToConvpad(`bn/gap CNN, weights quantized to ${dtype}`, model, { transform: quantize(dtype) });
    model.dispose();
  }
});

// [SECTION] The best preset's recipe

test('convpad train --recipe best is the recipe assets/fashion-best.md writes out', async () => {
  const common = ['--epochs', '1', '--limit', '384', '--val', '128', ...CLI.data];
  const recipe = path.join(work, 'recipe-best.cpm'), spelled = path.join(work, 'spelled-out.cpm');
  const out = await convpadOk(['train', '--recipe', 'best', ...common, '--out', recipe]);
  assert.ok(out.includes(`architecture ${await bestArch()} `), out);
  await convpadOk(['train', '--arch', await bestArch(), '--optimizer', 'adamw', '--lr', '0.003', '--weight-decay', '0.05',
    '--schedule', 'onecycle', '--label-smoothing', '0.1', '--flip', '--shift', '2', '--batch', '128', '--patience', '0',
    ...common, '--out', spelled]);
  assert.ok((await readFile(recipe)).equals(await readFile(spelled)), 'the two runs trained different weights');
  const bad = await convpad(['train', '--recipe', 'fast', ...common, '--out', path.join(work, 'never.cpm')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--recipe expects default or best, got 'fast'/);
});

// [SECTION] Refusals

async function refused(what, model, pattern) {
  const dir = path.join(work, `refused-${what}`);
  await saveToFolder(model, dir);
  const r = await convpad(['import', path.join(dir, 'model.json'), '--out', path.join(dir, 'never.cpm')]);
  assert.equal(r.code, 1, `${what}: exit code ${r.code}, stderr ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.ok(!existsSync(path.join(dir, 'never.cpm')), `${what}: a model file was written`);
  model.dispose();
}

test('TF.js models with what ConvPad cannot run are refused, naming the layer', async () => {
  const strided = tf.sequential();
  strided.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, strides: 2, name: 'strided' }));
  strided.add(tf.layers.flatten());
  strided.add(tf.layers.dense({ units: 10 }));
  await refused('strides', strided, /layer 'strided' \(Conv2D\): strides \[2, 2\] are not supported/);

  const averaged = tf.sequential();
  averaged.add(tf.layers.averagePooling2d({ inputShape: [28, 28, 1], poolSize: 2, name: 'avg' }));
  averaged.add(tf.layers.flatten());
  averaged.add(tf.layers.dense({ units: 10 }));
  await refused('average pooling', averaged, /layer 'avg' \(AveragePooling2D\) is not supported; ConvPad reads Conv2D/);

  // A recurrent model: its Reshape is what ConvPad meets first.
  const recurrent = tf.sequential();
  recurrent.add(tf.layers.reshape({ inputShape: [28, 28, 1], targetShape: [28, 28], name: 'rows' }));
  recurrent.add(tf.layers.simpleRNN({ units: 16, name: 'rnn' }));
  recurrent.add(tf.layers.dense({ units: 10 }));
  await refused('recurrent', recurrent, /layer 'rows' \(Reshape\) is not supported/);

  const gray = tf.sequential();
  gray.add(tf.layers.flatten({ inputShape: [32, 32, 3] }));
  gray.add(tf.layers.dense({ units: 10 }));
  await refused('input shape', gray, /input is \[null,32,32,3\]; ConvPad reads one 28x28 grayscale image/);

  const usage = await convpad(['import', 'model.json']);
  assert.equal(usage.code, 2, 'a usage error exits 2');
  assert.match(usage.stderr, /import needs --out FILE/);
});
