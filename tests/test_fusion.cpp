// A ReLU fused into the convolution or batch norm before it (Conv2D::set_fused_relu,
// BatchNorm::set_fused_relu, set up by Model) must give exactly what the two layers give one after the
// other, forward and backward; a batch norm folded into its convolution for inference (Model::infer) the
// same within float rounding.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/activations.h"
#include "engine/batch_norm.h"
#include "engine/conv2d.h"
#include "engine/model.h"
#include "gradcheck.h"

using namespace convpad;
using namespace convpad::testing;

TEST_CASE("conv2d with a fused relu equals conv2d then relu, bit for bit", "[layers][conv2d][fusion]") {
    Rng rng(31);
    for (auto padding : {Padding::Valid, Padding::Same})
        for (int kernel : {1, 3}) {
            const Shape3 in{3, 9, 7};
            const int n = 2, filters = 5;
            Conv2D plain(in, filters, kernel, padding), fused(in, filters, kernel, padding);
            plain.init_params(rng);
            for (float& b : plain.bias) b = rng.uniform() - 0.5f;  // some outputs on each side of zero
            fused.weight = plain.weight;
            fused.bias = plain.bias;
            fused.set_fused_relu(true);
            ReLU relu(plain.output_shape());

            const auto x = random_vector(in.size() * n, rng);
            const std::size_t out_size = plain.output_shape().size() * n;
            std::vector<float> conv_y(out_size), relu_y(out_size), fused_y(out_size);
            plain.forward(x.data(), conv_y.data(), n, true);
            relu.forward(conv_y.data(), relu_y.data(), n, true);
            fused.forward(x.data(), fused_y.data(), n, true);
            INFO("kernel " << kernel << (padding == Padding::Same ? " same" : " valid"));
            CHECK(fused_y == relu_y);

            const auto dy = random_vector(out_size, rng);
            std::vector<float> drelu(out_size), dx_plain(x.size()), dx_fused(x.size());
            relu.backward(conv_y.data(), relu_y.data(), dy.data(), drelu.data(), n);
            plain.backward(x.data(), conv_y.data(), drelu.data(), dx_plain.data(), n);
            fused.backward(x.data(), fused_y.data(), dy.data(), dx_fused.data(), n);
            CHECK(dx_fused == dx_plain);
            const bool same_dweight = fused.dweight == plain.dweight, same_dbias = fused.dbias == plain.dbias;
            CHECK(same_dweight);
            CHECK(same_dbias);
        }
}

TEST_CASE("batch norm with a fused relu equals batch norm then relu, bit for bit", "[layers][bn][fusion]") {
    Rng rng(32);
    const Shape3 in{5, 6, 7};  // planes of 42: the SIMD loops and their tails
    const int n = 3;
    for (bool training : {true, false}) {
        BatchNorm plain(in), fused(in);
        for (BatchNorm* bn : {&plain, &fused}) {
            for (std::size_t c = 0; c < 5; ++c) {
                bn->gamma[c] = 0.5f + 0.2f * float(c);
                bn->beta[c] = 0.3f - 0.15f * float(c);  // some outputs on each side of zero
                bn->running_mean[c] = 0.1f * float(c);
                bn->running_var[c] = 0.5f + 0.1f * float(c);
            }
        }
        fused.set_fused_relu(true);
        ReLU relu(in);
        const auto x = random_vector(in.size() * n, rng);
        const std::size_t size = x.size();
        std::vector<float> bn_y(size), relu_y(size), fused_y(size);
        plain.forward(x.data(), bn_y.data(), n, training);
        relu.forward(bn_y.data(), relu_y.data(), n, training);
        fused.forward(x.data(), fused_y.data(), n, training);
        INFO((training ? "training" : "inference"));
        CHECK(fused_y == relu_y);
        const bool same_running = plain.running_mean == fused.running_mean && plain.running_var == fused.running_var;
        CHECK(same_running);

        const auto dy = random_vector(size, rng);
        std::vector<float> drelu(size), dx_plain(size), dx_fused(size);
        relu.backward(bn_y.data(), relu_y.data(), dy.data(), drelu.data(), n);
        plain.backward(x.data(), bn_y.data(), drelu.data(), dx_plain.data(), n);
        fused.backward(x.data(), fused_y.data(), dy.data(), dx_fused.data(), n);
        CHECK(dx_fused == dx_plain);
        const bool same_dgamma = fused.dgamma == plain.dgamma, same_dbeta = fused.dbeta == plain.dbeta;
        CHECK(same_dgamma);
        CHECK(same_dbeta);
    }
}

