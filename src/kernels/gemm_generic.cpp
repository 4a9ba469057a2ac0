#include "kernels/gemm.h"

namespace convpad {

void sgemm_generic(Trans ta, Trans tb, int M, int N, int K, float alpha,
                   const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc) {
    for (int i = 0; i < M; ++i) {
        for (int j = 0; j < N; ++j) {
            double acc = 0.0;
            for (int k = 0; k < K; ++k) {
                float a = ta == Trans::No ? A[i * lda + k] : A[k * lda + i];
                float b = tb == Trans::No ? B[k * ldb + j] : B[j * ldb + k];
                acc += double(a) * double(b);
            }
            float prev = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
            C[i * ldc + j] = float(alpha * acc) + prev;
        }
    }
}

}  // namespace convpad
