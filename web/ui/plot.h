// Plotting helpers on ImGui's ImDrawList (there is no ImPlot in Debian): rotated and right-aligned
// text and legend entries, plus the ImGui-free arithmetic of plot_math.h (ticks, scales, decimation,
// number formats). Used by panel_curves.cpp and panel_evaluation.cpp.
// All positions are CSS pixels (ImGui's coordinates).
#pragma once
#include <imgui.h>

#include "web/ui/plot_math.h"

namespace convpad::app::plot {

// [SECTION] Drawing
// Text turned 90 degrees counter-clockwise (reads bottom to top); `bottom_left` is the corner of
// the turned text's box nearest the baseline's start. Clipped by the draw list's current clip rect.
void add_text_vertical(ImDrawList* draw, ImVec2 bottom_left, ImU32 color, const char* text);
// Text with its top-right corner at `top_right`.
void add_text_right(ImDrawList* draw, ImVec2 top_right, ImU32 color, const char* text);
// A small colour swatch plus a name, as a legend entry in the current line; `line` true draws a
// short line sample, false a filled dot. Advances the cursor like a widget.
void legend_item(ImU32 color, const char* name, bool line);

}  // namespace convpad::app::plot
