// Nothing a visitor trained is lost: the last trained model of each data set, with its run (settings,
// curves, evaluation), is kept in this browser's IndexedDB when a run pauses or ends, after every epoch and
// after an evaluation; the next visit offers it back. An action that would replace a trained model that
// was neither downloaded nor kept asks first, and so does leaving the page. Each page address keeps its
// own runs (the key holds the URL's path and query and the data set), so two course frames do not
// overwrite each other. Where nothing can be stored (a private window, a full quota) one notice says so.
import { convpad, engineCommand, uiCall } from './calls.js';
import { notify, on } from './events.js';
import { datasets, engineStatus } from './news.js';
import { ui } from './screen.js';

const DB_NAME = 'convpad';
const STORE = 'runs';
const keyOf = (dataset) => `${location.pathname}${location.search}|${dataset}`;

// modelVersion of each data set's model as last kept, and as last downloaded: what needs no question.
const keptVersion = {};
const downloadedVersion = {};
let storageBroken = false;

// [SECTION] IndexedDB

let database = null;
function openDatabase() {
  database ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('the database is blocked by another tab'));
  });
  return database;
}

async function transact(mode, act) {
  const db = await openDatabase();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = act(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error ?? request.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('the transaction was aborted'));
  });
}

function storageFailed(err) {
  if (storageBroken) return;
  storageBroken = true;
  notify(`Runs cannot be kept in this browser (${storageProblem(err)}): download the model to keep it`, true);
}

// A quota error carries no message in Chromium, and a private window's refusal names no reason either.
function storageProblem(err) {
  if (err?.name === 'QuotaExceededError') return "the browser's storage for this site is full";
  if (err?.name === 'SecurityError' || err?.name === 'InvalidStateError') return 'storage is off here, as in a private window';
  return err?.message || err?.name || String(err);
}

// [SECTION] Keeping

let keeping = null;   // the keep in flight; another request meanwhile runs once after it
let keepAgain = false;

// Keeps the current data set's run, if it has one; at most one write at a time.
export function keepRun() {
  if (keeping) {
    keepAgain = true;
    return keeping;
  }
  keeping = writeRun().catch(storageFailed).finally(() => {
    keeping = null;
    if (keepAgain) {
      keepAgain = false;
      keepRun();
    }
  });
  return keeping;
}

async function writeRun() {
  const status = engineStatus();
  if (!status?.hasRun || storageBroken) return;
  const dataset = datasets.current;
  const model = await engineCommand('keep', 'saveModel');
  if (datasets.current !== dataset) return;   // switched meanwhile: that data set's run is kept by its own events
  const now = engineStatus();
  const { losses, epochs } = uiCall('keep', 'convpad_ui_history');
  const evaluation = uiCall('keep', 'convpad_ui_evaluation');
  if (evaluation) evaluation.predicted = uiCall('keep', 'convpad_ui_evaluation_predictions');
  const record = {
    savedAt: Date.now(),
    dataset,
    arch: now.arch,
    modelVersion: now.modelVersion,
    valAccuracy: now.valAccuracy,
    epochs: epochs.length,
    model,
    run: JSON.stringify({ settings: now.settings, losses, epochs, evaluation }),
  };
  await transact('readwrite', (store) => store.put(record, keyOf(dataset)));
  keptVersion[dataset] = now.modelVersion;
}

// The run kept for a data set: {savedAt, dataset, arch, valAccuracy, epochs, model, run} or null.
async function readRun(dataset) {
  try {
    return (await transact('readonly', (store) => store.get(keyOf(dataset)))) ?? null;
  } catch (err) {
    storageFailed(err);
    return null;
  }
}

// [SECTION] Giving it back

const describeKept = ({ savedAt, valAccuracy, epochs }) => {
  const when = new Date(savedAt).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  const accuracy = Number.isFinite(valAccuracy) ? `, ${valAccuracy.toFixed(3)} validation accuracy` : '';
  return `your run from ${when} (${epochs} epoch${epochs === 1 ? '' : 's'}${accuracy})`;
};

// convpad.keptRun(): what is kept for the current data set, {savedAt, dataset, arch, modelVersion (of the
// model when kept), valAccuracy, epochs}, or null.
export async function keptRun() {
  const record = await readRun(datasets.current);
  if (!record) return null;
  const { model, run, ...summary } = record;
  return summary;
}

// convpad.restoreRun(): replaces the current model and run with the kept ones. Resolves {arch, params}.
export async function restoreRun() {
  const dataset = datasets.current;
  const record = await readRun(dataset);
  if (!record) throw new Error('restoreRun: nothing is kept for this data set');
  const result = await engineCommand('restoreRun', 'restoreRun', [record.model, record.run], [record.model.buffer]);
  keptVersion[dataset] = engineStatus().modelVersion;
  ui.keptRun.hidden = true;
  notify(`Restored ${describeKept(record)}`);
  return result;
}

// After start-up and the first switch to a data set: a kept run is offered back, unless a run exists.
export async function offerKeptRun() {
  const record = await readRun(datasets.current);
  if (!record || engineStatus()?.hasRun) return;
  ui.keptRunText.textContent = `Restore ${describeKept(record)}?`;
  ui.keptRun.hidden = false;
}

// [SECTION] Asking before a trained model is replaced

// Whether the current model is a trained one that would be lost: not downloaded, not kept as it is now.
function unkept() {
  const status = engineStatus();
  if (!status?.hasRun) return null;
  const version = status.modelVersion;
  const dataset = datasets.current;
  if (downloadedVersion[dataset] === version || keptVersion[dataset] === version) return null;
  return status;
}

// Resolves true when `action` may go ahead: nothing trained would be lost, or the visitor said so.
export function confirmReplace(action) {
  const status = engineStatus();
  if (!status?.hasRun) return Promise.resolve(true);
  const accuracy = Number.isFinite(status.valAccuracy) ? ` (${status.valAccuracy.toFixed(3)} validation accuracy)` : '';
  const kept = !unkept();
  ui.confirmText.textContent = `${action} replaces the model your run trained${accuracy}. `
    + (kept ? 'It is kept in this browser only until another run replaces it: use "Save model" to keep a copy.'
      : 'It has not been saved: use "Save model" first to keep it.');
  ui.confirm.returnValue = '';
  ui.confirm.showModal();
  ui.confirmCancel.focus();   // the safe answer under Enter (an autofocus attribute is refused in a cross-origin frame)
  return new Promise((resolve) => {
    ui.confirm.addEventListener('close', () => {
      ui.canvas.focus();
      resolve(ui.confirm.returnValue === 'replace');
    }, { once: true });
  });
}

// The model was downloaded as it is now: replacing it loses nothing.
export function markDownloaded() {
  const status = engineStatus();
  if (status) downloadedVersion[datasets.current] = status.modelVersion;
}

// [SECTION] Wiring

export function setupKeeping() {
  on('epoch', () => keepRun());
  on('phase', (status) => {
    if (['paused', 'idle'].includes(status.phase) && status.hasRun) keepRun();
  });
  ui.keptRunRestore.addEventListener('click', () => {
    restoreRun().catch((err) => notify(`could not restore the run: ${err.reason ?? err.message}`, true));
  });
  ui.keptRunDismiss.addEventListener('click', () => { ui.keptRun.hidden = true; });
  window.addEventListener('beforeunload', (event) => {
    if (convpad.state !== 'ready' || !unkept()) return;
    event.preventDefault();
    event.returnValue = '';   // older browsers show their question only with this set
  });
}
