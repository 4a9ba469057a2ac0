// Batch normalisation (Ioffe & Szegedy 2015), Keras' BatchNormalization on the channel axis.
//
// After a convolution each channel is normalised over the batch and the image (statistics over n*H*W
// values); after a dense layer each unit over the batch (H = W = 1). Training uses the batch's
// statistics and folds them into running averages; inference uses the running averages. Every channel is
// reduced by one thread in a fixed order (kernels/channel_norm.h, plane by plane, the planes' sums added
// in double), so results do not depend on the thread count.
#pragma once
#include "engine/layer.h"

namespace convpad {

class BatchNorm : public Layer {
public:
    explicit BatchNorm(Shape3 in);
    std::string token() const override { return "bn"; }
    // x: (n, C, H, W)  gamma, beta, running_mean, running_var: (C)  y: (n, C, H, W)
    // training: y = gamma * (x - mean_batch) / sqrt(var_batch + eps) + beta, and the running averages move
    // toward the batch's statistics; inference: the same with the running averages.
    void forward(const float* x, float* y, int n, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
    std::vector<ParamRef> params() override;
    std::vector<ParamRef> state() override;
    void init_params(Rng& rng) override;
    // A ReLU right after the batch norm, computed by it while each plane is in cache (Model sets this up,
    // as for Conv2D): y = max(bn(x), 0), and backward takes dy with respect to the ReLU's output. Gives
    // exactly what the two layers give one after the other.
    void set_fused_relu(bool fused) { fused_relu_ = fused; }
    bool fused_relu() const { return fused_relu_; }

    static constexpr float kEpsilon = 1e-3f;   // Keras' default
    // running = momentum * running + (1 - momentum) * batch. PyTorch's 0.9 rather than Keras' 0.99: the short runs
    // of the page need running averages that keep up with the weights within an epoch.
    static constexpr float kMomentum = 0.9f;
    Tensor1 gamma, dgamma, beta, dbeta;
    Tensor1 running_mean, running_var;

private:
    int channels_, plane_;  // C, H*W
    // From the last forward: the statistics it normalised with, per channel.
    std::vector<float> mean_, inv_std_;
    bool last_training_ = false;
    bool fused_relu_ = false;
};

}  // namespace convpad
