// IDX parsing and gunzip. Every byte that comes from outside is checked here, so nothing past this
// file has to trust a header field.
//
// Layout (big-endian): 00 00 <type> <ndims>, then ndims uint32 sizes, then the data.
// Policy on trailing bytes: rejected. The real files are exact, and extra bytes usually mean the
// header sizes are wrong (or two files were concatenated), which we would rather report than ignore.
#include "data/idx.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#ifdef CONVPAD_HAVE_ZLIB
#include <zlib.h>
#endif

namespace convpad {

namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;  // unsigned byte, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 0x00000801;  // unsigned byte, 1 dimension
constexpr std::uint8_t kTypeUnsignedByte = 0x08;
// The full Fashion-MNIST training set is 47 MB; anything near 2 GiB is a corrupt or hostile header.
// Kept below 2^31 so that every count fits the int fields of IdxImages.
constexpr std::uint64_t kMaxPayloadBytes = (std::uint64_t(1) << 31) - 1;

std::uint32_t read_be32(const std::uint8_t* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", unsigned(v));
    return buf;
}

std::string hex8(std::uint8_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", unsigned(v));
    return buf;
}

[[noreturn]] void fail(const std::string& what, const std::string& problem) {
    throw DataError("'" + what + "': " + problem);
}

// Checks the 4-byte magic and the dimension header; returns the sizes.
std::vector<std::uint32_t> read_idx_header(const std::uint8_t* data, std::size_t size, std::uint32_t want_magic,
                                           const char* kind, const std::string& what) {
    if (is_gzip(data, size))
        fail(what, "data is still gzip-compressed; decompress it before parsing");
    if (size < 4)
        fail(what, "truncated header: file has " + std::to_string(size) + " bytes, an IDX header needs at least 4");
    std::uint32_t magic = read_be32(data);
    if (data[0] != 0 || data[1] != 0)
        fail(what, "bad magic " + hex32(magic) + ": not an IDX file (expected " + hex32(want_magic) + " for " +
                       kind + ")");
    if (data[2] != kTypeUnsignedByte)
        fail(what, "bad magic " + hex32(magic) + ": data type " + hex8(data[2]) +
                       " is not unsigned byte (0x08)");
    unsigned want_dims = want_magic & 0xFF;
    if (magic != want_magic) {
        std::string problem = "bad magic " + hex32(magic) + ": " + std::to_string(data[3]) + " dimensions, expected " +
                              std::to_string(want_dims) + " for " + kind + " (" + hex32(want_magic) + ")";
        if (magic == kLabelsMagic) problem += "; this looks like a labels file";
        if (magic == kImagesMagic) problem += "; this looks like an images file";
        fail(what, problem);
    }
    std::size_t header_bytes = 4 + 4 * std::size_t(want_dims);
    if (size < header_bytes)
        fail(what, "truncated header: file has " + std::to_string(size) + " bytes, the " + kind + " header needs " +
                       std::to_string(header_bytes));
    std::vector<std::uint32_t> dims(want_dims);
    for (unsigned i = 0; i < want_dims; ++i) dims[i] = read_be32(data + 4 + 4 * i);
    return dims;
}

// Checks that exactly `payload` bytes follow the header.
void check_payload_size(std::size_t size, std::size_t header_bytes, std::uint64_t payload, const char* what_payload,
                        const std::string& what) {
    std::uint64_t available = size - header_bytes;
    if (available < payload)
        fail(what, "truncated: expected " + std::to_string(payload) + " bytes of " + what_payload + ", file has " +
                       std::to_string(available));
    if (available > payload)
        fail(what, "trailing garbage: " + std::to_string(available - payload) + " bytes after the " +
                       std::to_string(payload) + " bytes of " + what_payload);
}

}  // namespace

IdxImages parse_idx_images(const std::uint8_t* data, std::size_t size, const std::string& what) {
    std::vector<std::uint32_t> dims = read_idx_header(data, size, kImagesMagic, "images", what);
    std::uint32_t count = dims[0], rows = dims[1], cols = dims[2];
    if (count == 0 || rows == 0 || cols == 0)
        fail(what, "zero dimension: " + std::to_string(count) + " images of " + std::to_string(rows) + "x" +
                       std::to_string(cols));
    // Each factor is < 2^32, so the product of two fits in 64 bits; check before the third multiply.
    std::uint64_t image_bytes = std::uint64_t(rows) * cols;
    if (image_bytes > kMaxPayloadBytes || std::uint64_t(count) * image_bytes > kMaxPayloadBytes)
        fail(what, "absurd dimensions: " + std::to_string(count) + " images of " + std::to_string(rows) + "x" +
                       std::to_string(cols) + " exceed the " + std::to_string(kMaxPayloadBytes) + "-byte limit");
    std::uint64_t payload = std::uint64_t(count) * image_bytes;
    check_payload_size(size, 16, payload, "pixels", what);

    IdxImages out;
    out.count = int(count);  // all three are <= kMaxPayloadBytes < 2^31
    out.rows = int(rows);
    out.cols = int(cols);
    out.pixels.assign(data + 16, data + 16 + payload);
    return out;
}

IdxLabels parse_idx_labels(const std::uint8_t* data, std::size_t size, int num_classes, const std::string& what) {
    if (num_classes < 1 || num_classes > 256)
        fail(what, "num_classes " + std::to_string(num_classes) + " cannot be stored in unsigned-byte labels");
    std::vector<std::uint32_t> dims = read_idx_header(data, size, kLabelsMagic, "labels", what);
    std::uint32_t count = dims[0];
    if (count == 0) fail(what, "zero dimension: the file holds 0 labels");
    if (count > kMaxPayloadBytes)
        fail(what, "absurd dimensions: " + std::to_string(count) + " labels exceed the " +
                       std::to_string(kMaxPayloadBytes) + "-byte limit");
    check_payload_size(size, 8, count, "labels", what);

    IdxLabels out;
    out.labels.assign(data + 8, data + 8 + count);
    for (std::size_t i = 0; i < out.labels.size(); ++i)
        if (out.labels[i] >= num_classes)
            fail(what, "label " + std::to_string(out.labels[i]) + " at index " + std::to_string(i) +
                           " is out of range 0.." + std::to_string(num_classes - 1));
    return out;
}

