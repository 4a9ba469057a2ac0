// The worker pool (kernels/parallel.h) and what must not change when threads are on: sgemm results are
// bit-identical for every thread count, and so is training.
//
// The whole suite can also run threaded: CONVPAD_TEST_THREADS=N in the environment (natively), or the
// compile-time default CONVPAD_TEST_THREADS_DEFAULT (the threaded wasm build sets it, since node's
// environment does not reach an Emscripten program), makes every test run with N threads.
#define CATCH_CONFIG_EXTERNAL_INTERFACES  // Catch's listener interface (tests/main.cpp has the runner)
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "data/dataset.h"
#include "engine/rng.h"
#include "kernels/gemm.h"
#include "kernels/gemm_internal.h"
#include "kernels/parallel.h"
#include "train/trainer.h"
#include "test_data_helpers.h"

#ifndef CONVPAD_TEST_THREADS_DEFAULT
#define CONVPAD_TEST_THREADS_DEFAULT 1
#endif

using namespace convpad;

namespace {

int g_suite_threads = 1;  // what every test starts (and must end) with

struct SuiteThreads : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    void testRunStarting(Catch::TestRunInfo const&) override {
        int n = CONVPAD_TEST_THREADS_DEFAULT;
        if (const char* env = std::getenv("CONVPAD_TEST_THREADS")) n = std::atoi(env);
        set_num_threads(n);
        g_suite_threads = num_threads();
        if (g_suite_threads > 1) std::fprintf(stderr, "convpad_tests: %d threads\n", g_suite_threads);
    }
};

// Sets the thread count for one scope and restores the suite's afterwards (also when a REQUIRE throws).
struct ScopedThreads {
    explicit ScopedThreads(int n) { set_num_threads(n); }
    ~ScopedThreads() { set_num_threads(g_suite_threads); }
};

std::vector<int> thread_counts() {
    if (!threads_supported()) return {1};
    return {1, 2, 3, 4};
}

}  // namespace

CATCH_REGISTER_LISTENER(SuiteThreads)

// [SECTION] Pool

TEST_CASE("parallel_for_parts covers every index exactly once with fixed ranges", "[parallel]") {
    const int counts[] = {0, 1, 2, 3, 5, 7, 8, 64, 100, 1000, 4097, 10007};
    const int parts_list[] = {1, 2, 3, 4, 5, 16, 63, kMaxParts + 5};
    for (int threads : {1, 2, 3, 4, 7}) {
        ScopedThreads scoped(threads);
        CHECK(num_threads() == (threads_supported() ? threads : 1));
        for (int count : counts)
            for (int parts : parts_list) {
                std::vector<std::atomic<int>> hits(std::size_t(std::max(count, 1)));
                for (auto& h : hits) h.store(0);
                std::mutex mutex;
                std::vector<std::pair<int, int>> ranges;
                parallel_for_parts(count, parts, [&](int begin, int end) {
                    for (int i = begin; i < end; ++i) hits[std::size_t(i)].fetch_add(1);
                    std::lock_guard<std::mutex> lock(mutex);
                    ranges.emplace_back(begin, end);
                });
                int bad = 0;
                for (int i = 0; i < count; ++i) bad += hits[std::size_t(i)].load() != 1;
                INFO("threads " << threads << " count " << count << " parts " << parts);
                CHECK(bad == 0);
                // The ranges are exactly part_begin's, whatever the thread count.
                const int want_parts = count == 0 ? 0 : std::min({count, parts, kMaxParts});
                std::vector<std::pair<int, int>> want;
                for (int p = 0; p < want_parts; ++p)
                    want.emplace_back(part_begin(count, want_parts, p), part_begin(count, want_parts, p + 1));
                std::sort(ranges.begin(), ranges.end());
                CHECK(ranges == want);
            }
    }
}

