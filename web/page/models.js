// Model files: save and load .cpm files, the bundled pretrained models, and TensorFlow.js Layers models
// (src/exchange/tfjs_model.h converts, on the UI's thread). Downloads and the file picker's and
// drag-and-drop's path report to the notice line.
import './fetch.js';
import './wasm_heap.js';
import {
  ConvPadError, copyUiBytes, describe, engine, engineCommand, requireReady, uiCall, withUiHeap,
} from './calls.js';
import { notify } from './events.js';
import { markDownloaded } from './keep.js';
import { datasets } from './news.js';
import { ui } from './screen.js';
import { DATASETS, modelFile } from './site_files.js';

const { fetchBytes } = self.convpadFetch;
const { MAX_TEXT_LENGTH } = self.convpadWasmHeap;

export async function saveModel() {
  requireReady('saveModel');
  return engineCommand('saveModel', 'saveModel');
}

// More than any model file ConvPad can hold (20 M parameters of 4 bytes): a larger file is refused before
// it is read or copied anywhere.
export const MODEL_MAX_BYTES = 96 * 2 ** 20;

function checkSize(call, value, what) {
  const size = value instanceof Blob ? value.size : value?.byteLength;
  if (size > MODEL_MAX_BYTES) {
    throw new ConvPadError(call, `${what} is ${(size / 2 ** 20).toFixed(0)} MB, more than any model can be (${MODEL_MAX_BYTES / 2 ** 20} MB)`);
  }
}

// A copy of bytes given as a Uint8Array, ArrayBuffer, any ArrayBufferView, or a Blob/File; null for anything else.
async function bytesOf(value) {
  if (value instanceof Blob) return new Uint8Array(await value.arrayBuffer());
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  return null;
}

// loadModel(bytes): a .cpm file. loadModel(modelJson, weights): a TensorFlow.js Layers model, modelJson as
// text, a parsed object or a Blob/File; weights as bytes, or an array of the manifest's files in its order.
// Resolves {arch, params}.
export async function loadModel(bytes, weights) {
  requireReady('loadModel');
  if (weights !== undefined) {
    const cpm = await tfjsToCpm('loadModel', bytes, weights);
    return engineCommand('loadModel', 'loadModel', [cpm], [cpm.buffer]);
  }
  checkSize('loadModel', bytes, 'the model file');
  const data = await bytesOf(bytes);
  if (!data) throw new ConvPadError('loadModel', `expected a Uint8Array, ArrayBuffer or Blob, got ${describe(bytes)}`);
  if (data.byteLength === 0) throw new ConvPadError('loadModel', 'the model file is empty');
  return engineCommand('loadModel', 'loadModel', [data], [data.buffer]);
}

// [SECTION] The site's pretrained models

// Hands a data set's pretrained model to the engine (its session is the current one); returns a notice
// for the user, or null when all went well.
export async function loadPretrainedModel(bytes, name) {
  const { url } = modelFile(name);
  if (!bytes) return { text: `no pretrained ${DATASETS[name].title} model on this site (${url}): the network starts untrained`, isError: true };
  try {
    await engine.call('loadModel', [bytes], [bytes.buffer]);
    return null;
  } catch (err) {
    return { text: `the pretrained model ${url} could not be loaded (${err.message}): the network starts untrained`, isError: true };
  }
}

// loadPretrained('default' | 'best'): the current data set's bundled model of that recipe, fetched from the
// site. Resolves {arch, params}.
const PRETRAINED = { default: 'model', best: 'best' };
export async function loadPretrained(which = 'default') {
  requireReady('loadPretrained');
  if (!Object.hasOwn(PRETRAINED, which)) {
    throw new ConvPadError('loadPretrained', `expected 'default' or 'best', got ${describe(which)}`);
  }
  const { title, [PRETRAINED[which]]: url } = DATASETS[datasets.current];
  if (!url) throw new ConvPadError('loadPretrained', `there is no bundled ${which} model for ${title}`);
  let bytes;
  try {
    bytes = await fetchBytes(url, { optional: true });
  } catch (err) {
    throw new ConvPadError('loadPretrained', err.message);
  }
  if (!bytes) throw new ConvPadError('loadPretrained', `${url} is not on this site`);
  return engineCommand('loadPretrained', 'loadModel', [bytes], [bytes.buffer]);
}

// The Model section's buttons: the outcome goes to the notice line.
export async function loadPretrainedFromUi(which) {
  try {
    const { arch } = await loadPretrained(which);
    notify(`loaded ${DATASETS[datasets.current][PRETRAINED[which]]} (${arch})`);
  } catch (err) {
    notify(`could not load the ${which} model: ${err.reason ?? err.message}`, true);
  }
}

// [SECTION] TensorFlow.js Layers models

