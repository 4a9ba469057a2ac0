// Parameter updates: Adam (the default), AdamW (Adam with decoupled weight decay) and SGD with momentum.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/layer.h"

namespace convpad {

struct OptimizerConfig {
    std::string kind = "adam";  // "adam", "adamw" or "sgd"
    float learning_rate = 1e-3f;
    float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;  // Adam, Keras' defaults
    float momentum = 0.9f;                                 // SGD
    float weight_decay = 0.0f;  // AdamW's decoupled decay (Loshchilov & Hutter 2019); adam and sgd ignore it
};

class Optimizer {
public:
    virtual ~Optimizer() = default;
    // Applies one update to every parameter from its gradient.
    virtual void step(const std::vector<ParamRef>& params) = 0;
    float learning_rate = 1e-3f;
};

// m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
// AdamW first shrinks the parameters that decay (ParamRef::decays): p -= lr * weight_decay * p, as PyTorch's
// AdamW (the decay follows the learning rate's schedule).
class Adam : public Optimizer {
public:
    explicit Adam(const OptimizerConfig& config);
    void step(const std::vector<ParamRef>& params) override;
    long steps() const { return t_; }

private:
    float beta1_, beta2_, epsilon_, weight_decay_;
    long t_ = 0;
    std::vector<std::vector<float>> m_, v_;
};

// velocity = momentum * velocity + g;  p -= lr * velocity   (PyTorch's formulation)
class Sgd : public Optimizer {
public:
    explicit Sgd(const OptimizerConfig& config);
    void step(const std::vector<ParamRef>& params) override;

private:
    float momentum_;
    std::vector<std::vector<float>> velocity_;
};

// Throws std::invalid_argument for an unknown kind, a learning rate outside (0, 10] or a weight decay outside
// [0, 1].
std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config);

}  // namespace convpad
