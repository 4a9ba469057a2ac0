// The training loop: early stopping, and the end-to-end golden run on real Fashion-MNIST.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "data/dataset.h"
#include "train/trainer.h"
#include "test_data_helpers.h"

using namespace convpad;
using Catch::Matchers::Contains;

namespace {

// Two blob classes (bright top half = class 0, bright bottom half = class 1) with some noise.
Dataset blobs(int count, std::uint64_t seed, bool swap_labels) {
    Rng rng(seed);
    Dataset d;
    d.images.resize(std::size_t(count) * kImagePixels);
    d.labels.resize(count);
    for (int i = 0; i < count; ++i) {
        const int cls = int(rng.below(2));
        for (int p = 0; p < kImagePixels; ++p) {
            const bool top = p < kImagePixels / 2;
            d.images[std::size_t(i) * kImagePixels + p] = 0.6f * rng.uniform() + ((top == (cls == 0)) ? 0.4f : 0.0f);
        }
        d.labels[i] = std::uint8_t(swap_labels ? 1 - cls : cls);
    }
    return d;
}


}  // namespace

TEST_CASE("the trainer validates its configuration", "[train]") {
    Model model("flatten-dense10");
    Dataset train = blobs(10, 1, false), empty;
    TrainConfig config;
    config.batch_size = 0;
    CHECK_THROWS_WITH(Trainer(model, train, empty, config), Contains("batch size"));
    config.batch_size = 8;
    CHECK_THROWS_WITH(Trainer(model, empty, empty, config), Contains("training set is empty"));
    config.optimizer.kind = "nope";
    CHECK_THROWS_WITH(Trainer(model, train, empty, config), Contains("unknown optimizer"));
}

TEST_CASE("early stopping stops after `patience` bad epochs and restores the best weights", "[train]") {
    // The validation labels are the opposite of the training labels, so the better the model
    // learns, the worse its validation loss gets: the best epoch is the first.
    Dataset train = blobs(256, 1, false), val = blobs(128, 2, true);
    Model model("flatten-dense10", 3);
    TrainConfig config;
    config.epochs = 20;
    config.batch_size = 32;
    config.patience = 2;
    Trainer trainer(model, train, val, config);
    std::vector<std::vector<float>> weights_after;
    trainer.on_epoch = [&](const EpochReport&) { weights_after.push_back(model.weights()); };
    trainer.run();
    REQUIRE(trainer.history().size() == 3);
    CHECK(trainer.history()[0].improved);
    CHECK_FALSE(trainer.history()[1].improved);
    CHECK(trainer.history()[2].val_loss > trainer.history()[0].val_loss);
    CHECK_THAT(trainer.stop_reason(), Contains("early stop after epoch 3"));
    CHECK(model.weights() == weights_after[0]);
    CHECK(trainer.history()[2].train_accuracy > 0.9);
}

TEST_CASE("the learning rate halves after `lr_patience` epochs without improvement", "[train]") {
    Dataset train = blobs(128, 1, false), val = blobs(64, 2, true);  // validation only gets worse
    Model model("flatten-dense10", 3);
    TrainConfig config;
    config.epochs = 4;
    config.batch_size = 32;
    config.patience = 0;
    config.lr_patience = 1;
    config.optimizer.learning_rate = 0.01f;
    Trainer trainer(model, train, val, config);
    trainer.run();
    REQUIRE(trainer.history().size() == 4);
    CHECK(trainer.history()[0].learning_rate == 0.01f);
    CHECK(trainer.history()[1].learning_rate == 0.01f);    // epoch 2 is the first without improvement
    CHECK(trainer.history()[2].learning_rate == 0.005f);
    CHECK(trainer.history()[3].learning_rate == 0.0025f);
}

TEST_CASE("without validation data every epoch runs and reports NaN validation", "[train]") {
    Dataset train = blobs(64, 4, false), none;
    Model model("flatten-dense10", 3);
    TrainConfig config;
    config.epochs = 3;
    config.batch_size = 16;
    Trainer trainer(model, train, none, config);
    int steps = 0;
    trainer.on_step = [&](const StepReport& s) {
        ++steps;
        CHECK(s.steps_per_epoch == 4);
    };
    trainer.run();
    CHECK(steps == 12);
    REQUIRE(trainer.history().size() == 3);
    CHECK(std::isnan(trainer.history()[2].val_loss));
    CHECK_THAT(trainer.stop_reason(), Contains("completed 3 epochs"));
}

TEST_CASE("end to end: the seed CNN learns Fashion-MNIST and two runs are bit-identical", "[train][e2e]") {
    const TrainTestSets data = load_train_test(convpad_test::fashion_mnist_dir());
    const Dataset subset = convpad_test::first_images(data.train, 2000), val = convpad_test::first_images(data.test, 1000);
    // 5 epochs x 63 = 315 steps of 32
    const auto a = convpad_test::train_seed_cnn(subset, val, 5, 32, 1234);
    const auto b = convpad_test::train_seed_cnn(subset, val, 5, 32, 1234);
    const std::vector<double>& losses_a = a.losses;
    REQUIRE(losses_a.size() == 315);
    double first = 0, last = 0;
    for (int i = 0; i < 20; ++i) first += losses_a[i], last += losses_a[losses_a.size() - 1 - i];
    CHECK(last < 0.5 * first);
    CHECK(a.last_epoch.val_accuracy >= 0.75);
    CHECK(losses_a == b.losses);
    CHECK(a.weights == b.weights);
    CHECK(a.last_epoch.val_accuracy == b.last_epoch.val_accuracy);
}
