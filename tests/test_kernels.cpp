// Element-wise, batch-norm, pooling and im2col kernels against their scalar *_generic references, on random data
// with sizes that hit every tail of the 4- and 8-wide SIMD loops. In the wasm build this is what runs
// the SIMD128 paths; natively it runs the SSE2 ones.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/rng.h"
#include "kernels/channel_norm.h"
#include "kernels/elementwise.h"
#include "kernels/im2col.h"
#include "kernels/pool.h"

using namespace convpad;

namespace {

const std::size_t kSizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 100, 257};

std::vector<float> random_floats(std::size_t n, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(n);
    for (float& x : v) x = lo + (hi - lo) * rng.uniform();
    return v;
}

// Random values with a sprinkling of the cases SIMD code gets wrong: signed zeros, NaN, infinities,
// subnormals, and exact ties.
std::vector<float> nasty_floats(std::size_t n, Rng& rng) {
    const float specials[] = {0.0f, -0.0f, std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                              std::numeric_limits<float>::denorm_min(), -1e-40f, 0.5f, -0.5f};
    std::vector<float> v = random_floats(n, rng);
    for (float& x : v)
        if (rng.below(4) == 0) x = specials[rng.below(sizeof specials / sizeof specials[0])];
    return v;
}

// Bit-for-bit equality (NaN == NaN, -0 != +0).
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

bool close(double got, double want, double atol = 1e-5, double rtol = 1e-5) {
    return std::fabs(got - want) <= atol + rtol * std::fabs(want);
}

}  // namespace

// [SECTION] Element-wise

TEST_CASE("relu kernels match the reference bit for bit, NaN and -0 included", "[kernels][relu]") {
    Rng rng(1);
    for (std::size_t n : kSizes) {
        const auto x = nasty_floats(n, rng), dy = nasty_floats(n, rng);
        std::vector<float> y(n), y_ref(n), dx(n), dx_ref(n);
        relu_forward(x.data(), y.data(), n);
        relu_forward_generic(x.data(), y_ref.data(), n);
        INFO("n = " << n);
        CHECK(same_bits(y, y_ref));
        relu_backward(x.data(), dy.data(), dx.data(), n);
        relu_backward_generic(x.data(), dy.data(), dx_ref.data(), n);
        CHECK(same_bits(dx, dx_ref));
    }
    // In place, as the layers may call it.
    auto x = nasty_floats(37, rng), x_ref = x;
    relu_forward(x.data(), x.data(), x.size());
    relu_forward_generic(x_ref.data(), x_ref.data(), x_ref.size());
    CHECK(same_bits(x, x_ref));
}

TEST_CASE("bias kernels match the reference", "[kernels][bias]") {
    Rng rng(2);
    for (int rows : {1, 2, 3, 7, 32})
        for (std::size_t cols : kSizes) {
            const int c = int(cols);
            INFO("rows " << rows << " cols " << c);
            const auto y0 = random_floats(std::size_t(rows) * c, rng);
            const auto row_bias = random_floats(rows, rng), col_bias = random_floats(c, rng);
            auto y = y0, y_ref = y0;
            add_bias_rows(y.data(), row_bias.data(), rows, c);
            add_bias_rows_generic(y_ref.data(), row_bias.data(), rows, c);
            CHECK(same_bits(y, y_ref));
            y = y0, y_ref = y0;
            add_bias_relu_rows(y.data(), row_bias.data(), rows, c);
            add_bias_relu_rows_generic(y_ref.data(), row_bias.data(), rows, c);
            CHECK(same_bits(y, y_ref));
            y = y0, y_ref = y0;
            add_bias_cols(y.data(), col_bias.data(), rows, c);
            add_bias_cols_generic(y_ref.data(), col_bias.data(), rows, c);
            CHECK(same_bits(y, y_ref));

            std::vector<float> colsum(c, 99.0f), colsum_ref(c, -99.0f);  // overwritten, not accumulated
            column_sums(y0.data(), rows, c, colsum.data());
            column_sums_generic(y0.data(), rows, c, colsum_ref.data());
            CHECK(same_bits(colsum, colsum_ref));

            // Accumulates onto what is there; summed in another order, so equal up to rounding.
            auto rowsum = random_floats(rows, rng), rowsum_ref = rowsum;
            accumulate_row_sums(y0.data(), rows, c, rowsum.data());
            accumulate_row_sums_generic(y0.data(), rows, c, rowsum_ref.data());
            for (int r = 0; r < rows; ++r) CHECK(close(rowsum[r], rowsum_ref[r], 1e-6 * std::sqrt(double(c) + 1)));
        }
}

TEST_CASE("multiply matches the reference", "[kernels][dropout]") {
    Rng rng(3);
    for (std::size_t n : kSizes) {
        const auto a = nasty_floats(n, rng), b = random_floats(n, rng);
        std::vector<float> y(n), y_ref(n);
        multiply(a.data(), b.data(), y.data(), n);
        multiply_generic(a.data(), b.data(), y_ref.data(), n);
        INFO("n = " << n);
        CHECK(same_bits(y, y_ref));
    }
}

