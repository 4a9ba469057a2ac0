// ConvPad page loader: downloads the app's files behind one progress bar, starts the Emscripten
// module (convpad_web.js, built with -sMODULARIZE -sEXPORT_NAME=createConvPad) and shows any
// failure in the page instead of leaving a blank canvas.
//
// window.convpad exposes the loader to the page, the tests and the browser console:
//   state       'loading' | 'ready' | 'error'
//   ready       Promise of the Emscripten Module, resolved once the shell has drawn its first frames
//   module      the Module (after ready): Module.ccall('convpad_frame_count', 'number', [], [])
//   fetchBytes  fetch a URL into a Uint8Array with progress, optionally gunzipping it
//   DATASET, MODEL  the Fashion-MNIST and model files the site carries (not fetched yet)

const APP_SCRIPT = 'convpad_web.js';

// Downloaded before the app starts; files[name] receives each one's bytes.
// To load the model or the data set at start-up, append MODEL or DATASET entries here, then hand
// their bytes to the wasm (see copyToHeap).
const STARTUP_FILES = [
  { name: 'wasm', url: 'convpad_web.wasm' },
];

// Fashion-MNIST as served by the site (copied by tools/web.cmake); gunzipped in the browser.
export const DATASET = [
  { name: 'train-images', url: 'train-images-idx3-ubyte.gz', gunzip: true },
  { name: 'train-labels', url: 'train-labels-idx1-ubyte.gz', gunzip: true },
  { name: 'test-images', url: 't10k-images-idx3-ubyte.gz', gunzip: true },
  { name: 'test-labels', url: 't10k-labels-idx1-ubyte.gz', gunzip: true },
];
// Present only once assets/fashion-cnn.cpm exists; optional files resolve to null on HTTP 404.
export const MODEL = { name: 'model', url: 'fashion-cnn.cpm', optional: true };

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
    throw new Error(`${url}: network error (${err.message})`);
  }
  if (optional && response.status === 404) {
    entry?.finish();
    return null;
  }
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
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

// Copies bytes into the wasm heap; the caller passes the pointer to a C function and frees it
// with Module._free. (Read Module.HEAPU8 afresh after any call into C: memory growth replaces it.)
export function copyToHeap(module, bytes) {
  const ptr = module._malloc(bytes.byteLength);
  if (!ptr) throw new Error(`out of wasm memory for ${bytes.byteLength} bytes`);
  module.HEAPU8.set(bytes, ptr);
  return ptr;
}

// [SECTION] Page

const ui = {
  loading: document.getElementById('loading'),
  fill: document.getElementById('progress-fill'),
  text: document.getElementById('progress-text'),
  error: document.getElementById('error'),
  errorText: document.getElementById('error-text'),
  canvas: document.getElementById('canvas'),
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

async function start() {
  if (!hasWasmSimd()) throw new Error('This browser does not support WebAssembly SIMD.');
  if (typeof DecompressionStream !== 'function') throw new Error('This browser lacks DecompressionStream (gzip).');

  const progress = new Progress(showProgress);
  const [files] = await Promise.all([fetchAll(STARTUP_FILES, progress), loadScript(APP_SCRIPT)]);
  ui.text.textContent = 'Starting…';

  let shellReady;
  const shellStarted = new Promise((resolve, reject) => { shellReady = { resolve, reject }; });
  const fail = (err) => { shellReady.reject(err); showError(err); };
  const module = await createConvPad({  // eslint-disable-line no-undef -- defined by APP_SCRIPT
    canvas: ui.canvas,
    wasmBinary: files.wasm,             // already fetched with progress: Emscripten must not fetch it again
    print: (text) => console.log(text),
    printErr: (text) => console.warn(text),
    onShellReady: () => shellReady.resolve(),
    // Before ready these reject start(); after it they still reach the error area.
    onShellError: (message) => fail(new Error(message)),
    onAbort: (what) => fail(new Error(`The app stopped: ${what}`)),
  });
  await shellStarted;
  convpad.module = module;
  return module;
}

// Declared before anything can fail, so showError can record its state.
const convpad = {
  state: 'loading',
  error: null,
  module: null,
  ready: null,
  fetchBytes,
  fetchAll,
  copyToHeap,
  Progress,
  DATASET,
  MODEL,
};
window.convpad = convpad;

window.addEventListener('error', (event) => showError(event.error || new Error(event.message)));
window.addEventListener('unhandledrejection', (event) => showError(event.reason));
ui.canvas.addEventListener('webglcontextlost', (event) => {
  event.preventDefault();
  showError(new Error('The WebGL context was lost (the GPU was reset or is out of memory). Reload the page.'));
});

convpad.ready = start();
convpad.ready.then(
  () => {
    convpad.state = 'ready';
    window.convpadShellReady = true;
    ui.loading.classList.add('done');
    ui.canvas.focus();
  },
  showError,
);
