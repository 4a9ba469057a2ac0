// Drawing helpers the panels share: grayscale images and rows of class-probability bars. All sizes
// are CSS pixels (ImGui's coordinates).
//
// 28x28 images are one textured quad each, from a texture atlas keyed by their pixels; other sizes
// (and the rare frame whose atlas is full) are drawn as rectangles, one per run of equal gray.
// ImDrawIdx is 32-bit in this build (web/web.cmake), so a window may hold more than 64k vertices.
#pragma once
#include <imgui.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "web/ui/theme.h"
#include "data/dataset.h"

namespace convpad::app {

// [SECTION] Colours (theme.h)
ImVec4 to_vec4(ImU32 color);

// A button in the accent colour: the one action a panel suggests next (Start, Resume, Evaluate).
bool accent_button(const char* label, ImVec2 size = ImVec2(0, 0));

// [SECTION] Images
// Draws a (height, width) row-major grayscale image, values in [0,1] (0 black, 1 white), scaled to
// fill [pos, pos + size). Returns the number of quads drawn (1 for an atlas image).
int draw_gray_image(ImDrawList* draw, ImVec2 pos, ImVec2 size, const float* pixels, int width, int height,
                    int levels = 64);
inline int draw_gray_image(ImDrawList* draw, ImVec2 pos, float side, const float* pixels28) {  // 28x28
    return draw_gray_image(draw, pos, ImVec2(side, side), pixels28, kImageSide, kImageSide);
}

// The same in two steps, for a big image that changes less often than it is drawn: find the runs
// once (one pass over the pixels), then draw them each frame.
struct GrayRun {
    std::uint16_t x0, x1, y;  // pixels [x0, x1) of row y
    std::uint8_t gray;        // 1..255 (black is the background)
};
void find_gray_runs(const float* pixels, int width, int height, int levels, std::vector<GrayRun>& runs);
void draw_gray_runs(ImDrawList* draw, ImVec2 pos, ImVec2 size, int width, int height, const std::vector<GrayRun>& runs);

// [SECTION] Probabilities
// "87%", "4.2%", "<0.1%": whole percent from 10%, one decimal below.
std::string format_percent(float probability);

// Class indices ordered by falling probability (ties: lower class first).
std::array<int, kNumClasses> classes_by_probability(const std::array<float, kNumClasses>& probs);

// One row per entry of `classes` (count of them), each: class name | bar | percentage, filling the
// content width from the cursor. `guess` gets the accent colour (kWrong when truth >= 0 and differs);
// `truth` (or -1) has its name in kRight with a " (true)" mark. Advances the cursor like a widget.
// row_height 0 = the text line height plus a small gap.
void probability_bars(const std::array<float, kNumClasses>& probs, const int* classes, int count, int guess,
                      int truth = -1, float row_height = 0);

// Class c's name in the engine's current data set ("Trouser", "7").
const char* class_name(int c);
// Width of the widest class name of the current data set ("T-shirt/top") in the current font.
float class_name_width();

}  // namespace convpad::app
