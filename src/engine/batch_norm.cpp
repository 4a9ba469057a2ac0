#include "engine/batch_norm.h"

#include <cmath>

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

namespace {

// Channel c of image i is the plane x + (i * C + c) * plane. Sums in double, plane by plane in order.
double channel_sum(const float* x, int n, int channels, int plane, int c) {
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
        const float* p = x + (std::size_t(i) * channels + c) * plane;
        float part = 0.0f;
        for (int k = 0; k < plane; ++k) part += p[k];
        total += part;
    }
    return total;
}

}  // namespace

void BatchNorm::forward(const float* x, float* y, int n, bool training) {
    last_training_ = training && n > 0;
    const double count = double(n) * plane_;
    parallel_for(channels_, [&](int first, int last) {
        for (int c = first; c < last; ++c) {
            float mean, inv_std;
            if (last_training_) {
                const double m = channel_sum(x, n, channels_, plane_, c) / count;
                double squares = 0.0;
                for (int i = 0; i < n; ++i) {
                    const float* p = x + (std::size_t(i) * channels_ + c) * plane_;
                    float part = 0.0f;
                    for (int k = 0; k < plane_; ++k) {
                        const float d = p[k] - float(m);
                        part += d * d;
                    }
                    squares += part;
                }
                const double var = squares / count;
                mean = float(m);
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
                const std::size_t at = (std::size_t(i) * channels_ + c) * plane_;
                for (int k = 0; k < plane_; ++k) y[at + k] = x[at + k] * scale + shift;
            }
        }
    });
}

// With xhat = (x - mean) * inv_std over the m = n*H*W values of a channel:
//   dbeta = sum(dy)   dgamma = sum(dy * xhat)
//   training:  dx = gamma * inv_std / m * (m * dy - dbeta - xhat * dgamma)   (the batch statistics depend on x)
//   inference: dx = gamma * inv_std * dy
void BatchNorm::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    const double count = double(n) * plane_;
    parallel_for(channels_, [&](int first, int last) {
        for (int c = first; c < last; ++c) {
            const float mean = mean_[c], inv_std = inv_std_[c];
            double sum_dy = 0.0, sum_dy_xhat = 0.0;
            for (int i = 0; i < n; ++i) {
                const std::size_t at = (std::size_t(i) * channels_ + c) * plane_;
                float part_dy = 0.0f, part_dy_xhat = 0.0f;
                for (int k = 0; k < plane_; ++k) {
                    part_dy += dy[at + k];
                    part_dy_xhat += dy[at + k] * (x[at + k] - mean) * inv_std;
                }
                sum_dy += part_dy;
                sum_dy_xhat += part_dy_xhat;
            }
            dbeta[c] = float(sum_dy);
            dgamma[c] = float(sum_dy_xhat);
            if (!dx) continue;
            const float g = gamma[c] * inv_std;
            const float mean_dy = last_training_ ? float(sum_dy / count) : 0.0f;
            const float mean_dy_xhat = last_training_ ? float(sum_dy_xhat / count) : 0.0f;
            for (int i = 0; i < n; ++i) {
                const std::size_t at = (std::size_t(i) * channels_ + c) * plane_;
                for (int k = 0; k < plane_; ++k) {
                    const float xhat = (x[at + k] - mean) * inv_std;
                    dx[at + k] = g * (dy[at + k] - mean_dy - xhat * mean_dy_xhat);
                }
            }
        }
    });
}

}  // namespace convpad
