// sgemm throughput on the shapes the Fashion-MNIST CNN runs (batch 64), against the naive reference.
//
//   build/bench_gemm [seconds_per_case] [shape_filter] [--threads N]            (native)
//   node --no-experimental-fetch build-wasm/bench_gemm.js [seconds_per_case] [shape_filter]
//   bench_gemm --threshold [--threads N]   1 vs N threads on growing products: where splitting starts to pay
//   bench_gemm --dispatch [--threads N]    cost of one parallel_for round trip and of waking a sleeping worker
// (threads: natively, or a wasm build configured with -DCONVPAD_THREADS=ON)
//
// Built by hand against an existing build tree until it has a CMake target:
//   g++ -O3 -std=c++17 -Isrc tools/bench/native/bench_gemm.cpp build/libconvpad_core.a -lz -o build/bench_gemm
//   NODE_PATH=/usr/share/nodejs em++ -O3 -msimd128 -std=c++17 -Isrc tools/bench/native/bench_gemm.cpp
//        build-wasm/libconvpad_core.a -sALLOW_MEMORY_GROWTH=1 -o build-wasm/bench_gemm.js
//
// Prints GFLOP/s (2*M*N*K flops per call, best of several timed runs) for every path this build has:
// the run-time choice (sgemm), each forced path (natively: avx2-fma and sse2), and sgemm_generic, with the
// speed-up of sgemm over sgemm_generic measured in the same process. With --threads N, also sgemm on N
// threads and its speed-up over one thread.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "kernels/gemm.h"
#include "kernels/gemm_internal.h"
#include "kernels/parallel.h"

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

int g_threads = 1;

// 1 vs N threads with the size threshold off, on products growing from ~0.1 to ~300 MFLOP: the smallest
// product where N threads win is where sgemm's default threshold (flops per thread) belongs.
void threshold_table(int threads, double budget) {
    std::printf("1 vs %d threads, threshold off (us per call; x = speed-up)\n", threads);
    std::printf("%-16s %5s %6s %5s %9s %10s %10s %6s\n", "shape", "M", "N", "K", "MFLOP", "1 thread", "threads", "x");
    const double previous = sgemm_set_min_flops_per_thread(0.0);
    Rng rng(3);
    struct Grow {
        const char* name;
        Trans ta, tb;
        int M, K;
    };
    const Grow grows[] = {{"conv2 fwd-like", Trans::No, Trans::No, 64, 288},
                          {"dgrad-like", Trans::Yes, Trans::No, 288, 64},
                          {"square", Trans::No, Trans::No, 0, 0}};
    for (const Grow& g : grows)
        for (int n : {8, 16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 1024, 2048, 7744}) {
            const bool square = g.M == 0;
            if (square && n > 512) continue;
            const Shape s = {g.name, g.ta, g.tb, square ? n : g.M, n, square ? n : g.K};
            std::vector<float> A(std::size_t(s.M) * s.K), B(std::size_t(s.K) * s.N), C(std::size_t(s.M) * s.N);
            for (float& x : A) x = rng.uniform() * 2.0f - 1.0f;
            for (float& x : B) x = rng.uniform() * 2.0f - 1.0f;
            const double flop = 2.0 * s.M * s.N * double(s.K);
            set_num_threads(1);
            const double one = gflops(sgemm_with_path, GemmPath::Auto, s, A, B, C, budget, 1000000);
            set_num_threads(threads);
            const double many = gflops(sgemm_with_path, GemmPath::Auto, s, A, B, C, budget, 1000000);
            set_num_threads(1);
            std::printf("%-16s %5d %6d %5d %9.3f %10.1f %10.1f %5.2fx\n", s.name, s.M, s.N, s.K, flop * 1e-6,
                        flop / one * 1e-3, flop / many * 1e-3, many / one);
            std::fflush(stdout);
        }
    sgemm_set_min_flops_per_thread(previous);
}

