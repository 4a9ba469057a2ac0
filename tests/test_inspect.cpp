// The Inside view's numbers (train/inspect.h): the saliency map against central differences of the
// predicted class's logit, feature maps against the layers run one by one, and the first layer's filters.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "engine/activations.h"
#include "engine/batch_norm.h"
#include "engine/conv2d.h"
#include "engine/loss.h"
#include "engine/maxpool2d.h"
#include "engine/model.h"
#include "gradcheck.h"
#include "train/inspect.h"

using namespace convpad;
using namespace convpad::testing;

namespace {

// With bn and gap, with a fused conv+relu (and a conv without any activation), with dropout, and without
// any convolution.
const char* const kArchs[] = {
    "conv4k3-relu-pool2-conv6k3same-relu-flatten-dense8-relu-drop0.5-dense10",
    "conv4k3-bn-relu-pool2-conv6k3same-bn-relu-gap-dense10",
    "conv3k5-pool2-conv5k3-relu-flatten-dense10",
    "dense16-relu-dense10",
};

// A model whose batch norms have running statistics away from (0, 1) and non-trivial gamma and beta, as
// after training (inference must use them, not the statistics of the one image).
Model trained_like(const char* arch, std::uint64_t seed) {
    Model model(arch, seed);
    Rng rng(seed + 1);
    std::vector<float> batch(8 * kImagePixels);
    for (float& v : batch) v = rng.uniform();
    for (int step = 0; step < 5; ++step) model.forward(batch.data(), 8, true);
    for (const auto& layer : model.layers())
        if (auto* bn = dynamic_cast<BatchNorm*>(layer.get()))
            for (std::size_t c = 0; c < bn->gamma.size(); ++c) {
                bn->gamma[c] = 0.5f + rng.uniform();
                bn->beta[c] = 0.2f * (rng.uniform() - 0.5f);
            }
    return model;
}

// An image with some ink: a blob plus noise, in [0, 1].
std::vector<float> test_image(std::uint64_t seed) {
    Rng rng(seed);
    std::vector<float> x(kImagePixels);
    for (int y = 0; y < kImageSide; ++y)
        for (int c = 0; c < kImageSide; ++c) {
            const float d = std::hypot(float(y) - 13.5f, float(c) - 12.0f);
            x[std::size_t(y) * kImageSide + c] = std::clamp(1.2f - d / 8.0f, 0.0f, 1.0f) * 0.8f + 0.2f * rng.uniform();
        }
    return x;
}

}  // namespace

TEST_CASE("saliency is the gradient of the predicted class's logit with respect to the pixels", "[inspect][gradcheck]") {
    for (const char* arch : kArchs) {
        INFO("arch " << arch);
        Model model = trained_like(arch, 11);
        std::vector<float> x = test_image(5);
        const Inspection r = inspect(model, x.data());
        REQUIRE(r.saliency.size() == std::size_t(kImagePixels));
        CHECK(r.saliency_min <= r.saliency_max);
        CHECK(r.saliency_max > r.saliency_min);  // some pixel matters
        const int c = r.predicted;
        auto logit = [&] { return double(model.forward(x.data(), 1, false)[c]); };
        logit();
        const auto base_signature = kink_signature(model);
        Rng rng(17);
        int checked = 0, kinks = 0;
        for (int s = 0; s < 40; ++s) {
            const std::size_t i = rng.below(std::uint32_t(kImagePixels));
            bool crosses_kink = false;
            const double numeric = central_difference(&x[i], [&] {
                const double l = logit();
                crosses_kink |= kink_signature(model) != base_signature;
                return l;
            }, 1e-3);  // small: with thousands of ReLUs, a larger step often crosses one's kink
            if (crosses_kink) {
                ++kinks;
                continue;
            }
            INFO("pixel " << i << " saliency " << r.saliency[i] << " numeric " << numeric);
            CHECK(gradients_close(r.saliency[i], numeric, 2e-4, 1e-2));  // |saliency| is about 0.02 here
            ++checked;
        }
        INFO(checked << " pixels checked, " << kinks << " skipped at kinks");
        CHECK(kinks * 3 <= checked);
    }
}

TEST_CASE("the inspection leaves the model's predictions unchanged and agrees with predict()", "[inspect]") {
    for (const char* arch : kArchs) {
        INFO("arch " << arch);
        Model model = trained_like(arch, 3);
        const std::vector<float> before = model.weights();
        const std::vector<float> x = test_image(9);
        const Inspection r = inspect(model, x.data());
        CHECK(model.weights() == before);  // backward writes gradients, never weights or running statistics
        std::vector<float> probs(10);
        model.predict(x.data(), 1, probs.data());
        CHECK(r.probs == probs);
        CHECK(r.predicted == argmax_class(probs.data(), 10));
        REQUIRE(r.logits.size() == 10u);
    }
}