bool is_gzip(const std::uint8_t* data, std::size_t size) {
    return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

#ifdef CONVPAD_HAVE_ZLIB

std::vector<std::uint8_t> gunzip(const std::uint8_t* data, std::size_t size, const std::string& what,
                                 std::size_t max_output) {
    if (!is_gzip(data, size)) fail(what, "not gzip data (missing the 1f 8b magic)");

    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail(what, "cannot initialise zlib");
    struct InflateGuard {
        z_stream* zs;
        ~InflateGuard() { inflateEnd(zs); }
    } guard{&zs};

    // The gzip trailer stores the uncompressed size mod 2^32: a good hint for a single member, but
    // only a hint, capped so that a forged trailer cannot make us reserve a gigabyte up front.
    std::size_t hint = size >= 18 ? std::size_t(data[size - 4]) | std::size_t(data[size - 3]) << 8 |
                                        std::size_t(data[size - 2]) << 16 | std::size_t(data[size - 1]) << 24
                                  : 0;
    std::vector<std::uint8_t> out;
    out.reserve(std::min({hint, max_output, size * 1100 + 1024, std::size_t(1) << 28}));

    const std::uint8_t* next = data;
    std::size_t remaining = size;
    std::uint8_t chunk[1 << 16];
    for (;;) {
        // avail_in is 32-bit: feed very large inputs in slices.
        std::size_t slice = std::min<std::size_t>(remaining, 1u << 30);
        zs.next_in = const_cast<Bytef*>(next);
        zs.avail_in = uInt(slice);
        int rc = Z_OK;
        while (rc != Z_STREAM_END && (zs.avail_in > 0 || rc == Z_OK)) {
            zs.next_out = chunk;
            zs.avail_out = sizeof chunk;
            rc = inflate(&zs, Z_NO_FLUSH);
            if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
                fail(what, std::string("corrupt gzip data: ") + (zs.msg ? zs.msg : "invalid stream"));
            if (rc == Z_MEM_ERROR) fail(what, "out of memory while decompressing");
            std::size_t produced = sizeof chunk - zs.avail_out;
            if (out.size() + produced > max_output)
                fail(what, "decompressed data exceeds the limit of " + std::to_string(max_output) + " bytes");
            out.insert(out.end(), chunk, chunk + produced);
            if (rc == Z_BUF_ERROR) break;  // no progress possible: input slice exhausted
        }
        std::size_t consumed = slice - zs.avail_in;
        next += consumed;
        remaining -= consumed;
        if (consumed == 0 && rc != Z_STREAM_END) fail(what, "corrupt gzip data: decompression made no progress");

        if (rc == Z_STREAM_END) {
            if (remaining == 0) return out;
            // gzip allows several members back to back (as `cat a.gz b.gz` makes); anything else is garbage.
            if (!is_gzip(next, remaining))
                fail(what, "trailing garbage: " + std::to_string(remaining) + " bytes after the end of the gzip stream");
            if (inflateReset(&zs) != Z_OK) fail(what, "cannot reset zlib");
            continue;
        }
        if (remaining == 0) fail(what, "truncated gzip stream: input ended before the end of the compressed data");
    }
}

#else

std::vector<std::uint8_t> gunzip(const std::uint8_t* data, std::size_t size, const std::string& what,
                                 std::size_t max_output) {
    fail(what, "gzip is unsupported in this build (no zlib); decompress the file first "
               "(the browser app gunzips with DecompressionStream)");
}

#endif

std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) fail(path, std::string("cannot open file: ") + std::strerror(errno));
    std::vector<std::uint8_t> bytes;
    std::uint8_t chunk[1 << 16];
    for (;;) {
        std::size_t n = std::fread(chunk, 1, sizeof chunk, f);
        bytes.insert(bytes.end(), chunk, chunk + n);
        if (n < sizeof chunk) break;
    }
    // Opening a directory succeeds on Linux; reading it is what fails (EISDIR).
    bool read_failed = std::ferror(f) != 0;
    int read_errno = errno;
    std::fclose(f);
    if (read_failed) fail(path, std::string("cannot read file: ") + std::strerror(read_errno));
#ifdef CONVPAD_HAVE_ZLIB
    if (is_gzip(bytes.data(), bytes.size())) return gunzip(bytes.data(), bytes.size(), path);
#endif
    return bytes;
}

namespace {

// Without zlib, read_file_bytes hands back gzip bytes untouched; gunzip then explains why it cannot help.
std::vector<std::uint8_t> read_decompressed(const std::string& path) {
    std::vector<std::uint8_t> bytes = read_file_bytes(path);
    if (is_gzip(bytes.data(), bytes.size())) bytes = gunzip(bytes.data(), bytes.size(), path);
    return bytes;
}

}  // namespace

IdxImages load_idx_images(const std::string& path) {
    std::vector<std::uint8_t> bytes = read_decompressed(path);
    return parse_idx_images(bytes.data(), bytes.size(), path);
}

IdxLabels load_idx_labels(const std::string& path, int num_classes) {
    std::vector<std::uint8_t> bytes = read_decompressed(path);
    return parse_idx_labels(bytes.data(), bytes.size(), num_classes, path);
}

}  // namespace convpad
