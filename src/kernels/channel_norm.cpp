#include "kernels/channel_norm.h"

#include "kernels/elementwise.h"
#include "kernels/simd.h"

namespace convpad {

// The SIMD loops do four lanes at a time and end in a scalar loop with the reference's per-element
// expression. The sums keep two vector accumulators (eight values per step), added lane-wise at the end.

namespace {

inline float relu_masked(float y, float dy) { return y > 0.0f ? dy : 0.0f; }

}  // namespace

// [SECTION] Statistics

// A plane is one row for elementwise.h's row sums, which already sum four lanes at a time.
float plane_sum_generic(const float* x, std::size_t count) {
    float sum = 0.0f;
    accumulate_row_sums_generic(x, 1, int(count), &sum);
    return sum;
}

float plane_sum(const float* x, std::size_t count) {
    float sum = 0.0f;
    accumulate_row_sums(x, 1, int(count), &sum);
    return sum;
}

float plane_squared_deviations_generic(const float* x, std::size_t count, float mean) {
    float sum = 0.0f;
    for (std::size_t i = 0; i < count; ++i) {
        const float d = x[i] - mean;
        sum += d * d;
    }
    return sum;
}

float plane_squared_deviations(const float* x, std::size_t count, float mean) {
    std::size_t i = 0;
    float sum = 0.0f;
#if CONVPAD_HAVE_F32X4
    const F32x4 m = f32x4_splat(mean);
    F32x4 s0 = f32x4_zero(), s1 = f32x4_zero();
    for (; i + 8 <= count; i += 8) {
        const F32x4 d0 = f32x4_sub(f32x4_load(x + i), m), d1 = f32x4_sub(f32x4_load(x + i + 4), m);
        s0 = f32x4_add(s0, f32x4_mul(d0, d0));
        s1 = f32x4_add(s1, f32x4_mul(d1, d1));
    }
    if (i + 4 <= count) {
        const F32x4 d0 = f32x4_sub(f32x4_load(x + i), m);
        s0 = f32x4_add(s0, f32x4_mul(d0, d0));
        i += 4;
    }
    sum = f32x4_reduce_add(f32x4_add(s0, s1));
#endif
    for (; i < count; ++i) {
        const float d = x[i] - mean;
        sum += d * d;
    }
    return sum;
}

// [SECTION] Forward

void scale_shift_generic(const float* x, float* y, std::size_t count, float scale, float shift) {
    for (std::size_t i = 0; i < count; ++i) y[i] = x[i] * scale + shift;
}

void scale_shift(const float* x, float* y, std::size_t count, float scale, float shift) {
    std::size_t i = 0;
#if CONVPAD_HAVE_F32X4
    const F32x4 a = f32x4_splat(scale), b = f32x4_splat(shift);
    for (; i + 4 <= count; i += 4) f32x4_store(y + i, f32x4_add(f32x4_mul(f32x4_load(x + i), a), b));
#endif
    for (; i < count; ++i) y[i] = x[i] * scale + shift;
}

void scale_shift_relu_generic(const float* x, float* y, std::size_t count, float scale, float shift) {
    for (std::size_t i = 0; i < count; ++i) {
        const float v = x[i] * scale + shift;
        y[i] = v > 0.0f ? v : 0.0f;
    }
}

void scale_shift_relu(const float* x, float* y, std::size_t count, float scale, float shift) {
    std::size_t i = 0;
#if CONVPAD_HAVE_F32X4
    // A mask rather than max(), as relu_forward: wasm's f32x4.max propagates NaN.
    const F32x4 a = f32x4_splat(scale), b = f32x4_splat(shift), zero = f32x4_zero();
    for (; i + 4 <= count; i += 4) {
        const F32x4 v = f32x4_add(f32x4_mul(f32x4_load(x + i), a), b);
        f32x4_store(y + i, f32x4_and(f32x4_gt(v, zero), v));
    }
#endif
    for (; i < count; ++i) {
        const float v = x[i] * scale + shift;
        y[i] = v > 0.0f ? v : 0.0f;
    }
}

// [SECTION] Backward

PlaneGradSums plane_grad_sums_generic(const float* x, const float* dy, std::size_t count, float mean) {
    PlaneGradSums s;
    for (std::size_t i = 0; i < count; ++i) {
        s.dy += dy[i];
        s.centered += dy[i] * (x[i] - mean);
    }
    return s;
}

PlaneGradSums plane_grad_sums_relu_generic(const float* x, const float* y, const float* dy, std::size_t count,
                                           float mean) {
    PlaneGradSums s;
    for (std::size_t i = 0; i < count; ++i) {
        const float d = relu_masked(y[i], dy[i]);
        s.dy += d;
        s.centered += d * (x[i] - mean);
    }
    return s;
}

namespace {

// The masked and unmasked sums in one body: with a mask, d is dy where y > 0 and +0 elsewhere, exactly
// what relu_backward gives, so a fused ReLU sums the same values in the same order as a separate one.
template <bool Masked>
PlaneGradSums grad_sums(const float* x, const float* y, const float* dy, std::size_t count, float mean) {
    std::size_t i = 0;
    PlaneGradSums s;
#if CONVPAD_HAVE_F32X4
    const F32x4 m = f32x4_splat(mean), zero = f32x4_zero();
    F32x4 d0 = f32x4_zero(), d1 = f32x4_zero(), c0 = f32x4_zero(), c1 = f32x4_zero();
    auto grad = [&](std::size_t at) {
        const F32x4 g = f32x4_load(dy + at);
        if constexpr (Masked) return f32x4_and(f32x4_gt(f32x4_load(y + at), zero), g);
        else return g;
    };
    for (; i + 8 <= count; i += 8) {
        const F32x4 g0 = grad(i), g1 = grad(i + 4);
        d0 = f32x4_add(d0, g0);
        d1 = f32x4_add(d1, g1);
        c0 = f32x4_add(c0, f32x4_mul(g0, f32x4_sub(f32x4_load(x + i), m)));
        c1 = f32x4_add(c1, f32x4_mul(g1, f32x4_sub(f32x4_load(x + i + 4), m)));
    }
    if (i + 4 <= count) {
        const F32x4 g0 = grad(i);
        d0 = f32x4_add(d0, g0);
        c0 = f32x4_add(c0, f32x4_mul(g0, f32x4_sub(f32x4_load(x + i), m)));
        i += 4;
    }
    s.dy = f32x4_reduce_add(f32x4_add(d0, d1));
    s.centered = f32x4_reduce_add(f32x4_add(c0, c1));
#endif
    for (; i < count; ++i) {
        const float d = Masked ? relu_masked(y[i], dy[i]) : dy[i];
        s.dy += d;
        s.centered += d * (x[i] - mean);
    }
    return s;
}

template <bool Masked>
void input_grad(const float* x, const float* y, const float* dy, float* dx, std::size_t count, float mean,
                float gain, float mean_dy, float slope) {
    std::size_t i = 0;
#if CONVPAD_HAVE_F32X4
    const F32x4 m = f32x4_splat(mean), g = f32x4_splat(gain), md = f32x4_splat(mean_dy), k = f32x4_splat(slope);
    const F32x4 zero = f32x4_zero();
    for (; i + 4 <= count; i += 4) {
        F32x4 d = f32x4_load(dy + i);
        if constexpr (Masked) d = f32x4_and(f32x4_gt(f32x4_load(y + i), zero), d);
        const F32x4 centered = f32x4_sub(f32x4_load(x + i), m);
        f32x4_store(dx + i, f32x4_sub(f32x4_mul(g, f32x4_sub(d, md)), f32x4_mul(centered, k)));
    }
#endif
    for (; i < count; ++i) {
        const float d = Masked ? relu_masked(y[i], dy[i]) : dy[i];
        dx[i] = gain * (d - mean_dy) - (x[i] - mean) * slope;
    }
}

}  // namespace

PlaneGradSums plane_grad_sums(const float* x, const float* dy, std::size_t count, float mean) {
    return grad_sums<false>(x, nullptr, dy, count, mean);
}

PlaneGradSums plane_grad_sums_relu(const float* x, const float* y, const float* dy, std::size_t count, float mean) {
    return grad_sums<true>(x, y, dy, count, mean);
}

void plane_input_grad_generic(const float* x, const float* dy, float* dx, std::size_t count, float mean,
                              float gain, float mean_dy, float slope) {
    for (std::size_t i = 0; i < count; ++i) dx[i] = gain * (dy[i] - mean_dy) - (x[i] - mean) * slope;
}

void plane_input_grad_relu_generic(const float* x, const float* y, const float* dy, float* dx, std::size_t count,
                                   float mean, float gain, float mean_dy, float slope) {
    for (std::size_t i = 0; i < count; ++i) dx[i] = gain * (relu_masked(y[i], dy[i]) - mean_dy) - (x[i] - mean) * slope;
}

void plane_input_grad(const float* x, const float* dy, float* dx, std::size_t count, float mean, float gain,
                      float mean_dy, float slope) {
    input_grad<false>(x, nullptr, dy, dx, count, mean, gain, mean_dy, slope);
}

void plane_input_grad_relu(const float* x, const float* y, const float* dy, float* dx, std::size_t count,
                           float mean, float gain, float mean_dy, float slope) {
    input_grad<true>(x, y, dy, dx, count, mean, gain, mean_dy, slope);
}

}  // namespace convpad
