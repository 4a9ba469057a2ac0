// Per layer: hand-computed forward cases and finite-difference gradient checks.
#include <catch2/catch.hpp>

#include <numeric>

#include "engine/activations.h"
#include "engine/batch_norm.h"
#include "engine/global_avg_pool.h"
#include "engine/conv2d.h"
#include "engine/dense.h"
#include "engine/loss.h"
#include "engine/maxpool2d.h"
#include "gradcheck.h"

using namespace convpad;
using namespace convpad::testing;

namespace {

// Checks dx and every parameter gradient of `layer` for the loss L = sum(r * y), with r random,
// at `samples` random indices of each. `perturb_ok(i)` can veto inputs that sit near a kink.
void check_layer_gradients(Layer& layer, std::vector<float> x, int n, Rng& rng, int samples = 40, bool training = false) {
    const std::size_t out_size = layer.output_shape().size() * n;
    const std::vector<float> r = random_vector(out_size, rng);
    std::vector<float> y(out_size), dx(x.size());
    auto loss = [&] {
        layer.forward(x.data(), y.data(), n, training);
        double total = 0;
        for (std::size_t i = 0; i < out_size; ++i) total += double(r[i]) * y[i];
        return total;
    };
    loss();
    layer.backward(x.data(), y.data(), r.data(), dx.data(), n);
    std::vector<std::vector<float>> param_grads;
    for (const ParamRef& p : layer.params()) param_grads.emplace_back(p.grad, p.grad + p.size);

    for (int s = 0; s < samples; ++s) {
        const std::size_t i = rng.below(std::uint32_t(x.size()));
        const double numeric = central_difference(&x[i], loss, 1e-3);
        INFO(layer.token() << " dx[" << i << "] analytic " << dx[i] << " numeric " << numeric);
        CHECK(gradients_close(dx[i], numeric));
    }
    auto params = layer.params();
    for (std::size_t k = 0; k < params.size(); ++k)
        for (int s = 0; s < samples; ++s) {
            const std::size_t i = rng.below(std::uint32_t(params[k].size));
            const double numeric = central_difference(&params[k].value[i], loss, 1e-3);
            INFO(layer.token() << " " << params[k].name << "[" << i << "] analytic " << param_grads[k][i] << " numeric "
                               << numeric);
            CHECK(gradients_close(param_grads[k][i], numeric));
        }
}

// Values whose magnitudes are at least `gap` apart from each other and from zero, so a finite
// difference never crosses a ReLU or max-pool kink.
std::vector<float> kink_free_values(std::size_t n, Rng& rng, float gap = 0.01f) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = (float(i) + 1.0f) * gap * (rng.below(2) ? 1.0f : -1.0f);
    for (std::size_t i = n; i-- > 1;) std::swap(v[i], v[rng.below(std::uint32_t(i + 1))]);
    return v;
}

}  // namespace

TEST_CASE("conv2d forward matches a hand-computed case", "[layers][conv2d]") {
    // One 3x3 image, one 2x2 all-ones filter, bias 0.5: each output is its window's sum + 0.5.
    Conv2D conv({1, 3, 3}, 1, 2, Padding::Valid);
    conv.weight.fill(1.0f);
    conv.bias(0) = 0.5f;
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float y[4];
    conv.forward(x, y, 1, false);
    CHECK(y[0] == 12.5f);  // 1+2+4+5
    CHECK(y[1] == 16.5f);  // 2+3+5+6
    CHECK(y[2] == 24.5f);  // 4+5+7+8
    CHECK(y[3] == 28.5f);  // 5+6+8+9
}

