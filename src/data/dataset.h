// The data sets (Fashion-MNIST, MNIST digits) in memory: float pixels in [0,1], labels, and views of
// them (the train/validation split); what tells the data sets apart (names, classes, defaults).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/idx.h"

namespace convpad {

constexpr int kImageSide = 28;
constexpr int kImagePixels = kImageSide * kImageSide;
constexpr int kNumClasses = 10;  // both data sets have ten classes

// [SECTION] The data sets ConvPad knows: the same image size and class count, different classes
enum class DatasetId { Fashion, Digits };
constexpr std::size_t kNumDatasets = 2;
// A data set's place in arrays held per data set.
constexpr std::size_t dataset_index(DatasetId id) { return std::size_t(id); }

struct DatasetInfo {
    DatasetId id;
    const char* name;   // "fashion" | "digits": the URL parameter, setDataset(), --dataset
    const char* title;  // "Fashion-MNIST" | "MNIST digits"
    std::array<const char*, kNumClasses> class_names;
    int train_count;        // images in the training set (the validation images come out of these)
    int test_count;
    int default_validation; // the last training images held out for validation unless told otherwise
    bool mirror_invariant;  // a left-right flip keeps the class: clothes yes, digits no
    // Preprocessing of drawings and pictures (data/image.h): the drawing's longer side in the 28x28 frame,
    // as the data set's own conversion did (Fashion-MNIST fills the frame, MNIST fits digits into 20x20).
    int box_side;
    // The drawing pad redraws strokes this thick in the 28x28 frame whatever the brush (0: as drawn).
    float pad_stroke_width;
    // A set of drawings that runs may add to the training images (fashion: Quick, Draw! clothing sketches,
    // tools/data/quickdraw.mjs; digits: none).
    bool has_sketches;
    // The site and assets/ hold <name>-best.cpm, the "best" preset trained on it (fashion).
    bool has_best_model;
};

const DatasetInfo& dataset_info(DatasetId id);
// Throws std::invalid_argument naming the known data sets.
const DatasetInfo& dataset_by_name(const std::string& name);
extern const char* const kDatasetNames;  // "fashion, digits", for messages

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

struct TrainTestSets {
    Dataset train, test;
};
// Loads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from a directory (either data set's layout).
TrainTestSets load_train_test(const std::string& dir);
// Only t10k-{images-idx3,labels-idx1}-ubyte[.gz]: what evaluation needs (sketch sets have no training part).
Dataset load_test_set(const std::string& dir);

}  // namespace convpad
