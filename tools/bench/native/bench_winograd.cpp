// Winograd F(2x2, 3x3) against im2col + sgemm (what Conv2D runs today) on the seed CNN's 3x3 layers.
//
//   build/bench_winograd [seconds_per_case] [--blocks] [--threads N]                          (native)
//   node --no-experimental-fetch --no-liftoff build-wasm/bench_winograd.js [same options]    (wasm)
//
// (--no-liftoff: see bench_train.cpp; node otherwise keeps some kernels on baseline code for the whole run.)
//
// Prints, for conv64 (C 32, K 64, 13x13 valid) and conv32 (C 1, K 32, 28x28 valid) at n = 1, 8, 32, 64 images
// per call: ms per call and per image, and effective GFLOP/s (direct-convolution flops, 2*K*C*9 per output,
// over the time) of
//   im2col   per image: im2col of the image, then sgemm K x out_pixels x C*9   (Conv2D::forward minus bias)
//   wino     winograd_forward over the n images (transforms + 16 GEMMs per block of images)
//   gemm16   the 16 bare sgemm calls winograd_forward makes, timed alone (the rest is transform cost)
// then the backward pass with respect to the input for conv64 (sgemm weight^T x dy + col2im per image vs
// winograd_backward_data), and the filter transforms (once per weight update).
// --blocks: winograd_forward at 64 images over a range of tiles-per-block settings (how the default was chosen).
// --threads N: also both forward paths at 256 images split over N threads by images (parallel_for, one scratch
// per thread; sgemm then runs inline), as the engine's batched inference would run them.
// Every figure is the best of many timed runs (the machine is shared): at least 3 and `seconds_per_case`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "kernels/gemm.h"
#include "kernels/im2col.h"
#include "kernels/parallel.h"
#include "kernels/simd.h"
#include "kernels/winograd.h"

using namespace convpad;

