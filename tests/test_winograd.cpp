// Winograd F(2x2, 3x3) against a direct convolution (im2col_generic + sgemm_generic, double accumulation) and
// against its own definitional reference, on the seed CNN's shapes and on sizes that hit every tail (odd and
// even outputs, 1x1 outputs, `same` padding, C and K not multiples of 4). Also: results independent of how
// images are grouped into calls and of the block size, no buffer growth after the first call, the backward
// pass with respect to the input against sgemm_generic + col2im_generic, and with respect to the weights
// (F(3x3, 2x2)) against dy x col^T. In the wasm build this is what runs the SIMD128 transforms.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#if defined(__GLIBC__) || defined(__EMSCRIPTEN__)
#include <malloc.h>  // mallinfo
#endif

#include "engine/conv2d.h"
#include "engine/rng.h"
#include "kernels/gemm.h"
#include "kernels/im2col.h"
#include "kernels/winograd.h"

using namespace convpad;

namespace {

struct Shape {
    int C, K, H, W, pad_top, pad_left, pad_bottom, pad_right;
};

ConvGeometry geometry(const Shape& s) {
    return {s.C, s.H, s.W, 3, 3, s.pad_top, s.pad_left, s.H + s.pad_top + s.pad_bottom - 2,
            s.W + s.pad_left + s.pad_right - 2};
}

const Shape kShapes[] = {
    {1, 32, 28, 28, 0, 0, 0, 0},   // seed conv32: 26x26 out
    {32, 64, 13, 13, 0, 0, 0, 0},  // seed conv64: 11x11 out
    {32, 64, 13, 13, 1, 1, 1, 1},  // conv64 `same`
    {3, 2, 3, 3, 0, 0, 0, 0},      // 1x1 output
    {5, 7, 3, 3, 1, 1, 1, 1},      // `same` on 3x3
    {2, 3, 1, 1, 1, 1, 1, 1},      // 1x1 image, `same`
    {3, 1, 4, 4, 0, 0, 0, 0},      // K = 1 (sgemm's row-vector path), 2x2 output (one tile)
    {1, 1, 9, 7, 0, 0, 0, 0},      // C = K = 1, 7x5 output
    {5, 7, 6, 9, 0, 0, 0, 0},      // 4x7 output
    {7, 5, 8, 8, 1, 1, 1, 1},      // even `same`
    {6, 9, 10, 11, 0, 1, 0, 1},    // asymmetric padding, 8x11 output
    {3, 6, 12, 40, 1, 0, 1, 2},    // wide: 12x40 out, several 4-tile groups per tile row
    {33, 17, 5, 18, 2, 2, 2, 2},   // padding 2 (the backward-data geometry), 7x20 out
    {4, 3, 13, 12, 0, 1, -1, -2},  // an output smaller than the input allows (last rows/columns unused), 10x9
};

std::vector<float> random_floats(std::size_t n, Rng& rng) {
    std::vector<float> v(n);
    for (float& x : v) x = 2.0f * rng.uniform() - 1.0f;
    return v;
}

// Direct convolution through im2col and the double-accumulating sgemm_generic; `scale` gets, per output,
// the sum of |w * x| over its terms (the size the rounding errors of any summation order scale with).
void direct_conv(const ConvGeometry& g, int K, const std::vector<float>& w, const std::vector<float>& x, int n,
                 std::vector<float>& y, std::vector<float>& scale) {
    const int patch = g.patch(), opix = g.out_pixels();
    std::vector<float> col(std::size_t(patch) * opix), abs_col(col.size()), abs_w(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) abs_w[i] = std::fabs(w[i]);
    y.assign(std::size_t(n) * K * opix, 0.0f);
    scale.assign(y.size(), 0.0f);
    for (int img = 0; img < n; ++img) {
        im2col_generic(g, x.data() + std::size_t(img) * g.channels * g.height * g.width, 1, col.data());
        for (std::size_t i = 0; i < col.size(); ++i) abs_col[i] = std::fabs(col[i]);
        float* y_img = y.data() + std::size_t(img) * K * opix;
        sgemm_generic(Trans::No, Trans::No, K, opix, patch, 1.0f, w.data(), patch, col.data(), opix, 0.0f, y_img, opix);
        sgemm_generic(Trans::No, Trans::No, K, opix, patch, 1.0f, abs_w.data(), patch, abs_col.data(), opix, 0.0f,
                      scale.data() + std::size_t(img) * K * opix, opix);
    }
}

// Largest |got - want| / (scale + tiny) seen; CHECKs every element against rel * scale + 1e-30.
double check_close(const std::vector<float>& got, const std::vector<float>& want, const std::vector<float>& scale,
                   double rel, const char* what) {
    REQUIRE(got.size() == want.size());
    double worst = 0.0;
    int bad = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double err = std::fabs(double(got[i]) - want[i]);
        const double tol = rel * scale[i] + 1e-30;
        worst = std::max(worst, err / (scale[i] + 1e-30));
        if (!(err <= tol) && ++bad <= 3) {
            INFO(what << " element " << i << ": got " << got[i] << " want " << want[i] << " scale " << scale[i]);
            CHECK(err <= tol);
        }
    }
    CHECK(bad == 0);
    return worst;
}

