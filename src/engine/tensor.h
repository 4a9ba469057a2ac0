// Tensor aliases, and the per-sample shape the layers pass around (engine/shape.h).
#pragma once
#include <cstddef>
#include <xtensor/xtensor.hpp>

#include "engine/shape.h"

namespace convpad {

using Tensor1 = xt::xtensor<float, 1>;
using Tensor2 = xt::xtensor<float, 2>;
using Tensor4 = xt::xtensor<float, 4>;

}  // namespace convpad
