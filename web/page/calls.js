// The API object and the two ways into the engine: calls into the UI module (uiCall, C functions of
// web/ui/js_api.cpp) and commands to the engine worker (engineCommand). Both turn the C side's {error}
// or the worker's refusal into a thrown ConvPadError.
import './wasm_heap.js';

const { WasmHeapError, withHeap, copyOut, callWithHeapText } = self.convpadWasmHeap;

// window.convpad: boot.js adds the calls; declared here, before anything can fail, so every module sees
// its state.
export const convpad = {
  state: 'loading',   // 'loading' | 'ready' | 'error'
  error: null,
  ready: null,
  timings: { uiMs: null, engineMs: null, modelMs: null, readyMs: null, datasetMs: null },   // performance.now() at each milestone
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

// What the page does when a call into the UI module traps (boot.js: the error screen). The C functions
// catch every C++ exception, so a JS exception out of a call means the module itself is broken: it is
// never reported as a problem with the caller's arguments.
let onModuleBroken = () => {};
export const setModuleBroken = (handler) => { onModuleBroken = handler; };

// Calls a C function of the UI module; strings travel through the heap (wasm_heap.js). A text too long
// for any call, or no memory for it, throws ConvPadError(call, ...) and changes nothing.
export function callUi(call, name, returnType = null, argTypes = [], args = []) {
  try {
    return callWithHeapText(uiModule, name, returnType, argTypes, args);
  } catch (err) {
    if (err instanceof WasmHeapError) throw new ConvPadError(call, err.message);
    const stopped = new Error(`The app stopped: ${err.message ?? err}`);
    onModuleBroken(stopped);
    throw new ConvPadError(call, stopped.message);
  }
}

// Calls a C function of web/ui/js_api.cpp that replies with JSON; {error} becomes a ConvPadError.
export function uiCall(call, name, argTypes = [], args = []) {
  const reply = JSON.parse(callUi(call, name, 'string', argTypes, args));
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
