// The wire format between the page's engine worker and its UI (src/session/protocol.h): what one side
// writes, the other reads back unchanged; bad options are refused with their name and change nothing.
#include <catch2/catch.hpp>

#include <cmath>

#include "session/protocol.h"

using namespace convpad;
using namespace convpad::protocol;
using Catch::Matchers::Contains;

TEST_CASE("protocol: a status survives JSON, NaN included", "[protocol]") {
    RunStatus s;
    s.phase = Phase::Paused;
    s.run_id = 7;
    s.model_version = 123;
    s.arch = "flatten-dense10";
    s.params = 7850;
    s.dataset = DatasetId::Digits;
    s.message = "training flatten-dense10";
    s.dataset_ready = true;
    s.has_run = true;
    s.validating = true;
    s.settings.epochs = 9;
    s.settings.subset = 640;
    s.settings.dropout = -1;
    s.epoch = 2, s.epochs = 9, s.step = 17, s.steps_per_epoch = 40, s.steps_done = 57;
    s.train_loss = 0.5;
    s.learning_rate = 0.001;
    s.val_loss = NAN;  // no validation yet: null on the wire
    s.images_per_second = 2048;
    const RunStatus back = status_from_json(json::parse(status_json(s).dump()));
    CHECK(back.dataset == DatasetId::Digits);
    CHECK(status_json(s)["dataset"] == "digits");
    CHECK_THROWS_AS(status_from_json(json{{"dataset", "cifar"}}), std::invalid_argument);
    CHECK(back.phase == Phase::Paused);
    CHECK(back.run_id == 7);
    CHECK(back.model_version == 123);
    CHECK(back.arch == s.arch);
    CHECK(back.params == 7850);
    CHECK(back.message == s.message);
    CHECK(back.dataset_ready);
    CHECK(back.has_run);
    CHECK(back.validating);
    CHECK(back.settings.epochs == 9);
    CHECK(back.settings.subset == 640);
    CHECK(back.settings.dropout < 0);
    CHECK(back.step == 17);
    CHECK(back.steps_done == 57);
    CHECK(back.train_loss == 0.5);
    CHECK(std::isnan(back.val_loss));
    CHECK(std::isnan(back.eta_seconds));
    CHECK(back.images_per_second == 2048);
    CHECK(status_json(s)["valLoss"].is_null());
    // The page's status() is the UI's copy written out again: it must be the engine's message, to the letter.
    CHECK(status_json(back).dump() == status_json(s).dump());
}

TEST_CASE("protocol: log entries, predictions and evaluations survive JSON", "[protocol]") {
    const std::vector<LossPoint> losses = {{1, 2.5f, 0.01f}, {2, 2.25f, 0.005f}, {3, NAN, 0.0025f}};
    const json tail = loss_points_json(losses, 1);  // only what the page has not had yet
    REQUIRE(tail.size() == 2);
    const auto back = loss_points_from_json(json::parse(tail.dump()));
    CHECK(back[0].step == 2);
    CHECK(back[0].loss == 2.25f);
    CHECK(back[0].learning_rate == 0.005f);
    CHECK(std::isnan(back[1].loss));

    const std::vector<EpochReport> epochs = {{1, 0.9, 0.7, 0.8, 0.75, true, 0.001f, 12.5}};
    const auto e = epochs_from_json(json::parse(epochs_json(epochs, 0).dump()));
    REQUIRE(e.size() == 1);
    CHECK(e[0].val_accuracy == 0.75);
    CHECK(e[0].improved);
    CHECK(e[0].learning_rate == 0.001f);
    CHECK(epochs_json(epochs, 1).empty());

    Prediction p;
    p.label = 3;
    p.probs[3] = 0.75f;
    p.probs[1] = 0.25f;
    const json pj = prediction_json(p, dataset_info(DatasetId::Fashion));
    CHECK(pj["name"] == "Dress");
    CHECK(prediction_json(p, dataset_info(DatasetId::Digits))["name"] == "3");
    const Prediction pb = prediction_from_json(pj);
    CHECK(pb.label == 3);
    CHECK(pb.probs == p.probs);
    CHECK_THROWS_AS(prediction_from_json(json{{"label", 12}, {"probs", p.probs}}), std::invalid_argument);

    const Evaluation ev = evaluation_from_confusion({5, 1, 0, 2, 7, 1, 0, 0, 4}, 3);
    const Evaluation eb = evaluation_from_json(json::parse(evaluation_json(ev, dataset_info(DatasetId::Digits)).dump()));
    CHECK(evaluation_json(ev, dataset_info(DatasetId::Digits))["classNames"][9] == "9");
    CHECK(eb.confusion == ev.confusion);
    CHECK(eb.accuracy == ev.accuracy);
    CHECK(eb.macro.f1 == ev.macro.f1);
    // evaluate() answers with the UI's copy written out again, the engine's message to the letter.
    Evaluation with_loss = ev;
    with_loss.loss = 0.3125;
    const json sent = evaluation_json(with_loss, dataset_info(DatasetId::Digits));
    CHECK(evaluation_json(evaluation_from_json(json::parse(sent.dump())), dataset_info(DatasetId::Digits)).dump() == sent.dump());
    CHECK(epochs_json(e, 0).dump() == epochs_json(epochs, 0).dump());
    CHECK(loss_points_json(loss_points_from_json(tail), 0).dump() == tail.dump());
}

