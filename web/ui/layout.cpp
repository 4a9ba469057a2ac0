#include "web/ui/layout.h"

#include <array>
#include <stdexcept>
#include <string>

namespace convpad::app {

namespace {
constexpr std::array<Panel, kPanelCount> kPanels = {Panel::Training, Panel::Curves, Panel::Samples,
                                                     Panel::Evaluation, Panel::Pad, Panel::Inside};
std::array<bool, kPanelCount> g_shown = {true, true, true, true, true, true};
LayoutState g_state;
}  // namespace

const char* panel_name(Panel panel) {
    static const char* const names[] = {"training", "curves", "samples", "evaluation", "pad", "inside"};
    return names[int(panel)];
}

const char* panel_title(Panel panel) {
    static const char* const titles[] = {"Train", "Curves", "Samples", "Evaluation", "Pad", "Inside"};
    return titles[int(panel)];
}

Panel panel_from_name(const std::string& name) {
    for (Panel p : kPanels)
        if (name == panel_name(p)) return p;
    throw std::invalid_argument("unknown panel '" + name + "' (known: training, curves, samples, evaluation, pad, inside)");
}

void set_shown_panels(const std::vector<std::string>& names) {
    std::array<bool, kPanelCount> shown{};
    for (const std::string& name : names) shown[int(panel_from_name(name))] = true;
    if (names.empty()) throw std::invalid_argument("no panel to show");
    g_shown = shown;
    if (!g_shown[int(g_state.selected)]) {
        g_state.selected = g_shown[int(Panel::Pad)] ? Panel::Pad : shown_panels().front();
        g_state.select_pending = true;
    }
}

void show_panel(Panel panel) {
    if (!panel_shown(panel)) throw std::invalid_argument(std::string("the ") + panel_name(panel) + " panel is not shown (panels=)");
    g_state.selected = panel;
    g_state.select_pending = true;
}

bool panel_shown(Panel panel) { return g_shown[int(panel)]; }

std::vector<Panel> shown_panels() {
    std::vector<Panel> out;
    for (Panel p : kPanels)
        if (g_shown[int(p)]) out.push_back(p);
    return out;
}

LayoutState& layout_state() { return g_state; }

const char* layout_mode_name(LayoutMode mode) {
    static const char* const names[] = {"columns", "split", "tabs"};
    return names[int(mode)];
}

}  // namespace convpad::app
