// sgemm throughput on the shapes the Fashion-MNIST CNN runs (batch 64), against the naive reference.
//
//   build/bench_gemm [seconds_per_case] [shape_filter]                          (native)
//   node --no-experimental-fetch build-wasm/bench_gemm.js [seconds_per_case] [shape_filter]
//
// Built by hand against an existing build tree until it has a CMake target:
//   g++ -O3 -std=c++17 -Isrc tests/bench/bench_gemm.cpp build/libconvpad_core.a -lz -o build/bench_gemm
//   NODE_PATH=/usr/share/nodejs em++ -O3 -msimd128 -std=c++17 -Isrc tests/bench/bench_gemm.cpp
//        build-wasm/libconvpad_core.a -sALLOW_MEMORY_GROWTH=1 -o build-wasm/bench_gemm.js
//
// Prints GFLOP/s (2*M*N*K flops per call, best of several timed runs) for every path this build has:
// the run-time choice (sgemm), each forced path (natively: avx2-fma and sse2), and sgemm_generic, with the
// speed-up of sgemm over sgemm_generic measured in the same process.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "kernels/gemm.h"
#include "kernels/gemm_internal.h"

using namespace convpad;

namespace {

struct Shape {
    const char* name;
    Trans ta, tb;
    int M, N, K;
};

// Conv layers run as im2col GEMMs: conv1 32x1x3x3 on 28x28 -> 26x26, conv2 64x32x3x3 on 13x13 -> 11x11.
const Shape kShapes[] = {
    {"conv1 fwd      W*col", Trans::No, Trans::No, 32, 676 * 64, 9},
    {"conv1 wgrad    dY*col^T", Trans::No, Trans::Yes, 32, 9, 676 * 64},
    {"conv2 fwd      W*col", Trans::No, Trans::No, 64, 121 * 64, 288},
    {"conv2 wgrad    dY*col^T", Trans::No, Trans::Yes, 64, 288, 121 * 64},
    {"conv2 dgrad    W^T*dY", Trans::Yes, Trans::No, 288, 121 * 64, 64},
    {"dense1 fwd     x*W^T", Trans::No, Trans::Yes, 64, 128, 1600},
    {"dense1 wgrad   dY^T*x", Trans::Yes, Trans::No, 128, 1600, 64},
    {"dense1 dgrad   dY*W", Trans::No, Trans::No, 64, 1600, 128},
    {"dense2 fwd     x*W^T", Trans::No, Trans::Yes, 64, 10, 128},
    {"dense1 infer   x*W^T (M=1)", Trans::No, Trans::Yes, 1, 128, 1600},
    {"square 512 NN", Trans::No, Trans::No, 512, 512, 512},
    {"square 512 TT", Trans::Yes, Trans::Yes, 512, 512, 512},
    {"tiny 7x9x5", Trans::No, Trans::No, 7, 9, 5},
};

double now_seconds() {
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

using GemmFn = void (*)(GemmPath, Trans, Trans, int, int, int, float, const float*, int, const float*, int,
                        float, float*, int);

void generic_adapter(GemmPath, Trans ta, Trans tb, int M, int N, int K, float alpha, const float* A, int lda,
                     const float* B, int ldb, float beta, float* C, int ldc) {
    sgemm_generic(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// Best-of timing: at least 3 runs and at least `budget` seconds (the reference stops after one slow run).
double gflops(GemmFn fn, GemmPath path, const Shape& s, const std::vector<float>& A, const std::vector<float>& B,
              std::vector<float>& C, double budget, int max_runs) {
    const int lda = s.ta == Trans::No ? s.K : s.M;
    const int ldb = s.tb == Trans::No ? s.N : s.K;
    fn(path, s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);  // warm-up
    double best = 1e30, start = now_seconds();
    int runs = 0;
    do {
        const double t0 = now_seconds();
        int reps = 0;
        do {  // batch tiny calls so the clock resolution does not dominate
            fn(path, s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
            ++reps;
        } while (now_seconds() - t0 < 1e-3);
        best = std::min(best, (now_seconds() - t0) / reps);
        ++runs;
    } while (runs < max_runs && (runs < 3 || now_seconds() - start < budget));
    return 2.0 * s.M * s.N * double(s.K) / best * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
    const double budget = argc > 1 ? std::atof(argv[1]) : 0.5;
    const std::string filter = argc > 2 ? argv[2] : "";  // run only shapes whose name contains this
    std::vector<GemmPath> paths = {GemmPath::Auto};
    if (sgemm_path_available(GemmPath::Avx2Fma)) paths.push_back(GemmPath::Avx2Fma);
    paths.push_back(GemmPath::F32x4);

    std::printf("sgemm backend: %s   (GFLOP/s, best of runs; x = speed-up over sgemm_generic)\n",
                sgemm_backend());
    std::printf("%-28s %5s %6s %6s", "shape", "M", "N", "K");
    for (GemmPath p : paths) std::printf(" %12s", p == GemmPath::Auto ? "sgemm" : sgemm_path_name(p));
    std::printf(" %9s %7s\n", "generic", "x");

    Rng rng(7);
    for (const Shape& s : kShapes) {
        if (std::string(s.name).find(filter) == std::string::npos) continue;
        std::vector<float> A(std::size_t(s.M) * s.K), B(std::size_t(s.K) * s.N), C(std::size_t(s.M) * s.N);
        for (float& x : A) x = rng.uniform() * 2.0f - 1.0f;
        for (float& x : B) x = rng.uniform() * 2.0f - 1.0f;
        std::printf("%-28s %5d %6d %6d", s.name, s.M, s.N, s.K);
        std::fflush(stdout);
        double fast = 0.0;
        for (GemmPath p : paths) {
            const double g = gflops(sgemm_with_path, p, s, A, B, C, budget, 1000000);
            if (p == GemmPath::Auto) fast = g;
            std::printf(" %12.2f", g);
            std::fflush(stdout);
        }
        const double ref = gflops(generic_adapter, GemmPath::Auto, s, A, B, C, 0.0, 1);
        std::printf(" %9.2f %6.1fx\n", ref, fast / ref);
    }
    return 0;
}
