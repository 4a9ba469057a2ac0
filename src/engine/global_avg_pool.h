// Global average pooling (Keras GlobalAveragePooling2D): each channel's plane becomes its mean.
#pragma once
#include "engine/layer.h"

namespace convpad {

class GlobalAvgPool : public Layer {
public:
    explicit GlobalAvgPool(Shape3 in) { in_ = in, out_ = {in.c, 1, 1}; }
    std::string token() const override { return "gap"; }
    // x: (n, C, H, W)  y: (n, C)   dx = dy / (H*W) over each plane
    void forward(const float* x, float* y, int n, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
};

}  // namespace convpad
