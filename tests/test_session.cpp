// The browser's engine (Session and its parts): loading, training in work() slices of whole batches,
// pause/resume/reset, evaluation, model swaps and the status snapshot, on small synthetic data.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/model_file.h"
#include "kernels/parallel.h"
#include "session_helpers.h"
#include "session/protocol.h"
#include "train/memory_estimate.h"
#include "test_data_helpers.h"
#include "session/session.h"

using namespace convpad;
using Catch::Matchers::Contains;
using nlohmann::json;
using convpad_test::kTinyArch;
using convpad_test::load_bars;
using convpad_test::tiny_settings;

// Cases tagged [session-host] check what the session offers its host (names, refusals, restoring) with
// nothing concurrent in them: the ThreadSanitizer build, which runs [session], leaves them out.
namespace {

Phase phase(const Session& session) { return session.status().phase; }

void run_until_idle(Session& session) {
    for (int guard = 0; guard < 100000 && session.work(5.0);) ++guard;
    REQUIRE(phase(session) == Phase::Idle);
}

}  // namespace

TEST_CASE("session: with_dropout rewrites every dropout rate", "[session]") {
    CHECK(with_dropout("dense64-drop0.5-dense32-drop0.2-dense10", 0.25f) == "dense64-drop0.25-dense32-drop0.25-dense10");
    CHECK(with_dropout("dense64-drop0.5-dense10", -1.0f) == "dense64-drop0.5-dense10");
    CHECK(with_dropout(kDefaultArch, 0.0f).find("drop0-") != std::string::npos);
}

TEST_CASE("session: the page names data files, and an unknown name is refused", "[session-host]") {
    CHECK(data_file_by_name("train-images") == DataFile::TrainImages);
    CHECK(data_file_by_name("test-labels") == DataFile::TestLabels);
    CHECK(data_file_by_name("sketch-labels") == DataFile::SketchLabels);
    CHECK_THROWS_WITH(data_file_by_name("3"), Catch::Contains("unknown data file '3'"));
    CHECK_THROWS_AS(data_file_by_name(""), std::invalid_argument);
}

TEST_CASE("session: a run too big for the memory left is refused with its estimate and a batch that fits", "[session-host]") {
    Session session(DatasetId::Fashion, kTinyArch);
    load_bars(session, 400, 100);
    session.start_training(tiny_settings());
    run_until_idle(session);
    const RunStatus before = session.status();
    const std::size_t available = std::size_t(1536) << 20;
    RunSettings big = tiny_settings();
    big.arch = "conv1024k3same-relu-gap-dense10";
    big.batch_size = 4096;
    // 4096 x 802,816 floats of activations alone: the estimate must not wrap around in wasm32's 32-bit size_t.
    CHECK(estimate_training_memory(big, session.dataset(), 1).total() > (std::uint64_t(13) << 30));
    std::string message;
    try {
        session.start_training(big, available);
    } catch (const std::invalid_argument& e) {
        message = e.what();
    }
    CHECK_THAT(message, Contains("this run needs about ") && Contains("; at most 1.5 GB fits. Try batch "));
    const std::size_t at = message.find("Try batch ");
    REQUIRE(at != std::string::npos);
    RunSettings advised = big;
    advised.batch_size = std::stoi(message.substr(at + 10));
    const int threads = num_threads();
    CHECK(estimate_training_memory(advised, session.dataset(), threads).total() <= available);
    advised.batch_size *= 2;
    CHECK(estimate_training_memory(advised, session.dataset(), threads).total() > available);
    // Nothing changed: the finished run, its weights and curves are still there.
    CHECK(session.status().run_id == before.run_id);
    CHECK(session.status().model_version == before.model_version);
    CHECK(session.epochs().size() == std::size_t(before.epoch));
    session.start_training(tiny_settings(), available);  // a run that fits starts
    CHECK(phase(session) == Phase::Training);
}