TEST_CASE("the model fuses every relu that follows a convolution, and only those", "[model][fusion]") {
    Model model("conv4k3-relu-pool2-conv6k3-relu-relu-flatten-dense8-relu-dense10", 2);
    const auto& layers = model.layers();
    REQUIRE(layers.size() == 10);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const bool expected = i == 1 || i == 4;  // conv-relu pairs; not the second relu nor the dense's
        INFO("layer " << i << " " << layers[i]->token());
        CHECK(model.fused_into_previous(i) == expected);
        if (auto* conv = dynamic_cast<const Conv2D*>(layers[i].get())) CHECK(conv->fused_relu());
    }
    Rng rng(4);
    std::vector<float> x(3 * 28 * 28);
    for (float& v : x) v = rng.uniform();
    model.forward(x.data(), 3, false);
    // The fused relu's output is the convolution's buffer, already rectified.
    CHECK(&model.activation(2) == &model.activation(1));
    bool rectified = true;
    for (float v : model.activation(2)) rectified &= v >= 0.0f;
    CHECK(rectified);
    CHECK(model.activation(5).size() == 3u * 6 * 11 * 11);
}

TEST_CASE("the model fuses a relu that follows a batch norm; its output is the batch norm's buffer, rectified",
          "[model][fusion][bn]") {
    Model model("conv4k3same-bn-relu-pool2-flatten-dense8-bn-relu-dense10", 3);
    const auto& layers = model.layers();
    REQUIRE(layers.size() == 9);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const bool expected = i == 2 || i == 7;  // the relus after each bn
        INFO("layer " << i << " " << layers[i]->token());
        CHECK(model.fused_into_previous(i) == expected);
        if (auto* bn = dynamic_cast<const BatchNorm*>(layers[i].get())) CHECK(bn->fused_relu());
    }
    Rng rng(5);
    std::vector<float> x(4 * 28 * 28);
    for (float& v : x) v = rng.uniform();
    model.forward(x.data(), 4, true);
    CHECK(&model.activation(3) == &model.activation(2));
    bool rectified = true;
    for (float v : model.activation(3)) rectified &= v >= 0.0f;
    CHECK(rectified);
}

namespace {

// Random batch norm parameters and statistics far from their initial 1, 0, 0, 1, so a fold that skipped
// any of them would show.
void randomise_batch_norms(Model& model, Rng& rng) {
    for (const LayerPtr& layer : model.layers())
        if (auto* bn = dynamic_cast<BatchNorm*>(layer.get()))
            for (std::size_t c = 0; c < bn->gamma.size(); ++c) {
                bn->gamma[c] = 0.5f + rng.uniform();
                bn->beta[c] = rng.uniform() - 0.5f;
                bn->running_mean[c] = 0.2f * (rng.uniform() - 0.5f);
                bn->running_var[c] = 0.01f + 0.1f * rng.uniform();
            }
}

float worst_logit_difference(Model& model, const std::vector<float>& x, int n) {
    const float* folded = model.infer(x.data(), n);
    const std::vector<float> got(folded, folded + std::size_t(n) * model.num_classes());
    const float* layered = model.forward(x.data(), n, false);
    float worst = 0.0f, largest = 0.0f;
    for (std::size_t i = 0; i < got.size(); ++i) {
        worst = std::max(worst, std::fabs(got[i] - layered[i]));
        largest = std::max(largest, std::fabs(layered[i]));
    }
    return worst / std::max(largest, 1.0f);
}

}  // namespace

TEST_CASE("inference folds each batch norm into its convolution: the layers' logits within rounding, also after "
          "the weights change", "[model][fusion][bn]") {
    // Winograd (32 channels in) and im2col convolutions, a batch norm with and without a ReLU after it,
    // and one after a dense layer, which stays a layer of its own.
    Model model("conv32k3same-bn-relu-conv32k3same-bn-pool2-conv16k3-bn-relu-flatten-dense8-bn-relu-dense10", 6);
    Rng rng(6);
    randomise_batch_norms(model, rng);
    const int n = 5;
    std::vector<float> x(std::size_t(n) * 28 * 28);
    for (float& v : x) v = rng.uniform();
    CHECK(worst_logit_difference(model, x, n) < 1e-5f);

    // An optimizer step and new statistics: the fold is made again.
    for (ParamRef p : model.params())
        for (std::size_t i = 0; i < p.size; ++i) p.value[i] += 0.05f * rng.normal();
    randomise_batch_norms(model, rng);
    CHECK(worst_logit_difference(model, x, n) < 1e-5f);

    // predict() takes the folded path: its probabilities are the softmax of infer()'s logits.
    std::vector<float> probs(std::size_t(n) * 10);
    model.predict(x.data(), n, probs.data());
    const float* logits = model.infer(x.data(), n);
    float sum = 0.0f;
    for (int j = 0; j < 10; ++j) sum += std::exp(logits[j] - logits[0]);
    CHECK(probs[0] == Approx(1.0f / sum).epsilon(1e-5));
}

TEST_CASE("inference without batch norms is forward(false), bit for bit", "[model][fusion]") {
    Model model("conv32k3-relu-pool2-conv64k3-relu-pool2-flatten-dense128-relu-drop0.5-dense10", 7);
    Rng rng(7);
    std::vector<float> x(3 * 28 * 28);
    for (float& v : x) v = rng.uniform();
    const float* folded = model.infer(x.data(), 3);
    const std::vector<float> got(folded, folded + 30);
    const float* layered = model.forward(x.data(), 3, false);
    CHECK(got == std::vector<float>(layered, layered + 30));
}
