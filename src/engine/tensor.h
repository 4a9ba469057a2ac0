// Tensor aliases and the per-sample shape the layers pass around.
#pragma once
#include <cstddef>
#include <xtensor/xtensor.hpp>

namespace convpad {

using Tensor1 = xt::xtensor<float, 1>;
using Tensor2 = xt::xtensor<float, 2>;
using Tensor4 = xt::xtensor<float, 4>;

// Shape of one sample, channels-first. A flat vector is (features, 1, 1).
struct Shape3 {
    int c = 0, h = 0, w = 0;
    std::size_t size() const { return std::size_t(c) * h * w; }
    bool operator==(const Shape3& o) const { return c == o.c && h == o.h && w == o.w; }
};

}  // namespace convpad
