// In-browser kernel checks: every hot kernel's fast path against its scalar reference, run in the
// page by tests/browser/kernels.mjs in both builds of this module (kernel_check.cmake: single thread, and
// -pthread on a cross-origin isolated page). The Catch2 suites (tests/test_gemm.cpp, test_kernels.cpp, test_winograd.cpp) do the same
// natively and under node, in more depth; this is the browser's V8 running the same wasm SIMD128 code.
//
// One row per kernel: `cases` compared, the `worst` one and the `tolerance` it must not exceed. Two measures:
//   bits  kernels whose SIMD path performs the reference's operations in the same order per element (the
//         headers say so): the number of elements whose bits differ (NaN, -0 and winners included); 0 allowed
//   rel   kernels that sum in another order (sgemm, Winograd, row sums): |fast - reference| divided by the
//         sum of the magnitudes of the output's terms (e.g. sum_k |a_ik b_kj|), which is what the rounding
//         error of any summation order scales with; 1e-5 as tests/test_winograd.cpp (measured here: <= 3e-7;
//         Winograd on a tiny, mostly padded image reaches ~5e-6 for some seeds)
#include <emscripten.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/js_reply.h"
#include "engine/rng.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/gemm_internal.h"  // sgemm_set_min_flops_per_thread: split even small products over threads
#include "kernels/im2col.h"
#include "kernels/parallel.h"
#include "kernels/pool.h"
#include "kernels/simd.h"
#include "kernels/winograd.h"

