#include "engine/model.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "engine/activations.h"
#include "engine/batch_norm.h"
#include "engine/conv2d.h"
#include "engine/dense.h"
#include "engine/global_avg_pool.h"
#include "engine/loss.h"
#include "engine/maxpool2d.h"
#include "kernels/parallel.h"

namespace convpad {

Model::Model(const std::string& arch, std::uint64_t seed, Shape3 input, int classes)
    : arch_(arch), input_shape_(input), num_classes_(classes) {
    const ArchSpec spec = parse_arch(arch, input, classes);  // every check, before anything is allocated
    num_params_ = spec.params;
    num_weights_ = spec.weights;
    for (const LayerSpec& l : spec.layers) {
        switch (l.kind) {
        case LayerKind::Conv: layers_.push_back(std::make_unique<Conv2D>(l.input, l.size, l.kernel, l.padding)); break;
        case LayerKind::Pool: layers_.push_back(std::make_unique<MaxPool2D>(l.input, l.size)); break;
        case LayerKind::Dense: layers_.push_back(std::make_unique<Dense>(l.input, l.size)); break;
        case LayerKind::ReLU: layers_.push_back(std::make_unique<ReLU>(l.input)); break;
        case LayerKind::Flatten: layers_.push_back(std::make_unique<Flatten>(l.input)); break;
        case LayerKind::BatchNorm: layers_.push_back(std::make_unique<BatchNorm>(l.input)); break;
        case LayerKind::GlobalAvgPool: layers_.push_back(std::make_unique<GlobalAvgPool>(l.input)); break;
        case LayerKind::Dropout: layers_.push_back(std::make_unique<Dropout>(l.input, l.rate)); break;
        }
    }

    // A ReLU right after a convolution or a batch norm is computed by that layer, while each image's output
    // is in cache; the ReLU layer's output is then that layer's buffer and the layer itself is skipped.
    fused_.assign(layers_.size(), 0);
    slot_.resize(layers_.size() + 1);
    for (std::size_t i = 0; i <= layers_.size(); ++i) slot_[i] = i;
    for (std::size_t i = 1; i < layers_.size(); ++i) {
        if (!dynamic_cast<ReLU*>(layers_[i].get())) continue;
        if (auto* conv = dynamic_cast<Conv2D*>(layers_[i - 1].get())) conv->set_fused_relu(true);
        else if (auto* bn = dynamic_cast<BatchNorm*>(layers_[i - 1].get())) bn->set_fused_relu(true);
        else continue;
        fused_[i] = 1;
        slot_[i + 1] = slot_[i];
    }
    acts_.resize(layers_.size() + 1);

    // He initialisation where a ReLU follows (directly or after a batch norm), Glorot elsewhere (the output layer).
    Rng rng(seed);
    auto is_relu = [&](std::size_t i) { return i < layers_.size() && dynamic_cast<ReLU*>(layers_[i].get()); };
    auto is_bn = [&](std::size_t i) { return i < layers_.size() && dynamic_cast<BatchNorm*>(layers_[i].get()); };
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        const bool relu_next = is_relu(i + 1) || (is_bn(i + 1) && is_relu(i + 2));
        if (auto* c = dynamic_cast<Conv2D*>(layers_[i].get())) c->set_he_init(relu_next);
        if (auto* d = dynamic_cast<Dense*>(layers_[i].get())) d->set_he_init(relu_next);
        layers_[i]->init_params(rng);
    }
}

std::vector<ParamRef> Model::params() {
    std::vector<ParamRef> all;
    for (std::size_t i = 0; i < layers_.size(); ++i)
        for (ParamRef p : layers_[i]->params()) {
            p.name = "layer" + std::to_string(i) + "." + layers_[i]->token() + "." + p.name;
            all.push_back(p);
        }
    return all;
}

const float* Model::forward(const float* x, int n, bool training) {
    batch_ = n;
    input_ = x;  // read in place, not copied: backward() needs it unchanged (the first layer's input)
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        if (fused_[i]) continue;  // done by the layer before it, in the same buffer
        std::vector<float>& out = acts_[slot_[i + 1]];
        out.resize(std::size_t(n) * layers_[i]->output_shape().size());  // no allocation once grown
        layers_[i]->forward(i == 0 ? x : acts_[slot_[i]].data(), out.data(), n, training);
    }
    return acts_[slot_.back()].data();
}

void Model::backward(const float* dlogits, int n) { backward_to(dlogits, n, nullptr); }

void Model::input_gradient(const float* dlogits, int n, float* dx) { backward_to(dlogits, n, dx); }

void Model::backward_to(const float* dlogits, int n, float* input_dx) {
    std::size_t widest = 0;
    for (const auto& a : acts_) widest = std::max(widest, a.size());
    grad_a_.resize(widest);
    grad_b_.resize(widest);
    const float* dy = dlogits;  // (n, output of layer i); then grad_a_ and grad_b_ take turns
    for (std::size_t i = layers_.size(); i-- > 0;) {
        if (fused_[i]) continue;  // the layer before it takes dy with respect to the ReLU's output
        float* dx = dy == grad_a_.data() ? grad_b_.data() : grad_a_.data();
        if (i == 0) dx = input_dx;  // the input image's gradient only when asked for
        layers_[i]->backward(i == 0 ? input_ : acts_[slot_[i]].data(), acts_[slot_[i + 1]].data(), dy, dx, n);
        dy = dx;
    }
}

void Model::predict(const float* x, int n, float* probs) {
    // 32 images keep every layer's activations (265 KB per image for the seed CNN) in L3 while the
    // dense weights are re-read only 8 times per 256 images: 30% faster than chunks of 256 natively,
    // 13% under node (same process, alternating; chunks of 16 and 64 within a few per cent of 32).
    // With threads, 32 per thread: the layers split a chunk's images over the threads. An image's
    // probabilities do not depend on the chunk it is in.
    const int chunk = 32 * num_threads();  // with threads: 32 images per thread
    for (int start = 0; start < n; start += chunk) {
        int count = std::min(chunk, n - start);
        const float* logits = infer(x + long(start) * input_size(), count);
        softmax(logits, count, num_classes_, probs + long(start) * num_classes_);
    }
}

const float* Model::infer(const float* x, int n) {
    if (!folded_) folded_ = std::make_unique<FoldedInference>(layers_, fused_);
    return folded_->run(layers_, x, n);
}

std::vector<float> Model::weights() const {
    std::vector<float> flat;
    flat.reserve(num_weights_);
    for (const auto& layer : layers_) {
        for (const ParamRef& p : layer->params()) flat.insert(flat.end(), p.value, p.value + p.size);
        for (const ParamRef& p : layer->state()) flat.insert(flat.end(), p.value, p.value + p.size);
    }
    return flat;
}

void Model::set_weights(const std::vector<float>& flat) {
    if (flat.size() != num_weights_)
        throw std::invalid_argument("expected " + std::to_string(num_weights_) + " weights, got " +
                                    std::to_string(flat.size()));
    std::size_t at = 0;
    auto copy_in = [&](const ParamRef& p) {
        std::memcpy(p.value, flat.data() + at, sizeof(float) * p.size);
        at += p.size;
    };
    for (auto& layer : layers_) {
        for (const ParamRef& p : layer->params()) copy_in(p);
        for (const ParamRef& p : layer->state()) copy_in(p);
    }
}

}  // namespace convpad
