#include "engine/profile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>

#include "engine/loss.h"

namespace convpad {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void keep_min(double& best, double value) { best = std::min(best, value); }

}  // namespace

double StepProfile::layers_ms() const {
    double total = loss_ms + optimizer_ms;
    for (const LayerTiming& l : layers) total += l.forward_ms + l.backward_ms;
    return total;
}

StepProfile profile_step(Model& model, Optimizer* optimizer, const float* x, const std::uint8_t* labels, int n,
                         bool training, int repeats) {
    const auto& layers = model.layers();
    const std::size_t count = layers.size();
    StepProfile profile;
    profile.batch = n;
    profile.training = training;
    const double inf = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < count; ++i) {
        LayerTiming t;
        t.token = layers[i]->token();
        t.forward_ms = inf;
        t.backward_ms = training ? inf : 0.0;
        // Conv2D and Dense: the weight (first parameter) meets every output pixel once per image.
        const std::vector<ParamRef> params = layers[i]->params();
        if (!params.empty()) {
            const Shape3 out = layers[i]->output_shape();
            const double macs = double(params[0].size) * out.h * out.w * n;
            t.forward_flop = 2.0 * macs;
            t.backward_flop = training ? 2.0 * macs * (i == 0 ? 1 : 2) : 0.0;  // no input gradient for the image
        }
        profile.layers.push_back(t);
    }
    profile.loss_ms = training ? inf : 0.0;
    profile.optimizer_ms = training && optimizer ? inf : 0.0;
    profile.whole_ms = inf;

    // The same buffers and skips as Model: out[i] is layer i's output, a fused ReLU's is its input's;
    // gradients ping-pong between two buffers.
    std::vector<std::vector<float>> storage(count);
    std::vector<float*> out(count);
    std::size_t widest = std::size_t(n) * model.input_size();
    for (std::size_t i = 0; i < count; ++i) {
        if (model.fused_into_previous(i)) {
            out[i] = out[i - 1];
            profile.layers[i].token += " (fused)";
            profile.layers[i].forward_ms = profile.layers[i].backward_ms = 0.0;
            continue;
        }
        storage[i].resize(std::size_t(n) * layers[i]->output_shape().size());
        out[i] = storage[i].data();
        widest = std::max(widest, storage[i].size());
    }
    std::vector<float> grad_a(widest), grad_b(widest), probs(std::size_t(n) * model.num_classes());

    for (int rep = 0; rep <= repeats; ++rep) {  // rep 0 is the warm-up
        const bool timed = rep > 0;
        // Per layer.
        for (std::size_t i = 0; i < count; ++i) {
            if (model.fused_into_previous(i)) continue;
            const float* in = i == 0 ? x : out[i - 1];
            const auto t0 = Clock::now();
            layers[i]->forward(in, out[i], n, training);
            if (timed) keep_min(profile.layers[i].forward_ms, ms_since(t0));
        }
        if (training) {
            auto t0 = Clock::now();
            softmax_cross_entropy_forward(out[count - 1], labels, n, model.num_classes(), probs.data());
            softmax_cross_entropy_backward(probs.data(), labels, n, model.num_classes(), grad_a.data());
            if (timed) keep_min(profile.loss_ms, ms_since(t0));
            for (std::size_t i = count; i-- > 0;) {
                if (model.fused_into_previous(i)) continue;
                const float* in = i == 0 ? x : out[i - 1];
                float* dx = i == 0 ? nullptr : grad_b.data();
                t0 = Clock::now();
                layers[i]->backward(in, out[i], grad_a.data(), dx, n);
                if (timed) keep_min(profile.layers[i].backward_ms, ms_since(t0));
                std::swap(grad_a, grad_b);
            }
            if (optimizer) {
                const std::vector<ParamRef> params = model.params();
                t0 = Clock::now();
                optimizer->step(params);
                if (timed) keep_min(profile.optimizer_ms, ms_since(t0));
            }
        }
        // Whole step through Model, as the trainer runs it.
        const std::vector<ParamRef> params = optimizer && training ? model.params() : std::vector<ParamRef>();
        const auto t0 = Clock::now();
        const float* logits = model.forward(x, n, training);
        if (training) {
            softmax_cross_entropy_forward(logits, labels, n, model.num_classes(), probs.data());
            softmax_cross_entropy_backward(probs.data(), labels, n, model.num_classes(), grad_a.data());
            model.backward(grad_a.data(), n);
            if (optimizer) optimizer->step(params);
        }
        if (timed) keep_min(profile.whole_ms, ms_since(t0));
    }
    return profile;
}

std::string format_profile(const StepProfile& p) {
    std::string text;
    char line[160];
    auto gflops = [](double flop, double ms) { return flop > 0 && ms > 0 ? flop / ms * 1e-6 : 0.0; };
    std::snprintf(line, sizeof line, "%s, batch %d (best of repeats, ms)\n", p.training ? "training step" : "inference",
                  p.batch);
    text += line;
    std::snprintf(line, sizeof line, "  %-3s %-15s %9s %9s %9s %9s %7s\n", "#", "layer", "forward", "GFLOP/s",
                  p.training ? "backward" : "", p.training ? "GFLOP/s" : "", "share");
    text += line;
    const double total = p.layers_ms();
    double gemm_flop = 0.0, gemm_ms = 0.0;
    for (std::size_t i = 0; i < p.layers.size(); ++i) {
        const LayerTiming& l = p.layers[i];
        if (l.forward_flop > 0) gemm_flop += l.forward_flop + l.backward_flop, gemm_ms += l.forward_ms + l.backward_ms;
        std::snprintf(line, sizeof line, "  %-3zu %-15s %9.3f %9.1f", i, l.token.c_str(), l.forward_ms,
                      gflops(l.forward_flop, l.forward_ms));
        text += line;
        if (p.training)
            std::snprintf(line, sizeof line, " %9.3f %9.1f", l.backward_ms, gflops(l.backward_flop, l.backward_ms));
        else
            std::snprintf(line, sizeof line, " %9s %9s", "", "");
        text += line;
        std::snprintf(line, sizeof line, " %6.1f%%\n", 100.0 * (l.forward_ms + l.backward_ms) / total);
        text += line;
    }
    if (p.training) {
        std::snprintf(line, sizeof line, "  %-19s %9.3f %29s %6.1f%%\n", "loss", p.loss_ms, "",
                      100.0 * p.loss_ms / total);
        text += line;
        std::snprintf(line, sizeof line, "  %-19s %9.3f %29s %6.1f%%\n", "optimizer", p.optimizer_ms, "",
                      100.0 * p.optimizer_ms / total);
        text += line;
    }
    std::snprintf(line, sizeof line,
                  "  sum of the parts %9.3f ms; conv/dense layers %.3f ms at %.1f GFLOP/s; other layers %.3f ms\n",
                  total, gemm_ms, gflops(gemm_flop, gemm_ms), total - gemm_ms - p.loss_ms - p.optimizer_ms);
    text += line;
    // Best-of per part sums lower than the best whole step on a busy machine: the difference is the
    // glue between layers plus that noise.
    std::snprintf(line, sizeof line, "  whole %s through Model %.3f ms (%.0f images/s), %+.3f ms over the parts\n",
                  p.training ? "step" : "pass", p.whole_ms, 1e3 * p.batch / p.whole_ms, p.whole_ms - total);
    text += line;
    return text;
}

}  // namespace convpad
