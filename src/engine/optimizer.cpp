#include "engine/optimizer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "kernels/elementwise.h"
#include "kernels/parallel.h"

namespace convpad {

Adam::Adam(const OptimizerConfig& c)
    : beta1_(c.beta1), beta2_(c.beta2), epsilon_(c.epsilon), weight_decay_(c.kind == "adamw" ? c.weight_decay : 0.0f) {
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
    const AdamStep s{beta1_, beta2_, 1.0f - beta1_, 1.0f - beta2_, step_size, inv_sqrt_c2, epsilon_};
    const float shrink = 1.0f - learning_rate * weight_decay_;
    for (std::size_t i = 0; i < params.size(); ++i) {
        float *value = params[i].value, *m = m_[i].data(), *v = v_[i].data();
        const float* grad = params[i].grad;
        const bool decay = params[i].decays && weight_decay_ > 0.0f;
        // Every element is updated on its own, so any split gives the same bits; blocks of 4096 keep
        // SIMD tails at block ends and each part worth a dispatch.
        const int blocks = int((params[i].size + 4095) / 4096);
        parallel_for(blocks, [&](int first, int last) {
            const std::size_t begin = std::size_t(first) * 4096;
            const std::size_t end = std::min(params[i].size, std::size_t(last) * 4096);
            if (decay)
                for (std::size_t k = begin; k < end; ++k) value[k] *= shrink;
            adam_update(value + begin, grad + begin, m + begin, v + begin, end - begin, s);
        });
    }
}

Sgd::Sgd(const OptimizerConfig& c) : momentum_(c.momentum) { learning_rate = c.learning_rate; }

void Sgd::step(const std::vector<ParamRef>& params) {
    if (velocity_.size() != params.size()) {
        velocity_.assign(params.size(), {});
        for (std::size_t i = 0; i < params.size(); ++i) velocity_[i].assign(params[i].size, 0.0f);
    }
    for (std::size_t i = 0; i < params.size(); ++i)
        sgd_momentum_update(params[i].value, params[i].grad, velocity_[i].data(), params[i].size, momentum_,
                            learning_rate);
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config) {
    if (!(config.learning_rate > 0.0f && config.learning_rate <= 10.0f))
        throw std::invalid_argument("learning rate must be in (0, 10], got " + std::to_string(config.learning_rate));
    if (!(config.weight_decay >= 0.0f && config.weight_decay <= 1.0f))
        throw std::invalid_argument("weight decay must be in [0, 1], got " + std::to_string(config.weight_decay));
    if (config.kind == "adam" || config.kind == "adamw") return std::make_unique<Adam>(config);
    if (config.kind == "sgd") {
        if (!(config.momentum >= 0.0f && config.momentum < 1.0f))
            throw std::invalid_argument("SGD momentum must be in [0, 1)");
        return std::make_unique<Sgd>(config);
    }
    throw std::invalid_argument("unknown optimizer '" + config.kind + "' (expected adam, adamw or sgd)");
}

}  // namespace convpad
