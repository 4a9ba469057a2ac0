// Offline use: registers the site's service worker (web/sw.js; the build writes it with the site's file
// list). After one visit the app, its models and the data it downloaded work without a network.
//
// The page's part in updates (sw.js, "Updates"): a page runs one build from start to end, so if its
// controller changes it reloads into the new one. A page that starts while a new build waits asks the old
// one to switch; when this page is the app's only one, it reloads at once, before it has done anything
// worth keeping, and the switching page it gets hands over to the new build. On the first visit nothing is
// controlled, so once the data set is in (and when the page is hidden, e.g. after switching data sets) the
// worker is asked to keep the data the page downloaded.
// Any problem is a console warning: the page never depends on any of this.

const SWITCHED_AT = 'convpad-offline-switched-at';   // sessionStorage: when this tab last asked for a switch
const SWITCH_GAP_MS = 15_000;   // at most one switch per gap in a tab, should one fail (no reload loops)

export function registerOffline() {
  const warn = (err) => console.warn(`ConvPad: no offline copy (${err?.message ?? err})`);
  try {
    if (!('serviceWorker' in navigator) || !['http:', 'https:'].includes(location.protocol)) return;
    const workers = navigator.serviceWorker;
    if (workers.controller) workers.addEventListener('controllerchange', () => location.reload());
    workers.addEventListener('message', ({ data }) => {
      if (data?.type === 'convpad-offline-problem') console.warn(`ConvPad: ${data.message}`);
    });
    // Relative: the scope is the app's folder, wherever the site is published.
    workers.register('sw.js').then(afterRegistration).catch(warn);
  } catch (err) {   // e.g. a sandboxed frame, where touching navigator.serviceWorker throws
    warn(err);
  }
}

function afterRegistration(registration) {
  const controller = navigator.serviceWorker.controller;
  if (!controller) {
    keepDataOfThisVisit();
  } else if (registration.waiting && !switchedRecently()) {
    switchOnReload(controller);
  }
}

// A new build waits: if this page is the app's only one, the old build answers its reload with the
// switching page.
function switchOnReload(controller) {
  const reply = new MessageChannel();
  reply.port1.onmessage = ({ data }) => {
    if (!data?.switching) return;
    try {
      sessionStorage.setItem(SWITCHED_AT, String(Date.now()));
    } catch {
      return;   // without storage the gap cannot hold: no switch (the new build waits for the tabs to close)
    }
    location.reload();
  };
  controller.postMessage({ type: 'convpad-switch-on-reload' }, [reply.port2]);
}

function switchedRecently() {
  try {
    return Date.now() - Number(sessionStorage.getItem(SWITCHED_AT)) < SWITCH_GAP_MS;
  } catch {
    return true;
  }
}

// This page's downloads did not go through the worker (the first visit): it copies them from the HTTP cache.
function keepDataOfThisVisit() {
  const keepData = () => navigator.serviceWorker.ready
    .then((ready) => ready.active?.postMessage({ type: 'convpad-keep-data' }))
    .catch(() => {});
  window.convpad?.datasetReady?.then(keepData, () => {});
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') keepData();
  });
}
