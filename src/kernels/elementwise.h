// Element-wise and row/column kernels of the layers and optimizers: ReLU, bias, dropout, Adam, SGD.
//
// Each kernel has a SIMD version (simd.h's F32x4: wasm SIMD128, SSE2, or scalar) and a plain scalar
// `*_generic` reference beside it, in ggml's style; tests/test_kernels.cpp compares the two on random
// data with sizes that hit every tail. Where a SIMD version computes exactly the same operations in the
// same order per element (everything except the sums), its results equal the reference bit for bit.
#pragma once
#include <cstddef>

namespace convpad {

// [SECTION] ReLU
// x, y: (count). y = x > 0 ? x : 0 (NaN and -0 give +0). y may equal x.
void relu_forward(const float* x, float* y, std::size_t count);
void relu_forward_generic(const float* x, float* y, std::size_t count);
// y: the forward output, dy, dx: (count). dx = y > 0 ? dy : 0 (the kink at 0 takes gradient 0). dx may equal dy.
void relu_backward(const float* y, const float* dy, float* dx, std::size_t count);
void relu_backward_generic(const float* y, const float* dy, float* dx, std::size_t count);

// [SECTION] Bias
// y: (rows, cols)  bias: (rows).  y[r][c] += bias[r]     (convolution: one bias per channel plane)
void add_bias_rows(float* y, const float* bias, int rows, int cols);
void add_bias_rows_generic(float* y, const float* bias, int rows, int cols);
// y: (rows, cols)  bias: (rows).  y[r][c] = max(y[r][c] + bias[r], 0), as relu_forward does it
// (convolution followed by a ReLU, applied while the image's output is still in cache)
void add_bias_relu_rows(float* y, const float* bias, int rows, int cols);
void add_bias_relu_rows_generic(float* y, const float* bias, int rows, int cols);
// y: (rows, cols)  bias: (cols).  y[r][c] += bias[c]     (dense: one bias per unit)
void add_bias_cols(float* y, const float* bias, int rows, int cols);
void add_bias_cols_generic(float* y, const float* bias, int rows, int cols);
// x: (rows, cols)  sums: (rows).  sums[r] += sum_c x[r][c]  (convolution bias gradient, image by image)
void accumulate_row_sums(const float* x, int rows, int cols, float* sums);
void accumulate_row_sums_generic(const float* x, int rows, int cols, float* sums);
// x: (rows, cols)  sums: (cols).  sums[c] = sum_r x[r][c]   (dense bias gradient)
void column_sums(const float* x, int rows, int cols, float* sums);
void column_sums_generic(const float* x, int rows, int cols, float* sums);

// [SECTION] Dropout
// y = a * b element-wise (count), applying a dropout mask of 0 / 1/(1-rate). y may equal a or b.
void multiply(const float* a, const float* b, float* y, std::size_t count);
void multiply_generic(const float* a, const float* b, float* y, std::size_t count);

// [SECTION] Optimizers
struct AdamStep {
    float beta1, beta2, one_minus_beta1, one_minus_beta2;
    float step_size;    // learning_rate / (1 - beta1^t)
    float inv_sqrt_c2;  // 1 / sqrt(1 - beta2^t)
    float epsilon;
};
// p, g, m, v: (count).  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g g;  p -= step m / (sqrt(v) inv_sqrt_c2 + eps)
void adam_update(float* p, const float* g, float* m, float* v, std::size_t count, const AdamStep& s);
void adam_update_generic(float* p, const float* g, float* m, float* v, std::size_t count, const AdamStep& s);
// p, g, velocity: (count).  velocity = momentum velocity + g;  p -= lr velocity
void sgd_momentum_update(float* p, const float* g, float* velocity, std::size_t count, float momentum, float lr);
void sgd_momentum_update_generic(float* p, const float* g, float* velocity, std::size_t count, float momentum,
                                 float lr);

}  // namespace convpad
