// Which wheel turns belong to the UI: see wheel_target.cpp.
#pragma once

namespace convpad::app {

// Whether a wheel turn at (x, y) (CSS pixels of the canvas; dx, dy as the browser's WheelEvent gives them,
// positive to the right and down) would scroll one of the UI's windows, as the last frame laid them out.
bool wheel_scrolls_ui(float x, float y, float dx, float dy);

}  // namespace convpad::app
