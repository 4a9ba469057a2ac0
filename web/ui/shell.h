// Platform shell of the browser app: what the UI code may ask the shell (main.cpp) about.
// The shell owns SDL2, the WebGL2 context, Dear ImGui's backends and the frame (drawn on demand);
// UI code (ui.cpp, panel_*.cpp) only draws ImGui widgets once per frame.
#pragma once
#include <cstdint>

namespace convpad::app {

// Timing and size of the frame being drawn. Sizes are CSS pixels (ImGui's coordinates);
// the canvas backing store is css size * pixel_ratio device pixels.
struct FrameInfo {
    std::uint64_t index = 0;   // frames rendered before this one
    double interval_ms = 0;    // time between the starts of the last two frames
    double cpu_ms = 0;         // smoothed time spent in the previous frames' C++ code
    float pixel_ratio = 1;     // window.devicePixelRatio
    int width = 0, height = 0; // canvas size in CSS pixels
};

// Asks for the next frame although nothing else changes (an animation, a progress indicator).
void shell_keep_animating();

// Frames rendered since start; readable from JS as Module._convpad_ui_frame_count().
std::uint64_t shell_frame_count();

// Shows a fatal error in the page's error area (index.html) and stops the main loop.
void shell_fatal(const char* message);

}  // namespace convpad::app
