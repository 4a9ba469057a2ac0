// The engine's Web Worker. The engine module (convpad_engine.js, or convpad_engine_mt.js with its own
// pthreads on cross-origin isolated pages) runs here, never on the page's main thread: the data set
// downloads and lives here, training and evaluation run here in slices, and the page gets what it shows
// as messages (web/worker/engine_api.cpp, src/session/protocol.h).
//
// Page -> worker: {id, call, args}. Worker -> page: {id, result} or {id, error}, and events
// {event: 'update', text, wasmBytes, inUseBytes} (JSON: status and new log entries, after every slice and
// command; the engine's wasm memory and what its allocations hold of it),
// {event: 'snapshot', version, arch, weights, samples} (at most every SNAPSHOT_MS while training),
// {event: 'dataset', name, loaded, total}, {event: 'datasetReady', name, testImages, testLabels},
// {event: 'datasetError', name, message}, {event: 'starting', step} (the threaded build's start-up) and
// {event: 'fatal', message}. The engine keeps one session per
// data set ('fashion', 'digits'); commands and news are the current one's, downloads say whose they are.
'use strict';

importScripts('fetch.js', 'wasm_heap.js');
const { Progress, fetchBytes } = self.convpadFetch;
const {
  heapU8: moduleHeapU8, withHeap: moduleWithHeap, copyOut, callWithHeapText,
} = self.convpadWasmHeap;

const SLICE_MS = 40;          // work between looks at the message queue: a command waits at most this (+ a batch)
const SNAPSHOT_MS = 250;      // weights and sample predictions reach the page at most this old while training
const PROGRESS_MS = 100;      // how often download progress is posted
const MODEL_HEADER_BYTES = 8192;   // more than a model file's header (src/engine/model_file.h: kModelHeaderMaxBytes)

let engine = null;            // the Emscripten module
let lastWarning = '';         // the engine's last line on stderr: often the only word on why a pthread failed
let engineKind = 'worker';    // 'pthreads' when the threaded build runs
let busy = false;
let lastSnapshot = 0;

const post = (message, transfer = []) => self.postMessage(message, transfer);

// [SECTION] Calls into the engine

class EngineError extends Error {}

const heapU8 = () => moduleHeapU8(engine);
const withHeap = (bytes, fn) => moduleWithHeap(engine, bytes, fn);

function engineCall(name, argTypes = [], args = []) {
  const reply = JSON.parse(callWithHeapText(engine, name, 'string', argTypes, args));
  if (reply && typeof reply.error === 'string') throw new EngineError(reply.error);
  return reply;
}

function checkModelHeader(bytes) {
  const head = bytes.subarray(0, Math.min(bytes.byteLength, MODEL_HEADER_BYTES));
  withHeap(head, (ptr) => engineCall('convpad_engine_check_model', ['number', 'number', 'number'], [ptr, head.byteLength, bytes.byteLength]));
}

// [SECTION] Work loop: a slice, the news, then back to the event loop so commands get in

const channel = new MessageChannel();   // a macrotask without setTimeout's 4 ms clamp
let scheduled = false;
channel.port1.onmessage = runSlice;

function schedule() {
  if (scheduled) return;
  scheduled = true;
  channel.port2.postMessage(0);
}

// The session ends a run or evaluation whose work fails (status().failure says why); should the call
// itself fail, the work stops here and the page hears the rest as usual, never as an uncaught error.
function runSlice() {
  scheduled = false;
  if (!busy) return;
  try {
    busy = engineCall('convpad_engine_work', ['number'], [SLICE_MS]).busy;
  } catch (err) {
    busy = false;
    console.warn(`ConvPad engine: work failed: ${err.message}`);
  }
  publish(!busy || performance.now() - lastSnapshot >= SNAPSHOT_MS);
  if (busy) schedule();
}

// Posts the status and new log entries, and with `snapshot` the weights and sample predictions when
// they changed since the last snapshot.
function publish(snapshot) {
  post({
    event: 'update',
    text: engine.ccall('convpad_engine_update', 'string', [], []),
    wasmBytes: heapU8().byteLength,
    inUseBytes: engine.ccall('convpad_engine_memory_in_use', 'number', [], []),
  });
  if (!snapshot) return;
  lastSnapshot = performance.now();
  let snap;
  try {
    snap = engineCall('convpad_engine_snapshot');
  } catch (err) {   // e.g. no memory for the sample predictions: the page keeps the last snapshot
    console.warn(`ConvPad engine: no snapshot: ${err.message}`);
    return;
  }
  if (snap.same) return;
  const { ptr, count } = snap.weights;
  const weights = new Float32Array(heapU8().buffer, ptr, count).slice();
  post({ event: 'snapshot', version: snap.version, arch: snap.arch, samples: snap.samples, weights }, [weights.buffer]);
}

// After a command: the page hears of it at once, and any work it started goes on in slices.
function afterCommand() {
  publish(true);
  busy = true;
  schedule();
}

// [SECTION] Commands

