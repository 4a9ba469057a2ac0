// The data set of the browser's engine: the four Fashion-MNIST IDX files, handed over one by one as
// they download, built once into float images and never changed afterwards (runs take views of it).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "data/dataset.h"

namespace convpad {

// The four Fashion-MNIST files, in the order the page fetches them.
enum class DataFile { TrainImages, TrainLabels, TestImages, TestLabels };

class DataStore {
public:
    // Raw (already gunzipped) IDX bytes; throws DataError naming the problem. Once all four are in,
    // the data set is built; after that it is immutable and further files are refused.
    void set_file(DataFile which, const std::uint8_t* data, std::size_t size);
    bool ready() const { return ready_; }

    DataView train() const { return train_.view(); }  // all 60,000 training images
    DataView test() const { return test_.view(); }

private:
    IdxImages train_images_, test_images_;
    IdxLabels train_labels_, test_labels_;
    std::array<bool, 4> have_file_{};
    Dataset train_, test_;
    bool ready_ = false;
};

}  // namespace convpad
