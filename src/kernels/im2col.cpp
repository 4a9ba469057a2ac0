#include "kernels/im2col.h"

#include <algorithm>
#include <cstring>

#include "kernels/simd.h"

namespace convpad {

namespace {

// Rows run 2-7 vectors: clang's x4 unrolling (with its remainder loop) only adds branches.
#if defined(__clang__)
#define CONVPAD_NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define CONVPAD_NO_UNROLL
#endif

// Output rows are short (11 or 26 floats for the seed CNN), so the tails matter as much as the vector
// loops. Against memcpy/memset per row and plain loops (measured per image, 64 images, same process):
// conv64's im2col (32 x 13x13 in) 1.56 -> 0.48 ms under node (memcpy is a call into wasm code there),
// 0.47 -> 0.35 ms natively; its col2im 0.58 -> 0.54 ms under node, 0.70 -> 0.48 ms natively.

// A copy may rewrite elements: the last 4 floats go as one more (overlapping) vector instead of a tail.
inline void copy_floats(float* dst, const float* src, int count) {
    int i = 0;
#if CONVPAD_HAVE_F32X4
    if (count >= 4) {
        CONVPAD_NO_UNROLL
        for (; i + 4 < count; i += 4) f32x4_store(dst + i, f32x4_load(src + i));
        f32x4_store(dst + count - 4, f32x4_load(src + count - 4));
        return;
    }
#endif
    for (; i < count; ++i) dst[i] = src[i];
}

// An accumulation may not add twice, so its leftovers are straight-line scalar code.
inline void add_floats(float* dst, const float* src, int count) {
    int i = 0;
#if CONVPAD_HAVE_F32X4
    CONVPAD_NO_UNROLL
    for (; i + 4 <= count; i += 4) f32x4_store(dst + i, f32x4_add(f32x4_load(dst + i), f32x4_load(src + i)));
    switch (count - i) {
        case 3: dst[i + 2] += src[i + 2]; [[fallthrough]];
        case 2: dst[i + 1] += src[i + 1]; [[fallthrough]];
        case 1: dst[i] += src[i];
    }
#else
    for (; i < count; ++i) dst[i] += src[i];
#endif
}

inline void zero_floats(float* dst, int count) {
    if (count > 0) std::memset(dst, 0, sizeof(float) * count);
}

}  // namespace

// Both loops walk the column matrix row by row (one (c, ki, kj) tap at a time) so writes are
// sequential; the valid x- and y-ranges of each tap are computed once instead of testing every pixel,
// so with `valid` padding the inner loop is nothing but row copies.
void im2col(const ConvGeometry& g, const float* x, int n, float* col) {
    const int plane = g.height * g.width, opix = g.out_pixels();
    const long row_len = long(n) * opix;
    for (int c = 0; c < g.channels; ++c)
        for (int ki = 0; ki < g.kernel_h; ++ki)
            for (int kj = 0; kj < g.kernel_w; ++kj) {
                float* dst = col + long((c * g.kernel_h + ki) * g.kernel_w + kj) * row_len;
                const int dx = kj - g.pad_left, dy = ki - g.pad_top;
                const int ox_begin = std::max(0, -dx), ox_end = std::max(ox_begin, std::min(g.out_w, g.width - dx));
                const int oy_begin = std::min(g.out_h, std::max(0, -dy));
                const int oy_end = std::max(oy_begin, std::min(g.out_h, g.height - dy));
                for (int img = 0; img < n; ++img, dst += opix) {
                    const float* src = x + (long(img) * g.channels + c) * plane + dy * g.width + dx;
                    zero_floats(dst, oy_begin * g.out_w);  // rows above the image (`same` padding only)
                    for (int oy = oy_begin; oy < oy_end; ++oy) {
                        float* out = dst + oy * g.out_w;
                        copy_floats(out + ox_begin, src + oy * g.width + ox_begin, ox_end - ox_begin);
                        if (ox_begin > 0) zero_floats(out, ox_begin);
                        if (ox_end < g.out_w) zero_floats(out + ox_end, g.out_w - ox_end);
                    }
                    zero_floats(dst + oy_end * g.out_w, (g.out_h - oy_end) * g.out_w);  // rows below
                }
            }
}

void col2im(const ConvGeometry& g, const float* col, int n, float* dx_out) {
    const int plane = g.height * g.width, opix = g.out_pixels();
    const long row_len = long(n) * opix;
    std::memset(dx_out, 0, sizeof(float) * long(n) * g.channels * plane);
    for (int c = 0; c < g.channels; ++c)
        for (int ki = 0; ki < g.kernel_h; ++ki)
            for (int kj = 0; kj < g.kernel_w; ++kj) {
                const float* src = col + long((c * g.kernel_h + ki) * g.kernel_w + kj) * row_len;
                const int dx = kj - g.pad_left, dy = ki - g.pad_top;
                const int ox_begin = std::max(0, -dx), ox_end = std::max(ox_begin, std::min(g.out_w, g.width - dx));
                const int oy_begin = std::min(g.out_h, std::max(0, -dy));
                const int oy_end = std::max(oy_begin, std::min(g.out_h, g.height - dy));
                for (int img = 0; img < n; ++img, src += opix) {
                    float* dst = dx_out + (long(img) * g.channels + c) * plane + dy * g.width + dx;
                    for (int oy = oy_begin; oy < oy_end; ++oy)
                        add_floats(dst + oy * g.width + ox_begin, src + oy * g.out_w + ox_begin, ox_end - ox_begin);
                }
            }
}

void im2col_generic(const ConvGeometry& g, const float* x, int n, float* col) {
    const long row_len = long(n) * g.out_pixels();
    for (int c = 0; c < g.channels; ++c)
        for (int ki = 0; ki < g.kernel_h; ++ki)
            for (int kj = 0; kj < g.kernel_w; ++kj) {
                const long r = (c * g.kernel_h + ki) * g.kernel_w + kj;
                for (int img = 0; img < n; ++img)
                    for (int oy = 0; oy < g.out_h; ++oy)
                        for (int ox = 0; ox < g.out_w; ++ox) {
                            const int iy = oy + ki - g.pad_top, ix = ox + kj - g.pad_left;
                            const bool inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width;
                            col[r * row_len + (long(img) * g.out_h + oy) * g.out_w + ox] =
                                inside ? x[((long(img) * g.channels + c) * g.height + iy) * g.width + ix] : 0.0f;
                        }
            }
}

void col2im_generic(const ConvGeometry& g, const float* col, int n, float* dx) {
    const long row_len = long(n) * g.out_pixels();
    std::memset(dx, 0, sizeof(float) * long(n) * g.channels * g.height * g.width);
    for (int c = 0; c < g.channels; ++c)
        for (int ki = 0; ki < g.kernel_h; ++ki)
            for (int kj = 0; kj < g.kernel_w; ++kj) {
                const long r = (c * g.kernel_h + ki) * g.kernel_w + kj;
                for (int img = 0; img < n; ++img)
                    for (int oy = 0; oy < g.out_h; ++oy)
                        for (int ox = 0; ox < g.out_w; ++ox) {
                            const int iy = oy + ki - g.pad_top, ix = ox + kj - g.pad_left;
                            if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width) continue;
                            dx[((long(img) * g.channels + c) * g.height + iy) * g.width + ix] +=
                                col[r * row_len + (long(img) * g.out_h + oy) * g.out_w + ox];
                        }
            }
}

}  // namespace convpad
