#include "engine/folded_inference.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "engine/batch_norm.h"

namespace convpad {

namespace {
void append(std::vector<float>& out, const float* values, std::size_t count) { out.insert(out.end(), values, values + count); }
}  // namespace

FoldedInference::FoldedInference(const std::vector<LayerPtr>& layers, const std::vector<char>& fused)
    : fold_at_(layers.size(), 0), skip_(layers.size(), 0) {
    for (std::size_t i = 0; i < layers.size(); ++i) {
        widest_ = std::max(widest_, layers[i]->output_shape().size());
        if (fused[i]) skip_[i] = 1;
        const auto* conv = dynamic_cast<const Conv2D*>(layers[i].get());
        const auto* bn = i + 1 < layers.size() ? dynamic_cast<const BatchNorm*>(layers[i + 1].get()) : nullptr;
        if (!conv || !bn || conv->fused_relu()) continue;
        Fold fold{i, std::make_unique<Conv2D>(conv->input_shape(), conv->filters(), conv->kernel(), conv->padding()), {}};
        fold.folded->set_fused_relu(bn->fused_relu());
        folds_.push_back(std::move(fold));
        fold_at_[i] = folds_.size();
        skip_[i + 1] = 1;
    }
}

void FoldedInference::refresh(const Conv2D& conv, const BatchNorm& bn, Fold& fold) {
    // Compared in place (every inference call comes here; a pad prediction is one image), copied on a change.
    const std::pair<const float*, std::size_t> parts[] = {
        {conv.weight.data(), conv.weight.size()}, {conv.bias.data(), conv.bias.size()},
        {bn.gamma.data(), bn.gamma.size()},       {bn.beta.data(), bn.beta.size()},
        {bn.running_mean.data(), bn.running_mean.size()}, {bn.running_var.data(), bn.running_var.size()}};
    std::size_t total = 0;
    for (const auto& [values, count] : parts) total += count;
    bool same = fold.source.size() == total;
    for (std::size_t at = 0, i = 0; same && i < std::size(parts); at += parts[i++].second)
        same = std::equal(parts[i].first, parts[i].first + parts[i].second, fold.source.begin() + long(at));
    if (same) return;
    fold.source.clear();
    for (const auto& [values, count] : parts) append(fold.source, values, count);
    Conv2D& folded = *fold.folded;
    const std::size_t per_filter = conv.weight.size() / std::size_t(conv.filters());
    for (int k = 0; k < conv.filters(); ++k) {
        // As BatchNorm::forward computes them in inference.
        const float inv_std = float(1.0 / std::sqrt(double(bn.running_var[k]) + double(BatchNorm::kEpsilon)));
        const float scale = bn.gamma[k] * inv_std, shift = bn.beta[k] - bn.running_mean[k] * scale;
        const float* w = conv.weight.data() + k * per_filter;
        float* w_folded = folded.weight.data() + k * per_filter;
        for (std::size_t j = 0; j < per_filter; ++j) w_folded[j] = w[j] * scale;
        folded.bias[k] = conv.bias[k] * scale + shift;
    }
}

const float* FoldedInference::run(const std::vector<LayerPtr>& layers, const float* x, int n) {
    const std::size_t need = widest_ * std::size_t(std::max(n, 0));
    if (a_.size() < need) a_.resize(need);
    if (b_.size() < need) b_.resize(need);
    const float* in = x;
    float* out = a_.data();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (skip_[i]) continue;  // folded into the convolution before it, or its ReLU computed there
        if (fold_at_[i]) {
            Fold& fold = folds_[fold_at_[i] - 1];
            refresh(static_cast<const Conv2D&>(*layers[i]), static_cast<const BatchNorm&>(*layers[i + 1]), fold);
            fold.folded->forward(in, out, n, false);
        } else {
            layers[i]->forward(in, out, n, false);
        }
        in = out;
        out = out == a_.data() ? b_.data() : a_.data();
    }
    return in;
}

}  // namespace convpad
