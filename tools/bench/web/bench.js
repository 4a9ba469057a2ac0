// ConvPad benchmark page: ConvPad (single thread and threaded wasm builds of tools/bench/web/bench_api.cpp) and
// TensorFlow.js 4.22 (wasm backend, when the site has ./tfjs/) train and infer the seed CNN on real
// Fashion-MNIST in this tab, one after the other. A program that prints numbers, not a test.
//
//   window.convpadBench.run(options) -> Promise of the results object (tools/bench/run.mjs drives it)
//   bench.html?quick=1&autorun=1      the same from the URL (every option below works as a parameter)
//
// Progress goes to the page's log and to console.log lines starting with "[bench] ", which the runner
// prints. Both engines get the same work: batch 64, Adam (lr 1e-3, beta 0.9/0.999, eps 1e-7), categorical
// cross-entropy, all 60,000 training images reshuffled every epoch by a seeded generator, inference on
// batches of 256 test images, accuracy on the 10,000 test images. Accuracy after one epoch moves by about
// 0.6 points from seed to seed, so it is compared over several seeds (option `seeds`): one fresh epoch per
// seed and engine, reported as per-seed values, mean, standard deviation and the difference of the means
// with its standard error.

const ARCH = 'conv32k3-relu-pool2-conv64k3-relu-pool2-flatten-dense128-relu-drop0.5-dense10';  // kDefaultArch
const PEAK_GFLOPS_PER_CORE = 18;   // baseline wasm SIMD128 mul+add, one thread, measured (TOOLCHAIN.md)
const INFER_BATCH = 256;
const IMAGE_PIXELS = 28 * 28;
const CLASSES = 10;
const DATASET = [
  { url: 'train-images-idx3-ubyte.gz', which: 0, magic: 0x803, header: 16 },
  { url: 'train-labels-idx1-ubyte.gz', which: 1, magic: 0x801, header: 8 },
  { url: 't10k-images-idx3-ubyte.gz', which: 2, magic: 0x803, header: 16 },
  { url: 't10k-labels-idx1-ubyte.gz', which: 3, magic: 0x801, header: 8 },
];
const MODULES = {
  single: { script: 'convpad_bench.js', label: 'ConvPad wasm, 1 thread' },
  threaded: { script: 'convpad_bench_mt.js', label: 'ConvPad wasm, threaded' },
};
const TFJS_DIR = './tfjs/';

// [SECTION] Options
// name: [type, default (full run), default with quick, lo, hi]. Validated from run() and from the URL.
// seeds: [type, full, quick, fewest, most]: distinct integers in 0..MAX_SEED; the first one also seeds the
// speed measurements' models, and each one gets a full epoch per engine (none with quick).
const MAX_SEED = 2 ** 31 - 1;
const defaultThreads = () => Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 4));
const OPTIONS = {
  quick: ['boolean', false, true],
  seeds: ['seeds', [42, 1, 2], [42], 1, 10],
  warmupSteps: ['integer', 5, 3, 0, 100],
  trainSeconds: ['number', 10, 3, 0.5, 300],
  inferSeconds: ['number', 4, 1, 0.2, 120],
  threads: ['integer', null, null, 1, 16],          // null: navigator.hardwareConcurrency capped at 4
  epoch: ['boolean', true, false],                  // per seed, one full 60k epoch + test accuracy per engine
  epochSingle: ['boolean', true, false],            // ... and one for ConvPad single-thread (first seed) when threaded runs
  sketchRuns: ['integer', 200, 50, 1, 100000],
  convpad: ['boolean', true, true],
  tfjs: ['boolean', true, true],                    // when ./tfjs/ exists
  tfjsThreads: ['integer', null, null, 0, 16],      // 0: single-thread SIMD binary; null: = threads if isolated
  tfjsCpuSteps: ['integer', 2, 0, 0, 50],           // TF.js cpu backend: timed steps after one warm-up
};

export function parseOptions(input = {}) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('run: options must be an object');
  for (const key of Object.keys(input)) {
    if (!(key in OPTIONS)) throw new Error(`run: unknown option '${key}' (known: ${Object.keys(OPTIONS).join(', ')})`);
  }
  const quick = input.quick ?? false;
  if (typeof quick !== 'boolean') throw new Error(`run: quick must be true or false (got ${JSON.stringify(quick)})`);
  const out = {};
  for (const [key, [type, full, short, lo, hi]] of Object.entries(OPTIONS)) {
    const v = key in input ? input[key] : (quick ? short : full);
    if (v === null && full === null) { out[key] = null; continue; }
    if (type === 'boolean') {
      if (typeof v !== 'boolean') throw new Error(`run: ${key} must be true or false (got ${JSON.stringify(v)})`);
    } else if (type === 'seeds') {
      out[key] = checkSeeds(v, lo, hi);
      continue;
    } else {
      const ok = typeof v === 'number' && Number.isFinite(v) && (type === 'number' || Number.isInteger(v)) && v >= lo && v <= hi;
      if (!ok) throw new Error(`run: ${key} must be ${type === 'integer' ? 'an integer' : 'a number'} from ${lo} to ${hi} (got ${JSON.stringify(v)})`);
    }
    out[key] = v;
  }
  if (out.threads === null) out.threads = defaultThreads();
  return out;
}

function checkSeeds(v, fewest, most) {
  const expected = `run: seeds must be an array of ${fewest} to ${most} distinct integers from 0 to ${MAX_SEED}`;
  if (!Array.isArray(v) || v.length < fewest || v.length > most) throw new Error(`${expected} (got ${JSON.stringify(v)})`);
  for (const seed of v) {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new Error(`${expected} (${JSON.stringify(seed)} is not)`);
  }
  if (new Set(v).size !== v.length) throw new Error(`${expected} (got a repeated seed in ${JSON.stringify(v)})`);
  return [...v];
}

// URL parameters -> options: "1"/"true"/"0"/"false" for booleans, comma-separated integers for seeds
// (seeds=42,1,2), numbers otherwise. Returns {options, errors}.
function optionsFromUrl(search) {
  const params = new URLSearchParams(search);
  const options = {}, errors = [];
  for (const [key, text] of params) {
    if (key === 'autorun') continue;
    if (!(key in OPTIONS)) { errors.push(`${key}: unknown parameter`); continue; }
    const type = OPTIONS[key][0];
    if (type === 'boolean') {
      if (['1', 'true'].includes(text)) options[key] = true;
      else if (['0', 'false'].includes(text)) options[key] = false;
      else errors.push(`${key}=${text}: not 0/1`);
    } else if (type === 'seeds') {
      const parts = text.split(',').map((t) => t.trim());
      if (parts.some((t) => !/^\d+$/.test(t))) errors.push(`${key}=${text}: not a comma-separated list of integers`);
      else options[key] = parts.map(Number);
    } else if (text.trim() === '' || !Number.isFinite(Number(text))) {
      errors.push(`${key}=${text}: not a number`);
    } else {
      options[key] = Number(text);
    }
  }
  try {
    parseOptions(options);
  } catch (err) {
    errors.push(err.message.replace(/^run: /, ''));
    for (const key of Object.keys(options)) delete options[key];
  }
  return { options, errors };
}

