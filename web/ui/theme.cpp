#include "web/ui/theme.h"

namespace convpad::app {

namespace {
Theme g_theme = Theme::Dark;

bool light() { return g_theme == Theme::Light; }

// Our layout on top of ImGui's colours: panels tile the page.
void apply_shape(ImGuiStyle& style) {
    style.WindowRounding = 0.0f;
    style.WindowBorderSize = 1.0f;
    style.FrameRounding = 3.0f;
    style.GrabRounding = 3.0f;
    style.WindowPadding = ImVec2(10, 8);
}
}  // namespace

void set_theme(Theme theme) {
    g_theme = theme;
    ImGuiStyle& style = ImGui::GetStyle();
    if (light()) {
        ImGui::StyleColorsLight(&style);
        style.Colors[ImGuiCol_WindowBg] = ImVec4(0.96f, 0.965f, 0.975f, 1.0f);
        style.Colors[ImGuiCol_Border] = ImVec4(0.0f, 0.0f, 0.0f, 0.14f);
        style.Colors[ImGuiCol_TextDisabled] = ImVec4(0.36f, 0.39f, 0.45f, 1.0f);  // AA contrast on the panels
    } else {
        ImGui::StyleColorsDark(&style);
    }
    apply_shape(style);
}

Theme current_theme() { return g_theme; }

ImVec4 background_color() {
    return light() ? ImVec4(0.953f, 0.957f, 0.969f, 1.0f) : ImVec4(0.09f, 0.10f, 0.12f, 1.0f);
}

namespace colors {
ImU32 ink(int alpha) { return light() ? IM_COL32(20, 24, 32, alpha) : IM_COL32(255, 255, 255, alpha); }
ImU32 well() { return light() ? IM_COL32(0, 0, 0, 12) : IM_COL32(0, 0, 0, 45); }
ImU32 accent() { return light() ? IM_COL32(37, 99, 210, 255) : IM_COL32(77, 141, 246, 255); }
ImU32 wrong() { return light() ? IM_COL32(200, 52, 48, 255) : IM_COL32(240, 96, 90, 255); }
ImU32 right() { return light() ? IM_COL32(34, 128, 52, 255) : IM_COL32(110, 200, 120, 255); }
ImU32 bar_track() { return ink(20); }
ImU32 bar_fill() { return light() ? IM_COL32(132, 140, 156, 255) : IM_COL32(150, 158, 172, 255); }
ImU32 frame() { return ink(40); }
// Drawn into images (white on black in either theme), so bright in both; red and blue as heat maps have them.
ImU32 positive() { return light() ? IM_COL32(236, 80, 60, 255) : IM_COL32(255, 96, 72, 255); }
ImU32 negative() { return light() ? IM_COL32(56, 136, 255, 255) : IM_COL32(72, 150, 255, 255); }
ImU32 section() { return light() ? IM_COL32(84, 94, 112, 255) : IM_COL32(140, 150, 168, 255); }
}  // namespace colors

}  // namespace convpad::app
