#include "train/data_store.h"

#include <stdexcept>

namespace convpad {

void DataStore::set_file(DataFile which, const std::uint8_t* data, std::size_t size) {
    if (ready_) throw std::logic_error("the data set is already loaded");
    switch (which) {
        case DataFile::TrainImages: train_images_ = parse_idx_images(data, size, "train-images-idx3-ubyte"); break;
        case DataFile::TrainLabels: train_labels_ = parse_idx_labels(data, size, kNumClasses, "train-labels-idx1-ubyte"); break;
        case DataFile::TestImages: test_images_ = parse_idx_images(data, size, "t10k-images-idx3-ubyte"); break;
        case DataFile::TestLabels: test_labels_ = parse_idx_labels(data, size, kNumClasses, "t10k-labels-idx1-ubyte"); break;
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
