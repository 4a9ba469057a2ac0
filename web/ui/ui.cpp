// The app's layout: training controls on the left, the drawing pad on the right, curves and a
// tabbed predictions/evaluation/inside view in the middle, a status bar at the bottom. Drawing only: the
// engine runs in a Web Worker and the panels read its snapshots (engine_view.h).
#include "web/ui/ui.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "web/ui/app.h"
#include "web/ui/layout.h"
#include "web/ui/theme.h"
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
    // In tab mode the evaluation has a tab of its own.
    const Panel panel = tab == BottomTab::Evaluation ? Panel::Evaluation : tab == BottomTab::Inside ? Panel::Inside : Panel::Samples;
    if (layout_state().mode != LayoutMode::Columns && panel_shown(panel)) show_panel(panel);
}

void ui_init() { set_theme(Theme::Dark); }

static void begin_panel(const char* name, const Rect& r) {
    ImGui::SetNextWindowPos(ImVec2(r.x, r.y));
    ImGui::SetNextWindowSize(ImVec2(r.w, r.h));
}

constexpr ImGuiWindowFlags kFixedWindow = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings;

// Samples, evaluation and the Inside view share a window, as tabs, when more than one is shown.
static void draw_bottom_tabs(const Rect& r) {
    begin_panel("##bottom", r);
    ImGui::Begin("##bottom", nullptr, kFixedWindow);
    if (ImGui::BeginTabBar("bottom-tabs")) {
        const bool force = g_tab_requested;
        g_tab_requested = false;
        if (force) shell_keep_animating();  // ImGui shows a tab selected by code from the next frame
        auto flags_for = [&](BottomTab t) {
            return force && g_bottom_tab == t ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
        };
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        const Rect inner{origin.x, origin.y, r.x + r.w - origin.x, r.y + r.h - origin.y};
        if (panel_shown(Panel::Samples) &&
            ImGui::BeginTabItem("Sample predictions", nullptr, flags_for(BottomTab::Predictions))) {
            if (!force) g_bottom_tab = BottomTab::Predictions;
            panel_samples(inner);
            ImGui::EndTabItem();
        }
        if (panel_shown(Panel::Evaluation) &&
            ImGui::BeginTabItem("Evaluation", nullptr, flags_for(BottomTab::Evaluation))) {
            if (!force) g_bottom_tab = BottomTab::Evaluation;
            panel_evaluation(inner);
            ImGui::EndTabItem();
        }
        if (panel_shown(Panel::Inside) && ImGui::BeginTabItem("Inside", nullptr, flags_for(BottomTab::Inside))) {
            if (!force) g_bottom_tab = BottomTab::Inside;
            panel_inside(inner);
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
    ImGui::End();
}

// Samples or evaluation alone, filling `r` (tab mode).
static void draw_single(const char* name, const Rect& r, void (*panel)(const Rect&)) {
    begin_panel(name, r);
    ImGui::Begin(name, nullptr, kFixedWindow);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    panel({origin.x, origin.y, r.x + r.w - origin.x, r.y + r.h - origin.y});
    ImGui::End();
}

// Columns: training | curves over samples/evaluation/inside | pad. A column whose panels are all hidden
// gives its width to the others.
static void draw_columns(const Rect& area, const FrameInfo& frame) {
    const bool left = panel_shown(Panel::Training), right = panel_shown(Panel::Pad);
    const bool curves = panel_shown(Panel::Curves);
    const bool bottom = panel_shown(Panel::Samples) || panel_shown(Panel::Evaluation) || panel_shown(Panel::Inside);
    const bool middle = curves || bottom;
    const float W = area.w, H = area.h;
    float left_w = 0, right_w = 0;
    if (middle) {
        left_w = left ? std::clamp(W * 0.24f, 250.0f, 320.0f) : 0.0f;
        right_w = right ? std::clamp(W * 0.26f, 280.0f, 480.0f) : 0.0f;  // the pad grows on big screens
    } else if (left && right) {
        left_w = std::floor(std::clamp(W * 0.4f, 250.0f, 420.0f));
        right_w = W - left_w;
    } else {
        left_w = left ? W : 0.0f;
        right_w = right ? W : 0.0f;
    }
    const float mid_w = W - left_w - right_w;
    if (left) panel_training({area.x, area.y, left_w, H}, frame);
    if (middle) {
        const float curves_h = !curves ? 0.0f : bottom ? std::floor(H * 0.42f) : H;
        if (curves) panel_curves({area.x + left_w, area.y, mid_w, curves_h});
        if (bottom) draw_bottom_tabs({area.x + left_w, area.y + curves_h, mid_w, H - curves_h});
    }
    if (right) panel_pad({area.x + W - right_w, area.y, right_w, H});
}

// `panels` one at a time under a row of tabs, in `area`; `entered`: select state.selected's tab.
static void draw_tabs(const Rect& area, const FrameInfo& frame, const std::vector<Panel>& panels, bool entered) {
    LayoutState& state = layout_state();
    if (std::find(panels.begin(), panels.end(), state.selected) == panels.end()) {
        state.selected = panels.front();
        entered = true;
    }
    Rect body = area;
    if (entered) shell_keep_animating();  // ImGui shows a tab selected by code from the next frame
    if (panels.size() > 1) {
        // Finger-sized tabs; narrower padding when six titles would not fit a phone's width whole.
        float titles_w = 0;
        for (Panel p : panels) titles_w += ImGui::CalcTextSize(panel_title(p)).x;
        const float spare = area.w - 12.0f - titles_w - ImGui::GetStyle().ItemInnerSpacing.x * float(panels.size());
        ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(std::clamp(std::floor(spare / (2.0f * float(panels.size()))), 4.0f, 12.0f), 9));
        ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(6, 6));
        const float bar_h = ImGui::GetFrameHeight() + 8.0f;
        begin_panel("##panels", {area.x, area.y, area.w, bar_h});
        ImGui::Begin("##panels", nullptr, kFixedWindow | ImGuiWindowFlags_NoScrollbar);
        if (ImGui::BeginTabBar("panel-tabs", ImGuiTabBarFlags_FittingPolicyResizeDown)) {
            for (Panel p : panels) {
                const ImGuiTabItemFlags flags = entered && p == state.selected ? ImGuiTabItemFlags_SetSelected : 0;
                if (ImGui::BeginTabItem(panel_title(p), nullptr, flags)) {
                    if (!entered) state.selected = p;
                    ImGui::EndTabItem();
                }
            }
            ImGui::EndTabBar();
        }
        ImGui::End();
        ImGui::PopStyleVar(2);
        body = {area.x, area.y + bar_h, area.w, area.h - bar_h};
    }
    switch (state.selected) {
        case Panel::Training: panel_training(body, frame); break;
        case Panel::Curves: panel_curves(body); break;
        case Panel::Samples: draw_single("Samples", body, panel_samples); break;
        case Panel::Evaluation: draw_single("Evaluation", body, panel_evaluation); break;
        case Panel::Pad: panel_pad(body); break;
        case Panel::Inside: draw_single("Inside", body, panel_inside); break;
    }
}

