// ConvPad page loader and JavaScript API.
//
// Start-up order: the wasm and the pretrained model download behind the loading screen's progress
// bar; the Emscripten module (built with -sMODULARIZE -sEXPORT_NAME=createConvPad) starts and receives
// the model, so the drawing pad and classify() work at once. Then the ~30 MB of Fashion-MNIST arrive in
// the background (progress in status().dataset and the app's status bar), are gunzipped by the browser
// and handed to the engine file by file.
//
// Two builds of the app exist (tools/web.cmake): convpad_web (single-thread) and convpad_web_mt (-pthread,
// plus a worker script). Threads need SharedArrayBuffer, which browsers give only to cross-origin isolated
// pages (COOP/COEP headers, as tools/server.py sends), so the threaded build runs when the page is isolated
// and more than one thread is wanted (threads=N in the URL, else min(cores, 4)); if it fails to load or
// start, the single-thread build takes over with a console warning.
//
// window.convpad is the API for pages, tests and the browser console; README.md ("JavaScript API")
// documents it. Every call into the engine goes through engineCall(): the C side (src/app/js_api.cpp)
// returns JSON, and {error} becomes a thrown ConvPadError, so a bad argument never crashes the tab.

export const SINGLE_THREAD_APP = {
  mode: 'single-thread',
  script: 'convpad_web.js',
  files: [{ name: 'wasm', url: 'convpad_web.wasm' }],
};
export const THREADED_APP = {
  mode: 'multi-thread',
  script: 'convpad_web_mt.js',
  files: [{ name: 'wasm', url: 'convpad_web_mt.wasm' }, { name: 'worker', url: 'convpad_web_mt.worker.js' }],
};
export const MAX_THREADS = 16;       // the most threads=N accepts
const DEFAULT_MAX_THREADS = 4;       // without threads=N: min(cores, 4), leaving a big machine's other cores alone
// Optional: a site built before assets/fashion-cnn.cpm existed has none (the app then starts untrained).
export const MODEL = { name: 'model', url: 'fashion-cnn.cpm', optional: true };
// Fashion-MNIST as served by the site (copied by tools/web.cmake); `which` is the engine's DataFile.
export const DATASET = [
  { name: 'train-images', url: 'train-images-idx3-ubyte.gz', gunzip: true, which: 0 },
  { name: 'train-labels', url: 'train-labels-idx1-ubyte.gz', gunzip: true, which: 1 },
  { name: 'test-images', url: 't10k-images-idx3-ubyte.gz', gunzip: true, which: 2 },
  { name: 'test-labels', url: 't10k-labels-idx1-ubyte.gz', gunzip: true, which: 3 },
];
const IMAGE_PIXELS = 28 * 28;
const POLL_MS = 50;   // how often train() and evaluate() look at the session's phase

// [SECTION] Progress over several downloads

// Sums bytes over concurrent downloads so one bar covers them all. A download's total comes
// from Content-Length (compressed bytes for .gz files, which is what crosses the network).
export class Progress {
  constructor(onChange = () => {}) {
    this.entries = [];
    this.onChange = onChange;
  }
  // Returns the entry one download updates; total 0 means "not known yet".
  add(url, total = 0) {
    const entry = { url, total, loaded: 0, done: false };
    this.entries.push(entry);
    this.onChange(this);
    return {
      setTotal: (n) => { entry.total = n; this.onChange(this); },
      advance: (n) => { entry.loaded += n; this.onChange(this); },
      finish: () => { entry.done = true; entry.total = Math.max(entry.total, entry.loaded); this.onChange(this); },
    };
  }
  get loaded() { return this.entries.reduce((sum, e) => sum + e.loaded, 0); }
  get total() { return this.entries.reduce((sum, e) => sum + Math.max(e.total, e.loaded), 0); }
  // Known only when every download has a size, else null (the bar then waits rather than jumps back).
  get fraction() {
    if (this.entries.some((e) => e.total === 0 && !e.done)) return null;
    const total = this.total;
    return total > 0 ? this.loaded / total : 1;
  }
}

