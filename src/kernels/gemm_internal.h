// Internals of the packed sgemm, shared by gemm.cpp, gemm_avx2.cpp, tests/test_gemm.cpp and
// tools/bench/native/bench_gemm.cpp. Engine code calls only sgemm() from gemm.h.
#pragma once
#include "kernels/gemm.h"

namespace convpad {

// The code paths sgemm() can take. Auto picks the fastest one this machine supports.
enum class GemmPath {
    Auto,
    F32x4,     // packed, micro-kernel on simd.h's F32x4: wasm SIMD128, SSE2 on x86-64, scalar elsewhere
    Avx2Fma,   // packed, 6x16 AVX2+FMA micro-kernel (x86-64 only, chosen at run time)
};

bool sgemm_path_available(GemmPath path);
const char* sgemm_path_name(GemmPath path);

// sgemm() forced onto one path (tests and benchmarks exercise both native paths on an AVX2 machine).
// Falls back to Auto if `path` is not available here.
void sgemm_with_path(GemmPath path, Trans ta, Trans tb, int M, int N, int K, float alpha,
                     const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc);

// Threads: sgemm() splits a product only if it has at least this many flops (2*M*N*K) per thread it would use.
// The default was measured with bench_gemm --threshold; benchmarks and tests may change it (0 splits every
// product that has two tiles). Returns the previous value. Not to be changed while sgemm runs elsewhere.
double sgemm_set_min_flops_per_thread(double flops);

// A micro-kernel computes one MR x NR tile of C from packed panels:
//   Ap: (kc, MR)  Ap[k*MR + i] = op(A)(i, k)      Bp: (kc, NR)  Bp[k*NR + j] = op(B)(k, j)
//   C[i*ldc + j] = alpha * sum_k Ap[k*MR + i] * Bp[k*NR + j] + beta * C[i*ldc + j]   for i < m, j < n
// Panels are zero-padded to MR/NR; only the valid m x n corner of C is touched. beta == 0 never reads C.
using GemmMicroKernel = void (*)(int kc, const float* Ap, const float* Bp, float alpha, float beta,
                                 float* C, int ldc, int m, int n);

#if defined(__x86_64__) || defined(_M_X64)
// Defined in gemm_avx2.cpp (compiled with -mavx2 -mfma): call only after checking the CPU.
constexpr int kAvx2MR = 6, kAvx2NR = 16;
void gemm_micro_avx2_6x16(int kc, const float* Ap, const float* Bp, float alpha, float beta,
                          float* C, int ldc, int m, int n);
#endif

}  // namespace convpad
