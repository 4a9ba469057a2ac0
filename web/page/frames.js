// Frames on demand: the UI module draws a frame when input, the engine's news or a resize needs one,
// never in a busy loop.
import { convpad, uiModule } from './calls.js';
import { showError } from './screen.js';

// Input gets a frame at the next animation frame (at most every INTERACTIVE_TRAINING_MS while the engine
// trains, so the renderer leaves it a core); the engine's news at most every NEWS_FRAME_MS.
const INTERACTIVE_TRAINING_MS = 33;
export const NEWS_FRAME_MS = 250;

const frames = { requested: false, timer: null, last: 0, stopped: false };

// Draws a frame at the next animation frame, or once minGapMs have passed since the last one.
export function scheduleFrame(minGapMs = 0) {
  if (frames.requested || frames.stopped || !uiModule || convpad.state === 'error') return;
  const wait = frames.last + minGapMs - performance.now();
  if (wait > 0) {
    if (!frames.timer) frames.timer = setTimeout(() => { frames.timer = null; scheduleFrame(); }, wait);
    return;
  }
  clearTimeout(frames.timer);
  frames.timer = null;
  frames.requested = true;
  requestAnimationFrame(drawFrame);
}

// After a fatal error of the UI module: no more frames.
export function stopFrames() {
  frames.stopped = true;
}

const interactiveGap = () => (uiModule?._convpad_ui_engine_busy() ? INTERACTIVE_TRAINING_MS : 0);

function drawFrame() {
  frames.requested = false;
  frames.last = performance.now();
  let more = 0;
  try {
    more = uiModule._convpad_ui_frame();
  } catch (err) {
    showError(new Error(`The app stopped: ${err.message ?? err}`));
    return;
  }
  if (more) scheduleFrame(interactiveGap());
}

// Input anywhere on the page, a resize or a new pixel ratio asks for a frame.
export function wakeOnInput() {
  const wake = () => scheduleFrame(interactiveGap());
  for (const type of ['pointerdown', 'pointermove', 'pointerup', 'pointercancel', 'wheel', 'keydown', 'keyup',
    'touchstart', 'touchmove', 'touchend', 'focus', 'blur', 'resize']) {
    window.addEventListener(type, wake, { capture: true, passive: true });
  }
  document.addEventListener('visibilitychange', wake);
  watchPixelRatio(wake);
}

// A new devicePixelRatio (browser zoom, another screen) fires no resize event, and not every browser
// reports it to a resolution media query: a check each second (no frame unless it changed) wakes the
// shell, which then sizes its backing store and fonts for it.
const PIXEL_RATIO_CHECK_MS = 1000;

function watchPixelRatio(wake) {
  let ratio = window.devicePixelRatio;
  setInterval(() => {
    if (window.devicePixelRatio === ratio) return;
    ratio = window.devicePixelRatio;
    wake();
  }, PIXEL_RATIO_CHECK_MS);
}

// Draws `count` frames now (a screenshot or a test that wants the latest state on screen).
export function drawFramesNow(count) {
  for (let i = 0; i < count; ++i) drawFrame();
}
