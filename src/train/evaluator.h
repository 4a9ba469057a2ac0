// The one evaluation loop: inference over a data set in forward passes of 32 images, summing the
// cross-entropy and counting the confusion matrix. The trainer's validation, the test-set evaluation
// of the CLI and of the browser's engine all run it; advance() does a bounded amount so the engine can
// report progress and take commands between chunks.
#pragma once
#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "engine/model.h"
#include "train/metrics.h"

namespace convpad {

class Evaluator {
public:
    // Keeps references to model and data; both must outlive the evaluator.
    Evaluator(Model& model, DataView data);

    // Evaluates max_images more images, rounded up to whole forward passes of 32 (the data set's last
    // one may be shorter), so the result does not depend on how the work is sliced. Returns false once
    // every image is done.
    bool advance(int max_images);
    void run() { while (advance(1 << 30)) {} }

    bool done() const { return at_ >= data_.count(); }
    int evaluated() const { return at_; }
    double progress() const { return data_.count() ? double(at_) / data_.count() : 1.0; }
    double mean_loss() const { return at_ ? loss_sum_ / at_ : 0.0; }
    long correct() const;
    // The predicted class of each image evaluated so far (count() entries, 0 for the rest).
    const std::vector<std::uint8_t>& predicted() const { return predicted_; }
    // Every metric of the images evaluated so far.
    Evaluation result() const;

private:
    Model& model_;
    DataView data_;
    int at_ = 0;
    double loss_sum_ = 0;
    std::vector<long> confusion_;
    std::vector<std::uint8_t> predicted_;
    std::vector<float> probs_;
};

// Evaluator run to the end.
Evaluation evaluate_model(Model& model, DataView data);

}  // namespace convpad
