// The page's side of the engine worker (web/worker/engine_worker.js): starts it with one engine build, sends
// commands as {id, call, args} and resolves each with the worker's reply; everything else the worker
// posts (updates, snapshots, data-set progress) goes to onEvent.

const START_TIMEOUT_MS = 120_000;   // wasm compile + the threaded build's pool under a slow machine

export class EngineClient {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.worker = null;
    this.pending = new Map();
    this.nextId = 1;
    this.failure = null;
    this.starting = false;
  }

  // Runs engine build `script` in a new worker. Resolves with {engine: 'worker' | 'pthreads', threads};
  // rejects (and stops the worker) when it cannot start, e.g. a threaded build without shared memory.
  async start(script, threads) {
    this.worker = new Worker('engine_worker.js');
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail(new Error(`the engine worker failed (${event.message || 'a script did not load'})`));
    };
    this.starting = true;
    let timer;
    const timeout = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('the engine did not start in time')), START_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.call('init', [{ script, threads }]), timeout]);
    } catch (err) {
      this.stop();
      throw err;
    } finally {
      clearTimeout(timer);
      this.starting = false;
    }
  }

  // Resolves with the command's result, rejects with an Error carrying the engine's message.
  call(call, args = [], transfer = []) {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, call, args }, transfer);
    });
  }

  receive(message) {
    if (message.event) {
      if (message.event === 'fatal') this.fail(new Error(message.message));
      else this.onEvent(message);
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (typeof message.error === 'string') waiter.reject(new Error(message.error));
    else waiter.resolve(message.result);
  }

  // The engine is gone (a crash, an abort): every waiting command fails, and so will every later one.
  fail(err) {
    if (this.failure) return;
    this.failure = err;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
    if (!this.starting) this.onEvent({ event: 'fatal', message: err.message });
  }

  stop() {
    this.worker?.terminate();
    this.fail(new Error('the engine was stopped'));
  }
}
