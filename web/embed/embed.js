// Drives a ConvPad iframe from its host page through the frame's postMessage protocol
// (web/page/frame_messages.js; README "Embedding in a course page"). An ES module; copy it to your site.
//
//   import { ConvPadFrame } from './embed.js';
//   const frame = new ConvPadFrame(document.querySelector('iframe#convpad'));
//   const status = await frame.ready;                          // once the app in the frame has started
//   frame.on('prediction', ({ name, probs, empty }) => { … });  // returns a function that stops it
//   const { label, name } = await frame.call('classify', pixels);
//   await frame.call('pad.clear');
//
// Calls reject with an Error carrying the frame's message (`classify: pixels must have 784 values …`).

export const EVENTS = ['ready', 'epoch', 'trainend', 'prediction', 'error'];

export class ConvPadFrame {
  // origin: the frame's origin; by default that of the iframe's src. Messages from any other origin or
  // window are ignored. timeoutMs: how long a call may wait for its reply (0: for ever; train() lasts
  // as long as its run).
  constructor(iframe, { origin = new URL(iframe.src, location.href).origin, timeoutMs = 0 } = {}) {
    if (!origin || origin === 'null') throw new Error('ConvPadFrame: give the iframe a src, or pass {origin}');
    this.iframe = iframe;
    this.origin = origin;
    this.timeoutMs = timeoutMs;
    this.nextId = 1;
    this.pending = new Map();   // id → {resolve, reject, timer}
    this.handlers = new Map(EVENTS.map((event) => [event, new Set()]));
    this.loadEvents = 0;

    // Resolves with the frame's status when it has started; rejects if it fails to start.
    this.ready = new Promise((resolve, reject) => {
      this.on('ready', resolve);
      this.on('error', ({ message, fatal }) => { if (fatal) reject(new Error(message)); });
    });
    this.ready.catch(() => {});   // a page that never awaits it is not an unhandled rejection

    this.loaded = new Promise((resolve) => { this.onLoaded = resolve; });
    this.onMessage = (event) => this.receive(event);
    this.onLoad = () => {
      if (++this.loadEvents > 1) this.failPending('the ConvPad frame reloaded before it answered');
      this.sayHello();
    };
    window.addEventListener('message', this.onMessage);
    iframe.addEventListener('load', this.onLoad);
    if (showsItsDocument(iframe)) this.sayHello();
  }

  // call('classify', pixels): a Promise of the result of convpad.classify(pixels) in the frame.
  call(name, ...args) {
    return this.request(name, args);
  }

  // call() with options: request('train', [{epochs: 1}], {timeoutMs: 600_000}).
  request(name, args = [], { timeoutMs = this.timeoutMs } = {}) {
    const id = this.nextId++;
    const answered = new Promise((resolve, reject) => {
      const timer = timeoutMs > 0 ? setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${name}: no reply from the ConvPad frame within ${timeoutMs} ms`));
      }, timeoutMs) : null;
      this.pending.set(id, { resolve, reject, timer });
    });
    // Not before the frame has loaded: a message to the iframe's initial about:blank would be lost.
    this.loaded.then(() => {
      const waiting = this.pending.get(id);
      if (!waiting) return;   // timed out or closed meanwhile
      try {
        this.post({ id, call: name, args });
      } catch (err) {   // arguments that cannot be cloned (a function, a DOM node)
        this.pending.delete(id);
        clearTimeout(waiting.timer);
        waiting.reject(new Error(`${name}: ${err.message}`));
      }
    });
    return answered;
  }

  // Calls handler(data) on every `event` of the frame; returns a function that stops it.
  on(event, handler) {
    const set = this.handlers.get(event);
    if (!set) throw new Error(`ConvPadFrame.on: unknown event '${event}' (known: ${EVENTS.join(', ')})`);
    const entry = (data) => handler(data);   // the same handler twice is two subscriptions
    set.add(entry);
    return () => set.delete(entry);
  }

  // Stops listening; calls still waiting reject.
  close() {
    window.removeEventListener('message', this.onMessage);
    this.iframe.removeEventListener('load', this.onLoad);
    this.failPending('the ConvPadFrame was closed');
  }

  post(message) {
    this.iframe.contentWindow?.postMessage({ convpad: 1, ...message }, this.origin);
  }

  // On each document the frame loads: from now on the frame sends its events here, and `ready` at once
  // if it has started already.
  sayHello() {
    this.onLoaded();
    this.post({ hello: 1 });
  }

  failPending(reason) {
    for (const [id, { reject, timer }] of this.pending) {
      clearTimeout(timer);
      reject(new Error(reason));
      this.pending.delete(id);
    }
  }

  receive(event) {
    if (event.source !== this.iframe.contentWindow || event.origin !== this.origin) return;
    const data = event.data;
    if (data === null || typeof data !== 'object' || data.convpad !== 1) return;
    if (typeof data.event === 'string') {
      for (const handler of [...(this.handlers.get(data.event) ?? [])]) {
        try {
          handler(data.data);
        } catch (err) {   // one failing handler must not silence the others
          console.error(`ConvPadFrame: a '${data.event}' handler failed:`, err);
        }
      }
      return;
    }
    const waiting = this.pending.get(data.id);
    if (!waiting) return;
    this.pending.delete(data.id);
    clearTimeout(waiting.timer);
    if (data.error) waiting.reject(new Error(data.error.message));
    else waiting.resolve(data.result);
  }
}

// Whether the iframe already shows its document rather than its initial about:blank (its load event has
// passed). A cross-origin document cannot be read: that it is there at all means it has replaced about:blank.
function showsItsDocument(iframe) {
  try {
    const href = iframe.contentWindow?.location.href;
    return href !== undefined && href !== 'about:blank' && iframe.contentDocument?.readyState === 'complete';
  } catch {
    return true;
  }
}
