// Finite-difference gradient checking shared by the layer and model tests.
#pragma once
#include <cmath>
#include <functional>
#include <vector>

#include "engine/activations.h"
#include "engine/maxpool2d.h"
#include "engine/model.h"
#include "engine/rng.h"

namespace convpad::testing {

inline std::vector<float> random_vector(std::size_t n, Rng& rng, float scale = 1.0f) {
    std::vector<float> v(n);
    for (float& x : v) x = scale * (2.0f * rng.uniform() - 1.0f);
    return v;
}

// Central difference of `loss` with respect to value[i]; the loss is evaluated in double.
inline double central_difference(float* value, const std::function<double()>& loss, double h = 1e-2) {
    const float saved = *value;
    *value = float(saved + h);
    const double plus = loss();
    *value = float(saved - h);
    const double minus = loss();
    *value = saved;
    return (plus - minus) / (2.0 * h);
}

// Absolute-plus-relative closeness: |a - n| <= atol + rtol * max(|a|, |n|).
inline bool gradients_close(double analytic, double numeric, double atol = 2e-3, double rtol = 2e-2) {
    return std::fabs(analytic - numeric) <= atol + rtol * std::max(std::fabs(analytic), std::fabs(numeric));
}

// Which way every ReLU (fused or not) and max pool decided in the last forward: if it changes between x+h
// and x-h, the difference straddles a kink and is not a derivative (ggml's test-backend-ops skips these too).
inline std::vector<std::int32_t> kink_signature(const Model& model) {
    std::vector<std::int32_t> sig;
    for (std::size_t i = 0; i < model.layers().size(); ++i) {
        if (dynamic_cast<const ReLU*>(model.layers()[i].get()))
            for (float v : model.activation(i + 1)) sig.push_back(v > 0.0f);
        if (auto* pool = dynamic_cast<const MaxPool2D*>(model.layers()[i].get()))
            sig.insert(sig.end(), pool->winners().begin(), pool->winners().end());
    }
    return sig;
}

}  // namespace convpad::testing