TEST_CASE("adam and sgd updates match the reference bit for bit over several steps", "[kernels][optimizer]") {
    Rng rng(4);
    for (std::size_t n : kSizes) {
        INFO("n = " << n);
        auto p = random_floats(n, rng), m = std::vector<float>(n, 0.0f), v = std::vector<float>(n, 0.0f);
        auto p_ref = p, m_ref = m, v_ref = v;
        for (int t = 1; t <= 3; ++t) {
            const auto g = random_floats(n, rng, -0.1f, 0.1f);
            const AdamStep s{0.9f, 0.999f, 1.0f - 0.9f, 1.0f - 0.999f, float(1e-3 / (1.0 - std::pow(0.9, t))),
                             float(1.0 / std::sqrt(1.0 - std::pow(0.999, t))), 1e-7f};
            adam_update(p.data(), g.data(), m.data(), v.data(), n, s);
            adam_update_generic(p_ref.data(), g.data(), m_ref.data(), v_ref.data(), n, s);
        }
        CHECK(same_bits(p, p_ref));
        CHECK(same_bits(m, m_ref));
        CHECK(same_bits(v, v_ref));

        auto q = random_floats(n, rng), vel = random_floats(n, rng);
        auto q_ref = q, vel_ref = vel;
        for (int t = 0; t < 3; ++t) {
            const auto g = random_floats(n, rng);
            sgd_momentum_update(q.data(), g.data(), vel.data(), n, 0.9f, 0.01f);
            sgd_momentum_update_generic(q_ref.data(), g.data(), vel_ref.data(), n, 0.9f, 0.01f);
        }
        CHECK(same_bits(q, q_ref));
        CHECK(same_bits(vel, vel_ref));
    }
}

// [SECTION] Max pooling

// [SECTION] Batch normalisation

TEST_CASE("batch-norm plane kernels: element-wise ones bit for bit, sums within float rounding", "[kernels][bn]") {
    Rng rng(7);
    for (std::size_t n : kSizes) {
        INFO("n = " << n);
        // Activations with an offset, as a channel's are, so that the mean matters.
        const auto x = random_floats(n, rng, -0.5f, 2.0f), dy = random_floats(n, rng);
        const auto y = nasty_floats(n, rng);   // a fused ReLU's output: its sign picks the gradients
        const float mean = 0.7f, scale = 1.3f, shift = -0.4f;
        double magnitude = 0.0, squares = 0.0;
        for (float v : x) {
            magnitude += std::fabs(v);
            squares += (v - mean) * (v - mean);
        }
        CHECK(close(plane_sum(x.data(), n), plane_sum_generic(x.data(), n), 1e-6 * magnitude + 1e-7, 0.0));
        CHECK(close(plane_squared_deviations(x.data(), n, mean), plane_squared_deviations_generic(x.data(), n, mean),
                    1e-6 * squares + 1e-7, 0.0));

        std::vector<float> out(n), ref(n);
        scale_shift(x.data(), out.data(), n, scale, shift);
        scale_shift_generic(x.data(), ref.data(), n, scale, shift);
        CHECK(same_bits(out, ref));
        scale_shift_relu(x.data(), out.data(), n, scale, shift);
        scale_shift_relu_generic(x.data(), ref.data(), n, scale, shift);
        CHECK(same_bits(out, ref));

        double weight = 0.0;
        for (std::size_t i = 0; i < n; ++i) weight += std::fabs(dy[i]) * (1.0 + std::fabs(x[i] - mean));
        const double atol = 1e-6 * weight + 1e-7;
        const PlaneGradSums s = plane_grad_sums(x.data(), dy.data(), n, mean),
                            s_ref = plane_grad_sums_generic(x.data(), dy.data(), n, mean);
        CHECK(close(s.dy, s_ref.dy, atol, 0.0));
        CHECK(close(s.centered, s_ref.centered, atol, 0.0));
        const PlaneGradSums r = plane_grad_sums_relu(x.data(), y.data(), dy.data(), n, mean),
                            r_ref = plane_grad_sums_relu_generic(x.data(), y.data(), dy.data(), n, mean);
        CHECK(close(r.dy, r_ref.dy, atol, 0.0));
        CHECK(close(r.centered, r_ref.centered, atol, 0.0));

        plane_input_grad(x.data(), dy.data(), out.data(), n, mean, 0.8f, 0.05f, 0.3f);
        plane_input_grad_generic(x.data(), dy.data(), ref.data(), n, mean, 0.8f, 0.05f, 0.3f);
        CHECK(same_bits(out, ref));
        plane_input_grad_relu(x.data(), y.data(), dy.data(), out.data(), n, mean, 0.8f, 0.05f, 0.3f);
        plane_input_grad_relu_generic(x.data(), y.data(), dy.data(), ref.data(), n, mean, 0.8f, 0.05f, 0.3f);
        CHECK(same_bits(out, ref));
    }
}

