// ConvPad page loader and JavaScript API.
//
// Two wasm modules, two threads of the page:
//   main thread   convpad_web (the UI: Dear ImGui on SDL2/WebGL2, the drawing pad, a copy of the model
//                 for the pad and tooltips), drawn on demand: a frame when input, the engine's news or
//                 a resize needs one, never in a busy loop;
//   engine worker convpad_engine, or convpad_engine_mt with its own pthreads when the page is
//                 cross-origin isolated (web/worker/engine_worker.js): the data set, training, validation and
//                 evaluation. It posts status, log entries and weight snapshots; the UI shows those.
//
// Start-up: the UI's wasm and the pretrained model download behind the loading screen's progress bar
// while the engine worker starts; the engine gets the model, and its first snapshot lets the pad and
// classify() work at once. Then the worker downloads Fashion-MNIST (progress in status().dataset and the
// status bar). If the threaded engine cannot start, the single-thread one takes over with a warning.
//
// window.convpad is the API for pages, tests and the browser console; README.md ("JavaScript API")
// documents it. Calls on the UI module go through uiCall(), commands to the engine through engineCommand():
// both turn the C side's {error} or the worker's refusal into a thrown ConvPadError.
import './fetch.js';
import { EngineClient } from './engine_client.js';
import { startFrameMessages } from './frame_messages.js';
import { mirrorToLiveRegions } from './live_region.js';
import { registerOffline } from './offline.js';
import {
  PANELS, MAX_THREADS, readUrlConfig, threadsRequest as parseThreads,
  datasetRequest as parseDataset, trainingParameters, TRAIN_OPTIONS,
} from './url_config.js';

const { Progress, fetchBytes, fetchAll } = self.convpadFetch;

export const UI_APP = { script: 'convpad_web.js', files: [{ name: 'wasm', url: 'convpad_web.wasm' }] };
export const ENGINES = {
  single: { script: 'convpad_engine.js', mode: 'single-thread' },
  threaded: { script: 'convpad_engine_mt.js', mode: 'multi-thread' },
};
// The data sets as served by the site (copied by web/web.cmake), each with its pretrained model. A model
// is optional: a site built without one starts that data set untrained.
// `best`: the "best" preset trained on it (assets/fashion-best.md), loaded only when asked (loadPretrained).
export const DATASETS = {
  fashion: { title: 'Fashion-MNIST', model: 'fashion-cnn.cpm', best: 'fashion-best.cpm', dir: '', sketches: 'quickdraw/' },
  digits: { title: 'MNIST digits', model: 'digits-cnn.cpm', dir: 'digits/' },
};
export const DATASET_NAMES = Object.keys(DATASETS);
// `which` is the engine's DataFile.
const IDX_FILES = [
  { name: 'train-images', file: 'train-images-idx3-ubyte.gz', which: 0 },
  { name: 'train-labels', file: 'train-labels-idx1-ubyte.gz', which: 1 },
  { name: 'test-images', file: 't10k-images-idx3-ubyte.gz', which: 2 },
  { name: 'test-labels', file: 't10k-labels-idx1-ubyte.gz', which: 3 },
];
// A data set's files; fashion's sketch set (train()'s `sketches`) comes with it.
export function datasetFiles(name) {
  const { dir, sketches } = DATASETS[name];
  const files = IDX_FILES.map((f) => ({ name: f.name, url: dir + f.file, which: f.which }));
  if (sketches) {
    files.push({ name: 'sketch-images', url: `${sketches}train-images-idx3-ubyte.gz`, which: 4 },
      { name: 'sketch-labels', url: `${sketches}train-labels-idx1-ubyte.gz`, which: 5 });
  }
  return files;
}
const modelFile = (name) => ({ name: 'model', url: DATASETS[name].model, optional: true });
const IMAGE_PIXELS = 28 * 28;
// Frames: input gets one at the next animation frame (at most every INTERACTIVE_TRAINING_MS while the
// engine trains, so the renderer leaves it a core); the engine's news at most every NEWS_FRAME_MS.
const INTERACTIVE_TRAINING_MS = 33;
const NEWS_FRAME_MS = 250;

let uiModule = null;     // the UI's Emscripten module
let engine = null;       // EngineClient

// [SECTION] Calls into the UI module and commands to the engine

// An error of the API. message: "<call>: <reason>"; reason alone is what the app's notices show.
export class ConvPadError extends Error {
  constructor(call, reason) {
    super(`${call}: ${reason}`);
    this.name = 'ConvPadError';
    this.call = call;
    this.reason = reason;
  }
}

function requireReady(call) {
  if (convpad.state === 'ready') return;
  if (convpad.state === 'error') {
    throw new ConvPadError(call, `ConvPad failed to start (${convpad.error?.message ?? convpad.error})`);
  }
  throw new ConvPadError(call, 'ConvPad is still loading: await convpad.ready first');
}

// The wasm heap as bytes, current after memory growth. Call it after every call into C, never keep the view.
function heapU8(module) {
  const memory = module.wasmMemory;
  if (memory && module.HEAPU8.buffer !== memory.buffer) return new Uint8Array(memory.buffer);
  return module.HEAPU8;
}

// Calls a C function of web/ui/js_api.cpp that replies with JSON; {error} becomes a ConvPadError.
function uiCall(call, name, argTypes = [], args = []) {
  let text;
  try {
    text = uiModule.ccall(name, 'string', argTypes, args);
  } catch (err) {   // a trap in the UI module: report it rather than leave the caller guessing
    throw new ConvPadError(call, `the app failed (${err.message ?? err})`);
  }
  const reply = JSON.parse(text);
  if (reply && typeof reply === 'object' && !Array.isArray(reply) && typeof reply.error === 'string') {
    throw new ConvPadError(call, reply.error);
  }
  return reply;
}

// Runs fn(ptr) with bytes copied into the UI module's heap, then frees them.
function withUiHeap(call, bytes, fn) {
  const ptr = uiModule._malloc(Math.max(1, bytes.byteLength));
  if (!ptr) throw new ConvPadError(call, `out of wasm memory for ${bytes.byteLength} bytes`);
  try {
    heapU8(uiModule).set(bytes, ptr);
    return fn(ptr);
  } finally {
    uiModule._free(ptr);
  }
}

// Sends a command to the engine worker; its refusal becomes a ConvPadError.
async function engineCommand(call, command, args = [], transfer = []) {
  try {
    return await engine.call(command, args, transfer);
  } catch (err) {
    throw new ConvPadError(call, err.message);
  }
}

// [SECTION] Events: convpad.on(event, handler) (README "Events"; web/page/frame_messages.js relays them to a host page)

export const EVENTS = ['ready', 'phase', 'epoch', 'trainend', 'prediction', 'error'];
const listeners = new Map(EVENTS.map((name) => [name, new Set()]));

