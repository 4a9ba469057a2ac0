// The API object and the two ways into the engine: calls into the UI module (uiCall, C functions of
// web/ui/js_api.cpp) and commands to the engine worker (engineCommand). Both turn the C side's {error}
// or the worker's refusal into a thrown ConvPadError.
import './wasm_heap.js';

const { WasmHeapError, withHeap, copyOut } = self.convpadWasmHeap;

// window.convpad: boot.js adds the calls; declared here, before anything can fail, so every module sees
// its state.
export const convpad = {
  state: 'loading',   // 'loading' | 'ready' | 'error'
  error: null,
  ready: null,
  timings: { readyMs: null, datasetMs: null },   // performance.now() at each milestone
};

export let uiModule = null;   // the UI's Emscripten module
export let engine = null;     // the EngineClient of the engine worker
export const setUiModule = (module) => { uiModule = module; };
export const setEngine = (client) => { engine = client; };

// An error of the API. message: "<call>: <reason>"; reason alone is what the app's notices show.
export class ConvPadError extends Error {
  constructor(call, reason) {
    super(`${call}: ${reason}`);
    this.name = 'ConvPadError';
    this.call = call;
    this.reason = reason;
  }
}

export function requireReady(call) {
  if (convpad.state === 'ready') return;
  if (convpad.state === 'error') {
    throw new ConvPadError(call, `ConvPad failed to start (${convpad.error?.message ?? convpad.error})`);
  }
  throw new ConvPadError(call, 'ConvPad is still loading: await convpad.ready first');
}

// A value as an error message names it.
export function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

// Calls a C function of web/ui/js_api.cpp that replies with JSON; {error} becomes a ConvPadError.
export function uiCall(call, name, argTypes = [], args = []) {
  let text;
  try {
    text = uiModule.ccall(name, 'string', argTypes, args);
  } catch (err) {   // a trap in the UI module: report it rather than leave the caller guessing
    throw new ConvPadError(call, `the app failed (${err.message ?? err})`);
  }
  const reply = JSON.parse(text);
  if (reply && typeof reply === 'object' && !Array.isArray(reply) && typeof reply.error === 'string') {
    throw new ConvPadError(call, reply.error);
  }
  return reply;
}

// Runs fn(ptr) with bytes copied into the UI module's heap, then frees them.
export function withUiHeap(call, bytes, fn) {
  try {
    return withHeap(uiModule, bytes, fn);
  } catch (err) {
    throw err instanceof WasmHeapError ? new ConvPadError(call, err.message) : err;
  }
}

// The UI module's binary reply {pointer, size}, copied out.
export const copyUiBytes = ({ pointer, size }) => copyOut(uiModule, pointer, size);

// Sends a command to the engine worker; its refusal becomes a ConvPadError.
export async function engineCommand(call, command, args = [], transfer = []) {
  try {
    return await engine.call(command, args, transfer);
  } catch (err) {
    throw new ConvPadError(call, err.message);
  }
}
