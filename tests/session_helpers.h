// Sessions with a small data set of bars and a tiny network, for tests/test_session.cpp and
// tests/test_alloc.cpp.
#pragma once
#include <catch2/catch.hpp>

#include <vector>

#include "session/session.h"
#include "test_data_helpers.h"

namespace convpad_test {

using namespace convpad;

constexpr const char* kTinyArch = "conv4k3-relu-pool2-flatten-dense16-relu-drop0.5-dense10";

// Class c is a bright horizontal bar at row 2 + 2c: easy to learn, impossible to guess.
inline void load_bars(Session& session, int train_count, int test_count) {
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
    REQUIRE(session.status().phase == Phase::Loading);
    session.set_data_file(DataFile::TestLabels, test_labels.data(), test_labels.size());
}

inline RunSettings tiny_settings() {
    RunSettings s;
    s.arch = kTinyArch;
    s.epochs = 3;
    s.batch_size = 32;
    s.validation = 100;
    s.patience = 0;
    s.learning_rate = 3e-3f;
    return s;
}

}  // namespace convpad_test
