// Fashion-MNIST in memory: float pixels in [0,1], labels, and views of them (the train/validation split).
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

// A range of images and labels owned by a Dataset that outlives the view.
struct DataView {
    const float* images = nullptr;          // (count, 28*28)
    const std::uint8_t* labels = nullptr;   // (count)
    int size = 0;
    int count() const { return size; }
    const float* image(int i) const { return images + std::size_t(i) * kImagePixels; }
    DataView first(int n) const { return {images, labels, n < size ? n : size}; }
};

struct Dataset {
    std::vector<float> images;         // (count, 28*28), pixels / 255
    std::vector<std::uint8_t> labels;  // (count)
    int count() const { return int(labels.size()); }
    const float* image(int i) const { return images.data() + std::size_t(i) * kImagePixels; }
    DataView view() const { return {images.data(), labels.data(), count()}; }
    operator DataView() const { return view(); }  // a view of a temporary must not outlive it
};

// Checks 28x28, equal counts; throws DataError otherwise.
Dataset make_dataset(const IdxImages& images, const IdxLabels& labels, const std::string& what);

// Holds the last `val_count` images out as validation (the same split for every seed, as Keras'
// validation_split does); throws std::invalid_argument unless at least one training image is left.
// The CLI and the browser's engine both split with this.
struct Split {
    DataView train, val;
};
Split split_validation(DataView full, int val_count);

struct FashionMnist {
    Dataset train, test;
};
// Loads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from a directory.
FashionMnist load_fashion_mnist(const std::string& dir);

}  // namespace convpad
