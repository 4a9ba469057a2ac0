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
