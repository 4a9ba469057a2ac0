// The interactive session under the browser app: loading, time-sliced training, pause/resume/reset,
// evaluation and model swaps, on small synthetic data.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/model_file.h"
#include "test_data_helpers.h"
#include "train/session.h"

using namespace convpad;
using Catch::Matchers::Contains;

namespace {

constexpr const char* kTinyArch = "conv4k3-relu-pool2-flatten-dense16-relu-drop0.5-dense10";

// Class c is a bright horizontal bar at row 2 + 2c: easy to learn, impossible to guess.
void load_bars(Session& session, int train_count, int test_count) {
    auto make = [](int count, std::uint32_t seed, std::vector<std::uint8_t>& pixels, std::vector<std::uint8_t>& labels) {
        Rng rng(seed);
        pixels.assign(std::size_t(count) * kImagePixels, 0);
        labels.resize(count);
        for (int i = 0; i < count; ++i) {
            const int c = int(rng.below(10));
            labels[i] = std::uint8_t(c);
            for (int x = 4; x < 24; ++x) pixels[std::size_t(i) * kImagePixels + (2 + 2 * c) * 28 + x] = 200 + rng.below(56);
        }
    };
    std::vector<std::uint8_t> px, lb;
    make(train_count, 1, px, lb);
    const auto train_images = convpad_test::idx_images(train_count, 28, 28, px);
    const auto train_labels = convpad_test::idx_labels(lb);
    make(test_count, 2, px, lb);
    const auto test_images = convpad_test::idx_images(test_count, 28, 28, px);
    const auto test_labels = convpad_test::idx_labels(lb);
    session.set_data_file(DataFile::TrainImages, train_images.data(), train_images.size());
    session.set_data_file(DataFile::TrainLabels, train_labels.data(), train_labels.size());
    session.set_data_file(DataFile::TestImages, test_images.data(), test_images.size());
    REQUIRE(session.phase() == Phase::Loading);
    session.set_data_file(DataFile::TestLabels, test_labels.data(), test_labels.size());
}

SessionSettings tiny_settings() {
    SessionSettings s;
    s.arch = kTinyArch;
    s.epochs = 3;
    s.batch_size = 32;
    s.validation = 100;
    s.patience = 0;
    s.learning_rate = 3e-3f;
    return s;
}

void run_until_idle(Session& session) {
    for (int guard = 0; guard < 100000 && session.phase() != Phase::Idle; ++guard) session.tick(5.0);
    REQUIRE(session.phase() == Phase::Idle);
}

}  // namespace

TEST_CASE("session: with_dropout rewrites every dropout rate", "[session]") {
    CHECK(with_dropout("dense64-drop0.5-dense32-drop0.2-dense10", 0.25f) == "dense64-drop0.25-dense32-drop0.25-dense10");
    CHECK(with_dropout("dense64-drop0.5-dense10", -1.0f) == "dense64-drop0.5-dense10");
    CHECK(with_dropout(kDefaultArch, 0.0f).find("drop0-") != std::string::npos);
}

TEST_CASE("session: classification works before the data set arrives", "[session]") {
    Session session(kTinyArch);
    CHECK(session.phase() == Phase::Loading);
    std::vector<float> pixels(kImagePixels, 0.5f);
    const Prediction p = session.classify(pixels.data());
    float sum = 0;
    for (float v : p.probs) sum += v;
    CHECK(sum == Approx(1.0f));
    CHECK_THROWS_WITH(session.start_training(tiny_settings()), Contains("still loading"));
}