// Calls handler(data) on every `event`; returns a function that stops it.
function on(event, handler) {
  if (!listeners.has(event)) throw new ConvPadError('on', `unknown event ${describe(event)} (known: ${EVENTS.join(', ')})`);
  if (typeof handler !== 'function') throw new ConvPadError('on', `handler must be a function, got ${describe(handler)}`);
  const set = listeners.get(event);
  const entry = (data) => handler(data);   // the same handler twice is two subscriptions
  set.add(entry);
  return () => set.delete(entry);
}

// A handler that throws is reported on the console; the others still run and the page goes on.
function emit(event, data) {
  for (const handler of [...listeners.get(event)]) {
    try {
      handler(structuredClone(data));
    } catch (err) {
      console.error(`ConvPad: a '${event}' handler failed:`, err);
    }
  }
}

function notify(text, isError = false) {
  if (isError) emit('error', { message: text });
  if (uiModule) {
    uiModule.ccall('convpad_ui_notify', null, ['string', 'number'], [text, isError ? 1 : 0]);
    scheduleFrame();
  } else {
    (isError ? console.warn : console.log)(`ConvPad: ${text}`);
  }
}

// [SECTION] What the engine has told the page

const news = {
  status: null,           // the engine's last status (src/session/protocol.h)
  losses: [],             // [[step, loss, learning rate], ...] of the current run
  epochs: [],
  evaluation: null,       // the last evaluation (without the per-image predictions)
  dataset: 'fashion',     // the current data set (the engine's and the UI's)
  // Each data set's download: arrival (the engine's loadDataset, null until asked for), bytes, ready, error.
  datasets: Object.fromEntries(DATASET_NAMES.map((name) => [name, { arrival: null, loaded: 0, total: 0, ready: false, error: null }])),
  engine: { kind: null, threads: 1, mode: null },
  engineWasmBytes: 0,
  waiters: new Set(),     // callbacks run after every update (train() and evaluate() wait with them)
};

// Events before the UI module runs (the engine may start first) wait for it, in order.
const eventsBeforeUi = [];
let uiRunning = false;

function onEngineEvent(message) {
  if (!uiRunning && message.event !== 'fatal') {
    eventsBeforeUi.push(message);
    return;
  }
  switch (message.event) {
    case 'update':
      news.engineWasmBytes = message.wasmBytes;
      applyUpdate(message.text);
      break;
    case 'snapshot': applySnapshot(message); break;
    case 'dataset': {
      const set = news.datasets[message.name];
      if (!set) return;
      set.loaded = message.loaded;
      set.total = message.total;
      if (message.name === news.dataset) showDatasetProgress();
      break;
    }
    case 'datasetReady': applyTestSet(message.name, message.testImages, message.testLabels); break;
    case 'fatal':   // the engine crashed or aborted: nothing more can train, evaluate or load
      showError(new Error(`The engine stopped: ${message.message}`));
      return;
    case 'datasetError': {
      const set = news.datasets[message.name];
      if (!set) return;
      set.error = message.message;
      if (message.name === news.dataset) uiModule?.ccall('convpad_ui_dataset_error', null, ['string'], [message.message]);
      break;
    }
    default: return;
  }
  scheduleFrame(NEWS_FRAME_MS);
}

function applyUpdate(text) {
  const update = JSON.parse(text);
  if (typeof update.error === 'string') throw new Error(`engine update: ${update.error}`);
  if (update.restart) {
    news.losses = [];
    news.epochs = [];
    news.evaluation = null;
  }
  const sameDataset = news.status?.dataset === update.status.dataset;
  const previousPhase = news.status?.phase;
  news.status = update.status;
  news.losses.push(...update.losses);
  news.epochs.push(...update.epochs);
  if (update.evaluation) {
    const { predicted, ...evaluation } = update.evaluation;
    news.evaluation = evaluation;
  }
  uiCall('update', 'convpad_ui_update', ['string'], [text]);
  // A new run (train() or Start): the Training panel shows its settings from the update that says it started.
  if (update.restart && sameDataset && update.status.settings) {
    uiCall('update', 'convpad_ui_edit_settings', ['string'], [JSON.stringify(update.status.settings)]);
  }
  for (const waiter of [...news.waiters]) waiter();
  if (sameDataset) {   // another data set's logs arrive whole when the page switches: no news
    if (update.status.phase !== previousPhase) emit('phase', status());
    for (const record of update.epochs) emit('epoch', record);
    if (RUNNING_PHASES.includes(previousPhase) && !RUNNING_PHASES.includes(update.status.phase)) emit('trainend', status());
  }
}
const RUNNING_PHASES = ['training', 'paused'];

function applySnapshot({ version, arch, samples, weights }) {
  const bytes = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  withUiHeap('snapshot', bytes, (ptr) => uiCall('snapshot', 'convpad_ui_snapshot', ['string', 'number', 'number'],
    [JSON.stringify({ version, arch, samples }), ptr, weights.length]));
}

// The current data set's download as the UI shows it.
function showDatasetProgress() {
  const set = news.datasets[news.dataset];
  uiModule?.ccall('convpad_ui_dataset_progress', null, ['number', 'number', 'number'], [set.arrival ? 1 : 0, set.loaded, set.total]);
  uiModule?.ccall('convpad_ui_dataset_error', null, ['string'], [set.error]);
}

function applyTestSet(name, images, labels) {
  const imagesPtr = uiModule._malloc(images.byteLength);
  const labelsPtr = uiModule._malloc(labels.byteLength);
  try {
    if (!imagesPtr || !labelsPtr) throw new Error('out of wasm memory for the test images');
    heapU8(uiModule).set(images, imagesPtr);
    heapU8(uiModule).set(labels, labelsPtr);
    uiCall('loadDataset', 'convpad_ui_set_test_set', ['string', 'number', 'number', 'number', 'number'],
      [name, imagesPtr, images.byteLength, labelsPtr, labels.byteLength]);
  } finally {
    uiModule._free(imagesPtr);
    uiModule._free(labelsPtr);
  }
  news.datasets[name].ready = true;
  if (name === initialDataset.name) {
    convpad.timings.datasetMs = performance.now();
    datasetLoaded.resolve(status());
  }
}

// Starts downloading a data set into the engine unless that has begun already. Nothing downloads one
// before it is needed: the sample grid on screen, training, evaluation.
function requestDataset(name) {
  const set = news.datasets[name];
  if (set.arrival) return;
  set.arrival = engine.call('loadDataset', [name, datasetFiles(name)]);
  if (name === news.dataset) showDatasetProgress();
  set.arrival.catch((err) => {
    if (name === initialDataset.name) datasetLoaded.reject(new ConvPadError('loadDataset', err.message));
  });
}