// [SECTION] Fetching

// Fetches url into a Uint8Array, reporting bytes to `progress` (a Progress) as they arrive.
//   gunzip: decompress a .gz body with the browser's DecompressionStream
//   optional: resolve to null on HTTP 404 instead of failing
//   expectedBytes: size to show when the server sends no Content-Length
export async function fetchBytes(url, { progress = null, gunzip = false, optional = false, expectedBytes = 0 } = {}) {
  const entry = progress ? progress.add(url, expectedBytes) : null;
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    entry?.finish();
    throw new Error(`${url}: network error (${err.message})`);
  }
  if (optional && response.status === 404) {
    entry?.finish();
    return null;
  }
  if (!response.ok) {
    entry?.finish();   // a failed download must not hold the bar back (a fallback may follow)
    throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  }
  const length = Number(response.headers.get('Content-Length'));
  if (length > 0) entry?.setTotal(length);

  let stream = response.body;
  if (entry) {
    stream = stream.pipeThrough(new TransformStream({
      transform(chunk, controller) { entry.advance(chunk.byteLength); controller.enqueue(chunk); },
    }));
  }
  if (gunzip) stream = stream.pipeThrough(new DecompressionStream('gzip'));
  let bytes;
  try {
    bytes = await readAll(stream);
  } catch (err) {
    entry?.finish();
    throw new Error(`${url}: ${gunzip ? 'download or gunzip' : 'download'} failed (${err.message})`);
  }
  entry?.finish();
  return bytes;
}

async function readAll(stream) {
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

// Fetches every {name, url, gunzip?, optional?} concurrently: all sizes are known early, so
// the bar does not jump back. Resolves to {name: Uint8Array | null}.
export async function fetchAll(files, progress) {
  const results = await Promise.all(files.map((f) => fetchBytes(f.url, { ...f, progress })));
  return Object.fromEntries(files.map((f, i) => [f.name, results[i]]));
}

// The wasm heap as bytes, current after memory growth. Single-thread: growth happens on this thread and
// Emscripten replaces Module.HEAPU8. Threaded: a worker may grow the shared memory, which leaves this
// thread's Module.HEAPU8 on the old, shorter buffer until Emscripten's own JS next looks; so views are
// made from the memory itself (Module.wasmMemory, exported by threaded builds). Call it after every call
// into C, never keep the view.
export function heapU8(module) {
  const memory = module.wasmMemory;
  if (memory && module.HEAPU8.buffer !== memory.buffer) return new Uint8Array(memory.buffer);
  return module.HEAPU8;
}

// Copies bytes into the wasm heap; the caller passes the pointer to a C function and frees it
// with Module._free.
export function copyToHeap(module, bytes) {
  const ptr = module._malloc(Math.max(1, bytes.byteLength));
  if (!ptr) throw new Error(`out of wasm memory for ${bytes.byteLength} bytes`);
  heapU8(module).set(bytes, ptr);
  return ptr;
}

// [SECTION] Calls into the engine

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
  if (convpad.state === 'ready') return convpad.module;
  if (convpad.state === 'error') {
    throw new ConvPadError(call, `ConvPad failed to start (${convpad.error?.message ?? convpad.error})`);
  }
  throw new ConvPadError(call, 'ConvPad is still loading: await convpad.ready first');
}

// Calls a C function of src/app/js_api.cpp that replies with JSON; {error} becomes a ConvPadError.
// module: only during start-up, before convpad.state is 'ready'.
function engineCall(call, name, argTypes = [], args = [], module = requireReady(call)) {
  let text;
  try {
    text = module.ccall(name, 'string', argTypes, args);
  } catch (err) {   // a trap in the engine: report it rather than leave the caller guessing
    throw new ConvPadError(call, `the engine failed (${err.message ?? err})`);
  }
  const reply = JSON.parse(text);
  if (reply && typeof reply === 'object' && !Array.isArray(reply) && typeof reply.error === 'string') {
    throw new ConvPadError(call, reply.error);
  }
  return reply;
}

