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

root.convpadWasmHeap = { WasmHeapError, heapU8, withHeap, copyOut };
})(self);
