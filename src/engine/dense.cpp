#include "engine/dense.h"

#include <cmath>

#include "kernels/elementwise.h"
#include "kernels/gemm.h"

namespace convpad {

Dense::Dense(Shape3 in, int units) : units_(units), inputs_(int(in.size())) {
    in_ = in;
    out_ = {units, 1, 1};
    weight = Tensor2::from_shape({std::size_t(units), std::size_t(inputs_)});
    dweight = xt::zeros_like(weight);
    bias = xt::zeros<float>({std::size_t(units)});
    dbias = xt::zeros_like(bias);
}

std::vector<ParamRef> Dense::params() {
    return {{"weight", weight.data(), dweight.data(), weight.size(), true},
            {"bias", bias.data(), dbias.data(), bias.size()}};
}

void Dense::init_params(Rng& rng) {
    const float fan_in = float(inputs_), fan_out = float(units_);
    const float he_std = std::sqrt(2.0f / fan_in), glorot_limit = std::sqrt(6.0f / (fan_in + fan_out));
    for (float& w : weight) w = he_init_ ? he_std * rng.truncated_normal() : glorot_limit * (2.0f * rng.uniform() - 1.0f);
    bias.fill(0.0f);
}

void Dense::forward(const float* x, float* y, int n, bool training) {
    sgemm(Trans::No, Trans::Yes, n, units_, inputs_, 1.0f, x, inputs_, weight.data(), inputs_, 0.0f, y, units_);
    add_bias_cols(y, bias.data(), n, units_);
}

void Dense::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    // dweight (U, I) = dy^T (U, n) x x (n, I);  dbias = column sums of dy;  dx (n, I) = dy (n, U) x weight (U, I)
    sgemm(Trans::Yes, Trans::No, units_, inputs_, n, 1.0f, dy, units_, x, inputs_, 0.0f, dweight.data(), inputs_);
    column_sums(dy, n, units_, dbias.data());
    if (dx) sgemm(Trans::No, Trans::No, n, inputs_, units_, 1.0f, dy, units_, weight.data(), inputs_, 0.0f, dx, inputs_);
}

}  // namespace convpad