// Runs fn(ptr) with bytes copied into the wasm heap, then frees them.
function withHeap(call, bytes, fn) {
  const module = requireReady(call);
  let ptr;
  try {
    ptr = copyToHeap(module, bytes);
  } catch (err) {
    throw new ConvPadError(call, err.message);
  }
  try {
    return fn(ptr);
  } finally {
    module._free(ptr);
  }
}

function notify(text, isError = false) {
  if (convpad.module) convpad.module.ccall('convpad_notify', null, ['string', 'number'], [text, isError ? 1 : 0]);
  else (isError ? console.warn : console.log)(`ConvPad: ${text}`);
}

// Resolves when check() returns a value other than undefined; polls while the app renders frames.
function poll(check) {
  return new Promise((resolve, reject) => {
    const step = () => {
      let result;
      try {
        result = check();
      } catch (err) {
        reject(err);
        return;
      }
      if (result === undefined) setTimeout(step, POLL_MS);
      else resolve(result);
    };
    step();
  });
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
  const input = checkPixels('classify', pixels);
  return withHeap('classify', new Uint8Array(input.buffer),
    (ptr) => engineCall('classify', 'convpad_classify', ['number'], [ptr]));
}

const pad = {
  clear() { engineCall('pad.clear', 'convpad_pad_clear'); },
  // {label, name, probs, empty}
  prediction() { return engineCall('pad.prediction', 'convpad_pad_prediction'); },
  // Float32Array(784): what the network receives from the drawing.
  pixels() { return Float32Array.from(engineCall('pad.pixels', 'convpad_pad_pixels')); },
};

// Rectangles in CSS pixels of the page: the drawing surface (pad) and every panel window.
function layout() {
  const { pad: padRect, windows } = engineCall('layout', 'convpad_layout');
  const canvas = ui.canvas.getBoundingClientRect();
  const toPage = (r) => ({ x: canvas.left + r.x, y: canvas.top + r.y, width: r.width, height: r.height });
  return {
    canvas: { x: canvas.left, y: canvas.top, width: canvas.width, height: canvas.height },
    pad: toPage(padRect),
    windows: windows.map((w) => ({ name: w.name, ...toPage(w) })),
  };
}

// [SECTION] API: training, status, evaluation

const TRAIN_OPTIONS = {
  epochs: 'integer', batchSize: 'integer', learningRate: 'number', arch: 'string', optimizer: 'string',
  dropout: 'number or null', validation: 'integer', patience: 'integer', seed: 'integer',
};