TEST_CASE("conv2d same padding keeps the size and pads with zeros", "[layers][conv2d]") {
    Conv2D conv({1, 3, 3}, 1, 3, Padding::Same);
    REQUIRE(conv.output_shape() == Shape3{1, 3, 3});
    conv.weight.fill(1.0f);
    const float x[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    float y[9];
    conv.forward(x, y, 1, false);
    const float expected[9] = {4, 6, 4, 6, 9, 6, 4, 6, 4};  // neighbours inside the image
    for (int i = 0; i < 9; ++i) CHECK(y[i] == expected[i]);
}

TEST_CASE("conv2d matches a direct convolution on random data", "[layers][conv2d]") {
    Rng rng(3);
    for (auto padding : {Padding::Valid, Padding::Same})
        for (int kernel : {1, 2, 3, 5}) {
            const Shape3 in{3, 9, 7};
            const int n = 2, filters = 4;
            Conv2D conv(in, filters, kernel, padding);
            conv.init_params(rng);
            for (float& b : conv.bias) b = rng.uniform();
            auto x = random_vector(in.size() * n, rng);
            const Shape3 out = conv.output_shape();
            std::vector<float> y(out.size() * n);
            conv.forward(x.data(), y.data(), n, false);
            const int pad = padding == Padding::Same ? (kernel - 1) / 2 : 0;
            for (int img = 0; img < n; ++img)
                for (int k = 0; k < filters; ++k)
                    for (int oy = 0; oy < out.h; ++oy)
                        for (int ox = 0; ox < out.w; ++ox) {
                            double acc = conv.bias(k);
                            for (int c = 0; c < in.c; ++c)
                                for (int i = 0; i < kernel; ++i)
                                    for (int j = 0; j < kernel; ++j) {
                                        int iy = oy + i - pad, ix = ox + j - pad;
                                        if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                                        acc += double(conv.weight(k, c, i, j)) * x[((img * in.c + c) * in.h + iy) * in.w + ix];
                                    }
                            const float got = y[((img * filters + k) * out.h + oy) * out.w + ox];
                            INFO("kernel " << kernel << " at " << img << "," << k << "," << oy << "," << ox);
                            CHECK(got == Approx(acc).margin(1e-5).epsilon(1e-5));
                        }
        }
}

TEST_CASE("conv2d gradients match finite differences", "[layers][conv2d][gradcheck]") {
    Rng rng(11);
    for (auto padding : {Padding::Valid, Padding::Same})
        for (int kernel : {1, 3, 4}) {
            Conv2D conv({2, 7, 6}, 3, kernel, padding);
            conv.init_params(rng);
            check_layer_gradients(conv, random_vector(2 * 7 * 6 * 2, rng), 2, rng);
        }
}

TEST_CASE("maxpool2d forward picks window maxima and drops the ragged edge", "[layers][maxpool2d]") {
    MaxPool2D pool({1, 5, 5}, 2);
    REQUIRE(pool.output_shape() == Shape3{1, 2, 2});
    std::vector<float> x(25);
    std::iota(x.begin(), x.end(), 0.0f);  // x[r][c] = 5r + c
    float y[4];
    pool.forward(x.data(), y, 1, false);
    CHECK(y[0] == 6.0f);
    CHECK(y[1] == 8.0f);
    CHECK(y[2] == 16.0f);
    CHECK(y[3] == 18.0f);
    // The gradient goes to the winners only.
    const float dy[4] = {1, 2, 3, 4};
    std::vector<float> dx(25);
    pool.backward(x.data(), y, dy, dx.data(), 1);
    CHECK(dx[6] == 1.0f);
    CHECK(dx[8] == 2.0f);
    CHECK(dx[16] == 3.0f);
    CHECK(dx[18] == 4.0f);
    CHECK(std::accumulate(dx.begin(), dx.end(), 0.0f) == 10.0f);
}

TEST_CASE("maxpool2d gradients match finite differences", "[layers][maxpool2d][gradcheck]") {
    Rng rng(5);
    for (int size : {2, 3}) {
        MaxPool2D pool({3, 7, 8}, size);
        check_layer_gradients(pool, kink_free_values(3 * 7 * 8 * 2, rng), 2, rng);
    }
}

TEST_CASE("dense forward is x W^T + b", "[layers][dense]") {
    Dense dense({3, 1, 1}, 2);
    dense.weight = {{1, 2, 3}, {-1, 0, 1}};
    dense.bias = {0.5f, -0.5f};
    const float x[6] = {1, 1, 1, 2, 0, -1};
    float y[4];
    dense.forward(x, y, 2, false);
    CHECK(y[0] == 6.5f);   // 1+2+3+0.5
    CHECK(y[1] == -0.5f);  // -1+0+1-0.5
    CHECK(y[2] == -0.5f);  // 2+0-3+0.5
    CHECK(y[3] == -3.5f);  // -2+0-1-0.5
}

TEST_CASE("dense gradients match finite differences", "[layers][dense][gradcheck]") {
    Rng rng(7);
    Dense dense({2, 3, 3}, 5);
    dense.init_params(rng);
    check_layer_gradients(dense, random_vector(18 * 3, rng), 3, rng);
}

TEST_CASE("relu forward, backward and gradient", "[layers][relu][gradcheck]") {
    ReLU relu({1, 1, 4});
    const float x[4] = {-2, -0.5f, 0.5f, 3};
    float y[4], dx[4];
    const float dy[4] = {1, 1, 1, 1};
    relu.forward(x, y, 1, false);
    CHECK(y[0] == 0.0f);
    CHECK(y[1] == 0.0f);
    CHECK(y[2] == 0.5f);
    CHECK(y[3] == 3.0f);
    relu.backward(x, y, dy, dx, 1);
    CHECK(dx[0] == 0.0f);
    CHECK(dx[3] == 1.0f);
    Rng rng(9);
    ReLU big({4, 5, 5});
    check_layer_gradients(big, kink_free_values(100 * 2, rng), 2, rng);
}

TEST_CASE("flatten passes values and gradients through", "[layers][flatten][gradcheck]") {
    Flatten flatten({2, 3, 4});
    CHECK(flatten.output_shape() == Shape3{24, 1, 1});
    Rng rng(13);
    check_layer_gradients(flatten, random_vector(48, rng), 2, rng);
}

TEST_CASE("dropout drops about `rate`, rescales the rest, and is the identity at inference", "[layers][dropout]") {
    Dropout drop({1, 100, 100}, 0.5f);
    Rng seed(1);
    drop.init_params(seed);
    std::vector<float> x(10000, 1.0f), y(10000), dy(10000, 1.0f), dx(10000);
    drop.forward(x.data(), y.data(), 1, true);
    int zeros = 0;
    for (float v : y) {
        REQUIRE((v == 0.0f || v == 2.0f));
        zeros += v == 0.0f;
    }
    CHECK(zeros > 4700);
    CHECK(zeros < 5300);
    drop.backward(x.data(), y.data(), dy.data(), dx.data(), 1);
    for (int i = 0; i < 10000; ++i) REQUIRE(dx[i] == y[i]);  // same mask, same scale
    drop.forward(x.data(), y.data(), 1, false);
    for (float v : y) REQUIRE(v == 1.0f);
}

TEST_CASE("dropout training forward is linear in x with the mask as gradient", "[layers][dropout][gradcheck]") {
    // With a fixed mask, y = x * mask; re-seeding before each forward keeps the mask fixed.
    Rng rng(21);
    auto x = random_vector(60, rng);
    Dropout drop({1, 6, 10}, 0.3f);
    std::vector<float> y(60), dx(60);
    const auto r = random_vector(60, rng);
    auto loss = [&] {
        Rng seed(77);
        drop.init_params(seed);
        drop.forward(x.data(), y.data(), 1, true);
        double total = 0;
        for (int i = 0; i < 60; ++i) total += double(r[i]) * y[i];
        return total;
    };
    loss();
    drop.backward(x.data(), y.data(), r.data(), dx.data(), 1);
    for (int i = 0; i < 60; ++i) CHECK(gradients_close(dx[i], central_difference(&x[i], loss, 1e-3)));
}

TEST_CASE("batch norm normalises each channel over the batch and the image in training", "[layers][bn]") {
    // Two images of 2 channels of 2 pixels: channel 0 holds 1,3 | 5,7 (mean 4, variance 5), channel 1 all 2s.
    BatchNorm bn({2, 1, 2});
    bn.gamma = {2.0f, 1.0f};
    bn.beta = {0.5f, -1.0f};
    const float x[8] = {1, 3, 2, 2, 5, 7, 2, 2};
    float y[8];
    bn.forward(x, y, 2, true);
    const float s0 = 2.0f / std::sqrt(5.0f + BatchNorm::kEpsilon);
    CHECK(y[0] == Approx(0.5f - 3.0f * s0));
    CHECK(y[1] == Approx(0.5f - 1.0f * s0));
    CHECK(y[4] == Approx(0.5f + 1.0f * s0));
    CHECK(y[5] == Approx(0.5f + 3.0f * s0));
    for (int i : {2, 3, 6, 7}) CHECK(y[i] == Approx(-1.0f));  // a constant channel becomes beta
    // The running averages take (1 - momentum) of the batch's mean and unbiased variance (5 * 4/3).
    const float m = BatchNorm::kMomentum;
    CHECK(bn.running_mean[0] == Approx((1 - m) * 4.0f));
    CHECK(bn.running_var[0] == Approx(m * 1.0f + (1 - m) * 20.0f / 3.0f));
    CHECK(bn.running_var[1] == Approx(m * 1.0f));
}

TEST_CASE("batch norm uses the running averages at inference and changes nothing else", "[layers][bn]") {
    BatchNorm bn({1, 1, 1});
    bn.running_mean = {3.0f};
    bn.running_var = {4.0f};
    bn.gamma = {0.5f};
    bn.beta = {1.0f};
    const float x[2] = {5.0f, 3.0f};
    float y[2];
    bn.forward(x, y, 2, false);
    CHECK(y[0] == Approx(1.0f + 0.5f * 2.0f / std::sqrt(4.0f + BatchNorm::kEpsilon)));
    CHECK(y[1] == Approx(1.0f));
    CHECK(bn.running_mean[0] == 3.0f);
    CHECK(bn.running_var[0] == 4.0f);
    CHECK(bn.state().size() == 2);
    CHECK(bn.params().size() == 2);
}

TEST_CASE("batch norm gradients match finite differences in training and at inference", "[layers][bn][gradcheck]") {
    Rng rng(17);
    for (Shape3 shape : {Shape3{3, 4, 5}, Shape3{6, 1, 1}})
        for (bool training : {true, false}) {
            BatchNorm bn(shape);
            auto gamma = random_vector(bn.gamma.size(), rng);
            for (std::size_t c = 0; c < bn.gamma.size(); ++c) {
                bn.gamma[c] = 1.0f + 0.5f * gamma[c];
                bn.beta[c] = 0.3f * gamma[c];
                bn.running_mean[c] = 0.2f * gamma[c];
                bn.running_var[c] = 1.5f + gamma[c];
            }
            INFO("shape " << shape.c << "x" << shape.h << "x" << shape.w << (training ? " training" : " inference"));
            check_layer_gradients(bn, random_vector(shape.size() * 3, rng, 2.0f), 3, rng, 40, training);
        }
}

TEST_CASE("global average pooling averages each plane; its gradient spreads evenly", "[layers][gap][gradcheck]") {
    GlobalAvgPool gap({2, 2, 3});
    CHECK(gap.output_shape() == Shape3{2, 1, 1});
    const float x[12] = {1, 2, 3, 4, 5, 6, -6, 0, 0, 0, 0, 0};
    float y[2];
    gap.forward(x, y, 1, false);
    CHECK(y[0] == Approx(3.5f));
    CHECK(y[1] == Approx(-1.0f));
    Rng rng(23);
    GlobalAvgPool big({3, 5, 4});
    check_layer_gradients(big, random_vector(60 * 2, rng), 2, rng);
}

TEST_CASE("label smoothing: Keras' targets, and a gradient that matches finite differences", "[layers][loss][gradcheck]") {
    // Logits (0, ln 3): probabilities 1/4, 3/4. Smoothing 0.2 over 2 classes: targets 0.1 and 0.9.
    const float logits[2] = {0.0f, std::log(3.0f)};
    const std::uint8_t label[1] = {1};
    float probs[2], dlogits[2];
    const double loss = softmax_cross_entropy_forward(logits, label, 1, 2, probs, 0.2f);
    CHECK(loss == Approx(-0.1 * std::log(0.25) - 0.9 * std::log(0.75)));
    softmax_cross_entropy_backward(probs, label, 1, 2, dlogits, 0.2f);
    CHECK(dlogits[0] == Approx(0.25 - 0.1));
    CHECK(dlogits[1] == Approx(0.75 - 0.9));

    Rng rng(31);
    const int n = 3, classes = 5;
    auto z = random_vector(n * classes, rng, 3.0f);
    const std::uint8_t labels[n] = {4, 0, 2};
    std::vector<float> p(n * classes), dz(n * classes);
    auto l = [&] { return softmax_cross_entropy_forward(z.data(), labels, n, classes, p.data(), 0.1f); };
    l();
    softmax_cross_entropy_backward(p.data(), labels, n, classes, dz.data(), 0.1f);
    for (int i = 0; i < n * classes; ++i) CHECK(gradients_close(dz[i], central_difference(&z[i], l, 1e-3)));
}

TEST_CASE("softmax cross-entropy: hand-computed values, stability and gradient", "[layers][loss][gradcheck]") {
    // Logits (0, ln 3): probabilities 1/4, 3/4; loss for label 1 is -ln(3/4).
    const float logits[2] = {0.0f, std::log(3.0f)};
    const std::uint8_t label[1] = {1};
    float probs[2], dlogits[2];
    const double loss = softmax_cross_entropy_forward(logits, label, 1, 2, probs);
    CHECK(probs[0] == Approx(0.25));
    CHECK(probs[1] == Approx(0.75));
    CHECK(loss == Approx(-std::log(0.75)));
    softmax_cross_entropy_backward(probs, label, 1, 2, dlogits);
    CHECK(dlogits[0] == Approx(0.25));
    CHECK(dlogits[1] == Approx(-0.25));

    // Huge logits must not overflow: a confident wrong answer gives a large finite loss.
    const float extreme[3] = {1000.0f, -1000.0f, 0.0f};
    const std::uint8_t wrong[1] = {1};
    float p3[3];
    const double big = softmax_cross_entropy_forward(extreme, wrong, 1, 3, p3);
    CHECK(std::isfinite(big));
    CHECK(big == Approx(2000.0));

    Rng rng(17);
    auto z = random_vector(4 * 10, rng, 3.0f);
    const std::uint8_t labels[4] = {0, 9, 3, 3};
    std::vector<float> p(40), dz(40);
    auto f = [&] { return softmax_cross_entropy_forward(z.data(), labels, 4, 10, p.data()); };
    f();
    softmax_cross_entropy_backward(p.data(), labels, 4, 10, dz.data());
    for (int i = 0; i < 40; ++i) CHECK(gradients_close(dz[i], central_difference(&z[i], f, 1e-3), 1e-4, 1e-2));
}