namespace convpad::kernel_check {
namespace {

using nlohmann::json;
using Floats = std::vector<float>;

constexpr double kRelTol = 1e-5;

struct Check {
    std::string kernel;
    bool exact;  // measure "bits" (else "rel")
    int cases = 0;
    double worst = 0;
    void add(double error) {
        ++cases;
        if (!(error <= worst)) worst = std::isnan(error) ? INFINITY : error;  // a NaN error is a failure
    }
    double tolerance() const { return exact ? 0.0 : kRelTol; }
    bool ok() const { return cases > 0 && worst <= tolerance(); }
};

// [SECTION] Data and comparisons

Floats random_floats(std::size_t n, Rng& rng) {
    Floats v(n);
    for (float& x : v) x = 2.0f * rng.uniform() - 1.0f;
    return v;
}

// Random values with the cases SIMD code gets wrong mixed in: signed zeros, NaN, infinities, subnormals.
Floats nasty_floats(std::size_t n, Rng& rng) {
    const float specials[] = {0.0f, -0.0f, NAN, INFINITY, -INFINITY, std::numeric_limits<float>::denorm_min(), -1e-40f};
    Floats v = random_floats(n, rng);
    for (float& x : v)
        if (rng.below(4) == 0) x = specials[rng.below(sizeof specials / sizeof specials[0])];
    return v;
}

Floats abs_of(Floats v) {
    for (float& x : v) x = std::fabs(x);
    return v;
}

// Elements whose bytes differ (float or int32 vectors of equal size).
template <class T>
double differing(const std::vector<T>& got, const std::vector<T>& want) {
    if (got.size() != want.size()) return INFINITY;
    int n = 0;
    for (std::size_t i = 0; i < got.size(); ++i) n += std::memcmp(&got[i], &want[i], sizeof(T)) != 0;
    return n;
}

// Largest |got - want| / scale (scale: the sum of |terms| of each output).
double relative_error(const Floats& got, const Floats& want, const Floats& scale) {
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double e = std::fabs(double(got[i]) - want[i]) / (double(scale[i]) + 1e-30);
        if (!(e <= worst)) worst = std::isnan(e) ? INFINITY : e;
    }
    return worst;
}

// [SECTION] sgemm

struct Gemm {
    Trans ta, tb;
    int M, N, K;
    float beta;
};

struct GemmData {
    Floats A, B, C;  // op(A) (M, K), op(B) (K, N) stored as the Trans flags say; C (M, N)
};

GemmData gemm_data(const Gemm& c, Rng& rng) {
    GemmData d{random_floats(std::size_t(c.M) * c.K, rng), random_floats(std::size_t(c.K) * c.N, rng),
               random_floats(std::size_t(c.M) * c.N, rng)};
    if (c.beta == 0.0f) std::fill(d.C.begin(), d.C.end(), NAN);  // beta == 0 must not read C
    return d;
}

// C = op(A) op(B) + beta C with `gemm` (sgemm or sgemm_generic), row-major, no padding.
template <class GemmFn>
Floats run_gemm(GemmFn gemm, const Gemm& c, const Floats& A, const Floats& B, Floats C) {
    const int lda = c.ta == Trans::No ? c.K : c.M, ldb = c.tb == Trans::No ? c.N : c.K;
    gemm(c.ta, c.tb, c.M, c.N, c.K, 1.0f, A.data(), lda, B.data(), ldb, c.beta, C.data(), c.N);
    return C;
}

// Tails: M, N straddle the micro-kernel (MR x NR) and the 4 lanes, K the unrolled loops; the seed CNN's
// per-image products (batch 64) cross the MC/KC/NC cache blocks. Every case with beta 0 and 1, all 4 Trans.
std::vector<Gemm> gemm_cases() {
    std::vector<Gemm> cases;
    const int mn[] = {1, 2, 3, 5, 7, 9, 17, 33}, ks[] = {1, 7, 17, 257};
    const int cnn[][3] = {{32, 676, 9},    // conv32 forward: W (32, 9) x col (9, 26*26)
                          {32, 9, 676},    // conv32 weight gradient: dY col^T
                          {64, 121, 288},  // conv64 forward
                          {288, 121, 64},  // conv64 input gradient: W^T dY
                          {64, 288, 121},  // conv64 weight gradient
                          {64, 128, 1600}, // dense128 forward: x W^T
                          {128, 1600, 64}, // dense128 weight gradient: dY^T x
                          {64, 10, 128}};  // dense10 forward
    for (Trans ta : {Trans::No, Trans::Yes})
        for (Trans tb : {Trans::No, Trans::Yes})
            for (float beta : {0.0f, 1.0f}) {
                for (int M : mn)
                    for (int N : mn)
                        for (int K : ks) cases.push_back({ta, tb, M, N, K, beta});
                for (const auto& s : cnn) cases.push_back({ta, tb, s[0], s[1], s[2], beta});
            }
    return cases;
}

// Each product unsplit (what one thread computes) and, with 2+ threads, split over them even when small
// (gemm.cpp's threshold set to 0): both against sgemm_generic, and the split result bit for bit against the
// unsplit one (gemm.cpp promises the same result for every thread count).
void check_sgemm(Check& vs_reference, Check& vs_one_thread) {
    struct RestoreThreshold {
        double previous = sgemm_set_min_flops_per_thread(INFINITY);
        ~RestoreThreshold() { sgemm_set_min_flops_per_thread(previous); }
    } restore;
    Rng rng(1);
    for (const Gemm& c : gemm_cases()) {
        const GemmData d = gemm_data(c, rng);
        const Floats want = run_gemm(sgemm_generic, c, d.A, d.B, d.C);
        const Floats scale = run_gemm(sgemm_generic, c, abs_of(d.A), abs_of(d.B), c.beta == 0 ? d.C : abs_of(d.C));
        sgemm_set_min_flops_per_thread(INFINITY);
        const Floats one = run_gemm(sgemm, c, d.A, d.B, d.C);
        vs_reference.add(relative_error(one, want, scale));
        if (num_threads() < 2) continue;
        sgemm_set_min_flops_per_thread(0);
        const Floats split = run_gemm(sgemm, c, d.A, d.B, d.C);
        vs_reference.add(relative_error(split, want, scale));
        vs_one_thread.add(differing(split, one));
    }
}

// [SECTION] im2col, Winograd, max pooling

void check_im2col(Check& im2col_check, Check& col2im_check, Rng& rng) {
    struct Case {
        int c, h, w, k, pad;
    };
    const Case cases[] = {{1, 28, 28, 3, 0}, {32, 13, 13, 3, 0}, {3, 9, 7, 5, 2}, {2, 7, 6, 4, 1},
                          {1, 5, 5, 1, 0},   {4, 6, 11, 2, 0},   {2, 3, 3, 3, 1}, {1, 17, 9, 3, 1}};
    for (const Case& cs : cases)
        for (int n : {1, 2}) {
            const ConvGeometry g{cs.c, cs.h, cs.w, cs.k, cs.k, cs.pad, cs.pad,
                                 cs.h + 2 * cs.pad - cs.k + 1, cs.w + 2 * cs.pad - cs.k + 1};
            const Floats x = random_floats(std::size_t(n) * cs.c * cs.h * cs.w, rng);
            const std::size_t col_size = std::size_t(g.patch()) * n * g.out_pixels();
            Floats col(col_size, 5.0f), col_ref(col_size, -5.0f);  // every element must be written
            im2col(g, x.data(), n, col.data());
            im2col_generic(g, x.data(), n, col_ref.data());
            im2col_check.add(differing(col, col_ref));
            const Floats dcol = random_floats(col_size, rng);
            Floats dx(x.size(), 3.0f), dx_ref(x.size(), -3.0f);
            col2im(g, dcol.data(), n, dx.data());
            col2im_generic(g, dcol.data(), n, dx_ref.data());
            col2im_check.add(differing(dx, dx_ref));
        }
}

// got: a 3x3 convolution of x (n, C, H, W) with w (K, C, 3, 3) under g, against winograd_forward_reference.
// The reference is exact arithmetic in double rounded once, so on |w| and |x| it gives sum |w * x| per output.
double conv_error(const ConvGeometry& g, int K, const Floats& w, const Floats& x, int n, const Floats& got) {
    Floats want(got.size()), scale(got.size());
    winograd_forward_reference(g, K, w.data(), x.data(), n, want.data());
    winograd_forward_reference(g, K, abs_of(w).data(), abs_of(x).data(), n, scale.data());
    return relative_error(got, want, scale);
}

void check_winograd(Check& forward, Rng& rng) {
    struct Shape {
        int C, K, H, W, pad_top, pad_left, pad_bottom, pad_right;
    };
    const Shape shapes[] = {
        {1, 32, 28, 28, 0, 0, 0, 0},  {32, 64, 13, 13, 0, 0, 0, 0}, {32, 64, 13, 13, 1, 1, 1, 1},  // seed CNN, same
        {3, 2, 3, 3, 0, 0, 0, 0},     {2, 3, 1, 1, 1, 1, 1, 1},     {3, 1, 4, 4, 0, 0, 0, 0},      // 1x1 out, K = 1
        {1, 1, 9, 7, 0, 0, 0, 0},     {6, 9, 10, 11, 0, 1, 0, 1},   {3, 6, 12, 40, 1, 0, 1, 2},    // odd, asymmetric
        {33, 17, 5, 18, 2, 2, 2, 2},  {4, 3, 13, 12, 0, 1, -1, -2}};                               // pad 2, unused edge
    const int n = 2;
    WinogradScratch scratch;
    for (const Shape& s : shapes) {
        const ConvGeometry g{s.C, s.H, s.W, 3, 3, s.pad_top, s.pad_left, s.H + s.pad_top + s.pad_bottom - 2,
                             s.W + s.pad_left + s.pad_right - 2};
        const Floats w = random_floats(std::size_t(s.K) * s.C * 9, rng);
        const Floats x = random_floats(std::size_t(n) * s.C * s.H * s.W, rng);
        Floats U(winograd_filter_floats(s.K, s.C)), y(std::size_t(n) * s.K * g.out_pixels(), NAN);
        winograd_transform_filters(w.data(), s.K, s.C, U.data());
        winograd_forward(g, s.K, U.data(), x.data(), n, y.data(), scratch);
        forward.add(conv_error(g, s.K, w, x, n, y));
    }
}

void check_maxpool(Check& forward, Check& backward, Rng& rng) {
    const int sides[] = {2, 3, 4, 5, 7, 8, 9, 11, 13, 17, 26, 27};
    for (int S : {2, 3})
        for (int H : sides)
            for (int W : sides) {
                if (H < S || W < S) continue;
                const int planes = 1 + int(rng.below(3));
                const std::size_t in = std::size_t(planes) * H * W, out = std::size_t(planes) * (H / S) * (W / S);
                Floats x(in);  // values on a coarse grid, so windows often tie (the first maximum must win), one NaN
                for (float& v : x) v = float(int(rng.below(5)) - 2);
                x[rng.below(std::uint32_t(in))] = NAN;
                Floats y(out), y_ref(out), dx(in, 7.0f), dx_ref(in, -7.0f);
                std::vector<std::int32_t> winner(out), winner_ref(out);
                maxpool_forward(x.data(), planes, H, W, S, y.data(), winner.data());
                maxpool_forward_generic(x.data(), planes, H, W, S, y_ref.data(), winner_ref.data());
                forward.add(differing(y, y_ref) + differing(winner, winner_ref));
                const Floats dy = random_floats(out, rng);
                maxpool_backward(dy.data(), winner_ref.data(), planes, H, W, S, dx.data());
                maxpool_backward_generic(dy.data(), winner_ref.data(), planes, H, W, S, dx_ref.data());
                backward.add(differing(dx, dx_ref));
            }
}

// [SECTION] Element-wise

const std::size_t kSizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 100, 257};

