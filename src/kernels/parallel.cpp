// The worker pool behind parallel_for (see parallel.h).
//
// One dispatch publishes a job (fn, ctx, count) and then a 64-bit state word
//   generation (32 bits) | parts (16 bits) | next unclaimed part (16 bits)
// with a release store. Every participant, the caller included, claims parts by compare-and-swap on that
// word until none are left; the caller then waits until `done_` reaches `parts`. Because parts are claimed
// rather than assigned, the caller never waits for a sleeping worker to wake up: a late worker finds
// nothing left to do. Between jobs workers spin for kSpinMicros, then sleep on a condition variable
// (a futex natively, Atomics.wait in a wasm worker).
//
// The pool is created on first use and never destroyed: workers may outlive static destructors at exit,
// and a worker that has not started yet (a wasm worker still loading) can be abandoned instead of joined.
#include "kernels/parallel.h"

#include <thread>

namespace convpad {
int hardware_threads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : int(n);
}
}  // namespace convpad

#if CONVPAD_HAVE_THREADS

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
#include <immintrin.h>
#define CONVPAD_CPU_RELAX() _mm_pause()
#else
#define CONVPAD_CPU_RELAX() ((void)0)
#endif

namespace convpad {
namespace {

// How long an idle worker (or a caller waiting for the last parts) polls before it sleeps: long enough to
// bridge the serial glue between the GEMMs of one training step (a wake-up from sleep costs 10-60 us,
// bench_gemm --dispatch), short enough not to burn a shared core for long.
constexpr double kSpinMicros = 100.0;
// The first ~2 us poll with a pause only (a partner running on the other core answers within that); after
// that every poll yields the core, so on an oversubscribed machine a partner waiting for this core (or
// another program) runs instead of this loop.
constexpr int kPurePolls = 96;

double now_micros() {
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double, std::micro>(clock::now().time_since_epoch()).count();
}

// Calls `ready()` until it is true or about kSpinMicros pass; returns ready().
template <class Ready>
bool spin_until(Ready ready) {
    for (int i = 0; i < kPurePolls; ++i) {
        if (ready()) return true;
        CONVPAD_CPU_RELAX();
    }
    const double deadline = now_micros() + kSpinMicros;
    for (;;) {
        if (ready()) return true;
        std::this_thread::yield();
        if (now_micros() > deadline) return ready();
    }
}

constexpr std::uint64_t pack_state(std::uint32_t gen, int parts, int next) {
    return std::uint64_t(gen) << 32 | std::uint64_t(parts) << 16 | std::uint64_t(next);
}
constexpr std::uint32_t state_gen(std::uint64_t s) { return std::uint32_t(s >> 32); }
constexpr int state_parts(std::uint64_t s) { return int((s >> 16) & 0xffff); }
constexpr int state_next(std::uint64_t s) { return int(s & 0xffff); }

thread_local bool t_inside_pool = false;  // a worker thread, or a caller inside its own dispatch
thread_local int t_thread_index = 0;      // parallel_thread_index()

class Pool {
public:
    int threads() const { return threads_.load(std::memory_order_relaxed); }

    void resize(int threads);
    void run(int count, int parts, detail::RangeFn fn, void* ctx);

private:
    struct Worker {
        std::thread thread;
        std::atomic<bool> started{false};
        std::atomic<bool> stop{false};
        int index = 0;  // parallel_thread_index() of its thread: 1 + its position in workers_
    };

    void worker_main(Worker* self, std::uint32_t seen);
    bool claim(std::uint32_t gen, int& part, int& parts);
    void run_part(int part, int parts);
    void wait_done(int parts);

    std::atomic<int> threads_{1};
    std::vector<Worker*> workers_;  // threads_ - 1 of them; owned (joined and deleted on shrink)

    std::mutex dispatch_mutex_;  // one dispatch at a time; a second concurrent caller runs inline
    std::uint32_t gen_ = 0;      // written only under dispatch_mutex_

    // The current job: written by the caller before the release store of state_, read after a claim.
    detail::RangeFn fn_ = nullptr;
    void* ctx_ = nullptr;
    int count_ = 0;
    std::atomic<std::uint64_t> state_{0};
    std::atomic<int> done_{0};