TEST_CASE("session: a kept run comes back after a reload: the same weights, curves, settings and evaluation", "[session-host]") {
    Session before(DatasetId::Fashion, kTinyArch);
    load_bars(before, 400, 100);
    RunSettings settings = tiny_settings();
    settings.epochs = 2;
    before.start_training(settings);
    run_until_idle(before);
    before.start_evaluation();
    while (before.work(5.0)) {
    }
    REQUIRE(before.last_evaluation() != nullptr);
    // What the page stores: the model file and the run as JSON, read back as the engine reads it.
    const std::vector<std::uint8_t> model = before.save_model();
    json evaluation = protocol::evaluation_json(*before.last_evaluation(), before.dataset());
    evaluation["predicted"] = before.test_predictions();
    const json kept = {{"settings", protocol::settings_json(settings)},
                       {"losses", protocol::loss_points_json(before.losses(), 0)},
                       {"epochs", protocol::epochs_json(before.epochs(), 0)},
                       {"evaluation", evaluation}};

    Session after(DatasetId::Fashion);
    load_bars(after, 400, 100);
    after.restore_run(model.data(), model.size(), protocol::kept_run_from_json(json::parse(kept.dump())));
    CHECK(after.save_model() == model);
    const RunStatus s = after.status();
    CHECK(s.phase == Phase::Idle);
    CHECK(s.has_run);
    CHECK(s.settings.epochs == 2);
    CHECK(s.epoch == 2);
    CHECK(s.val_accuracy == before.status().val_accuracy);
    CHECK(protocol::loss_points_json(after.losses(), 0) == protocol::loss_points_json(before.losses(), 0));
    CHECK(protocol::epochs_json(after.epochs(), 0) == protocol::epochs_json(before.epochs(), 0));
    REQUIRE(after.last_evaluation() != nullptr);
    CHECK(after.last_evaluation()->confusion == before.last_evaluation()->confusion);
    CHECK(after.test_predictions() == before.test_predictions());

    // A new run replaces it; reset returns to the restored model without its curves.
    after.reset();
    CHECK(after.save_model() == model);
    CHECK(after.epochs().empty());
    CHECK_FALSE(after.status().has_run);

    // A kept evaluation of another test set is refused, and nothing changes.
    json wrong = kept;
    wrong["evaluation"]["predicted"] = json::array({1, 2, 3});
    const long run_id = after.status().run_id;
    CHECK_THROWS_WITH(after.restore_run(model.data(), model.size(), protocol::kept_run_from_json(wrong)),
                      Contains("does not match this data set's test images"));
    CHECK(after.status().run_id == run_id);
    json bad_class = kept;
    bad_class["evaluation"]["predicted"][0] = 300;
    CHECK_THROWS_WITH(protocol::kept_run_from_json(bad_class), Contains("from 0 to 255"));
}

TEST_CASE("session: nothing trains before the data set arrives", "[session]") {
    Session session(DatasetId::Fashion, kTinyArch);
    CHECK(phase(session) == Phase::Loading);
    CHECK_FALSE(session.work(1.0));
    CHECK_THROWS_WITH(session.start_training(tiny_settings()), Contains("still loading"));
    CHECK_THROWS_WITH(session.start_evaluation(), Contains("still loading"));
    CHECK_THROWS_WITH(session.pause(), Contains("nothing to pause"));
}

TEST_CASE("session: a run trains whole batches per unit, records curves and ends idle", "[session]") {
    Session session(DatasetId::Fashion, kTinyArch);
    load_bars(session, 600, 200);
    REQUIRE(phase(session) == Phase::Idle);
    REQUIRE(session.samples().indices().size() == 48);
    REQUIRE(session.samples().predictions().size() == 48);
    const long version = session.status().model_version;
    session.start_training(tiny_settings());
    CHECK(phase(session) == Phase::Training);
    CHECK(session.work(0.0));  // one unit of work: a whole batch of 32, one optimiser step
    REQUIRE(session.losses().size() == 1);
    CHECK(session.status().model_version > version);
    session.work(0.0);

    RunStatus status = session.status();
    CHECK(status.has_run);
    CHECK(status.step == 2);
    CHECK(status.steps_per_epoch == 16);  // ceil(500 / 32)
    CHECK(status.images_per_second > 0);  // two work() calls: some wall time has passed
    CHECK(std::isfinite(status.eta_seconds));
    CHECK(status.train_loss == Approx(session.losses().back().loss));
    session.pause();
    CHECK(phase(session) == Phase::Paused);
    CHECK_FALSE(session.work(50.0));  // paused: no work
    CHECK(session.losses().size() == 2);
    session.resume();
    run_until_idle(session);
    REQUIRE(session.epochs().size() == 3);
    CHECK(session.losses().size() == 3 * 16);
    CHECK(session.epochs().back().val_accuracy > 0.9);
    status = session.status();
    CHECK_THAT(status.message, Contains("completed 3 epochs"));
    CHECK(status.has_run);
    CHECK(status.steps_done == 48);
    CHECK(std::isnan(status.eta_seconds));
    // The samples were refreshed with the final weights.
    int right = 0;
    for (std::size_t i = 0; i < session.samples().indices().size(); ++i)
        right += session.samples().predictions()[i].label == session.data().test().labels[session.samples().indices()[i]];
    CHECK(right >= 40);
}