// Resolves once the current data set is in the engine, downloading it first if need be.
async function datasetArrived(call) {
  const name = news.dataset;
  requestDataset(name);
  scheduleFrame();   // the status bar shows the download
  try {
    await news.datasets[name].arrival;
  } catch (err) {
    throw new ConvPadError(call, `the ${DATASETS[name].title} data set could not be loaded (${err.message})`);
  }
}

// What status().dataset says: the current data set and its download.
function datasetStatus() {
  const { arrival, ...download } = news.datasets[news.dataset];
  return { name: news.dataset, title: DATASETS[news.dataset].title, ...download };
}

// Resolves with check()'s value after the first update where it is not undefined; rejects if it throws.
function afterUpdates(check) {
  return new Promise((resolve, reject) => {
    const waiter = () => {
      let value;
      try {
        value = check();
      } catch (err) {
        news.waiters.delete(waiter);
        reject(err);
        return;
      }
      if (value === undefined) return;
      news.waiters.delete(waiter);
      resolve(value);
    };
    news.waiters.add(waiter);
    waiter();
  });
}

// [SECTION] Frames on demand

const frames = { requested: false, timer: null, last: 0 };

// Draws a frame at the next animation frame, or once minGapMs have passed since the last one.
function scheduleFrame(minGapMs = 0) {
  if (frames.requested || !uiModule || convpad.state === 'error') return;
  const wait = frames.last + minGapMs - performance.now();
  if (wait > 0) {
    if (!frames.timer) frames.timer = setTimeout(() => { frames.timer = null; scheduleFrame(); }, wait);
    return;
  }
  clearTimeout(frames.timer);
  frames.timer = null;
  frames.requested = true;
  requestAnimationFrame(drawFrame);
}

const engineBusy = () => ['training', 'evaluating'].includes(news.status?.phase);
const interactiveGap = () => (engineBusy() ? INTERACTIVE_TRAINING_MS : 0);

function drawFrame() {
  frames.requested = false;
  frames.last = performance.now();
  let more = 0;
  try {
    more = uiModule._convpad_ui_frame();
  } catch (err) {
    showError(new Error(`The app stopped: ${err.message ?? err}`));
    return;
  }
  if (more) scheduleFrame(interactiveGap());
}

function wakeOnInput() {
  const wake = () => scheduleFrame(interactiveGap());
  for (const type of ['pointerdown', 'pointermove', 'pointerup', 'pointercancel', 'wheel', 'keydown', 'keyup',
    'touchstart', 'touchmove', 'touchend', 'focus', 'blur', 'resize']) {
    window.addEventListener(type, wake, { capture: true, passive: true });
  }
  document.addEventListener('visibilitychange', wake);
  watchPixelRatio(wake);
}

// A new devicePixelRatio (browser zoom, another screen) fires no resize event, and not every browser
// reports it to a resolution media query: a check each second (no frame unless it changed) wakes the
// shell, which then sizes its backing store and fonts for it.
const PIXEL_RATIO_CHECK_MS = 1000;

function watchPixelRatio(wake) {
  let ratio = window.devicePixelRatio;
  setInterval(() => {
    if (window.devicePixelRatio === ratio) return;
    ratio = window.devicePixelRatio;
    wake();
  }, PIXEL_RATIO_CHECK_MS);
}

// Draws `count` frames now (a screenshot or a test that wants the latest state on screen).
function redraw(count = 1) {
  requireReady('redraw');
  for (let i = 0; i < count; ++i) drawFrame();
}

// [SECTION] API: classification and the drawing pad

// pixels: 784 numbers in [0,1] (Array or typed array), 28x28 row-major, white on black.
function checkPixels(call, pixels) {
  const isNumberArray = Array.isArray(pixels) ||
    (ArrayBuffer.isView(pixels) && !(pixels instanceof DataView) &&
     !(pixels instanceof BigInt64Array) && !(pixels instanceof BigUint64Array));
  if (!isNumberArray) {
    throw new ConvPadError(call, `pixels must be an Array or Float32Array of ${IMAGE_PIXELS} numbers, got ${describe(pixels)}`);
  }
  if (pixels.length !== IMAGE_PIXELS) {
    throw new ConvPadError(call, `pixels must have ${IMAGE_PIXELS} values (28x28), got ${pixels.length}`);
  }
  const input = new Float32Array(IMAGE_PIXELS);
  for (let i = 0; i < IMAGE_PIXELS; ++i) {
    const v = pixels[i];
    if (typeof v !== 'number') throw new ConvPadError(call, `pixels[${i}] is ${describe(v)}, not a number`);
    if (!Number.isFinite(v)) throw new ConvPadError(call, `pixels[${i}] is ${v}, not a finite number`);
    if (v < 0 || v > 1) throw new ConvPadError(call, `pixels[${i}] is ${v}, outside [0, 1]`);
    input[i] = v;
  }
  return input;
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function classify(pixels) {
  requireReady('classify');
  const input = checkPixels('classify', pixels);
  return withUiHeap('classify', new Uint8Array(input.buffer),
    (ptr) => uiCall('classify', 'convpad_ui_classify', ['number'], [ptr]));
}

const pad = {
  clear() {
    requireReady('pad.clear');
    uiCall('pad.clear', 'convpad_ui_pad_clear');
    scheduleFrame();
  },
  // {label, name, probs, empty}
  prediction() {
    requireReady('pad.prediction');
    return uiCall('pad.prediction', 'convpad_ui_pad_prediction');
  },
  // Float32Array(784): what the network receives from the drawing.
  pixels() {
    requireReady('pad.pixels');
    return Float32Array.from(uiCall('pad.pixels', 'convpad_ui_pad_pixels'));
  },
};

function announcePrediction() {
  if (convpad.state === 'ready' && listeners.get('prediction').size) emit('prediction', pad.prediction());
}

// Brings a panel on screen (on a phone, selects its tab). name: one of url_config.js's PANELS.
function showPanel(name) {
  requireReady('showPanel');
  if (typeof name !== 'string') throw new ConvPadError('showPanel', `name must be a string, got ${describe(name)}`);
  uiCall('showPanel', 'convpad_ui_show_panel', ['string'], [name]);
  scheduleFrame();
}

// What the Inside view shows (README "The Inside view"): {source: 'pad' | 'test', index, empty, modelVersion, arch,
// filters, layers: [{name, layer, applied, channels, height, width, min, max}], saliency: {min, max, values},
// prediction, view: {version, frame}}. options {source: 'pad'} or {source: 'test', index} switches the view first.
function inspect(options = {}) {
  requireReady('inspect');
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConvPadError('inspect', `options must be an object, got ${describe(options)}`);
  }
  const reply = uiCall('inspect', 'convpad_ui_inspect', ['string'], [JSON.stringify(options)]);
  if ('source' in options) scheduleFrame();   // the view shows another image
  return reply;
}

