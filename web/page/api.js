// The calls of window.convpad for classification, the pad, the views, training and the data set
// (README "JavaScript API"). Model files are models.js's.
import './fetch.js';
import {
  ConvPadError, callUi, convpad, describe, engineCommand, requireReady, uiCall, withUiHeap,
} from './calls.js';
import { emit, hasListeners, notify } from './events.js';
import { drawFramesNow, scheduleFrame } from './frames.js';
import {
  afterUpdates, datasetArrived, datasets, engineInfo, engineStatus, showDatasetProgress, status,
} from './news.js';
import { offerKeptRun } from './keep.js';
import { loadPretrainedModel } from './models.js';
import { ui } from './screen.js';
import { DATASETS, DATASET_NAMES, modelFile } from './site_files.js';
import { MAX_THREADS, TRAIN_OPTIONS } from './url_config.js';

const { fetchBytes } = self.convpadFetch;

export { status };

// [SECTION] Classification and the drawing pad

const IMAGE_PIXELS = 28 * 28;

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

export function classify(pixels) {
  requireReady('classify');
  const input = checkPixels('classify', pixels);
  return withUiHeap('classify', new Uint8Array(input.buffer),
    (ptr) => uiCall('classify', 'convpad_ui_classify', ['number'], [ptr]));
}

export const pad = {
  clear() {
    requireReady('pad.clear');
    uiCall('pad.clear', 'convpad_ui_pad_clear');
    scheduleFrame();
  },
  // {label, name, probs, empty, strokes}
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

// The UI module's onPadChange: the drawing changed in the frame that just ran; prediction is its JSON.
export function announcePrediction(predictionText) {
  if (convpad.state !== 'ready' || !hasListeners('prediction')) return;
  queueMicrotask(() => emit('prediction', JSON.parse(predictionText)));   // after that frame, not inside it
}

// [SECTION] The views

// Brings a panel on screen (on a phone, selects its tab). name: one of url_config.js's PANELS.
export function showPanel(name) {
  requireReady('showPanel');
  if (typeof name !== 'string') throw new ConvPadError('showPanel', `name must be a string, got ${describe(name)}`);
  uiCall('showPanel', 'convpad_ui_show_panel', ['string'], [name]);
  scheduleFrame();
}

// What the Inside view shows (README "The Inside view"): {source: 'pad' | 'test', index, empty, modelVersion, arch,
// filters, layers: [{name, layer, applied, channels, height, width, min, max}], saliency: {min, max, values},
// prediction, view: {version, frame}}. options {source: 'pad'} or {source: 'test', index} switches the view first.
export function inspect(options = {}) {
  requireReady('inspect');
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConvPadError('inspect', `options must be an object, got ${describe(options)}`);
  }
  const reply = uiCall('inspect', 'convpad_ui_inspect', ['string'], [JSON.stringify(options)]);
  if ('source' in options) scheduleFrame();   // the view shows another image
  return reply;
}

// Rectangles in CSS pixels of the page: the drawing surface (pad; null when not on screen), every panel
// window, and the windows the wheel scrolls (scrolling, with scrollY of scrollMaxY); mode 'columns' or
// 'tabs' (one panel at a time, `tab` names it).
export function layout() {
  requireReady('layout');
  const { pad: padRect, windows, scrolling, mode, tab, keyboard } = uiCall('layout', 'convpad_ui_layout');
  const canvas = ui.canvas.getBoundingClientRect();
  const toPage = (r) => ({ x: canvas.left + r.x, y: canvas.top + r.y, width: r.width, height: r.height });
  return {
    canvas: { x: canvas.left, y: canvas.top, width: canvas.width, height: canvas.height },
    pad: padRect && toPage(padRect),
    windows: windows.map((w) => ({ name: w.name, ...toPage(w) })),
    scrolling: scrolling.map((w) => ({ name: w.name, ...toPage(w), scrollY: w.scrollY, scrollMaxY: w.scrollMaxY })),
    mode,
    tab,
    keyboard,
  };
}

// Draws `count` frames now (a screenshot or a test that wants the latest state on screen).
export function redraw(count = 1) {
  requireReady('redraw');
  drawFramesNow(count);
}

// [SECTION] Training and evaluation

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

const RUNNING_PHASES = ['training', 'paused'];

