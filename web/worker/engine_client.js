// The page's side of the engine worker (web/worker/engine_worker.js): starts it with one engine build, sends
// commands as {id, call, args} and resolves each with the worker's reply; everything else the worker
// posts (updates, snapshots, data-set progress) goes to onEvent.

const START_TIMEOUT_MS = 120_000;   // wasm compile + the threaded build's pool under a slow machine
// Making the pool's workers takes milliseconds; Firefox sometimes hangs in it for ever (see start()).
const POOL_TIMEOUT_MS = 8_000;

// Why a start failed, when trying again may work.
export class EngineStartStalled extends Error {}

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
  // rejects (and stops the worker) when it cannot start, e.g. a threaded build without shared memory, with
  // an EngineStartStalled when the browser stalled in making the pool's workers (Firefox ESR 153 did, about
  // one start in twenty, inside the worker's `new Worker`, which never returned).
  async start(script, threads) {
    this.worker = new Worker('engine_worker.js');
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail(new Error(`the engine worker failed (${event.message || 'a script did not load'})`));
    };
    this.starting = true;
    const timers = [];
    const timeout = new Promise((resolve, reject) => {
      const after = (ms, err) => timers.push(setTimeout(() => reject(err), ms));
      after(START_TIMEOUT_MS, new Error('the engine did not start in time'));
      this.worker.onmessage = ({ data }) => {
        if (data?.event !== 'starting') return this.receive(data);
        if (data.step === 'pool') {
          after(POOL_TIMEOUT_MS, new EngineStartStalled(`the browser did not make the engine's threads within ${POOL_TIMEOUT_MS / 1000} s`));
        } else {
          clearTimeout(timers.pop());
        }
      };
    });
    try {
      return await Promise.race([this.call('init', [{ script, threads }]), timeout]);
    } catch (err) {
      this.stop();
      throw err;
    } finally {
      timers.forEach(clearTimeout);
      this.worker.onmessage = (event) => this.receive(event.data);
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
