// Kernels of batch normalisation over one channel plane (count contiguous values of one channel of one
// image), with the ReLU that usually follows it fused in (engine/batch_norm.h).
//
// Each has a SIMD version (simd.h's F32x4) and a scalar `*_generic` reference beside it, as in
// elementwise.h. The element-wise kernels equal their references bit for bit. The sums take their
// values four lanes at a time, so they round differently from the sequential reference (tests compare
// them with a tolerance); they depend only on the plane, never on threads.
#pragma once
#include <cstddef>

namespace convpad {

// [SECTION] Statistics
// The sum of x (count).
float plane_sum(const float* x, std::size_t count);
float plane_sum_generic(const float* x, std::size_t count);
// The sum of (x - mean)^2 (count): the variance's numerator, in two passes for accuracy.
float plane_squared_deviations(const float* x, std::size_t count, float mean);
float plane_squared_deviations_generic(const float* x, std::size_t count, float mean);

// [SECTION] Forward
// y = x * scale + shift (count). y may equal x.
void scale_shift(const float* x, float* y, std::size_t count, float scale, float shift);
void scale_shift_generic(const float* x, float* y, std::size_t count, float scale, float shift);
// y = max(x * scale + shift, 0), as scale_shift then relu_forward compute it (NaN gives +0).
void scale_shift_relu(const float* x, float* y, std::size_t count, float scale, float shift);
void scale_shift_relu_generic(const float* x, float* y, std::size_t count, float scale, float shift);

// [SECTION] Backward
// With d = dy, or with a fused ReLU d = (y > 0 ? dy : 0) where y is the ReLU's output:
//   dy = sum d,   centered = sum d * (x - mean)
struct PlaneGradSums {
    float dy = 0.0f, centered = 0.0f;
};
PlaneGradSums plane_grad_sums(const float* x, const float* dy, std::size_t count, float mean);
PlaneGradSums plane_grad_sums_generic(const float* x, const float* dy, std::size_t count, float mean);
PlaneGradSums plane_grad_sums_relu(const float* x, const float* y, const float* dy, std::size_t count, float mean);
PlaneGradSums plane_grad_sums_relu_generic(const float* x, const float* y, const float* dy, std::size_t count,
                                           float mean);
// dx = gain * (d - mean_dy) - (x - mean) * slope  (count), d as above. dx may equal dy.
void plane_input_grad(const float* x, const float* dy, float* dx, std::size_t count, float mean, float gain,
                      float mean_dy, float slope);
void plane_input_grad_generic(const float* x, const float* dy, float* dx, std::size_t count, float mean,
                              float gain, float mean_dy, float slope);
void plane_input_grad_relu(const float* x, const float* y, const float* dy, float* dx, std::size_t count,
                           float mean, float gain, float mean_dy, float slope);
void plane_input_grad_relu_generic(const float* x, const float* y, const float* dy, float* dx, std::size_t count,
                                   float mean, float gain, float mean_dy, float slope);

}  // namespace convpad
