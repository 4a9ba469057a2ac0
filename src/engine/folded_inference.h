// Inference with each batch norm folded into the convolution before it. In inference a batch norm is a
// per-channel affine map, bn(v) = scale * v + shift with scale = gamma / sqrt(running_var + eps) and
// shift = beta - running_mean * scale, so conv -> bn (-> relu) is one convolution with the weights of
// filter k times scale[k] and the bias scale[k] * b[k] + shift[k], its ReLU fused. The same values as the
// layers one after the other, up to float rounding, without a pass over the activations per batch norm.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "engine/conv2d.h"
#include "engine/layer.h"

namespace convpad {

class FoldedInference {
public:
    // layers: a model's; fused[i] != 0 when layer i is a ReLU that the layer before it computes.
    FoldedInference(const std::vector<LayerPtr>& layers, const std::vector<char>& fused);

    // Logits (n, classes) of x (n, input) through `layers` (the ones given to the constructor) in inference
    // mode; valid until the next call. A folded convolution is made again when the convolution's weights or
    // the batch norm's parameters or statistics changed since it was made.
    const float* run(const std::vector<LayerPtr>& layers, const float* x, int n);

private:
    struct Fold {
        std::size_t conv;                // index of the convolution; the batch norm follows it
        std::unique_ptr<Conv2D> folded;  // the two as one convolution
        std::vector<float> source;       // weight, bias, gamma, beta, running mean and variance it was made from
    };
    std::vector<Fold> folds_;
    std::vector<std::size_t> fold_at_;  // (layers): index into folds_ + 1 for a folded convolution, else 0
    std::vector<char> skip_;            // (layers): a batch norm folded away, or a ReLU computed before it
    std::vector<float> a_, b_;          // ping-pong activations
    std::size_t widest_ = 0;            // floats per image of the largest layer output

    static void refresh(const Conv2D& conv, const class BatchNorm& bn, Fold& fold);
};

}  // namespace convpad
