// ConvPad's service worker: after one visit the app, its models and the data it downloaded work offline,
// and a new build replaces the old one whole: a page never gets one build's JS with another's wasm.
//
// This file in web/ is a template. web/service_worker.cmake writes the site's sw.js from it with the
// build's file list (sha256sum lines: every top-level file of the site but this one and the benchmark page,
// and every *.gz data file) and a version (a hash of that list and of this template). Any changed file
// makes a new sw.js, which the browser installs beside the running one.
//
// Caches (their names carry the scope, so two copies of ConvPad on one host keep apart):
//   app   one per version: every listed file but the data, fetched past the HTTP cache and checked against
//         its hash when the version installs (the threaded engine only when this worker is cross-origin
//         isolated like its pages; otherwise when an isolated page asks for it or says it runs it, checked
//         the same way). A page gets only its version's files; a file that is not that version's is
//         refused, never mixed in.
//   data  the *.gz data sets (tens of MB that rarely change) and the trained models a page loads only when
//         asked (*-best.cpm, convpad.loadPretrained('best')), kept across versions, each entry keyed by
//         the file's hash: checked as it is first downloaded (a file that is not this build's ends in a
//         download error, never reaches the page whole) and cached, fetched again only when its hash
//         changes. A version's activation drops the entries its list no longer names.
//
// Updates: a page runs one version from start to end. A new version installs while the old one serves,
// then waits, and takes over once no page of the app is open (the browser's own lifecycle: no
// skipWaiting, so no page is ever served by two versions). The activation deletes the other versions'
// app caches. No clients.claim(): the first visit runs from the network to its end; the data it
// downloaded is then copied from the browser's HTTP cache without touching the network (offline.js asks).
'use strict';

const SITE_VERSION = '@CONVPAD_SITE_VERSION@';
const SITE_FILES = `
@CONVPAD_SITE_FILES@
`;
const BUILT = /^[0-9a-f]{16}$/.test(SITE_VERSION);   // false in the template: it then caches nothing

// path relative to the scope -> SHA-256 (hex)
const FILES = new Map(SITE_FILES.split('\n').map((line) => line.match(/^([0-9a-f]{64}) {2}(\S+)$/))
  .filter(Boolean).map(([, hash, path]) => [path, hash]));
const isData = (path) => path.endsWith('.gz') || path.endsWith('-best.cpm');   // the data cache's: on demand
const isThreaded = (path) => /_mt\./.test(path);   // convpad_engine_mt.*: only cross-origin isolated pages load it

const SCOPE = self.registration.scope;   // the app's folder, e.g. https://example.edu/courses/cnn/convpad/
const APP_CACHE_PREFIX = `convpad app ${SCOPE} `;
const APP_CACHE = APP_CACHE_PREFIX + SITE_VERSION;
const DATA_CACHE = `convpad data ${SCOPE}`;

const siteUrl = (path) => new URL(path, SCOPE).href;
const dataKey = (path) => `${siteUrl(path)}?sha256=${FILES.get(path)}`;

// The path of a URL inside the scope (its query ignored), or null outside it.
function sitePath(url) {
  const { origin, pathname } = new URL(url);
  const scope = new URL(SCOPE);
  if (origin !== scope.origin || !pathname.startsWith(scope.pathname)) return null;
  return pathname.slice(scope.pathname.length);
}

// [SECTION] Install: this version's app files, all checked, or no install at all

self.addEventListener('install', (event) => {
  event.waitUntil(precache().catch(async (err) => {
    await tellPages(`offline copy of this ConvPad build not installed: ${err.message}`);
    throw err;   // the install fails; the browser tries again on a later visit
  }));
});

async function precache() {
  if (!BUILT) throw new Error('this sw.js is the template in web/, not one written for a built site');
  const cache = await caches.open(APP_CACHE);
  const paths = [...FILES.keys()].filter((path) => !isData(path) && (self.crossOriginIsolated || !isThreaded(path)));
  await Promise.all(paths.map(async (path) => {
    if (await cache.match(siteUrl(path))) return;   // kept by an earlier, interrupted install of this version
    await cache.put(siteUrl(path), await fetchOfThisBuild(path));
  }));
}

// The file as this build made it, or an Error: fetched past the HTTP cache's possibly stale copy, and
// refused unless its SHA-256 is the list's (a host half-way through an upload, or one that rewrites files).
async function fetchOfThisBuild(path) {
  const response = await fetch(siteUrl(path), { cache: 'no-cache' });
  if (!cacheable(response)) throw new Error(`${path}: HTTP ${response.status}`);
  const bytes = await response.arrayBuffer();
  if (await sha256(bytes) !== FILES.get(path)) {
    throw new Error(`${path} on the server is not this build's (still being uploaded, or changed by the host)`);
  }
  return withBytes(response, bytes);
}

// Whole, same-origin, successful: never a partial (206), opaque or error response.
const cacheable = (response) => response.status === 200 && response.type === 'basic';

// A response with the headers the server sent (COOP/COEP/CORP, Content-Type …) around bytes already read.
// Content-Length is the bytes' (fetch.js shows progress with it); an encoding was undone by fetch.
function withBytes(response, bytes) {
  const headers = new Headers(response.headers);
  for (const name of ['content-encoding', 'content-length', 'vary']) headers.delete(name);
  headers.set('content-length', String(bytes.byteLength));
  return new Response(bytes, { status: 200, statusText: response.statusText, headers });
}

