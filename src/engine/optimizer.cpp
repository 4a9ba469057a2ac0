#include "engine/optimizer.h"

#include <cmath>
#include <stdexcept>

namespace convpad {

Adam::Adam(const OptimizerConfig& c) : beta1_(c.beta1), beta2_(c.beta2), epsilon_(c.epsilon) {
    learning_rate = c.learning_rate;
}

void Adam::step(const std::vector<ParamRef>& params) {
    if (m_.size() != params.size()) {
        m_.assign(params.size(), {});
        v_.assign(params.size(), {});
        for (std::size_t i = 0; i < params.size(); ++i) m_[i].assign(params[i].size, 0.0f), v_[i].assign(params[i].size, 0.0f);
    }
    ++t_;
    // Bias corrections folded into one step size, computed in double (b^t underflows slowly in float).
    const double correction1 = 1.0 - std::pow(double(beta1_), double(t_));
    const double correction2 = 1.0 - std::pow(double(beta2_), double(t_));
    const float step_size = float(learning_rate / correction1);
    const float inv_sqrt_c2 = float(1.0 / std::sqrt(correction2));
    const float b1 = beta1_, b2 = beta2_, one_b1 = 1.0f - beta1_, one_b2 = 1.0f - beta2_;
    for (std::size_t i = 0; i < params.size(); ++i) {
        float* p = params[i].value;
        const float* g = params[i].grad;
        float* m = m_[i].data();
        float* v = v_[i].data();
        for (std::size_t j = 0; j < params[i].size; ++j) {
            m[j] = b1 * m[j] + one_b1 * g[j];
            v[j] = b2 * v[j] + one_b2 * g[j] * g[j];
            p[j] -= step_size * m[j] / (std::sqrt(v[j]) * inv_sqrt_c2 + epsilon_);
        }
    }
}

Sgd::Sgd(const OptimizerConfig& c) : momentum_(c.momentum) { learning_rate = c.learning_rate; }

void Sgd::step(const std::vector<ParamRef>& params) {
    if (velocity_.size() != params.size()) {
        velocity_.assign(params.size(), {});
        for (std::size_t i = 0; i < params.size(); ++i) velocity_[i].assign(params[i].size, 0.0f);
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
        float* p = params[i].value;
        const float* g = params[i].grad;
        float* vel = velocity_[i].data();
        for (std::size_t j = 0; j < params[i].size; ++j) {
            vel[j] = momentum_ * vel[j] + g[j];
            p[j] -= learning_rate * vel[j];
        }
    }
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config) {
    if (!(config.learning_rate > 0.0f && config.learning_rate <= 10.0f))
        throw std::invalid_argument("learning rate must be in (0, 10], got " + std::to_string(config.learning_rate));
    if (config.kind == "adam") return std::make_unique<Adam>(config);
    if (config.kind == "sgd") {
        if (!(config.momentum >= 0.0f && config.momentum < 1.0f))
            throw std::invalid_argument("SGD momentum must be in [0, 1)");
        return std::make_unique<Sgd>(config);
    }
    throw std::invalid_argument("unknown optimizer '" + config.kind + "' (expected adam or sgd)");
}

}  // namespace convpad