TEST_CASE("session: a run in the session is the same run as Trainer on run_data, bit for bit", "[session]") {
    Session session(DatasetId::Fashion, kTinyArch);
    load_bars(session, 400, 50);
    RunSettings settings = tiny_settings();
    settings.epochs = 2;
    settings.subset = 150;
    session.start_training(settings);
    run_until_idle(session);

    // What `convpad train` does with the same settings (src/cli/main.cpp).
    Model model(run_arch(settings), settings.seed);
    const Split split = run_data(session.data().train(), settings);
    CHECK(split.train.count() == 150);
    Trainer trainer(model, split.train, split.val, train_config(settings));
    trainer.run();
    CHECK(session.model().weights() == model.weights());
    CHECK(session.epochs().back().val_loss == trainer.history().back().val_loss);
}

TEST_CASE("session: evaluation in slices matches evaluate_model", "[session]") {
    Session session(DatasetId::Fashion, kTinyArch);
    load_bars(session, 300, 1250);
    session.start_training(tiny_settings());
    run_until_idle(session);
    session.start_evaluation();
    CHECK(phase(session) == Phase::Evaluating);
    CHECK_THROWS_AS(session.start_training(tiny_settings()), std::logic_error);
    CHECK(session.work(0.0));
    CHECK(session.status().evaluation_progress == Approx(512.0 / 1250.0));  // 500 rounded up to passes of 32
    run_until_idle(session);
    REQUIRE(session.last_evaluation());
    const Evaluation direct = evaluate_model(session.model(), session.data().test());
    CHECK(session.last_evaluation()->confusion == direct.confusion);
    CHECK(session.last_evaluation()->loss == direct.loss);
    CHECK(session.test_predictions().size() == 1250);
}

TEST_CASE("session: reset returns to the model loaded last; bad files keep the current model", "[session]") {
    Session session(DatasetId::Fashion, kTinyArch);
    load_bars(session, 300, 100);
    const auto original = session.model().weights();
    session.start_training(tiny_settings());
    session.work(0.0);  // one optimiser step
    REQUIRE(phase(session) == Phase::Training);
    CHECK(session.model().weights() != original);
    CHECK_THROWS_AS(session.load_model(nullptr, 0), std::logic_error);  // busy
    const long run_id = session.status().run_id;
    session.reset();
    CHECK(phase(session) == Phase::Idle);
    CHECK(session.status().run_id > run_id);
    CHECK_FALSE(session.status().has_run);
    CHECK(session.losses().empty());
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
    CHECK(session.status().arch == "flatten-dense10");
    session.reset();
    CHECK(session.status().arch == "flatten-dense10");  // reset goes to the model loaded last
}

TEST_CASE("session: bad settings are refused and the current model stays", "[session]") {
    Session session(DatasetId::Fashion, kTinyArch);
    load_bars(session, 300, 100);
    const auto original = session.model().weights();
    RunSettings s = tiny_settings();
    s.arch = "conv4k3-oops-dense10";
    CHECK_THROWS_WITH(session.start_training(s), Contains("'oops'"));
    s = tiny_settings();
    s.batch_size = 0;
    CHECK_THROWS_WITH(session.start_training(s), Contains("batch size"));
    s = tiny_settings();
    s.validation = 300;
    CHECK_THROWS_WITH(session.start_training(s), Contains("validation count"));
    s = tiny_settings();
    s.subset = -1;
    CHECK_THROWS_WITH(session.start_training(s), Contains("subset"));
    s = tiny_settings();
    s.augment.rotate = 90;
    CHECK_THROWS_WITH(session.start_training(s), Contains("rotate"));
    CHECK(phase(session) == Phase::Idle);
    CHECK_FALSE(session.status().has_run);
    CHECK(session.model().weights() == original);
}

TEST_CASE("session: each data set allows its own augmentation; the status names the data set", "[session]") {
    RunSettings s = tiny_settings();
    s.augment.flip = true;
    s.augment.shift = 1;
    Session digits(DatasetId::Digits, kTinyArch);
    load_bars(digits, 300, 100);
    CHECK(digits.status().dataset == DatasetId::Digits);
    CHECK_THROWS_WITH(digits.start_training(s), Contains("flip") && Contains("fashion only"));
    CHECK_FALSE(digits.status().has_run);
    s.augment.flip = false;
    digits.start_training(s);
    CHECK(digits.status().settings.augment.shift == 1.0f);

    s.augment.flip = true;
    Session fashion(DatasetId::Fashion, kTinyArch);
    load_bars(fashion, 300, 100);
    CHECK(fashion.status().dataset == DatasetId::Fashion);
    fashion.start_training(s);
    CHECK(fashion.status().settings.augment.flip);
    CHECK_FALSE(fashion.model_loaded());
    fashion.reset();
    const auto bytes = fashion.save_model();
    fashion.load_model(bytes.data(), bytes.size());
    CHECK(fashion.model_loaded());
}