// Rectangles in CSS pixels of the page: the drawing surface (pad; null when not on screen) and every
// panel window; mode 'columns' or 'tabs' (one panel at a time, `tab` names it).
function layout() {
  requireReady('layout');
  const { pad: padRect, windows, mode, tab, keyboard } = uiCall('layout', 'convpad_ui_layout');
  const canvas = ui.canvas.getBoundingClientRect();
  const toPage = (r) => ({ x: canvas.left + r.x, y: canvas.top + r.y, width: r.width, height: r.height });
  return {
    canvas: { x: canvas.left, y: canvas.top, width: canvas.width, height: canvas.height },
    pad: padRect && toPage(padRect),
    windows: windows.map((w) => ({ name: w.name, ...toPage(w) })),
    mode,
    tab,
    keyboard,
  };
}

// [SECTION] API: training, status, evaluation

// Types here; ranges in the C side (convpad_ui_run_settings), and what depends on the data in the engine.
function checkTrainOptions(call, options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConvPadError(call, `options must be an object, got ${describe(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    const kind = Object.hasOwn(TRAIN_OPTIONS, key) ? TRAIN_OPTIONS[key].kind : null;
    if (!kind) throw new ConvPadError(call, `unknown option '${key}' (known: ${Object.keys(TRAIN_OPTIONS).join(', ')})`);
    const ok = kind === 'integer' ? Number.isSafeInteger(value)
      : kind === 'string' ? typeof value === 'string'
      : kind === 'boolean' ? typeof value === 'boolean'
      : (value === null && kind === 'number or null') || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) {
      const expected = { integer: 'an integer', boolean: 'true or false' }[kind] ?? `a ${kind}`;
      throw new ConvPadError(call, `${key} must be ${expected}, got ${describe(value)}`);
    }
  }
}

function status() {
  if (convpad.state === 'loading' || !news.status) return loadingStatus();
  const notice = uiModule ? uiCall('status', 'convpad_ui_notice') : null;
  return {
    ...news.status,
    dataset: datasetStatus(),
    engine: news.engine.kind,
    mode: news.engine.mode,
    threads: news.engine.threads,
    frames: uiModule ? uiModule._convpad_ui_frame_count() : 0,
    notice,
    memory: { engineWasm: news.engineWasmBytes, uiWasm: heapU8(uiModule).byteLength },   // bytes
  };
}

// What convpad.status() answers before the engine is ready (the data set may already be downloading).
function loadingStatus() {
  return { phase: 'loading', dataset: datasetStatus() };
}

// Resolves with the final status when run `runId` ends; rejects if a reset or a newer run replaced it.
function waitForRunEnd(call, runId) {
  return afterUpdates(() => {
    if (news.status.runId !== runId) throw new ConvPadError(call, 'the run was stopped by reset(), loadModel() or a newer run');
    return ['training', 'paused'].includes(news.status.phase) ? undefined : status();
  });
}

async function train(options = {}) {
  requireReady('train');
  checkTrainOptions('train', options);
  const { settings } = uiCall('train', 'convpad_ui_run_settings', ['string'], [JSON.stringify(options)]);
  await datasetArrived('train');
  const { runId } = await engineCommand('train', 'train', [settings]);
  return waitForRunEnd('train', runId);
}

// pause(), resume() and reset() resolve with the status once the engine has acted: a pause lands on a
// step boundary, and the step then stays where it is until resume().
async function control(call) {
  requireReady(call);
  await engineCommand(call, call);
  return status();
}

async function evaluate() {
  requireReady('evaluate');
  await datasetArrived('evaluate');
  const { runId } = await engineCommand('evaluate', 'evaluate');
  uiModule.ccall('convpad_ui_show_evaluation', null, [], []);
  scheduleFrame();
  return afterUpdates(() => {
    if (news.status.runId !== runId) throw new ConvPadError('evaluate', 'the evaluation was stopped by reset()');
    if (news.status.phase === 'evaluating') return undefined;
    if (!news.evaluation) throw new ConvPadError('evaluate', 'the evaluation did not finish');
    return structuredClone(news.evaluation);
  });
}

function history() {
  requireReady('history');
  return { losses: news.losses.map((p) => [...p]), epochs: news.epochs.map((e) => ({ ...e })) };
}

function settings() {
  requireReady('settings');
  return uiCall('settings', 'convpad_ui_settings');
}

// Every train() option as the engine declares it (src/train/run_options.cpp): [{key, flag, url, kind, ...}].
function runOptions() {
  requireReady('runOptions');
  return uiCall('runOptions', 'convpad_ui_run_options');
}

// The `convpad train` command that trains the current run (or, before one, the panel's settings) again.
function commandLine() {
  requireReady('commandLine');
  return uiCall('commandLine', 'convpad_ui_command_line').commandLine;
}

// The Training panel's Copy button.
async function copyCommandLine() {
  try {
    await navigator.clipboard.writeText(commandLine());
    notify('Command line copied', false);
  } catch (err) {
    notify(`Could not copy the command line (${err?.message ?? err}): select it in the Training panel instead`, true);
  }
}

// train() options of a named recipe for the current data set: 'default' or 'best'.
function recipe(name) {
  requireReady('recipe');
  if (typeof name !== 'string') throw new ConvPadError('recipe', `name must be 'default' or 'best', got ${describe(name)}`);
  return uiCall('recipe', 'convpad_ui_recipe', ['string'], [name]);
}

// Threads the threaded engine uses (1 to MAX_THREADS); the single-thread engine stays at 1.
async function setThreads(n) {
  requireReady('setThreads');
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new ConvPadError('setThreads', `threads must be an integer from 1 to ${MAX_THREADS}, got ${describe(n)}`);
  }
  const { threads } = await engineCommand('setThreads', 'setThreads', [n]);
  news.engine.threads = threads;
  uiModule.ccall('convpad_ui_set_engine', null, ['string', 'number'], [news.engine.kind, threads]);
  scheduleFrame();
  return status();
}

// [SECTION] API: the data set

// Switches the engine, the UI and the pad to another data set. Each keeps its model, run and curves
// (a run in progress is paused); the first switch to a data set loads its pretrained model and starts
// its download. Resolves with the status once the pad reads the new data set (its data may still be
// downloading: status().dataset.ready). Calls run one after another.
let datasetSwitches = Promise.resolve();

function setDataset(name) {
  try {
    requireReady('setDataset');
    if (typeof name !== 'string' || !Object.hasOwn(DATASETS, name)) {
      throw new ConvPadError('setDataset', `unknown data set ${describe(name)} (known: ${DATASET_NAMES.join(', ')})`);
    }
  } catch (err) {
    return Promise.reject(err);
  }
  const next = datasetSwitches.then(() => switchDataset(name));
  datasetSwitches = next.catch(() => {});
  return next;
}

async function switchDataset(name) {
  if (name === news.dataset) return status();
  const { fresh } = await engineCommand('setDataset', 'selectDataset', [name]);
  news.dataset = name;
  showDatasetProgress();
  if (fresh) {
    const notice = await loadPretrainedModel(await fetchBytes(modelFile(name).url, modelFile(name)).catch(() => null), name);
    if (notice) notify(notice.text, notice.isError);
  }
  scheduleFrame();
  return status();
}

// [SECTION] API: model files

async function saveModel() {
  requireReady('saveModel');
  return engineCommand('saveModel', 'saveModel');
}

// A copy of bytes given as a Uint8Array, ArrayBuffer, any ArrayBufferView, or a Blob/File; null for anything else.
async function bytesOf(value) {
  if (value instanceof Blob) return new Uint8Array(await value.arrayBuffer());
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  return null;
}

// loadModel(bytes): a .cpm file. loadModel(modelJson, weights): a TensorFlow.js Layers model, modelJson as
// text, a parsed object or a Blob/File; weights as bytes, or an array of the manifest's files in its order.
// Resolves {arch, params}.
async function loadModel(bytes, weights) {
  requireReady('loadModel');
  if (weights !== undefined) {
    const cpm = await tfjsToCpm('loadModel', bytes, weights);
    return engineCommand('loadModel', 'loadModel', [cpm], [cpm.buffer]);
  }
  const data = await bytesOf(bytes);
  if (!data) throw new ConvPadError('loadModel', `expected a Uint8Array, ArrayBuffer or Blob, got ${describe(bytes)}`);
  if (data.byteLength === 0) throw new ConvPadError('loadModel', 'the model file is empty');
  return engineCommand('loadModel', 'loadModel', [data], [data.buffer]);
}

// loadPretrained('default' | 'best'): the current data set's bundled model of that recipe, fetched from the
// site. Resolves {arch, params}.
const PRETRAINED = { default: 'model', best: 'best' };
async function loadPretrained(which = 'default') {
  requireReady('loadPretrained');
  if (!Object.hasOwn(PRETRAINED, which)) {
    throw new ConvPadError('loadPretrained', `expected 'default' or 'best', got ${describe(which)}`);
  }
  const { title, [PRETRAINED[which]]: url } = DATASETS[news.dataset];
  if (!url) throw new ConvPadError('loadPretrained', `there is no bundled ${which} model for ${title}`);
  let bytes;
  try {
    bytes = await fetchBytes(url, { optional: true });
  } catch (err) {
    throw new ConvPadError('loadPretrained', err.message);
  }
  if (!bytes) throw new ConvPadError('loadPretrained', `${url} is not on this site`);
  return engineCommand('loadPretrained', 'loadModel', [bytes], [bytes.buffer]);
}

// The Model section's buttons: the outcome goes to the notice line.
async function loadPretrainedFromUi(which) {
  try {
    const { arch } = await loadPretrained(which);
    notify(`loaded ${DATASETS[news.dataset][PRETRAINED[which]]} (${arch})`);
  } catch (err) {
    notify(`could not load the ${which} model: ${err.reason ?? err.message}`, true);
  }
}

// [SECTION] API: TensorFlow.js Layers models (src/exchange/tfjs_model.h converts, on the UI's thread)

// The UI module's binary reply {pointer, size}, copied out.
const copyUiBytes = ({ pointer, size }) => heapU8(uiModule).slice(pointer, pointer + size);

async function tfjsToCpm(call, modelJson, weights) {
  let text = modelJson;
  if (modelJson instanceof Blob) text = await modelJson.text();
  else if (modelJson && typeof modelJson === 'object' && !ArrayBuffer.isView(modelJson)) text = JSON.stringify(modelJson);
  if (typeof text !== 'string') throw new ConvPadError(call, `modelJson must be text, an object or a File, got ${describe(modelJson)}`);
  const parts = [];
  for (const part of Array.isArray(weights) ? weights : [weights]) {
    const data = await bytesOf(part);
    if (!data) throw new ConvPadError(call, `weights must be bytes (Uint8Array, ArrayBuffer, Blob) or an array of them, got ${describe(part)}`);
    parts.push(data);
  }
  const bin = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0));
  parts.reduce((at, p) => (bin.set(p, at), at + p.byteLength), 0);
  const reply = withUiHeap(call, bin, (ptr) => uiCall(call, 'convpad_ui_import_tfjs', ['string', 'number', 'number'], [text, ptr, bin.byteLength]));
  return copyUiBytes(reply.cpm);
}

// The current model in TensorFlow.js's Layers format: {modelJson, weights, weightsFile}. tf.loadLayersModel
// reads it, e.g. through tf.io.fromMemory(JSON.parse(modelJson) with weightData = weights.buffer).
async function exportModel(format = 'tfjs') {
  requireReady('exportModel');
  if (format !== 'tfjs') throw new ConvPadError('exportModel', `format must be 'tfjs', got ${describe(format)}`);
  const cpm = await saveModel();
  const reply = withUiHeap('exportModel', cpm, (ptr) => uiCall('exportModel', 'convpad_ui_export_tfjs', ['number', 'number'], [ptr, cpm.byteLength]));
  return { modelJson: reply.modelJson, weights: copyUiBytes(reply.weights), weightsFile: reply.weightsFile };
}

// Saves model.json and its weights file as two downloads.
async function downloadTfjsModel() {
  requireReady('downloadTfjsModel');
  try {
    const { modelJson, weights, weightsFile } = await exportModel('tfjs');
    saveDownload(new Blob([modelJson], { type: 'application/json' }), 'model.json');
    saveDownload(new Blob([weights], { type: 'application/octet-stream' }), weightsFile);
    notify(`saved model.json and ${weightsFile} (TensorFlow.js, ${(weights.byteLength / 1024).toFixed(0)} KB of weights)`);
  } catch (err) {
    notify(`could not export the model: ${err.reason ?? err.message}`, true);
  }
}

const DOWNLOAD_NAME = 'convpad-model.cpm';

function saveDownload(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);   // after the browser has started the download
}

async function downloadModel() {
  requireReady('downloadModel');
  try {
    const bytes = await saveModel();
    saveDownload(new Blob([bytes], { type: 'application/octet-stream' }), DOWNLOAD_NAME);
    notify(`saved ${DOWNLOAD_NAME} (${(bytes.byteLength / 1024).toFixed(0)} KB)`);
  } catch (err) {
    notify(`could not save the model: ${err.reason ?? err.message}`, true);
  }
}

// The file picker's and drag-and-drop's path: a .cpm file, or a TensorFlow.js model.json with its weight
// files. The outcome goes to the app's notice line.
async function loadModelFiles(fileList) {
  const files = Array.from(fileList);
  const json = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  const name = json ? json.name : files[0].name;
  try {
    let arch;
    if (json) {
      const text = await json.text();
      const { paths } = uiCall('loadModel', 'convpad_ui_tfjs_weight_paths', ['string'], [text]);
      const byName = new Map(files.map((f) => [f.name, f]));
      const missing = paths.filter((p) => !byName.has(p.split('/').pop()));
      if (missing.length) throw new Error(`choose or drop ${json.name} together with its weight file${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
      ({ arch } = await loadModel(text, paths.map((p) => byName.get(p.split('/').pop()))));
    } else {
      ({ arch } = await loadModel(files[0]));
    }
    notify(`loaded ${name} (${arch})`);
  } catch (err) {
    notify(`could not load ${name}: ${err.reason ?? err.message}`, true);
  }
}