// Resolves with the final status when run `runId` ends; rejects if a reset or a newer run replaced it.
function waitForRunEnd(call, runId) {
  return afterUpdates(() => {
    const { runId: current, phase, failure } = engineStatus();
    if (current !== runId) throw new ConvPadError(call, 'the run was stopped by reset(), loadModel() or a newer run');
    if (RUNNING_PHASES.includes(phase)) return undefined;
    if (failure) throw new ConvPadError(call, failure);
    return status();
  });
}

export async function train(options = {}) {
  requireReady('train');
  checkTrainOptions('train', options);
  const { settings: runSettings } = uiCall('train', 'convpad_ui_run_settings', ['string'], [JSON.stringify(options)]);
  await datasetArrived('train');
  const { runId } = await engineCommand('train', 'train', [runSettings]);
  return waitForRunEnd('train', runId);
}

// pause(), resume() and reset() resolve with the status once the engine has acted: a pause lands on a
// step boundary, and the step then stays where it is until resume().
export async function control(call) {
  requireReady(call);
  await engineCommand(call, call);
  return status();
}

export async function evaluate() {
  requireReady('evaluate');
  await datasetArrived('evaluate');
  const { runId } = await engineCommand('evaluate', 'evaluate');
  callUi('evaluate', 'convpad_ui_show_evaluation');
  scheduleFrame();
  return afterUpdates(() => {
    const { runId: current, phase, failure } = engineStatus();
    if (current !== runId) throw new ConvPadError('evaluate', 'the evaluation was stopped by reset()');
    if (phase === 'evaluating') return undefined;
    if (failure) throw new ConvPadError('evaluate', failure);
    const evaluation = uiCall('evaluate', 'convpad_ui_evaluation');
    if (!evaluation) throw new ConvPadError('evaluate', 'the evaluation did not finish');
    return evaluation;
  });
}

// The current run's curves: {losses: [[step, loss, learning rate], ...], epochs: [{epoch, trainLoss, ...}]}.
export function history() {
  requireReady('history');
  return uiCall('history', 'convpad_ui_history');
}

export function settings() {
  requireReady('settings');
  return uiCall('settings', 'convpad_ui_settings');
}

// Every train() option as the engine declares it (src/train/run_options.cpp): [{key, flag, url, kind, ...}].
export function runOptions() {
  requireReady('runOptions');
  return uiCall('runOptions', 'convpad_ui_run_options');
}

// The `convpad train` command that trains the current run (or, before one, the panel's settings) again.
export function commandLine() {
  requireReady('commandLine');
  return uiCall('commandLine', 'convpad_ui_command_line').commandLine;
}

// The Training panel's Copy button.
export async function copyCommandLine() {
  try {
    await navigator.clipboard.writeText(commandLine());
    notify('Command line copied', false);
  } catch (err) {
    notify(`Could not copy the command line (${err?.message ?? err}): select it in the Training panel instead`, true);
  }
}

// train() options of a named recipe for the current data set: 'default' or 'best'.
export function recipe(name) {
  requireReady('recipe');
  if (typeof name !== 'string') throw new ConvPadError('recipe', `name must be 'default' or 'best', got ${describe(name)}`);
  return uiCall('recipe', 'convpad_ui_recipe', ['string'], [name]);
}

// Threads the threaded engine uses (1 to MAX_THREADS); the single-thread engine stays at 1.
export async function setThreads(n) {
  requireReady('setThreads');
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new ConvPadError('setThreads', `threads must be an integer from 1 to ${MAX_THREADS}, got ${describe(n)}`);
  }
  const { threads } = await engineCommand('setThreads', 'setThreads', [n]);
  engineInfo.threads = threads;
  callUi('setThreads', 'convpad_ui_set_engine', null, ['string', 'number'], [engineInfo.kind, threads]);
  scheduleFrame();
  return status();
}

// [SECTION] The data set

// Switches the engine, the UI and the pad to another data set. Each keeps its model, run and curves
// (a run in progress is paused); the first switch to a data set loads its pretrained model and starts
// its download. Resolves with the status once the pad reads the new data set (its data may still be
// downloading: status().dataset.ready). Calls run one after another.
let datasetSwitches = Promise.resolve();

export function setDataset(name) {
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
  if (name === datasets.current) return status();
  const { fresh } = await engineCommand('setDataset', 'selectDataset', [name]);
  datasets.current = name;
  showDatasetProgress();
  if (fresh) {
    const notice = await loadPretrainedModel(await fetchBytes(modelFile(name).url, modelFile(name)).catch(() => null), name);
    if (notice) notify(notice.text, notice.isError);
    offerKeptRun();
  }
  scheduleFrame();
  return status();
}
