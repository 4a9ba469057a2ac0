// Training and inference speed of a whole CNN, with a per-layer breakdown: where a step's time goes.
//
//   build/bench_train [--arch A] [--batch 64] [--rounds 5] [--data DIR] [--threads 1]           (native)
//   node --no-experimental-fetch --no-liftoff build-wasm/bench_train.js [same options]         (wasm)
//
// Under node, pass --no-liftoff: V8 first runs wasm as Liftoff (baseline) code and swaps in its optimised
// TurboFan code for hot functions, but here that swap did not happen for some kernels while a
// synchronous main() kept the event loop from running (im2col stayed 2-3x slower for the whole run).
// A browser page that trains a slice per frame yields every frame and gets the optimised code after the
// first; --no-liftoff compiles it up front, so node measures that steady state.
//
// Prints, for the architecture (default: the seed CNN):
//   1. the training step, layer by layer (forward / backward ms, achieved GFLOP/s of conv and dense
//      layers), the loss and the optimizer, against the whole step timed through Model;
//   2. the same for inference, 32 images per forward pass as Model::predict runs it;
//   3. the GEMM floor: the bare sgemm calls an im2col formulation of the conv/dense layers needs, timed
//      in this process, so "layer time / GEMM floor" says how much the non-GEMM work costs;
//   4. end to end: Trainer images/s (batch 64 by default), Model::predict images/s over 1,024 images, and
//      the latency of one image (batch 1), each the best of many short windows (the machine may be shared);
// and one JSON line at the end. Real Fashion-MNIST when the data directory loads (native: the .gz files,
// wasm: the unpacked copy CMake makes for the tests), else random images (said in the output).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "engine/conv2d.h"
#include "engine/dense.h"
#include "engine/model.h"
#include "engine/optimizer.h"
#include "engine/profile.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "kernels/simd.h"
#include "train/trainer.h"

using namespace convpad;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Options {
    std::string arch = kDefaultArch;
    int batch = 64;
    int rounds = 5;
    int threads = 1;
#ifdef CONVPAD_BENCH_DATA_DIR
    std::string data = CONVPAD_BENCH_DATA_DIR;
#else
    std::string data = "/usr/share/datasets/fashion-mnist";
#endif
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string name = argv[i], value = argv[i + 1];
        if (name == "--arch") o.arch = value;
        else if (name == "--batch") o.batch = std::max(1, std::atoi(value.c_str()));
        else if (name == "--rounds") o.rounds = std::max(1, std::atoi(value.c_str()));
        else if (name == "--data") o.data = value;
        else if (name == "--threads") o.threads = std::max(1, std::atoi(value.c_str()));
        else {
            std::fprintf(stderr, "bench_train: unknown option %s\n", name.c_str());
            std::exit(2);
        }
    }
    return o;
}

// Random pixels and labels with the data set's shapes, when the real files are not there.
Dataset random_dataset(int count, std::uint64_t seed) {
    Rng rng(seed);
    Dataset d;
    d.images.resize(std::size_t(count) * kImagePixels);
    d.labels.resize(count);
    for (float& p : d.images) p = rng.uniform();
    for (auto& l : d.labels) l = std::uint8_t(rng.below(kNumClasses));
    return d;
}

// [SECTION] GEMM floor: the matrix products of an im2col formulation, timed bare.
struct GemmCall {
    Trans ta, tb;
    int M, N, K;
};

double time_gemms(const std::vector<GemmCall>& calls, int rounds) {
    std::size_t most = 0;
    for (const GemmCall& c : calls)
        most = std::max({most, std::size_t(c.M) * c.K, std::size_t(c.K) * c.N, std::size_t(c.M) * c.N});
    std::vector<float> A(most, 0.5f), B(most, 0.25f), C(most);
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r <= rounds; ++r) {
        const auto t0 = Clock::now();
        for (const GemmCall& c : calls)
            sgemm(c.ta, c.tb, c.M, c.N, c.K, 1.0f, A.data(), c.ta == Trans::No ? c.K : c.M, B.data(),
                  c.tb == Trans::No ? c.N : c.K, 0.0f, C.data(), c.N);
        if (r > 0) best = std::min(best, seconds_since(t0));
    }
    return best * 1e3;
}

