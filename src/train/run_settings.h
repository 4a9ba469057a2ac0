// The settings of one training run, and how they become a model and a trainer configuration. The CLI
// (`convpad train`) and the browser's engine both go through these functions, so the same settings
// give the same run, bit for bit.
#pragma once
#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "engine/model.h"
#include "train/augment.h"
#include "train/trainer.h"

namespace convpad {

struct RunSettings {
    std::string arch = kDefaultArch;
    int epochs = 5;
    int batch_size = 64;
    float learning_rate = 1e-3f;
    std::string optimizer = "adam";
    float dropout = 0.5f;  // replaces the rate of every drop<R> token of arch; < 0 keeps them
    int validation = 5000; // the last images of the training set, held out
    int patience = 3;      // early stopping; 0 = off
    int lr_patience = 1;   // plateau schedule: halve the learning rate after this many epochs without a better validation loss
    ScheduleConfig schedule;      // train/lr_schedule.h
    float weight_decay = 0.01f;   // adamw only (PyTorch's default)
    float label_smoothing = 0.0f;
    int subset = 0;        // train on the first `subset` images left after the split; 0 = all of them
    std::uint64_t seed = 42;
    Augmentation augment;  // random changes to every training image (train/augment.h); all off by default
    int sketches = 0;      // add the data set's sketch set to the training images, each this many times; 0 = off
};
constexpr int kMaxSketchRepeat = 100;

// What a run on this data set starts from in the page, with few epochs so it is quick: fashion, the Keras
// seed CNN as the project began; digits, its bundled model's recipe (two convolutions first; shifts,
// rotations and sizes). Each with the data set's validation size.
RunSettings default_run_settings(const DatasetInfo& dataset);

// The "best" preset's whole recipe (assets/fashion-best.md): kBestArch, AdamW, one-cycle, label smoothing,
// and for fashion mirrored and shifted images; the data set's validation size.
RunSettings best_run_settings(const DatasetInfo& dataset);

// arch with every drop<R> token's rate replaced by `rate` (unchanged when rate < 0).
std::string with_dropout(const std::string& arch, float rate);

// The architecture a run trains: settings.arch with settings.dropout applied.
std::string run_arch(const RunSettings& settings);
TrainConfig train_config(const RunSettings& settings);
// The run's training and validation images out of the full training set (split_validation, then the
// subset). Throws std::invalid_argument when the validation size leaves no training image.
Split run_data(DataView full_train, const RunSettings& settings);
// Throws std::invalid_argument for settings the data set does not allow (mirroring digits, sketches
// where there are none).
void check_for_dataset(const RunSettings& settings, const DatasetInfo& dataset);

// The training images followed by the drawings of `sketches`, each `repeat` times, put through the
// preprocessing of pictures (data/image.h, the data set's box) as the pad and `eval --preprocess` do.
Dataset with_sketches(DataView train, DataView sketches, int repeat, int box_side);

// What a run trains and validates on: run_data's split and, when settings.sketches asks for them, the
// sketches after the training images (with_sketches, owned here). The CLI and the page's engine both take
// their images from this, so the same settings give the same run. Throws std::invalid_argument like
// run_data, and when sketches are asked for but `sketches` is empty.
class RunImages {
public:
    RunImages(DataView full_train, DataView sketches, const RunSettings& settings, int box_side);
    DataView train() const { return with_sketches_.count() ? with_sketches_.view() : split_.train; }
    DataView val() const { return split_.val; }

private:
    Split split_;
    Dataset with_sketches_;
};

}  // namespace convpad
