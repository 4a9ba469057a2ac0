// 2-D convolution, stride 1, `valid` or `same` zero padding, as im2col + one GEMM per batch.
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
    Tensor4 weight, dweight;
    Tensor1 bias, dbias;

private:
    int filters_, kernel_;
    Padding padding_;
    ConvGeometry geom_;
    bool he_init_ = true;
    std::vector<float> col_;      // (C*k*k, n*H'*W') from the last forward
    std::vector<float> dy_rows_;  // (K, n*H'*W') gradient regrouped by filter
    std::vector<float> dcol_;     // (C*k*k, n*H'*W')
};

}  // namespace convpad
