#include "train/evaluator.h"

#include <algorithm>

#include "engine/loss.h"

namespace convpad {

namespace {
// Model::predict's chunk: 32 images keep their activations in cache (the sweet spot measured for inference).
constexpr int kInferenceBatch = 32;
}  // namespace

Evaluator::Evaluator(Model& model, DataView data)
    : model_(model),
      data_(data),
      confusion_(std::size_t(model.num_classes()) * model.num_classes(), 0),
      predicted_(std::size_t(data.count()), 0),
      probs_(std::size_t(kInferenceBatch) * model.num_classes()) {}

bool Evaluator::advance(int max_images) {
    const int classes = model_.num_classes();
    // Whole passes of 32, so the sums (hence the loss) do not depend on how the work was sliced.
    const int passes = (std::max(max_images, 1) + kInferenceBatch - 1) / kInferenceBatch;
    const int end = int(std::min<long>(data_.count(), at_ + long(passes) * kInferenceBatch));
    for (; at_ < end; at_ += kInferenceBatch) {
        const int n = std::min(kInferenceBatch, end - at_);
        const float* logits = model_.infer(data_.image(at_), n);
        loss_sum_ += softmax_cross_entropy_forward(logits, data_.labels + at_, n, classes, probs_.data()) * n;
        for (int i = 0; i < n; ++i) {
            const int guess = argmax_class(probs_.data() + std::size_t(i) * classes, classes);
            predicted_[std::size_t(at_ + i)] = std::uint8_t(guess);
            ++confusion_[std::size_t(data_.labels[at_ + i]) * classes + guess];
        }
    }
    at_ = end;
    return !done();
}

long Evaluator::correct() const {
    const int classes = model_.num_classes();
    long sum = 0;
    for (int c = 0; c < classes; ++c) sum += confusion_[std::size_t(c) * classes + c];
    return sum;
}

Evaluation Evaluator::result() const {
    Evaluation e = evaluation_from_confusion(confusion_, model_.num_classes());
    e.loss = mean_loss();
    return e;
}

Evaluation evaluate_model(Model& model, DataView data) {
    Evaluator evaluator(model, data);
    evaluator.run();
    return evaluator.result();
}

}  // namespace convpad
