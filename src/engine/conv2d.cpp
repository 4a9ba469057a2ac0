#include "engine/conv2d.h"

#include <cmath>
#include <stdexcept>

#include "kernels/gemm.h"

namespace convpad {

Conv2D::Conv2D(Shape3 in, int filters, int kernel, Padding padding)
    : filters_(filters), kernel_(kernel), padding_(padding) {
    in_ = in;
    int pad_total = padding == Padding::Same ? kernel - 1 : 0;
    // Keras/TensorFlow put the odd pixel of `same` padding after the image.
    geom_ = {in.c, in.h, in.w, kernel, kernel, pad_total / 2, pad_total / 2,
             in.h + pad_total - kernel + 1, in.w + pad_total - kernel + 1};
    if (geom_.out_h < 1 || geom_.out_w < 1)
        throw std::invalid_argument("kernel " + std::to_string(kernel) + " is larger than its " +
                                    std::to_string(in.h) + "x" + std::to_string(in.w) + " input");
    out_ = {filters, geom_.out_h, geom_.out_w};
    weight = Tensor4::from_shape({std::size_t(filters), std::size_t(in.c), std::size_t(kernel), std::size_t(kernel)});
    dweight = xt::zeros_like(weight);
    bias = xt::zeros<float>({std::size_t(filters)});
    dbias = xt::zeros_like(bias);
}

std::string Conv2D::token() const {
    return "conv" + std::to_string(filters_) + "k" + std::to_string(kernel_) +
           (padding_ == Padding::Same ? "same" : "");
}

std::vector<ParamRef> Conv2D::params() {
    return {{"weight", weight.data(), dweight.data(), weight.size()},
            {"bias", bias.data(), dbias.data(), bias.size()}};
}

void Conv2D::init_params(Rng& rng) {
    // He normal for ReLU networks (He et al. 2015), else Glorot uniform (Keras' default).
    const float fan_in = float(in_.c * kernel_ * kernel_), fan_out = float(filters_ * kernel_ * kernel_);
    const float he_std = std::sqrt(2.0f / fan_in), glorot_limit = std::sqrt(6.0f / (fan_in + fan_out));
    for (float& w : weight) w = he_init_ ? he_std * rng.normal() : glorot_limit * (2.0f * rng.uniform() - 1.0f);
    bias.fill(0.0f);
}

void Conv2D::forward(const float* x, float* y, int n, bool training) {
    const int patch = geom_.patch(), opix = geom_.out_pixels();
    const long cols = long(n) * opix;
    col_.resize(std::size_t(patch) * cols);
    dy_rows_.resize(std::size_t(filters_) * cols);
    im2col(geom_, x, n, col_.data());
    // (K, patch) x (patch, n*opix) -> (K, n*opix), then regroup to (n, K, opix) adding the bias.
    sgemm(Trans::No, Trans::No, filters_, int(cols), patch, 1.0f, weight.data(), patch, col_.data(), int(cols),
          0.0f, dy_rows_.data(), int(cols));
    const float* b = bias.data();
    for (int img = 0; img < n; ++img)
        for (int k = 0; k < filters_; ++k) {
            const float* src = dy_rows_.data() + long(k) * cols + long(img) * opix;
            float* dst = y + (long(img) * filters_ + k) * opix;
            for (int p = 0; p < opix; ++p) dst[p] = src[p] + b[k];
        }
}

void Conv2D::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    const int patch = geom_.patch(), opix = geom_.out_pixels();
    const long cols = long(n) * opix;
    // dy: (n, K, opix) -> (K, n*opix); dbias = sum over images and pixels.
    float* rows = dy_rows_.data();
    float* db = dbias.data();
    for (int k = 0; k < filters_; ++k) db[k] = 0.0f;
    for (int img = 0; img < n; ++img)
        for (int k = 0; k < filters_; ++k) {
            const float* src = dy + (long(img) * filters_ + k) * opix;
            float* dst = rows + long(k) * cols + long(img) * opix;
            float sum = 0.0f;
            for (int p = 0; p < opix; ++p) {
                dst[p] = src[p];
                sum += src[p];
            }
            db[k] += sum;
        }
    // dweight (K, patch) = dy_rows (K, cols) x col^T (cols, patch)
    sgemm(Trans::No, Trans::Yes, filters_, patch, int(cols), 1.0f, rows, int(cols), col_.data(), int(cols), 0.0f,
          dweight.data(), patch);
    if (!dx) return;
    // dcol (patch, cols) = weight^T (patch, K) x dy_rows (K, cols), folded back onto the image.
    dcol_.resize(std::size_t(patch) * cols);
    sgemm(Trans::Yes, Trans::No, patch, int(cols), filters_, 1.0f, weight.data(), patch, rows, int(cols), 0.0f,
          dcol_.data(), int(cols));
    col2im(geom_, dcol_.data(), n, dx);
}

}  // namespace convpad