// Round trip of an (almost) empty parallel_for with the workers polling, and the delay until a worker that
// has gone to sleep (idle > its polling time) starts on a new job.
void dispatch_table(int threads) {
    set_num_threads(threads);
    std::atomic<int> sink{0};
    auto round_trip = [&](int parts) {
        double best = 1e30;
        for (int run = 0; run < 20; ++run) {
            const int reps = 2000;
            const double t0 = now_seconds();
            for (int r = 0; r < reps; ++r) parallel_for_parts(parts, parts, [&](int b, int e) { sink += e - b; });
            best = std::min(best, (now_seconds() - t0) / reps);
        }
        return best * 1e6;
    };
    std::printf("parallel_for of empty parts, %d threads (the caller may run them all): %.2f us (%d parts), "
                "%.2f us (%d parts)\n",
                threads, round_trip(threads), threads, round_trip(4 * threads), 4 * threads);

    // Hand-off: part 0 (the caller) waits until part 1 has started on a worker, which is polling (idle 0) or
    // has gone to sleep (idle 2 ms).
    for (double idle : {0.0, 2e-3}) {
    std::vector<double> delays;
    for (int i = 0; i < 200; ++i) {
        const double idle_until = now_seconds() + idle;
        while (now_seconds() < idle_until) {
        }
        std::atomic<double> started{0.0};
        const double t0 = now_seconds();
        parallel_for_parts(2, 2, [&](int b, int) {
            if (b == 0) {
                while (started.load() == 0.0 && now_seconds() < t0 + 1.0) {
                }
            } else {
                started.store(now_seconds());
            }
        });
        delays.push_back((started.load() - t0) * 1e6);
    }
    std::sort(delays.begin(), delays.end());
    std::printf("hand-off to a %s worker: median %.1f us, best %.1f us, 90%% %.1f us (of %zu)\n",
                idle > 0 ? "sleeping" : "polling", delays[delays.size() / 2], delays.front(),
                delays[delays.size() * 9 / 10], delays.size());
    }
    set_num_threads(1);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> positional;
    bool threshold = false, dispatch = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--threads" && i + 1 < argc) {
            g_threads = std::max(1, std::atoi(argv[++i]));
        } else if (arg == "--threshold") {
            threshold = true;
        } else if (arg == "--dispatch") {
            dispatch = true;
        } else {
            positional.push_back(arg);
        }
    }
    const double budget = positional.size() > 0 ? std::atof(positional[0].c_str()) : 0.5;
    const std::string filter = positional.size() > 1 ? positional[1] : "";  // shapes whose name contains this
    if (!threads_supported() && g_threads > 1) {
        std::printf("this build has no threads (wasm without -pthread): --threads ignored\n");
        g_threads = 1;
    }
    if (threshold || dispatch) {
        if (dispatch) dispatch_table(std::max(2, g_threads));
        if (threshold) threshold_table(std::max(2, g_threads), budget);
        return 0;
    }
    std::vector<GemmPath> paths = {GemmPath::Auto};
    if (sgemm_path_available(GemmPath::Avx2Fma)) paths.push_back(GemmPath::Avx2Fma);
    paths.push_back(GemmPath::F32x4);

    std::printf("sgemm backend: %s   (GFLOP/s, best of runs; x = speed-up over sgemm_generic)\n",
                sgemm_backend());
    std::printf("%-28s %5s %6s %6s", "shape", "M", "N", "K");
    for (GemmPath p : paths) std::printf(" %12s", p == GemmPath::Auto ? "sgemm" : sgemm_path_name(p));
    if (g_threads > 1) std::printf(" %9s%-3d %6s", "threads=", g_threads, "xT");
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
        if (g_threads > 1) {
            set_num_threads(g_threads);
            const double g = gflops(sgemm_with_path, GemmPath::Auto, s, A, B, C, budget, 1000000);
            set_num_threads(1);
            std::printf(" %12.2f %5.2fx", g, g / fast);
            std::fflush(stdout);
        }
        const double ref = gflops(generic_adapter, GemmPath::Auto, s, A, B, C, 0.0, 1);
        std::printf(" %9.2f %6.1fx\n", ref, fast / ref);
    }
    return 0;
}