// call(kernel, buffers) with the fast kernel, and with its reference on a copy of the same buffers (inputs
// and outputs alike); every buffer is compared afterwards, so in-place writes count too.
template <class Kernel, class Call>
void compare_exact(Check& check, std::vector<Floats> buffers, Kernel fast, Kernel reference, Call call) {
    std::vector<Floats> ref = buffers;
    call(fast, buffers);
    call(reference, ref);
    double n = 0;
    for (std::size_t i = 0; i < buffers.size(); ++i) n += differing(buffers[i], ref[i]);
    check.add(n);
}

void check_elementwise(std::vector<Check>& checks, Rng& rng) {
    Check relu_fwd{"relu_forward", true}, relu_bwd{"relu_backward", true}, mul{"multiply", true},
        adam{"adam_update", true}, sgd{"sgd_momentum_update", true};
    for (std::size_t n : kSizes) {
        const Floats x = nasty_floats(n, rng), dy = nasty_floats(n, rng);
        compare_exact(relu_fwd, {x, Floats(n)}, relu_forward, relu_forward_generic,
                      [n](auto relu, auto& b) { relu(b[0].data(), b[1].data(), n); });
        compare_exact(relu_fwd, {x}, relu_forward, relu_forward_generic,  // in place
                      [n](auto relu, auto& b) { relu(b[0].data(), b[0].data(), n); });
        compare_exact(relu_bwd, {x, dy, Floats(n)}, relu_backward, relu_backward_generic,
                      [n](auto relu, auto& b) { relu(b[0].data(), b[1].data(), b[2].data(), n); });
        compare_exact(mul, {x, random_floats(n, rng), Floats(n)}, multiply, multiply_generic,
                      [n](auto mul, auto& b) { mul(b[0].data(), b[1].data(), b[2].data(), n); });
        // One step at t = 1, 2, 3 (other bias corrections) from random states.
        for (int t = 1; t <= 3; ++t) {
            const AdamStep s{0.9f, 0.999f, 1.0f - 0.9f, 1.0f - 0.999f, float(1e-3 / (1.0 - std::pow(0.9, t))),
                             float(1.0 / std::sqrt(1.0 - std::pow(0.999, t))), 1e-7f};
            const Floats p = random_floats(n, rng), g = random_floats(n, rng), m = random_floats(n, rng);
            compare_exact(adam, {p, g, m, abs_of(random_floats(n, rng))}, adam_update, adam_update_generic,
                          [&](auto update, auto& b) {
                              update(b[0].data(), b[1].data(), b[2].data(), b[3].data(), n, s);
                          });
            compare_exact(sgd, {p, g, m}, sgd_momentum_update, sgd_momentum_update_generic,
                          [n](auto update, auto& b) { update(b[0].data(), b[1].data(), b[2].data(), n, 0.9f, 0.01f); });
        }
    }

    Check bias_rows{"add_bias_rows", true}, bias_relu{"add_bias_relu_rows", true}, bias_cols{"add_bias_cols", true},
        col_sums{"column_sums", true}, row_sums{"accumulate_row_sums", false};
    for (int rows : {1, 3, 7, 32})
        for (std::size_t size : kSizes) {
            const int cols = int(size);
            const Floats y = random_floats(std::size_t(rows) * cols, rng);
            const Floats row_bias = random_floats(rows, rng), col_bias = random_floats(cols, rng);
            const auto add_bias = [&](auto add, auto& b) { add(b[0].data(), b[1].data(), rows, cols); };
            compare_exact(bias_rows, {y, row_bias}, add_bias_rows, add_bias_rows_generic, add_bias);
            compare_exact(bias_relu, {y, row_bias}, add_bias_relu_rows, add_bias_relu_rows_generic, add_bias);
            compare_exact(bias_cols, {y, col_bias}, add_bias_cols, add_bias_cols_generic, add_bias);
            compare_exact(col_sums, {y, Floats(cols, NAN)}, column_sums, column_sums_generic,  // overwrites sums
                          [&](auto sum, auto& b) { sum(b[0].data(), rows, cols, b[1].data()); });
            // sums[r] += sum_c y[r][c], summed in another order: relative to |sums[r]| + sum_c |y[r][c]|.
            const Floats sums0 = random_floats(rows, rng);
            Floats sums = sums0, want = sums0, scale = abs_of(sums0);
            accumulate_row_sums(y.data(), rows, cols, sums.data());
            accumulate_row_sums_generic(y.data(), rows, cols, want.data());
            accumulate_row_sums_generic(abs_of(y).data(), rows, cols, scale.data());
            row_sums.add(relative_error(sums, want, scale));
        }
    for (Check* c : {&relu_fwd, &relu_bwd, &bias_rows, &bias_relu, &bias_cols, &row_sums, &col_sums, &mul, &adam, &sgd})
        checks.push_back(*c);
}