// Opens the browser's file dialog (needs a recent user gesture, e.g. the click on "Load model").
function pickModelFile() {
  requireReady('pickModelFile');
  ui.modelFile.value = '';   // choosing the same file again still fires 'change'
  ui.modelFile.click();
}

// Buttons of the UI (engine_view.h: command()) take the API's path; a refusal becomes a notice.
function commandFromUi(call) {
  if (call === 'data') {   // the sample grid is on screen; before ready the engine may still be choosing its build
    if (convpad.state === 'ready') requestDataset(news.dataset);
    return;
  }
  if (call === 'share') {
    openShareDialog();
    return;
  }
  if (call.startsWith('pretrained:')) {
    loadPretrainedFromUi(call.slice('pretrained:'.length));
    return;
  }
  if (call.startsWith('dataset:')) {
    Promise.resolve().then(() => setDataset(call.slice('dataset:'.length)))
      .catch((err) => notify(err.reason ?? err.message, true));
    return;
  }
  const run = { train: () => train({}), pause: () => control('pause'), resume: () => control('resume'),
    reset: () => control('reset'), evaluate }[call];
  if (!run) return;
  run().catch((err) => notify(err.reason ?? err.message, true));
}

// [SECTION] The Share / embed dialog

function openShareDialog() {
  try {
    const { url, iframe } = shareLinks();
    ui.shareUrl.value = url;
    ui.shareIframe.value = iframe;
    ui.shareCopied.textContent = '';
    if (!ui.share.open) ui.share.showModal();
    ui.shareUrl.focus();
    ui.shareUrl.select();
  } catch (err) {
    notify(`share: ${err.reason ?? err.message}`, true);
  }
}

