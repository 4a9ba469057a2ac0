// A wheel turn over the canvas is the UI's only when it scrolls one of its windows there. Any other turn is
// left to the browser, so that in a course page the page scrolls on past the frame, as it does past any
// other scrolled box on the web, instead of stopping wherever the pointer crosses ConvPad.
//
// The window is picked as ImGui::UpdateMouseWheel() picks it (imgui.cpp, 1.86): the topmost window under
// the pointer, then up through its parents while a child cannot scroll that way or leaves the wheel to
// its parent (NoScrollWithMouse).
#include "web/ui/wheel_target.h"

#include <imgui.h>
#include <imgui_internal.h>

namespace convpad::app {
namespace {

ImGuiWindow* window_under(const ImGuiContext& g, ImVec2 point) {
    for (int i = g.Windows.Size - 1; i >= 0; --i) {
        ImGuiWindow* w = g.Windows[i];
        if (!w->WasActive || w->Hidden || (w->Flags & ImGuiWindowFlags_NoMouseInputs)) continue;
        if (w->OuterRectClipped.Contains(point)) return w;
    }
    return nullptr;
}

bool leaves_wheel_to_parent(const ImGuiWindow* w, float scroll_max) {
    return (w->Flags & ImGuiWindowFlags_ChildWindow) &&
           (scroll_max == 0.0f || (w->Flags & ImGuiWindowFlags_NoScrollWithMouse));
}

// axis 1: vertical, 0: horizontal. delta > 0 scrolls towards the end.
bool scrolls(ImGuiWindow* w, int axis, float delta) {
    while (leaves_wheel_to_parent(w, w->ScrollMax[axis])) w = w->ParentWindow;
    if (w->Flags & (ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_NoMouseInputs)) return false;
    return delta > 0.0f ? w->Scroll[axis] < w->ScrollMax[axis] : w->Scroll[axis] > 0.0f;
}

}  // namespace

bool wheel_scrolls_ui(float x, float y, float dx, float dy) {
    const ImGuiContext* g = ImGui::GetCurrentContext();
    if (!g) return false;
    ImGuiWindow* w = window_under(*g, ImVec2(x, y));
    if (!w || w->Collapsed) return false;
    return (dy != 0.0f && scrolls(w, 1, dy)) || (dx != 0.0f && scrolls(w, 0, dx));
}

}  // namespace convpad::app
