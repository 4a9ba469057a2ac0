// Max pooling kernels: square window, stride equal to the window, `valid` (ragged edge dropped).
//
// The forward pass has a SIMD version for the 2x2 window (every preset's pool2), four outputs at a time,
// and falls back to the scalar `*_generic` reference for other sizes. The backward pass is a scatter (a
// SIMD version measured slower) with a pixel-by-pixel reference. tests/test_kernels.cpp compares them.
#pragma once
#include <cstdint>

namespace convpad {

// x: (planes, H, W)  y: (planes, H/S, W/S)  winner: (planes, H/S, W/S), the offset within its input
// plane of the value each output took. The first maximum in row-major window order wins ties (and a
// NaN only when it comes first), so SIMD and reference pick the same winners.
void maxpool_forward(const float* x, int planes, int H, int W, int S, float* y, std::int32_t* winner);
void maxpool_forward_generic(const float* x, int planes, int H, int W, int S, float* y, std::int32_t* winner);

// dy, winner: (planes, H/S, W/S)  dx: (planes, H, W), overwritten: dy at each winner, 0 everywhere else.
void maxpool_backward(const float* dy, const std::int32_t* winner, int planes, int H, int W, int S, float* dx);
void maxpool_backward_generic(const float* dy, const std::int32_t* winner, int planes, int H, int W, int S,
                              float* dx);

}  // namespace convpad
