#include "train/inspect.h"

#include <algorithm>
#include <cmath>

#include "engine/activations.h"
#include "engine/batch_norm.h"
#include "engine/conv2d.h"
#include "engine/loss.h"

namespace convpad {

namespace {

void min_max(const std::vector<float>& v, float& lo, float& hi) {
    lo = hi = 0;
    if (v.empty()) return;
    const auto [a, b] = std::minmax_element(v.begin(), v.end());
    lo = *a;
    hi = *b;
}

template <class T>
bool is(const Layer& layer) {
    return dynamic_cast<const T*>(&layer) != nullptr;
}

}  // namespace

FilterImages first_conv_filters(const Model& model) {
    FilterImages f;
    const auto& layers = model.layers();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto* conv = dynamic_cast<const Conv2D*>(layers[i].get());
        if (!conv) continue;
        const auto& shape = conv->weight.shape();  // (K, C, k, k)
        f.layer = int(i);
        f.count = int(shape[0]);
        f.channels = int(shape[1]);
        f.kernel = int(shape[2]);
        f.values.assign(conv->weight.begin(), conv->weight.end());
        for (float w : f.values) f.scale = std::max(f.scale, std::fabs(w));
        if (f.scale > 0)
            for (float& w : f.values) w /= f.scale;
        break;
    }
    return f;
}

Inspection inspect(Model& model, const float* x) {
    Inspection r;
    r.filters = first_conv_filters(model);
    const int classes = model.num_classes();
    const float* logits = model.infer(x, 1);  // the prediction as predict() makes it
    r.logits.assign(logits, logits + classes);
    r.probs.resize(std::size_t(classes));
    softmax(r.logits.data(), 1, classes, r.probs.data());
    r.predicted = argmax_class(r.logits.data(), classes);
    model.forward(x, 1, false);  // then layer by layer, for the maps and the saliency's backward pass

    const auto& layers = model.layers();
    int convs = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (!is<Conv2D>(*layers[i])) continue;
        FeatureMaps m;
        m.name = "conv" + std::to_string(++convs);
        m.conv_layer = int(i);
        std::size_t last = i;  // the batch norm and ReLU that follow, as the next layer receives them
        while (last + 1 < layers.size() && (is<BatchNorm>(*layers[last + 1]) || is<ReLU>(*layers[last + 1]))) {
            ++last;
            m.applied += (m.applied.empty() ? "" : ", ") + layers[last]->token();
        }
        m.output_layer = int(last);
        m.shape = layers[last]->output_shape();
        const std::vector<float>& out = model.activation(last + 1);
        m.values.assign(out.begin(), out.begin() + long(m.shape.size()));
        min_max(m.values, m.min, m.max);
        r.layers.push_back(std::move(m));
    }

    std::vector<float> dlogits(std::size_t(classes), 0.0f);
    dlogits[std::size_t(r.predicted)] = 1.0f;  // the gradient of the predicted class's logit alone
    r.saliency.resize(std::size_t(model.input_size()));
    model.input_gradient(dlogits.data(), 1, r.saliency.data());
    min_max(r.saliency, r.saliency_min, r.saliency_max);
    return r;
}

}  // namespace convpad