TEST_CASE("protocol: run settings round trip; a bad option names itself and changes nothing", "[protocol]") {
    RunSettings s;
    s.arch = "conv8k3-relu-pool2-flatten-dense10";
    s.epochs = 3;
    s.batch_size = 32;
    s.learning_rate = 0.003f;
    s.optimizer = "sgd";
    s.dropout = 0.25f;
    s.validation = 100;
    s.patience = 0;
    s.subset = 500;
    s.seed = (1ULL << 53) - 1;
    s.augment.shift = 2.5f;
    s.augment.rotate = 10;
    s.augment.scale = 0.1f;
    s.augment.flip = true;
    s.augment.drawn = 0.3f;
    s.sketches = 20;
    s.schedule = {LrSchedule::OneCycle, 1.5f};
    s.weight_decay = 0.05f;
    s.label_smoothing = 0.1f;
    const RunSettings back = settings_from_json(json::parse(settings_json(s).dump()));
    CHECK(back.schedule.kind == LrSchedule::OneCycle);
    CHECK(back.schedule.warmup_epochs == 1.5f);
    CHECK(back.weight_decay == 0.05f);
    CHECK(back.label_smoothing == 0.1f);
    CHECK(back.arch == s.arch);
    CHECK(back.epochs == 3);
    CHECK(back.batch_size == 32);
    CHECK(back.learning_rate == 0.003f);
    CHECK(back.optimizer == "sgd");
    CHECK(back.dropout == 0.25f);
    CHECK(back.validation == 100);
    CHECK(back.patience == 0);
    CHECK(back.subset == 500);
    CHECK(back.seed == s.seed);
    CHECK(back.augment.shift == 2.5f);
    CHECK(back.augment.rotate == 10.0f);
    CHECK(back.augment.scale == 0.1f);
    CHECK(back.augment.flip);
    CHECK(back.augment.drawn == 0.3f);
    CHECK(back.sketches == 20);
    RunStatus status;
    status.has_run = true;
    status.settings = s;
    CHECK(status_from_json(status_json(status)).settings.augment.drawn == 0.3f);
    CHECK(status_from_json(status_json(status)).settings.schedule.kind == LrSchedule::OneCycle);
    CHECK(status_from_json(status_json(status)).settings.label_smoothing == 0.1f);
    CHECK(settings_json(s)["learningRate"].dump() == "0.003");  // the decimal as typed

    RunSettings kept = s;
    CHECK_THROWS_WITH(apply_option("epoch", 3, kept), Contains("unknown option 'epoch'"));
    CHECK_THROWS_WITH(apply_option("epochs", 0, kept), Contains("epochs must be an integer from 1 to 1000"));
    CHECK_THROWS_WITH(apply_option("subset", -5, kept), Contains("subset"));
    CHECK_THROWS_WITH(apply_option("learningRate", "fast", kept), Contains("learningRate"));
    CHECK_THROWS_WITH(apply_option("arch", "conv8k3-oops", kept), Contains("'oops'"));
    CHECK_THROWS_WITH(apply_option("seed", json(1ULL << 60), kept), Contains("seed"));
    CHECK_THROWS_WITH(apply_option("rotate", 46, kept), Contains("rotate"));
    CHECK_THROWS_WITH(apply_option("drawn", 1.5, kept), Contains("drawn"));
    CHECK_THROWS_WITH(apply_option("flip", 1, kept), Contains("flip must be true or false"));
    CHECK_THROWS_WITH(apply_option("sketches", 101, kept), Contains("sketches"));
    CHECK_THROWS_WITH(apply_option("shift", "a lot", kept), Contains("shift"));
    CHECK_THROWS_WITH(apply_option("optimizer", "rmsprop", kept), Contains("optimizer must be 'adam', 'adamw' or 'sgd'"));
    CHECK_THROWS_WITH(apply_option("schedule", "exponential", kept), Contains("schedule must be 'plateau', 'step', 'cosine' or 'onecycle'"));
    CHECK_THROWS_WITH(apply_option("warmup", -1, kept), Contains("warmup"));
    CHECK_THROWS_WITH(apply_option("weightDecay", 2, kept), Contains("weightDecay must be in [0, 1]"));
    CHECK_THROWS_WITH(apply_option("labelSmoothing", 0.6, kept), Contains("labelSmoothing must be in [0, 0.5]"));
    CHECK(settings_json(kept) == settings_json(s));
    apply_option("dropout", nullptr, kept);
    CHECK(kept.dropout < 0);
}

