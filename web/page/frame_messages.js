// The postMessage protocol of an embedded ConvPad (README "Embedding in a course page"): a page of
// another origin that holds ConvPad in an iframe calls window.convpad and hears its events.
//
//   host → frame   {convpad: 1, id, call, args}    call: one of CALLS; args: its argument array
//                  {convpad: 1, hello: 1}          "I am listening": answered with `ready` (or `error`)
//                                                  if the page has started (or failed)
//   frame → host   {convpad: 1, id, result}  or  {convpad: 1, id, error: {message}}
//                  {convpad: 1, event, data}       ready, epoch, trainend, prediction, error (convpad.on);
//                                                  error's data gains `fatal`: the app has stopped (or never started)
//
// Who may talk: only the parent window, and with origin=A,B in the URL only those origins. Nothing is
// ever posted with targetOrigin '*': replies go to the asker's origin, events to the origin of the
// parent that last talked; before anyone has, to each origin of origin=, or without that list nowhere
// (an unknown embedder learns nothing until it speaks).

const PROTOCOL = 1;

// The window.convpad functions a host may call, by their path in window.convpad. An allow-list, so a
// message never reaches an arbitrary property. Left out: downloadModel and pickModelFile (they need a
// click in the frame itself), on (a handler cannot cross windows: the events come as messages) and
// redraw (for screenshots of the frame's own page).
export const CALLS = [
  'classify', 'status', 'train', 'pause', 'resume', 'reset', 'evaluate', 'history', 'settings', 'config',
  'setDataset', 'setThreads', 'saveModel', 'loadModel', 'loadPretrained', 'exportModel', 'pad.clear', 'pad.prediction', 'pad.pixels',
  'layout', 'inspect', 'recipe', 'runOptions', 'commandLine',
];
const RELAYED_EVENTS = ['ready', 'epoch', 'trainend', 'prediction', 'error'];

// Starts answering the parent window. origins: exact origins ('https://example.edu') that may talk to
// the frame, or null for any parent. Returns a function that stops it. Does nothing outside a frame.
export function startFrameMessages(convpad, origins) {
  if (window.parent === window) return () => {};
  const allowed = origins === null ? null : new Set(origins);
  const warnedOrigins = new Set();
  let talker = null;   // origin of the parent that last sent a ConvPad message

  const post = (message, origin) => window.parent.postMessage({ convpad: PROTOCOL, ...message }, origin);
  const eventOrigins = () => (talker ? [talker] : allowed ? [...allowed] : []);
  const sendEvent = (event, data, to = eventOrigins()) => {
    for (const origin of to) post({ event, data }, origin);
  };
  // The hub's 'error' is also a notice (a bad URL parameter, a refused model file); a host needs to tell.
  const sendError = (message, to) => sendEvent('error', { message, fatal: convpad.state === 'error' }, to);

  // Tells a host that has just said hello how the page stands (a later start announces itself).
  function greet(origin) {
    if (convpad.state === 'ready') sendEvent('ready', convpad.status(), [origin]);
    else if (convpad.state === 'error') sendError(errorMessage(convpad.error), [origin]);
  }

  function reply(id, origin, outcome) {
    try {
      post({ id, ...outcome }, origin);
    } catch (err) {   // a result that cannot be cloned (DataCloneError): say so instead of going silent
      post({ id, error: { message: `the result cannot be sent to the host page (${errorMessage(err)})` } }, origin);
    }
  }

  async function answer(data, origin) {
    const fn = resolveCall(convpad, data.call);
    if (!fn) {
      reply(data.id, origin, { error: { message: `${data.call}: this version of ConvPad has no ${data.call}()` } });
      return;
    }
    try {
      reply(data.id, origin, { result: await fn(...(data.args ?? [])) });
    } catch (err) {
      reply(data.id, origin, { error: { message: errorMessage(err) } });
    }
  }

  function onMessage(event) {
    if (event.source !== window.parent) return;   // a popup, a sibling frame, the page itself
    const { origin, data } = event;
    if ((allowed && !allowed.has(origin)) || origin === 'null') {
      // 'null' (a sandboxed or file: host) cannot be answered without targetOrigin '*'
      if (!warnedOrigins.has(origin)) {
        warnedOrigins.add(origin);
        console.warn(`ConvPad: ignoring messages from ${origin}: ${origin === 'null'
          ? 'a host page without an origin cannot be answered'
          : `the URL's origin= allows only ${[...allowed].join(', ') || 'no origin'}`}`);
      }
      return;
    }
    if (isObject(data) && data.convpad === PROTOCOL) talker = origin;
    const problem = messageProblem(data);
    if (problem === null) {
      if (data.hello !== undefined) greet(origin);
      else answer(data, origin);
    } else if (hasUsableId(data)) {
      reply(data.id, origin, { error: { message: problem } });
    } else if (isObject(data) && data.convpad === PROTOCOL) {
      console.warn(`ConvPad: ignoring a message without a usable id (a string or a number): ${problem}`);
    }
  }

  const unsubscribe = RELAYED_EVENTS.map((name) => convpad.on(name,
    (data) => (name === 'error' ? sendError(data.message) : sendEvent(name, data))));
  window.addEventListener('message', onMessage);
  // Normally the bridge starts while the page loads; one started later must still announce the outcome.
  if (convpad.state === 'ready') sendEvent('ready', convpad.status());
  else if (convpad.state === 'error') sendError(errorMessage(convpad.error));
  return () => {
    window.removeEventListener('message', onMessage);
    for (const stop of unsubscribe) stop();
  };
}

// Why `data` is not a message of the protocol, or null. Calls need a usable id; hello needs none.
function messageProblem(data) {
  if (!isObject(data)) return 'a ConvPad message is an object {convpad: 1, id, call, args}';
  if (data.convpad !== PROTOCOL) return `not a ConvPad message: convpad must be ${PROTOCOL}, got ${describe(data.convpad)}`;
  if (data.hello !== undefined) return null;
  if (!hasUsableId(data)) return `id must be a string or a finite number, got ${describe(data.id)}`;
  if (typeof data.call !== 'string' || !CALLS.includes(data.call)) {
    return `unknown call ${describe(data.call)} (known: ${CALLS.join(', ')})`;
  }
  if (data.args !== undefined && !Array.isArray(data.args)) {
    return `${data.call}: args must be an array of the call's arguments, got ${describe(data.args)}`;
  }
  return null;
}

// The function an allow-listed call names ('pad.clear': convpad.pad.clear), bound to its object; null if
// this page lacks it. Own properties only, so no path reaches a prototype.
function resolveCall(convpad, call) {
  const path = call.split('.');
  const name = path.pop();
  let owner = convpad;
  for (const part of path) owner = isObject(owner) && Object.hasOwn(owner, part) ? owner[part] : null;
  const fn = isObject(owner) && Object.hasOwn(owner, name) ? owner[name] : null;
  return typeof fn === 'function' ? fn.bind(owner) : null;
}

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const hasUsableId = (data) => isObject(data) && (typeof data.id === 'string' || Number.isFinite(data.id));
const errorMessage = (err) => String(err?.message ?? err);

function describe(value) {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}