async function tfjsToCpm(call, modelJson, weights) {
  let text = modelJson;
  if (modelJson instanceof Blob) {
    if (modelJson.size > MAX_TEXT_LENGTH) throw new ConvPadError(call, `model.json is ${modelJson.size} bytes, longer than the ${MAX_TEXT_LENGTH} accepted`);
    text = await modelJson.text();
  }
  else if (modelJson && typeof modelJson === 'object' && !ArrayBuffer.isView(modelJson)) text = JSON.stringify(modelJson);
  if (typeof text !== 'string') throw new ConvPadError(call, `modelJson must be text, an object or a File, got ${describe(modelJson)}`);
  const parts = [];
  const files = Array.isArray(weights) ? weights : [weights];
  let total = 0;
  for (const part of files) total += (part instanceof Blob ? part.size : part?.byteLength) || 0;
  checkSize(call, { byteLength: total }, 'the weights');
  for (const part of files) {
    const data = await bytesOf(part);
    if (!data) throw new ConvPadError(call, `weights must be bytes (Uint8Array, ArrayBuffer, Blob) or an array of them, got ${describe(part)}`);
    parts.push(data);
  }
  const bin = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0));
  parts.reduce((at, p) => (bin.set(p, at), at + p.byteLength), 0);
  const reply = withUiHeap(call, bin, (ptr) => uiCall(call, 'convpad_ui_import_tfjs', ['string', 'number', 'number'], [text, ptr, bin.byteLength]));
  return copyUiBytes(reply.cpm);
}

// The current model in TensorFlow.js's Layers format: {modelJson, weights, weightsFile}. tf.loadLayersModel
// reads it, e.g. through tf.io.fromMemory(JSON.parse(modelJson) with weightData = weights.buffer).
export async function exportModel(format = 'tfjs') {
  requireReady('exportModel');
  if (format !== 'tfjs') throw new ConvPadError('exportModel', `format must be 'tfjs', got ${describe(format)}`);
  const cpm = await saveModel();
  const reply = withUiHeap('exportModel', cpm, (ptr) => uiCall('exportModel', 'convpad_ui_export_tfjs', ['number', 'number'], [ptr, cpm.byteLength]));
  return { modelJson: reply.modelJson, weights: copyUiBytes(reply.weights), weightsFile: reply.weightsFile };
}

// [SECTION] Downloads and uploads

function saveDownload(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);   // after the browser has started the download
}

// Saves model.json and its weights file as two downloads.
export async function downloadTfjsModel() {
  requireReady('downloadTfjsModel');
  try {
    const { modelJson, weights, weightsFile } = await exportModel('tfjs');
    saveDownload(new Blob([modelJson], { type: 'application/json' }), 'model.json');
    saveDownload(new Blob([weights], { type: 'application/octet-stream' }), weightsFile);
    markDownloaded();
    notify(`saved model.json and ${weightsFile} (TensorFlow.js, ${(weights.byteLength / 1024).toFixed(0)} KB of weights)`);
  } catch (err) {
    notify(`could not export the model: ${err.reason ?? err.message}`, true);
  }
}

const DOWNLOAD_NAME = 'convpad-model.cpm';

// The error screen's button once the engine has stopped: the UI's copy of the model (the engine's last
// snapshot) as a download. Returns the file's name.
export function saveLastModel() {
  const bytes = copyUiBytes(uiCall('saveLastModel', 'convpad_ui_save_model'));
  saveDownload(new Blob([bytes], { type: 'application/octet-stream' }), DOWNLOAD_NAME);
  return DOWNLOAD_NAME;
}

export async function downloadModel() {
  requireReady('downloadModel');
  try {
    const bytes = await saveModel();
    saveDownload(new Blob([bytes], { type: 'application/octet-stream' }), DOWNLOAD_NAME);
    markDownloaded();
    notify(`saved ${DOWNLOAD_NAME} (${(bytes.byteLength / 1024).toFixed(0)} KB)`);
  } catch (err) {
    notify(`could not save the model: ${err.reason ?? err.message}`, true);
  }
}

// The file picker's and drag-and-drop's path: a .cpm file, or a TensorFlow.js model.json with its weight
// files. The outcome goes to the app's notice line.
export async function loadModelFiles(fileList) {
  const files = Array.from(fileList);
  const json = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  const name = json ? json.name : files[0].name;
  try {
    let arch;
    if (json) {
      const text = await json.text();
      const { paths } = uiCall('loadModel', 'convpad_ui_tfjs_weight_paths', ['string'], [text]);
      const byName = new Map(files.map((f) => [f.name, f]));
      const missing = paths.filter((p) => !byName.has(p.split('/').pop()));
      if (missing.length) throw new Error(`choose or drop ${json.name} together with its weight file${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
      ({ arch } = await loadModel(text, paths.map((p) => byName.get(p.split('/').pop()))));
    } else {
      ({ arch } = await loadModel(files[0]));
    }
    notify(`loaded ${name} (${arch})`);
  } catch (err) {
    notify(`could not load ${name}: ${err.reason ?? err.message}`, true);
  }
}

// Opens the browser's file dialog (needs a recent user gesture, e.g. the click on "Load model").
export function pickModelFile() {
  requireReady('pickModelFile');
  ui.modelFile.value = '';   // choosing the same file again still fires 'change'
  ui.modelFile.click();
}
