#include "engine/model_file.h"

#include <array>
#include <cmath>
#include <cstring>

#include "engine/arch.h"

namespace convpad {

namespace {

constexpr char kMagic[8] = {'C', 'O', 'N', 'V', 'P', 'A', 'D', 0x1a};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kMaxArchLength = 4096;

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}

// Bounds-checked little-endian reader.
struct Reader {
    const std::uint8_t* data;
    std::size_t size, at = 0;
    void need(std::size_t n, const char* what) {
        if (size - at < n)
            throw ModelFileError(std::string("model file is truncated: it ends inside the ") + what + " (" +
                                 std::to_string(size) + " bytes in all)");
    }
    std::uint64_t uint(int bytes, const char* what) {
        need(std::size_t(bytes), what);
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i) v |= std::uint64_t(data[at + i]) << (8 * i);
        at += std::size_t(bytes);
        return v;
    }
};

}  // namespace

std::uint32_t crc32(const std::uint8_t* data, std::size_t size) {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < size; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

std::vector<std::uint8_t> save_model(const Model& model) {
    const std::vector<float> weights = model.weights();
    std::vector<std::uint8_t> weight_bytes(weights.size() * 4);
    for (std::size_t i = 0; i < weights.size(); ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, &weights[i], 4);
        for (int b = 0; b < 4; ++b) weight_bytes[i * 4 + b] = std::uint8_t(bits >> (8 * b));
    }
    std::vector<std::uint8_t> out(kMagic, kMagic + 8);
    put_u32(out, kVersion);
    put_u32(out, std::uint32_t(model.arch().size()));
    out.insert(out.end(), model.arch().begin(), model.arch().end());
    put_u64(out, weights.size());
    put_u32(out, crc32(weight_bytes.data(), weight_bytes.size()));
    out.insert(out.end(), weight_bytes.begin(), weight_bytes.end());
    return out;
}

ModelFileHeader read_model_header(const std::uint8_t* data, std::size_t size, std::uint64_t file_size) {
    if (!data && size) throw ModelFileError("model file: no data");
    Reader r{data, size};
    r.need(8, "header");
    if (std::memcmp(data, kMagic, 8) != 0) throw ModelFileError("not a ConvPad model file (wrong magic bytes)");
    r.at = 8;
    const auto version = std::uint32_t(r.uint(4, "header"));
    if (version != kVersion)
        throw ModelFileError("model file format version " + std::to_string(version) + " is not supported (this build reads version 1)");
    const auto arch_length = std::uint32_t(r.uint(4, "header"));
    if (arch_length == 0 || arch_length > kMaxArchLength)
        throw ModelFileError("model file has an invalid architecture length (" + std::to_string(arch_length) + ")");
    r.need(arch_length, "architecture string");
    ModelFileHeader h;
    h.arch.assign(reinterpret_cast<const char*>(data + r.at), arch_length);
    r.at += arch_length;
    for (char c : h.arch)
        if (c < 0x20 || c > 0x7e) throw ModelFileError("model file's architecture string has non-printable bytes");
    h.weight_count = r.uint(8, "parameter count");
    h.checksum = std::uint32_t(r.uint(4, "checksum"));
    h.weights_at = r.at;

    // Sizes first, so a hostile header cannot make us build a huge model for a tiny file.
    const std::uint64_t room = file_size >= h.weights_at ? file_size - h.weights_at : 0;
    if (h.weight_count > room / 4)
        throw ModelFileError("model file is truncated: it declares " + std::to_string(h.weight_count) +
                             " parameters but holds " + std::to_string(room / 4));
    if (room != h.weight_count * 4)
        throw ModelFileError("model file has " + std::to_string(room - h.weight_count * 4) +
                             " unexpected bytes after the weights");
    std::uint64_t weights = 0;
    try {
        weights = parse_arch(h.arch).weights;
    } catch (const ArchError& e) {
        throw ModelFileError(std::string("model file's architecture is invalid: ") + e.what());
    }
    if (h.weight_count != weights)
        throw ModelFileError("model file declares " + std::to_string(h.weight_count) + " weights but its architecture '" +
                             h.arch + "' has " + std::to_string(weights));
    return h;
}

Model load_model(const std::uint8_t* data, std::size_t size) {
    const ModelFileHeader h = read_model_header(data, size, size);
    Model model(h.arch);
    const std::size_t count = std::size_t(h.weight_count), weight_bytes = count * 4;
    const std::uint8_t* w = data + h.weights_at;
    if (crc32(w, weight_bytes) != h.checksum) throw ModelFileError("model file is corrupted (weight checksum mismatch)");
    std::vector<float> weights(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t bits = std::uint32_t(w[4 * i]) | std::uint32_t(w[4 * i + 1]) << 8 |
                             std::uint32_t(w[4 * i + 2]) << 16 | std::uint32_t(w[4 * i + 3]) << 24;
        std::memcpy(&weights[i], &bits, 4);
        if (!std::isfinite(weights[i]))
            throw ModelFileError("model file has a non-finite weight at index " + std::to_string(i));
    }
    model.set_weights(weights);
    for (const LayerPtr& layer : model.layers())
        for (const ParamRef& p : layer->state())
            if (p.name == "running_var")
                for (std::size_t i = 0; i < p.size; ++i)
                    if (p.value[i] < 0.0f)
                        throw ModelFileError("model file has a negative running variance in its '" + layer->token() +
                                             "' layer");
    return model;
}

Model load_model_expecting(const std::uint8_t* data, std::size_t size, const std::string& expected_arch) {
    Model model = load_model(data, size);
    if (model.arch() != expected_arch)
        throw ModelFileError("model file is for architecture '" + model.arch() + "', expected '" + expected_arch + "'");
    return model;
}

}  // namespace convpad
