// sgemm (every path this build has) against the double-accumulating reference sgemm_generic.
// In the wasm build this is what exercises the SIMD128 micro-kernel; natively both the AVX2+FMA and the
// SSE2 paths run on an AVX2 machine through sgemm_with_path().
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "kernels/gemm.h"
#include "kernels/gemm_internal.h"

using namespace convpad;

namespace {

// A row-major matrix with a leading dimension that may exceed its width; the padding holds a sentinel
// so a kernel that writes outside the logical region is caught.
struct Matrix {
    int rows = 0, cols = 0, ld = 0;
    std::vector<float> data;
    Matrix(int r, int c, int pad, Rng& rng) : rows(r), cols(c), ld(c + pad) {
        data.assign(std::size_t(std::max(r, 1)) * std::max(ld, 1), kSentinel);
        for (int i = 0; i < r; ++i)
            for (int j = 0; j < c; ++j) data[std::size_t(i) * ld + j] = rng.uniform() * 2.0f - 1.0f;
    }
    float& at(int i, int j) { return data[std::size_t(i) * ld + j]; }
    static constexpr float kSentinel = 12345.0f;
};

std::vector<GemmPath> paths_to_test() {
    std::vector<GemmPath> paths = {GemmPath::F32x4};
    if (sgemm_path_available(GemmPath::Avx2Fma)) paths.push_back(GemmPath::Avx2Fma);
    return paths;
}

const char* trans_name(Trans t) { return t == Trans::No ? "N" : "T"; }

struct Case {
    Trans ta = Trans::No, tb = Trans::No;
    int M = 1, N = 1, K = 1;
    float alpha = 1.0f, beta = 0.0f;
    int pad_a = 0, pad_b = 0, pad_c = 0;  // leading dimension minus logical width
};

// Runs one case on `path` and on the reference; returns the number of mismatching elements (0 = pass)
// and reports the first few through Catch's INFO/CHECK.
int check_case(GemmPath path, const Case& c, std::uint64_t seed) {
    Rng rng(seed);
    // Stored shapes: op(A) is (M, K), so A is (M, K) or (K, M); op(B) is (K, N), so B is (K, N) or (N, K).
    Matrix A = c.ta == Trans::No ? Matrix(c.M, c.K, c.pad_a, rng) : Matrix(c.K, c.M, c.pad_a, rng);
    Matrix B = c.tb == Trans::No ? Matrix(c.K, c.N, c.pad_b, rng) : Matrix(c.N, c.K, c.pad_b, rng);
    Matrix C(c.M, c.N, c.pad_c, rng);
    if (c.beta == 0.0f) {  // beta == 0 must overwrite C without reading it
        for (int i = 0; i < c.M; ++i)
            for (int j = 0; j < c.N; ++j) C.at(i, j) = std::numeric_limits<float>::quiet_NaN();
    }
    Matrix C_ref = C;
    sgemm_with_path(path, c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data.data(), A.ld, B.data.data(), B.ld, c.beta,
                    C.data.data(), C.ld);
    sgemm_generic(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data.data(), A.ld, B.data.data(), B.ld, c.beta,
                  C_ref.data.data(), C_ref.ld);

    // Each output sums K products of values in [-1, 1] in float: the rounding errors are random-signed, so
    // their sum grows like sqrt(K) (scaled by alpha; beta * C adds one rounding), plus a relative part for
    // the final roundings of large results. Not `tol + |ref|`, which would accept almost anything.
    const double abs_tol = 1e-5 * std::sqrt(double(std::max(c.K, 1))) * (std::fabs(c.alpha) + std::fabs(c.beta));
    int bad = 0;
    for (int i = 0; i < C.rows; ++i) {
        for (int j = 0; j < C.ld; ++j) {
            const float got = C.at(i, j), want = C_ref.at(i, j);
            const bool ok = j >= c.N ? got == Matrix::kSentinel  // padding untouched
                                     : std::isfinite(got) && std::fabs(double(got) - want) <= abs_tol + 1e-4 * std::fabs(want);
            if (!ok && ++bad <= 3) {
                INFO(sgemm_path_name(path) << " " << trans_name(c.ta) << trans_name(c.tb) << " M=" << c.M
                                           << " N=" << c.N << " K=" << c.K << " alpha=" << c.alpha
                                           << " beta=" << c.beta << " pads=" << c.pad_a << "," << c.pad_b << ","
                                           << c.pad_c << " at (" << i << "," << j << "): got " << got << " want "
                                           << want << " tol " << abs_tol + 1e-4 * std::fabs(want));
                CHECK(ok);
            }
        }
    }
    return bad;
}

const Trans kTrans[] = {Trans::No, Trans::Yes};

}  // namespace

TEST_CASE("sgemm matches the reference for every transpose combination and tail size", "[gemm]") {
    // 1..9 straddle MR (4, 6) and NR (8, 16); 15/16/17, 33, 65 straddle the SIMD widths and panel counts.
    const int mn_sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 33, 65};
    const int k_sizes[] = {1, 2, 3, 7, 15, 16, 17, 33, 257};
    for (GemmPath path : paths_to_test()) {
        int failures = 0;
        std::uint64_t seed = 1;
        for (Trans ta : kTrans)
            for (Trans tb : kTrans)
                for (int M : mn_sizes)
                    for (int N : mn_sizes)
                        for (int K : k_sizes) {
                            Case c;
                            c.ta = ta, c.tb = tb, c.M = M, c.N = N, c.K = K;
                            failures += check_case(path, c, seed++) != 0;
                        }
        INFO("path " << sgemm_path_name(path));
        CHECK(failures == 0);
    }
}