// Types here; ranges in the engine (convpad_train), which knows the data set.
function checkTrainOptions(call, options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConvPadError(call, `options must be an object, got ${describe(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    const kind = TRAIN_OPTIONS[key];
    if (!kind) throw new ConvPadError(call, `unknown option '${key}' (known: ${Object.keys(TRAIN_OPTIONS).join(', ')})`);
    const ok = kind === 'integer' ? Number.isSafeInteger(value)
      : kind === 'string' ? typeof value === 'string'
      : (value === null && kind === 'number or null') || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) throw new ConvPadError(call, `${key} must be ${kind === 'integer' ? 'an integer' : `a ${kind}`}, got ${describe(value)}`);
  }
}

function status() {
  return engineCall('status', 'convpad_status');
}

// What convpad.status() answers before the engine is ready (the data set may already be downloading).
function loadingStatus() {
  return {
    phase: 'loading',
    dataset: { loaded: datasetProgress.loaded, total: datasetProgress.total, ready: false, error: null },
  };
}

// Resolves with the final status when run `runId` ends; rejects if a reset or a newer run replaced it.
function waitForRunEnd(call, runId) {
  return poll(() => {
    const s = status();
    if (s.runId !== runId) throw new ConvPadError(call, 'the run was stopped by reset(), loadModel() or a newer run');
    return s.phase === 'training' || s.phase === 'paused' ? undefined : s;
  });
}

async function train(options = {}) {
  checkTrainOptions('train', options);
  const { runId } = engineCall('train', 'convpad_train', ['string'], [JSON.stringify(options)]);
  return waitForRunEnd('train', runId);
}

async function evaluate() {
  const { runId } = engineCall('evaluate', 'convpad_start_evaluation');
  await poll(() => {
    const s = status();
    if (s.runId !== runId) throw new ConvPadError('evaluate', 'the evaluation was stopped by reset()');
    return s.phase === 'evaluating' ? undefined : s;
  });
  const result = engineCall('evaluate', 'convpad_evaluation');
  if (!result) throw new ConvPadError('evaluate', 'the evaluation did not finish');
  return result;
}

// [SECTION] API: model files

function saveModel() {
  const { ptr, size } = engineCall('saveModel', 'convpad_save_model');
  const bytes = heapU8(convpad.module).slice(ptr, ptr + size);
  convpad.module._free(ptr);
  return bytes;
}

// bytes: Uint8Array, ArrayBuffer, any ArrayBufferView, or a Blob/File. Resolves {arch, params}.
async function loadModel(bytes) {
  requireReady('loadModel');
  let data;
  if (bytes instanceof Blob) data = new Uint8Array(await bytes.arrayBuffer());
  else if (bytes instanceof ArrayBuffer) data = new Uint8Array(bytes);
  else if (ArrayBuffer.isView(bytes)) data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  else throw new ConvPadError('loadModel', `expected a Uint8Array, ArrayBuffer or Blob, got ${describe(bytes)}`);
  if (data.byteLength === 0) throw new ConvPadError('loadModel', 'the model file is empty');
  return withHeap('loadModel', data,
    (ptr) => engineCall('loadModel', 'convpad_load_model', ['number', 'number'], [ptr, data.byteLength]));
}

const DOWNLOAD_NAME = 'convpad-model.cpm';

function downloadModel() {
  requireReady('downloadModel');
  try {
    const bytes = saveModel();
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = DOWNLOAD_NAME;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);   // after the browser has started the download
    notify(`saved ${DOWNLOAD_NAME} (${(bytes.byteLength / 1024).toFixed(0)} KB)`);
  } catch (err) {
    notify(`could not save the model: ${err.reason ?? err.message}`, true);
  }
}

// The file picker's and drag-and-drop's path: the outcome goes to the app's notice line.
async function loadModelFile(file) {
  try {
    const { arch } = await loadModel(file);
    notify(`loaded ${file.name} (${arch})`);
  } catch (err) {
    notify(`could not load ${file.name}: ${err.reason ?? err.message}`, true);
  }
}

// Opens the browser's file dialog (needs a recent user gesture, e.g. the click on "Load model").
function pickModelFile() {
  requireReady('pickModelFile');
  ui.modelFile.value = '';   // choosing the same file again still fires 'change'
  ui.modelFile.click();
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
  convpad.state = 'error';
  convpad.error = err;
  if (convpad.module) ui.errorTitle.textContent = 'ConvPad stopped';
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

// [SECTION] Threads: which build runs, on how many threads

// The URL's threads=N if it is an integer from 1 to MAX_THREADS, else min(cores, DEFAULT_MAX_THREADS).
// {threads, fromUrl, problem}: problem names a bad value (the notice of URL parameters shows it).
export function threadsRequest(search = location.search, cores = navigator.hardwareConcurrency) {
  const fallback = Math.min(Math.max(1, Math.floor(cores) || 1), DEFAULT_MAX_THREADS);
  const params = new URLSearchParams(search);
  if (!params.has('threads')) return { threads: fallback, fromUrl: false, problem: null };
  const text = params.get('threads');
  const n = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (n >= 1 && n <= MAX_THREADS) return { threads: n, fromUrl: true, problem: null };
  return {
    threads: fallback, fromUrl: false,
    problem: `threads=${text}: must be an integer from 1 to ${MAX_THREADS}`,
  };
}

// SharedArrayBuffer, and so the threaded build, exists only on cross-origin isolated pages.
const threadsAvailable = () => self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';

const threadsWanted = threadsRequest();

// [SECTION] Start-up

// While the threaded build starts, an uncaught error means it failed to (e.g. a worker could not load its
// script) and start() falls back to the single-thread build. Once it has failed, later echoes of its
// failure (its other workers, its abort as an unhandled rejection) are only logged: the single-thread
// build reports its own failures through startApp's promise.
let threadedStart = null;   // {fail} while the threaded build starts
let threadedStartFailed = false;

async function start() {
  if (!hasWasmSimd()) throw new Error('This browser does not support WebAssembly SIMD.');
  if (typeof DecompressionStream !== 'function') throw new Error('This browser lacks DecompressionStream (gzip).');

  const progress = new Progress(showProgress);
  const model = fetchBytes(MODEL.url, { ...MODEL, progress });
  model.catch(() => {});   // awaited below, perhaps after a fallback
  const notices = [];
  let app = null;
  if (threadsWanted.threads > 1 && threadsAvailable()) {
    app = await startApp(THREADED_APP, progress, threadsWanted.threads).catch((err) => {
      threadedStartFailed = true;
      console.warn(`ConvPad: the threaded build did not start (${err.message}); using the single-thread build`);
      notices.push({ text: `threads unavailable (${err.message}): running on 1 thread`, isError: false });
      return null;
    });
  } else if (threadsWanted.fromUrl && threadsWanted.threads > 1) {
    notices.push({ text: `threads=${threadsWanted.threads}: this page is not cross-origin isolated `
      + '(served without COOP/COEP headers), so it runs on 1 thread', isError: false });
  }
  app ??= await startApp(SINGLE_THREAD_APP, progress, 1);

  const { module, shellStarted } = app;
  convpad.module = module;
  if (app.threads > 1) engineCall('setThreads', 'convpad_set_threads', ['number'], [app.threads], module);
  pushDatasetProgress();
  const modelNotice = loadPretrainedModel(module, await model);
  const settingsNotice = applyUrlParameters(module);
  await shellStarted;

  convpad.state = 'ready';
  convpad.timings.readyMs = performance.now();
  notices.unshift(modelNotice, settingsNotice);
  const shown = notices.filter((n) => n);
  if (shown.length) notify(shown.map((n) => n.text).join('; '), shown.some((n) => n.isError));
  handDatasetToEngine(datasetDownloads).then(datasetLoaded.resolve, datasetLoaded.reject);
  if (urlAutostart) startWhenDataArrives();
  return module;
}

// Downloads one build (its wasm, and a threaded build's worker script, with progress), loads its script and
// starts it. Resolves with {module, shellStarted, threads} once the runtime has run main(); rejects when any
// of that fails. Later failures are the app's, whatever the build: a shell error (no WebGL 2) or an abort
// goes to showError and rejects shellStarted.
async function startApp(app, progress, threads) {
  const [files] = await Promise.all([fetchAll(app.files, progress), loadScript(app.script)]);
  const createApp = window.createConvPad;   // both builds' scripts define it: take this one's now
  ui.text.textContent = 'Starting…';
  startDatasetDownload();   // while the wasm compiles; handed over once the engine runs

  let shellReady;
  const shellStarted = new Promise((resolve, reject) => { shellReady = { resolve, reject }; });
  shellStarted.catch(() => {});   // awaited by start() once this build is the one that runs
  let started = false;
  let startFailed;
  const failedToStart = new Promise((resolve, reject) => { startFailed = reject; });
  const fail = (err) => { shellReady.reject(err); showError(err); };
  const options = {
    canvas: ui.canvas,
    wasmBinary: files.wasm,             // already fetched with progress: Emscripten must not fetch it again
    print: (text) => console.log(text),
    printErr: (text) => console.warn(text),
    onShellReady: () => shellReady.resolve(),
    onShellError: (message) => fail(new Error(message)),   // no WebGL 2: no other build would help
    // Before the runtime is up, an abort is this build failing to start (e.g. no shared wasm memory).
    onAbort: (what) => (started ? fail : startFailed)(new Error(`The app stopped: ${what}`)),
  };
  if (files.worker) {
    // Workers start from the bytes fetched with progress above, not from a second download.
    const workerUrl = URL.createObjectURL(new Blob([files.worker], { type: 'text/javascript' }));
    options.locateFile = (path, prefix) => (path.endsWith('.worker.js') ? workerUrl : prefix + path);
    options.threadPoolSize = threads - 1;   // -sPTHREAD_POOL_SIZE reads it: workers ready before main
    threadedStart = { fail: startFailed };
  }
  try {
    const module = await Promise.race([createApp(options), failedToStart]);
    started = true;
    return { module, shellStarted, threads };
  } catch (err) {
    try { options.PThread?.terminateAllThreads(); } catch { /* nothing more to stop */ }
    throw err;
  } finally {
    threadedStart = null;
  }
}

// Hands the pretrained model to the engine; returns a notice for the user, or null when all went well.
function loadPretrainedModel(module, bytes) {
  if (!bytes) return { text: `no pretrained model on this site (${MODEL.url}): the network starts untrained`, isError: true };
  const ptr = copyToHeap(module, bytes);
  try {
    const reply = JSON.parse(module.ccall('convpad_load_model', 'string', ['number', 'number'], [ptr, bytes.byteLength]));
    if (reply.error) return { text: `the pretrained model could not be loaded (${reply.error}): the network starts untrained`, isError: true };
    return null;
  } finally {
    module._free(ptr);
  }
}

// [SECTION] Data set in the background

const datasetProgress = new Progress(() => pushDatasetProgress());

function pushDatasetProgress() {
  convpad.module?.ccall('convpad_set_dataset_progress', null, ['number', 'number'],
    [datasetProgress.loaded, datasetProgress.fraction === null ? 0 : datasetProgress.total]);
}

// The four downloads, started once (after the first build's files); each resolves to the gunzipped bytes.
let datasetDownloads = null;
function startDatasetDownload() {
  if (datasetDownloads) return;
  datasetDownloads = DATASET.map((file) => fetchBytes(file.url, { ...file, progress: datasetProgress }));
  datasetDownloads.forEach((d) => d.catch(() => {}));   // failures are reported by handDatasetToEngine
}

// Gives each file to the engine as it arrives (the engine builds the data set when it has all four).
// Resolves once the data set is ready; rejects with the first problem, which the app shows too.
async function handDatasetToEngine(downloads) {
  try {
    await Promise.all(DATASET.map(async (file, i) => {
      const bytes = await downloads[i];
      withHeap('loadDataset', bytes, (ptr) => engineCall('loadDataset', 'convpad_set_data_file',
        ['number', 'number', 'number'], [file.which, ptr, bytes.byteLength]));
    }));
  } catch (err) {
    const reason = err.reason ?? err.message;
    convpad.module.ccall('convpad_set_dataset_error', null, ['string'], [reason]);
    throw new ConvPadError('loadDataset', reason);
  }
  convpad.timings.datasetMs = performance.now();
  return status();
}

// [SECTION] URL parameters: ?arch=...&epochs=3&lr=0.001&autostart=1 prefill the Training panel

const URL_PARAMETERS = {
  arch: ['arch', 'string'],
  epochs: ['epochs', 'integer'],
  batch: ['batchSize', 'integer'],
  batchSize: ['batchSize', 'integer'],
  lr: ['learningRate', 'number'],
  learningRate: ['learningRate', 'number'],
  optimizer: ['optimizer', 'string'],
  dropout: ['dropout', 'number'],
  val: ['validation', 'integer'],
  validation: ['validation', 'integer'],
  patience: ['patience', 'integer'],
  seed: ['seed', 'integer'],
};
let urlAutostart = false;

function parseUrlValue(kind, text) {
  if (kind === 'string') return text;
  if (kind === 'integer') return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
}

// Applies each parameter on its own, so one bad value costs only that setting (its default stays).
// Returns a notice listing the problems, or null.
function applyUrlParameters(module) {
  const problems = [];
  for (const [name, text] of new URLSearchParams(location.search)) {
    if (name === 'threads') {   // chose the build before the engine ran (threadsRequest)
      if (threadsWanted.problem) problems.push(threadsWanted.problem);
      continue;
    }
    if (name === 'autostart') {
      if (text === '1' || text === 'true') urlAutostart = true;
      else if (text !== '0' && text !== 'false') problems.push(`autostart=${text}: use 1 or 0`);
      continue;
    }
    const known = URL_PARAMETERS[name];
    if (!known) {
      problems.push(`unknown parameter '${name}'`);
      continue;
    }
    const [key, kind] = known;
    const value = parseUrlValue(kind, text);
    if (value === undefined) {
      problems.push(`${name}=${text}: not ${kind === 'integer' ? 'an integer' : 'a number'}`);
      continue;
    }
    const reply = JSON.parse(module.ccall('convpad_edit_settings', 'string', ['string'], [JSON.stringify({ [key]: value })]));
    if (reply.error) problems.push(`${name}: ${reply.error}`);
    for (const message of reply.errors ?? []) problems.push(`${name}=${text}: ${message.split('\n')[0]}`);
  }
  if (!problems.length) return null;
  return { text: `URL parameters: ${problems.join('; ')} (defaults kept)`, isError: true };
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
    const file = event.dataTransfer.files[0];
    if (!file) return;
    if (convpad.state !== 'ready') {
      console.warn(`ConvPad: ${file.name} dropped before the app was ready; drop it again`);
      return;
    }
    loadModelFile(file);
  });
  ui.modelFile.addEventListener('change', () => {
    const file = ui.modelFile.files[0];
    if (file) loadModelFile(file);
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
  module: null,
  ready: null,
  datasetReady,
  timings: { readyMs: null, datasetMs: null },   // performance.now() at each milestone
  classify,
  pad,
  layout,
  train,
  pause: () => engineCall('pause', 'convpad_pause'),
  resume: () => engineCall('resume', 'convpad_resume'),
  reset: () => engineCall('reset', 'convpad_reset'),
  status: () => (convpad.state === 'loading' ? loadingStatus() : status()),
  history: () => engineCall('history', 'convpad_history'),
  settings: () => engineCall('settings', 'convpad_settings'),
  evaluate,
  saveModel,
  loadModel,
  downloadModel,
  pickModelFile,
  // The loader's own pieces, for tests and the console.
  fetchBytes,
  fetchAll,
  copyToHeap,
  heapU8,
  threadsRequest,
  Progress,
  ConvPadError,
  DATASET,
  MODEL,
};
window.convpad = convpad;

// Before ready, any uncaught error means the app did not start. After it, one is reported in the
// app's notice line and the app keeps running (only the engine's own abort is fatal, via onAbort).
// Returns whether the error was handled as part of the threaded build's failure to start.
function reportUncaught(err) {
  if (threadedStart) {
    threadedStart.fail(err instanceof Error ? err : new Error(String(err?.message ?? err)));
    return true;
  }
  if (convpad.state === 'ready') {
    console.error('ConvPad:', err);
    notify(String(err?.message ?? err), true);
  } else if (threadedStartFailed && convpad.state === 'loading') {
    console.warn('ConvPad: (after the threaded build failed to start)', err);
    return true;
  } else {
    showError(err);
  }
  return false;
}
// A handled error is not reported again as uncaught on the console (start() has warned about it).
window.addEventListener('error', (event) => {
  if (reportUncaught(event.error || new Error(event.message))) event.preventDefault();
});
window.addEventListener('unhandledrejection', (event) => {
  if (reportUncaught(event.reason)) event.preventDefault();
});
ui.canvas.addEventListener('webglcontextlost', (event) => {
  event.preventDefault();
  showError(new Error('The WebGL context was lost (the GPU was reset or is out of memory). Reload the page.'));
});
setupDropTarget();

convpad.ready = start();
convpad.ready.then(
  () => {
    window.convpadShellReady = true;
    ui.loading.classList.add('done');
    ui.canvas.focus();
  },
  (err) => {
    showError(err);
    datasetLoaded.reject(err);
  },
);
