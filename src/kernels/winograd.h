// Winograd F(2x2, 3x3) convolution (Lavin & Gray 2015): 3x3 kernel, stride 1, any zero padding.
//
// Each 2x2 block of outputs ("tile") is computed from a 4x4 block of inputs with 16 multiplications per
// (filter, channel) instead of 36:
//   U = G g G^T          (4x4, per filter k and channel c, once per weight update)
//   V = B^T d B          (4x4, per tile and channel)
//   M[xi] = sum_c U[xi][k][c] * V[xi][c][tile]      16 GEMMs, xi = 0..15 the 4x4 positions
//   Y = A^T M A          (2x2 outputs per tile and filter)
// An out_h x out_w output needs ceil(out_h/2) x ceil(out_w/2) tiles (conv64 of the seed CNN: 11x11 ->
// 6x6 tiles, 12x12 computed), so the GEMM work is 16 / 36 * (12*12) / (11*11) = 0.53x that of im2col.
//
// Results depend only on the image, never on how images are grouped into calls or blocked internally:
// every tile is transformed on its own, and each GEMM element sums over the channels in an order fixed by
// C alone (sgemm's K blocking). No bias, no activation: the caller adds them.
#pragma once
#include <cstddef>
#include <vector>

#include "kernels/im2col.h"

namespace convpad {

// A 3x3 kernel at stride 1 (the engine has only stride 1), with the padding `g` says.
bool winograd_applies(const ConvGeometry& g);

// weight: (K, C, 3, 3)  U: (16, K, C), U[xi*K*C + k*C + c] = (G g_kc G^T)[xi / 4][xi % 4].
constexpr std::size_t winograd_filter_floats(int K, int C) { return std::size_t(16) * K * C; }
void winograd_transform_filters(const float* weight, int K, int C, float* U);

// Buffers winograd_forward reuses between calls. They grow on the first call of a given size and never
// shrink, so later calls allocate nothing (sgemm's own packing buffers behave the same way). One scratch
// per thread that calls winograd_forward at the same time.
struct WinogradScratch {
    std::vector<float> V;      // 16 x (C, ldt): input tiles of one block of images, transformed
    std::vector<float> M;      // 16 x (K, ldt): the GEMM products of that block
    std::vector<float> plane;  // one zero-padded input plane, (2*tiles_h + 2, row) floats
    std::vector<float> rows;   // 4 vertically transformed rows of `plane`
    std::vector<float> dy_plane;  // winograd_backward_filter: one zero-padded plane of dy, (2*tiles_h, row)
    std::vector<float> sums;      // winograd_backward_filter: (16, K, C), the products summed over tiles
    long grows = 0;            // how often a buffer had to grow (tests check it stays put)
};

// x: (n, C, H, W)  U: (16, K, C) from winograd_transform_filters  y: (n, K, out_h, out_w), overwritten.
// g.channels = C, g.kernel_h = g.kernel_w = 3, winograd_applies(g). Thread-agnostic: sgemm may split its
// products over parallel.h's threads when called outside a parallel_for, and runs inline inside one.
void winograd_forward(const ConvGeometry& g, int K, const float* U, const float* x, int n, float* y,
                      WinogradScratch& scratch);

// Before a parallel_for whose parts call winograd_forward with scratch[parallel_thread_index()]: grows one
// scratch per thread (and sgemm's part buffers, gemm.h) so those calls allocate nothing. Call from the
// dispatching thread, outside any parallel_for.
void winograd_reserve_parts(const ConvGeometry& g, int K, std::vector<WinogradScratch>& scratch);

// Images per internal block for a geometry (tiles of a few images at a time, so V and M stay in cache).
int winograd_block_images(const ConvGeometry& g, int K);
// Floats a scratch grows to for winograd_forward with this geometry (memory estimates). One scratch serving
// several geometries (a layer's forward pass and its input's gradient) grows to each vector's largest.
std::size_t winograd_scratch_floats(const ConvGeometry& g, int K);
// Benchmarks only: overrides the tiles-per-block target (0 restores the measured default). Returns the
// previous value. Not to be changed while winograd_forward runs elsewhere.
int winograd_set_block_tiles(int tiles);

// Definitional reference: every tile's d, V = B^T d B, U = G g G^T, M and Y = A^T M A in double, then
// rounded once. The vectorised path is tested against it.
void winograd_forward_reference(const ConvGeometry& g, int K, const float* weight, const float* x, int n,
                                float* y);

// [SECTION] Backward with respect to the input
// dx = full convolution of dy with the filters rotated by 180 degrees and transposed over (K, C): a 3x3
// stride-1 convolution of dy (K channels, out_h x out_w) padded by 2 - pad on each side, producing C
// channels of H x W, so it runs through winograd_forward with these filters and this geometry.
//   weight: (K, C, 3, 3)  Ub: (16, C, K)
void winograd_transform_filters_backward_data(const float* weight, int K, int C, float* Ub);
// The geometry of that convolution: input (K, out_h, out_w) of `g`, output (C, H, W) of `g`.
ConvGeometry winograd_backward_data_geometry(const ConvGeometry& g, int K);
// dy: (n, K, out_h, out_w)  Ub: (16, C, K)  dx: (n, C, H, W), overwritten (not accumulated).
void winograd_backward_data(const ConvGeometry& g, int K, const float* Ub, const float* dy, int n, float* dx,
                            WinogradScratch& scratch);

// [SECTION] Backward with respect to the weights
// The weights' gradient is a correlation of the input with dy, 3x3 outputs from 2x2 "filters": the transpose
// of F(2x2, 3x3), F(3x3, 2x2), with the same input tiles V = B^T d B as the forward pass:
//   W = A dy A^T                  (4x4 from the tile's 2x2 dy, per filter k; A = (A^T)^T, 4x2)
//   S[xi] = sum over tiles of W[xi][k][tile] * V[xi][c][tile]      16 GEMMs (K, C), summing over tiles
//   dW = G^T S G                  (3x3, per filter k and channel c)
// 16 multiplications per tile and (k, c) instead of 36 per 2x2 outputs. dy past out_h or out_w counts as 0.
// The tiles are summed block by block (winograd_block_images), so the result depends only on the images
// and n, never on threads.
//   x: (n, C, H, W)  dy: (n, K, out_h, out_w)  dweight: (K, C, 3, 3), overwritten (not accumulated).
void winograd_backward_filter(const ConvGeometry& g, int K, const float* x, const float* dy, int n, float* dweight,
                              WinogradScratch& scratch);
// As winograd_reserve_parts, for parallel parts that call winograd_backward_filter.
void winograd_reserve_filter_parts(const ConvGeometry& g, int K, std::vector<WinogradScratch>& scratch);
// Floats a scratch grows to for winograd_backward_filter beyond what winograd_forward needs (memory estimates).
std::size_t winograd_filter_gradient_floats(const ConvGeometry& g, int K);

// Definitional reference: every tile's W = A dy A^T, V = B^T d B, their products summed and dW = G^T S G,
// all in double, rounded once.
void winograd_backward_filter_reference(const ConvGeometry& g, int K, const float* x, const float* dy, int n,
                                        float* dweight);

}  // namespace convpad