TEST_CASE("sgemm honours alpha and beta, and beta == 0 ignores NaN in C", "[gemm]") {
    const float alphas[] = {1.0f, -0.5f, 2.0f, 0.0f};
    const float betas[] = {0.0f, 1.0f, 0.5f, -1.0f};
    const int shapes[][3] = {{1, 37, 19}, {23, 1, 19}, {7, 9, 5}, {33, 65, 17}, {13, 40, 300}};
    for (GemmPath path : paths_to_test())
        for (Trans ta : kTrans)
            for (Trans tb : kTrans)
                for (float alpha : alphas)
                    for (float beta : betas)
                        for (const auto& s : shapes) {
                            Case c;
                            c.ta = ta, c.tb = tb, c.M = s[0], c.N = s[1], c.K = s[2], c.alpha = alpha, c.beta = beta;
                            CHECK(check_case(path, c, 1000 + s[2]) == 0);
                        }
}

TEST_CASE("sgemm with leading dimensions larger than the logical width", "[gemm]") {
    const int shapes[][3] = {{1, 17, 9}, {17, 1, 9}, {5, 7, 3}, {31, 33, 65}, {65, 18, 40}};
    const int pads[][3] = {{1, 0, 0}, {0, 3, 0}, {0, 0, 5}, {7, 2, 9}};
    for (GemmPath path : paths_to_test())
        for (Trans ta : kTrans)
            for (Trans tb : kTrans)
                for (const auto& s : shapes)
                    for (const auto& p : pads) {
                        Case c;
                        c.ta = ta, c.tb = tb, c.M = s[0], c.N = s[1], c.K = s[2];
                        c.pad_a = p[0], c.pad_b = p[1], c.pad_c = p[2];
                        c.beta = p[2] > 3 ? 0.5f : 0.0f;
                        CHECK(check_case(path, c, 2000 + p[0] * 31 + s[0]) == 0);
                    }
}

TEST_CASE("sgemm across cache blocks (M > MC, N > NC, K > KC)", "[gemm]") {
    // K > KC makes later K blocks accumulate onto C (beta applied once); M, N cross the MC / NC blocks.
    for (GemmPath path : paths_to_test()) {
        for (Trans ta : kTrans)
            for (Trans tb : kTrans) {
                Case c;
                c.ta = ta, c.tb = tb, c.M = 150, c.N = 1050, c.K = 530, c.alpha = 0.75f, c.beta = 0.5f;
                CHECK(check_case(path, c, 3000) == 0);
            }
        Case wgrad;  // conv2 weight gradient: dY (64, 7744) * col^T, col (288, 7744) — here narrower
        wgrad.tb = Trans::Yes, wgrad.M = 20, wgrad.N = 37, wgrad.K = 7744;
        CHECK(check_case(path, wgrad, 3001) == 0);
        wgrad.beta = 1.0f;  // gradient accumulation
        CHECK(check_case(path, wgrad, 3002) == 0);
    }
}

TEST_CASE("sgemm edge cases: empty shapes and K == 0", "[gemm]") {
    for (GemmPath path : paths_to_test()) {
        std::vector<float> C = {1.0f, 2.0f, 3.0f, 4.0f};
        const float one = 1.0f;
        sgemm_with_path(path, Trans::No, Trans::No, 0, 2, 3, 1.0f, &one, 3, &one, 2, 0.0f, C.data(), 2);
        sgemm_with_path(path, Trans::No, Trans::No, 2, 0, 3, 1.0f, &one, 3, &one, 1, 0.0f, C.data(), 2);
        CHECK(C == std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f});  // nothing to do
        sgemm_with_path(path, Trans::No, Trans::No, 2, 2, 0, 1.0f, &one, 1, &one, 2, 0.5f, C.data(), 2);
        CHECK(C == std::vector<float>{0.5f, 1.0f, 1.5f, 2.0f});  // K == 0: C = beta * C
        C[1] = std::numeric_limits<float>::quiet_NaN();
        sgemm_with_path(path, Trans::No, Trans::No, 2, 2, 0, 1.0f, &one, 1, &one, 2, 0.0f, C.data(), 2);
        CHECK(C == std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f});
    }
}

TEST_CASE("sgemm is deterministic and names its backend", "[gemm]") {
    CHECK(std::string(sgemm_backend()).size() > 0);
    Rng rng(99);
    Matrix A(37, 300, 0, rng), B(300, 70, 0, rng);
    std::vector<float> C1(37 * 70), C2(37 * 70);
    sgemm(Trans::No, Trans::No, 37, 70, 300, 1.0f, A.data.data(), A.ld, B.data.data(), B.ld, 0.0f, C1.data(), 70);
    sgemm(Trans::No, Trans::No, 37, 70, 300, 1.0f, A.data.data(), A.ld, B.data.data(), B.ld, 0.0f, C2.data(), 70);
    CHECK(C1 == C2);  // bit-identical: golden training tests rely on it
}
