// Offline use: registers the site's service worker (web/page/sw.js; the build writes it with the site's file
// list). After one visit the app, its models and the data it downloaded work without a network.
//
// A new build takes over once no page of the app is open (sw.js, "Updates"). On the first visit nothing is
// controlled, so once the data set is in (and when the page is hidden, e.g. after switching data sets) the
// worker is asked to keep the data the page downloaded.
// Any problem is a console warning: the page never depends on any of this.

export function registerOffline() {
  const warn = (err) => console.warn(`ConvPad: no offline copy (${err?.message ?? err})`);
  try {
    if (!('serviceWorker' in navigator) || !['http:', 'https:'].includes(location.protocol)) return;
    const workers = navigator.serviceWorker;
    workers.addEventListener('message', ({ data }) => {
      if (data?.type === 'convpad-offline-problem') console.warn(`ConvPad: ${data.message}`);
    });
    // Relative: the scope is the app's folder, wherever the site is published.
    workers.register('sw.js').then(afterRegistration).catch(warn);
  } catch (err) {   // e.g. a sandboxed frame, where touching navigator.serviceWorker throws
    warn(err);
  }
}

function afterRegistration() {
  if (!navigator.serviceWorker.controller) keepDataOfThisVisit();
}

// This page's downloads did not go through the worker (the first visit): it copies them from the HTTP cache,
// and the threaded engine too where this page can run it (the worker may not be isolated when the page is).
function keepDataOfThisVisit() {
  const keepData = () => navigator.serviceWorker.ready
    .then((ready) => ready.active?.postMessage({ type: 'convpad-keep-data', threaded: self.crossOriginIsolated === true }))
    .catch(() => {});
  window.convpad?.datasetReady?.then(keepData, () => {});
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') keepData();
  });
}
