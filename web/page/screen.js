// The page's own elements around the canvas: the loading screen with its progress bar, the fatal error
// screen, and the elements other modules fill (dialogs, the file input, the live regions).
import { convpad } from './calls.js';
import { emit } from './events.js';

export const ui = {
  loading: document.getElementById('loading'),
  fill: document.getElementById('progress-fill'),
  text: document.getElementById('progress-text'),
  error: document.getElementById('error'),
  errorTitle: document.getElementById('error-title'),
  errorText: document.getElementById('error-text'),
  canvas: document.getElementById('canvas'),
  modelFile: document.getElementById('model-file'),
  dropHint: document.getElementById('drop-hint'),
  urlProblems: document.getElementById('url-problems'),
  urlProblemsList: document.getElementById('url-problems-list'),
  share: document.getElementById('share'),
  shareUrl: document.getElementById('share-url'),
  shareIframe: document.getElementById('share-iframe'),
  shareCopied: document.getElementById('share-copied'),
  errorSave: document.getElementById('error-save'),
  errorSaveButton: document.getElementById('error-save-button'),
  errorSaveNote: document.getElementById('error-save-note'),
  keptRun: document.getElementById('kept-run'),
  keptRunText: document.getElementById('kept-run-text'),
  keptRunRestore: document.getElementById('kept-run-restore'),
  keptRunDismiss: document.getElementById('kept-run-dismiss'),
  confirm: document.getElementById('confirm'),
  confirmText: document.getElementById('confirm-text'),
  confirmCancel: document.getElementById('confirm-cancel'),
  livePrediction: document.getElementById('live-prediction'),
  liveTraining: document.getElementById('live-training'),
};

const megabytes = (n) => `${(n / 1e6).toFixed(1)} MB`;

// The loading screen's bar, from fetch.js's Progress.
export function showProgress(progress) {
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

// What the error screen's "Save the last model" button saves once a running app has stopped: a function
// that saves it (boot.js), or null.
let lastModelSaver = null;
export const offerLastModel = (save) => { lastModelSaver = save; };

// The app did not start, or stopped: the error screen replaces it. A running app's last model can still
// be saved from there.
export function showError(err) {
  if (convpad.state === 'error') return;   // keep the first error: later ones are usually its echo
  const wasReady = convpad.state === 'ready';
  convpad.state = 'error';
  convpad.error = err;
  emit('error', { message: err?.message ?? String(err) });
  if (wasReady) ui.errorTitle.textContent = 'ConvPad stopped';
  if (wasReady && lastModelSaver) {
    ui.errorSave.hidden = false;
    ui.errorSaveButton.addEventListener('click', () => {
      try {
        ui.errorSaveNote.textContent = `saved ${lastModelSaver()}`;
      } catch (saveErr) {
        ui.errorSaveNote.textContent = `could not save it: ${saveErr.message ?? saveErr}`;
      }
    });
  }
  ui.errorText.textContent = err && err.message ? err.message : String(err);
  ui.error.hidden = false;
  ui.loading.hidden = true;
  console.error('ConvPad:', err);
}