async function copyField(field) {
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select();   // no clipboard permission (an iframe without allow="clipboard-write"): the old way
    if (!document.execCommand('copy')) {
      ui.shareCopied.textContent = 'Copying is blocked here: the text is selected, press Ctrl+C.';
      return;
    }
  }
  ui.shareCopied.textContent = `Copied the ${field === ui.shareUrl ? 'link' : 'embed code'}.`;
}

function setupDialogs() {
  for (const button of ui.share.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', () => copyField(document.getElementById(button.dataset.copy)));
  }
  ui.share.addEventListener('close', () => ui.canvas.focus());
  document.getElementById('url-problems-close').addEventListener('click', () => { ui.urlProblems.hidden = true; });
}

// [SECTION] Loading screen and fatal errors

const ui = {
  loading: document.getElementById('loading'),
  fill: document.getElementById('progress-fill'),
  text: document.getElementById('progress-text'),
  error: document.getElementById('error'),
  errorTitle: document.getElementById('error-title'),
  errorText: document.getElementById('error-text'),
  canvas: document.getElementById('canvas'),
  modelFile: document.getElementById('model-file'),
  dropHint: document.getElementById('drop-hint'),
  urlProblems: document.getElementById('url-problems'),
  urlProblemsList: document.getElementById('url-problems-list'),
  share: document.getElementById('share'),
  shareUrl: document.getElementById('share-url'),
  shareIframe: document.getElementById('share-iframe'),
  shareCopied: document.getElementById('share-copied'),
  livePrediction: document.getElementById('live-prediction'),
  liveTraining: document.getElementById('live-training'),
};

const megabytes = (n) => `${(n / 1e6).toFixed(1)} MB`;

function showProgress(progress) {
  const fraction = progress.fraction;
  if (fraction === null) {
    ui.text.textContent = `Downloading… ${megabytes(progress.loaded)}`;
    return;
  }
  const percent = Math.round(fraction * 100);
  ui.fill.style.width = `${percent}%`;
  ui.fill.parentElement.setAttribute('aria-valuenow', String(percent));
  ui.text.textContent = `Downloading… ${megabytes(progress.loaded)} of ${megabytes(progress.total)}`;
}

function showError(err) {
  if (convpad.state === 'error') return;   // keep the first error: later ones are usually its echo
  const wasReady = convpad.state === 'ready';
  convpad.state = 'error';
  convpad.error = err;
  emit('error', { message: err?.message ?? String(err) });
  if (wasReady) ui.errorTitle.textContent = 'ConvPad stopped';
  ui.errorText.textContent = err && err.message ? err.message : String(err);
  ui.error.hidden = false;
  ui.loading.hidden = true;
  console.error('ConvPad:', err);
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`${src}: could not be loaded`));
    document.head.appendChild(script);
  });
}

// Baseline wasm SIMD (i8x16.splat, i8x16.popcnt): the engine is built with -msimd128.
function hasWasmSimd() {
  const module = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
    10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
  return typeof WebAssembly === 'object' && WebAssembly.validate(module);
}

// [SECTION] Threads: which engine build runs, on how many threads

// What the tests and the console check URL values with (url_config.js).
export const threadsRequest = (search = location.search, cores = navigator.hardwareConcurrency) => parseThreads(search, cores);
export const datasetRequest = (search = location.search) => parseDataset(search, DATASET_NAMES);

// SharedArrayBuffer, and so the threaded engine, exists only on cross-origin isolated pages.
const threadsAvailable = () => self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';

// The page's configuration from its URL; errors grow as the C side checks the training settings and
// the model= file loads.
const urlConfig = readUrlConfig(location.search, {
  cores: navigator.hardwareConcurrency, datasets: DATASET_NAMES, base: location.href,
});
const threadsWanted = { threads: urlConfig.threads, fromUrl: urlConfig.threadsFromUrl };

// [SECTION] Start-up

