// Fully connected layer: y = x W^T + b (PyTorch's weight layout).
#pragma once
#include "engine/layer.h"

namespace convpad {

class Dense : public Layer {
public:
    Dense(Shape3 in, int units);
    std::string token() const override { return "dense" + std::to_string(units_); }
    // x: (n, I)  weight: (U, I)  bias: (U)  y: (n, U)
    void forward(const float* x, float* y, int n, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
    std::vector<ParamRef> params() override;
    void init_params(Rng& rng) override;

    void set_he_init(bool he) { he_init_ = he; }
    Tensor2 weight, dweight;
    Tensor1 bias, dbias;

private:
    int units_, inputs_;
    bool he_init_ = true;
};

}  // namespace convpad
