#include "engine/maxpool2d.h"

#include <stdexcept>

#include "kernels/pool.h"

namespace convpad {

MaxPool2D::MaxPool2D(Shape3 in, int size) : size_(size) {
    in_ = in;
    out_ = {in.c, in.h / size, in.w / size};
    if (out_.h < 1 || out_.w < 1)
        throw std::invalid_argument("pool window " + std::to_string(size) + " is larger than its " +
                                    std::to_string(in.h) + "x" + std::to_string(in.w) + " input");
}

void MaxPool2D::forward(const float* x, float* y, int n, bool training) {
    argmax_.resize(std::size_t(n) * out_.size());
    maxpool_forward(x, n * in_.c, in_.h, in_.w, size_, y, argmax_.data());
}

void MaxPool2D::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
    if (dx) maxpool_backward(dy, argmax_.data(), n * in_.c, in_.h, in_.w, size_, dx);
}

}  // namespace convpad
