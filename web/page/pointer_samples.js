// The pointer positions the browser merged into one move event (it delivers at most one per frame): each
// goes to the UI module before SDL queues the event itself, so a quick stroke on the pad keeps its curves
// however slow the frames are (panel_pad.cpp's input watch). Only the primary pointer with a button down
// or a finger on the screen: what draws.
import { uiModule } from './calls.js';

export function passMergedPointerMoves(canvas) {
  if (typeof PointerEvent === 'undefined' || !('getCoalescedEvents' in PointerEvent.prototype)) return;
  canvas.addEventListener('pointermove', (event) => {
    if (!uiModule || !event.isPrimary || !(event.buttons & 1)) return;
    const merged = event.getCoalescedEvents();
    if (merged.length < 2) return;
    const box = canvas.getBoundingClientRect();
    // The last one is the event's own position, which SDL gets from the mouse or touch event that follows.
    for (const e of merged.slice(0, -1)) uiModule._convpad_ui_pointer_sample(e.clientX - box.left, e.clientY - box.top);
  }, { passive: true });
}