TEST_CASE("batch-norm sums with the ReLU's mask equal the sums of relu_backward's output, bit for bit", "[kernels][bn]") {
    Rng rng(8);
    for (std::size_t n : kSizes) {
        INFO("n = " << n);
        const auto x = random_floats(n, rng), y = nasty_floats(n, rng), dy = random_floats(n, rng);
        std::vector<float> masked(n);
        relu_backward(y.data(), dy.data(), masked.data(), n);
        const PlaneGradSums fused = plane_grad_sums_relu(x.data(), y.data(), dy.data(), n, 0.1f),
                            apart = plane_grad_sums(x.data(), masked.data(), n, 0.1f);
        CHECK(std::memcmp(&fused, &apart, sizeof fused) == 0);
        std::vector<float> dx_fused(n), dx_apart(n);
        plane_input_grad_relu(x.data(), y.data(), dy.data(), dx_fused.data(), n, 0.1f, 1.5f, 0.02f, 0.4f);
        plane_input_grad(x.data(), masked.data(), dx_apart.data(), n, 0.1f, 1.5f, 0.02f, 0.4f);
        CHECK(same_bits(dx_fused, dx_apart));
    }
}

TEST_CASE("maxpool kernels match the reference: sizes, ragged edges, ties and NaN", "[kernels][pool]") {
    Rng rng(5);
    const int sides[] = {1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 13, 16, 17, 26, 27};
    for (int S : {2, 3})
        for (int H : sides)
            for (int W : sides) {
                if (H < S || W < S) continue;
                const int planes = 1 + int(rng.below(3));
                const std::size_t in = std::size_t(planes) * H * W, out = std::size_t(planes) * (H / S) * (W / S);
                // Values on a coarse grid so windows often hold equal maxima (the first must win).
                std::vector<float> x(in);
                for (float& v : x) v = float(int(rng.below(5)) - 2);
                if (in > 3) x[rng.below(std::uint32_t(in))] = std::numeric_limits<float>::quiet_NaN();
                std::vector<float> y(out), y_ref(out), dx(in, 7.0f), dx_ref(in, -7.0f);
                std::vector<std::int32_t> arg(out), arg_ref(out);
                maxpool_forward(x.data(), planes, H, W, S, y.data(), arg.data());
                maxpool_forward_generic(x.data(), planes, H, W, S, y_ref.data(), arg_ref.data());
                INFO("S " << S << " H " << H << " W " << W << " planes " << planes);
                CHECK(same_bits(y, y_ref));
                CHECK(arg == arg_ref);
                const auto dy = random_floats(out, rng);
                maxpool_backward(dy.data(), arg.data(), planes, H, W, S, dx.data());
                maxpool_backward_generic(dy.data(), arg_ref.data(), planes, H, W, S, dx_ref.data());
                CHECK(same_bits(dx, dx_ref));  // every pixel written, ragged edge included
            }
}

// [SECTION] im2col

TEST_CASE("im2col and col2im match the pixel-by-pixel reference", "[kernels][im2col]") {
    Rng rng(6);
    struct Case {
        int c, h, w, k;
        bool same;
    };
    const Case cases[] = {{1, 28, 28, 3, false}, {32, 13, 13, 3, false}, {3, 9, 7, 5, true}, {2, 7, 6, 4, true},
                          {1, 5, 5, 1, false},   {4, 6, 11, 2, false},   {2, 3, 3, 3, true}, {1, 17, 9, 3, true}};
    for (const Case& cs : cases)
        for (int n : {1, 2}) {
            const int pad_total = cs.same ? cs.k - 1 : 0;
            const ConvGeometry g{cs.c, cs.h, cs.w, cs.k, cs.k, pad_total / 2, pad_total / 2,
                                 cs.h + pad_total - cs.k + 1, cs.w + pad_total - cs.k + 1};
            const auto x = random_floats(std::size_t(n) * cs.c * cs.h * cs.w, rng);
            const std::size_t col_size = std::size_t(g.patch()) * n * g.out_pixels();
            std::vector<float> col(col_size, 5.0f), col_ref(col_size, -5.0f);
            im2col(g, x.data(), n, col.data());
            im2col_generic(g, x.data(), n, col_ref.data());
            INFO("C " << cs.c << " " << cs.h << "x" << cs.w << " k " << cs.k << (cs.same ? " same" : " valid")
                      << " n " << n);
            CHECK(same_bits(col, col_ref));
            const auto dcol = random_floats(col_size, rng);
            std::vector<float> dx(x.size(), 3.0f), dx_ref(x.size(), -3.0f);
            col2im(g, dcol.data(), n, dx.data());
            col2im_generic(g, dcol.data(), n, dx_ref.data());
            CHECK(same_bits(dx, dx_ref));
        }
}
