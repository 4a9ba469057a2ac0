// The training step allocates nothing once its buffers have grown: a browser tab that trains
// for minutes must not churn the heap. Counts calls of the global operator new, replaced here for the
// whole test program (it only counts, then calls malloc).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "data/dataset.h"
#include "train/trainer.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

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
