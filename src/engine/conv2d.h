// 2-D convolution, stride 1, `valid` or `same` zero padding, as im2col + GEMM one image at a time.
#pragma once
#include "engine/layer.h"
#include "kernels/im2col.h"

namespace convpad {

enum class Padding { Valid, Same };

class Conv2D : public Layer {
public:
    Conv2D(Shape3 in, int filters, int kernel, Padding padding);

    std::string token() const override;
    // x: (n, C, H, W)  weight: (K, C, k, k)  bias: (K)  y: (n, K, H', W')
    void forward(const float* x, float* y, int n, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
    std::vector<ParamRef> params() override;
    void init_params(Rng& rng) override;

    void set_he_init(bool he) { he_init_ = he; }
    // With a ReLU right after it (Model sets this), the convolution outputs max(0, conv + bias) itself,
    // while each image's output is still in cache, and its backward takes dy with respect to that and
    // masks it with y > 0: the ReLU layer then does no work of its own (Model skips it).
    void set_fused_relu(bool fused) { fused_relu_ = fused; }
    bool fused_relu() const { return fused_relu_; }
    Tensor4 weight, dweight;
    Tensor1 bias, dbias;

private:
    int filters_, kernel_;
    Padding padding_;
    ConvGeometry geom_;
    bool he_init_ = true;
    bool fused_relu_ = false;
    std::vector<float> col_;      // (C*k*k, H'*W'): one image's patches, rebuilt for each image
    std::vector<float> dcol_;     // (C*k*k, H'*W'): one image's patch gradients
    std::vector<float> dy_relu_;  // (K, H'*W'): one image's dy masked by the fused ReLU
};

}  // namespace convpad
