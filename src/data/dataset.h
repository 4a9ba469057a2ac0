// Fashion-MNIST in memory: float pixels in [0,1], labels, the train/validation split.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "data/idx.h"

namespace convpad {

constexpr int kImageSide = 28;
constexpr int kImagePixels = kImageSide * kImageSide;
constexpr int kNumClasses = 10;
extern const std::array<const char*, kNumClasses> kClassNames;  // "T-shirt/top", "Trouser", ...

struct Dataset {
    std::vector<float> images;         // (count, 28*28), pixels / 255
    std::vector<std::uint8_t> labels;  // (count)
    int count() const { return int(labels.size()); }
    const float* image(int i) const { return images.data() + std::size_t(i) * kImagePixels; }
};

// Checks 28x28, equal counts; throws DataError otherwise.
Dataset make_dataset(const IdxImages& images, const IdxLabels& labels, const std::string& what);

// Holds the last `val_count` images of `train` out as validation (the same split for every seed,
// as Keras' validation_split does). val_count must leave at least one training image.
void split_validation(const Dataset& full, int val_count, Dataset& train, Dataset& val);

struct FashionMnist {
    Dataset train, test;
};
// Loads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from a directory.
FashionMnist load_fashion_mnist(const std::string& dir);

}  // namespace convpad