std::string describe(const Shape& s) {
    return "C=" + std::to_string(s.C) + " K=" + std::to_string(s.K) + " " + std::to_string(s.H) + "x" +
           std::to_string(s.W) + " pad " + std::to_string(s.pad_top) + "," + std::to_string(s.pad_left) + "," +
           std::to_string(s.pad_bottom) + "," + std::to_string(s.pad_right);
}

// Bytes the C heap has handed out and not taken back (operator new ends in malloc): growing buffers, whether
// the scratch's or sgemm's packing buffers, show up here. -1 where the C library cannot say.
long heap_bytes_in_use() {
#if defined(__GLIBC__)
    return long(mallinfo2().uordblks);
#elif defined(__EMSCRIPTEN__)
    return long(mallinfo().uordblks);
#else
    return -1;
#endif
}

// Error bound relative to sum |w * x| over an output's terms. Measured worst cases (run with -s): 3.2e-7 for
// winograd_forward, 2.5e-7 for im2col + sgemm, 3.5e-7 for winograd_backward_data; 1e-5 leaves room for larger C.
constexpr double kRelTol = 1e-5;

}  // namespace

TEST_CASE("winograd_applies takes 3x3 stride-1 kernels with any padding up to 2", "[winograd]") {
    CHECK(winograd_applies(geometry({32, 64, 13, 13, 0, 0, 0, 0})));
    CHECK(winograd_applies(geometry({1, 32, 28, 28, 1, 1, 1, 1})));
    CHECK(winograd_applies(geometry({2, 3, 1, 1, 1, 1, 1, 1})));
    ConvGeometry five = {3, 13, 13, 5, 5, 0, 0, 9, 9};
    CHECK_FALSE(winograd_applies(five));
    ConvGeometry one = {3, 13, 13, 1, 1, 0, 0, 13, 13};
    CHECK_FALSE(winograd_applies(one));
}

