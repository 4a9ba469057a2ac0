#include "engine/activations.h"

#include <cstdio>
#include <cstring>

#include "kernels/elementwise.h"

namespace convpad {

void ReLU::forward(const float* x, float* y, int n, bool training) {
    relu_forward(x, y, std::size_t(n) * in_.size());
}

void ReLU::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    if (dx) relu_backward(y, dy, dx, std::size_t(n) * in_.size());
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
    // Each element draws 16 random bits and is dropped when they are below round(rate * 65536), so one
    // 32-bit draw serves two elements (it used to be one 24-bit uniform() per element); the rate is
    // quantised to 1/65536.
    const float keep_scale = 1.0f / (1.0f - rate_);
    const std::uint32_t threshold = std::uint32_t(double(rate_) * 65536.0 + 0.5);
    float* mask = mask_.data();
    long i = 0;
    for (; i + 2 <= count; i += 2) {
        const std::uint32_t bits = rng_.next_u32();
        mask[i] = (bits & 0xffffu) < threshold ? 0.0f : keep_scale;
        mask[i + 1] = (bits >> 16) < threshold ? 0.0f : keep_scale;
    }
    if (i < count) mask[i] = (rng_.next_u32() & 0xffffu) < threshold ? 0.0f : keep_scale;
    multiply(x, mask, y, count);
}

void Dropout::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    if (!dx) return;
    const long count = long(n) * in_.size();
    if (!last_training_) {
        std::memcpy(dx, dy, sizeof(float) * count);
        return;
    }
    multiply(dy, mask_.data(), dx, count);
}

void Flatten::forward(const float* x, float* y, int n, bool training) {
    std::memcpy(y, x, sizeof(float) * long(n) * in_.size());
}

void Flatten::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    if (dx) std::memcpy(dx, dy, sizeof(float) * long(n) * in_.size());
}

}  // namespace convpad
