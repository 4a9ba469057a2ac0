// The per-sample shape the layers pass around, apart from the tensor types so that light headers
// (engine/arch.h) need no xtensor.
#pragma once
#include <cstddef>

namespace convpad {

// Shape of one sample, channels-first. A flat vector is (features, 1, 1).
struct Shape3 {
    int c = 0, h = 0, w = 0;
    std::size_t size() const { return std::size_t(c) * h * w; }
    bool operator==(const Shape3& o) const { return c == o.c && h == o.h && w == o.w; }
};

}  // namespace convpad