TEST_CASE("winograd_forward matches a direct convolution and the definitional reference", "[winograd]") {
    Rng rng(11);
    double worst_direct = 0.0, worst_reference = 0.0, worst_gemm = 0.0;
    for (const Shape& s : kShapes) {
        const ConvGeometry g = geometry(s);
        REQUIRE(winograd_applies(g));
        const int n = 3;
        const auto w = random_floats(std::size_t(s.K) * s.C * 9, rng);
        const auto x = random_floats(std::size_t(n) * s.C * s.H * s.W, rng);
        std::vector<float> U(winograd_filter_floats(s.K, s.C));
        winograd_transform_filters(w.data(), s.K, s.C, U.data());
        std::vector<float> y(std::size_t(n) * s.K * g.out_pixels(), std::nanf("")), y_ref(y.size()), want, scale;
        WinogradScratch scratch;
        winograd_forward(g, s.K, U.data(), x.data(), n, y.data(), scratch);
        winograd_forward_reference(g, s.K, w.data(), x.data(), n, y_ref.data());
        direct_conv(g, s.K, w, x, n, want, scale);
        // What Conv2D runs today, for comparison: im2col + the fast sgemm, rounded in float too.
        std::vector<float> col(std::size_t(g.patch()) * g.out_pixels()), y_gemm(y.size());
        for (int img = 0; img < n; ++img) {
            im2col(g, x.data() + std::size_t(img) * s.C * s.H * s.W, 1, col.data());
            sgemm(Trans::No, Trans::No, s.K, g.out_pixels(), g.patch(), 1.0f, w.data(), g.patch(), col.data(),
                  g.out_pixels(), 0.0f, y_gemm.data() + std::size_t(img) * s.K * g.out_pixels(), g.out_pixels());
        }
        INFO(describe(s));
        worst_direct = std::max(worst_direct, check_close(y, want, scale, kRelTol, "fast vs direct"));
        worst_gemm = std::max(worst_gemm, check_close(y_gemm, want, scale, kRelTol, "im2col + sgemm vs direct"));
        // The reference is exact arithmetic of the same formulas in double: equal to the direct conv up to its
        // final rounding.
        worst_reference = std::max(worst_reference, check_close(y_ref, want, scale, 3e-7, "reference vs direct"));
    }
    // Shown with -s: the error figures the tolerance is based on.
    SUCCEED("winograd_forward: worst |error| / sum|w*x| = " << worst_direct
            << " (im2col + sgemm: " << worst_gemm << ", definitional reference in double: " << worst_reference
            << ")");
}

TEST_CASE("winograd_forward is exact on constant weights and inputs", "[winograd]") {
    // All-ones weights and inputs, valid padding: every output is C * 9, representable and reached exactly by
    // the transforms (all intermediate values are small integers or halves).
    const Shape s = {4, 5, 7, 6, 0, 0, 0, 0};
    const ConvGeometry g = geometry(s);
    std::vector<float> w(std::size_t(s.K) * s.C * 9, 1.0f), x(std::size_t(2) * s.C * s.H * s.W, 1.0f);
    std::vector<float> U(winograd_filter_floats(s.K, s.C)), y(std::size_t(2) * s.K * g.out_pixels());
    winograd_transform_filters(w.data(), s.K, s.C, U.data());
    WinogradScratch scratch;
    winograd_forward(g, s.K, U.data(), x.data(), 2, y.data(), scratch);
    for (float v : y) CHECK(v == 36.0f);
}

TEST_CASE("winograd_forward results do not depend on how images are grouped or blocked", "[winograd]") {
    Rng rng(12);
    const Shape shapes[] = {kShapes[0], kShapes[1], kShapes[3], kShapes[6], kShapes[8], kShapes[10]};
    for (const Shape& s : shapes) {
        const ConvGeometry g = geometry(s);
        const int n = 64;
        const std::size_t in_size = std::size_t(s.C) * s.H * s.W, out_size = std::size_t(s.K) * g.out_pixels();
        const auto w = random_floats(std::size_t(s.K) * s.C * 9, rng);
        const auto x = random_floats(n * in_size, rng);
        std::vector<float> U(winograd_filter_floats(s.K, s.C));
        winograd_transform_filters(w.data(), s.K, s.C, U.data());
        WinogradScratch scratch;
        std::vector<float> all(n * out_size), one_by_one(all.size()), uneven(all.size()), small_blocks(all.size());
        winograd_forward(g, s.K, U.data(), x.data(), n, all.data(), scratch);
        for (int img = 0; img < n; ++img)
            winograd_forward(g, s.K, U.data(), x.data() + img * in_size, 1, one_by_one.data() + img * out_size,
                             scratch);
        const int groups[] = {5, 7, 1, 2, 13, 3, 33};  // sums to 64
        for (int i0 = 0, gi = 0; i0 < n; i0 += groups[gi++]) {
            WinogradScratch fresh;  // a scratch of its own must not matter either
            winograd_forward(g, s.K, U.data(), x.data() + i0 * in_size, groups[gi], uneven.data() + i0 * out_size,
                             fresh);
        }
        const int previous = winograd_set_block_tiles(1);  // one image per block
        winograd_forward(g, s.K, U.data(), x.data(), n, small_blocks.data(), scratch);
        winograd_set_block_tiles(previous);
        INFO(describe(s));
        CHECK(std::memcmp(all.data(), one_by_one.data(), all.size() * sizeof(float)) == 0);
        CHECK(std::memcmp(all.data(), uneven.data(), all.size() * sizeof(float)) == 0);
        CHECK(std::memcmp(all.data(), small_blocks.data(), all.size() * sizeof(float)) == 0);
    }
}

