// A small persistent worker pool and a deterministic parallel_for.
//
//   set_num_threads(2);                                   // opt in: the default is 1 (everything inline)
//   parallel_for(rows, [&](int begin, int end) { ... });  // [0, rows) in num_threads() ranges
//   parallel_for_parts(panels, 8, [&](int begin, int end) { ... });  // 8 ranges whatever the thread count
//
// Ranges are a fixed function of (count, parts): part p covers [part_begin(count, parts, p),
// part_begin(count, parts, p + 1)), so what a call of fn sees never depends on timing. Parts are claimed
// by whichever thread is free first (the caller included): results are deterministic as long as fn's
// result for a range does not depend on which thread runs it. Scratch space: thread_local buffers work but
// grow on whichever thread first gets a big part (possibly late); buffers per parallel_thread_index(),
// grown by the caller before it dispatches, allocate at predictable times (see gemm.cpp's BlockBuffers).
//
// Threads exist natively and in Emscripten builds compiled with -pthread (__EMSCRIPTEN_PTHREADS__). In a
// single-thread wasm build (a page that is not cross-origin isolated) num_threads() is a constant 1 and
// parallel_for(count, fn) is an inline call of fn(0, count).
//
// Cost: a dispatch allocates nothing; a polling worker picks a job up in ~0.3 us, one that slept in
// 10-60 us (natively; `bench_gemm --dispatch`). Workers poll for ~100 us after a job (yielding the core
// after the first ~2 us), then sleep on a condition variable.
#pragma once
#include <type_traits>

#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define CONVPAD_HAVE_THREADS 1
#else
#define CONVPAD_HAVE_THREADS 0
#endif

namespace convpad {

// Most threads set_num_threads() accepts (more than the cores is allowed, e.g. for tests), and most parts
// one call splits into.
constexpr int kMaxThreads = 64;
constexpr int kMaxParts = 4096;

// Part p of `parts` (0 <= p <= parts) starts here; part parts - 1 ends at count.
inline int part_begin(int count, int parts, int p) { return int(static_cast<long long>(count) * p / parts); }

#if CONVPAD_HAVE_THREADS

// Threads the engine uses, the caller included; 1 (the default) runs everything on the calling thread.
// Clamped to [1, kMaxThreads]; starts or stops workers. Call from one thread at a time, never from inside
// fn. Emscripten: workers come from the pthread pool, so build with -sPTHREAD_POOL_SIZE >= n - 1 when
// the caller is the browser's main thread (a worker that has not started yet only means its share of the
// parts runs on the threads that have).
void set_num_threads(int n);
int num_threads();
constexpr bool threads_supported() { return true; }

// 0 on every thread that is not one of the pool's workers (the caller of parallel_for included), 1 ..
// num_threads() - 1 on the workers: inside one parallel_for, threads running parts at the same time have
// different indices below num_threads(). For scratch buffers the caller sets up per index beforehand.
int parallel_thread_index();

// True while this thread runs a part of a parallel_for (a worker, or the dispatching caller): a
// parallel_for started here runs inline, and sgemm takes its buffers from sgemm_reserve_parts's set.
bool in_parallel_part();

namespace detail {
using RangeFn = void (*)(void* ctx, int begin, int end);
void parallel_run(int count, int parts, RangeFn fn, void* ctx);  // 2 <= parts <= min(count, kMaxParts)
}  // namespace detail

#else  // single-thread build: no pool at all

inline void set_num_threads(int) {}
constexpr int num_threads() { return 1; }
constexpr bool threads_supported() { return false; }
constexpr int parallel_thread_index() { return 0; }
constexpr bool in_parallel_part() { return false; }

#endif

// Logical cores (navigator.hardwareConcurrency in a browser), at least 1; 1 in a single-thread build.
int hardware_threads();

// Calls fn(begin, end) for each of min(count, parts) contiguous ranges that together cover [0, count)
// exactly once, on up to num_threads() threads at once, and returns when all are done. The ranges depend
// only on count and parts, never on the thread count; more parts than threads balance the load when a
// core is busy elsewhere. fn must not throw. Inside another parallel_for (or while another thread is
// dispatching) the ranges run one after the other on the calling thread, split the same way.
template <class Fn>
void parallel_for_parts(int count, int parts, Fn&& fn) {
    if (count <= 0) return;
    if (parts > count) parts = count;
    if (parts > kMaxParts) parts = kMaxParts;
    if (parts <= 1) {
        fn(0, count);
        return;
    }
#if CONVPAD_HAVE_THREADS
    if (num_threads() > 1) {
        using F = typename std::remove_reference<Fn>::type;
        detail::parallel_run(count, parts, [](void* ctx, int b, int e) { (*static_cast<F*>(ctx))(b, e); },
                             const_cast<void*>(static_cast<const void*>(&fn)));
        return;
    }
#endif
    for (int p = 0; p < parts; ++p) fn(part_begin(count, parts, p), part_begin(count, parts, p + 1));
}

// One part per thread: fn(0, count) when num_threads() == 1. The ranges change with the thread count, so
// for results identical across thread counts fn must treat each index independently (no running sums).
template <class Fn>
void parallel_for(int count, Fn&& fn) {
    parallel_for_parts(count, num_threads(), static_cast<Fn&&>(fn));
}

}  // namespace convpad
