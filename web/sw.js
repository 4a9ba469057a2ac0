// ConvPad's service worker: after one visit the app, its models and the data it downloaded work offline,
// and a new build replaces the old one whole: a page never gets one build's JS with another's wasm.
//
// This file in web/ is a template. tools/service_worker.cmake writes the site's sw.js from it with the
// build's file list (sha256sum lines: every top-level file of the site but this one and the benchmark page,
// and every *.gz data file) and a version (a hash of that list and of this template). Any changed file
// makes a new sw.js, which the browser installs beside the running one.
//
// Caches (their names carry the scope, so two copies of ConvPad on one host keep apart):
//   app   one per version: every listed file but the data, fetched past the HTTP cache and checked against
//         its hash when the version installs (the threaded engine only when this worker is cross-origin
//         isolated like its pages; otherwise when first asked for, checked the same way). A page gets
//         only its version's files; a file that is not that version's is refused, never mixed in.
//   data  the *.gz data sets (tens of MB that rarely change), kept across versions, each entry keyed by
//         the file's hash: cached as it is first downloaded (checked), fetched again only when its hash
//         changes. A version's activation drops the entries its list no longer names.
//
// Updates: a page runs one version from start to end. A new version installs while the old one serves,
// then waits. It takes over when no page of the app is open, or sooner through a switching page, so that
// no page is loading while versions change hands: a page that starts while a new version waits and is the
// app's only page asks (web/offline.js), then reloads; the old version answers that reload with a blank
// switching page, and once the old page is gone, the switching page has the new version take over and
// reloads into it. The activation deletes the other versions' app caches. No clients.claim(): the first
// visit runs from the network to its end; the data it downloaded is then copied from the browser's HTTP
// cache without touching the network (offline.js asks).
'use strict';

const SITE_VERSION = '@CONVPAD_SITE_VERSION@';
const SITE_FILES = `
@CONVPAD_SITE_FILES@
`;
const BUILT = /^[0-9a-f]{16}$/.test(SITE_VERSION);   // false in the template: it then caches nothing

// path relative to the scope -> SHA-256 (hex)
const FILES = new Map(SITE_FILES.split('\n').map((line) => line.match(/^([0-9a-f]{64}) {2}(\S+)$/))
  .filter(Boolean).map(([, hash, path]) => [path, hash]));
const isData = (path) => path.endsWith('.gz');
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

// Tells the app's open pages (web/offline.js writes it to the console).
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
  await caches.delete(SWITCH_CACHE);   // the switch to this version, if one was asked for, is done
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
  if (request.mode === 'navigate') event.respondWith(pageResponse(path));
  else event.respondWith(isData(path) ? dataResponse(event, path) : appResponse(path));
});

async function pageResponse(path) {
  return await switchRequested() ? switchingPage() : appResponse(path);
}

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
  const response = await fetch(event.request);   // streams to the page (its progress bar) while a copy is kept
  if (cacheable(response)) event.waitUntil(keepData(cache, path, response.clone()));
  return response;
}

// Keeps a data file if it is the one the list names (else the next build's list will).
async function keepData(cache, path, response) {
  const bytes = await response.arrayBuffer();
  if (await sha256(bytes) === FILES.get(path)) await cache.put(dataKey(path), withBytes(response, bytes));
}

// [SECTION] Messages from web/offline.js

self.addEventListener('message', (event) => {
  const { type } = event.data ?? {};
  if (type === 'convpad-keep-data') event.waitUntil(keepDataFromHttpCache());
  if (type === 'convpad-switch-on-reload') event.waitUntil(switchOnReload(event.source, event.ports[0]));
  if (type === 'convpad-switch-cancel') event.waitUntil(caches.delete(SWITCH_CACHE));
  if (type === 'convpad-activate-if-alone') event.waitUntil(activateIfAlone(event.source, event.ports[0]));
});