TEST_CASE("winograd_forward reuses its buffers: no growth after the first calls", "[winograd][alloc]") {
    Rng rng(13);
    const Shape s = kShapes[1];
    const ConvGeometry g = geometry(s);
    const int n = 64;
    const auto w = random_floats(std::size_t(s.K) * s.C * 9, rng);
    const auto x = random_floats(std::size_t(n) * s.C * s.H * s.W, rng);
    std::vector<float> U(winograd_filter_floats(s.K, s.C)), y(std::size_t(n) * s.K * g.out_pixels());
    winograd_transform_filters(w.data(), s.K, s.C, U.data());
    WinogradScratch scratch;
    winograd_forward(g, s.K, U.data(), x.data(), 1, y.data(), scratch);  // one image first: sized for a block
    const long grows = scratch.grows;
    const float* buffers[] = {scratch.V.data(), scratch.M.data(), scratch.plane.data(), scratch.rows.data()};
    winograd_forward(g, s.K, U.data(), x.data(), n, y.data(), scratch);  // sgemm's own buffers grow for a block
    const long heap = heap_bytes_in_use();
    for (int count : {n, 3, 1, n}) winograd_forward(g, s.K, U.data(), x.data(), count, y.data(), scratch);
    const long heap_after = heap_bytes_in_use();
    CHECK(heap_after == heap);
    CHECK(scratch.grows == grows);
    const float* after[] = {scratch.V.data(), scratch.M.data(), scratch.plane.data(), scratch.rows.data()};
    CHECK(std::equal(std::begin(buffers), std::end(buffers), std::begin(after)));
}

TEST_CASE("winograd_backward_data matches weight^T x dy folded back with col2im", "[winograd]") {
    Rng rng(14);
    const Shape shapes[] = {kShapes[1], kShapes[0], kShapes[2], kShapes[3], kShapes[5], kShapes[8], kShapes[10]};
    double worst = 0.0;
    for (const Shape& s : shapes) {
        const ConvGeometry g = geometry(s);
        const int n = 2, patch = g.patch(), opix = g.out_pixels();
        const std::size_t in_size = std::size_t(s.C) * s.H * s.W, out_size = std::size_t(s.K) * opix;
        const auto w = random_floats(std::size_t(s.K) * patch, rng);
        const auto dy = random_floats(n * out_size, rng);
        std::vector<float> Ub(winograd_filter_floats(s.C, s.K));
        winograd_transform_filters_backward_data(w.data(), s.K, s.C, Ub.data());
        REQUIRE(winograd_applies(winograd_backward_data_geometry(g, s.K)));
        WinogradScratch scratch;
        std::vector<float> dx(n * in_size, std::nanf("")), want(dx.size()), scale(dx.size());
        winograd_backward_data(g, s.K, Ub.data(), dy.data(), n, dx.data(), scratch);

        std::vector<float> dcol(std::size_t(patch) * opix), abs_w(w.size()), abs_dy(dy.size());
        for (std::size_t i = 0; i < w.size(); ++i) abs_w[i] = std::fabs(w[i]);
        for (std::size_t i = 0; i < dy.size(); ++i) abs_dy[i] = std::fabs(dy[i]);
        for (int img = 0; img < n; ++img) {
            sgemm_generic(Trans::Yes, Trans::No, patch, opix, s.K, 1.0f, w.data(), patch, dy.data() + img * out_size,
                          opix, 0.0f, dcol.data(), opix);
            col2im_generic(g, dcol.data(), 1, want.data() + img * in_size);
            sgemm_generic(Trans::Yes, Trans::No, patch, opix, s.K, 1.0f, abs_w.data(), patch,
                          abs_dy.data() + img * out_size, opix, 0.0f, dcol.data(), opix);
            col2im_generic(g, dcol.data(), 1, scale.data() + img * in_size);
        }
        INFO(describe(s));
        worst = std::max(worst, check_close(dx, want, scale, kRelTol, "backward data"));
    }
    SUCCEED("winograd_backward_data: worst |error| / sum|w*dy| = " << worst);
}

