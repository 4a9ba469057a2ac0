// The app's ImGui user interface, called by the shell (main.cpp) once per frame.
// Panels live in their own files (panel_*.cpp) and are called from ui_draw() in ui.cpp.
#pragma once
#include "web/ui/shell.h"

namespace convpad::app {

void ui_init();                       // once, after ImGui and the GL context exist
void ui_draw(const FrameInfo& frame); // once per frame, between ImGui::NewFrame() and ImGui::Render()

}  // namespace convpad::app
