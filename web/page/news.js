// What the engine worker tells the page, and the page's own part of it. The engine's state itself (status,
// curves, evaluation, sample predictions, weights) has one copy on the main thread, the UI module's
// EngineView (web/ui/engine_view.h): news passes each message on, announces what it brought as events,
// and status(), history() and evaluate() read it back from there. Kept here: which data set the page
// shows, each data set's download, and which engine build runs.
import './wasm_heap.js';
import { ConvPadError, callUi, convpad, engine, uiCall, uiModule, withUiHeap } from './calls.js';
import { emit, notify } from './events.js';
import { NEWS_FRAME_MS, scheduleFrame } from './frames.js';
import { showError } from './screen.js';
import { DATASETS, DATASET_NAMES, datasetFiles } from './site_files.js';

const { heapU8 } = self.convpadWasmHeap;

// The current data set (the engine's and the UI's) and, for each, its download: arrival (the engine's
// loadDataset, null until asked for), bytes, ready, error.
export const datasets = {
  current: DATASET_NAMES[0],
  first: DATASET_NAMES[0],   // the one the page starts with: convpad.datasetReady is its arrival
  downloads: Object.fromEntries(DATASET_NAMES.map((name) => [name, { arrival: null, loaded: 0, total: 0, ready: false, error: null }])),
};

// The engine build that runs: kind 'worker' | 'pthreads', threads, mode 'single-thread' | 'multi-thread';
// wasmBytes: its memory, inUseBytes: what its allocations hold of it, from the last update.
export const engineInfo = { kind: null, threads: 1, mode: null, modeReason: null, wasmBytes: 0, inUseBytes: 0 };

// convpad.datasetReady exists from the start, so a page can await it at any time.
const datasetLoaded = {};
export const datasetReady = new Promise((resolve, reject) => Object.assign(datasetLoaded, { resolve, reject }));
datasetReady.catch(() => {});   // reported in the app and in status(); not an unhandled rejection
export const datasetFailed = (err) => datasetLoaded.reject(err);

const waiters = new Set();   // callbacks run after every update (train() and evaluate() wait with them)

// Events before the UI module runs (the engine may start first) wait for it, in order.
const eventsBeforeUi = [];
let uiRunning = false;

// The UI module's main() has run: what waited goes in.
export function startNews() {
  uiRunning = true;
  for (const message of eventsBeforeUi.splice(0)) onEngineEvent(message);
}

// EngineClient's handler of the worker's events (web/worker/engine_worker.js lists them).
export function onEngineEvent(message) {
  if (!uiRunning && message.event !== 'fatal') {
    eventsBeforeUi.push(message);
    return;
  }
  switch (message.event) {
    case 'update':
      engineInfo.wasmBytes = message.wasmBytes;
      engineInfo.inUseBytes = message.inUseBytes;
      applyUpdate(message.text);
      break;
    case 'snapshot': applySnapshot(message); break;
    case 'dataset': {
      const download = datasets.downloads[message.name];
      if (!download) return;
      download.loaded = message.loaded;
      download.total = message.total;
      if (message.name === datasets.current) showDatasetProgress();
      break;
    }
    case 'datasetReady': applyTestSet(message.name, message.testImages, message.testLabels); break;
    case 'fatal':   // the engine crashed or aborted: nothing more can train, evaluate or load
      showError(new Error(`The engine stopped: ${message.message}`));
      return;
    case 'datasetError': {
      const download = datasets.downloads[message.name];
      if (!download) return;
      download.error = message.message;
      if (message.name === datasets.current) callUi('loadDataset', 'convpad_ui_dataset_error', null, ['string'], [message.message]);
      break;
    }
    default: return;
  }
  scheduleFrame(NEWS_FRAME_MS);
}

const RUNNING_PHASES = ['training', 'paused'];

