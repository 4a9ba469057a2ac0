// The training step allocates nothing once its buffers have grown: a browser tab that trains
// for minutes must not churn the heap; and the memory estimate that refuses runs too big for the tab
// covers what a run really takes. Counts calls and live bytes of the global operator new, replaced here
// for the whole test program (it counts, then calls malloc with room for the size in front).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "data/dataset.h"
#include "kernels/parallel.h"
#include "session_helpers.h"
#include "train/memory_estimate.h"
#include "train/trainer.h"

namespace {
std::atomic<long> g_allocations{0};
std::atomic<std::size_t> g_live_bytes{0}, g_peak_bytes{0};
std::atomic<std::size_t> g_refuse_above{SIZE_MAX};  // a larger allocation throws std::bad_alloc, as a full heap does
constexpr std::size_t kHeader = 16;  // keeps the 16-byte alignment operator new promises
}  // namespace

void* operator new(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (size > g_refuse_above.load()) throw std::bad_alloc();
    void* raw = std::malloc(size + kHeader);
    if (!raw) throw std::bad_alloc();
    *static_cast<std::size_t*>(raw) = size;
    const std::size_t live = g_live_bytes.fetch_add(size) + size;
    std::size_t peak = g_peak_bytes.load();
    while (live > peak && !g_peak_bytes.compare_exchange_weak(peak, live)) {
    }
    return static_cast<char*>(raw) + kHeader;
}
void operator delete(void* p) noexcept {
    if (!p) return;
    char* raw = static_cast<char*>(p) - kHeader;
    g_live_bytes.fetch_sub(*reinterpret_cast<std::size_t*>(raw));
    std::free(raw);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

using namespace convpad;

TEST_CASE("a training step allocates nothing after the first batches", "[train][alloc]") {
    Rng rng(8);
    Dataset train, none;
    train.images.resize(std::size_t(640) * kImagePixels);
    train.labels.resize(640);
    for (float& p : train.images) p = rng.uniform();
    for (auto& l : train.labels) l = std::uint8_t(rng.below(kNumClasses));
    for (const char* optimizer : {"adam", "sgd"}) {
        Model model(kDefaultArch, 3);
        TrainConfig config;
        config.batch_size = 32;  // 20 steps per epoch: the steps counted below stay inside epoch 1
        config.optimizer.kind = optimizer;
        Trainer trainer(model, train, none, config);
        for (int i = 0; i < 4; ++i) trainer.advance();  // buffers grow during the first batches
        const long before = g_allocations.load();
        for (int i = 0; i < 8; ++i) trainer.advance();
        const long allocations = g_allocations.load() - before;  // read before INFO, which allocates
        INFO(optimizer);
        CHECK(allocations == 0);
        CHECK(trainer.step() < trainer.steps_per_epoch());
    }
}

TEST_CASE("the memory estimate covers a run's measured peak, and at most twice over", "[train][alloc]") {
    struct Case {
        const char* arch;
        int batch;
    };
    const Case cases[] = {{kDefaultArch, 64},
                          {kBestArch, 32},
                          {"conv256k3same-relu-gap-dense10", 16},
                          {"flatten-dense256-relu-drop0.3-dense10", 128}};
    Rng rng(9);
    for (const Case& c : cases) {
        RunSettings settings;
        settings.arch = c.arch;
        settings.batch_size = c.batch;
        settings.dropout = -1;
        Dataset train, val;
        train.images.resize(std::size_t(2 * c.batch) * kImagePixels);
        train.labels.resize(std::size_t(2 * c.batch));
        val.images.resize(std::size_t(64) * kImagePixels);
        val.labels.resize(64);
        for (float& p : train.images) p = rng.uniform();
        for (auto& l : train.labels) l = std::uint8_t(rng.below(kNumClasses));
        for (float& p : val.images) p = rng.uniform();
        for (auto& l : val.labels) l = std::uint8_t(rng.below(kNumClasses));

        const std::size_t before = g_live_bytes.load();
        g_peak_bytes.store(before);
        {
            Model model(run_arch(settings), 5);
            Trainer trainer(model, train, val, train_config(settings));
            for (int i = 0; i < 6; ++i) trainer.advance();  // two steps, validation, the next epoch's first step
            CHECK(trainer.epoch() >= 2);
        }
        const std::size_t measured = g_peak_bytes.load() - before;
        const std::uint64_t estimate = estimate_training_memory(settings, dataset_info(DatasetId::Fashion), num_threads()).total();
        INFO(c.arch << " batch " << c.batch << ": estimate " << estimate << " bytes, measured peak " << measured);
        CHECK(estimate >= measured);
        CHECK(estimate <= 2 * measured);
    }
}

// A heap that has no room for more than `limit` bytes at once, while it lives.
struct FullHeap {
    explicit FullHeap(std::size_t limit) { g_refuse_above.store(limit); }
    ~FullHeap() { g_refuse_above.store(SIZE_MAX); }
};

// After a failure: the evaluation just run covered the 100 test images, and a new run trains.
static void check_evaluated_then_trains(Session& session) {
    REQUIRE(session.last_evaluation() != nullptr);
    CHECK(session.last_evaluation()->total == 100);
    session.start_training(convpad_test::tiny_settings());
    CHECK(session.work(5.0));
    CHECK_FALSE(session.losses().empty());
}

TEST_CASE("session: a training step that runs out of memory ends that run alone", "[session][alloc]") {
    using Catch::Matchers::Contains;
    Session session(DatasetId::Fashion, convpad_test::kTinyArch);
    convpad_test::load_bars(session, 400, 100);
    session.start_training(convpad_test::tiny_settings());
    bool busy;
    {
        FullHeap full(64 * 1024);  // the first step's activations (32 images) need more
        busy = session.work(5.0);
    }
    CHECK_FALSE(busy);
    const RunStatus stopped = session.status();
    CHECK(stopped.phase == Phase::Idle);
    CHECK(stopped.has_run);
    CHECK_THAT(stopped.failure, Contains("training stopped: out of memory"));
    CHECK(session.losses().empty());

    // The session goes on: it evaluates, and the next run trains; a command clears the failure.
    session.start_evaluation();
    CHECK(session.status().failure.empty());
    while (session.work(5.0)) {
    }
    check_evaluated_then_trains(session);
}

TEST_CASE("session: an evaluation whose buffers do not fit is refused, and the session goes on", "[session][alloc]") {
    // The evaluator takes all its memory when it starts (its chunks then allocate nothing), so a full heap
    // refuses the command itself, which the engine answers with an error.
    Session session(DatasetId::Fashion, convpad_test::kTinyArch);
    convpad_test::load_bars(session, 400, 100);
    {
        FullHeap full(1024);
        CHECK_THROWS_AS(session.start_evaluation(), std::bad_alloc);
    }
    CHECK(session.status().phase == Phase::Idle);
    CHECK_FALSE(session.work(5.0));
    CHECK(session.last_evaluation() == nullptr);

    session.start_evaluation();
    CHECK(session.status().phase == Phase::Evaluating);
    {
        FullHeap full(1024);  // nothing more is needed once it runs
        while (session.work(5.0)) {
        }
    }
    check_evaluated_then_trains(session);
}
