// Stub until the panel lands.
#include <imgui.h>

#include "app/app.h"

namespace convpad::app {

void panel_samples(const Rect& area) {
    ImGui::SetNextWindowPos(ImVec2(area.x, area.y));
    ImGui::SetNextWindowSize(ImVec2(area.w, area.h));
    ImGui::Begin("samples", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
    ImGui::TextUnformatted("samples");
    ImGui::End();
}

}  // namespace convpad::app
