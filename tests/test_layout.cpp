// Which panels the page shows (web/ui/layout.h): panel names and the URL's panels= list, at least one
// panel shown, the selected tab moving off a panel that is hidden, and show_panel on a hidden panel.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "web/ui/layout.h"

using namespace convpad::app;
using Catch::Contains;

namespace {

const std::vector<Panel> kAll = {Panel::Training, Panel::Curves, Panel::Samples,
                                 Panel::Evaluation, Panel::Pad, Panel::Inside};

// The layout is global state: each test leaves it as the page starts, every panel shown.
struct RestoreLayout {
    ~RestoreLayout() {
        set_shown_panels({"training", "curves", "samples", "evaluation", "pad", "inside"});
        layout_state() = LayoutState{};
    }
};

}  // namespace

TEST_CASE("layout: panel names round-trip", "[ui][layout]") {
    REQUIRE(int(kAll.size()) == kPanelCount);
    const char* const names[] = {"training", "curves", "samples", "evaluation", "pad", "inside"};
    for (int i = 0; i < kPanelCount; ++i) {
        CHECK(std::string(panel_name(kAll[std::size_t(i)])) == names[i]);
        CHECK(panel_from_name(names[i]) == kAll[std::size_t(i)]);
        CHECK(std::string(panel_title(kAll[std::size_t(i)])) != "");
    }
    CHECK(std::string(panel_title(Panel::Training)) == "Train");
    CHECK(std::string(layout_mode_name(LayoutMode::Columns)) == "columns");
    CHECK(std::string(layout_mode_name(LayoutMode::Split)) == "split");
    CHECK(std::string(layout_mode_name(LayoutMode::Tabs)) == "tabs");
}

TEST_CASE("layout: unknown panel names throw std::invalid_argument listing the known ones", "[ui][layout]") {
    CHECK_THROWS_AS(panel_from_name("Pad"), std::invalid_argument);  // names are lower case
    CHECK_THROWS_AS(panel_from_name(""), std::invalid_argument);
    CHECK_THROWS_AS(panel_from_name("pad "), std::invalid_argument);
    CHECK_THROWS_WITH(panel_from_name("plots"),
                      Contains("'plots'") && Contains("training, curves, samples, evaluation, pad, inside"));
}

TEST_CASE("layout: every panel is shown until the page says otherwise", "[ui][layout]") {
    RestoreLayout restore;
    CHECK(shown_panels() == kAll);
    for (Panel p : kAll) CHECK(panel_shown(p));
}

TEST_CASE("layout: set_shown_panels shows exactly the named panels, in the panels' order", "[ui][layout]") {
    RestoreLayout restore;
    set_shown_panels({"pad", "training", "pad"});  // order and repeats do not matter
    CHECK(shown_panels() == std::vector<Panel>{Panel::Training, Panel::Pad});
    CHECK(panel_shown(Panel::Pad));
    CHECK_FALSE(panel_shown(Panel::Curves));
    CHECK_FALSE(panel_shown(Panel::Inside));
}

TEST_CASE("layout: at least one panel is shown, and a bad list changes nothing", "[ui][layout]") {
    RestoreLayout restore;
    set_shown_panels({"curves", "samples"});
    CHECK_THROWS_AS(set_shown_panels({}), std::invalid_argument);
    CHECK_THROWS_WITH(set_shown_panels({"pad", "bogus"}), Contains("'bogus'"));
    CHECK(shown_panels() == std::vector<Panel>{Panel::Curves, Panel::Samples});
    CHECK_FALSE(panel_shown(Panel::Pad));  // "pad" came before the bad name but was not applied
}

TEST_CASE("layout: hiding the selected panel selects another", "[ui][layout]") {
    RestoreLayout restore;
    LayoutState& state = layout_state();
    REQUIRE(state.selected == Panel::Pad);  // the pad's tab first
    REQUIRE_FALSE(state.select_pending);

    set_shown_panels({"curves", "samples"});  // no pad: the first shown panel
    CHECK(state.selected == Panel::Curves);
    CHECK(state.select_pending);

    state.select_pending = false;
    set_shown_panels({"samples", "curves", "inside"});  // the selected panel stays shown: no change
    CHECK(state.selected == Panel::Curves);
    CHECK_FALSE(state.select_pending);

    set_shown_panels({"training", "pad"});  // the pad when it is shown, although training comes first
    CHECK(state.selected == Panel::Pad);
    CHECK(state.select_pending);
}

TEST_CASE("layout: show_panel selects a shown panel and refuses a hidden one", "[ui][layout]") {
    RestoreLayout restore;
    LayoutState& state = layout_state();
    set_shown_panels({"training", "pad"});
    state.select_pending = false;

    show_panel(Panel::Training);
    CHECK(state.selected == Panel::Training);
    CHECK(state.select_pending);

    state.select_pending = false;
    CHECK_THROWS_AS(show_panel(Panel::Inside), std::invalid_argument);
    CHECK_THROWS_WITH(show_panel(Panel::Curves), Contains("curves") && Contains("not shown"));
    CHECK(state.selected == Panel::Training);  // unchanged
    CHECK_FALSE(state.select_pending);
}
