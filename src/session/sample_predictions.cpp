#include "session/sample_predictions.h"

#include <algorithm>

#include "engine/loss.h"

namespace convpad {

void SamplePredictions::choose(DataView test, int count) {
    test_ = test;
    indices_.clear();
    for (int k = 0; k < count && k < test.count(); ++k)
        indices_.push_back(std::min(test.count() - 1, int((long(k) * test.count()) / count + k % 7)));
    pixels_.resize(indices_.size() * kImagePixels);
    for (std::size_t k = 0; k < indices_.size(); ++k)
        std::copy(test.image(indices_[k]), test.image(indices_[k]) + kImagePixels, pixels_.begin() + k * kImagePixels);
    predictions_.clear();
}

void SamplePredictions::refresh(Model& model) {
    const int n = int(indices_.size());
    if (n == 0) return;
    probs_.resize(std::size_t(n) * kNumClasses);
    model.predict(pixels_.data(), n, probs_.data());
    predictions_.resize(std::size_t(n));
    for (int i = 0; i < n; ++i) {
        Prediction& p = predictions_[std::size_t(i)];
        std::copy(probs_.begin() + std::size_t(i) * kNumClasses, probs_.begin() + std::size_t(i + 1) * kNumClasses, p.probs.begin());
        p.label = argmax_class(p.probs.data(), kNumClasses);
    }
}

}  // namespace convpad
