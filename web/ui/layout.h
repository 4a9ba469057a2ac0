// Where the panels go: which of them the page shows (the URL's panels=), and how they share the
// canvas. Wide canvases get columns (training | curves over samples/evaluation | pad); medium ones
// (small iframes) the pad beside the other panels as tabs; narrow ones (phones) one panel at a time
// under a row of tabs, the pad's first.
#pragma once
#include <string>
#include <vector>

namespace convpad::app {

enum class Panel { Training, Curves, Samples, Evaluation, Pad, Inside };
constexpr int kPanelCount = 6;

const char* panel_name(Panel panel);  // "training", "curves", ... (the URL's names)
const char* panel_title(Panel panel); // "Training", "Curves", ... (tab labels)

Panel panel_from_name(const std::string& name);  // throws std::invalid_argument listing the names

// The panels the page shows; at least one. Throws std::invalid_argument naming an unknown panel.
void set_shown_panels(const std::vector<std::string>& names);
bool panel_shown(Panel panel);
std::vector<Panel> shown_panels();

enum class LayoutMode { Columns, Split, Tabs };
constexpr float kTabsBelowWidth = 720.0f;    // canvas widths below: LayoutMode::Tabs
constexpr float kSplitBelowWidth = 1000.0f;  // below (and not Tabs): LayoutMode::Split
const char* layout_mode_name(LayoutMode mode);  // "columns", "split", "tabs"

struct LayoutState {
    LayoutMode mode = LayoutMode::Columns;  // the last frame's
    Panel selected = Panel::Pad;  // the panel whose tab is shown (Split, Tabs)
    bool select_pending = false;  // select `selected`'s tab in the next frame
};
LayoutState& layout_state();

// Shows `panel` (a shown one; throws std::invalid_argument otherwise): in tab mode, selects its tab.
void show_panel(Panel panel);

}  // namespace convpad::app
