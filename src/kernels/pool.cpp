#include "kernels/pool.h"

#include <cstring>

#include "kernels/simd.h"

namespace convpad {

// [SECTION] Reference (any window size)

void maxpool_forward_generic(const float* x, int planes, int H, int W, int S, float* y, std::int32_t* winner) {
    const int OH = H / S, OW = W / S;
    for (int p = 0; p < planes; ++p) {
        const float* src = x + long(p) * H * W;
        float* dst = y + long(p) * OH * OW;
        std::int32_t* arg = winner + long(p) * OH * OW;
        for (int oy = 0; oy < OH; ++oy)
            for (int ox = 0; ox < OW; ++ox) {
                int best = oy * S * W + ox * S;
                float best_value = src[best];
                for (int i = 0; i < S; ++i)
                    for (int j = 0; j < S; ++j) {
                        const int at = (oy * S + i) * W + ox * S + j;
                        if (src[at] > best_value) best_value = src[at], best = at;  // first max wins ties
                    }
                dst[oy * OW + ox] = best_value;
                arg[oy * OW + ox] = best;
            }
    }
}

// Pixel by pixel: each input pixel takes its window's gradient if it is that window's winner.
void maxpool_backward_generic(const float* dy, const std::int32_t* winner, int planes, int H, int W, int S,
                              float* dx) {
    const int OH = H / S, OW = W / S;
    for (int p = 0; p < planes; ++p)
        for (int iy = 0; iy < H; ++iy)
            for (int ix = 0; ix < W; ++ix) {
                const int oy = iy / S, ox = ix / S;
                const long o = (long(p) * OH + oy) * OW + ox;
                const bool wins = oy < OH && ox < OW && winner[o] == iy * W + ix;
                dx[(long(p) * H + iy) * W + ix] = wins ? dy[o] : 0.0f;
            }
}

// [SECTION] 2x2 window, four outputs at a time (forward)

namespace {

// One 2x2 window at (oy, ox) of a plane, in the reference's order.
inline void pool2_one(const float* src, int W, int oy, int ox, float* out, std::int32_t* arg) {
    const int top = 2 * oy * W + 2 * ox;
    const int at[4] = {top, top + 1, top + W, top + W + 1};
    int best = top;
    for (int i = 1; i < 4; ++i)
        if (src[at[i]] > src[best]) best = at[i];
    *out = src[best];
    *arg = best;
}

void maxpool2_forward(const float* x, int planes, int H, int W, float* y, std::int32_t* winner) {
    const int OH = H / 2, OW = W / 2;
    for (int p = 0; p < planes; ++p) {
        const float* src = x + long(p) * H * W;
        for (int oy = 0; oy < OH; ++oy) {
            float* out = y + (long(p) * OH + oy) * OW;
            std::int32_t* arg = winner + (long(p) * OH + oy) * OW;
            int ox = 0;
#if CONVPAD_HAVE_F32X4
            const float* r0 = src + 2 * oy * W;  // the windows' top row; r0 + W their bottom row
            // Lanes are 4 neighbouring windows. Loads stay inside the row: 2*(ox+4) <= 2*OW <= W.
            const std::int32_t top0 = 2 * oy * W;
            const std::int32_t lane_offsets[4] = {0, 2, 4, 6};
            I32x4 top = i32x4_add(i32x4_splat(top0), i32x4_load(lane_offsets));  // offset of each top-left
            const I32x4 one = i32x4_splat(1), down = i32x4_splat(W), down_one = i32x4_splat(W + 1);
            const I32x4 step = i32x4_splat(8);
            for (; ox + 4 <= OW; ox += 4, top = i32x4_add(top, step)) {
                F32x4 a, b, c, d;  // top-left, top-right, bottom-left, bottom-right of each window
                f32x4_unzip(f32x4_load(r0 + 2 * ox), f32x4_load(r0 + 2 * ox + 4), a, b);
                f32x4_unzip(f32x4_load(r0 + W + 2 * ox), f32x4_load(r0 + W + 2 * ox + 4), c, d);
                F32x4 best = a;
                I32x4 at = top;
                F32x4 m = f32x4_gt(b, best);  // strictly greater: the first maximum wins, as in the reference
                best = f32x4_select(m, b, best);
                at = i32x4_select(m, i32x4_add(top, one), at);
                m = f32x4_gt(c, best);
                best = f32x4_select(m, c, best);
                at = i32x4_select(m, i32x4_add(top, down), at);
                m = f32x4_gt(d, best);
                best = f32x4_select(m, d, best);
                at = i32x4_select(m, i32x4_add(top, down_one), at);
                f32x4_store(out + ox, best);
                i32x4_store(arg + ox, at);
            }
#endif
            for (; ox < OW; ++ox) pool2_one(src, W, oy, ox, out + ox, arg + ox);
        }
    }
}

}  // namespace

// [SECTION] Dispatch

void maxpool_forward(const float* x, int planes, int H, int W, int S, float* y, std::int32_t* winner) {
    if (S == 2) maxpool2_forward(x, planes, H, W, y, winner);
    else maxpool_forward_generic(x, planes, H, W, S, y, winner);
}

// Zero everything, then one store per window: windows do not overlap, so each winner is written once.
// Beat a SIMD version that writes each pixel once (dy or 0 by comparing offsets) on every shape measured:
// natively 0.16 vs 0.27 ms for pool2 after conv32 (64 x 32 planes of 26x26), 0.04 vs 0.14 ms after conv64
// (64 x 64 of 11x11); under node 0.20 vs 0.32 and 0.07 vs 0.19 ms.
void maxpool_backward(const float* dy, const std::int32_t* winner, int planes, int H, int W, int S, float* dx) {
    const int out_plane = (H / S) * (W / S);
    std::memset(dx, 0, sizeof(float) * std::size_t(planes) * H * W);
    for (int p = 0; p < planes; ++p) {
        const std::int32_t* arg = winner + long(p) * out_plane;
        const float* g = dy + long(p) * out_plane;
        float* d = dx + long(p) * H * W;
        for (int o = 0; o < out_plane; ++o) d[arg[o]] = g[o];
    }
}

}  // namespace convpad
