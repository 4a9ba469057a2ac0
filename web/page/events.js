// convpad.on(event, handler) and the notice line (README "Events"; frame_messages.js relays the events to
// a host page, live_region.js to screen readers).
import { ConvPadError, callUi, describe, uiModule } from './calls.js';
import { scheduleFrame } from './frames.js';

export const EVENTS = ['ready', 'phase', 'epoch', 'trainend', 'prediction', 'error'];
const listeners = new Map(EVENTS.map((name) => [name, new Set()]));

// Calls handler(data) on every `event`; returns a function that stops it.
export function on(event, handler) {
  if (!listeners.has(event)) throw new ConvPadError('on', `unknown event ${describe(event)} (known: ${EVENTS.join(', ')})`);
  if (typeof handler !== 'function') throw new ConvPadError('on', `handler must be a function, got ${describe(handler)}`);
  const set = listeners.get(event);
  const entry = (data) => handler(data);   // the same handler twice is two subscriptions
  set.add(entry);
  return () => set.delete(entry);
}

export const hasListeners = (event) => listeners.get(event).size > 0;

// A handler that throws is reported on the console; the others still run and the page goes on.
export function emit(event, data) {
  for (const handler of [...listeners.get(event)]) {
    try {
      handler(structuredClone(data));
    } catch (err) {
      console.error(`ConvPad: a '${event}' handler failed:`, err);
    }
  }
}

// A one-line notice in the app's status bar (and an 'error' event when it is one); a longer text is cut.
const MAX_NOTICE_LENGTH = 2000;
export function notify(text, isError = false) {
  if (isError) emit('error', { message: text });
  if (uiModule) {
    try {
      callUi('notify', 'convpad_ui_notify', null, ['string', 'number'], [String(text).slice(0, MAX_NOTICE_LENGTH), isError ? 1 : 0]);
    } catch (err) {   // the module is broken: the error screen says so
      console.warn(`ConvPad: ${text} (${err.message})`);
    }
    scheduleFrame();
  } else {
    (isError ? console.warn : console.log)(`ConvPad: ${text}`);
  }
}