TEST_CASE("session: each data set's default run is its bundled model's recipe and fits the data set", "[session]") {
    for (DatasetId id : {DatasetId::Fashion, DatasetId::Digits}) {
        const DatasetInfo& dataset = dataset_info(id);
        const RunSettings s = default_run_settings(dataset);
        CHECK(s.validation == dataset.default_validation);
        CHECK_NOTHROW(check_for_dataset(s, dataset));
        CHECK_NOTHROW(check_augmentation(s.augment));
        CHECK(Model(run_arch(s)).num_classes() == kNumClasses);
    }
    CHECK(default_run_settings(dataset_info(DatasetId::Fashion)).arch == kDefaultArch);
    CHECK(default_run_settings(dataset_info(DatasetId::Digits)).augment.geometric());
}

TEST_CASE("session: the best preset's recipe fits each data set", "[session]") {
    for (DatasetId id : {DatasetId::Fashion, DatasetId::Digits}) {
        const DatasetInfo& dataset = dataset_info(id);
        const RunSettings s = best_run_settings(dataset);
        CHECK(s.arch == kBestArch);
        CHECK(s.validation == dataset.default_validation);
        CHECK(s.augment.flip == dataset.mirror_invariant);  // never a mirrored digit
        CHECK_NOTHROW(check_for_dataset(s, dataset));
        CHECK_NOTHROW(make_optimizer(train_config(s).optimizer));
        CHECK(Model(run_arch(s)).num_params() < 1'000'000);
    }
}

TEST_CASE("session: a run may add the sketch set to its training images", "[session]") {
    Session session(DatasetId::Fashion, kTinyArch);
    load_bars(session, 300, 100);
    RunSettings s = tiny_settings();
    s.sketches = 3;
    CHECK_THROWS_WITH(session.start_training(s), Contains("the sketch set is not loaded"));
    // 40 sketches: a bar in the lower half, class 4, in a black frame (the preprocessing crops and centres it).
    std::vector<std::uint8_t> px(40 * kImagePixels, 0), lb(40, 4);
    for (int i = 0; i < 40; ++i)
        for (int x = 6; x < 22; ++x) px[std::size_t(i) * kImagePixels + 20 * 28 + x] = 255;
    const auto images = convpad_test::idx_images(40, 28, 28, px), labels = convpad_test::idx_labels(lb);
    const auto too_few = convpad_test::idx_labels(std::vector<std::uint8_t>(39, 4));
    session.set_data_file(DataFile::SketchImages, images.data(), images.size());
    CHECK_THROWS_WITH(session.set_data_file(DataFile::SketchLabels, too_few.data(), too_few.size()), Contains("count mismatch"));
    session.set_data_file(DataFile::SketchImages, images.data(), images.size());  // a refused pair may come again
    session.set_data_file(DataFile::SketchLabels, labels.data(), labels.size());
    REQUIRE(session.data().sketches().count() == 40);
    CHECK_THROWS_WITH(session.set_data_file(DataFile::SketchLabels, labels.data(), labels.size()), Contains("already loaded"));
    session.start_training(s);
    // 200 training images (300 minus 100 for validation) + 3 x 40 sketches, in batches of 32.
    CHECK(session.status().steps_per_epoch == (200 + 120 + 31) / 32);
    CHECK(session.status().settings.sketches == 3);

    const Dataset both = with_sketches(session.data().train().first(200), session.data().sketches(), 3, kImageSide);
    REQUIRE(both.count() == 320);
    CHECK(both.labels[319] == 4);
    float ink = 0;  // preprocessed: the bar is centred, so row 14 of a sketch has ink and row 20 none
    for (int x = 0; x < 28; ++x) ink += both.image(250)[14 * 28 + x] - both.image(250)[20 * 28 + x];
    CHECK(ink > 10);

    Session digits(DatasetId::Digits, kTinyArch);
    load_bars(digits, 300, 100);
    CHECK_THROWS_WITH(digits.start_training(s), Contains("no sketch set"));
}

TEST_CASE("session: a bad data file is refused with a message; a loaded data set is final", "[session]") {
    Session session(DatasetId::Fashion, kTinyArch);
    const std::uint8_t junk[20] = {0, 0, 8, 9};
    CHECK_THROWS_AS(session.set_data_file(DataFile::TrainImages, junk, sizeof junk), DataError);
    CHECK(phase(session) == Phase::Loading);
    load_bars(session, 100, 10);
    CHECK(phase(session) == Phase::Idle);
    CHECK_THROWS_WITH(session.set_data_file(DataFile::TrainImages, junk, sizeof junk), Contains("already loaded"));
}