// Forward and backward GEMMs of layer i as one im2col + GEMM per batch would run them.
void layer_gemms(const Layer& layer, std::size_t index, int n, std::vector<GemmCall>& fwd, std::vector<GemmCall>& bwd) {
    const Shape3 in = layer.input_shape(), out = layer.output_shape();
    if (auto* conv = dynamic_cast<const Conv2D*>(&layer)) {
        const int k = int(conv->weight.shape(2));
        const int filters = out.c, patch = in.c * k * k, cols = n * out.h * out.w;
        fwd.push_back({Trans::No, Trans::No, filters, cols, patch});                   // W * col
        bwd.push_back({Trans::No, Trans::Yes, filters, patch, cols});                  // dY * col^T
        if (index > 0) bwd.push_back({Trans::Yes, Trans::No, patch, cols, filters});  // W^T * dY
    } else if (dynamic_cast<const Dense*>(&layer)) {
        const int units = out.c, inputs = int(in.size());
        fwd.push_back({Trans::No, Trans::Yes, n, units, inputs});                     // x * W^T
        bwd.push_back({Trans::Yes, Trans::No, units, inputs, n});                     // dY^T * x
        if (index > 0) bwd.push_back({Trans::No, Trans::No, n, inputs, units});      // dY * W
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Options opt = parse(argc, argv);
    set_num_threads(opt.threads);
    Dataset train, test;
    std::string source = "Fashion-MNIST from " + opt.data;
    try {
        TrainTestSets data = load_train_test(opt.data);
        train = std::move(data.train);
        test = std::move(data.test);
    } catch (const std::exception& e) {
        source = std::string("random images (") + e.what() + ")";
        train = random_dataset(8192, 1);
        test = random_dataset(5120, 2);
    }
    std::printf("bench_train\narch %s\ngemm %s, elementwise %s, %d thread(s)\ndata: %s\n\n", opt.arch.c_str(),
                sgemm_backend(), CONVPAD_SIMD_NAME, num_threads(), source.c_str());

    // [SECTION] Per-layer profiles
    Model model(opt.arch, 1);
    OptimizerConfig adam;
    auto optimizer = make_optimizer(adam);
    const int profile_reps = 10 * opt.rounds;
    const StepProfile train_profile =
        profile_step(model, optimizer.get(), train.image(0), train.labels.data(), opt.batch, true, profile_reps);
    std::printf("%s\n", format_profile(train_profile).c_str());
    const int infer_batch = std::min(32, test.count());  // Model::predict's chunk
    const StepProfile infer_profile =
        profile_step(model, nullptr, test.image(0), test.labels.data(), infer_batch, false, 10 * opt.rounds);
    std::printf("%s\n", format_profile(infer_profile).c_str());

    // [SECTION] GEMM floor
    std::vector<GemmCall> fwd_all, bwd_all, infer_all;
    for (std::size_t i = 0; i < model.layers().size(); ++i) {
        std::vector<GemmCall> unused;
        layer_gemms(*model.layers()[i], i, opt.batch, fwd_all, bwd_all);
        layer_gemms(*model.layers()[i], i, infer_batch, infer_all, unused);
    }
    const double floor_fwd = time_gemms(fwd_all, 3 * opt.rounds), floor_bwd = time_gemms(bwd_all, 3 * opt.rounds);
    const double floor_infer = time_gemms(infer_all, 3 * opt.rounds);
    double conv_dense_train = 0.0, conv_dense_infer = 0.0;
    for (const LayerTiming& l : train_profile.layers)
        if (l.forward_flop > 0) conv_dense_train += l.forward_ms + l.backward_ms;
    for (const LayerTiming& l : infer_profile.layers)
        if (l.forward_flop > 0) conv_dense_infer += l.forward_ms;
    std::printf("GEMM floor (bare sgemm of an im2col formulation, same process)\n");
    std::printf("  training  %.3f ms (forward %.3f + backward %.3f); whole step %.3f ms = %.2fx the floor; "
                "conv/dense layers %.2fx\n",
                floor_fwd + floor_bwd, floor_fwd, floor_bwd, train_profile.whole_ms,
                train_profile.whole_ms / (floor_fwd + floor_bwd), conv_dense_train / (floor_fwd + floor_bwd));
    std::printf("  inference %.3f ms; whole pass %.3f ms = %.2fx the floor; conv/dense layers %.2fx\n\n", floor_infer,
                infer_profile.whole_ms, infer_profile.whole_ms / floor_infer, conv_dense_infer / floor_infer);

    // [SECTION] End to end
    // Short windows, best of many: on a shared machine a long window always includes someone else's time
    // slice, a short one often does not.
    Model trained(opt.arch, 1);
    Dataset none;
    TrainConfig config;
    config.batch_size = opt.batch;
    config.epochs = 1000;
    config.patience = 0;
    Trainer trainer(trained, train, none, config);
    const int window_steps = std::max(2, 320 / opt.batch);  // about 320 images per window
    for (int i = 0; i < 3; ++i) trainer.advance();          // warm-up: buffers grow on the first steps
    double best_train = 0.0;
    for (int r = 0; r < 4 * opt.rounds; ++r) {
        const long before = trainer.images_seen();
        const auto t0 = Clock::now();
        while (trainer.images_seen() - before < long(window_steps) * opt.batch) trainer.advance();  // skips validation
        best_train = std::max(best_train, double(trainer.images_seen() - before) / seconds_since(t0));
    }

    const int infer_images = std::min(test.count(), 1024);
    std::vector<float> probs(std::size_t(infer_images) * kNumClasses);
    trained.predict(test.image(0), infer_images, probs.data());  // warm-up
    double best_infer = 0.0;
    for (int r = 0; r < 4 * opt.rounds; ++r) {
        const auto t0 = Clock::now();
        trained.predict(test.image(0), infer_images, probs.data());
        best_infer = std::max(best_infer, infer_images / seconds_since(t0));
    }
    double best_single_ms = std::numeric_limits<double>::infinity();
    const int singles = 50;
    trained.predict(test.image(0), 1, probs.data());
    for (int r = 0; r < 4 * opt.rounds; ++r) {
        const auto t0 = Clock::now();
        for (int i = 0; i < singles; ++i) trained.predict(test.image(i), 1, probs.data());
        best_single_ms = std::min(best_single_ms, 1e3 * seconds_since(t0) / singles);
    }
    std::printf("end to end (best of %d short windows)\n", 4 * opt.rounds);
    std::printf("  training   %8.0f images/s (Trainer, batch %d, Adam)\n", best_train, opt.batch);
    std::printf("  inference  %8.0f images/s (Model::predict of %d images)\n", best_infer, infer_images);
    std::printf("  single     %8.4f ms per image (batch 1)\n", best_single_ms);
    std::printf("{\"bench\":\"train\",\"arch\":\"%s\",\"gemm\":\"%s\",\"simd\":\"%s\",\"batch\":%d,"
                "\"train_images_per_s\":%.1f,\"infer_images_per_s\":%.1f,\"single_ms\":%.4f,"
                "\"step_ms\":%.3f,\"gemm_floor_ms\":%.3f,\"threads\":%d}\n",
                opt.arch.c_str(), sgemm_backend(), CONVPAD_SIMD_NAME, opt.batch, best_train, best_infer, best_single_ms,
                train_profile.whole_ms, floor_fwd + floor_bwd, num_threads());
    return 0;
}
