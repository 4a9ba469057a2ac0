// The wasm heap as its two hosts use it: the page (the UI module) and the engine worker (the engine module).
// A plain script without import or export, like fetch.js, so it runs both as a module
// (`import './wasm_heap.js'`) and in a classic worker (`importScripts('wasm_heap.js')`); it defines
// self.convpadWasmHeap.
(function (root) {
'use strict';

// An allocation in a module's heap failed.
class WasmHeapError extends Error {}

// The heap as bytes, current after memory growth (a pool thread may grow shared memory). Call it after
// every call into C; never keep the view.
function heapU8(module) {
  const memory = module.wasmMemory;
  if (memory && module.HEAPU8.buffer !== memory.buffer) return new Uint8Array(memory.buffer);
  return module.HEAPU8;
}

// Runs fn(ptr) with bytes copied into the module's heap, then frees them.
function withHeap(module, bytes, fn) {
  const ptr = module._malloc(Math.max(1, bytes.byteLength));
  if (!ptr) throw new WasmHeapError(`out of wasm memory for ${bytes.byteLength} bytes`);
  try {
    heapU8(module).set(bytes, ptr);
    return fn(ptr);
  } finally {
    module._free(ptr);
  }
}

// A copy of `size` bytes of the heap from ptr.
const copyOut = (module, ptr, size) => heapU8(module).slice(ptr, ptr + size);

// The longest text a call passes (UTF-16 code units; a model.json is far shorter).
const MAX_TEXT_LENGTH = 16 * 2 ** 20;

// Module.ccall with every 'string' argument copied to the heap as NUL-terminated UTF-8 and passed as a
// pointer: ccall would put it on the module's stack, which a long text overruns into static data. A text
// longer than MAX_TEXT_LENGTH is refused before anything is allocated.
function callWithHeapText(module, name, returnType, argTypes, args) {
  args.forEach((arg, i) => {
    if (argTypes[i] === 'string' && typeof arg === 'string' && arg.length > MAX_TEXT_LENGTH) {
      throw new WasmHeapError(`a text of ${arg.length} characters is longer than the ${MAX_TEXT_LENGTH} a call accepts`);
    }
  });
  const allocated = [];
  try {
    const values = args.map((arg, i) => {
      if (argTypes[i] !== 'string' || arg === null || arg === undefined) return arg;
      const bytes = new TextEncoder().encode(String(arg));
      const ptr = module._malloc(bytes.byteLength + 1);
      if (!ptr) throw new WasmHeapError(`out of wasm memory for a text of ${bytes.byteLength} bytes`);
      allocated.push(ptr);
      const heap = heapU8(module);
      heap.set(bytes, ptr);
      heap[ptr + bytes.byteLength] = 0;
      return ptr;
    });
    return module.ccall(name, returnType, argTypes.map((t) => (t === 'string' ? 'number' : t)), values);
  } finally {
    for (const ptr of allocated) module._free(ptr);
  }
}

root.convpadWasmHeap = { WasmHeapError, MAX_TEXT_LENGTH, heapU8, withHeap, copyOut, callWithHeapText };
})(self);