TEST_CASE("session: a run trains in slices, records curves and ends idle", "[session]") {
    Session session(kTinyArch);
    load_bars(session, 600, 200);
    REQUIRE(session.phase() == Phase::Idle);
    REQUIRE(session.sample_indices().size() == 48);
    session.start_training(tiny_settings());
    CHECK(session.phase() == Phase::Training);
    session.tick(0.0);  // one unit of work: a micro-batch of 16
    CHECK(session.loss_history().empty());
    session.tick(0.0);
    REQUIRE(session.loss_history().size() == 1);  // 2 x 16 = one batch of 32

    CHECK(session.wall_images_per_second() > 0);  // two training ticks: some wall time has passed
    CHECK(std::isfinite(session.eta_seconds()));
    session.pause();
    CHECK(session.phase() == Phase::Paused);
    session.tick(50.0);
    CHECK(session.loss_history().size() == 1);  // paused: no work
    session.resume();
    run_until_idle(session);
    REQUIRE(session.epoch_history().size() == 3);
    CHECK(session.loss_history().size() == 3 * 16);  // ceil(500 / 32) steps per epoch
    CHECK(session.epoch_history().back().val_accuracy > 0.9);
    CHECK_THAT(session.message(), Contains("completed 3 epochs"));
    int right = 0;
    for (std::size_t i = 0; i < session.sample_indices().size(); ++i)
        right += session.sample_predictions()[i].label == session.test_set().labels[session.sample_indices()[i]];
    CHECK(right >= 40);
}

TEST_CASE("session: evaluation in slices matches evaluate_model", "[session]") {
    Session session(kTinyArch);
    load_bars(session, 300, 250);
    session.start_training(tiny_settings());
    run_until_idle(session);
    session.start_evaluation();
    CHECK(session.phase() == Phase::Evaluating);
    session.tick(0.0);
    CHECK(session.evaluation_progress() == Approx(100.0 / 250.0));
    run_until_idle(session);
    REQUIRE(session.last_evaluation());
    const Evaluation direct = evaluate_model(session.model(), session.test_set());
    CHECK(session.last_evaluation()->confusion == direct.confusion);
    CHECK(session.last_evaluation()->loss == Approx(direct.loss).epsilon(1e-6));
    CHECK(session.test_predictions().size() == 250);
}

TEST_CASE("session: reset returns to the model loaded last; bad files keep the current model", "[session]") {
    Session session(kTinyArch);
    load_bars(session, 300, 100);
    const auto original = session.model().weights();
    session.start_training(tiny_settings());
    session.tick(0.0);
    session.tick(0.0);  // two micro-batches of 16: one optimiser step
    REQUIRE(session.phase() == Phase::Training);
    CHECK(session.model().weights() != original);
    CHECK_THROWS_AS(session.load_model(nullptr, 0), std::logic_error);  // busy
    session.reset();
    CHECK(session.phase() == Phase::Idle);
    CHECK(session.loss_history().empty());
    CHECK(session.model().weights() == original);

    const auto good = session.save_model();
    auto corrupt = good;
    corrupt[corrupt.size() / 2] ^= 1;
    CHECK_THROWS_AS(session.load_model(corrupt.data(), corrupt.size()), ModelFileError);
    const std::uint8_t garbage[5] = {1, 2, 3, 4, 5};
    CHECK_THROWS_AS(session.load_model(garbage, 5), ModelFileError);
    CHECK(session.model().weights() == original);

    Model other("flatten-dense10", 3);
    const auto other_bytes = save_model(other);
    session.load_model(other_bytes.data(), other_bytes.size());
    CHECK(session.model().arch() == "flatten-dense10");
    session.reset();
    CHECK(session.model().arch() == "flatten-dense10");  // reset goes to the model loaded last
}

TEST_CASE("session: bad settings are refused and the current model stays", "[session]") {
    Session session(kTinyArch);
    load_bars(session, 300, 100);
    const auto original = session.model().weights();
    SessionSettings s = tiny_settings();
    s.arch = "conv4k3-oops-dense10";
    CHECK_THROWS_WITH(session.start_training(s), Contains("'oops'"));
    s = tiny_settings();
    s.batch_size = 0;
    CHECK_THROWS_WITH(session.start_training(s), Contains("batch size"));
    s = tiny_settings();
    s.validation = 300;
    CHECK_THROWS_WITH(session.start_training(s), Contains("validation size"));
    CHECK(session.phase() == Phase::Idle);
    CHECK(session.model().weights() == original);
}

TEST_CASE("session: a bad data file is refused with a message", "[session]") {
    Session session(kTinyArch);
    const std::uint8_t junk[20] = {0, 0, 8, 9};
    CHECK_THROWS_AS(session.set_data_file(DataFile::TrainImages, junk, sizeof junk), DataError);
    CHECK(session.phase() == Phase::Loading);
}
