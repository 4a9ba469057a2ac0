// The app's layout: training controls on the left, the drawing pad on the right, curves and a
// tabbed predictions/evaluation view in the middle, a status bar at the bottom. Drawing only: the
// engine runs in a Web Worker and the panels read its snapshots (engine_view.h).
#include "app/ui.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/app.h"
#include "kernels/gemm.h"

namespace convpad::app {

namespace {
Notice g_notice;
BottomTab g_bottom_tab = BottomTab::Predictions;
bool g_tab_requested = false;
}  // namespace

RunSettings& edited_settings() {
    static RunSettings settings;
    static DatasetId settings_for = DatasetId::Fashion;
    // The settings follow the data set: its own recipe when the page switches (default_run_settings).
    const DatasetInfo& dataset = engine().dataset();
    if (dataset.id != settings_for) {
        settings = default_run_settings(dataset);
        settings_for = dataset.id;
    }
    return settings;
}

void notify(const std::string& text, bool is_error) {
    g_notice = {text, is_error, ImGui::GetCurrentContext() ? ImGui::GetTime() : 0.0};
    std::fprintf(is_error ? stderr : stdout, "convpad: %s\n", text.c_str());
}

const Notice& current_notice() { return g_notice; }

std::string engine_description() {
    const int threads = engine().engine_threads();
    return engine().engine_kind() + ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

void show_bottom_tab(BottomTab tab) {
    g_bottom_tab = tab;
    g_tab_requested = true;
}

void ui_init() {
    ImGui::StyleColorsDark();
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowRounding = 0.0f;  // panels tile the page
    style.WindowBorderSize = 1.0f;
    style.FrameRounding = 3.0f;
    style.GrabRounding = 3.0f;
    style.WindowPadding = ImVec2(10, 8);
}

static void begin_panel(const char* name, const Rect& r) {
    ImGui::SetNextWindowPos(ImVec2(r.x, r.y));
    ImGui::SetNextWindowSize(ImVec2(r.w, r.h));
}

static void draw_bottom_tabs(const Rect& r) {
    begin_panel("##bottom", r);
    ImGui::Begin("##bottom", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
    if (ImGui::BeginTabBar("bottom-tabs")) {
        const bool force = g_tab_requested;
        g_tab_requested = false;
        auto flags_for = [&](BottomTab t) {
            return force && g_bottom_tab == t ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
        };
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        const Rect inner{origin.x, origin.y, r.x + r.w - origin.x, r.y + r.h - origin.y};
        if (ImGui::BeginTabItem("Sample predictions", nullptr, flags_for(BottomTab::Predictions))) {
            if (!force) g_bottom_tab = BottomTab::Predictions;
            panel_samples(inner);
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem("Evaluation", nullptr, flags_for(BottomTab::Evaluation))) {
            if (!force) g_bottom_tab = BottomTab::Evaluation;
            panel_evaluation(inner);
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
    ImGui::End();
}

// One text line: phase, data-set download, engine mode and frame time, then the latest notice
// (hover it for the whole text when it is cut off).
static float status_bar_height() { return ImGui::GetTextLineHeight() + 2 * 5.0f + 2.0f; }

static void draw_status_bar(const Rect& r, const FrameInfo& frame) {
    begin_panel("##status", r);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(10, 5));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowMinSize, ImVec2(1, 1));  // ImGui's 32 px minimum would overflow the page
    ImGui::Begin("##status", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
    ImGui::PopStyleVar(2);
    const EngineView& s = engine();
    ImGui::TextUnformatted(phase_name(s.phase()));
    const DatasetProgress& data = s.dataset_progress();
    if (!s.status().dataset_ready && data.error.empty() && data.total > 0) {
        ImGui::SameLine();
        ImGui::TextDisabled("| data set %.0f%% of %.1f MB", 100.0 * data.loaded / data.total, data.total / 1e6);
    }
    ImGui::SameLine();
    // The frame's own CPU time: the page redraws only when something changes, so a rate would say little.
    ImGui::TextDisabled("| engine: %s, %s | frame %.1f ms", engine_description().c_str(), sgemm_backend(), frame.cpu_ms);
    const Notice& n = current_notice();
    const std::string& text = n.text.empty() ? s.status().message : n.text;
    if (!text.empty()) {
        ImGui::SameLine();
        const ImVec4 color = n.is_error && !n.text.empty() ? ImVec4(1.0f, 0.45f, 0.4f, 1.0f) : ImGui::GetStyle().Colors[ImGuiCol_Text];
        ImGui::TextColored(color, "| %s", text.c_str());
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40.0f);
            ImGui::TextUnformatted(text.c_str());
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
    }
    ImGui::End();
}

void ui_draw(const FrameInfo& frame) {
    const float bar_h = status_bar_height();
    const float W = float(frame.width), H = float(frame.height) - bar_h;
    const float left_w = std::clamp(W * 0.24f, 250.0f, 320.0f);
    const float right_w = std::clamp(W * 0.26f, 280.0f, 480.0f);  // the pad grows on big screens
    const float mid_w = std::max(200.0f, W - left_w - right_w);
    const float curves_h = std::floor(H * 0.42f);
    panel_training({0, 0, left_w, H}, frame);
    panel_curves({left_w, 0, mid_w, curves_h});
    draw_bottom_tabs({left_w, curves_h, mid_w, H - curves_h});
    panel_pad({left_w + mid_w, 0, W - left_w - mid_w, H});
    draw_status_bar({0, H, W, bar_h}, frame);
}

}  // namespace convpad::app