TEST_CASE("winograd_backward_filter matches dy x col^T and its definitional reference", "[winograd]") {
    Rng rng(15);
    double worst = 0.0, worst_reference = 0.0;
    for (const Shape& s : kShapes) {
        const ConvGeometry g = geometry(s);
        // Three images: two blocks for the 26x26 output (two images a block), one for the rest.
        const int n = 3, patch = g.patch(), opix = g.out_pixels();
        const std::size_t in_size = std::size_t(s.C) * s.H * s.W, out_size = std::size_t(s.K) * opix;
        const auto x = random_floats(n * in_size, rng);
        const auto dy = random_floats(n * out_size, rng);
        WinogradScratch scratch;
        std::vector<float> dw(std::size_t(s.K) * patch, std::nanf("")), reference(dw.size());
        winograd_backward_filter(g, s.K, x.data(), dy.data(), n, dw.data(), scratch);
        winograd_backward_filter_reference(g, s.K, x.data(), dy.data(), n, reference.data());

        // dW (K, C*9) = sum over images of dy_img (K, opix) x col^T (opix, C*9), and the same over |values|.
        std::vector<float> want(dw.size(), 0.0f), scale(dw.size(), 0.0f), col(std::size_t(patch) * opix),
            abs_col(col.size()), abs_dy(dy.size());
        for (std::size_t i = 0; i < dy.size(); ++i) abs_dy[i] = std::fabs(dy[i]);
        for (int img = 0; img < n; ++img) {
            im2col_generic(g, x.data() + img * in_size, 1, col.data());
            for (std::size_t i = 0; i < col.size(); ++i) abs_col[i] = std::fabs(col[i]);
            sgemm_generic(Trans::No, Trans::Yes, s.K, patch, opix, 1.0f, dy.data() + img * out_size, opix, col.data(),
                          opix, 1.0f, want.data(), patch);
            sgemm_generic(Trans::No, Trans::Yes, s.K, patch, opix, 1.0f, abs_dy.data() + img * out_size, opix,
                          abs_col.data(), opix, 1.0f, scale.data(), patch);
        }
        INFO(describe(s));
        worst = std::max(worst, check_close(dw, want, scale, kRelTol, "weight gradient"));
        worst_reference = std::max(worst_reference, check_close(reference, want, scale, 1e-6, "reference"));
    }
    SUCCEED("winograd_backward_filter: worst |error| / sum|dy*x| = " << worst << " (reference " << worst_reference << ")");
}

TEST_CASE("winograd_backward_filter reuses its buffers and overwrites its output", "[winograd][alloc]") {
    Rng rng(16);
    const Shape s = kShapes[1];
    const ConvGeometry g = geometry(s);
    const int n = 19;  // a few blocks, the last one ragged
    const std::size_t in_size = std::size_t(s.C) * s.H * s.W, out_size = std::size_t(s.K) * g.out_pixels();
    const auto x = random_floats(n * in_size, rng);
    const auto dy = random_floats(n * out_size, rng);
    WinogradScratch scratch;
    std::vector<float> first(std::size_t(s.K) * g.patch()), again(first.size(), 1e30f);
    winograd_backward_filter(g, s.K, x.data(), dy.data(), n, first.data(), scratch);
    const long grows = scratch.grows;
    const long heap = heap_bytes_in_use();
    winograd_backward_filter(g, s.K, x.data(), dy.data(), n, again.data(), scratch);
    const long heap_after = heap_bytes_in_use();  // before any CHECK, which may allocate
    CHECK(heap_after == heap);
    CHECK(scratch.grows == grows);
    CHECK(again == first);  // overwritten, not added to, and the same sums in the same order
}

