// The data set of the browser's engine: its four IDX files, handed over one by one as they download,
// built once into float images and never changed afterwards (runs take views of it); and, for a data set
// that has one, its sketch set (two more IDX files), which runs may add to their training images.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/dataset.h"

namespace convpad {

// The files, in the order the page fetches them.
enum class DataFile { TrainImages, TrainLabels, TestImages, TestLabels, SketchImages, SketchLabels };
// "train-images", "train-labels", "test-images", "test-labels", "sketch-images", "sketch-labels" (the page's
// names, web/page/site_files.js); throws std::invalid_argument naming them for anything else.
DataFile data_file_by_name(const std::string& name);

class DataStore {
public:
    // Raw (already gunzipped) IDX bytes; throws DataError naming the problem. Once the first four are in,
    // the data set is built; after that it is immutable and further files are refused. The sketch files
    // may come at any time, once each.
    void set_file(DataFile which, const std::uint8_t* data, std::size_t size);
    bool ready() const { return ready_; }
    DataView sketches() const { return sketches_.view(); }  // empty until both sketch files are in

    DataView train() const { return train_.view(); }  // all 60,000 training images
    DataView test() const { return test_.view(); }

private:
    void set_sketch_file(DataFile which, const std::uint8_t* data, std::size_t size);

    IdxImages train_images_, test_images_, sketch_images_;
    IdxLabels train_labels_, test_labels_, sketch_labels_;
    bool have_sketch_images_ = false, have_sketch_labels_ = false;
    Dataset sketches_;
    std::array<bool, 4> have_file_{};
    Dataset train_, test_;
    bool ready_ = false;
};

}  // namespace convpad
