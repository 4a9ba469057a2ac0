// ConvPad's page: start-up and window.convpad.
//
// Two wasm modules, two threads of the page (web/README.md says who calls what):
//   main thread   convpad_web (the UI: Dear ImGui on SDL2/WebGL2, the drawing pad, a copy of the model
//                 for the pad and tooltips), drawn on demand (frames.js);
//   engine worker convpad_engine, or convpad_engine_mt with its own pthreads when the page is
//                 cross-origin isolated (web/worker/engine_worker.js): the data set, training, validation and
//                 evaluation. It posts status, log entries and weight snapshots (news.js hands them to the UI).
//
// Start-up: the UI's wasm and the pretrained model download behind the loading screen's progress bar
// while the engine worker starts; the engine gets the model, and its first snapshot lets the pad and
// classify() work at once. A data set downloads once something needs it (news.js: requestDataset). If
// the threaded engine cannot start, the single-thread one takes over with a warning.
//
// The page's modules, one job each: calls.js (the API object, uiCall, engineCommand), events.js (on, emit,
// notices), news.js (the engine's messages), frames.js, api.js and models.js (the calls), page_config.js
// (URL parameters), share.js, drop.js, screen.js (loading and error screens), site_files.js.
import './fetch.js';
import { EngineClient, EngineStartStalled } from './engine_client.js';
import {
  ConvPadError, callUi, convpad, engine, setEngine, setModuleBroken, setUiModule, uiModule,
} from './calls.js';
import { emit, notify, on } from './events.js';
import { scheduleFrame, stopFrames, wakeOnInput } from './frames.js';
import { passMergedPointerMoves } from './pointer_samples.js';
import { leaveUnusedWheelToBrowser } from './wheel.js';
import {
  datasetFailed, datasetReady, datasets, engineInfo, onEngineEvent, requestDataset, startNews, status,
} from './news.js';
import * as api from './api.js';
import * as models from './models.js';
import {
  applyPanels, applyTheme, applyTrainingParameters, config, datasetRequest, setupUrlProblems, showUrlProblems,
  threadsRequest, urlConfig,
} from './page_config.js';
import { openShareDialog, setupShareDialog, shareLinks } from './share.js';
import { setupDropTarget } from './drop.js';
import {
  confirmReplace, keptRun, offerKeptRun, restoreRun, setupKeeping,
} from './keep.js';
import { offerLastModel, showError, showProgress, ui } from './screen.js';
import { DATASETS, ENGINES, UI_APP, datasetFiles, modelFile } from './site_files.js';
import { startFrameMessages } from './frame_messages.js';
import { mirrorToLiveRegions } from './live_region.js';
import { registerOffline } from './offline.js';

const { Progress, fetchBytes, fetchAll } = self.convpadFetch;

// [SECTION] Start-up

// The first versions with everything the page needs (WebAssembly SIMD, WebGL 2, DecompressionStream,
// structuredClone, <dialog>): docs/browsers.md.
const BROWSERS_THAT_WORK = 'ConvPad runs in Chrome and Edge 98 or later, Firefox 113 or later and Safari 16.4 or later.';
const unsupported = (what) => new Error(`${what} ${BROWSERS_THAT_WORK}`);

async function start() {
  if (!hasWasmSimd()) throw unsupported('This browser does not support WebAssembly SIMD.');
  if (typeof DecompressionStream !== 'function') throw unsupported('This browser lacks DecompressionStream (gzip).');

  const progress = new Progress(showProgress);
  const first = datasets.first;
  const model = fetchBytes(modelFile(first).url, { ...modelFile(first), progress }).catch(() => null);
  const notices = [];
  const engineStarted = startEngine(notices);
  engineStarted.catch(() => {});
  const { shellStarted } = await startUi(progress);
  convpad.timings.uiMs = performance.now();
  applyPanels();   // before the first frame: a hidden sample grid must not ask for the data set
  applyTheme();

  Object.assign(engineInfo, await engineStarted);
  convpad.timings.engineMs = performance.now();
  callUi('start', 'convpad_ui_set_engine', null, ['string', 'number'], [engineInfo.kind, engineInfo.threads]);
  if (first !== datasets.current) {
    await engine.call('selectDataset', [first]);
    datasets.current = first;
  }
  const modelNotice = await models.loadPretrainedModel(await model, first);
  convpad.timings.modelMs = performance.now();
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
  else offerKeptRun();
  if (urlConfig.model) loadUrlModel().then(urlModelSettled.resolve);
  else urlModelSettled.resolve(config());
}