namespace {

// A 3x3 Conv2D that runs Winograd, with random weights and biases.
Conv2D random_winograd_conv(Shape3 in, int filters, Padding padding, bool fused_relu, Rng& rng) {
    Conv2D conv(in, filters, 3, padding);
    conv.init_params(rng);
    for (float& b : conv.bias) b = 0.1f * rng.normal();
    conv.set_fused_relu(fused_relu);
    REQUIRE(conv.uses_winograd());
    return conv;
}

template <class A, class B>
float worst_difference(const A& a, const B& b) {
    REQUIRE(a.size() == b.size());
    float worst = 0.0f;
    auto i = b.begin();
    for (float v : a) worst = std::max(worst, std::fabs(v - *i++));
    return worst;
}

std::vector<float> random_inputs(const Layer& layer, int n, Rng& rng) {
    std::vector<float> x(std::size_t(n) * layer.input_shape().size());
    for (float& v : x) v = rng.uniform();
    return x;
}

}  // namespace

TEST_CASE("Conv2D's Winograd forward matches its im2col forward, also after the weights change", "[winograd][conv]") {
    Rng rng(21);
    for (Padding padding : {Padding::Valid, Padding::Same})
        for (bool relu : {false, true}) {
            Conv2D conv = random_winograd_conv({32, 13, 13}, 64, padding, relu, rng);
            const int n = 11;  // more than one block of images, and a ragged last one
            const std::vector<float> x = random_inputs(conv, n, rng);
            const std::size_t out = std::size_t(n) * conv.output_shape().size();
            std::vector<float> y_wino(out), y_im2col(out);
            for (int round = 0; round < 2; ++round) {
                if (round == 1)
                    for (float& w : conv.weight) w += 0.05f * rng.normal();  // as an optimizer step would
                conv.set_winograd(true);
                conv.forward(x.data(), y_wino.data(), n, false);
                conv.set_winograd(false);
                conv.forward(x.data(), y_im2col.data(), n, false);
                INFO("padding " << (padding == Padding::Same ? "same" : "valid") << ", relu " << relu << ", round "
                                << round);
                CHECK(worst_difference(y_wino, y_im2col) < 2e-5f);  // outputs are O(1): rounding differences only
            }
        }
    // The 1-channel first layer keeps im2col, where Winograd loses.
    CHECK_FALSE(Conv2D({1, 28, 28}, 32, 3, Padding::Valid).uses_winograd());
}

TEST_CASE("Conv2D's Winograd gradients match its im2col ones; the bias gradients are the same",
          "[winograd][conv]") {
    Rng rng(22);
    for (Padding padding : {Padding::Valid, Padding::Same})
        for (bool relu : {false, true}) {
            Conv2D conv = random_winograd_conv({24, 9, 9}, 40, padding, relu, rng);
            const int n = 11;  // more than one block of images, and a ragged last one
            const std::vector<float> x = random_inputs(conv, n, rng);
            const std::size_t out = std::size_t(n) * conv.output_shape().size();
            std::vector<float> y(out), dy(out), dx_wino(x.size()), dx_im2col(x.size());
            for (float& v : dy) v = rng.normal();
            conv.forward(x.data(), y.data(), n, true);
            conv.set_winograd(true);
            conv.backward(x.data(), y.data(), dy.data(), dx_wino.data(), n);
            const auto dweight_wino = conv.dweight;
            const auto dbias_wino = conv.dbias;
            conv.set_winograd(false);
            conv.backward(x.data(), y.data(), dy.data(), dx_im2col.data(), n);
            INFO("padding " << (padding == Padding::Same ? "same" : "valid") << ", relu " << relu);
            CHECK(worst_difference(dx_wino, dx_im2col) < 2e-5f * std::sqrt(40.0f * 9.0f));  // sums of 360 O(1) products
            // Sums of n * 9 * 9 = 891 products of O(1) values per weight.
            CHECK(worst_difference(dweight_wino, conv.dweight) < 2e-5f * std::sqrt(float(n) * 81.0f));
            const bool same_dbias = dbias_wino == conv.dbias;  // the same row sums in the same order
            CHECK(same_dbias);
        }
}