TEST_CASE("feature maps are each convolution's output after its batch norm and relu", "[inspect]") {
    for (const char* arch : kArchs) {
        INFO("arch " << arch);
        Model model = trained_like(arch, 7);
        const std::vector<float> x = test_image(2);
        const Inspection r = inspect(model, x.data());

        // The layers run one by one on their own buffers (a fused ReLU is applied by the convolution).
        const auto& layers = model.layers();
        std::vector<std::vector<float>> outputs;  // outputs[i]: layer i's output
        const float* in = x.data();
        for (std::size_t i = 0; i < layers.size(); ++i) {
            outputs.emplace_back(layers[i]->output_shape().size());
            if (model.fused_into_previous(i)) outputs.back() = outputs[i - 1];
            else layers[i]->forward(in, outputs.back().data(), 1, false);
            in = outputs.back().data();
        }
        CHECK(outputs.back() == model.activation(layers.size()));  // the layered pass inspect() ran
        for (std::size_t j = 0; j < r.logits.size(); ++j)  // r.logits: predict()'s, batch norms folded
            CHECK(r.logits[j] == Approx(outputs.back()[j]).margin(1e-5));

        std::size_t expected_convs = 0;
        for (std::size_t i = 0; i < layers.size(); ++i) expected_convs += dynamic_cast<Conv2D*>(layers[i].get()) != nullptr;
        REQUIRE(r.layers.size() == expected_convs);
        for (std::size_t k = 0; k < r.layers.size(); ++k) {
            const FeatureMaps& m = r.layers[k];
            INFO(m.name);
            CHECK(m.name == "conv" + std::to_string(k + 1));
            REQUIRE(dynamic_cast<Conv2D*>(layers[std::size_t(m.conv_layer)].get()));
            CHECK(m.shape == layers[std::size_t(m.conv_layer)]->output_shape());
            // Up to the first layer that is neither a batch norm nor a relu.
            std::size_t last = std::size_t(m.conv_layer);
            std::string applied;
            while (last + 1 < layers.size() && (layers[last + 1]->token() == "bn" || layers[last + 1]->token() == "relu"))
                applied += (applied.empty() ? "" : ", ") + layers[++last]->token();
            CHECK(std::size_t(m.output_layer) == last);
            CHECK(m.applied == applied);
            CHECK(m.values == outputs[last]);
            CHECK(m.values == model.activation(last + 1));
            CHECK(m.min == *std::min_element(m.values.begin(), m.values.end()));
            CHECK(m.max == *std::max_element(m.values.begin(), m.values.end()));
            if (applied.size() >= 4 && applied.compare(applied.size() - 4, 4, "relu") == 0) CHECK(m.min >= 0.0f);
        }
    }
    // The names of what each map shows, per architecture.
    Model with_bn("conv4k3-bn-relu-pool2-conv6k3same-bn-relu-gap-dense10");
    Model fused("conv4k3-relu-pool2-conv6k3same-relu-flatten-dense8-relu-drop0.5-dense10");
    Model raw("conv3k5-pool2-conv5k3-relu-flatten-dense10");
    const std::vector<float> x = test_image(1);
    const Inspection a = inspect(with_bn, x.data()), b = inspect(fused, x.data()), c = inspect(raw, x.data());
    CHECK(a.layers[0].applied == "bn, relu");
    CHECK(a.layers[1].shape == Shape3{6, 13, 13});
    CHECK(b.layers[0].applied == "relu");
    CHECK(b.layers[0].shape == Shape3{4, 26, 26});
    CHECK(c.layers[0].applied == "");
    CHECK(c.layers[1].applied == "relu");
}

TEST_CASE("the first convolution's filters, scaled into [-1, 1]", "[inspect]") {
    Model model("conv8k5-relu-pool2-conv3k3-relu-flatten-dense10", 4);
    const FilterImages f = first_conv_filters(model);
    CHECK(f.layer == 0);
    CHECK(f.count == 8);
    CHECK(f.channels == 1);
    CHECK(f.kernel == 5);
    REQUIRE(f.values.size() == 8u * 1 * 5 * 5);
    const auto& weight = dynamic_cast<const Conv2D&>(*model.layers()[0]).weight;
    float largest = 0, scale = 0;
    for (std::size_t i = 0; i < f.values.size(); ++i) {
        largest = std::max(largest, std::fabs(f.values[i]));
        scale = std::max(scale, std::fabs(weight.data()[i]));
        CHECK(f.values[i] * f.scale == Approx(weight.data()[i]).margin(1e-7));
    }
    CHECK(f.scale == scale);
    CHECK(largest == 1.0f);

    // The first convolution need not be the first layer; a later one has C > 1 channels.
    Model later("pool2-conv5k3-relu-conv4k3-relu-flatten-dense10");
    const FilterImages g = first_conv_filters(later);
    CHECK(g.layer == 1);
    CHECK(g.count == 5);
    CHECK(g.kernel == 3);
    CHECK(inspect(later, test_image(3).data()).filters.count == 5);

    const FilterImages none = first_conv_filters(Model("dense16-relu-dense10"));
    CHECK(none.count == 0);
    CHECK(none.values.empty());
    CHECK(none.layer == -1);
}