// Why the page runs its engine on one thread, or null when the threaded engine may start. The threaded
// engine needs SharedArrayBuffer, which browsers give only to cross-origin isolated pages (and WebKitGTK to
// none).
function singleThreadReason(wanted) {
  if (wanted <= 1) return urlConfig.threadsFromUrl ? 'threads=1 asks for one thread' : 'this device reports one core';
  if (self.crossOriginIsolated !== true) return 'this page is not cross-origin isolated (served without COOP/COEP headers)';
  if (typeof SharedArrayBuffer !== 'function') return 'this browser has no SharedArrayBuffer';
  return null;
}

// The threaded engine when it may start and more than one thread is wanted, else (or when it fails to
// start) the single-thread one. Resolves with {kind, threads, mode, modeReason}.
async function startEngine(notices) {
  const wanted = urlConfig.threads;
  let reason = singleThreadReason(wanted);
  if (reason === null) {
    try {
      const { engine: kind, threads } = await startThreaded(wanted);
      return { kind, threads, mode: ENGINES.threaded.mode, modeReason: null };
    } catch (err) {
      console.warn(`ConvPad: the threaded engine did not start (${err.message}); using the single-thread engine`);
      notices.push({ text: `threads unavailable (${err.message}): running on 1 thread`, isError: false });
      reason = `the threaded engine did not start (${err.message})`;
    }
  } else if (urlConfig.threadsFromUrl && wanted > 1) {
    notices.push({ text: `threads=${wanted}: ${reason}, so it runs on 1 thread`, isError: false });
  }
  setEngine(new EngineClient(onEngineEvent));
  const { engine: kind, threads } = await engine.start(ENGINES.single.script, 1);
  return { kind, threads, mode: ENGINES.single.mode, modeReason: reason };
}

// A start the browser stalled in is tried once more (EngineClient.start says why).
async function startThreaded(threads) {
  for (let attempt = 1; ; attempt++) {
    setEngine(new EngineClient(onEngineEvent));
    try {
      return await engine.start(ENGINES.threaded.script, threads);
    } catch (err) {
      if (!(err instanceof EngineStartStalled) || attempt === 2) throw err;
      console.warn(`ConvPad: ${err.message}; starting the threaded engine again`);
    }
  }
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
  setUiModule(await window.createConvPad({
    canvas: ui.canvas,
    wasmBinary: files.wasm,             // already fetched with progress: Emscripten must not fetch it again
    print: (text) => console.log(text),
    printErr: (text) => console.warn(text),
    onShellStarted: () => mainRan(),
    onShellReady: () => shellReady.resolve(),
    onShellError: (message) => fail(/^WebGL 2/.test(message) ? unsupported(`${message}.`) : new Error(message)),
    onFramesStop: stopFrames,                              // after a fatal error
    onCommand: commandFromUi,
    onPadChange: api.announcePrediction,
    onAbort: (what) => fail(new Error(`The app stopped: ${what}`)),
  }));
  await Promise.race([mainDone, shellStarted]);   // main() returns without starting when there is no WebGL 2
  startNews();
  return { shellStarted };
}

// The URL's model= file arrives after the page is ready, which meanwhile uses the pretrained model: a
// server that stalls or sends without end cannot hold the page up or exhaust it. It is fetched without
// cookies, and what a host page can read of a failure (config().errors, the notice) is a generic reason,
// not an HTTP status that would tell it about URLs of this site; the console has the details.
const MODEL_STALL_MS = 15_000;

const urlModelSettled = {};
const modelReady = new Promise((resolve, reject) => Object.assign(urlModelSettled, { resolve, reject }));
modelReady.catch(() => {});

async function loadUrlModel() {
  const url = urlConfig.model;
  const before = status().runId;
  let reason;
  try {
    const bytes = await fetchBytes(url, { maxBytes: models.MODEL_MAX_BYTES, stallMs: MODEL_STALL_MS, credentials: 'omit' });
    if (status().runId !== before || datasets.current !== datasets.first) {
      reason = 'it arrived after the model or data set was changed here, so it was not loaded';
    } else {
      await engine.call('loadModel', [bytes], [bytes.buffer]);
      urlConfig.modelLoaded = url;
      notify(`loaded the model of the page's address (${url})`);
      return config();
    }
  } catch (err) {
    console.warn(`ConvPad: model=${url}: ${err.message}`);
    reason = {
      size: `the file is larger than ${models.MODEL_MAX_BYTES / 2 ** 20} MB`,
      stalled: `no data arrived for ${MODEL_STALL_MS / 1000} s`,
    }[err.kind] ?? 'could not load the model file';
  }
  urlConfig.errors.push({ param: 'model', message: `model=${url}: ${reason} (the pretrained model is used)` });
  const notice = showUrlProblems();
  notify(notice.text, true);
  return config();
}