async function start() {
  if (!hasWasmSimd()) throw new Error('This browser does not support WebAssembly SIMD.');
  if (typeof DecompressionStream !== 'function') throw new Error('This browser lacks DecompressionStream (gzip).');

  const progress = new Progress(showProgress);
  const first = initialDataset.name;
  const model = fetchBytes(urlConfig.model ?? modelFile(first).url, urlConfig.model ? { progress } : { ...modelFile(first), progress });
  model.catch(() => {});   // awaited below
  const notices = [];
  const engineStarted = startEngine(notices);
  engineStarted.catch(() => {});
  const { shellStarted } = await startUi(progress);
  applyPanels();   // before the first frame: a hidden sample grid must not ask for the data set
  applyTheme();

  const started = await engineStarted;
  news.engine = started;
  uiModule.ccall('convpad_ui_set_engine', null, ['string', 'number'], [started.kind, started.threads]);
  if (first !== news.dataset) {
    await engine.call('selectDataset', [first]);
    news.dataset = first;
  }
  const modelNotice = await loadFirstModel(model, first);
  applyTrainingParameters();
  const settingsNotice = showUrlProblems();
  scheduleFrame();
  await shellStarted;

  convpad.state = 'ready';
  convpad.timings.readyMs = performance.now();
  notices.unshift(modelNotice, settingsNotice);
  const shown = notices.filter((n) => n);
  if (shown.length) notify(shown.map((n) => n.text).join('; '), shown.some((n) => n.isError));
  if (urlConfig.autostart) startWhenDataArrives();
}

// The threaded engine when the page is isolated and more than one thread is wanted, else (or when it
// fails to start) the single-thread one. Resolves with {kind, threads, mode}.
async function startEngine(notices) {
  const wanted = threadsWanted.threads;
  if (wanted > 1 && threadsAvailable()) {
    engine = new EngineClient(onEngineEvent);
    try {
      const { engine: kind, threads } = await engine.start(ENGINES.threaded.script, wanted);
      return { kind, threads, mode: ENGINES.threaded.mode };
    } catch (err) {
      console.warn(`ConvPad: the threaded engine did not start (${err.message}); using the single-thread engine`);
      notices.push({ text: `threads unavailable (${err.message}): running on 1 thread`, isError: false });
    }
  } else if (threadsWanted.fromUrl && wanted > 1) {
    notices.push({ text: `threads=${wanted}: this page is not cross-origin isolated `
      + '(served without COOP/COEP headers), so it runs on 1 thread', isError: false });
  }
  engine = new EngineClient(onEngineEvent);
  const { engine: kind, threads } = await engine.start(ENGINES.single.script, 1);
  return { kind, threads, mode: ENGINES.single.mode };
}

// Downloads the UI's wasm (with progress), loads its script and runs its main(). Resolves with
// {shellStarted} (a promise of the first frames) once main() has run.
async function startUi(progress) {
  const [files] = await Promise.all([fetchAll(UI_APP.files, progress), loadScript(UI_APP.script)]);
  ui.text.textContent = 'Starting…';
  let shellReady;
  const shellStarted = new Promise((resolve, reject) => { shellReady = { resolve, reject }; });
  shellStarted.catch(() => {});
  const fail = (err) => { shellReady.reject(err); showError(err); };
  let mainRan;
  const mainDone = new Promise((resolve) => { mainRan = resolve; });
  uiModule = await window.createConvPad({
    canvas: ui.canvas,
    wasmBinary: files.wasm,             // already fetched with progress: Emscripten must not fetch it again
    print: (text) => console.log(text),
    printErr: (text) => console.warn(text),
    onShellStarted: () => mainRan(),
    onShellReady: () => shellReady.resolve(),
    onShellError: (message) => fail(new Error(message)),   // no WebGL 2
    onFramesStop: () => { frames.requested = true; },      // after a fatal error: no more frames
    onCommand: commandFromUi,
    onPadChange: () => queueMicrotask(announcePrediction),   // after the frame that saw the drawing change
    onAbort: (what) => fail(new Error(`The app stopped: ${what}`)),
  });
  await mainDone;
  uiRunning = true;
  for (const message of eventsBeforeUi.splice(0)) onEngineEvent(message);
  return { shellStarted };
}

// The URL's model= file, or when there is none or it fails (reported under 'model'), the data set's
// pretrained model. Returns a notice for the user, or null.
async function loadFirstModel(download, name) {
  if (!urlConfig.model) return loadPretrainedModel(await download, name);
  try {
    const bytes = await download;
    await engine.call('loadModel', [bytes], [bytes.buffer]);
    urlConfig.modelLoaded = urlConfig.model;
    return null;
  } catch (err) {
    urlConfig.errors.push({ param: 'model', message: `model=${urlConfig.model}: ${err.message} (the pretrained model is used)` });
  }
  const bundled = await fetchBytes(modelFile(name).url, modelFile(name)).catch(() => null);
  return loadPretrainedModel(bundled, name);
}

// Hands a data set's pretrained model to the engine (its session is the current one); returns a notice
// for the user, or null when all went well.
async function loadPretrainedModel(bytes, name) {
  const { url } = modelFile(name);
  if (!bytes) return { text: `no pretrained ${DATASETS[name].title} model on this site (${url}): the network starts untrained`, isError: true };
  try {
    await engine.call('loadModel', [bytes], [bytes.buffer]);
    return null;
  } catch (err) {
    return { text: `the pretrained model ${url} could not be loaded (${err.message}): the network starts untrained`, isError: true };
  }
}

const initialDataset = { name: urlConfig.dataset };

// [SECTION] URL parameters (url_config.js reads them; here they take effect)

// Prefills the Training panel, each parameter on its own, so one bad value costs only that setting.
function applyTrainingParameters() {
  for (const [option, { value, param, text }] of Object.entries(urlConfig.training)) {
    const reply = JSON.parse(uiModule.ccall('convpad_ui_edit_settings', 'string', ['string'], [JSON.stringify({ [option]: value })]));
    if (reply.error) urlConfig.errors.push({ param, message: `${param}: ${reply.error}` });
    for (const message of reply.errors ?? []) urlConfig.errors.push({ param, message: `${param}=${text}: ${message.split('\n')[0]}` });
  }
}

// The notice line and a banner above the app list what the URL got wrong; null when nothing.
function showUrlProblems() {
  const { errors } = urlConfig;
  if (!errors.length) return null;
  const order = [...new URLSearchParams(location.search).keys()];
  errors.sort((a, b) => order.indexOf(a.param) - order.indexOf(b.param));   // as the URL lists them
  ui.urlProblemsList.replaceChildren(...errors.map(({ message }) => {
    const item = document.createElement('li');
    item.textContent = message;
    return item;
  }));
  ui.urlProblems.hidden = false;
  return { text: `URL parameters: ${errors.map((e) => e.message).join('; ')} (defaults kept)`, isError: true };
}

// light | dark: the URL's theme=, else the system's preference (followed as it changes).
const systemPrefersLight = window.matchMedia('(prefers-color-scheme: light)');

