// Stub until the panel lands.
#include <imgui.h>

#include "app/app.h"

namespace convpad::app {

void panel_training(const Rect& area, const FrameInfo& frame) {
    ImGui::SetNextWindowPos(ImVec2(area.x, area.y));
    ImGui::SetNextWindowSize(ImVec2(area.w, area.h));
    ImGui::Begin("training", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
    ImGui::TextUnformatted("training");
    ImGui::End();
}

}  // namespace convpad::app
