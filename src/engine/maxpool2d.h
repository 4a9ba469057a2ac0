// Max pooling with a square window and stride equal to the window (Keras MaxPooling2D, `valid`).
#pragma once
#include <cstdint>

#include "engine/layer.h"

namespace convpad {

class MaxPool2D : public Layer {
public:
    MaxPool2D(Shape3 in, int size);
    std::string token() const override { return "pool" + std::to_string(size_); }
    // x: (n, C, H, W)  y: (n, C, H/s, W/s), rows/columns past the last full window are dropped.
    void forward(const float* x, float* y, int n, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
    const std::vector<std::int32_t>& winners() const { return argmax_; }  // from the last forward

private:
    int parts(int n) const;  // how many parts a parallel_for over the planes of n images gets
    int size_;
    std::vector<std::int32_t> argmax_;  // (n, C, H/s, W/s): offset of each winner within its input plane
};

}  // namespace convpad
