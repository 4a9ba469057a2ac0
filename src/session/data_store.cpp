#include "session/data_store.h"

#include <iterator>
#include <stdexcept>

namespace convpad {

DataFile data_file_by_name(const std::string& name) {
    static const char* const kNames[] = {"train-images", "train-labels", "test-images", "test-labels", "sketch-images", "sketch-labels"};
    for (std::size_t i = 0; i < std::size(kNames); ++i)
        if (name == kNames[i]) return DataFile(i);
    throw std::invalid_argument("unknown data file '" + name +
                                "' (known: train-images, train-labels, test-images, test-labels, sketch-images, sketch-labels)");
}

void DataStore::set_sketch_file(DataFile which, const std::uint8_t* data, std::size_t size) {
    bool& have = which == DataFile::SketchImages ? have_sketch_images_ : have_sketch_labels_;
    if (have) throw std::logic_error("the sketch set is already loaded");
    if (which == DataFile::SketchImages) sketch_images_ = parse_idx_images(data, size, "sketch images (train-images-idx3-ubyte)");
    else sketch_labels_ = parse_idx_labels(data, size, kNumClasses, "sketch labels (train-labels-idx1-ubyte)");
    have = true;
    if (!have_sketch_images_ || !have_sketch_labels_) return;
    try {
        sketches_ = make_dataset(sketch_images_, sketch_labels_, "sketch set");
    } catch (...) {  // a mismatched pair: both may be sent again
        have_sketch_images_ = have_sketch_labels_ = false;
        throw;
    }
    sketch_images_ = {};
}

void DataStore::set_file(DataFile which, const std::uint8_t* data, std::size_t size) {
    if (which == DataFile::SketchImages || which == DataFile::SketchLabels) return set_sketch_file(which, data, size);
    if (ready_) throw std::logic_error("the data set is already loaded");
    switch (which) {
        case DataFile::TrainImages: train_images_ = parse_idx_images(data, size, "train-images-idx3-ubyte"); break;
        case DataFile::TrainLabels: train_labels_ = parse_idx_labels(data, size, kNumClasses, "train-labels-idx1-ubyte"); break;
        case DataFile::TestImages: test_images_ = parse_idx_images(data, size, "t10k-images-idx3-ubyte"); break;
        case DataFile::TestLabels: test_labels_ = parse_idx_labels(data, size, kNumClasses, "t10k-labels-idx1-ubyte"); break;
        default: break;
    }
    have_file_[std::size_t(which)] = true;
    for (bool have : have_file_)
        if (!have) return;
    Dataset train = make_dataset(train_images_, train_labels_, "training set");
    Dataset test = make_dataset(test_images_, test_labels_, "test set");
    if (train.count() < 2) throw DataError("the training set needs at least 2 images");
    train_ = std::move(train);
    test_ = std::move(test);
    train_images_ = {}, test_images_ = {};  // the float copies are all that is needed now
    ready_ = true;
}

}  // namespace convpad
