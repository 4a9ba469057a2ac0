// libFuzzer target: arbitrary bytes into the IDX parsers and gunzip. A DataError is the expected way
// to refuse bad input; any other exception, a crash or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/idx.h"

namespace {

// Small enough that a decompression bomb is refused quickly, large enough for real headers.
constexpr std::size_t kMaxGunzip = std::size_t(1) << 24;

void parse_all(const std::uint8_t* data, std::size_t size) {
    try {
        convpad::IdxImages images = convpad::parse_idx_images(data, size, "fuzz");
        // Accepted files must keep their promise: the pixel buffer matches the header.
        if (images.pixels.size() != std::size_t(images.count) * images.rows * images.cols) __builtin_trap();
    } catch (const convpad::DataError&) {
    }
    try {
        convpad::IdxLabels labels = convpad::parse_idx_labels(data, size, 10, "fuzz");
        for (std::uint8_t l : labels.labels)
            if (l >= 10) __builtin_trap();
    } catch (const convpad::DataError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    parse_all(data, size);
    if (convpad::is_gzip(data, size)) {
        try {
            std::vector<std::uint8_t> raw = convpad::gunzip(data, size, "fuzz", kMaxGunzip);
            if (raw.size() > kMaxGunzip) __builtin_trap();
            parse_all(raw.data(), raw.size());
        } catch (const convpad::DataError&) {
        }
    }
    return 0;
}
