#include "web/ui/plot.h"

#include <algorithm>
#include <cmath>

namespace convpad::app::plot {

// [SECTION] Drawing

void add_text_vertical(ImDrawList* draw, ImVec2 bottom_left, ImU32 color, const char* text) {
    // ImGui culls glyphs outside the clip rect while laying text out, so the text is laid out
    // horizontally at a place inside the clip rect, then its vertices are turned into place.
    const ImVec4 clip = draw->_ClipRectStack.back();
    const float line = ImGui::GetFontSize();
    const ImVec2 at(clip.x, std::clamp(bottom_left.y - line, clip.y, std::max(clip.y, clip.w - line)));
    const int begin = draw->VtxBuffer.Size;
    draw->AddText(at, color, text);
    for (int i = begin; i < draw->VtxBuffer.Size; ++i) {
        ImVec2& p = draw->VtxBuffer[i].pos;
        const float dx = p.x - at.x, dy = p.y - at.y;
        p = ImVec2(bottom_left.x + dy, bottom_left.y - dx);
    }
}

void add_text_right(ImDrawList* draw, ImVec2 top_right, ImU32 color, const char* text) {
    draw->AddText(ImVec2(top_right.x - ImGui::CalcTextSize(text).x, top_right.y), color, text);
}

void legend_item(ImU32 color, const char* name, bool line) {
    const float h = ImGui::GetTextLineHeight();
    const float swatch = line ? std::round(h * 1.2f) : std::round(h * 0.7f);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float cy = std::round(p.y + h * 0.5f);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    if (line) draw->AddLine(ImVec2(p.x, cy), ImVec2(p.x + swatch, cy), color, 2.5f);
    else draw->AddCircleFilled(ImVec2(p.x + swatch * 0.5f, cy), h * 0.25f, color, 12);
    ImGui::Dummy(ImVec2(swatch + 4.0f, h));
    ImGui::SameLine(0, 0);
    ImGui::TextUnformatted(name);
}

}  // namespace convpad::app::plot