TEST_CASE("parallel_for uses one range per thread", "[parallel]") {
    for (int threads : thread_counts()) {
        ScopedThreads scoped(threads);
        for (int count : {1, 2, 3, 10, 999}) {
            std::atomic<int> calls{0}, covered{0};
            parallel_for(count, [&](int begin, int end) {
                calls.fetch_add(1);
                covered.fetch_add(end - begin);
            });
            CHECK(calls.load() == std::min(count, threads));
            CHECK(covered.load() == count);
        }
    }
}

TEST_CASE("parallel_for really runs ranges concurrently", "[parallel]") {
    if (!threads_supported()) return;
    ScopedThreads scoped(2);
    // Each of the two ranges waits until the other has started: only two threads at once get past it.
    // (A pool that ran everything on the caller would time out here.)
    std::atomic<int> started{0};
    std::atomic<bool> timed_out{false};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int round = 0; round < 50 && !timed_out.load(); ++round) {
        started.store(0);
        parallel_for_parts(2, 2, [&](int, int) {
            started.fetch_add(1);
            while (started.load() < 2 && !timed_out.load())
                if (std::chrono::steady_clock::now() > deadline) timed_out.store(true);
        });
    }
    CHECK_FALSE(timed_out.load());
}

TEST_CASE("nested parallel_for runs inline with the same ranges", "[parallel]") {
    for (int threads : thread_counts()) {
        ScopedThreads scoped(threads);
        std::vector<std::atomic<int>> hits(40 * 30);
        for (auto& h : hits) h.store(0);
        parallel_for_parts(40, 7, [&](int b0, int e0) {
            for (int i = b0; i < e0; ++i)
                parallel_for_parts(30, 4, [&](int b1, int e1) {
                    for (int j = b1; j < e1; ++j) hits[std::size_t(i) * 30 + j].fetch_add(1);
                });
        });
        int bad = 0;
        for (auto& h : hits) bad += h.load() != 1;
        CHECK(bad == 0);
    }
}

TEST_CASE("an exception on the calling thread waits for the workers, then propagates", "[parallel]") {
    for (int threads : thread_counts()) {
        ScopedThreads scoped(threads);
        const auto caller = std::this_thread::get_id();
        // Worker parts hold on until the caller has thrown, so some are still running when it unwinds; the
        // caller gets a part at the latest when every worker is holding one.
        std::atomic<bool> thrown{false};
        std::atomic<int> started{0}, finished{0};
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        CHECK_THROWS_AS(parallel_for_parts(64, 64,
                                           [&](int, int) {
                                               if (std::this_thread::get_id() == caller) {
                                                   thrown.store(true);
                                                   throw std::runtime_error("part failed");
                                               }
                                               started.fetch_add(1);
                                               while (!thrown.load() && std::chrono::steady_clock::now() < deadline) {
                                               }
                                               std::this_thread::sleep_for(std::chrono::milliseconds(1));
                                               finished.fetch_add(1);
                                           }),
                        std::runtime_error);
        CHECK(finished.load() == started.load());  // nothing still running once parallel_for returned
        CHECK(std::chrono::steady_clock::now() < deadline);
        // The pool still works afterwards.
        std::atomic<int> covered{0};
        parallel_for_parts(100, 10, [&](int b, int e) { covered.fetch_add(e - b); });
        CHECK(covered.load() == 100);
    }
}

TEST_CASE("set_num_threads clamps its argument", "[parallel]") {
    ScopedThreads scoped(0);
    CHECK(num_threads() == 1);
    set_num_threads(-5);
    CHECK(num_threads() == 1);
#ifndef __EMSCRIPTEN__  // 63 more wasm workers would each load the whole module: only natively
    set_num_threads(kMaxThreads + 100);
    CHECK(num_threads() == kMaxThreads);
#endif
    set_num_threads(1);
    CHECK(num_threads() == 1);
    CHECK(hardware_threads() >= 1);
}

// [SECTION] sgemm

