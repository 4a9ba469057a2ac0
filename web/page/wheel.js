// A wheel turn over the canvas reaches the UI (SDL, then ImGui) only when it scrolls one of its panels
// there (web/ui/wheel_target.cpp decides, with the last frame's layout). Any other turn never reaches SDL,
// which would cancel it, so the browser does what it does past any box that is done scrolling: it scrolls
// the page, or the course page around ConvPad's frame. Ctrl + wheel (and a trackpad's pinch) is the
// browser's zoom, as everywhere else.
import { uiModule } from './calls.js';

export function leaveUnusedWheelToBrowser(canvas) {
  // On the window, capturing: before the canvas's own listener (SDL's).
  window.addEventListener('wheel', (event) => {
    if (event.target !== canvas) return;
    const box = canvas.getBoundingClientRect();
    const scrollsUi = uiModule && !event.ctrlKey
      && uiModule._convpad_ui_wheel_scrolls(event.clientX - box.left, event.clientY - box.top, event.deltaX, event.deltaY);
    if (!scrollsUi) event.stopPropagation();
  }, { capture: true, passive: true });
}