namespace {

double now_seconds() {
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

double g_budget = 0.5;

// Best time of one call of fn, over at least 3 runs and g_budget seconds.
template <class Fn>
double best_seconds(Fn&& fn) {
    fn();  // warm-up: buffers grow, code and data get into cache
    double best = 1e30;
    const double start = now_seconds();
    int runs = 0;
    do {
        const double t0 = now_seconds();
        int reps = 0;
        do {
            fn();
            ++reps;
        } while (now_seconds() - t0 < 2e-3);
        best = std::min(best, (now_seconds() - t0) / reps);
        ++runs;
    } while (runs < 3 || now_seconds() - start < g_budget);
    return best;
}

struct Layer {
    const char* name;
    int C, K, H, W;
};

const Layer kLayers[] = {{"conv64", 32, 64, 13, 13}, {"conv32", 1, 32, 28, 28}};

ConvGeometry valid_geometry(const Layer& l) { return {l.C, l.H, l.W, 3, 3, 0, 0, l.H - 2, l.W - 2}; }

std::vector<float> random_floats(std::size_t n, Rng& rng) {
    std::vector<float> v(n);
    for (float& x : v) x = 2.0f * rng.uniform() - 1.0f;
    return v;
}

// The buffers of one layer at up to `max_n` images.
struct Setup {
    Layer layer;
    ConvGeometry g;
    int max_n;
    std::vector<float> w, x, U, Ub, y, col, dy, dx;
    Setup(const Layer& l, int n, Rng& rng) : layer(l), g(valid_geometry(l)), max_n(n) {
        w = random_floats(std::size_t(l.K) * l.C * 9, rng);
        x = random_floats(std::size_t(n) * l.C * l.H * l.W, rng);
        U.resize(winograd_filter_floats(l.K, l.C));
        Ub.resize(winograd_filter_floats(l.C, l.K));
        winograd_transform_filters(w.data(), l.K, l.C, U.data());
        winograd_transform_filters_backward_data(w.data(), l.K, l.C, Ub.data());
        y.resize(std::size_t(n) * l.K * g.out_pixels());
        col.resize(std::size_t(g.patch()) * g.out_pixels());
        dy = random_floats(y.size(), rng);
        dx.resize(x.size());
    }
    std::size_t in_size() const { return std::size_t(layer.C) * layer.H * layer.W; }
    std::size_t out_size() const { return std::size_t(layer.K) * g.out_pixels(); }
    double flops_per_image() const { return 2.0 * layer.K * g.out_pixels() * double(g.patch()); }
};

// Conv2D::forward's im2col path without the bias pass, images [i0, i1), with its own column buffer.
void im2col_forward(const Setup& s, int i0, int i1, float* col, float* y) {
    const int patch = s.g.patch(), opix = s.g.out_pixels();
    for (int img = i0; img < i1; ++img) {
        im2col(s.g, s.x.data() + img * s.in_size(), 1, col);
        sgemm(Trans::No, Trans::No, s.layer.K, opix, patch, 1.0f, s.w.data(), patch, col, opix, 0.0f,
              y + img * s.out_size(), opix);
    }
}

// The 16 GEMMs winograd_forward runs for n images, on buffers of the same shapes.
struct BareGemms {
    int tiles_per_block, blocks, last_tiles;
    std::vector<float> V, M;
    BareGemms(const Setup& s, int n) {
        const int tiles = ((s.g.out_h + 1) / 2) * ((s.g.out_w + 1) / 2);
        const int per_block = winograd_block_images(s.g, s.layer.K);
        tiles_per_block = std::min(n, per_block) * tiles;
        blocks = (n + per_block - 1) / per_block;
        last_tiles = (n - (blocks - 1) * per_block) * tiles;
        V.assign(std::size_t(16) * (s.layer.C * (tiles_per_block + 4) + 16), 0.5f);
        M.resize(std::size_t(16) * (s.layer.K * (tiles_per_block + 4) + 16));
    }
    void run(const Setup& s) {
        const int C = s.layer.C, K = s.layer.K;
        for (int b = 0; b < blocks; ++b) {
            const int N = b + 1 == blocks ? last_tiles : tiles_per_block, ld = tiles_per_block + 4;
            for (int xi = 0; xi < 16; ++xi)
                sgemm(Trans::No, Trans::No, K, std::max(N, 2), C, 1.0f, s.U.data() + xi * K * C, C,
                      V.data() + std::size_t(xi) * (C * ld + 16), ld, 0.0f, M.data() + std::size_t(xi) * (K * ld + 16),
                      ld);
        }
    }
};

void forward_table(int max_n) {
    std::printf("forward, one thread (ms per call; GFLOP/s = direct-conv flops / time; x = im2col time / wino time)\n");
    std::printf("%-7s %4s %10s %10s %9s %9s %9s %8s %8s %7s %7s\n", "layer", "n", "im2col ms", "wino ms",
                "im2col/img", "wino/img", "gemm16/img", "im2col GF", "wino GF", "gemm16%", "x");
    Rng rng(5);
    for (const Layer& l : kLayers) {
        Setup s(l, max_n, rng);
        WinogradScratch scratch;
        for (int n : {1, 8, 32, 64}) {
            if (n > max_n) continue;
            const double t_im2col = best_seconds([&] { im2col_forward(s, 0, n, s.col.data(), s.y.data()); });
            const double t_wino =
                best_seconds([&] { winograd_forward(s.g, l.K, s.U.data(), s.x.data(), n, s.y.data(), scratch); });
            BareGemms gemms(s, n);
            const double t_gemm = best_seconds([&] { gemms.run(s); });
            const double flops = s.flops_per_image() * n;
            std::printf("%-7s %4d %10.3f %10.3f %9.4f %9.4f %9.4f %9.1f %8.1f %6.0f%% %6.2fx\n", l.name, n,
                        t_im2col * 1e3, t_wino * 1e3, t_im2col * 1e3 / n, t_wino * 1e3 / n, t_gemm * 1e3 / n,
                        flops / t_im2col * 1e-9, flops / t_wino * 1e-9, 100.0 * t_gemm / t_wino, t_im2col / t_wino);
            std::fflush(stdout);
        }
    }
}

void backward_data_table(int max_n) {
    std::printf("\nbackward w.r.t. the input, conv64, one thread (ms per image; GFLOP/s = direct flops / time)\n");
    std::printf("%-7s %4s %12s %10s %9s %8s %7s\n", "layer", "n", "sgemm+col2im", "wino", "sgemm GF", "wino GF", "x");
    Rng rng(6);
    const Layer& l = kLayers[0];
    Setup s(l, max_n, rng);
    WinogradScratch scratch;
    std::vector<float> dcol(std::size_t(s.g.patch()) * s.g.out_pixels());
    const int patch = s.g.patch(), opix = s.g.out_pixels();
    for (int n : {1, 8, 32, 64}) {
        if (n > max_n) continue;
        const double t_gemm = best_seconds([&] {
            for (int img = 0; img < n; ++img) {
                sgemm(Trans::Yes, Trans::No, patch, opix, l.K, 1.0f, s.w.data(), patch, s.dy.data() + img * s.out_size(),
                      opix, 0.0f, dcol.data(), opix);
                col2im(s.g, dcol.data(), 1, s.dx.data() + img * s.in_size());
            }
        });
        const double t_wino = best_seconds(
            [&] { winograd_backward_data(s.g, l.K, s.Ub.data(), s.dy.data(), n, s.dx.data(), scratch); });
        const double flops = s.flops_per_image() * n;
        std::printf("%-7s %4d %12.4f %10.4f %9.1f %8.1f %6.2fx\n", l.name, n, t_gemm * 1e3 / n, t_wino * 1e3 / n,
                    flops / t_gemm * 1e-9, flops / t_wino * 1e-9, t_gemm / t_wino);
        std::fflush(stdout);
    }
    const double t_u = best_seconds([&] { winograd_transform_filters(s.w.data(), l.K, l.C, s.U.data()); });
    const double t_ub =
        best_seconds([&] { winograd_transform_filters_backward_data(s.w.data(), l.K, l.C, s.Ub.data()); });
    std::printf("filter transforms (once per weight update), conv64: forward %.4f ms, backward-data %.4f ms\n",
                t_u * 1e3, t_ub * 1e3);
}

void block_table() {
    std::printf("\ntiles per block (winograd_forward at 64 images, ms per image; the default is marked *)\n");
    std::printf("%-7s", "layer");
    const int sweep[] = {36, 72, 108, 144, 216, 288, 432, 576, 1152, 2304};
    const int default_tiles = winograd_set_block_tiles(0);
    for (int tiles : sweep) std::printf(" %7d%c", tiles, tiles == default_tiles ? '*' : ' ');
    std::printf("\n");
    Rng rng(7);
    for (const Layer& l : kLayers) {
        Setup s(l, 64, rng);
        std::printf("%-7s", l.name);
        for (int tiles : sweep) {
            winograd_set_block_tiles(tiles);
            WinogradScratch scratch;
            const double t =
                best_seconds([&] { winograd_forward(s.g, l.K, s.U.data(), s.x.data(), 64, s.y.data(), scratch); });
            std::printf(" %8.4f", t * 1e3 / 64);
            std::fflush(stdout);
        }
        std::printf("   (%d images per block at the default)\n", (winograd_set_block_tiles(0), winograd_block_images(s.g, l.K)));
    }
    Setup s(kLayers[0], 64, rng);  // backward data of conv64: 64 channels of 11x11 padded by 2, 7x7 tiles
    std::printf("%-7s", "dgrad64");
    for (int tiles : sweep) {
        winograd_set_block_tiles(tiles);
        WinogradScratch scratch;
        const double t = best_seconds(
            [&] { winograd_backward_data(s.g, s.layer.K, s.Ub.data(), s.dy.data(), 64, s.dx.data(), scratch); });
        std::printf(" %8.4f", t * 1e3 / 64);
        std::fflush(stdout);
    }
    winograd_set_block_tiles(0);
    std::printf("   (%d images per block at the default)\n",
                winograd_block_images(winograd_backward_data_geometry(s.g, s.layer.K), s.layer.C));
    winograd_set_block_tiles(0);
}

// Batched inference as the engine would thread it: images split over the threads, one scratch (and, for
// im2col, one column buffer) per thread index.
void threads_table(int threads) {
    const int n = 256;
    std::printf("\n%d images over %d threads by images (images/s of the layer alone; x = wino over im2col)\n", n,
                threads);
    std::printf("%-7s %14s %14s %14s %14s %7s\n", "layer", "im2col 1 thr", "wino 1 thr", "im2col threads",
                "wino threads", "x");
    Rng rng(8);
    for (const Layer& l : kLayers) {
        Setup s(l, n, rng);
        std::vector<WinogradScratch> scratch(static_cast<std::size_t>(threads));
        std::vector<std::vector<float>> cols(std::size_t(threads), s.col);
        auto run_im2col = [&] {
            parallel_for(n, [&](int b, int e) {
                im2col_forward(s, b, e, cols[std::size_t(parallel_thread_index())].data(), s.y.data());
            });
        };
        auto run_wino = [&] {
            parallel_for(n, [&](int b, int e) {
                winograd_forward(s.g, l.K, s.U.data(), s.x.data() + b * s.in_size(), e - b,
                                 s.y.data() + b * s.out_size(), scratch[std::size_t(parallel_thread_index())]);
            });
        };
        set_num_threads(1);
        const double i1 = n / best_seconds(run_im2col), w1 = n / best_seconds(run_wino);
        set_num_threads(threads);
        const double it = n / best_seconds(run_im2col), wt = n / best_seconds(run_wino);
        set_num_threads(1);
        std::printf("%-7s %14.0f %14.0f %14.0f %14.0f %6.2fx\n", l.name, i1, w1, it, wt, wt / it);
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool blocks = false;
    int threads = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--blocks") blocks = true;
        else if (arg == "--threads" && i + 1 < argc) threads = std::max(1, std::atoi(argv[++i]));
        else g_budget = std::atof(arg.c_str());
    }
    std::printf("bench_winograd: sgemm %s, transforms %s, %.2f s per case\n", sgemm_backend(), CONVPAD_SIMD_NAME,
                g_budget);
    if (blocks) {
        block_table();
        return 0;
    }
    forward_table(64);
    backward_data_table(64);
    if (threads > 1) {
        if (!threads_supported()) std::printf("\nthis build has no threads (wasm without -pthread): --threads ignored\n");
        else threads_table(threads);
    }
    return 0;
}
