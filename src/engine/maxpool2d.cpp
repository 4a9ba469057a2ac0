#include "engine/maxpool2d.h"

#include <cstring>
#include <stdexcept>

namespace convpad {

MaxPool2D::MaxPool2D(Shape3 in, int size) : size_(size) {
    in_ = in;
    out_ = {in.c, in.h / size, in.w / size};
    if (out_.h < 1 || out_.w < 1)
        throw std::invalid_argument("pool window " + std::to_string(size) + " is larger than its " +
                                    std::to_string(in.h) + "x" + std::to_string(in.w) + " input");
}

void MaxPool2D::forward(const float* x, float* y, int n, bool training) {
    const int planes = n * in_.c, in_plane = in_.h * in_.w, out_plane = out_.h * out_.w;
    argmax_.resize(std::size_t(planes) * out_plane);
    for (int p = 0; p < planes; ++p) {
        const float* src = x + long(p) * in_plane;
        float* dst = y + long(p) * out_plane;
        std::int32_t* arg = argmax_.data() + long(p) * out_plane;
        for (int oy = 0; oy < out_.h; ++oy)
            for (int ox = 0; ox < out_.w; ++ox) {
                int best = oy * size_ * in_.w + ox * size_;
                float best_value = src[best];
                for (int i = 0; i < size_; ++i)
                    for (int j = 0; j < size_; ++j) {
                        int at = (oy * size_ + i) * in_.w + ox * size_ + j;
                        if (src[at] > best_value) best_value = src[at], best = at;  // first max wins ties
                    }
                dst[oy * out_.w + ox] = best_value;
                arg[oy * out_.w + ox] = best;
            }
    }
}

void MaxPool2D::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    if (!dx) return;
    const int planes = n * in_.c, in_plane = in_.h * in_.w, out_plane = out_.h * out_.w;
    std::memset(dx, 0, sizeof(float) * std::size_t(planes) * in_plane);
    for (int p = 0; p < planes; ++p) {
        const std::int32_t* arg = argmax_.data() + long(p) * out_plane;
        const float* g = dy + long(p) * out_plane;
        float* d = dx + long(p) * in_plane;
        for (int o = 0; o < out_plane; ++o) d[arg[o]] += g[o];
    }
}

}  // namespace convpad
