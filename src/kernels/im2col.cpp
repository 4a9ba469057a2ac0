#include "kernels/im2col.h"

#include <algorithm>
#include <cstring>

namespace convpad {

// Both loops walk the column matrix row by row (one (c, ki, kj) tap at a time) so writes are
// sequential; the valid x-range of each output row is computed once instead of testing every pixel.
void im2col(const ConvGeometry& g, const float* x, int n, float* col) {
    const int plane = g.height * g.width, opix = g.out_pixels();
    const long row_len = long(n) * opix;
    for (int c = 0; c < g.channels; ++c)
        for (int ki = 0; ki < g.kernel_h; ++ki)
            for (int kj = 0; kj < g.kernel_w; ++kj) {
                float* dst = col + long((c * g.kernel_h + ki) * g.kernel_w + kj) * row_len;
                const int dx = kj - g.pad_left;
                const int ox_begin = std::max(0, -dx), ox_end = std::min(g.out_w, g.width - dx);
                for (int img = 0; img < n; ++img) {
                    const float* src = x + (long(img) * g.channels + c) * plane;
                    for (int oy = 0; oy < g.out_h; ++oy, dst += g.out_w) {
                        const int iy = oy + ki - g.pad_top;
                        if (iy < 0 || iy >= g.height || ox_begin >= ox_end) {
                            std::memset(dst, 0, sizeof(float) * g.out_w);
                            continue;
                        }
                        const float* row = src + iy * g.width + dx;
                        for (int ox = 0; ox < ox_begin; ++ox) dst[ox] = 0.0f;
                        std::memcpy(dst + ox_begin, row + ox_begin, sizeof(float) * (ox_end - ox_begin));
                        for (int ox = ox_end; ox < g.out_w; ++ox) dst[ox] = 0.0f;
                    }
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
                const int dx = kj - g.pad_left;
                const int ox_begin = std::max(0, -dx), ox_end = std::min(g.out_w, g.width - dx);
                for (int img = 0; img < n; ++img) {
                    float* dst = dx_out + (long(img) * g.channels + c) * plane;
                    for (int oy = 0; oy < g.out_h; ++oy, src += g.out_w) {
                        const int iy = oy + ki - g.pad_top;
                        if (iy < 0 || iy >= g.height) continue;
                        float* row = dst + iy * g.width + dx;
                        for (int ox = ox_begin; ox < ox_end; ++ox) row[ox] += src[ox];
                    }
                }
            }
}

}  // namespace convpad
