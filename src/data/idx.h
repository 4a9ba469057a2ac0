// IDX files (the MNIST/Fashion-MNIST container), raw or gzip-compressed, validated at the boundary.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace convpad {

// Every problem with external data is reported as this, with a message naming what is wrong.
struct DataError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct IdxImages {
    int count = 0, rows = 0, cols = 0;
    std::vector<std::uint8_t> pixels;  // (count, rows, cols), row-major
};

struct IdxLabels {
    std::vector<std::uint8_t> labels;  // (count)
};

// Parse already-decompressed IDX bytes. `what` names the source in error messages (a file name).
IdxImages parse_idx_images(const std::uint8_t* data, std::size_t size, const std::string& what);
IdxLabels parse_idx_labels(const std::uint8_t* data, std::size_t size, int num_classes, const std::string& what);

// True when bytes start with the gzip magic (1f 8b).
bool is_gzip(const std::uint8_t* data, std::size_t size);

// Decompress gzip bytes (native builds only: needs zlib; the browser gunzips with DecompressionStream).
// Rejects output larger than max_output bytes.
std::vector<std::uint8_t> gunzip(const std::uint8_t* data, std::size_t size, const std::string& what,
                                 std::size_t max_output = std::size_t(1) << 30);

// Read a whole file; with zlib available, transparently gunzips .gz content.
std::vector<std::uint8_t> read_file_bytes(const std::string& path);
IdxImages load_idx_images(const std::string& path);
IdxLabels load_idx_labels(const std::string& path, int num_classes);

}  // namespace convpad
