#include "train/run_settings.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "data/image.h"

namespace convpad {

std::string with_dropout(const std::string& arch, float rate) {
    if (rate < 0) return arch;
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, "drop%g", double(rate));
    std::string out;
    for (const LayerSpec& layer : parse_arch(arch).layers) {
        if (!out.empty()) out += "-";
        out += layer.kind == LayerKind::Dropout ? std::string(rate_text) : arch.substr(layer.position, layer.length);
    }
    return out;
}

RunSettings default_run_settings(const DatasetInfo& dataset) {
    RunSettings s;
    s.validation = dataset.default_validation;
    if (dataset.id == DatasetId::Digits) {
        s.arch = "conv32k3-relu-conv32k3-relu-pool2-conv64k3-relu-pool2-flatten-dense128-relu-drop0.5-dense10";
        s.epochs = 10;
        s.augment.shift = 2;
        s.augment.rotate = 10;
        s.augment.scale = 0.1f;
    }
    return s;
}

RunSettings best_run_settings(const DatasetInfo& dataset) {
    RunSettings s;
    s.validation = dataset.default_validation;
    s.arch = kBestArch;
    s.epochs = 20;
    s.batch_size = 128;
    s.optimizer = "adamw";
    s.learning_rate = 3e-3f;
    s.weight_decay = 0.05f;
    s.schedule.kind = LrSchedule::OneCycle;
    s.label_smoothing = 0.1f;
    s.patience = 0;  // the schedule ends the run; its last epochs are its best
    s.augment.shift = 2;
    s.augment.flip = dataset.mirror_invariant;
    return s;
}

std::string run_arch(const RunSettings& settings) {
    if (!(settings.dropout < 1.0f)) throw std::invalid_argument("dropout must be below 1");
    return with_dropout(settings.arch, settings.dropout);
}

TrainConfig train_config(const RunSettings& settings) {
    TrainConfig config;
    config.epochs = settings.epochs;
    config.batch_size = settings.batch_size;
    config.optimizer.kind = settings.optimizer;
    config.optimizer.learning_rate = settings.learning_rate;
    config.patience = settings.patience;
    config.lr_patience = settings.lr_patience;
    config.schedule = settings.schedule;
    config.optimizer.weight_decay = settings.weight_decay;
    config.label_smoothing = settings.label_smoothing;
    config.seed = settings.seed;
    config.augment = settings.augment;
    return config;
}

Split run_data(DataView full_train, const RunSettings& settings) {
    if (settings.subset < 0) throw std::invalid_argument("subset must be >= 0 (0: every training image)");
    Split split = split_validation(full_train, settings.validation);
    if (settings.subset > 0) split.train = split.train.first(settings.subset);
    return split;
}

void check_for_dataset(const RunSettings& settings, const DatasetInfo& dataset) {
    if (settings.augment.flip && !dataset.mirror_invariant)
        throw std::invalid_argument(std::string("flip: mirrored ") + dataset.title +
                                    " are other shapes (a mirrored 2 is no 2); flips are for fashion only");
    if (settings.sketches < 0 || settings.sketches > kMaxSketchRepeat)
        throw std::invalid_argument("sketches must be an integer from 0 to " + std::to_string(kMaxSketchRepeat) + " (got " +
                                    std::to_string(settings.sketches) + ")");
    if (settings.sketches > 0 && !dataset.has_sketches)
        throw std::invalid_argument(std::string("sketches: ") + dataset.title + " has no sketch set; it is for fashion only");
}

RunImages::RunImages(DataView full_train, DataView sketches, const RunSettings& settings, int box_side)
    : split_(run_data(full_train, settings)) {
    if (settings.sketches <= 0) return;
    if (sketches.count() == 0) throw std::invalid_argument("sketches: the sketch set is not loaded");
    with_sketches_ = with_sketches(split_.train, sketches, settings.sketches, box_side);
}

Dataset with_sketches(DataView train, DataView sketches, int repeat, int box_side) {
    Dataset out;
    const std::size_t total = std::size_t(train.count()) + std::size_t(sketches.count()) * std::size_t(std::max(repeat, 0));
    out.images.reserve(total * kImagePixels);
    out.labels.reserve(total);
    out.images.assign(train.images, train.images + std::size_t(train.count()) * kImagePixels);
    out.labels.assign(train.labels, train.labels + train.count());
    std::vector<float> drawings;  // the sketches preprocessed once
    for (int i = 0; i < sketches.count(); ++i) {
        const GrayImage picture{kImageSide, kImageSide, std::vector<float>(sketches.image(i), sketches.image(i) + kImagePixels)};
        const std::vector<float> input = preprocess_to_28x28(picture, 0.1f, box_side);
        drawings.insert(drawings.end(), input.begin(), input.end());
    }
    for (int r = 0; r < repeat; ++r) {
        out.images.insert(out.images.end(), drawings.begin(), drawings.end());
        out.labels.insert(out.labels.end(), sketches.labels, sketches.labels + sketches.count());
    }
    return out;
}

}  // namespace convpad