// [SECTION] Log and small helpers

const ui = {
  log: document.getElementById('log'),
  results: document.getElementById('results'),
  status: document.getElementById('status'),
  run: document.getElementById('run'),
  quick: document.getElementById('quick'),
  json: document.getElementById('json'),
};

function log(line) {
  const stamp = (performance.now() / 1000).toFixed(1).padStart(6);
  console.log(`[bench] ${line}`);
  if (ui.log) ui.log.textContent += `${stamp} s  ${line}\n`;
  if (ui.status) ui.status.textContent = line;
}

const yieldToBrowser = () => new Promise((resolve) => setTimeout(resolve, 0));
const round = (x, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

function percentile(sorted, p) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`${url}: could not be loaded`));
    document.head.appendChild(script);
  });
}

async function exists(url) {
  try {
    const response = await fetch(url, { method: 'HEAD' });
    return response.ok;
  } catch {
    return false;
  }
}

// Seeded generator for the TF.js side's shuffles (mulberry32): same policy as the engine (reshuffled every
// epoch from a fixed seed), not the same permutation.
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(order, random) {
  for (let i = order.length - 1; i > 0; --i) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
}

// [SECTION] Data

async function fetchGunzipped(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new Error(`${url}: download or gunzip failed (${err.message})`);
  }
}

let datasetPromise = null;

