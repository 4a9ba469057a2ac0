// Downloads with progress, for the page (web/page/boot.js and its modules) and the engine worker (web/worker/engine_worker.js).
// A plain script without import or export, so it runs both as a module (`import './fetch.js'`) and in
// a classic worker (`importScripts('fetch.js')`); it defines self.convpadFetch.
(function (root) {
'use strict';

// [SECTION] Progress over several downloads

// Sums bytes over concurrent downloads so one bar covers them all. A download's total comes
// from Content-Length (compressed bytes for .gz files, which is what crosses the network).
class Progress {
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

// A download that failed; `kind` says how: 'network', 'http', 'size', 'stalled' or 'read'.
class FetchError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

// Fetches url into a Uint8Array, reporting bytes to `progress` (a Progress) as they arrive.
//   gunzip: decompress a .gz body with the browser's DecompressionStream
//   optional: resolve to null on HTTP 404 instead of failing
//   expectedBytes: size to show when the server sends no Content-Length
//   maxBytes: refuse a body larger than this (by its Content-Length before reading, else as it arrives)
//   stallMs: give up when no byte arrives for this long (0: wait as long as the browser does)
//   credentials: fetch's credentials mode ('omit' sends no cookies)
async function fetchBytes(url, {
  progress = null, gunzip = false, optional = false, expectedBytes = 0, maxBytes = Infinity, stallMs = 0,
  credentials = 'same-origin',
} = {}) {
  const entry = progress ? progress.add(url, expectedBytes) : null;
  const abort = new AbortController();
  let stalled = false;
  let timer = null;
  const watch = () => {
    if (!stallMs) return;
    clearTimeout(timer);
    timer = setTimeout(() => { stalled = true; abort.abort(); }, stallMs);
  };
  const fail = (kind, message) => {
    clearTimeout(timer);
    entry?.finish();   // a failed download must not hold the bar back (a fallback may follow)
    return new FetchError(stalled ? 'stalled' : kind, stalled ? `${url}: no data for ${stallMs / 1000} s` : message);
  };
  watch();
  let response;
  try {
    response = await fetch(url, { signal: abort.signal, credentials });
  } catch (err) {
    throw fail('network', `${url}: network error (${err.message})`);
  }
  if (optional && response.status === 404) {
    clearTimeout(timer);
    entry?.finish();
    return null;
  }
  if (!response.ok) throw fail('http', `${url}: HTTP ${response.status} ${response.statusText}`);
  const length = Number(response.headers.get('Content-Length'));
  if (length > maxBytes) {
    abort.abort();
    throw fail('size', `${url}: ${length} bytes, more than the ${maxBytes} allowed`);
  }
  if (length > 0) entry?.setTotal(length);

  let received = 0;
  let stream = response.body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      received += chunk.byteLength;
      if (received > maxBytes) {
        abort.abort();
        controller.error(new FetchError('size', `${url}: more than the ${maxBytes} bytes allowed`));
        return;
      }
      watch();
      entry?.advance(chunk.byteLength);
      controller.enqueue(chunk);
    },
  }));
  if (gunzip) stream = stream.pipeThrough(new DecompressionStream('gzip'));
  let bytes;
  try {
    bytes = await readAll(stream);
  } catch (err) {
    if (err instanceof FetchError) throw fail(err.kind, err.message);
    throw fail('read', `${url}: ${gunzip ? 'download or gunzip' : 'download'} failed (${err.message})`);
  }
  clearTimeout(timer);
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
async function fetchAll(files, progress) {
  const results = await Promise.all(files.map((f) => fetchBytes(f.url, { ...f, progress })));
  return Object.fromEntries(files.map((f, i) => [f.name, results[i]]));
}

root.convpadFetch = { Progress, FetchError, fetchBytes, fetchAll };
})(self);