// Medium widths (small iframes): the pad on the right, the other panels as tabs beside it.
static void draw_split(const Rect& area, const FrameInfo& frame, bool entered) {
    std::vector<Panel> others = shown_panels();
    others.erase(std::remove(others.begin(), others.end(), Panel::Pad), others.end());
    if (others.empty() || !panel_shown(Panel::Pad)) {
        draw_columns(area, frame);
        return;
    }
    const float pad_w = std::floor(std::clamp(area.w * 0.4f, 280.0f, 400.0f));
    draw_tabs({area.x, area.y, area.w - pad_w, area.h}, frame, others, entered);
    panel_pad({area.x + area.w - pad_w, area.y, pad_w, area.h});
}

// One text line: phase, data-set download, engine mode and frame time, then the latest notice
// (hover it for the whole text when it is cut off).
static float status_bar_height() { return ImGui::GetTextLineHeight() + 2 * 5.0f + 2.0f; }

static void draw_status_bar(const Rect& r, const FrameInfo& frame) {
    begin_panel("##status", r);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(10, 5));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowMinSize, ImVec2(1, 1));  // ImGui's 32 px minimum would overflow the page
    // NoNav: nothing there to operate, so Ctrl+Tab and the arrow keys pass it by.
    ImGui::Begin("##status", nullptr, kFixedWindow | ImGuiWindowFlags_NoNav);
    ImGui::PopStyleVar(2);
    const EngineView& s = engine();
    ImGui::TextUnformatted(s.data_on_demand() ? "ready" : phase_name(s.phase()));
    const DatasetProgress& data = s.dataset_progress();
    if (!s.status().dataset_ready && data.error.empty() && data.total > 0) {
        ImGui::SameLine();
        ImGui::TextDisabled("| data set %.0f%% of %.1f MB", 100.0 * data.loaded / data.total, data.total / 1e6);
    }
    if (r.w >= kTabsBelowWidth) {  // a phone's one line is for the phase and the notice
        ImGui::SameLine();
        // The frame's own CPU time: the page redraws only when something changes, so a rate would say little.
        ImGui::TextDisabled("| engine: %s, %s | frame %.1f ms", engine_description().c_str(), sgemm_backend(), frame.cpu_ms);
    }
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
    LayoutState& state = layout_state();
    const LayoutMode mode = W < kTabsBelowWidth ? LayoutMode::Tabs : W < kSplitBelowWidth ? LayoutMode::Split : LayoutMode::Columns;
    const bool entered = mode != state.mode || state.select_pending;  // select state.selected's tab once
    state.select_pending = false;
    state.mode = mode;
    const Rect area{0, 0, W, H};
    if (mode == LayoutMode::Tabs) {
        std::vector<Panel> panels = shown_panels();
        std::stable_partition(panels.begin(), panels.end(), [](Panel p) { return p == Panel::Pad; });  // the pad first
        draw_tabs(area, frame, panels, entered);
    } else if (mode == LayoutMode::Split) {
        draw_split(area, frame, entered);
    } else {
        draw_columns(area, frame);
    }
    draw_status_bar({0, H, W, bar_h}, frame);
}

}  // namespace convpad::app
