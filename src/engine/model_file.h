// ConvPad's model file (.cpm), version 1. All integers little-endian.
//
//   offset  size  field
//   0       8     magic "CONVPAD\x1a"
//   8       4     format version (1)
//   12      4     architecture string length L (1..4096)
//   16      L     architecture string (ASCII, see engine/model.h)
//   16+L    8     weight count P (must equal what the architecture implies: Model::num_weights())
//   24+L    4     CRC-32 (IEEE) of the weight bytes
//   28+L    4P    weights, float32, in Model::weights() order (per layer its parameters, then its state)
// Nothing may follow the weights.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/model.h"

namespace convpad {

struct ModelFileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::vector<std::uint8_t> save_model(const Model& model);

// What a file's first bytes (magic to checksum, at most 28 + 4096 of them) say, checked against the
// whole file's size: the format, the architecture, a weight count that matches both. A host can refuse a
// bad file after reading this much of it; load_model checks it all again.
struct ModelFileHeader {
    std::string arch;
    std::uint64_t weight_count = 0;
    std::uint32_t checksum = 0;
    std::size_t weights_at = 0;  // where the weights begin
};
constexpr std::size_t kModelHeaderMaxBytes = 28 + 4096;
ModelFileHeader read_model_header(const std::uint8_t* data, std::size_t size, std::uint64_t file_size);
// Validates everything; throws ModelFileError naming the problem. Never reads out of bounds.
Model load_model(const std::uint8_t* data, std::size_t size);
// As load_model, and additionally requires the file's architecture to be `expected_arch`.
Model load_model_expecting(const std::uint8_t* data, std::size_t size, const std::string& expected_arch);

std::uint32_t crc32(const std::uint8_t* data, std::size_t size);

}  // namespace convpad
