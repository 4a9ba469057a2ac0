// 2-D convolution, stride 1, `valid` or `same` zero padding, as im2col + GEMM one image at a time.
// With threads (kernels/parallel.h) the images of a batch are split over them; results are bit-identical
// for any thread count (see backward for how the weight gradients are summed).
#pragma once
#include "engine/arch.h"  // Padding
#include "engine/layer.h"
#include "kernels/im2col.h"
#include "kernels/winograd.h"

namespace convpad {

class Conv2D : public Layer {
public:
    Conv2D(Shape3 in, int filters, int kernel, Padding padding);
    int filters() const { return filters_; }
    int kernel() const { return kernel_; }
    Padding padding() const { return padding_; }

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
    // Forward and both gradients by Winograd (kernels/winograd.h: F(2x2,3x3) and, for the weights, F(3x3,2x2))
    // where it wins: 3x3 kernels on inputs of at least kWinogradMinChannels channels (conv64 of the seed CNN,
    // 1.6x forward; on 1 channel it is 3x slower). Tests turn it off to compare with the im2col path.
    static constexpr int kWinogradMinChannels = 16;
    void set_winograd(bool allowed) { winograd_allowed_ = allowed; }
    bool uses_winograd() const;
    Tensor4 weight, dweight;
    Tensor1 bias, dbias;

private:
    int filters_, kernel_;
    Padding padding_;
    ConvGeometry geom_;
    bool he_init_ = true;
    bool fused_relu_ = false;
    bool winograd_allowed_ = true;
    // What one thread needs for the image it works on; one set per parallel_thread_index().
    struct ImageScratch {
        std::vector<float> col;      // (C*k*k, H'*W'): the image's patches
        std::vector<float> dcol;     // (C*k*k, H'*W'): its patch gradients
        std::vector<float> dy_relu;  // (K, H'*W'): its dy masked by the fused ReLU
    };
    std::vector<ImageScratch> scratch_;
    // backward: the weight and bias gradients of each group of images, summed in group order at the end
    std::vector<float> dweight_groups_, dbias_groups_;

    // Winograd: the transformed filters, the weights they were made from (so they are remade only after
    // the weights change), and one scratch per thread. Backward: the filters of the input's gradient, and
    // the whole batch's dy masked by the fused ReLU (both gradients read it block by block).
    std::vector<float> winograd_filters_, winograd_source_;
    std::vector<WinogradScratch> winograd_scratch_;
    std::vector<float> winograd_backward_filters_, masked_dy_;

    ImageScratch* grow_scratch(bool backward, bool with_dx);
    void forward_winograd(const float* x, float* y, int n);
    void backward_winograd(const float* x, const float* y, const float* dy, float* dx, int n);
    void backward_data_winograd(const float* dy, float* dx, int n);
};

}  // namespace convpad
