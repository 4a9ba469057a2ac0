#include "kernels/elementwise.h"

#include <cmath>

#include "kernels/simd.h"

namespace convpad {

// Every SIMD loop below does four lanes at a time and ends in a scalar "leftovers" loop with the same
// per-element expression as the *_generic reference.

// [SECTION] ReLU

void relu_forward_generic(const float* x, float* y, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void relu_forward(const float* x, float* y, std::size_t count) {
    std::size_t i = 0;
#if CONVPAD_HAVE_F32X4
    // A mask rather than max(): wasm's f32x4.max propagates NaN, the scalar comparison does not.
    const F32x4 zero = f32x4_zero();
    for (; i + 8 <= count; i += 8) {
        const F32x4 a = f32x4_load(x + i), b = f32x4_load(x + i + 4);
        f32x4_store(y + i, f32x4_and(f32x4_gt(a, zero), a));
        f32x4_store(y + i + 4, f32x4_and(f32x4_gt(b, zero), b));
    }
    for (; i + 4 <= count; i += 4) {
        const F32x4 a = f32x4_load(x + i);
        f32x4_store(y + i, f32x4_and(f32x4_gt(a, zero), a));
    }
#endif
    for (; i < count; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void relu_backward_generic(const float* y, const float* dy, float* dx, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

// The scalar loop does not vectorise on its own (the load of dy[i] is conditional) and branches on
// random signs: this is the kernel that gains most from SIMD.
void relu_backward(const float* y, const float* dy, float* dx, std::size_t count) {
    std::size_t i = 0;
#if CONVPAD_HAVE_F32X4
    const F32x4 zero = f32x4_zero();
    for (; i + 8 <= count; i += 8) {
        const F32x4 m0 = f32x4_gt(f32x4_load(y + i), zero), m1 = f32x4_gt(f32x4_load(y + i + 4), zero);
        f32x4_store(dx + i, f32x4_and(m0, f32x4_load(dy + i)));
        f32x4_store(dx + i + 4, f32x4_and(m1, f32x4_load(dy + i + 4)));
    }
    for (; i + 4 <= count; i += 4)
        f32x4_store(dx + i, f32x4_and(f32x4_gt(f32x4_load(y + i), zero), f32x4_load(dy + i)));
#endif
    for (; i < count; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

// [SECTION] Bias

void add_bias_rows_generic(float* y, const float* bias, int rows, int cols) {
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) y[std::size_t(r) * cols + c] += bias[r];
}

void add_bias_rows(float* y, const float* bias, int rows, int cols) {
    for (int r = 0; r < rows; ++r) {
        float* row = y + std::size_t(r) * cols;
        const float b = bias[r];
        int c = 0;
#if CONVPAD_HAVE_F32X4
        const F32x4 vb = f32x4_splat(b);
        for (; c + 4 <= cols; c += 4) f32x4_store(row + c, f32x4_add(f32x4_load(row + c), vb));
#endif
        for (; c < cols; ++c) row[c] += b;
    }
}

void add_bias_relu_rows_generic(float* y, const float* bias, int rows, int cols) {
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            const float v = y[std::size_t(r) * cols + c] + bias[r];
            y[std::size_t(r) * cols + c] = v > 0.0f ? v : 0.0f;
        }
}

void add_bias_relu_rows(float* y, const float* bias, int rows, int cols) {
    for (int r = 0; r < rows; ++r) {
        float* row = y + std::size_t(r) * cols;
        const float b = bias[r];
        int c = 0;
#if CONVPAD_HAVE_F32X4
        const F32x4 vb = f32x4_splat(b), zero = f32x4_zero();
        for (; c + 4 <= cols; c += 4) {
            const F32x4 v = f32x4_add(f32x4_load(row + c), vb);
            f32x4_store(row + c, f32x4_and(f32x4_gt(v, zero), v));
        }
#endif
        for (; c < cols; ++c) {
            const float v = row[c] + b;
            row[c] = v > 0.0f ? v : 0.0f;
        }
    }
}

void add_bias_cols_generic(float* y, const float* bias, int rows, int cols) {
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) y[std::size_t(r) * cols + c] += bias[c];
}

void add_bias_cols(float* y, const float* bias, int rows, int cols) {
    for (int r = 0; r < rows; ++r) {
        float* row = y + std::size_t(r) * cols;
        int c = 0;
#if CONVPAD_HAVE_F32X4
        for (; c + 4 <= cols; c += 4) f32x4_store(row + c, f32x4_add(f32x4_load(row + c), f32x4_load(bias + c)));
#endif
        for (; c < cols; ++c) row[c] += bias[c];
    }
}

void accumulate_row_sums_generic(const float* x, int rows, int cols, float* sums) {
    for (int r = 0; r < rows; ++r) {
        float sum = 0.0f;
        for (int c = 0; c < cols; ++c) sum += x[std::size_t(r) * cols + c];
        sums[r] += sum;
    }
}

// Sums in a different order from the reference (two vector accumulators, then the lanes): equal to it
// only up to rounding.
void accumulate_row_sums(const float* x, int rows, int cols, float* sums) {
    for (int r = 0; r < rows; ++r) {
        const float* row = x + std::size_t(r) * cols;
        float sum = 0.0f;
        int c = 0;
#if CONVPAD_HAVE_F32X4
        F32x4 s0 = f32x4_zero(), s1 = f32x4_zero();
        for (; c + 8 <= cols; c += 8) {
            s0 = f32x4_add(s0, f32x4_load(row + c));
            s1 = f32x4_add(s1, f32x4_load(row + c + 4));
        }
        if (c + 4 <= cols) {
            s0 = f32x4_add(s0, f32x4_load(row + c));
            c += 4;
        }
        sum = f32x4_reduce_add(f32x4_add(s0, s1));
#endif
        for (; c < cols; ++c) sum += row[c];
        sums[r] += sum;
    }
}

void column_sums_generic(const float* x, int rows, int cols, float* sums) {
    for (int c = 0; c < cols; ++c) sums[c] = 0.0f;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) sums[c] += x[std::size_t(r) * cols + c];
}

// Same order as the reference for every column (rows top to bottom), so the same bits.
void column_sums(const float* x, int rows, int cols, float* sums) {
    for (int c = 0; c < cols; ++c) sums[c] = 0.0f;
    for (int r = 0; r < rows; ++r) {
        const float* row = x + std::size_t(r) * cols;
        int c = 0;
#if CONVPAD_HAVE_F32X4
        for (; c + 4 <= cols; c += 4) f32x4_store(sums + c, f32x4_add(f32x4_load(sums + c), f32x4_load(row + c)));
#endif
        for (; c < cols; ++c) sums[c] += row[c];
    }
}

// [SECTION] Dropout

void multiply_generic(const float* a, const float* b, float* y, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) y[i] = a[i] * b[i];
}

void multiply(const float* a, const float* b, float* y, std::size_t count) {
    std::size_t i = 0;
#if CONVPAD_HAVE_F32X4
    for (; i + 4 <= count; i += 4) f32x4_store(y + i, f32x4_mul(f32x4_load(a + i), f32x4_load(b + i)));
#endif
    for (; i < count; ++i) y[i] = a[i] * b[i];
}

// [SECTION] Optimizers

void adam_update_generic(float* p, const float* g, float* m, float* v, std::size_t count, const AdamStep& s) {
    for (std::size_t i = 0; i < count; ++i) {
        m[i] = s.beta1 * m[i] + s.one_minus_beta1 * g[i];
        v[i] = s.beta2 * v[i] + s.one_minus_beta2 * g[i] * g[i];
        p[i] -= s.step_size * m[i] / (std::sqrt(v[i]) * s.inv_sqrt_c2 + s.epsilon);
    }
}

// The same operations in the same order as the reference (sqrt and division are correctly rounded in
// SIMD too, and neither target fuses the multiply-adds), so the same bits.
void adam_update(float* p, const float* g, float* m, float* v, std::size_t count, const AdamStep& s) {
    std::size_t i = 0;
#if CONVPAD_HAVE_F32X4
    const F32x4 b1 = f32x4_splat(s.beta1), b2 = f32x4_splat(s.beta2);
    const F32x4 one_b1 = f32x4_splat(s.one_minus_beta1), one_b2 = f32x4_splat(s.one_minus_beta2);
    const F32x4 step = f32x4_splat(s.step_size), inv_c2 = f32x4_splat(s.inv_sqrt_c2), eps = f32x4_splat(s.epsilon);
    for (; i + 4 <= count; i += 4) {
        const F32x4 gi = f32x4_load(g + i);
        const F32x4 mi = f32x4_add(f32x4_mul(b1, f32x4_load(m + i)), f32x4_mul(one_b1, gi));
        const F32x4 vi = f32x4_add(f32x4_mul(b2, f32x4_load(v + i)), f32x4_mul(f32x4_mul(one_b2, gi), gi));
        const F32x4 denom = f32x4_add(f32x4_mul(f32x4_sqrt(vi), inv_c2), eps);
        f32x4_store(m + i, mi);
        f32x4_store(v + i, vi);
        f32x4_store(p + i, f32x4_sub(f32x4_load(p + i), f32x4_div(f32x4_mul(step, mi), denom)));
    }
#endif
    for (; i < count; ++i) {
        m[i] = s.beta1 * m[i] + s.one_minus_beta1 * g[i];
        v[i] = s.beta2 * v[i] + s.one_minus_beta2 * g[i] * g[i];
        p[i] -= s.step_size * m[i] / (std::sqrt(v[i]) * s.inv_sqrt_c2 + s.epsilon);
    }
}

void sgd_momentum_update_generic(float* p, const float* g, float* velocity, std::size_t count, float momentum,
                                 float lr) {
    for (std::size_t i = 0; i < count; ++i) {
        velocity[i] = momentum * velocity[i] + g[i];
        p[i] -= lr * velocity[i];
    }
}

void sgd_momentum_update(float* p, const float* g, float* velocity, std::size_t count, float momentum, float lr) {
    std::size_t i = 0;
#if CONVPAD_HAVE_F32X4
    const F32x4 mu = f32x4_splat(momentum), vlr = f32x4_splat(lr);
    for (; i + 4 <= count; i += 4) {
        const F32x4 vel = f32x4_add(f32x4_mul(mu, f32x4_load(velocity + i)), f32x4_load(g + i));
        f32x4_store(velocity + i, vel);
        f32x4_store(p + i, f32x4_sub(f32x4_load(p + i), f32x4_mul(vlr, vel)));
    }
#endif
    for (; i < count; ++i) {
        velocity[i] = momentum * velocity[i] + g[i];
        p[i] -= lr * velocity[i];
    }
}

}  // namespace convpad