// The first visit ran without this worker: the data it downloaded is copied from the browser's HTTP cache
// (only-if-cached: never the network), so that visit's data works offline too. One file at a time: tens of MB.
async function keepDataFromHttpCache() {
  if (!BUILT) return;
  const cache = await caches.open(DATA_CACHE);
  for (const path of [...FILES.keys()].filter(isData)) {
    if (await cache.match(dataKey(path))) continue;
    const response = await fetch(siteUrl(path), { cache: 'only-if-cached', mode: 'same-origin' }).catch(() => null);
    if (response && cacheable(response)) await keepData(cache, path, response);
  }
}

// [SECTION] Updates: the switch to a waiting version, between pages

// When the app's only page asked for the switch (a cache entry, not a variable: this worker may be stopped
// and started again in between). Cleared by a refusal, or by the activation of the new version.
const SWITCH_CACHE = `convpad switch ${SCOPE}`;
const SWITCH_KEY = `${SCOPE}?switch-requested-at`;
const SWITCH_WINDOW_MS = 10_000;   // from a page's request to the new version's activation

async function switchRequested() {
  if (!self.registration.waiting) return false;
  const entry = await (await caches.open(SWITCH_CACHE)).match(SWITCH_KEY);
  return Boolean(entry) && Date.now() - Number(await entry.text()) < SWITCH_WINDOW_MS;
}

// To the active (old) version, from a page that has just started while a new version waits. Yes when that
// page is the app's only one: its reload then gets the switching page.
async function switchOnReload(source, port) {
  const yes = BUILT && Boolean(self.registration.waiting) && Boolean(source) && await onlyPage(source.id);
  if (yes) await (await caches.open(SWITCH_CACHE)).put(SWITCH_KEY, new Response(String(Date.now())));
  port?.postMessage({ switching: yes });
}

// Loads nothing, so no page is loading while the versions change hands. Once the page it replaced is gone
// it asks the waiting version to take over, then reloads: leaving nudges Chrome to complete the activation
// (waiting for controllerchange instead can take long: the old version must be idle first). While the new
// version still waits, the old one answers each reload with this page again; a refusal (another page of
// the app has opened meanwhile) ends the switch, and the app runs on this version.
function switchingPage() {
  const html = `<!doctype html>
<meta charset="utf-8"><title>ConvPad</title><link rel="icon" href="favicon.svg"><body style="background:#17191e">
<script>
const workers = navigator.serviceWorker;
setTimeout(() => location.reload(), 10000);
workers.getRegistration().then((registration) => {
  if (!registration?.waiting) return setTimeout(() => location.reload(), 200);   // activating
  const reply = new MessageChannel();
  reply.port1.onmessage = ({ data }) => {
    if (!data?.activating) workers.controller?.postMessage({ type: 'convpad-switch-cancel' });
    location.reload();
  };
  registration.waiting.postMessage({ type: 'convpad-activate-if-alone' }, [reply.port2]);
});
</script>
`;
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}

// To this version while it waits, from the switching page: when that is the app's only page, this version
// takes over (nothing runs the old build's files any more). The reply says whether it does.
async function activateIfAlone(source, port) {
  const alone = BUILT && Boolean(source) && await onlyPage(source.id);
  const skipping = alone ? self.skipWaiting() : null;   // resolves only once activated: not awaited before the reply
  port?.postMessage({ activating: alone });
  await skipping;
}

// Whether the page `id` is the only one of the app. The page it replaced (a reload) may still be listed
// for a moment after the new one starts: asked again a few times before the answer is no.
async function onlyPage(id) {
  for (let attempt = 0; attempt < 10; ++attempt) {
    const pages = (await self.clients.matchAll({ type: 'window', includeUncontrolled: true }))
      .filter((client) => client.url.startsWith(SCOPE));
    if (pages.length === 1 && pages[0].id === id) return true;
    if (!pages.some((client) => client.id === id)) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
