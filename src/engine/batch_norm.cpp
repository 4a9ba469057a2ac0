#include "engine/batch_norm.h"

#include <cmath>

#include "kernels/channel_norm.h"
#include "kernels/parallel.h"

namespace convpad {

BatchNorm::BatchNorm(Shape3 in) : channels_(in.c), plane_(in.h * in.w) {
    in_ = out_ = in;
    gamma = xt::ones<float>({std::size_t(channels_)});
    beta = xt::zeros<float>({std::size_t(channels_)});
    dgamma = xt::zeros_like(gamma);
    dbeta = xt::zeros_like(beta);
    running_mean = xt::zeros<float>({std::size_t(channels_)});
    running_var = xt::ones<float>({std::size_t(channels_)});
    mean_.assign(std::size_t(channels_), 0.0f);
    inv_std_.assign(std::size_t(channels_), 1.0f);
}

std::vector<ParamRef> BatchNorm::params() {
    return {{"gamma", gamma.data(), dgamma.data(), gamma.size()}, {"beta", beta.data(), dbeta.data(), beta.size()}};
}

std::vector<ParamRef> BatchNorm::state() {
    return {{"running_mean", running_mean.data(), nullptr, running_mean.size()},
            {"running_var", running_var.data(), nullptr, running_var.size()}};
}

void BatchNorm::init_params(Rng&) {
    gamma.fill(1.0f);
    beta.fill(0.0f);
    running_mean.fill(0.0f);
    running_var.fill(1.0f);
}

void BatchNorm::forward(const float* x, float* y, int n, bool training) {
    last_training_ = training && n > 0;
    const double count = double(n) * plane_;
    const std::size_t plane = std::size_t(plane_);
    auto at = [&](int image, int c) { return (std::size_t(image) * channels_ + c) * plane; };
    parallel_for(channels_, [&](int first, int last) {
        for (int c = first; c < last; ++c) {
            float mean, inv_std;
            if (last_training_) {
                double sum = 0.0;
                for (int i = 0; i < n; ++i) sum += plane_sum(x + at(i, c), plane);
                mean = float(sum / count);
                double squares = 0.0;
                for (int i = 0; i < n; ++i) squares += plane_squared_deviations(x + at(i, c), plane, mean);
                const double var = squares / count;
                inv_std = float(1.0 / std::sqrt(var + double(kEpsilon)));
                // The running variance is the unbiased estimate, as TensorFlow and PyTorch keep it.
                const double unbiased = count > 1 ? var * count / (count - 1) : var;
                running_mean[c] = kMomentum * running_mean[c] + (1.0f - kMomentum) * mean;
                running_var[c] = kMomentum * running_var[c] + (1.0f - kMomentum) * float(unbiased);
            } else {
                mean = running_mean[c];
                inv_std = float(1.0 / std::sqrt(double(running_var[c]) + double(kEpsilon)));
            }
            mean_[c] = mean;
            inv_std_[c] = inv_std;
            const float scale = gamma[c] * inv_std, shift = beta[c] - mean * scale;
            for (int i = 0; i < n; ++i) {
                if (fused_relu_) scale_shift_relu(x + at(i, c), y + at(i, c), plane, scale, shift);
                else scale_shift(x + at(i, c), y + at(i, c), plane, scale, shift);
            }
        }
    });
}

// With xhat = (x - mean) * inv_std over the m = n*H*W values of a channel, and dy masked by the fused
// ReLU's output where there is one:
//   dbeta = sum(dy)   dgamma = sum(dy * xhat) = inv_std * sum(dy * (x - mean))
//   training:  dx = gamma * inv_std * (dy - dbeta / m - xhat * dgamma / m)   (the batch statistics depend on x)
//   inference: dx = gamma * inv_std * dy
void BatchNorm::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    const double count = double(n) * plane_;
    const std::size_t plane = std::size_t(plane_);
    auto at = [&](int image, int c) { return (std::size_t(image) * channels_ + c) * plane; };
    parallel_for(channels_, [&](int first, int last) {
        for (int c = first; c < last; ++c) {
            const float mean = mean_[c], inv_std = inv_std_[c];
            double sum_dy = 0.0, sum_centered = 0.0;
            for (int i = 0; i < n; ++i) {
                const std::size_t a = at(i, c);
                const PlaneGradSums s = fused_relu_ ? plane_grad_sums_relu(x + a, y + a, dy + a, plane, mean)
                                                    : plane_grad_sums(x + a, dy + a, plane, mean);
                sum_dy += s.dy;
                sum_centered += s.centered;
            }
            const double sum_dy_xhat = sum_centered * inv_std;
            dbeta[c] = float(sum_dy);
            dgamma[c] = float(sum_dy_xhat);
            if (!dx) continue;
            const float gain = gamma[c] * inv_std;
            const float mean_dy = last_training_ ? float(sum_dy / count) : 0.0f;
            const float slope = last_training_ ? float(double(gain) * inv_std * sum_dy_xhat / count) : 0.0f;
            for (int i = 0; i < n; ++i) {
                const std::size_t a = at(i, c);
                if (fused_relu_) plane_input_grad_relu(x + a, y + a, dy + a, dx + a, plane, mean, gain, mean_dy, slope);
                else plane_input_grad(x + a, dy + a, dx + a, plane, mean, gain, mean_dy, slope);
            }
        }
    });
}

}  // namespace convpad
