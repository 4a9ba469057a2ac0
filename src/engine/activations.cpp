#include "engine/activations.h"

#include <cstdio>
#include <cstring>

namespace convpad {

void ReLU::forward(const float* x, float* y, int n, bool training) {
    const long count = long(n) * in_.size();
    for (long i = 0; i < count; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void ReLU::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    if (!dx) return;
    const long count = long(n) * in_.size();
    for (long i = 0; i < count; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

Dropout::Dropout(Shape3 in, float rate) : rate_(rate) { in_ = out_ = in; }

std::string Dropout::token() const {
    char text[32];
    std::snprintf(text, sizeof text, "drop%g", double(rate_));
    return text;
}

void Dropout::forward(const float* x, float* y, int n, bool training) {
    const long count = long(n) * in_.size();
    last_training_ = training && rate_ > 0.0f;
    if (!last_training_) {
        if (y != x) std::memcpy(y, x, sizeof(float) * count);
        return;
    }
    mask_.resize(count);
    const float keep_scale = 1.0f / (1.0f - rate_);
    for (long i = 0; i < count; ++i) {
        mask_[i] = rng_.uniform() < rate_ ? 0.0f : keep_scale;
        y[i] = x[i] * mask_[i];
    }
}

void Dropout::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    if (!dx) return;
    const long count = long(n) * in_.size();
    if (!last_training_) {
        std::memcpy(dx, dy, sizeof(float) * count);
        return;
    }
    for (long i = 0; i < count; ++i) dx[i] = dy[i] * mask_[i];
}

void Flatten::forward(const float* x, float* y, int n, bool training) {
    std::memcpy(y, x, sizeof(float) * long(n) * in_.size());
}

void Flatten::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    if (dx) std::memcpy(dx, dy, sizeof(float) * long(n) * in_.size());
}

}  // namespace convpad
