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

const std::vector<ArchPreset> kArchPresets = {
    {"small (fast)", "conv16k5-relu-pool2-flatten-dense64-relu-dense10"},
    {"default (Keras seed CNN)", kDefaultArch},
    {"two convs first (bundled models)", "conv32k3-relu-conv32k3-relu-pool2-conv64k3-relu-pool2-flatten-dense128-relu-drop0.5-dense10"},
    {"large", "conv32k3same-relu-conv32k3-relu-pool2-conv64k3same-relu-conv64k3-relu-pool2-flatten-dense256-relu-drop0.5-dense10"},
    {"best (batch norm, global pooling)", kBestArch},
};

namespace {

// Limits keep a hostile string (a URL parameter, a model file) from asking for gigabytes.
constexpr long kMaxParams = 20'000'000;
constexpr long kMaxActivationsPerSample = 2'000'000;

[[noreturn]] void fail(const std::string& arch, std::size_t pos, std::size_t len, const std::string& why) {
    std::string token = arch.substr(pos, len);
    throw ArchError("architecture token '" + token + "' at position " + std::to_string(pos) + ": " + why + "\n  " +
                        arch + "\n  " + std::string(pos, ' ') + std::string(std::max<std::size_t>(len, 1), '^'),
                    pos);
}

// Parses a decimal integer in [lo, hi] spanning the whole of `text`; -1 when it doesn't.
long parse_int(const std::string& text, long lo, long hi) {
    if (text.empty() || text.size() > 9) return -1;
    for (char c : text)
        if (c < '0' || c > '9') return -1;
    long v = std::strtol(text.c_str(), nullptr, 10);
    return v >= lo && v <= hi ? v : -1;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

Model::Model(const std::string& arch, std::uint64_t seed, Shape3 input, int classes)
    : arch_(arch), input_shape_(input), num_classes_(classes) {
    if (arch.empty()) fail(arch, 0, 0, "the architecture is empty");
    if (input.size() == 0 || classes < 2) throw std::invalid_argument("a model needs a non-empty input and at least 2 classes");
    Shape3 shape = input;
    long activations = long(shape.size());
    // Checked before a layer allocates anything.
    auto check_size = [&](const std::string& a, std::size_t pos, std::size_t len, long new_params, long new_outputs) {
        if (long(num_params_) + new_params > kMaxParams || activations + new_outputs > kMaxActivationsPerSample)
            fail(a, pos, len, "the network is too large for ConvPad (limits: 20M parameters, 2M activations per image)");
    };
    std::size_t pos = 0;
    while (pos <= arch.size()) {
        std::size_t end = arch.find('-', pos);
        if (end == std::string::npos) end = arch.size();
        const std::string tok = arch.substr(pos, end - pos);
        const std::size_t len = tok.size();
        const bool image_input = shape.h > 1 || shape.w > 1;
        LayerPtr layer;
        if (tok.empty()) {
            fail(arch, pos, 0, "empty token (two '-' in a row, or a '-' at an end)");
        } else if (starts_with(tok, "conv")) {
            std::size_t k = tok.find('k', 4);
            std::string rest = k == std::string::npos ? "" : tok.substr(k + 1);
            Padding padding = Padding::Valid;
            if (rest.size() > 4 && rest.compare(rest.size() - 4, 4, "same") == 0) {
                padding = Padding::Same;
                rest.resize(rest.size() - 4);
            }
            long filters = k == std::string::npos ? -1 : parse_int(tok.substr(4, k - 4), 1, 1024);
            long kernel = parse_int(rest, 1, 15);
            if (filters < 0 || kernel < 0)
                fail(arch, pos, len, "expected conv<filters 1..1024>k<kernel 1..15>[same], e.g. conv32k3");
            if (!image_input) fail(arch, pos, len, "a convolution needs an image input, but its input is flat");
            check_size(arch, pos, len, filters * (long(shape.c) * kernel * kernel + 1), long(filters) * shape.h * shape.w);
            try {
                layer = std::make_unique<Conv2D>(shape, int(filters), int(kernel), padding);
            } catch (const std::invalid_argument& e) {
                fail(arch, pos, len, e.what());
            }
        } else if (starts_with(tok, "pool")) {
            long size = parse_int(tok.substr(4), 2, 8);
            if (size < 0) fail(arch, pos, len, "expected pool<size 2..8>, e.g. pool2");
            if (!image_input) fail(arch, pos, len, "pooling needs an image input, but its input is flat");
            try {
                layer = std::make_unique<MaxPool2D>(shape, int(size));
            } catch (const std::invalid_argument& e) {
                fail(arch, pos, len, e.what());
            }
        } else if (starts_with(tok, "dense")) {
            long units = parse_int(tok.substr(5), 1, 65536);
            if (units < 0) fail(arch, pos, len, "expected dense<units 1..65536>, e.g. dense128");
            check_size(arch, pos, len, units * (long(shape.size()) + 1), units);
            layer = std::make_unique<Dense>(shape, int(units));
        } else if (tok == "relu") {
            layer = std::make_unique<ReLU>(shape);
        } else if (tok == "flatten") {
            layer = std::make_unique<Flatten>(shape);
        } else if (tok == "bn") {
            check_size(arch, pos, len, 2L * shape.c, long(shape.size()));
            layer = std::make_unique<BatchNorm>(shape);
        } else if (tok == "gap") {
            if (!image_input) fail(arch, pos, len, "global average pooling needs an image input, but its input is flat");
            layer = std::make_unique<GlobalAvgPool>(shape);
        } else if (starts_with(tok, "drop")) {
            const std::string num = tok.substr(4);
            char* endp = nullptr;
            double rate = num.empty() ? -1 : std::strtod(num.c_str(), &endp);
            bool plain = !num.empty() && num.find_first_not_of("0123456789.") == std::string::npos;
            if (!plain || endp != num.c_str() + num.size() || !(rate >= 0.0 && rate < 1.0))
                fail(arch, pos, len, "expected drop<rate in [0,1)>, e.g. drop0.5");
            layer = std::make_unique<Dropout>(shape, float(rate));
        } else {
            fail(arch, pos, len, "unknown layer; expected conv, pool, dense, relu, drop, flatten, bn or gap");
        }
        for (const ParamRef& p : layer->params()) num_params_ += p.size, num_weights_ += p.size;
        for (const ParamRef& p : layer->state()) num_weights_ += p.size;
        shape = layer->output_shape();
        activations += long(shape.size());
        check_size(arch, pos, len, 0, 0);
        layers_.push_back(std::move(layer));
        pos = end + 1;
    }
    if (shape.size() != std::size_t(classes))
        fail(arch, arch.rfind('-') == std::string::npos ? 0 : arch.rfind('-') + 1,
             arch.size() - (arch.rfind('-') == std::string::npos ? 0 : arch.rfind('-') + 1),
             "the last layer must output " + std::to_string(classes) + " class scores (e.g. dense" +
                 std::to_string(classes) + "), but it outputs " +
                 std::to_string(shape.size()));

    // A ReLU right after a convolution is computed by the convolution, while each image's output is in
    // cache; the ReLU layer's output is then the convolution's buffer and the layer itself is skipped.
    fused_.assign(layers_.size(), 0);
    slot_.resize(layers_.size() + 1);
    for (std::size_t i = 0; i <= layers_.size(); ++i) slot_[i] = i;
    for (std::size_t i = 1; i < layers_.size(); ++i) {
        auto* conv = dynamic_cast<Conv2D*>(layers_[i - 1].get());
        if (conv && dynamic_cast<ReLU*>(layers_[i].get())) {
            conv->set_fused_relu(true);
            fused_[i] = 1;
            slot_[i + 1] = slot_[i];
        }
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
        if (fused_[i]) continue;  // done by the convolution before it, in the same buffer
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
        if (fused_[i]) continue;  // the convolution before it takes dy with respect to the ReLU's output
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
        const float* logits = forward(x + long(start) * input_size(), count, false);
        softmax(logits, count, num_classes_, probs + long(start) * num_classes_);
    }
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