const commands = {
  // script: convpad_engine.js or convpad_engine_mt.js; threads: what the threaded build uses.
  async init({ script, threads }) {
    if (engine) throw new EngineError('the engine is already running');
    importScripts(script);
    const threaded = script.includes('_mt');
    const options = {
      print: (text) => console.log(text),
      printErr: (text) => { lastWarning = text; console.warn(text); },
      onAbort: (what) => post({ event: 'fatal', message: `the engine stopped: ${what}` }),
    };
    if (threaded) {
      options.mainScriptUrlOrBlob = new URL(script, self.location.href).href;   // what its pthreads load
      options.threadPoolSize = threads - 1;   // -sPTHREAD_POOL_SIZE reads it: workers ready before main
    }
    // The module's first, synchronous part makes the pthread pool's workers. Firefox sometimes never
    // returns from a worker's `new Worker`; the page sees no 'poolMade' and starts this worker again.
    if (threaded) post({ event: 'starting', step: 'pool' });
    const created = self.createConvPadEngine(options);
    if (threaded) post({ event: 'starting', step: 'poolMade' });
    engine = await created;
    engineKind = threaded ? 'pthreads' : 'worker';
    const { threads: running } = threaded ? engineCall('convpad_engine_set_threads', ['number'], [threads]) : { threads: 1 };
    afterCommand();
    return { engine: engineKind, threads: running };
  },
  setThreads(n) {
    if (engineKind !== 'pthreads') return { threads: 1 };
    return engineCall('convpad_engine_set_threads', ['number'], [n]);
  },
  // name: 'fashion' | 'digits'. {dataset, fresh}: fresh when that data set's session is new (no model yet).
  selectDataset(name) {
    const result = engineCall('convpad_engine_select_dataset', ['string'], [name]);
    afterCommand();
    return result;
  },
  // A bad file is refused from its first bytes: only those enter the heap (which never shrinks).
  loadModel(bytes) {
    checkModelHeader(bytes);
    const result = withHeap(bytes, (ptr) => engineCall('convpad_engine_load_model', ['number', 'number'], [ptr, bytes.byteLength]));
    afterCommand();
    return result;
  },
  // bytes: a .cpm file; run: JSON text of the run the page kept of it (web/page/store.js).
  restoreRun(bytes, run) {
    checkModelHeader(bytes);
    const result = withHeap(bytes, (ptr) => engineCall('convpad_engine_restore_run', ['number', 'number', 'string'],
      [ptr, bytes.byteLength, run]));
    afterCommand();
    return result;
  },
  saveModel() {
    const { ptr, size } = engineCall('convpad_engine_save_model');
    const bytes = copyOut(engine, ptr, size);
    engine._free(ptr);
    return bytes;
  },
  train(settings) {
    const result = engineCall('convpad_engine_train', ['string'], [JSON.stringify(settings)]);
    afterCommand();
    return result;
  },
  pause() { return this.control('convpad_engine_pause'); },
  resume() { return this.control('convpad_engine_resume'); },
  reset() { return this.control('convpad_engine_reset'); },
  control(name) {
    engineCall(name);
    afterCommand();
    return null;   // the page reads the status from the update posted just before this reply
  },
  evaluate() {
    const result = engineCall('convpad_engine_evaluate');
    afterCommand();
    return result;
  },
  // name: whose files; files: [{name, url}] of gzipped IDX files (name: data_store.h's data_file_by_name). Resolves once the data set is built
  // (progress and the outcome are also posted as events); rejects with the first problem.
  async loadDataset(name, files) {
    let lastPost = 0;
    const progress = new Progress((p) => {
      const now = performance.now();
      if (now - lastPost < PROGRESS_MS && p.fraction !== 1) return;
      lastPost = now;
      post({ event: 'dataset', name, loaded: p.loaded, total: p.fraction === null ? 0 : p.total });
    });
    try {
      const downloads = files.map((file) => fetchBytes(file.url, { gunzip: true, progress }));
      downloads.forEach((d) => d.catch(() => {}));
      const bytes = [];
      await Promise.all(files.map(async (file, i) => {
        bytes[i] = await downloads[i];
        withHeap(bytes[i], (ptr) => engineCall('convpad_engine_set_data_file', ['string', 'string', 'number', 'number'],
          [name, file.name, ptr, bytes[i].byteLength]));
      }));
      afterCommand();
      // The UI shows test images (sample grid, evaluation): it gets its own copy of the test files.
      const testImages = bytes[files.findIndex((f) => f.name === 'test-images')];
      const testLabels = bytes[files.findIndex((f) => f.name === 'test-labels')];
      post({ event: 'datasetReady', name, testImages, testLabels }, [testImages.buffer, testLabels.buffer]);
      return { ready: true };
    } catch (err) {
      post({ event: 'datasetError', name, message: err.message });
      throw err;
    }
  },
};

// An error nothing caught (e.g. a pthread's script that does not load, which Emscripten rethrows as an
// ErrorEvent without a message): the page hears why, as a fatal event.
self.addEventListener('error', (event) => {
  event.preventDefault();
  const message = event.error instanceof Error ? event.error.message : event.message;
  const useless = !message || /\[object \w*Event\]/.test(message);
  post({ event: 'fatal', message: useless ? (lastWarning || 'a worker of the engine failed') : message });
});

self.onmessage = async ({ data }) => {
  const { id, call, args = [] } = data ?? {};
  try {
    const command = Object.hasOwn(commands, call) && call !== 'control' ? commands[call] : null;
    if (!command) throw new EngineError(`unknown command '${call}'`);
    if (!engine && call !== 'init') throw new EngineError('the engine has not started');
    const result = await command.apply(commands, args);
    post({ id, result }, result instanceof Uint8Array ? [result.buffer] : []);
  } catch (err) {
    post({ id, error: err.message ?? String(err) });
  }
};