json report(const std::vector<Check>& checks) {
    json rows = json::array();
    bool ok = true;
    for (const Check& c : checks) {
        rows.push_back({{"kernel", c.kernel}, {"measure", c.exact ? "bits" : "rel"}, {"cases", c.cases},
                        {"worst", std::isfinite(c.worst) ? json(c.worst) : json("inf")},
                        {"tolerance", c.tolerance()}, {"ok", c.ok()}});
        ok = ok && c.ok();
    }
    return {{"simd", CONVPAD_SIMD_NAME}, {"gemm", sgemm_backend()}, {"threads", num_threads()},
            {"checks", rows}, {"ok", ok}};
}

}  // namespace
}  // namespace convpad::kernel_check

using namespace convpad;
using namespace convpad::kernel_check;

// threads: 1..kMaxThreads (a single-thread build runs on 1 whatever it is asked). Runs every check (about a
// second) and returns {simd, gemm, threads, checks: [{kernel, measure, cases, worst, tolerance, ok}], ok},
// or {error}. The returned string lives until the next call.
extern "C" EMSCRIPTEN_KEEPALIVE const char* convpad_kernel_check(int threads) {
    return js::guarded([&] {
        if (threads < 1 || threads > kMaxThreads)
            throw std::invalid_argument("threads must be 1.." + std::to_string(kMaxThreads) + ", got " +
                                        std::to_string(threads));
        if (threads_supported()) set_num_threads(threads);
        std::vector<Check> checks = {{"sgemm", false}, {"sgemm threads vs 1", true}};
        check_sgemm(checks[0], checks[1]);
        if (num_threads() < 2) checks.pop_back();  // nothing to compare with
        Rng rng(2);
        Check im2col_check{"im2col", true}, col2im_check{"col2im", true}, wino{"winograd_forward", false},
            pool_fwd{"maxpool_forward", true}, pool_bwd{"maxpool_backward", true};
        check_im2col(im2col_check, col2im_check, rng);
        check_winograd(wino, rng);
        check_maxpool(pool_fwd, pool_bwd, rng);
        checks.insert(checks.end(), {im2col_check, col2im_check, wino, pool_fwd, pool_bwd});
        check_elementwise(checks, rng);
        return report(checks);
    });
}