    std::mutex sleep_mutex_;
    std::condition_variable wake_cv_;  // workers wait here for a new generation (or stop)
    std::condition_variable done_cv_;  // the caller waits here for the last part
    std::atomic<int> sleepers_{0};
};

Pool& pool() {
    static Pool* p = new Pool;  // never destroyed (see the top of the file)
    return *p;
}

void Pool::resize(int threads) {
    std::lock_guard<std::mutex> dispatch(dispatch_mutex_);
    const int want_workers = threads - 1;
    while (int(workers_.size()) > want_workers) {
        Worker* w = workers_.back();
        workers_.pop_back();
        {
            std::lock_guard<std::mutex> lock(sleep_mutex_);
            w->stop.store(true);
        }
        wake_cv_.notify_all();
        if (w->started.load()) {
            w->thread.join();
            delete w;
        } else {
            w->thread.detach();  // a wasm worker still loading: it sees `stop` when it starts; w leaks
        }
    }
    while (int(workers_.size()) < want_workers) {
        Worker* w = new Worker;
        w->index = int(workers_.size()) + 1;
        w->thread = std::thread([this, w, gen = gen_] { worker_main(w, gen); });
        workers_.push_back(w);
    }
    threads_.store(threads, std::memory_order_relaxed);
}

bool Pool::claim(std::uint32_t gen, int& part, int& parts) {
    std::uint64_t s = state_.load(std::memory_order_acquire);
    for (;;) {
        if (state_gen(s) != gen || state_next(s) >= state_parts(s)) return false;
        if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
            part = state_next(s);
            parts = state_parts(s);
            return true;
        }
    }
}

void Pool::run_part(int part, int parts) {
    fn_(ctx_, part_begin(count_, parts, part), part_begin(count_, parts, part + 1));
}

// `seen`: the last generation published before this worker was created; any later one is its business.
void Pool::worker_main(Worker* self, std::uint32_t seen) {
    t_inside_pool = true;  // a parallel_for inside fn runs inline
    t_thread_index = self->index;
    self->started.store(true);
    for (;;) {
        auto woken = [&] {
            return self->stop.load(std::memory_order_relaxed) ||
                   state_gen(state_.load(std::memory_order_acquire)) != seen;
        };
        if (!spin_until(woken)) {
            std::unique_lock<std::mutex> lock(sleep_mutex_);
            sleepers_.fetch_add(1);
            wake_cv_.wait(lock, woken);
            sleepers_.fetch_sub(1);
        }
        if (self->stop.load()) return;
        seen = state_gen(state_.load(std::memory_order_acquire));
        int part, parts;
        while (claim(seen, part, parts)) {
            run_part(part, parts);
            if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == parts) {
                std::lock_guard<std::mutex> lock(sleep_mutex_);  // the caller may be between check and wait
                done_cv_.notify_one();
            }
        }
    }
}

void Pool::wait_done(int parts) {
    auto all_done = [&] { return done_.load(std::memory_order_acquire) == parts; };
    if (spin_until(all_done)) return;
    std::unique_lock<std::mutex> lock(sleep_mutex_);
    done_cv_.wait(lock, all_done);
}

void Pool::run(int count, int parts, detail::RangeFn fn, void* ctx) {
    std::unique_lock<std::mutex> dispatch(dispatch_mutex_, std::try_to_lock);
    if (t_inside_pool || !dispatch.owns_lock() || workers_.empty()) {
        // Nested, concurrent, or no workers: the same ranges, one after the other, on this thread.
        for (int p = 0; p < parts; ++p) fn(ctx, part_begin(count, parts, p), part_begin(count, parts, p + 1));
        return;
    }
    fn_ = fn;
    ctx_ = ctx;
    count_ = count;
    done_.store(0, std::memory_order_relaxed);
    const std::uint32_t gen = ++gen_;
    state_.store(pack_state(gen, parts, 0));  // seq_cst: ordered before the sleepers_ load below
    if (sleepers_.load() > 0) {
        { std::lock_guard<std::mutex> lock(sleep_mutex_); }  // a worker between its check and its wait
        wake_cv_.notify_all();
    }

    t_inside_pool = true;
    int part, claimed_parts;
    try {
        while (claim(gen, part, claimed_parts)) {
            run_part(part, parts);
            done_.fetch_add(1, std::memory_order_acq_rel);
        }
    } catch (...) {  // workers still use fn and ctx: let them finish before unwinding
        done_.fetch_add(1, std::memory_order_acq_rel);
        while (claim(gen, part, claimed_parts)) done_.fetch_add(1, std::memory_order_acq_rel);
        wait_done(parts);
        t_inside_pool = false;
        throw;
    }
    wait_done(parts);
    t_inside_pool = false;
}

}  // namespace

void set_num_threads(int n) {
    n = n < 1 ? 1 : n > kMaxThreads ? kMaxThreads : n;
    if (t_inside_pool || n == pool().threads()) return;
    pool().resize(n);
}

int num_threads() { return pool().threads(); }

int parallel_thread_index() { return t_thread_index; }

bool in_parallel_part() { return t_inside_pool; }

namespace detail {
void parallel_run(int count, int parts, RangeFn fn, void* ctx) { pool().run(count, parts, fn, ctx); }
}  // namespace detail

}  // namespace convpad

#endif  // CONVPAD_HAVE_THREADS
