// Single-precision matrix multiply, the kernel under Conv2D and Dense.
//
//   C (M x N) = alpha * op(A) (M x K) * op(B) (K x N) + beta * C
//
// Row-major, leading dimensions in elements. op(X) is X or X^T.
// beta == 0 overwrites C without reading it (C may hold garbage/NaN).
#pragma once

namespace convpad {

enum class Trans { No, Yes };

// Fastest path for this build (wasm SIMD128, or AVX2/FMA chosen at run time, else SSE2 baseline).
void sgemm(Trans ta, Trans tb, int M, int N, int K, float alpha,
           const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc);

// Plain triple loop in double accumulation: the reference the fast path is tested against.
void sgemm_generic(Trans ta, Trans tb, int M, int N, int K, float alpha,
                   const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc);

// Call before a parallel_for whose parts call sgemm with this shape (e.g. one GEMM per image, images split
// over threads): grows the packing buffers of every thread index for it, so those calls allocate nothing.
// Such calls run single-threaded (their caller is already parallel) and give the same result as any other.
// Call from the thread that dispatches, outside any parallel_for.
void sgemm_reserve_parts(Trans ta, Trans tb, int M, int N, int K);

// Name of the path sgemm() takes on this machine, for benchmarks and the UI ("wasm-simd128", "avx2-fma", ...).
const char* sgemm_backend();

}  // namespace convpad