function effectiveTheme() {
  return urlConfig.theme ?? (systemPrefersLight.matches ? 'light' : 'dark');
}

function applyTheme() {
  const theme = effectiveTheme();
  document.documentElement.dataset.theme = theme;
  uiModule?.ccall('convpad_ui_set_theme', null, ['string'], [theme]);
  scheduleFrame();
}
systemPrefersLight.addEventListener('change', () => { if (!urlConfig.theme) applyTheme(); });

function applyPanels() {
  uiCall('config', 'convpad_ui_set_panels', ['string'], [urlConfig.panels.join(',')]);
}

// The configuration in effect: the URL's choices with defaults filled in, the Training panel's settings,
// and what the URL got wrong.
function config() {
  return structuredClone({
    dataset: urlConfig.dataset,
    model: urlConfig.modelLoaded ?? DATASETS[urlConfig.dataset].model,
    panels: urlConfig.panels,
    theme: effectiveTheme(),
    themeFrom: urlConfig.theme ? 'url' : 'system',
    threads: news.engine.threads,
    origin: urlConfig.origins,
    autostart: urlConfig.autostart,
    settings: convpad.state === 'ready' ? settings() : null,
    errors: urlConfig.errors,
  });
}

// The address of this page with the current data set, panels, theme and the Training panel's settings
// (those that differ from the data set's recipe), and an <iframe> snippet that embeds it.
function shareLinks() {
  requireReady('shareLinks');
  const params = new URLSearchParams();
  if (news.dataset !== DATASET_NAMES[0]) params.set('dataset', news.dataset);
  if (urlConfig.panels.length !== PANELS.length) params.set('panels', urlConfig.panels.join(','));
  if (urlConfig.theme) params.set('theme', urlConfig.theme);
  const defaults = uiCall('shareLinks', 'convpad_ui_default_settings');
  for (const [name, value] of trainingParameters(settings(), defaults)) params.set(name, value);
  const query = params.toString().replaceAll('%2C', ',');   // panels=training,pad reads better, and means the same
  const url = `${location.origin}${location.pathname}${query ? `?${query}` : ''}`;
  const title = `ConvPad: ${DATASETS[news.dataset].title}`;
  const iframe = `<iframe src="${url.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}" title="${title}" `
    + 'width="800" height="500" style="border:0;max-width:100%" allow="clipboard-write" loading="lazy"></iframe>';
  return { url, iframe };
}

function startWhenDataArrives() {
  convpad.datasetReady.then(() => train({})).catch((err) => {
    if (err.call !== 'loadDataset') notify(`autostart: ${err.reason ?? err.message}`, true);
  });
}

// [SECTION] Drag and drop of a model file anywhere on the page

function setupDropTarget() {
  let depth = 0;   // dragenter/dragleave fire for every child element crossed
  const carriesFiles = (event) => Array.from(event.dataTransfer?.types ?? []).includes('Files');
  window.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (++depth === 1 && convpad.state === 'ready') ui.dropHint.hidden = false;
  });
  window.addEventListener('dragleave', () => {
    if (depth > 0 && --depth === 0) ui.dropHint.hidden = true;
  });
  window.addEventListener('dragover', (event) => {
    if (carriesFiles(event)) event.preventDefault();   // allows the drop (the browser would open the file)
  });
  window.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth = 0;
    ui.dropHint.hidden = true;
    const { files } = event.dataTransfer;
    if (!files.length) return;
    if (convpad.state !== 'ready') {
      console.warn(`ConvPad: ${files[0].name} dropped before the app was ready; drop it again`);
      return;
    }
    loadModelFiles(files);
  });
  ui.modelFile.addEventListener('change', () => {
    if (ui.modelFile.files.length) loadModelFiles(ui.modelFile.files);
  });
}

// [SECTION] window.convpad

// convpad.datasetReady exists from the start, so a page can await it at any time.
const datasetLoaded = {};
const datasetReady = new Promise((resolve, reject) => Object.assign(datasetLoaded, { resolve, reject }));
datasetReady.catch(() => {});   // reported in the app and in status(); not an unhandled rejection

// Declared before anything can fail, so showError can record its state.
const convpad = {
  state: 'loading',   // 'loading' | 'ready' | 'error'
  error: null,
  ready: null,
  datasetReady,
  timings: { readyMs: null, datasetMs: null },   // performance.now() at each milestone
  classify,
  pad,
  layout,
  showPanel,
  inspect,
  redraw,
  train,
  pause: () => control('pause'),
  resume: () => control('resume'),
  reset: () => control('reset'),
  status,
  on,
  config,
  shareLinks,
  openShareDialog,
  history,
  settings,
  recipe,
  runOptions,
  commandLine,
  copyCommandLine,
  evaluate,
  setDataset,
  setThreads,
  saveModel,
  loadModel,
  loadPretrained,
  exportModel,
  downloadModel,
  downloadTfjsModel,
  pickModelFile,
  // The loader's own pieces, for tests and the console.
  threadsRequest,
  datasetRequest,
  ConvPadError,
  DATASETS,
  datasetFiles,
};
Object.defineProperty(convpad, 'module', { get: () => uiModule });   // the UI module, for tests
window.convpad = convpad;

// Before ready, an uncaught error means the app did not start; after it, one is reported in the app's
// notice line and the app keeps running.
function reportUncaught(err) {
  if (convpad.state === 'ready') {
    console.error('ConvPad:', err);
    notify(String(err?.message ?? err), true);
  } else {
    showError(err);
  }
}
window.addEventListener('error', (event) => reportUncaught(event.error || new Error(event.message)));
window.addEventListener('unhandledrejection', (event) => reportUncaught(event.reason));
ui.canvas.addEventListener('webglcontextlost', (event) => {
  event.preventDefault();
  showError(new Error('The WebGL context was lost (the GPU was reset or is out of memory). Reload the page.'));
});
setupDropTarget();
setupDialogs();
wakeOnInput();
// Keys go to the canvas (SDL's keyboard element), and an app frame without focus loses pad strokes: a
// press anywhere on the canvas gives it the focus, also inside an iframe that did not have it.
ui.canvas.addEventListener('pointerdown', () => ui.canvas.focus());
mirrorToLiveRegions(convpad, { prediction: ui.livePrediction, training: ui.liveTraining });

convpad.ready = start();
registerOffline();
convpad.ready.then(
  () => {
    window.convpadShellReady = true;
    emit('ready', status());
    ui.loading.classList.add('done');
    if (window.parent === window) ui.canvas.focus();   // an embed does not take the focus from its host page
    scheduleFrame();
  },
  (err) => {
    showError(err);
    datasetLoaded.reject(err);
  },
);
startFrameMessages(convpad, urlConfig.origins ?? null);