// Whole numbers are read as 64 bits and checked against the range their field has in every build (long and
// size_t are 32 bits in the page's wasm32): the wasm runner executes this case too, so both refuse alike.
TEST_CASE("protocol: numbers beyond 32 bits are refused alike in every build, naming the field", "[protocol]") {
    auto status_with = [](const char* key, const char* value) { return json{{key, json::parse(value)}}; };
    CHECK_THROWS_WITH(status_from_json(status_with("runId", "4294967306")),
                      "runId must be an integer from -2147483648 to 2147483647 (got 4294967306)");
    CHECK_THROWS_WITH(status_from_json(status_with("params", "4294967296")),
                      "params must be an integer from 0 to 4294967295 (got 4294967296)");
    CHECK_THROWS_WITH(status_from_json(status_with("params", "-1")), "params must be an integer from 0 to 4294967295 (got -1)");
    CHECK_THROWS_WITH(status_from_json(status_with("stepsDone", "18446744073709551615")),
                      Contains("stepsDone must be an integer from -2147483648 to 2147483647 (got 18446744073709551615)"));
    CHECK_THROWS_WITH(status_from_json(status_with("epoch", "2.5")), Contains("epoch must be an integer"));
    CHECK_THROWS_WITH(status_from_json(status_with("arch", "3")), "arch has the wrong type (got 3)");
    CHECK(status_from_json(status_with("runId", "2147483647")).run_id == 2147483647);

    CHECK_THROWS_WITH(loss_points_from_json(json::parse("[[4294967297, 0.5]]")),
                      "a loss point's step must be an integer from -2147483648 to 2147483647 (got 4294967297)");
    CHECK_THROWS_WITH(epochs_from_json(json::parse(R"([{"epoch": 4294967297}])")),
                      "epoch must be an integer from -2147483648 to 2147483647 (got 4294967297)");
    std::array<float, kNumClasses> probs{};
    CHECK_THROWS_WITH(prediction_from_json(json{{"label", json::parse("4294967297")}, {"probs", probs}}),
                      "a prediction's label must be an integer from 0 to 9 (got 4294967297)");
    // A negative count, and counts whose sums (in long) would wrap 32 bits: 100 cells of at most 2^31 / 100.
    json confusion = json::array();
    for (int t = 0; t < 10; ++t) confusion.push_back(json::array({1, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    confusion[3][3] = -3;
    CHECK_THROWS_WITH(evaluation_from_json(json{{"confusion", confusion}}),
                      "a count of the confusion matrix must be an integer from 0 to 21474836 (got -3)");
    confusion[3][3] = json::parse("4294967296");
    CHECK_THROWS_WITH(evaluation_from_json(json{{"confusion", confusion}}), Contains("(got 4294967296)"));

    // A run option (train()'s and the URL's keys), unsigned or not.
    RunSettings kept;
    CHECK_THROWS_WITH(apply_option("epochs", json::parse("4294967297"), kept),
                      "epochs must be an integer from 1 to 1000 (got 4294967297)");
    CHECK_THROWS_WITH(apply_option("batchSize", json::parse("18446744073709551615"), kept),
                      "batchSize must be an integer from 1 to 4096 (got 18446744073709551615)");
    CHECK(kept.epochs == RunSettings{}.epochs);
}
