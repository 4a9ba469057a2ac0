#include "engine/maxpool2d.h"

#include <algorithm>
#include <stdexcept>

#include "kernels/parallel.h"
#include "kernels/pool.h"

namespace convpad {

MaxPool2D::MaxPool2D(Shape3 in, int size) : size_(size) {
    in_ = in;
    out_ = {in.c, in.h / size, in.w / size};
    if (out_.h < 1 || out_.w < 1)
        throw std::invalid_argument("pool window " + std::to_string(size) + " is larger than its " +
                                    std::to_string(in.h) + "x" + std::to_string(in.w) + " input");
}

// One part per thread, but only for work worth a dispatch (~10 us): one image's pooling is not.
int MaxPool2D::parts(int n) const {
    const long long pixels = static_cast<long long>(n) * in_.size();
    return int(std::min<long long>(num_threads(), std::max<long long>(1, pixels / 65536)));
}

void MaxPool2D::forward(const float* x, float* y, int n, bool training) {
    argmax_.resize(std::size_t(n) * out_.size());
    const std::size_t in_plane = std::size_t(in_.h) * in_.w, out_plane = std::size_t(out_.h) * out_.w;
    parallel_for_parts(n * in_.c, parts(n), [&](int first, int last) {  // planes are independent
        maxpool_forward(x + first * in_plane, last - first, in_.h, in_.w, size_, y + first * out_plane,
                        argmax_.data() + first * out_plane);
    });
}

void MaxPool2D::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    if (!dx) return;
    const std::size_t in_plane = std::size_t(in_.h) * in_.w, out_plane = std::size_t(out_.h) * out_.w;
    parallel_for_parts(n * in_.c, parts(n), [&](int first, int last) {
        maxpool_backward(dy + first * out_plane, argmax_.data() + first * out_plane, last - first, in_.h, in_.w,
                         size_, dx + first * in_plane);
    });
}

}  // namespace convpad
