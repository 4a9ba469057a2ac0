// Where the time of a training step (or an inference pass) goes, layer by layer.
//
// Used by `convpad bench --profile` and tools/bench/native/bench_train.cpp. The profiler drives the layers
// itself, making the same forward/backward calls Model::forward/backward make but with a clock around
// each, and separately times the whole step through Model, so the difference shows what the glue
// between the layers (activation copies, buffer management) costs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/model.h"
#include "engine/optimizer.h"

namespace convpad {

struct LayerTiming {
    std::string token;           // "conv32k3", "relu", ...
    double forward_ms = 0.0;     // best of the repeats
    double backward_ms = 0.0;    // 0 when only inference was profiled
    double forward_flop = 0.0;   // 2 x multiply-adds of the layer's matrix products (0 for the others)
    double backward_flop = 0.0;  // weight gradient + input gradient (none for the first layer's input)
};

struct StepProfile {
    int batch = 0;
    bool training = false;
    std::vector<LayerTiming> layers;
    double loss_ms = 0.0;       // softmax cross-entropy forward + backward (training only)
    double optimizer_ms = 0.0;  // one optimizer step (training only)
    // Model::forward (+ loss + Model::backward + optimizer step when training), best of the repeats.
    double whole_ms = 0.0;
    double layers_ms() const;  // sum of the per-layer best times (+ loss + optimizer)
};

// x: (n, 784)  labels: (n). Training: forward with dropout, loss, backward, optimizer step, `repeats`
// times (this trains the model: weights change). Inference: forward only, training = false.
// repeats >= 1; one untimed warm-up run comes first so buffers are allocated before timing.
StepProfile profile_step(Model& model, Optimizer* optimizer, const float* x, const std::uint8_t* labels, int n,
                         bool training, int repeats);

// A plain-text table of the profile (one line per layer, totals, achieved GFLOP/s).
std::string format_profile(const StepProfile& profile);

}  // namespace convpad