function applyUpdate(text) {
  const { phaseChanged, epochs, runEnded, failure } = uiCall('update', 'convpad_ui_update', ['string'], [text]);
  if (failure) notify(failure, true);
  for (const waiter of [...waiters]) waiter();
  if (phaseChanged) emit('phase', status());
  for (const record of epochs) emit('epoch', record);
  if (runEnded) emit('trainend', status());
}

function applySnapshot({ version, arch, samples, weights }) {
  const bytes = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  withUiHeap('snapshot', bytes, (ptr) => uiCall('snapshot', 'convpad_ui_snapshot', ['string', 'number', 'number'],
    [JSON.stringify({ version, arch, samples }), ptr, weights.length]));
}

// The current data set's download as the UI shows it.
export function showDatasetProgress() {
  const download = datasets.downloads[datasets.current];
  if (!uiModule) return;
  callUi('loadDataset', 'convpad_ui_dataset_progress', null, ['number', 'number', 'number'], [download.arrival ? 1 : 0, download.loaded, download.total]);
  callUi('loadDataset', 'convpad_ui_dataset_error', null, ['string'], [download.error]);
}

function applyTestSet(name, images, labels) {
  withUiHeap('loadDataset', images, (imagesPtr) => withUiHeap('loadDataset', labels, (labelsPtr) =>
    uiCall('loadDataset', 'convpad_ui_set_test_set', ['string', 'number', 'number', 'number', 'number'],
      [name, imagesPtr, images.byteLength, labelsPtr, labels.byteLength])));
  datasets.downloads[name].ready = true;
  if (name === datasets.first) {
    convpad.timings.datasetMs = performance.now();
    datasetLoaded.resolve(status());
  }
}

// Starts downloading a data set into the engine unless that has begun already. Nothing downloads one
// before it is needed: the sample grid on screen, training, evaluation.
export function requestDataset(name) {
  const download = datasets.downloads[name];
  if (download.arrival) return;
  download.arrival = engine.call('loadDataset', [name, datasetFiles(name)]);
  if (name === datasets.current) showDatasetProgress();
  download.arrival.catch((err) => {
    if (name === datasets.first) datasetLoaded.reject(new ConvPadError('loadDataset', err.message));
  });
}

// Resolves once the current data set is in the engine, downloading it first if need be.
export async function datasetArrived(call) {
  const name = datasets.current;
  requestDataset(name);
  scheduleFrame();   // the status bar shows the download
  try {
    await datasets.downloads[name].arrival;
  } catch (err) {
    throw new ConvPadError(call, `the ${DATASETS[name].title} data set could not be loaded (${err.message})`);
  }
}

// What status().dataset says: the current data set and its download.
function datasetStatus() {
  const { arrival, ...download } = datasets.downloads[datasets.current];
  return { name: datasets.current, title: DATASETS[datasets.current].title, ...download };
}

// The engine's last status as the UI module holds it (session/protocol.h), null before the first.
export const engineStatus = () => uiCall('status', 'convpad_ui_status');

// convpad.status(): the engine's status with the page's own fields.
export function status() {
  const engineNow = convpad.state === 'loading' || !uiModule ? null : engineStatus();
  if (!engineNow) return { phase: 'loading', dataset: datasetStatus() };   // the data set may already be downloading
  return {
    ...engineNow,
    dataset: datasetStatus(),
    engine: engineInfo.kind,
    mode: engineInfo.mode,
    modeReason: engineInfo.modeReason,   // why single-thread, or null
    threads: engineInfo.threads,
    memory: { engineWasm: engineInfo.wasmBytes, engineInUse: engineInfo.inUseBytes, uiWasm: heapU8(uiModule).byteLength },   // bytes
  };
}

// Resolves with check()'s value after the first update where it is not undefined; rejects if it throws.
export function afterUpdates(check) {
  return new Promise((resolve, reject) => {
    const waiter = () => {
      let value;
      try {
        value = check();
      } catch (err) {
        waiters.delete(waiter);
        reject(err);
        return;
      }
      if (value === undefined) return;
      waiters.delete(waiter);
      resolve(value);
    };
    waiters.add(waiter);
    waiter();
  });
}
