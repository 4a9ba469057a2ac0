#include "engine/arch.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace convpad {

const std::vector<ArchPreset> kArchPresets = {
    {"small (fast)", "conv16k5-relu-pool2-flatten-dense64-relu-dense10"},
    {"default (Keras seed CNN)", kDefaultArch},
    {"two convs first (bundled models)", "conv32k3-relu-conv32k3-relu-pool2-conv64k3-relu-pool2-flatten-dense128-relu-drop0.5-dense10"},
    {"large", "conv32k3same-relu-conv32k3-relu-pool2-conv64k3same-relu-conv64k3-relu-pool2-flatten-dense256-relu-drop0.5-dense10"},
    {"best (batch norm, global pooling)", kBestArch},
};

namespace {

// Limits keep a hostile string (a URL parameter, a model file) from asking for gigabytes.
constexpr std::int64_t kMaxParams = 20'000'000;
constexpr std::int64_t kMaxActivationsPerSample = 2'000'000;

[[noreturn]] void fail(const std::string& arch, std::size_t pos, std::size_t len, const std::string& why) {
    std::string token = arch.substr(pos, len);
    throw ArchError("architecture token '" + token + "' at position " + std::to_string(pos) + ": " + why + "\n  " +
                        arch + "\n  " + std::string(pos, ' ') + std::string(std::max<std::size_t>(len, 1), '^'),
                    pos);
}

// Parses a decimal integer in [lo, hi] spanning the whole of `text`; -1 when it doesn't.
std::int64_t parse_int(const std::string& text, std::int64_t lo, std::int64_t hi) {
    if (text.empty() || text.size() > 9) return -1;
    for (char c : text)
        if (c < '0' || c > '9') return -1;
    std::int64_t v = std::strtoll(text.c_str(), nullptr, 10);
    return v >= lo && v <= hi ? v : -1;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string size_text(Shape3 s) { return std::to_string(s.h) + "x" + std::to_string(s.w); }

}  // namespace

bool ArchSpec::has_dropout() const {
    return std::any_of(layers.begin(), layers.end(), [](const LayerSpec& l) { return l.kind == LayerKind::Dropout; });
}

ArchSpec parse_arch(const std::string& arch, Shape3 input, int classes) {
    if (arch.empty()) fail(arch, 0, 0, "the architecture is empty");
    if (input.size() == 0 || classes < 2) throw std::invalid_argument("a model needs a non-empty input and at least 2 classes");
    ArchSpec spec;
    Shape3 shape = input;
    std::int64_t activations = std::int64_t(shape.size());
    // Checked before a layer's size is counted, as a model would allocate it.
    auto check_size = [&](std::size_t pos, std::size_t len, std::int64_t new_params, std::int64_t new_outputs) {
        if (std::int64_t(spec.params) + new_params > kMaxParams || activations + new_outputs > kMaxActivationsPerSample)
            fail(arch, pos, len, "the network is too large for ConvPad (limits: 20M parameters, 2M activations per image)");
    };
    std::size_t pos = 0;
    while (pos <= arch.size()) {
        std::size_t end = arch.find('-', pos);
        if (end == std::string::npos) end = arch.size();
        const std::string tok = arch.substr(pos, end - pos);
        const std::size_t len = tok.size();
        const bool image_input = shape.h > 1 || shape.w > 1;
        LayerSpec layer{};
        layer.position = pos;
        layer.length = len;
        layer.input = layer.output = shape;
        if (tok.empty()) {
            fail(arch, pos, 0, "empty token (two '-' in a row, or a '-' at an end)");
        } else if (starts_with(tok, "conv")) {
            std::size_t k = tok.find('k', 4);
            std::string rest = k == std::string::npos ? "" : tok.substr(k + 1);
            layer.padding = Padding::Valid;
            if (rest.size() > 4 && rest.compare(rest.size() - 4, 4, "same") == 0) {
                layer.padding = Padding::Same;
                rest.resize(rest.size() - 4);
            }
            std::int64_t filters = k == std::string::npos ? -1 : parse_int(tok.substr(4, k - 4), 1, 1024);
            std::int64_t kernel = parse_int(rest, 1, 15);
            if (filters < 0 || kernel < 0)
                fail(arch, pos, len, "expected conv<filters 1..1024>k<kernel 1..15>[same], e.g. conv32k3");
            if (!image_input) fail(arch, pos, len, "a convolution needs an image input, but its input is flat");
            check_size(pos, len, filters * (std::int64_t(shape.c) * kernel * kernel + 1), std::int64_t(filters) * shape.h * shape.w);
            const int pad_total = layer.padding == Padding::Same ? int(kernel) - 1 : 0;
            const Shape3 out{int(filters), shape.h + pad_total - int(kernel) + 1, shape.w + pad_total - int(kernel) + 1};
            if (out.h < 1 || out.w < 1)
                fail(arch, pos, len, "kernel " + std::to_string(kernel) + " is larger than its " + size_text(shape) + " input");
            layer.kind = LayerKind::Conv;
            layer.size = int(filters);
            layer.kernel = int(kernel);
            layer.output = out;
            layer.params = std::size_t(filters) * (std::size_t(shape.c) * kernel * kernel + 1);
        } else if (starts_with(tok, "pool")) {
            std::int64_t size = parse_int(tok.substr(4), 2, 8);
            if (size < 0) fail(arch, pos, len, "expected pool<size 2..8>, e.g. pool2");
            if (!image_input) fail(arch, pos, len, "pooling needs an image input, but its input is flat");
            const Shape3 out{shape.c, shape.h / int(size), shape.w / int(size)};
            if (out.h < 1 || out.w < 1)
                fail(arch, pos, len, "pool window " + std::to_string(size) + " is larger than its " + size_text(shape) + " input");
            layer.kind = LayerKind::Pool;
            layer.size = int(size);
            layer.output = out;
        } else if (starts_with(tok, "dense")) {
            std::int64_t units = parse_int(tok.substr(5), 1, 65536);
            if (units < 0) fail(arch, pos, len, "expected dense<units 1..65536>, e.g. dense128");
            check_size(pos, len, units * (std::int64_t(shape.size()) + 1), units);
            layer.kind = LayerKind::Dense;
            layer.size = int(units);
            layer.output = {int(units), 1, 1};
            layer.params = std::size_t(units) * (shape.size() + 1);
        } else if (tok == "relu") {
            layer.kind = LayerKind::ReLU;
        } else if (tok == "flatten") {
            layer.kind = LayerKind::Flatten;
            layer.output = {int(shape.size()), 1, 1};
        } else if (tok == "bn") {
            check_size(pos, len, std::int64_t(2) * shape.c, std::int64_t(shape.size()));
            layer.kind = LayerKind::BatchNorm;
            layer.params = 2 * std::size_t(shape.c);  // gamma, beta
            layer.state = 2 * std::size_t(shape.c);   // running mean, running variance
        } else if (tok == "gap") {
            if (!image_input) fail(arch, pos, len, "global average pooling needs an image input, but its input is flat");
            layer.kind = LayerKind::GlobalAvgPool;
            layer.output = {shape.c, 1, 1};
        } else if (starts_with(tok, "drop")) {
            const std::string num = tok.substr(4);
            char* endp = nullptr;
            double rate = num.empty() ? -1 : std::strtod(num.c_str(), &endp);
            bool plain = !num.empty() && num.find_first_not_of("0123456789.") == std::string::npos;
            if (!plain || endp != num.c_str() + num.size() || !(rate >= 0.0 && rate < 1.0))
                fail(arch, pos, len, "expected drop<rate in [0,1)>, e.g. drop0.5");
            layer.kind = LayerKind::Dropout;
            layer.rate = float(rate);
        } else {
            fail(arch, pos, len, "unknown layer; expected conv, pool, dense, relu, drop, flatten, bn or gap");
        }
        spec.params += layer.params;
        spec.weights += layer.params + layer.state;
        shape = layer.output;
        activations += std::int64_t(shape.size());
        check_size(pos, len, 0, 0);
        spec.layers.push_back(layer);
        pos = end + 1;
    }
    if (shape.size() != std::size_t(classes)) {
        const std::size_t last = arch.rfind('-') == std::string::npos ? 0 : arch.rfind('-') + 1;
        fail(arch, last, arch.size() - last,
             "the last layer must output " + std::to_string(classes) + " class scores (e.g. dense" + std::to_string(classes) +
                 "), but it outputs " + std::to_string(shape.size()));
    }
    return spec;
}

}  // namespace convpad