// {files: [Uint8Array x4] (raw IDX, for the engine), train/test: {count, images (Uint8Array n*784), labels}}.
function loadDataset() {
  datasetPromise ??= (async () => {
    log('loading Fashion-MNIST (4 .gz files, gunzipped by the browser)');
    const t0 = performance.now();
    const files = await Promise.all(DATASET.map((d) => fetchGunzipped(d.url)));
    DATASET.forEach((d, i) => {
      const view = new DataView(files[i].buffer, files[i].byteOffset, files[i].byteLength);
      if (files[i].byteLength < d.header || view.getUint32(0) !== d.magic) throw new Error(`${d.url}: not an IDX file of the expected kind`);
    });
    const part = (images, labels) => {
      const count = new DataView(labels.buffer, labels.byteOffset).getUint32(4);
      if (images.byteLength !== 16 + count * IMAGE_PIXELS) throw new Error(`image and label files disagree (${count} labels)`);
      return { count, images: images.subarray(16), labels: labels.subarray(8) };
    };
    const data = { files, train: part(files[0], files[1]), test: part(files[2], files[3]) };
    log(`data set: ${data.train.count} training, ${data.test.count} test images in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return data;
  })();
  return datasetPromise;
}

// [SECTION] ConvPad

// A started engine module with the C calls of tools/bench/web/bench_api.cpp; each throws the engine's {error}.
class ConvPadEngine {
  static async create(kind) {
    const { script } = MODULES[kind];
    // Both builds define the global `var createConvPadBench`: load one script at a time, keep its factory.
    window.createConvPadBench = undefined;
    await loadScript(script);
    const factory = window.createConvPadBench;
    window.createConvPadBench = undefined;
    if (typeof factory !== 'function') throw new Error(`${script} did not define createConvPadBench`);
    const module = await factory({ print: (t) => console.log(t), printErr: (t) => console.warn(t) });
    return new ConvPadEngine(kind, module);
  }

  constructor(kind, module) {
    this.kind = kind;
    this.module = module;
  }

  call(name, types = [], args = []) {
    const text = this.module.ccall(name, 'string', types, args);
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && 'error' in value && Object.keys(value).length === 1) {
      throw new Error(`${name}: ${value.error}`);
    }
    return value;
  }

  // Copies bytes into the wasm heap for one call, then frees them.
  withBuffer(bytes, fn) {
    const ptr = this.module._malloc(bytes.byteLength);
    if (!ptr) throw new Error(`out of wasm memory for ${bytes.byteLength} bytes`);
    try {
      const heap = this.module.HEAPU8;
      if (ptr + bytes.byteLength > heap.length) throw new Error('stale wasm heap view (memory grew on a worker)');
      heap.set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), ptr);
      return fn(ptr);
    } finally {
      this.module._free(ptr);
    }
  }

  setThreads(n) { return this.call('convpad_bench_set_threads', ['number'], [n]); }

  setData(files) {
    let reply = null;
    files.forEach((bytes, which) => {
      reply = this.withBuffer(bytes, (ptr) => this.call('convpad_bench_set_data_file', ['number', 'number', 'number'], [which, ptr, bytes.byteLength]));
    });
    if (!reply.ready) throw new Error('the engine did not accept the data set');
    return reply;
  }

  start(options) { return this.call('convpad_bench_start', ['string'], [JSON.stringify(options)]); }
  trainSteps(steps) { return this.call('convpad_bench_train_steps', ['number'], [steps]); }
  epochSlice(ms) { return this.call('convpad_bench_epoch_slice', ['number'], [ms]); }
  evaluate() { return this.call('convpad_bench_evaluate'); }
  infer(batch, repeats) { return this.call('convpad_bench_infer', ['number', 'number'], [batch, repeats]); }
  classifySketch(ptr, width, height) {
    return this.call('convpad_bench_classify_sketch', ['number', 'number', 'number'], [ptr, width, height]);
  }
}

// Training images/s after warm-up: calls of ~0.3 s until `seconds` have passed (wall clock of this tab).
async function measureTraining(trainStep, { warmupSteps, seconds, batch = 64 }) {
  if (warmupSteps > 0) await trainStep(warmupSteps);
  let steps = 0, chunk = 1, loss = null;
  const t0 = performance.now();
  for (;;) {
    const c0 = performance.now();
    loss = await trainStep(chunk);
    steps += chunk;
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed >= seconds) {
      return { imagesPerSecond: (steps * batch) / elapsed, steps, seconds: elapsed, loss };
    }
    const perStep = Math.max(1e-4, (performance.now() - c0) / 1000 / chunk);
    chunk = Math.max(1, Math.min(Math.round(0.3 / perStep), Math.ceil((seconds - elapsed) / perStep)));
    await yieldToBrowser();
  }
}

// Inference images/s on batches of 256 after one warm-up batch.
async function measureInference(inferBatches, seconds) {
  await inferBatches(1);
  let batches = 0, chunk = 1;
  const t0 = performance.now();
  for (;;) {
    const c0 = performance.now();
    await inferBatches(chunk);
    batches += chunk;
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed >= seconds) return { imagesPerSecond: (batches * INFER_BATCH) / elapsed, batches, seconds: elapsed };
    const perBatch = Math.max(1e-4, (performance.now() - c0) / 1000 / chunk);
    chunk = Math.max(1, Math.min(Math.round(0.3 / perBatch), 1000));
    await yieldToBrowser();
  }
}

// A 280x280 drawing like the pad's (white strokes on black): a trouser outline drawn on a canvas.
function sketchPixels(side = 280) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = side;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, side, side);
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 24;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(110, 40); ctx.lineTo(170, 40);
  ctx.moveTo(110, 40); ctx.lineTo(100, 240);
  ctx.moveTo(170, 40); ctx.lineTo(180, 240);
  ctx.moveTo(140, 60); ctx.lineTo(130, 240);
  ctx.moveTo(140, 60); ctx.lineTo(150, 240);
  ctx.stroke();
  const rgba = ctx.getImageData(0, 0, side, side).data;
  const gray = new Float32Array(side * side);
  for (let i = 0; i < gray.length; ++i) gray[i] = rgba[4 * i] / 255;
  return { width: side, height: side, pixels: gray };
}

// Drawing-pad latency: preprocess_to_28x28 + classification of one 280x280 sketch, timed around the
// call from JS (what the page waits for) and inside the engine.
function measureSketch(engine, runs) {
  const sketch = sketchPixels();
  const bytes = new Uint8Array(sketch.pixels.buffer);
  return engine.withBuffer(bytes, (ptr) => {
    const wall = [], inside = [];
    let reply = null;
    for (let i = 0; i < runs + 5; ++i) {
      const t0 = performance.now();
      reply = engine.classifySketch(ptr, sketch.width, sketch.height);
      const ms = performance.now() - t0;
      if (i >= 5) { wall.push(ms); inside.push(reply.ms); }  // the first 5 are warm-up
    }
    wall.sort((a, b) => a - b);
    inside.sort((a, b) => a - b);
    return {
      runs, label: reply.name,
      medianMs: percentile(wall, 50), p95Ms: percentile(wall, 95),
      engineMedianMs: percentile(inside, 50), engineP95Ms: percentile(inside, 95),
    };
  });
}

async function benchConvPad(kind, engine, data, opts) {
  const label = MODULES[kind].label;
  const threads = engine.setThreads(kind === 'threaded' ? opts.threads : 1).threads;
  const info = engine.start({ arch: ARCH, seed: opts.seeds[0], batchSize: 64 });
  const out = { engine: 'convpad', build: kind, threads, params: info.params,
                flopsTraining: info.flopsTraining, flopsForward: info.flopsForward };
  log(`${label}${kind === 'threaded' ? ` (${threads} threads)` : ''}: training ${opts.warmupSteps} warm-up steps, then ${opts.trainSeconds} s`);
  out.train = await measureTraining((steps) => engine.trainSteps(steps).loss, { warmupSteps: opts.warmupSteps, seconds: opts.trainSeconds });
  log(`${label}: training ${out.train.imagesPerSecond.toFixed(0)} images/s (${out.train.steps} steps, loss ${out.train.loss?.toFixed(3)})`);
  out.infer = await measureInference((batches) => engine.infer(INFER_BATCH, batches), opts.inferSeconds);
  log(`${label}: inference ${out.infer.imagesPerSecond.toFixed(0)} images/s (batch ${INFER_BATCH})`);
  out.sketch = measureSketch(engine, opts.sketchRuns);
  log(`${label}: drawing pad ${out.sketch.medianMs.toFixed(3)} ms median, ${out.sketch.p95Ms.toFixed(3)} ms p95 (${out.sketch.runs} runs)`);
  return out;
}

// Progress of a running epoch, logged every 10 s: step, share done, loss and the time left at this pace.
const EPOCH_LOG_MS = 10000;
function logEpochProgress(label, step, steps, loss, t0) {
  const seconds = (performance.now() - t0) / 1000;
  const left = step > 0 ? (seconds * (steps - step)) / step : null;
  log(`${label}: step ${step}/${steps} (${((100 * step) / steps).toFixed(0)}%), loss ${loss?.toFixed(3) ?? '–'}, ` +
      `${seconds.toFixed(0)} s${left == null ? '' : `, ~${left.toFixed(0)} s left`}`);
}

// One full epoch (60,000 images, 938 steps of 64) from fresh weights seeded with `seed`, then accuracy on
// the 10k test images. tag: which seed of how many, for the log.
async function convPadEpoch(kind, engine, seed, tag, opts) {
  const label = `${MODULES[kind].label}, ${tag}`;
  engine.setThreads(kind === 'threaded' ? opts.threads : 1);
  const info = engine.start({ arch: ARCH, seed, batchSize: 64, epochs: 1 });
  log(`${label}: one epoch of 60,000 images (${info.stepsPerEpoch} steps)`);
  const t0 = performance.now();
  let lastLog = t0, reply;
  do {
    reply = engine.epochSlice(200);
    if (performance.now() - lastLog > EPOCH_LOG_MS) {
      lastLog = performance.now();
      logEpochProgress(label, reply.step, reply.stepsPerEpoch, reply.loss, t0);
    }
    await yieldToBrowser();
  } while (!reply.done);
  const seconds = (performance.now() - t0) / 1000;
  const evaluation = engine.evaluate();
  log(`${label}: epoch in ${seconds.toFixed(1)} s, test accuracy ${(100 * evaluation.accuracy).toFixed(2)}%`);
  return { seed, seconds, testAccuracy: evaluation.accuracy, trainLoss: reply.trainLoss, trainAccuracy: reply.trainAccuracy };
}

// [SECTION] TensorFlow.js

let tfjsState = null;  // {tf, backend, threads, multithread}: the wasm backend starts once per page

// Where the TF.js model differs from the engine's policy although both use their stock layers; they go to
// the results' notes (and the JSON line) whenever TF.js trains.
const TFJS_NOTES = [
  'Initialisation: the same distributions on both sides, from different generators: He-normal before ReLUs ' +
    'drawn from a normal of std sqrt(2/fan_in) redrawn outside 2 std and not rescaled (TF.js 4.22 heNormal; ' +
    'Python Keras divides by 0.87962566, neither engine here does), Glorot-uniform for the last layer, zero biases',
  'TF.js dropout is unseeded (stock tf.layers.dropout({rate: 0.5})): with a seed, TF.js 4.22 applies the same ' +
    'mask at every step; ConvPad draws a fresh mask per step from its seeded generator. TF.js weights and ' +
    'shuffles are seeded, its dropout masks and threaded kernels are not bit-reproducible',
];

// Conv2DBackpropFilter for the wasm backend (4.22 has none), from the backend's own Conv2D and Transpose:
//   dW[i,j,c,k] = sum_{n,oh,ow} x[n, oh+i, ow+j, c] * dy[n, oh, ow, k]
// is a valid, stride-1 convolution of x^T (C, H, W, N) with the "filter" dy^T (OH, OW, N, K), giving
// (C, kh, kw, K), transposed back to (kh, kw, C, K). Covers what the seed CNN needs: NHWC, stride 1,
// no dilation, 'valid' padding; anything else is refused with a message.
function registerConv2DBackpropFilter(tf) {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return false;
  const conv2d = tf.getKernel('Conv2D', 'wasm').kernelFunc;
  const transpose = tf.getKernel('Transpose', 'wasm').kernelFunc;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs;
      const { strides, pad, dataFormat, dilations, filterShape } = attrs;
      const one = (v) => v === undefined || v === 1 || (Array.isArray(v) && v.every((s) => s === 1));
      if (!one(strides) || !one(dilations) || pad !== 'valid' || (dataFormat && dataFormat !== 'NHWC')) {
        throw new Error(`Conv2DBackpropFilter (bench registration): only NHWC, stride 1, valid padding (got ${JSON.stringify({ strides, pad, dataFormat, dilations })})`);
      }
      const xT = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } });
      const dyT = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
      const dwT = conv2d({ inputs: { x: xT, filter: dyT }, backend,
        attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined } });
      const dw = transpose({ inputs: { x: dwT }, backend, attrs: { perm: [1, 2, 0, 3] } });
      for (const t of [xT, dyT, dwT]) backend.disposeData(t.dataId);
      if (filterShape && dw.shape.join() !== filterShape.join()) throw new Error(`Conv2DBackpropFilter: shape ${dw.shape} != ${filterShape}`);
      return dw;
    },
  });
  return true;
}

// The registered kernel against the cpu backend's own Conv2DBackpropFilter, on random data shaped like
// the seed CNN's two convolutions (through tf.grad of a conv2d, i.e. the path training takes).
async function checkFilterGradient(tf) {
  const cases = [
    { x: [8, 28, 28, 1], w: [3, 3, 1, 32] },
    { x: [8, 13, 13, 32], w: [3, 3, 32, 64] },
    { x: [3, 9, 7, 5], w: [2, 4, 5, 3] },
  ];
  const random = seededRandom(7);
  const values = (shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => random() * 2 - 1);
  const data = cases.map((c) => ({ ...c, xv: values(c.x), wv: values(c.w),
    dyv: values([c.x[0], c.x[1] - c.w[0] + 1, c.x[2] - c.w[1] + 1, c.w[3]]) }));
  const gradients = async (backend) => {
    await tf.setBackend(backend);
    return data.map((c) => tf.tidy(() => {
      const x = tf.tensor4d(c.xv, c.x), w = tf.tensor4d(c.wv, c.w);
      const dy = tf.tensor4d(c.dyv, [c.x[0], c.x[1] - c.w[0] + 1, c.x[2] - c.w[1] + 1, c.w[3]]);
      const [dx, dw] = tf.grads((xx, ww) => tf.conv2d(xx, ww, 1, 'valid').mul(dy).sum())([x, w]);
      return { dw: dw.dataSync().slice(), dx: dx.dataSync().slice() };
    }));
  };
  const reference = await gradients('cpu');
  const measured = await gradients('wasm');
  const results = cases.map((c, i) => {
    let maxAbs = 0, maxRef = 0, maxAbsDx = 0;
    reference[i].dw.forEach((r, j) => { maxAbs = Math.max(maxAbs, Math.abs(r - measured[i].dw[j])); maxRef = Math.max(maxRef, Math.abs(r)); });
    reference[i].dx.forEach((r, j) => { maxAbsDx = Math.max(maxAbsDx, Math.abs(r - measured[i].dx[j])); });
    return { x: c.x, w: c.w, maxAbsDiff: maxAbs, maxAbsRef: maxRef, relDiff: maxAbs / Math.max(maxRef, 1e-30), dxMaxAbsDiff: maxAbsDx };
  });
  const ok = results.every((r) => r.relDiff < 1e-5 && Number.isFinite(r.maxAbsDiff));
  return { ok, cases: results };
}

async function startTfjs(opts) {
  if (tfjsState) {
    if (tfjsState.requestedThreads !== opts.tfjsThreads) throw new Error('TF.js wasm backend already started with other threads: reload the page');
    return tfjsState;
  }
  await loadScript(`${TFJS_DIR}tf.min.js`);
  await loadScript(`${TFJS_DIR}tf-backend-wasm.min.js`);
  const tf = window.tf;
  if (!tf || !tf.wasm) throw new Error('tfjs/tf.min.js or tf-backend-wasm.min.js did not define tf / tf.wasm');
  tf.wasm.setWasmPaths(TFJS_DIR);
  if (opts.tfjsThreads === 0) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  else tf.wasm.setThreadsCount(opts.tfjsThreads);
  const registered = registerConv2DBackpropFilter(tf);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js could not start its wasm backend');
  await tf.ready();
  const multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.wasm.getThreadsCount();
  // threads: what tf.wasm.getThreadsCount() reports for XNNPACK's pool (it can report 1 although more were
  // requested: tensorflow/tfjs#6081); requestedThreads: what setThreadsCount() asked for (0: single-thread binary).
  tfjsState = { tf, version: tf.version?.tfjs ?? tf.version_core, requestedThreads: opts.tfjsThreads, multithread, simd,
                threads, binary: multithread && simd ? 'threaded-SIMD' : simd ? 'SIMD' : 'plain', registered };
  log(`TF.js ${tfjsState.version} wasm backend: ${tfjsState.binary} binary, ` +
      (opts.tfjsThreads > 0 ? `${opts.tfjsThreads} threads requested, ` : '') + `getThreadsCount() ${threads}` +
      (registered ? '; Conv2DBackpropFilter registered from its own Conv2D' : ''));
  return tfjsState;
}

// The seed CNN in TF.js, same layers and initialisation policy as the engine (He-normal before ReLUs,
// Glorot-uniform for the last layer, zero biases, seeded), compiled with the same Adam and loss. Each
// layer's initialiser gets its own seed, 8 * seed + layer, so no two seeds of a run share a random stream
// (with seed + layer, seeds 1 and 2 would). Stock TF.js initialisers, as a TF.js user gets them: its
// heNormal is a normal of std sqrt(2 / fan_in) truncated at 2 std and not rescaled (Python Keras divides
// by 0.87962566; TF.js 4.22 does not), which is how the engine draws it too (Rng::truncated_normal).
// Dropout is unseeded on purpose: with a seed,
// TF.js 4.22's dropout draws the same mask at every step (tf.dropout reseeds its generator on each
// call), where the engine draws a fresh mask per step; unseeded, TF.js draws fresh masks from Math.random.
function tfjsModel(tf, seed) {
  const layerSeed = (layer) => 8 * seed + layer;
  const he = (layer) => tf.initializers.heNormal({ seed: layerSeed(layer) });
  const model = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'valid', activation: 'relu', kernelInitializer: he(1) }),
    tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
    tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'valid', activation: 'relu', kernelInitializer: he(2) }),
    tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: he(3) }),
    tf.layers.dropout({ rate: 0.5 }),
    tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(5) }) }),
  ] });
  model.compile({ optimizer: tf.train.adam(0.001, 0.9, 0.999, 1e-7), loss: 'categoricalCrossentropy' });
  return model;
}

// Batches of the training set in a seeded order reshuffled every epoch, as (x NHWC float32 /255, y one-hot).
class TfjsBatches {
  constructor(tf, set, seed) {
    this.tf = tf;
    this.set = set;
    this.random = seededRandom(seed);
    this.order = Int32Array.from({ length: set.count }, (_, i) => i);
    this.at = set.count;  // shuffle before the first batch
    this.x = new Float32Array(64 * IMAGE_PIXELS);
    this.y = new Float32Array(64 * CLASSES);
  }
  // Returns [x, y] tensors of up to `size` images (the last batch of an epoch is shorter) and epochEnd.
  next(size) {
    if (this.at >= this.set.count) { shuffle(this.order, this.random); this.at = 0; }
    const n = Math.min(size, this.set.count - this.at);
    if (this.x.length < n * IMAGE_PIXELS) { this.x = new Float32Array(n * IMAGE_PIXELS); this.y = new Float32Array(n * CLASSES); }
    this.y.fill(0, 0, n * CLASSES);
    for (let i = 0; i < n; ++i) {
      const src = this.order[this.at + i];
      const image = this.set.images.subarray(src * IMAGE_PIXELS, (src + 1) * IMAGE_PIXELS);
      for (let p = 0; p < IMAGE_PIXELS; ++p) this.x[i * IMAGE_PIXELS + p] = image[p] / 255;
      this.y[i * CLASSES + this.set.labels[src]] = 1;
    }
    this.at += n;
    const x = this.tf.tensor4d(this.x.subarray(0, n * IMAGE_PIXELS), [n, 28, 28, 1]);
    const y = this.tf.tensor2d(this.y.subarray(0, n * CLASSES), [n, CLASSES]);
    return { x, y, n, epochEnd: this.at >= this.set.count };
  }
}

async function tfjsTrainSteps(model, batches, steps) {
  let loss = null;
  for (let s = 0; s < steps; ++s) {
    const { x, y } = batches.next(64);
    try {
      loss = await model.trainOnBatch(x, y);
    } finally {
      x.dispose();
      y.dispose();
    }
  }
  return loss;
}

function testBatch(tf, set, first, n) {
  const x = new Float32Array(n * IMAGE_PIXELS);
  const images = set.images.subarray(first * IMAGE_PIXELS, (first + n) * IMAGE_PIXELS);
  for (let p = 0; p < x.length; ++p) x[p] = images[p] / 255;
  return tf.tensor4d(x, [n, 28, 28, 1]);
}

function tfjsAccuracy(tf, model, set) {
  let correct = 0;
  for (let first = 0; first < set.count; first += INFER_BATCH) {
    const n = Math.min(INFER_BATCH, set.count - first);
    const predicted = tf.tidy(() => model.predict(testBatch(tf, set, first, n), { batchSize: INFER_BATCH }).argMax(-1).dataSync());
    for (let i = 0; i < n; ++i) correct += predicted[i] === set.labels[first + i];
  }
  return correct / set.count;
}

async function benchTfjs(data, opts) {
  const { tf, binary, threads } = await startTfjs(opts);
  const label = `TF.js wasm (${binary})`;
  const out = { engine: 'tfjs', backend: 'wasm', binary, threads, requestedThreads: tfjsState.requestedThreads, version: tfjsState.version };
  log('TF.js: checking the registered Conv2DBackpropFilter against the cpu backend');
  out.kernelCheck = await checkFilterGradient(tf);
  for (const c of out.kernelCheck.cases) {
    log(`TF.js: dW x${JSON.stringify(c.x)} w${JSON.stringify(c.w)}: max |wasm - cpu| ${c.maxAbsDiff.toExponential(2)} ` +
        `(max |dW| ${c.maxAbsRef.toFixed(2)}, relative ${c.relDiff.toExponential(2)}); dX max diff ${c.dxMaxAbsDiff.toExponential(2)}`);
  }
  if (!out.kernelCheck.ok) throw new Error('TF.js: the registered Conv2DBackpropFilter disagrees with the cpu backend');
  await tf.setBackend('wasm');

  const model = tfjsModel(tf, opts.seeds[0]);
  const batches = new TfjsBatches(tf, data.train, opts.seeds[0]);
  const profile = await tf.profile(() => tfjsTrainSteps(model, batches, 1));
  out.kernels = [...new Set(profile.kernels.map((k) => k.name))].sort();
  log(`${label}: training ${opts.warmupSteps} warm-up steps, then ${opts.trainSeconds} s (kernels: ${out.kernels.length})`);
  out.train = await measureTraining((steps) => tfjsTrainSteps(model, batches, steps), { warmupSteps: opts.warmupSteps, seconds: opts.trainSeconds });
  log(`${label}: training ${out.train.imagesPerSecond.toFixed(0)} images/s (${out.train.steps} steps, loss ${out.train.loss?.toFixed(3)})`);
  const x = testBatch(tf, data.test, 0, INFER_BATCH);
  out.infer = await measureInference(async (n) => {
    for (let i = 0; i < n; ++i) tf.tidy(() => model.predict(x, { batchSize: INFER_BATCH }).dataSync());
  }, opts.inferSeconds);
  x.dispose();
  log(`${label}: inference ${out.infer.imagesPerSecond.toFixed(0)} images/s (batch ${INFER_BATCH})`);
  model.dispose();

  out.tensorsAfter = tf.memory().numTensors;
  return out;
}

// TF.js's pure-JS cpu backend: a few steps only (about 11 images/s here).
async function benchTfjsCpu(data, opts) {
  const { tf } = tfjsState;
  await tf.setBackend('cpu');
  const model = tfjsModel(tf, opts.seeds[0]);
  const batches = new TfjsBatches(tf, data.train, opts.seeds[0]);
  log(`TF.js cpu backend: 1 warm-up step, then ${opts.tfjsCpuSteps} steps`);
  await tfjsTrainSteps(model, batches, 1);
  const t0 = performance.now();
  await tfjsTrainSteps(model, batches, opts.tfjsCpuSteps);
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  await tf.setBackend('wasm');
  const out = { engine: 'tfjs', backend: 'cpu', steps: opts.tfjsCpuSteps, seconds, imagesPerSecond: (opts.tfjsCpuSteps * 64) / seconds };
  log(`TF.js cpu backend: training ${out.imagesPerSecond.toFixed(1)} images/s`);
  return out;
}

// [SECTION] Run

function summarise(r) {
  const cp1 = r.convpad.single, cpT = r.convpad.threaded, tfw = r.tfjs.wasm;
  const ratio = (a, b) => (a != null && b != null && b > 0 ? round(a / b, 2) : null);
  const gflops = (part, kind) => {
    if (!part) return null;
    const ips = kind === 'train' ? part.train.imagesPerSecond : part.infer.imagesPerSecond;
    const flops = kind === 'train' ? part.flopsTraining : part.flopsForward;
    const g = (ips * flops) / 1e9;
    return { gflops: round(g, 2), perCore: round(g / part.threads, 2), ofPeak: round(g / (PEAK_GFLOPS_PER_CORE * part.threads), 3) };
  };
  return {
    trainConvPadSingleVsTfjs: ratio(cp1?.train.imagesPerSecond, tfw?.train.imagesPerSecond),
    trainConvPadThreadedVsTfjs: ratio(cpT?.train.imagesPerSecond, tfw?.train.imagesPerSecond),
    inferConvPadSingleVsTfjs: ratio(cp1?.infer.imagesPerSecond, tfw?.infer.imagesPerSecond),
    inferConvPadThreadedVsTfjs: ratio(cpT?.infer.imagesPerSecond, tfw?.infer.imagesPerSecond),
    epochTfjsVsConvPadThreaded: ratio(tfw?.epoch?.seconds, cpT?.epoch?.seconds),
    epochTfjsVsConvPadSingle: ratio(tfw?.epoch?.seconds, cp1?.epoch?.seconds),
    trainThreadedVsSingle: ratio(cpT?.train.imagesPerSecond, cp1?.train.imagesPerSecond),
    inferThreadedVsSingle: ratio(cpT?.infer.imagesPerSecond, cp1?.infer.imagesPerSecond),
    gflops: {
      peakPerCore: PEAK_GFLOPS_PER_CORE,
      trainSingle: gflops(cp1, 'train'), trainThreaded: gflops(cpT, 'train'),
      inferSingle: gflops(cp1, 'infer'), inferThreaded: gflops(cpT, 'infer'),
    },
  };
}

let running = null;

export async function run(input = {}) {
  if (running) throw new Error('run: a benchmark is already running');
  const opts = parseOptions(input);
  running = (async () => {
    const started = performance.now();
    const results = {
      options: opts, arch: ARCH, userAgent: navigator.userAgent, crossOriginIsolated: self.crossOriginIsolated === true,
      hardwareConcurrency: navigator.hardwareConcurrency ?? null, convpad: {}, tfjs: {}, notes: [],
    };
    log(`run: ${opts.quick ? 'quick' : 'full'}, cross-origin isolated: ${results.crossOriginIsolated}, ` +
        `hardwareConcurrency ${results.hardwareConcurrency}, threads ${opts.threads}`);
    const data = await loadDataset();

    const engines = {};
    if (opts.convpad) {
      const kinds = ['single'];
      if (results.crossOriginIsolated && typeof SharedArrayBuffer === 'function') kinds.push('threaded');
      else results.notes.push('not cross-origin isolated: the threaded ConvPad build cannot run here');
      for (const kind of kinds) {
        if (!(await exists(MODULES[kind].script))) {
          results.notes.push(`${MODULES[kind].script} missing from the site`);
          log(`${MODULES[kind].script} is not on this site: ${MODULES[kind].label} skipped`);
          continue;
        }
        log(`starting ${MODULES[kind].script}`);
        engines[kind] = await ConvPadEngine.create(kind);
        engines[kind].setData(data.files);
        results.convpad[kind] = await benchConvPad(kind, engines[kind], data, opts);
      }
    }

    let tfjsAvailable = false;
    if (opts.tfjs) {
      tfjsAvailable = await exists(`${TFJS_DIR}tf.min.js`) && await exists(`${TFJS_DIR}tf-backend-wasm.min.js`);
      if (!tfjsAvailable) {
        results.notes.push('TF.js absent (no ./tfjs/ on this site): ConvPad only');
        log('TF.js is not on this site (./tfjs/tf.min.js missing; tools/bench.sh installs it): ConvPad only');
      } else {
        if (opts.tfjsThreads === null) opts.tfjsThreads = results.crossOriginIsolated ? opts.threads : 0;
        results.tfjs.wasm = await benchTfjs(data, opts);
        results.notes.push(...TFJS_NOTES);
      }
    }

    if (opts.epoch) results.accuracy = await epochsOverSeeds(engines, tfjsAvailable ? tfjsState.tf : null, data, opts, results);
    if (tfjsAvailable && opts.tfjsCpuSteps > 0) results.tfjs.cpu = await benchTfjsCpu(data, opts);

    results.summary = summarise(results);
    results.seconds = (performance.now() - started) / 1000;
    log(`run: done in ${results.seconds.toFixed(0)} s`);
    return results;
  })();
  try {
    const results = await running;
    showResults(results);
    return results;
  } finally {
    running = null;
  }
}

// [SECTION] Epochs and accuracy over seeds

// Per seed: one epoch of ConvPad (threaded build if it runs, else single) and one of TF.js wasm, each from
// fresh weights. The first seed's epochs are also the epoch-time figures (results.*.epoch), and with
// epochSingle the threaded build's first seed is repeated on one thread for its epoch time.
async function epochsOverSeeds(engines, tf, data, opts, results) {
  const kind = engines.threaded ? 'threaded' : engines.single ? 'single' : null;
  const timeSingle = kind === 'threaded' && engines.single && opts.epochSingle;
  const n = opts.seeds.length;
  const epochs = n * ((kind ? 1 : 0) + (tf ? 1 : 0)) + (timeSingle ? 1 : 0);
  log(`accuracy: ${n} seed${n === 1 ? '' : 's'} (${opts.seeds.join(', ')}), ${epochs} full epochs: ` +
      [kind && `ConvPad ${kind} per seed`, timeSingle && 'ConvPad single-thread once (epoch time)', tf && 'TF.js wasm per seed']
        .filter(Boolean).join(', '));
  const runs = [];
  for (const [i, seed] of opts.seeds.entries()) {
    const tag = `seed ${seed} (${i + 1}/${n})`;
    const run = { seed };
    if (kind) run.convpad = await convPadEpoch(kind, engines[kind], seed, tag, opts);
    if (i === 0 && timeSingle) results.convpad.single.epoch = await convPadEpoch('single', engines.single, seed, `${tag}, epoch time`, opts);
    if (tf) run.tfjs = await benchTfjsEpoch(tf, data, seed, tag);
    if (i === 0 && kind) results.convpad[kind].epoch = run.convpad;
    if (i === 0 && tf) results.tfjs.wasm.epoch = run.tfjs;
    runs.push(run);
  }
  const accuracy = summariseAccuracy(runs, kind && results.convpad[kind].threads, tf && tfjsState.binary);
  accuracy.convpadBuild = kind;
  // The engine's results are bit-identical for any thread count (fixed gradient groups), so the
  // single-thread epoch must reach the threaded one's accuracy exactly.
  const single = results.convpad.single?.epoch, threaded = results.convpad.threaded?.epoch;
  accuracy.singleThreadSameAccuracy = single && threaded ? single.testAccuracy === threaded.testAccuracy : null;
  if (accuracy.singleThreadSameAccuracy === false) {
    results.notes.push(`ConvPad single-thread and threaded epochs of seed ${opts.seeds[0]} reached different test accuracies ` +
                       `(${(100 * single.testAccuracy).toFixed(2)}% vs ${(100 * threaded.testAccuracy).toFixed(2)}%): threads changed the results`);
  }
  log(`accuracy: ${accuracy.verdict}`);
  return accuracy;
}

// n, mean and sample standard deviation (n - 1; null for one value) of a list of percentages.
function describe(values) {
  const n = values.length;
  if (n === 0) return { n, mean: null, sd: null };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : null;
  return { n, mean, sd };
}

// runs: [{seed, convpad?: epoch, tfjs?: epoch}] -> the accuracy comparison (percentages; an accuracy on 10,000
// test images is exact to 2 decimals). The difference of the means gets the standard error of two
// independent samples, sqrt(sd_c^2 / n_c + sd_t^2 / n_t): rough with 3 seeds a side, and none with one.
// The issue's target is met when mean(ConvPad) >= mean(TF.js); when it is not, the verdict says by how much
// and whether that is within one standard error, i.e. not told apart from seed-to-seed noise.
export function summariseAccuracy(runs, convpadThreads, tfjsBinary) {
  const percent = (epoch) => round(100 * epoch.testAccuracy, 2);
  const convpad = runs.filter((r) => r.convpad).map((r) => percent(r.convpad));
  const tfjs = runs.filter((r) => r.tfjs).map((r) => percent(r.tfjs));
  const c = describe(convpad), t = describe(tfjs);
  const out = {
    seeds: runs.map((r) => r.seed), unit: 'percent', convpadThreads: convpadThreads || null, tfjsBinary: tfjsBinary || null,
    convpad, tfjs,
    epochSeconds: { convpad: runs.filter((r) => r.convpad).map((r) => round(r.convpad.seconds, 1)),
                    tfjs: runs.filter((r) => r.tfjs).map((r) => round(r.tfjs.seconds, 1)) },
    means: { convpad: round(c.mean, 3), tfjs: round(t.mean, 3) },
    sds: { convpad: round(c.sd, 3), tfjs: round(t.sd, 3) },
    difference: null, standardError: null, atLeastTfjs: null, withinOneStandardError: null, verdict: null,
  };
  const side = (name, d) => `${name} ${d.mean.toFixed(2)}%${d.sd == null ? '' : ` (sd ${d.sd.toFixed(2)})`}`;
  if (c.n === 0 || t.n === 0) {
    out.verdict = `n/a: ${c.n === 0 ? 'ConvPad' : 'TF.js'} trained no epoch`;
    return out;
  }
  const difference = c.mean - t.mean;
  const se = c.sd != null && t.sd != null ? Math.sqrt((c.sd ** 2) / c.n + (t.sd ** 2) / t.n) : null;
  out.difference = round(difference, 3);
  out.standardError = round(se, 3);
  out.atLeastTfjs = difference >= 0;
  out.withinOneStandardError = se == null ? null : Math.abs(difference) <= se;
  const seeds = c.n === t.n ? `${c.n} seed${c.n === 1 ? '' : 's'} each` : `${c.n} and ${t.n} seeds`;
  const facts = `mean test accuracy after one epoch over ${seeds}: ${side('ConvPad', c)} vs ${side('TF.js', t)}; ` +
    `difference ${difference >= 0 ? '+' : '-'}${Math.abs(difference).toFixed(2)} points` +
    (se == null ? ', no standard error from one seed' : `, standard error ${se.toFixed(2)}`);
  if (out.atLeastTfjs) {
    out.verdict = `met: ${facts}`;
  } else {
    const noise = se == null ? 'one seed per engine cannot tell this from seed-to-seed noise (about 0.6 points natively)'
      : out.withinOneStandardError ? 'within one standard error: not told apart from seed-to-seed noise'
      : `${(-difference / se).toFixed(1)} standard errors, more than one (a standard error from ${Math.min(c.n, t.n)} seeds a side is itself rough)`;
    out.verdict = `NOT met by ${(-difference).toFixed(2)} points, ${noise}; ${facts}`;
  }
  return out;
}

// One full epoch from fresh weights seeded with `seed` (and a shuffle seeded with it), then test accuracy.
async function benchTfjsEpoch(tf, data, seed, tag) {
  const label = `TF.js wasm (${tfjsState.binary}), ${tag}`;
  const model = tfjsModel(tf, seed);
  const batches = new TfjsBatches(tf, data.train, seed);
  const steps = Math.ceil(data.train.count / 64);
  log(`${label}: one epoch of ${data.train.count} images (${steps} steps)`);
  const t0 = performance.now();
  let lastLog = t0, step = 0, loss = null, epochEnd = false;
  while (!epochEnd) {
    const b = batches.next(64);
    try {
      loss = await model.trainOnBatch(b.x, b.y);
    } finally {
      b.x.dispose();
      b.y.dispose();
    }
    epochEnd = b.epochEnd;
    ++step;
    if (performance.now() - lastLog > EPOCH_LOG_MS) {
      lastLog = performance.now();
      logEpochProgress(label, step, steps, loss, t0);
      await yieldToBrowser();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const accuracy = tfjsAccuracy(tf, model, data.test);
  model.dispose();
  log(`${label}: epoch in ${seconds.toFixed(1)} s, test accuracy ${(100 * accuracy).toFixed(2)}%`);
  return { seed, seconds, testAccuracy: accuracy, lastLoss: loss };
}

// [SECTION] Results table (the runner prints its own from the same object)

export function resultRows(r) {
  const rows = [];
  const fmt = (x, d = 0) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));
  const add = (name, train, infer, epoch, accuracy, extra = '') => rows.push([name, train, infer, epoch, accuracy, extra]);
  for (const kind of ['single', 'threaded']) {
    const c = r.convpad[kind];
    if (!c) continue;
    add(`ConvPad wasm ${kind === 'single' ? '1 thread' : `${c.threads} threads`}`, fmt(c.train.imagesPerSecond), fmt(c.infer.imagesPerSecond),
      fmt(c.epoch?.seconds, 1), c.epoch ? fmt(100 * c.epoch.testAccuracy, 2) : '–',
      `pad ${fmt(c.sketch.medianMs, 3)} / ${fmt(c.sketch.p95Ms, 3)} ms`);
  }
  const t = r.tfjs.wasm;
  if (t) {
    add(`TF.js wasm ${t.binary}${t.requestedThreads > 0 ? ` (${t.requestedThreads} threads requested)` : ''}`, fmt(t.train.imagesPerSecond), fmt(t.infer.imagesPerSecond),
      fmt(t.epoch?.seconds, 1), t.epoch ? fmt(100 * t.epoch.testAccuracy, 2) : '–');
  }
  if (r.tfjs.cpu) add('TF.js cpu', fmt(r.tfjs.cpu.imagesPerSecond, 1), '–', '–', '–', `${r.tfjs.cpu.steps} steps`);
  return rows;
}

// Test accuracy (%) after one epoch per seed, then mean and sd: [header, ...rows] (ConvPad, TF.js columns).
export function accuracyRows(a) {
  const fmt = (x, d = 2) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));
  const rows = [['seed', `ConvPad wasm ${a.convpadThreads > 1 ? `${a.convpadThreads} threads` : '1 thread'}`,
                 a.tfjsBinary ? `TF.js wasm ${a.tfjsBinary}` : 'TF.js (not run)']];
  // An engine trains every seed or none, so a.convpad[i] and a.tfjs[i] are seed i's (or missing).
  a.seeds.forEach((seed, i) => rows.push([String(seed), fmt(a.convpad[i]), fmt(a.tfjs[i])]));
  rows.push(['mean', fmt(a.means.convpad, 3), fmt(a.means.tfjs, 3)]);
  rows.push(['sd', fmt(a.sds.convpad, 3), fmt(a.sds.tfjs, 3)]);
  return rows;
}

function showResults(r) {
  if (!ui.results) return;
  const firstSeed = r.options.seeds[0];
  const head = ['', 'train images/s', 'infer images/s (batch 256)', 'epoch s (60k)', `test acc. % (seed ${firstSeed})`, 'drawing pad median / p95'];
  const tr = (cells, tag) => {
    const row = document.createElement('tr');
    for (const c of cells) {
      const cell = document.createElement(tag);
      cell.textContent = c;
      row.appendChild(cell);
    }
    return row;
  };
  const makeTable = (header, rows, caption) => {
    const table = document.createElement('table');
    if (caption) table.createCaption().textContent = caption;
    table.appendChild(tr(header, 'th'));
    for (const row of rows) table.appendChild(tr(row, 'td'));
    return table;
  };
  const tables = [makeTable(head, resultRows(r))];
  if (r.accuracy) {
    const [accuracyHead, ...accuracyBody] = accuracyRows(r.accuracy);
    tables.push(makeTable(accuracyHead, accuracyBody, 'Test accuracy (%) after one 60k epoch from fresh weights, per seed'));
  }
  const s = r.summary;
  const lines = [
    `ConvPad / TF.js wasm, training: 1 thread ×${s.trainConvPadSingleVsTfjs ?? '–'}, threaded ×${s.trainConvPadThreadedVsTfjs ?? '–'}`,
    `ConvPad / TF.js wasm, inference: 1 thread ×${s.inferConvPadSingleVsTfjs ?? '–'}, threaded ×${s.inferConvPadThreadedVsTfjs ?? '–'}`,
    `epoch time TF.js / ConvPad: threaded ×${s.epochTfjsVsConvPadThreaded ?? '–'}, 1 thread ×${s.epochTfjsVsConvPadSingle ?? '–'}`,
    `ConvPad threaded / 1 thread: training ×${s.trainThreadedVsSingle ?? '–'}, inference ×${s.inferThreadedVsSingle ?? '–'}`,
    `GFLOP/s (peak ${s.gflops.peakPerCore}/core): training ${s.gflops.trainSingle?.gflops ?? '–'} (1 thread), ${s.gflops.trainThreaded?.gflops ?? '–'} (threaded); ` +
      `inference ${s.gflops.inferSingle?.gflops ?? '–'}, ${s.gflops.inferThreaded?.gflops ?? '–'}`,
    ...(r.accuracy ? [`accuracy target (mean over seeds at least TF.js's): ${r.accuracy.verdict}`] : []),
    ...r.notes,
  ];
  ui.results.replaceChildren(...tables, ...lines.map((l) => Object.assign(document.createElement('p'), { textContent: l })));
  if (ui.json) ui.json.textContent = JSON.stringify(r, null, 1);
}

// [SECTION] Page

window.convpadBench = { run, parseOptions, resultRows, accuracyRows, summariseAccuracy, options: Object.keys(OPTIONS) };

const fromUrl = optionsFromUrl(location.search);
if (fromUrl.errors.length) log(`URL parameters ignored: ${fromUrl.errors.join('; ')}`);
if (ui.quick && 'quick' in fromUrl.options) ui.quick.checked = fromUrl.options.quick;
if (ui.run) {
  ui.run.addEventListener('click', () => {
    ui.run.disabled = true;
    run({ ...fromUrl.options, quick: ui.quick ? ui.quick.checked : false })
      .catch((err) => log(`error: ${err.message}`))
      .finally(() => { ui.run.disabled = false; });
  });
}
if (!self.crossOriginIsolated) log('this page is not cross-origin isolated: only the single-thread builds can run');
if (new URLSearchParams(location.search).get('autorun') === '1') ui.run?.click();