namespace {

struct GemmCase {
    Trans ta, tb;
    int M, N, K;
    float alpha, beta;
    int pad;  // extra leading dimension of A, B and C
};

// C computed with `threads` threads; the padding of C must keep its sentinel.
std::vector<float> run_gemm(GemmPath path, const GemmCase& c, const std::vector<float>& A, const std::vector<float>& B,
                            const std::vector<float>& C0, int threads) {
    ScopedThreads scoped(threads);
    const int lda = (c.ta == Trans::No ? c.K : c.M) + c.pad;
    const int ldb = (c.tb == Trans::No ? c.N : c.K) + c.pad;
    std::vector<float> C = C0;
    sgemm_with_path(path, c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(),
                    c.N + c.pad);
    return C;
}

// Lets every product with two tiles be split, however small (sgemm's size threshold off) for a scope.
struct SplitEverything {
    double previous = sgemm_set_min_flops_per_thread(0.0);
    ~SplitEverything() { sgemm_set_min_flops_per_thread(previous); }
};

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("sgemm is bit-identical for 1, 2, 3 and 4 threads", "[parallel][gemm]") {
    std::vector<GemmCase> cases = {
        // The seed CNN's products at batch 64 (bench_gemm's shapes), big enough to be split.
        {Trans::No, Trans::No, 32, 676 * 64, 9, 1.0f, 0.0f, 0},      // conv1 fwd
        {Trans::No, Trans::Yes, 32, 9, 676 * 64, 1.0f, 0.0f, 0},     // conv1 wgrad (narrow C, transposed)
        {Trans::No, Trans::No, 64, 121 * 64, 288, 1.0f, 0.0f, 0},    // conv2 fwd
        {Trans::No, Trans::Yes, 64, 288, 121 * 64, 1.0f, 0.0f, 0},   // conv2 wgrad: K > KC, shared A
        {Trans::Yes, Trans::No, 288, 121 * 64, 64, 1.0f, 0.0f, 0},   // conv2 dgrad: M > MC
        {Trans::Yes, Trans::No, 288, 121, 64, 1.0f, 0.0f, 0},        // one image's dgrad
        {Trans::Yes, Trans::No, 128, 1600, 64, 1.0f, 1.0f, 0},       // dense1 wgrad, accumulating
        {Trans::No, Trans::Yes, 64, 128, 1600, 1.0f, 0.0f, 0},       // dense1 fwd
        // Split over M (N has fewer panels than threads), with tails on every side.
        {Trans::No, Trans::No, 301, 17, 700, 0.5f, 0.0f, 3},
        {Trans::Yes, Trans::Yes, 515, 20, 333, 1.0f, -0.5f, 0},
        // Across every cache block, tails everywhere.
        {Trans::No, Trans::No, 150, 1050, 530, 0.75f, 0.5f, 2},
        {Trans::Yes, Trans::Yes, 151, 1049, 531, 1.0f, 0.0f, 1},
    };
    const int small[] = {1, 2, 5, 7, 13, 17, 33};  // tails of MR (4, 6) and NR (8, 16), split anyway
    for (int M : small)
        for (int N : small)
            for (int K : {1, 5, 70})
                cases.push_back({(M + K) % 2 ? Trans::Yes : Trans::No, (N + K) % 3 ? Trans::No : Trans::Yes, M, N,
                                 K, 1.0f, M % 3 ? 0.0f : 0.5f, (M + N) % 2});
    Rng shape_rng(4242);  // random shapes and transposes
    for (int i = 0; i < 24; ++i) {
        GemmCase c;
        c.ta = shape_rng.below(2) ? Trans::Yes : Trans::No;
        c.tb = shape_rng.below(2) ? Trans::Yes : Trans::No;
        c.M = 1 + int(shape_rng.below(260));
        c.N = 1 + int(shape_rng.below(700));
        c.K = 1 + int(shape_rng.below(600));
        c.alpha = shape_rng.below(2) ? 1.0f : -0.75f;
        c.beta = shape_rng.below(3) == 0 ? 0.5f : 0.0f;
        c.pad = int(shape_rng.below(3));
        cases.push_back(c);
    }

    std::vector<GemmPath> paths = {GemmPath::F32x4};
    if (sgemm_path_available(GemmPath::Avx2Fma)) paths.push_back(GemmPath::Avx2Fma);
    SplitEverything split;
    std::uint64_t seed = 1;
    for (GemmPath path : paths)
        for (const GemmCase& c : cases) {
            Rng rng(seed++);
            const int a_rows = c.ta == Trans::No ? c.M : c.K, a_cols = c.ta == Trans::No ? c.K : c.M;
            const int b_rows = c.tb == Trans::No ? c.K : c.N, b_cols = c.tb == Trans::No ? c.N : c.K;
            std::vector<float> A(std::size_t(a_rows) * (a_cols + c.pad)), B(std::size_t(b_rows) * (b_cols + c.pad));
            std::vector<float> C0(std::size_t(c.M) * (c.N + c.pad), 12345.0f);  // padding sentinel
            for (float& x : A) x = rng.uniform() * 2.0f - 1.0f;
            for (float& x : B) x = rng.uniform() * 2.0f - 1.0f;
            for (int r = 0; r < c.M; ++r)
                for (int j = 0; j < c.N; ++j)
                    C0[std::size_t(r) * (c.N + c.pad) + j] =
                        c.beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : rng.uniform();
            const std::vector<float> one = run_gemm(path, c, A, B, C0, 1);
            for (int threads : thread_counts()) {
                INFO(sgemm_path_name(path) << " " << (c.ta == Trans::No ? "N" : "T") << (c.tb == Trans::No ? "N" : "T")
                                           << " M=" << c.M << " N=" << c.N << " K=" << c.K << " pad=" << c.pad
                                           << " threads=" << threads);
                CHECK(bit_identical(run_gemm(path, c, A, B, C0, threads), one));
            }
        }
}

// [SECTION] Training

TEST_CASE("training with 2 threads is bit-identical across runs and to 1 thread", "[parallel][train][e2e]") {
    if (!threads_supported()) return;  // one thread only: test_train.cpp's golden run covers it
    const TrainTestSets data = load_train_test(convpad_test::fashion_mnist_dir());
    const Dataset subset = convpad_test::first_images(data.train, 1024), val = convpad_test::first_images(data.test, 500);

    // The seed CNN, batch 64 (the products are big enough to be split), 2 epochs of 16 steps.
    auto run = [&](int threads) {
        ScopedThreads scoped(threads);
        return convpad_test::train_seed_cnn(subset, val, 2, 64, 77);
    };
    const auto a = run(2);
    const auto b = run(2);
    REQUIRE(a.losses.size() == 32);
    CHECK(a.losses.back() < a.losses.front());
    CHECK(a.losses == b.losses);
    CHECK(a.weights == b.weights);
    CHECK(a.last_epoch.val_loss == b.last_epoch.val_loss);
    // Every kernel splits its work so that each output is computed as one thread would: the thread count
    // changes nothing at all.
    const auto one = run(1);
    CHECK(one.losses == a.losses);
    CHECK(one.weights == a.weights);
}

TEST_CASE("batch norm, AdamW, one-cycle and label smoothing train bit-identically on 1 and 2 threads", "[parallel][train][e2e][bn]") {
    if (!threads_supported()) return;
    const TrainTestSets data = load_train_test(convpad_test::fashion_mnist_dir());
    const Dataset subset = convpad_test::first_images(data.train, 512), val = convpad_test::first_images(data.test, 200);
    TrainConfig config;
    config.optimizer.kind = "adamw";
    config.optimizer.weight_decay = 0.05f;
    config.schedule.kind = LrSchedule::OneCycle;
    config.label_smoothing = 0.1f;
    auto run = [&](int threads) {
        ScopedThreads scoped(threads);
        return convpad_test::train_seed_cnn(subset, val, 2, 64, 5,
                                            "conv8k3same-bn-relu-pool2-conv16k3same-bn-relu-gap-dense16-bn-relu-dense10", config);
    };
    const auto two = run(2), one = run(1);
    REQUIRE(two.losses.size() == 16);
    CHECK(two.losses.back() < two.losses.front());
    CHECK(one.losses == two.losses);
    CHECK(one.weights == two.weights);  // the running statistics included
    CHECK(one.last_epoch.val_loss == two.last_epoch.val_loss);
}
