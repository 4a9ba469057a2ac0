// Seeded random numbers that are bit-identical on every platform.
// std::normal_distribution differs between libstdc++ (native) and libc++ (wasm), so we roll our own.
#pragma once
#include <cmath>
#include <cstdint>

namespace convpad {

// PCG32 (O'Neill 2014): small state, good statistics, fully specified output.
class Rng {
public:
    explicit Rng(std::uint64_t seed = 42, std::uint64_t stream = 54) {
        inc_ = (stream << 1u) | 1u;
        next_u32();
        state_ += seed;
        next_u32();
    }
    std::uint32_t next_u32() {
        std::uint64_t old = state_;
        state_ = old * 6364136223846793005ULL + inc_;
        auto xorshifted = std::uint32_t(((old >> 18u) ^ old) >> 27u);
        auto rot = std::uint32_t(old >> 59u);
        return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
    }
    // Uniform in [0, 1) with 24 bits, exactly representable as float.
    float uniform() { return float(next_u32() >> 8) * (1.0f / 16777216.0f); }
    // Uniform integer in [0, n), unbiased (Lemire's rejection).
    std::uint32_t below(std::uint32_t n) {
        std::uint64_t m = std::uint64_t(next_u32()) * n;
        auto low = std::uint32_t(m);
        if (low < n) {
            std::uint32_t threshold = (0u - n) % n;
            while (low < threshold) {
                m = std::uint64_t(next_u32()) * n;
                low = std::uint32_t(m);
            }
        }
        return std::uint32_t(m >> 32);
    }
    // Standard normal via Box-Muller in double, so libm differences stay below float precision.
    float normal() {
        double u1 = (double(next_u32()) + 1.0) / 4294967297.0;
        double u2 = double(next_u32()) / 4294967296.0;
        return float(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
    }

    // Standard normal redrawn outside [-2, 2] (standard deviation ~0.88): the He initialiser of
    // TensorFlow.js and Keras before 2.3 (truncated, not rescaled).
    float truncated_normal() {
        for (;;) {
            const float z = normal();
            if (z >= -2.0f && z <= 2.0f) return z;
        }
    }

private:
    std::uint64_t state_ = 0, inc_ = 0;
};

}  // namespace convpad
