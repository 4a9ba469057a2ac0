// libFuzzer target: arbitrary bytes through decode_image and preprocess_to_28x28. Only DataError may
// escape decoding; preprocessing a decoded image must always succeed with finite values in [0,1].
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/idx.h"
#include "data/image.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    convpad::GrayImage img;
    try {
        img = convpad::decode_image(data, size, "fuzz");
    } catch (const convpad::DataError&) {
        return 0;
    }
    if (img.width <= 0 || img.height <= 0 || img.pixels.size() != std::size_t(img.width) * img.height)
        __builtin_trap();
    std::vector<float> frame = convpad::preprocess_to_28x28(img);
    if (frame.size() != 28 * 28) __builtin_trap();
    for (float v : frame)
        if (!(v >= 0.0f && v <= 1.0f + 1e-5f)) __builtin_trap();
    return 0;
}
