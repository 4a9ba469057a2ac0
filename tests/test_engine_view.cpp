// EngineView (web/ui/engine_view.h): the main thread's one copy of the engine's state, and what each update
// brought that the page announces as events.
#include <catch2/catch.hpp>

#include <limits>

#include "session/protocol.h"
#include "train/metrics.h"
#include "web/ui/engine_view.h"

using namespace convpad;
using namespace convpad::app;
using nlohmann::json;

namespace {

// An update as web/worker/engine_api.cpp sends it.
json update(Phase phase, long run_id, bool restart, int epochs_done = 0, DatasetId dataset = DatasetId::Fashion,
            bool has_run = true) {
    RunStatus s;
    s.dataset = dataset;
    s.phase = phase;
    s.run_id = run_id;
    s.has_run = has_run;
    s.settings.epochs = 7;
    std::vector<EpochReport> epochs;
    for (int e = 1; e <= epochs_done; ++e) epochs.push_back({e, 0.5, 0.8, 0.4, 0.85, true, 0.001f, 3.0});
    return {{"status", protocol::status_json(s)},
            {"restart", restart},
            {"losses", protocol::loss_points_json({{1, 2.0f, 0.001f}}, 0)},
            {"epochs", protocol::epochs_json(epochs, 0)}};
}

}  // namespace

TEST_CASE("engine view: the first update is state, not news", "[engine_view]") {
    EngineView view;
    CHECK_FALSE(view.has_status());
    const UpdateNews news = view.apply_update(update(Phase::Training, 1, true, 1));
    CHECK(view.has_status());
    CHECK_FALSE(news.phase_changed);
    CHECK(news.new_epochs == 0);
    CHECK_FALSE(news.run_started);
    CHECK(view.epochs().size() == 1);
}

TEST_CASE("engine view: a run's phases, epochs and end are announced once each", "[engine_view]") {
    EngineView view;
    view.apply_update(update(Phase::Idle, 0, true, 0, DatasetId::Fashion, false));

    UpdateNews news = view.apply_update(update(Phase::Training, 1, true));
    CHECK(news.phase_changed);
    CHECK(news.run_started);
    CHECK_FALSE(news.run_ended);

    news = view.apply_update(update(Phase::Training, 1, false, 2));
    CHECK_FALSE(news.phase_changed);
    CHECK(news.new_epochs == 2);
    CHECK(view.epochs().size() == 2);
    CHECK(view.losses().size() == 2);  // one per update: the logs append

    news = view.apply_update(update(Phase::Paused, 1, false));
    CHECK(news.phase_changed);
    CHECK_FALSE(news.run_ended);  // paused is still the run

    news = view.apply_update(update(Phase::Idle, 1, false, 1));
    CHECK(news.run_ended);
    CHECK(news.new_epochs == 1);
    CHECK(view.epochs().size() == 3);

    news = view.apply_update(update(Phase::Training, 2, true));  // a new run: the logs begin again
    CHECK(news.run_started);
    CHECK(view.epochs().empty());
    CHECK(view.losses().size() == 1);
    CHECK(view.status().settings.epochs == 7);
}

TEST_CASE("engine view: another data set's update is no news", "[engine_view]") {
    EngineView view;
    view.apply_update(update(Phase::Training, 1, true));
    const UpdateNews news = view.apply_update(update(Phase::Idle, 4, true, 3, DatasetId::Digits));
    CHECK_FALSE(news.phase_changed);
    CHECK_FALSE(news.run_ended);
    CHECK_FALSE(news.run_started);
    CHECK(news.new_epochs == 0);
    CHECK(view.dataset().id == DatasetId::Digits);
    CHECK(view.epochs().size() == 3);  // the other set's logs arrive whole
}

TEST_CASE("engine view: a malformed update changes nothing", "[engine_view]") {
    EngineView view;
    view.apply_update(update(Phase::Training, 1, true, 1));
    json bad = update(Phase::Idle, 2, true);
    bad["epochs"] = json::array({json{{"epoch", "one"}}});
    CHECK_THROWS(view.apply_update(bad));
    CHECK_THROWS(view.apply_update(json{{"restart", true}}));
    CHECK(view.phase() == Phase::Training);
    CHECK(view.status().run_id == 1);
    CHECK(view.epochs().size() == 1);
}

TEST_CASE("engine view: a failed run is announced once, with its reason", "[engine_view]") {
    EngineView view;
    view.apply_update(update(Phase::Training, 1, true));
    json failed = update(Phase::Idle, 1, false);
    failed["status"]["failure"] = "training stopped: out of memory";
    UpdateNews news = view.apply_update(failed);
    CHECK(news.run_ended);
    CHECK(news.failure == "training stopped: out of memory");
    CHECK(view.status().failure == "training stopped: out of memory");
    news = view.apply_update(failed);  // the same state again is no news
    CHECK(news.failure.empty());
}

TEST_CASE("engine view: numbers out of range are refused, not wrapped", "[engine_view]") {
    EngineView view;
    json u = update(Phase::Idle, 1, true);
    u["evaluation"] = protocol::evaluation_json(evaluation_from_confusion(std::vector<long>(100, 1), 10),
                                                dataset_info(DatasetId::Fashion));
    u["evaluation"]["predicted"] = json::array({3, 266});  // 266 would wrap to 10 in a byte
    CHECK_THROWS_WITH(view.apply_update(u), Catch::Contains("a predicted class must be from 0 to 9 (got 266)"));
    CHECK(view.evaluation() == nullptr);
    CHECK_THROWS_WITH(whole_number(json(4294967306ull), 0, std::numeric_limits<int>::max(), "a sample's index"),
                      Catch::Contains("(got 4294967306)"));
    CHECK_THROWS_WITH(whole_number(json(18446744073709551615ull), 0, 10, "x"), Catch::Contains("x must be from 0 to 10"));
    CHECK_THROWS_WITH(whole_number(json(2.5), 0, 10, "x"), Catch::Contains("x must be a whole number"));
    CHECK(whole_number(json(7), 0, 10, "x") == 7);
}