async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Tells the app's open pages (web/page/offline.js writes it to the console).
async function tellPages(message) {
  for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
    if (client.url.startsWith(SCOPE)) client.postMessage({ type: 'convpad-offline-problem', message });
  }
}

// [SECTION] Activate: the other versions' app caches and the data no longer listed go

self.addEventListener('activate', (event) => event.waitUntil(dropWhatOthersKept()));

async function dropWhatOthersKept() {
  for (const name of await caches.keys()) {
    if (name.startsWith(APP_CACHE_PREFIX) && name !== APP_CACHE) await caches.delete(name);
  }
  const data = await caches.open(DATA_CACHE);
  const listed = new Set([...FILES.keys()].filter(isData).map(dataKey));
  for (const request of await data.keys()) {
    if (!listed.has(request.url)) await data.delete(request);
  }
}

// [SECTION] Fetch: listed files from the caches; anything else as if there were no service worker

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (!BUILT || request.method !== 'GET' || request.headers.has('range')) return;
  let path = sitePath(request.url);
  if (request.mode === 'navigate' && path === '') path = 'index.html';   // the folder's own URL
  if (!FILES.has(path)) return;   // outside the scope, the benchmark page, a file newer than this build
  event.respondWith(isData(path) ? dataResponse(event, path) : appResponse(path));
});

async function appResponse(path) {
  const cache = await caches.open(APP_CACHE);
  const cached = await cache.match(siteUrl(path));
  if (cached) return cached;
  // Not precached: the threaded engine of a site whose worker is not isolated. Rejected (a network
  // error for the page) when offline or when the server already has another build's file.
  const response = await fetchOfThisBuild(path);
  await cache.put(siteUrl(path), response.clone());
  return response;
}

async function dataResponse(event, path) {
  const cache = await caches.open(DATA_CACHE);
  const cached = await cache.match(dataKey(path));
  if (cached) return cached;
  const response = await fetch(event.request);
  if (!cacheable(response) || !response.body) return response;
  // The page gets the bytes as they arrive (its progress bar), but the body ends in an error instead of
  // its last bytes unless the whole file is the one this build lists (a server half-way through an
  // update may already have the next build's); a checked file is kept.
  const chunks = [];
  let size = 0;
  let settle;
  event.waitUntil(new Promise((resolve) => { settle = resolve; }));
  const checked = new TransformStream({
    transform(chunk, controller) {
      chunks.push(chunk);
      size += chunk.byteLength;
      controller.enqueue(chunk);
    },
    async flush(controller) {
      const bytes = joined(chunks, size);
      if (await sha256(bytes) !== FILES.get(path)) {
        const message = `${path} on the server is not this build's (still being uploaded, or changed by the host)`;
        await tellPages(message);
        controller.error(new Error(message));
        return;
      }
      await cache.put(dataKey(path), withBytes(response, bytes)).catch(() => {});   // a full quota keeps nothing
    },
  });
  response.body.pipeTo(checked.writable).catch(() => {}).finally(() => settle());
  return new Response(checked.readable, { status: 200, statusText: response.statusText, headers: response.headers });
}

function joined(chunks, size) {
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes.buffer;
}

// Keeps a data file if it is the one the list names (else the next build's list will).
async function keepData(cache, path, response) {
  const bytes = await response.arrayBuffer();
  if (await sha256(bytes) === FILES.get(path)) await cache.put(dataKey(path), withBytes(response, bytes));
}

// A URL no cache holds, asked for only-if-cached: a browser that honours it answers with an error.
async function honoursOnlyIfCached() {
  const probe = `${siteUrl('sw.js')}?only-if-cached-probe=${Date.now()}`;
  const response = await fetch(probe, { cache: 'only-if-cached', mode: 'same-origin' }).catch(() => null);
  return !response?.ok;
}

// [SECTION] Messages from web/page/offline.js

self.addEventListener('message', (event) => {
  const { type, threaded } = event.data ?? {};
  if (type !== 'convpad-keep-data') return;
  event.waitUntil(Promise.all([keepDataFromHttpCache(), threaded === true ? keepThreadedEngine() : null])
    .catch((err) => tellPages(`offline copy incomplete: ${err.message}`)));
});

// A first visit's page ran the threaded engine, but this worker is not isolated (Firefox's service workers
// never are), so the install left that engine out: it is kept now, checked like the rest, so that an
// offline reload still runs it.
async function keepThreadedEngine() {
  if (!BUILT) return;
  const cache = await caches.open(APP_CACHE);
  for (const path of [...FILES.keys()].filter(isThreaded)) {
    if (!await cache.match(siteUrl(path))) await cache.put(siteUrl(path), await fetchOfThisBuild(path));
  }
}

// The first visit ran without this worker: the data it downloaded is copied from the browser's HTTP cache
// (only-if-cached: never the network), so that visit's data works offline too. One file at a time: tens of MB.
// A browser that goes to the network anyway (WebKitGTK 2.50 did, and downloaded every data set of the
// site) copies nothing: the next visit's downloads go through this worker and are kept then.
async function keepDataFromHttpCache() {
  if (!BUILT || !await honoursOnlyIfCached()) return;
  const cache = await caches.open(DATA_CACHE);
  for (const path of [...FILES.keys()].filter(isData)) {
    if (await cache.match(dataKey(path))) continue;
    const response = await fetch(siteUrl(path), { cache: 'only-if-cached', mode: 'same-origin' }).catch(() => null);
    if (response && cacheable(response)) await keepData(cache, path, response);
  }
}
