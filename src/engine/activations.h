// Shape-preserving layers: ReLU, Dropout, Flatten.
#pragma once
#include <cstdint>

#include "engine/layer.h"

namespace convpad {

class ReLU : public Layer {
public:
    explicit ReLU(Shape3 in) { in_ = out_ = in; }
    std::string token() const override { return "relu"; }
    // y = max(x, 0);  dx = dy where y > 0 (the kink at 0 takes gradient 0)
    void forward(const float* x, float* y, int n, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
};

// Inverted dropout: in training, zero each value with probability `rate` (quantised to 1/65536) and
// scale the rest by 1/(1-rate), so inference is the identity.
class Dropout : public Layer {
public:
    Dropout(Shape3 in, float rate);
    std::string token() const override;
    void forward(const float* x, float* y, int n, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
    void init_params(Rng& rng) override { rng_ = Rng(rng.next_u32(), 7); }
    float rate() const { return rate_; }

private:
    float rate_;
    Rng rng_;
    std::vector<float> mask_;  // (n, size): 0 or 1/(1-rate) from the last training forward
    bool last_training_ = false;
};

class Flatten : public Layer {
public:
    explicit Flatten(Shape3 in) { in_ = in, out_ = {int(in.size()), 1, 1}; }
    std::string token() const override { return "flatten"; }
    void forward(const float* x, float* y, int n, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
};

}  // namespace convpad
