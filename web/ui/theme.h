// The app's two colour themes (the URL's theme=, or the system's preference): ImGui's style colours
// and the colours the panels draw with. Everything drawn in "ink" (grids, frames, hover bands) is the
// text colour at some alpha, so it reads on either background.
#pragma once
#include <imgui.h>

namespace convpad::app {

enum class Theme { Dark, Light };
void set_theme(Theme theme);
Theme current_theme();

ImVec4 background_color();  // what the canvas is cleared to (index.html's background matches)

namespace colors {
ImU32 ink(int alpha);       // the text colour at alpha (0-255)
ImU32 well();               // behind plots: a shade darker than the panel
ImU32 accent();             // the guess, selections
ImU32 wrong();              // mistakes
ImU32 right();              // correct guesses, true labels
ImU32 bar_track();          // the empty part of a bar
ImU32 bar_fill();           // bars other than the guess
ImU32 frame();              // thin frames around images
ImU32 section();            // section headings in the Training panel
ImU32 positive();           // signed values on black (filter weights, saliency): above zero
ImU32 negative();           // ... below zero
}  // namespace colors

}  // namespace convpad::app
