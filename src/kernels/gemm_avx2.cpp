// AVX2+FMA micro-kernel for the packed sgemm in gemm.cpp.
//
// This file is compiled with -mavx2 -mfma (see CMakeLists.txt) and is only ever entered through
// gemm_micro_avx2_6x16(), which gemm.cpp calls after __builtin_cpu_supports("avx2") && ("fma").
// Keep it that way: no static initialisers, no templates or inline functions shared with other files
// (std:: helpers included), because an out-of-line copy compiled here could be picked by the linker for
// callers on a CPU without AVX2.
#include "kernels/gemm_internal.h"

#if (defined(__x86_64__) || defined(_M_X64)) && !defined(__EMSCRIPTEN__)

#if !defined(__AVX2__) || !defined(__FMA__)
#error "gemm_avx2.cpp must be compiled with -mavx2 -mfma (set in CMakeLists.txt for x86-64)"
#endif

#include <immintrin.h>

namespace convpad {

// 6x16 tile: 12 ymm accumulators + 2 ymm of B + 1 broadcast of A = 15 of the 16 ymm registers.
// Per k: 2 loads of B, 6 broadcasts of A, 12 FMAs (192 flops) — enough independent FMA chains
// (12 >= 2 pipes x 4 cycles latency) to keep both FMA units busy.
//
// Scalar equivalent:
//   for k < kc: for i < 6: for j < 16: acc[i][j] += Ap[k*6 + i] * Bp[k*16 + j];
//   C[i*ldc + j] = alpha * acc[i][j] + beta * C[i*ldc + j]   (i < m, j < n; beta == 0: C not read)
void gemm_micro_avx2_6x16(int kc, const float* Ap, const float* Bp, float alpha, float beta,
                          float* C, int ldc, int m, int n) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

    for (int k = 0; k < kc; ++k) {
        const __m256 b0 = _mm256_loadu_ps(Bp);
        const __m256 b1 = _mm256_loadu_ps(Bp + 8);
        __m256 a;
        a = _mm256_broadcast_ss(Ap + 0);
        c00 = _mm256_fmadd_ps(a, b0, c00);
        c01 = _mm256_fmadd_ps(a, b1, c01);
        a = _mm256_broadcast_ss(Ap + 1);
        c10 = _mm256_fmadd_ps(a, b0, c10);
        c11 = _mm256_fmadd_ps(a, b1, c11);
        a = _mm256_broadcast_ss(Ap + 2);
        c20 = _mm256_fmadd_ps(a, b0, c20);
        c21 = _mm256_fmadd_ps(a, b1, c21);
        a = _mm256_broadcast_ss(Ap + 3);
        c30 = _mm256_fmadd_ps(a, b0, c30);
        c31 = _mm256_fmadd_ps(a, b1, c31);
        a = _mm256_broadcast_ss(Ap + 4);
        c40 = _mm256_fmadd_ps(a, b0, c40);
        c41 = _mm256_fmadd_ps(a, b1, c41);
        a = _mm256_broadcast_ss(Ap + 5);
        c50 = _mm256_fmadd_ps(a, b0, c50);
        c51 = _mm256_fmadd_ps(a, b1, c51);
        Ap += 6;
        Bp += 16;
    }

    const __m256 acc[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    const __m256 va = _mm256_set1_ps(alpha);
    if (m == 6 && n == 16) {
        if (beta == 0.0f) {
            for (int i = 0; i < 6; ++i) {
                _mm256_storeu_ps(C + i * ldc, _mm256_mul_ps(va, acc[i][0]));
                _mm256_storeu_ps(C + i * ldc + 8, _mm256_mul_ps(va, acc[i][1]));
            }
        } else {
            const __m256 vb = _mm256_set1_ps(beta);
            for (int i = 0; i < 6; ++i) {
                float* c = C + i * ldc;
                _mm256_storeu_ps(c, _mm256_fmadd_ps(va, acc[i][0], _mm256_mul_ps(vb, _mm256_loadu_ps(c))));
                _mm256_storeu_ps(c + 8, _mm256_fmadd_ps(va, acc[i][1], _mm256_mul_ps(vb, _mm256_loadu_ps(c + 8))));
            }
        }
        return;
    }
    // Edge tile: spill the whole register tile, write back only the valid m x n corner.
    alignas(32) float tile[6 * 16];
    for (int i = 0; i < 6; ++i) {
        _mm256_store_ps(tile + i * 16, _mm256_mul_ps(va, acc[i][0]));
        _mm256_store_ps(tile + i * 16 + 8, _mm256_mul_ps(va, acc[i][1]));
    }
    for (int i = 0; i < m; ++i) {
        float* c = C + i * ldc;
        if (beta == 0.0f) {
            for (int j = 0; j < n; ++j) c[j] = tile[i * 16 + j];
        } else {
            for (int j = 0; j < n; ++j) c[j] = tile[i * 16 + j] + beta * c[j];
        }
    }
}

}  // namespace convpad

#endif