// autostart=1: training starts once the data set is in.
function startWhenDataArrives() {
  datasetReady.then(() => api.train({})).catch((err) => {
    if (err.call !== 'loadDataset') notify(`autostart: ${err.reason ?? err.message}`, true);
  });
}

// Baseline wasm SIMD (i8x16.splat, i8x16.popcnt): the engine is built with -msimd128.
function hasWasmSimd() {
  const module = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
    10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
  return typeof WebAssembly === 'object' && WebAssembly.validate(module);
}

// Buttons of the UI (app.h: command()) take the API's path; a refusal becomes a notice. Those that would
// replace a trained model ask first (keep.js); the API itself does not ask.
function commandFromUi(call) {
  if (call === 'data') {   // the sample grid is on screen; before ready the engine may still be choosing its build
    if (convpad.state === 'ready') requestDataset(datasets.current);
    return;
  }
  if (call === 'share') {
    openShareDialog();
    return;
  }
  const asking = (action, run) => () => confirmReplace(action).then((go) => (go ? run() : null));
  const runs = {
    train: asking('Start', () => api.train({})),
    load: asking('Loading a model file', async () => models.pickModelFile()),
    'pretrained:default': asking('Loading the pretrained model', () => models.loadPretrainedFromUi('default')),
    'pretrained:best': asking('Loading the pretrained "best" model', () => models.loadPretrainedFromUi('best')),
    pause: () => api.control('pause'),
    resume: () => api.control('resume'),
    reset: () => api.control('reset'),
    evaluate: api.evaluate,
  };
  let run = Object.hasOwn(runs, call) ? runs[call] : null;
  if (call.startsWith('dataset:')) run = () => api.setDataset(call.slice('dataset:'.length));
  if (!run) return;
  Promise.resolve().then(run).catch((err) => notify(err.reason ?? err.message, true));
}

// [SECTION] window.convpad

Object.assign(convpad, {
  datasetReady,
  modelReady,
  classify: api.classify,
  pad: api.pad,
  layout: api.layout,
  showPanel: api.showPanel,
  inspect: api.inspect,
  redraw: api.redraw,
  train: api.train,
  pause: () => api.control('pause'),
  resume: () => api.control('resume'),
  reset: () => api.control('reset'),
  status,
  on,
  config,
  shareLinks,
  openShareDialog,
  history: api.history,
  settings: api.settings,
  recipe: api.recipe,
  runOptions: api.runOptions,
  commandLine: api.commandLine,
  copyCommandLine: api.copyCommandLine,
  evaluate: api.evaluate,
  setDataset: api.setDataset,
  setThreads: api.setThreads,
  saveModel: models.saveModel,
  loadModel: models.loadModel,
  loadPretrained: models.loadPretrained,
  exportModel: models.exportModel,
  downloadModel: models.downloadModel,
  downloadTfjsModel: models.downloadTfjsModel,
  pickModelFile: models.pickModelFile,
  keptRun,
  restoreRun,
  // The page's own pieces, for tests and the console.
  threadsRequest,
  datasetRequest,
  ConvPadError,
  DATASETS,
  datasetFiles,
});
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
setModuleBroken(showError);
setupDropTarget();
setupShareDialog();
setupUrlProblems();
setupKeeping();
offerLastModel(models.saveLastModel);
wakeOnInput();
passMergedPointerMoves(ui.canvas);
leaveUnusedWheelToBrowser(ui.canvas);
// Keys go to the canvas (SDL's keyboard element), and an app frame without focus loses pad strokes: a
// press anywhere on the canvas gives it the focus, also inside an iframe that did not have it.
ui.canvas.addEventListener('pointerdown', () => ui.canvas.focus());
// Safari's pinch comes as gesture events besides the touches that touch-action covers: on the pad it would
// zoom the page under the finger that draws.
for (const type of ['gesturestart', 'gesturechange']) ui.canvas.addEventListener(type, (event) => event.preventDefault());
mirrorToLiveRegions(convpad, { prediction: ui.livePrediction, training: ui.liveTraining });

datasets.first = urlConfig.dataset;
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
    datasetFailed(err);
    urlModelSettled.reject(err);
  },
);
startFrameMessages(convpad, urlConfig.origins ?? null);
