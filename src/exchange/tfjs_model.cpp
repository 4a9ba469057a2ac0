#include "exchange/tfjs_model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/activations.h"
#include "engine/batch_norm.h"
#include "engine/conv2d.h"
#include "engine/dense.h"
#include "engine/global_avg_pool.h"
#include "engine/maxpool2d.h"
#include "engine/model.h"

namespace convpad {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// Bounds on what a hostile model.json may ask for. A ConvPad-sized model's json is a few kB.
constexpr std::size_t kMaxJsonBytes = 16u << 20;
constexpr int kMaxJsonDepth = 64;
constexpr std::size_t kMaxLayers = 512;
constexpr std::size_t kMaxManifestWeights = 65536;
constexpr std::uint64_t kMaxWeightElements = std::uint64_t(1) << 34;
// A dense layer's weights are counted here in 64 bits before the architecture parser counts them in long, which
// wasm32's 32 bits wrap (3000 units on a 1024x28x28 flatten would pass there); its own limit (20M) is far below.
constexpr std::int64_t kMaxDenseWeights = std::int64_t(1) << 30;

const char* const kSupportedLayers =
    "ConvPad reads Conv2D, MaxPooling2D, Dense, Dropout, Flatten, BatchNormalization, GlobalAveragePooling2D, "
    "Activation/ReLU, InputLayer";

[[noreturn]] void fail(const std::string& message) { throw TfjsError(message); }

std::string shape_text(const std::vector<long>& shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

// [SECTION] Layouts
// For index f of a flat ConvPad vector made from a (C,H,W) image: its index in TensorFlow's (H,W,C) flatten.
std::vector<std::size_t> nhwc_order(Shape3 s) {
    std::vector<std::size_t> to(s.size());
    for (int c = 0; c < s.c; ++c)
        for (int h = 0; h < s.h; ++h)
            for (int w = 0; w < s.w; ++w)
                to[(std::size_t(c) * s.h + h) * s.w + w] = (std::size_t(h) * s.w + w) * s.c + c;
    return to;
}

std::vector<std::size_t> identity_order(std::size_t n) {
    std::vector<std::size_t> to(n);
    for (std::size_t i = 0; i < n; ++i) to[i] = i;
    return to;
}

// The shortest decimal that reads back as x (0.9f -> 0.9, not 0.8999999761581421).
double decimal(float x) {
    char text[32];
    for (int digits = 6; digits <= 9; ++digits) {
        std::snprintf(text, sizeof text, "%.*g", digits, double(x));
        const double d = std::strtod(text, nullptr);
        if (float(d) == x) return d;
    }
    return double(x);
}

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    std::uint32_t bits;
    if (exponent == 0) {
        const float magnitude = std::ldexp(float(mantissa), -24);  // zero or subnormal: exact in float
        return sign ? -magnitude : magnitude;
    } else if (exponent == 31) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// [SECTION] Export

struct Exporter {
    ordered_json layers = ordered_json::array();
    ordered_json weights = ordered_json::array();  // the manifest's entries
    std::vector<float> values;                     // their values, in manifest order
    std::map<std::string, int> counts;             // per name prefix, for unique layer names
    ordered_json input_shape;                      // [null, H, W, C]: the first layer carries it

    // Appends a layer named <prefix>_<n>; returns its name.
    std::string add(const char* class_name, const std::string& prefix, ordered_json options) {
        const std::string name = prefix + "_" + std::to_string(++counts[prefix]);
        ordered_json config = {{"name", name}, {"trainable", true}};
        if (layers.empty()) {
            config["batch_input_shape"] = input_shape;
            config["dtype"] = "float32";
        }
        for (auto it = options.begin(); it != options.end(); ++it) config[it.key()] = it.value();
        layers.push_back({{"class_name", class_name}, {"config", std::move(config)}});
        return name;
    }
    void add_weight(const std::string& layer, const char* what, std::vector<long> shape, const std::vector<float>& v) {
        weights.push_back({{"name", layer + "/" + what}, {"shape", shape}, {"dtype", "float32"}});
        values.insert(values.end(), v.begin(), v.end());
    }
    void add_activation(const char* activation) {
        add("Activation", "activation", {{"activation", activation}});
    }
};

std::vector<float> permuted(const float* v, const std::vector<std::size_t>& to) {
    std::vector<float> out(to.size());
    for (std::size_t f = 0; f < to.size(); ++f) out[to[f]] = v[f];
    return out;
}

bool ends_with(const std::string& s, const char* suffix) {
    const std::size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// [SECTION] Import: reading model.json

json parse_model_json(const std::string& text) {
    if (text.size() > kMaxJsonBytes)
        fail("model.json is " + std::to_string(text.size()) + " bytes; ConvPad reads at most 16 MiB");
    try {
        // The callback sees every value as it is parsed: deep nesting is refused before it is built.
        return json::parse(text, [](int depth, json::parse_event_t, json&) {
            if (depth > kMaxJsonDepth) fail("model.json is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
            return true;
        });
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e999
        fail(std::string("model.json is not valid JSON: ") + e.what());
    }
}

// A whole number of model.json as 64 bits, whatever the build's long (32 bits on wasm32, where get<long>() would
// read units 4294967306 as 10): nullopt for anything else, a fraction or a value beyond int64 included.
std::optional<std::int64_t> whole_number(const json& v) {
    if (!v.is_number_integer()) return std::nullopt;
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) return std::nullopt;
    return v.get<std::int64_t>();
}

const json* member(const json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

const json& manifest_of(const json& root) {
    const json* manifest = member(root, "weightsManifest");
    if (!manifest) fail("model.json has no weightsManifest (a topology without weights)");
    if (!manifest->is_array()) fail("model.json's weightsManifest is not a list of weight groups");
    return *manifest;
}

// One Keras layer: its class, its name, its config; typed reads of its options with messages naming it.
struct KerasLayer {
    std::string class_name, name;
    json config;

    std::string who() const { return "layer '" + name + "' (" + class_name + ")"; }
    [[noreturn]] void refuse(const std::string& why) const { fail(who() + ": " + why); }
    const json* find(const char* key) const { return member(config, key); }

    // lo..hi within int32, so that the long returned holds it in every build.
    long integer(const char* key, long fallback, std::int32_t lo, std::int32_t hi) const {
        const json* v = find(key);
        if (!v) return fallback;
        if (!v->is_number_integer()) refuse(std::string(key) + " must be a whole number");
        const std::optional<std::int64_t> x = whole_number(*v);
        if (!x || *x < lo || *x > hi)
            refuse(std::string(key) + " " + v->dump() + " is outside what ConvPad supports (" + std::to_string(lo) + ".." +
                   std::to_string(hi) + ")");
        return long(*x);
    }
    double number(const char* key, double fallback) const {
        const json* v = find(key);
        if (!v) return fallback;
        if (!v->is_number()) refuse(std::string(key) + " must be a number");
        return v->get<double>();
    }
    bool flag(const char* key, bool fallback) const {
        const json* v = find(key);
        if (!v) return fallback;
        if (!v->is_boolean()) refuse(std::string(key) + " must be true or false");
        return v->get<bool>();
    }
    std::string text(const char* key, const std::string& fallback) const {
        const json* v = find(key);
        if (!v) return fallback;
        if (!v->is_string()) refuse(std::string(key) + " must be a string");
        return v->get<std::string>();
    }
    // A 2-D option: a number for both axes, or [rows, columns]; nullopt when absent.
    std::optional<std::vector<long>> pair(const char* key) const {
        const json* v = find(key);
        if (!v) return std::nullopt;
        auto whole = [&](const json& x) {
            if (!x.is_number_integer()) refuse(std::string(key) + " must hold whole numbers");
            const std::optional<std::int64_t> n = whole_number(x);
            if (!n || *n < 0 || *n > 1'000'000)
                refuse(std::string(key) + " " + v->dump() + " is outside what ConvPad supports (0..1000000 each)");
            return long(*n);
        };
        if (v->is_number()) return std::vector<long>{whole(*v), whole(*v)};
        if (v->is_array() && (v->size() == 1 || v->size() == 2))
            return std::vector<long>{whole(v->front()), whole(v->back())};
        refuse(std::string(key) + " must be a number or a list of two");
    }
    void require_channels_last() const {
        const std::string format = text("data_format", "channels_last");
        if (format != "channels_last")
            refuse("data_format '" + format + "' is not supported; ConvPad exchanges channels_last models");
    }
};

std::vector<KerasLayer> read_layers(const json& root) {
    const json* format = member(root, "format");
    if (format && (!format->is_string() || format->get<std::string>() != "layers-model"))
        fail("model.json has format " + format->dump() +
             "; ConvPad reads TensorFlow.js layers models (format \"layers-model\", from model.save or tf.loadLayersModel)");
    const json* topology = member(root, "modelTopology");
    if (!topology || !topology->is_object()) fail("model.json has no modelTopology object");
    if (const json* inner = member(*topology, "model_config")) topology = inner;  // tensorflowjs_converter's wrapper
    const json* class_name = member(*topology, "class_name");
    if (!class_name || !class_name->is_string()) fail("model.json's modelTopology has no class_name");
    if (class_name->get<std::string>() != "Sequential")
        fail("the model is a '" + class_name->get<std::string>() + "'; ConvPad reads Sequential models");
    const json* config = member(*topology, "config");
    const json* list = config && config->is_array() ? config : config ? member(*config, "layers") : nullptr;
    if (!list || !list->is_array())
        fail("model.json's Sequential config has no list of layers (config or config.layers)");
    if (list->empty()) fail("the model has no layers");
    if (list->size() > kMaxLayers)
        fail("the model has " + std::to_string(list->size()) + " layers; ConvPad reads at most " + std::to_string(kMaxLayers));
    std::vector<KerasLayer> layers;
    std::map<std::string, int> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const json& entry = (*list)[i];
        const json* cls = member(entry, "class_name");
        const json* cfg = member(entry, "config");
        if (!cls || !cls->is_string() || !cfg || !cfg->is_object())
            fail("layer " + std::to_string(i + 1) + " of the model has no class_name and config");
        KerasLayer layer{cls->get<std::string>(), "", *cfg};
        const json* name = member(*cfg, "name");
        layer.name = name && name->is_string() ? name->get<std::string>() : "layer " + std::to_string(i + 1);
        if (names[layer.name]++) fail("two layers are called '" + layer.name + "'");
        layers.push_back(std::move(layer));
    }
    return layers;
}

// [SECTION] Import: the weights manifest

struct ManifestWeight {
    std::string name, dtype, quantization;  // quantization: "" (none), "uint8", "uint16" or "float16"
    std::vector<long> shape;
    double scale = 1.0, min = 0.0;
    std::uint64_t count = 0, offset = 0, bytes = 0;
    bool model = true;  // false for an optimizer's weights (skipped)
    bool used = false;
};

struct Manifest {
    std::vector<ManifestWeight> weights;
    std::map<std::string, std::size_t> by_name;
    std::uint64_t total_bytes = 0;
};

Manifest read_manifest(const json& root) {
    Manifest m;
    for (const json& group : manifest_of(root)) {
        const json* list = member(group, "weights");
        if (!list || !list->is_array()) fail("a weightsManifest group has no list of weights");
        for (const json& entry : *list) {
            if (m.weights.size() >= kMaxManifestWeights)
                fail("the weights manifest lists more than " + std::to_string(kMaxManifestWeights) + " weights");
            ManifestWeight w;
            const json* name = member(entry, "name");
            if (!name || !name->is_string() || name->get<std::string>().empty())
                fail("weight " + std::to_string(m.weights.size() + 1) + " of the weights manifest has no name");
            w.name = name->get<std::string>();
            const std::string who = "weight '" + w.name + "'";
            const json* shape = member(entry, "shape");
            if (!shape || !shape->is_array() || shape->size() > 8) fail(who + " has no shape (a list of at most 8 sizes)");
            w.count = 1;
            for (const json& d : *shape) {
                const std::optional<std::int64_t> size = whole_number(d);
                if (!size || *size < 0 || *size > INT32_MAX)
                    fail(who + " has a shape " + shape->dump() + " that is not a list of sizes (whole numbers 0.." +
                         std::to_string(INT32_MAX) + ")");
                w.shape.push_back(long(*size));
                w.count *= std::uint64_t(w.shape.back());
                if (w.count > kMaxWeightElements) fail(who + " is too large (" + shape->dump() + ")");
            }
            const json* dtype = member(entry, "dtype");
            if (!dtype || !dtype->is_string()) fail(who + " has no dtype");
            w.dtype = dtype->get<std::string>();
            if (const json* group_name = member(entry, "group"))
                w.model = !(group_name->is_string() && group_name->get<std::string>() == "optimizer");
            // A model's weights are float32 (perhaps quantized); said before any size is checked.
            if (w.model && w.dtype != "float32")
                fail(who + " has dtype " + w.dtype +
                     "; ConvPad reads float32 weights (stored as float32, or quantized to uint8, uint16 or float16)");
            std::uint64_t bytes_per_value;
            if (const json* q = member(entry, "quantization")) {
                const json* qtype = member(*q, "dtype");
                w.quantization = qtype && qtype->is_string() ? qtype->get<std::string>() : "";
                if (w.quantization == "uint8" || w.quantization == "uint16") {
                    const json* scale = member(*q, "scale");
                    const json* min = member(*q, "min");
                    if (!scale || !scale->is_number() || !min || !min->is_number())
                        fail(who + " is quantized to " + w.quantization + " without a numeric scale and min");
                    w.scale = scale->get<double>(), w.min = min->get<double>();
                    if (!std::isfinite(w.scale) || !std::isfinite(w.min)) fail(who + " has a non-finite quantization scale or min");
                    bytes_per_value = w.quantization == "uint8" ? 1 : 2;
                } else if (w.quantization == "float16") {
                    bytes_per_value = 2;
                } else {
                    fail(who + " has quantization " + (qtype ? qtype->dump() : std::string("without a dtype")) +
                         "; TensorFlow.js quantizes to uint8, uint16 or float16");
                }
            } else if (w.dtype == "float32" || w.dtype == "int32") {
                bytes_per_value = 4;
            } else if (w.dtype == "float16" || w.dtype == "bool") {
                bytes_per_value = w.dtype == "bool" ? 1 : 2;
            } else if (w.dtype == "complex64") {
                bytes_per_value = 8;
            } else {
                fail(who + " has dtype '" + w.dtype + "', whose size ConvPad cannot tell; ConvPad reads float32 weights");
            }
            w.bytes = w.count * bytes_per_value;
            w.offset = m.total_bytes;
            m.total_bytes += w.bytes;
            if (m.by_name.count(w.name)) fail("the weights manifest lists '" + w.name + "' twice");
            m.by_name[w.name] = m.weights.size();
            m.weights.push_back(std::move(w));
        }
    }
    return m;
}

// The values of a float32 weight (stored as float32, or quantized), each checked finite.
std::vector<float> decode(const ManifestWeight& w, const std::uint8_t* bin) {
    const std::uint8_t* p = bin + w.offset;
    std::vector<float> out(std::size_t(w.count));
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (w.quantization.empty()) {
            const std::uint32_t bits = std::uint32_t(p[4 * i]) | std::uint32_t(p[4 * i + 1]) << 8 |
                                       std::uint32_t(p[4 * i + 2]) << 16 | std::uint32_t(p[4 * i + 3]) << 24;
            std::memcpy(&out[i], &bits, 4);
        } else if (w.quantization == "uint8") {
            out[i] = float(double(p[i]) * w.scale + w.min);  // as TensorFlow.js: in double, then to float32
        } else {
            const std::uint16_t q = std::uint16_t(p[2 * i] | p[2 * i + 1] << 8);
            out[i] = w.quantization == "uint16" ? float(double(q) * w.scale + w.min) : half_to_float(q);
        }
        if (!std::isfinite(out[i])) fail("weight '" + w.name + "' has a non-finite value at index " + std::to_string(i));
    }
    return out;
}

// [SECTION] Import: layers to an architecture and a weight plan

enum class Activation { Linear, Relu, Softmax };

// What one ConvPad layer with weights takes from the manifest.
struct WeightStep {
    enum Kind { Conv, Dense, BatchNorm };
    WeightStep(Kind kind, const KerasLayer& layer, long a, long b = 0, long k = 0)
        : kind(kind), layer(&layer), a(a), b(b), k(k) {}
    Kind kind;
    const KerasLayer* layer;
    long a, b, k;  // conv: C in, K out, kernel k;  dense: I in, U out;  bn: channels in a
    bool use_bias = true, scale = true, center = true;
    double epsilon = 1e-3;
    std::optional<Shape3> flattened;  // a flat input made from this (C,H,W) image: TensorFlow's order is (h,w,c)
};

struct Plan {
    std::vector<std::string> tokens;
    std::vector<const KerasLayer*> owners;  // the Keras layer each token comes from
    std::vector<WeightStep> steps;
    void add(const std::string& token, const KerasLayer& from) {
        tokens.push_back(token);
        owners.push_back(&from);
    }
};

Activation activation_of(const KerasLayer& layer, bool last) {
    const json* a = layer.find("activation");
    if (!a) return Activation::Linear;
    if (!a->is_string()) layer.refuse("activation " + a->dump() + " is not supported; ConvPad reads relu and linear");
    const std::string name = a->get<std::string>();
    if (name == "linear") return Activation::Linear;
    if (name == "relu") return Activation::Relu;
    if (name == "softmax") {
        if (!last) layer.refuse("softmax is supported only at the end of the model (ConvPad's predict applies it)");
        return Activation::Softmax;
    }
    layer.refuse("activation '" + name + "' is not supported; ConvPad reads relu and linear (and softmax at the end)");
}

std::vector<std::int64_t> input_shape_of(const KerasLayer& layer) {
    const json* shape = layer.find("batch_input_shape");
    if (!shape) shape = layer.find("batch_shape");  // Keras 3
    if (!shape) return {};
    if (!shape->is_array()) layer.refuse("batch_input_shape is not a list");
    std::vector<std::int64_t> dims;  // 64 bits: [null, 4294967324, 28, 1] is not 28 rows in any build
    for (const json& d : *shape) dims.push_back(whole_number(d).value_or(-1));
    if (dims.size() != 4 || dims[1] != 28 || dims[2] != 28 || dims[3] != 1)
        layer.refuse("the model's input is " + shape->dump() +
                     "; ConvPad reads one 28x28 grayscale image: [null, 28, 28, 1]");
    return dims;
}

Plan plan_layers(const std::vector<KerasLayer>& layers) {
    Plan plan;
    bool have_input = false;
    bool image = true;              // TensorFlow's tensor per image is (H,W,C); false: flat (features)
    long H = 28, W = 28, C = 1, features = 0;
    std::optional<Shape3> flattened;  // pending until the next dense layer
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const KerasLayer& L = layers[i];
        const bool last = i + 1 == layers.size();
        const std::string& cls = L.class_name;
        if (L.find("dtype") && L.find("dtype")->is_string() && L.text("dtype", "float32") != "float32")
            L.refuse("dtype '" + L.text("dtype", "") + "' is not supported; ConvPad computes in float32");
        if (cls == "InputLayer") {
            if (i != 0) L.refuse("an InputLayer is allowed only first");
            if (input_shape_of(L).empty()) L.refuse("it has no batch_input_shape");
            have_input = true;
            continue;
        }
        if (!have_input) {
            if (input_shape_of(L).empty())
                L.refuse("the first layer has no batch_input_shape; ConvPad needs the input [null, 28, 28, 1]");
            have_input = true;
        }
        if (cls == "Conv2D") {
            if (!image) L.refuse("a convolution needs an image input, but its input is flat");
            L.require_channels_last();
            const long filters = L.integer("filters", -1, 1, 1024);
            if (filters < 0) L.refuse("it has no filters");
            const auto kernel = L.pair("kernel_size");
            if (!kernel) L.refuse("it has no kernel_size");
            if ((*kernel)[0] != (*kernel)[1])
                L.refuse("kernel_size " + shape_text(*kernel) + " is not square; ConvPad's kernels are square");
            if ((*kernel)[0] < 1 || (*kernel)[0] > 15) L.refuse("kernel_size " + shape_text(*kernel) + " is outside 1..15");
            const auto strides = L.pair("strides").value_or(std::vector<long>{1, 1});
            if (strides != std::vector<long>{1, 1})
                L.refuse("strides " + shape_text(strides) + " are not supported; ConvPad's convolutions have stride 1");
            const auto dilation = L.pair("dilation_rate").value_or(std::vector<long>{1, 1});
            if (dilation != std::vector<long>{1, 1})
                L.refuse("dilation_rate " + shape_text(dilation) + " is not supported; ConvPad's convolutions are not dilated");
            if (L.integer("groups", 1, 1, 1 << 20) != 1) L.refuse("grouped convolutions are not supported");
            const std::string padding = L.text("padding", "valid");
            if (padding != "valid" && padding != "same")
                L.refuse("padding '" + padding + "' is not supported; ConvPad pads 'valid' or 'same'");
            const long k = (*kernel)[0];
            const Activation act = activation_of(L, last);
            plan.add("conv" + std::to_string(filters) + "k" + std::to_string(k) + (padding == "same" ? "same" : ""), L);
            WeightStep step(WeightStep::Conv, L, C, filters, k);
            step.use_bias = L.flag("use_bias", true);
            plan.steps.push_back(step);
            if (act == Activation::Relu) plan.add("relu", L);
            if (padding == "valid") H -= k - 1, W -= k - 1;
            if (H < 1 || W < 1) L.refuse("its kernel is larger than its input");
            C = filters;
        } else if (cls == "Dense") {
            if (image)
                L.refuse("it reads an image (H, W, C): Keras would apply it to every pixel, ConvPad's dense layers read a "
                         "flat input; put a Flatten or GlobalAveragePooling2D before it");
            const long units = L.integer("units", -1, 1, 65536);
            if (units < 0) L.refuse("it has no units");
            const std::int64_t dense_weights = std::int64_t(units) * (std::int64_t(features) + 1);
            if (dense_weights > kMaxDenseWeights)
                L.refuse(std::to_string(units) + " units on " + std::to_string(features) + " inputs are " +
                         std::to_string(dense_weights) + " weights; ConvPad's models have at most 20M parameters");
            const Activation act = activation_of(L, last);
            plan.add("dense" + std::to_string(units), L);
            WeightStep step(WeightStep::Dense, L, features, units);
            step.use_bias = L.flag("use_bias", true);
            step.flattened = flattened;
            plan.steps.push_back(step);
            flattened.reset();
            if (act == Activation::Relu) plan.add("relu", L);
            features = units;
        } else if (cls == "MaxPooling2D") {
            if (!image) L.refuse("pooling needs an image input, but its input is flat");
            L.require_channels_last();
            const auto pool = L.pair("pool_size").value_or(std::vector<long>{2, 2});
            if (pool[0] != pool[1]) L.refuse("pool_size " + shape_text(pool) + " is not square; ConvPad pools square windows");
            const auto strides = L.pair("strides").value_or(pool);
            if (strides != pool)
                L.refuse("strides " + shape_text(strides) + " differ from pool_size " + shape_text(pool) +
                         "; ConvPad pools with the stride equal to the window");
            const long s = pool[0];
            if (s < 2 || s > 8) L.refuse("pool_size " + shape_text(pool) + " is outside 2..8");
            const std::string padding = L.text("padding", "valid");
            // 'same' pads nothing when the window divides the input.
            if (padding != "valid" && !(padding == "same" && H % s == 0 && W % s == 0))
                L.refuse("padding '" + padding + "' is not supported; ConvPad pools 'valid'");
            plan.add("pool" + std::to_string(s), L);
            H /= s, W /= s;
            if (H < 1 || W < 1) L.refuse("its window is larger than its input");
        } else if (cls == "Dropout") {
            const double rate = L.number("rate", 0.0);
            if (!(rate >= 0.0 && rate < 1.0)) L.refuse("rate " + std::to_string(rate) + " is outside [0, 1)");
            char token[32];
            std::snprintf(token, sizeof token, "drop%g", double(float(rate)));  // as Dropout::token() writes it
            plan.add(token, L);
        } else if (cls == "Flatten") {
            L.require_channels_last();
            if (image) {
                flattened = Shape3{int(C), int(H), int(W)};
                features = C * H * W;
                image = false;
            }
            plan.add("flatten", L);
        } else if (cls == "BatchNormalization") {
            const json* axis = L.find("axis");
            const json* a = axis && axis->is_array() && axis->size() == 1 ? &axis->front() : axis;
            const long channel_axis = image ? 3 : 1;
            const std::optional<std::int64_t> axis_value = a ? whole_number(*a) : std::nullopt;
            if (a && !(axis_value && (*axis_value == -1 || *axis_value == channel_axis)))
                L.refuse("axis " + axis->dump() + " is not supported; ConvPad normalises the channel axis (-1)");
            WeightStep step(WeightStep::BatchNorm, L, image ? C : features);
            step.scale = L.flag("scale", true);
            step.center = L.flag("center", true);
            step.epsilon = L.number("epsilon", 1e-3);
            if (!(step.epsilon > 0.0 && step.epsilon < 1.0)) L.refuse("epsilon " + std::to_string(step.epsilon) + " is outside (0, 1)");
            if (!image) step.flattened = flattened;
            plan.steps.push_back(step);
            plan.add("bn", L);
        } else if (cls == "GlobalAveragePooling2D") {
            if (!image) L.refuse("global average pooling needs an image input, but its input is flat");
            L.require_channels_last();
            if (L.flag("keepdims", false)) L.refuse("keepdims true is not supported");
            plan.add("gap", L);
            features = C;
            image = false;
            flattened.reset();
        } else if (cls == "Activation") {
            if (activation_of(L, last) == Activation::Relu) plan.add("relu", L);
        } else if (cls == "ReLU") {
            if (L.number("max_value", -1.0) != -1.0 || L.number("negative_slope", 0.0) != 0.0 || L.number("threshold", 0.0) != 0.0)
                L.refuse("only a plain ReLU is supported (no max_value, negative_slope or threshold)");
            plan.add("relu", L);
        } else if (cls == "Softmax") {
            if (!last) L.refuse("softmax is supported only at the end of the model (ConvPad's predict applies it)");
        } else {
            fail(L.who() + " is not supported; " + kSupportedLayers);
        }
    }
    if (image)
        fail("the model outputs an image (" + std::to_string(H) + ", " + std::to_string(W) + ", " + std::to_string(C) +
             ") per input; ConvPad needs 10 class scores (end with Flatten or GlobalAveragePooling2D and Dense(10))");
    if (features != kDefaultClasses)
        fail("the model outputs " + std::to_string(features) + " values per image; ConvPad's models have " +
             std::to_string(kDefaultClasses) + " classes");
    if (plan.steps.empty()) fail("the model has no layer with weights");
    return plan;
}

}  // namespace

// [SECTION] Export

TfjsModel export_tfjs(const Model& model, const std::string& weights_file) {
    Exporter ex;
    const Shape3 input = model.input_shape();
    ex.input_shape = ordered_json::array({nullptr, input.h, input.w, input.c});
    bool image = true;                // TensorFlow's tensor per image is (H,W,C); false: flat
    std::optional<Shape3> flattened;  // ConvPad's flat vector is this image in (c,h,w) order until the next dense
    auto flatten = [&](Shape3 in) {
        ex.add("Flatten", "flatten", ordered_json::object());
        flattened = in;
        image = false;
    };
    for (const LayerPtr& layer : model.layers()) {
        const Shape3 in = layer->input_shape(), out = layer->output_shape();
        const std::string token = layer->token();
        if (const auto* conv = dynamic_cast<const Conv2D*>(layer.get())) {
            const long K = out.c, C = in.c, k = long(conv->weight.shape()[2]);
            const std::string name = ex.add("Conv2D", "conv2d", {
                {"filters", K}, {"kernel_size", {k, k}}, {"strides", {1, 1}},
                {"padding", ends_with(token, "same") ? "same" : "valid"}, {"data_format", "channels_last"},
                {"dilation_rate", {1, 1}}, {"activation", "linear"}, {"use_bias", true}});
            // (K, C, k, k) -> [k, k, C, K]
            const float* w = conv->weight.data();
            std::vector<float> kernel(std::size_t(K * C * k * k));
            for (long f = 0; f < K; ++f)
                for (long c = 0; c < C; ++c)
                    for (long i = 0; i < k; ++i)
                        for (long j = 0; j < k; ++j) kernel[std::size_t(((i * k + j) * C + c) * K + f)] = w[((f * C + c) * k + i) * k + j];
            ex.add_weight(name, "kernel", {k, k, C, K}, kernel);
            ex.add_weight(name, "bias", {K}, std::vector<float>(conv->bias.begin(), conv->bias.end()));
        } else if (dynamic_cast<const MaxPool2D*>(layer.get())) {
            const long s = std::strtol(token.c_str() + 4, nullptr, 10);
            ex.add("MaxPooling2D", "max_pooling2d",
                   {{"pool_size", {s, s}}, {"padding", "valid"}, {"strides", {s, s}}, {"data_format", "channels_last"}});
        } else if (dynamic_cast<const ReLU*>(layer.get())) {
            ex.add_activation("relu");
        } else if (dynamic_cast<const Dropout*>(layer.get())) {
            ex.add("Dropout", "dropout",
                   {{"rate", std::strtod(token.c_str() + 4, nullptr)}, {"noise_shape", nullptr}, {"seed", nullptr}});
        } else if (dynamic_cast<const Flatten*>(layer.get())) {
            if (image) flatten(in);  // a flat input needs none (and TensorFlow.js refuses one)
        } else if (const auto* bn = dynamic_cast<const BatchNorm*>(layer.get())) {
            const std::string name = ex.add("BatchNormalization", "batch_normalization", {
                {"axis", -1}, {"momentum", decimal(BatchNorm::kMomentum)}, {"epsilon", decimal(BatchNorm::kEpsilon)},
                {"center", true}, {"scale", true}});
            const long n = long(bn->gamma.size());
            // Per feature after a flatten: TensorFlow's features are in (h,w,c) order.
            const auto order = !image && flattened ? nhwc_order(*flattened) : identity_order(std::size_t(n));
            ex.add_weight(name, "gamma", {n}, permuted(bn->gamma.data(), order));
            ex.add_weight(name, "beta", {n}, permuted(bn->beta.data(), order));
            ex.add_weight(name, "moving_mean", {n}, permuted(bn->running_mean.data(), order));
            ex.add_weight(name, "moving_variance", {n}, permuted(bn->running_var.data(), order));
        } else if (dynamic_cast<const GlobalAvgPool*>(layer.get())) {
            ex.add("GlobalAveragePooling2D", "global_average_pooling2d", {{"data_format", "channels_last"}});
            image = false;
            flattened.reset();
        } else if (const auto* dense = dynamic_cast<const Dense*>(layer.get())) {
            if (image) flatten(in);  // ConvPad's dense flattens an image itself
            const long I = long(in.size()), U = out.c;
            const std::string name = ex.add("Dense", "dense", {{"units", U}, {"activation", "linear"}, {"use_bias", true}});
            // (U, I) -> [I, U], rows in TensorFlow's flatten order
            const auto order = flattened ? nhwc_order(*flattened) : identity_order(std::size_t(I));
            const float* w = dense->weight.data();
            std::vector<float> kernel(std::size_t(I * U));
            for (long u = 0; u < U; ++u)
                for (long f = 0; f < I; ++f) kernel[order[std::size_t(f)] * std::size_t(U) + std::size_t(u)] = w[u * I + f];
            ex.add_weight(name, "kernel", {I, U}, kernel);
            ex.add_weight(name, "bias", {U}, std::vector<float>(dense->bias.begin(), dense->bias.end()));
            flattened.reset();
        } else {
            throw std::logic_error("export_tfjs: layer '" + token + "' has no TensorFlow.js counterpart");
        }
    }
    if (image) flatten(model.layers().back()->output_shape());  // class scores as (1, 1, classes)
    ex.add_activation("softmax");

    ordered_json root = {
        {"format", "layers-model"},
        {"generatedBy", "ConvPad"},
        {"convertedBy", "ConvPad export_tfjs"},
        // The serialization of tfjs-layers 4.22 (snake_case options); the initializers are left at their defaults.
        {"modelTopology",
         {{"class_name", "Sequential"},
          {"config", {{"name", "sequential_1"}, {"layers", std::move(ex.layers)}}},
          {"keras_version", "tfjs-layers 4.22.0"},
          {"backend", "tensor_flow.js"}}},
        {"weightsManifest", ordered_json::array({{{"paths", ordered_json::array({weights_file})}, {"weights", std::move(ex.weights)}}})},
        {"userDefinedMetadata", {{"convpadArch", model.arch()}}},
    };
    TfjsModel result;
    result.model_json = root.dump(1);
    result.weights_bin.resize(ex.values.size() * 4);
    for (std::size_t i = 0; i < ex.values.size(); ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, &ex.values[i], 4);
        for (int b = 0; b < 4; ++b) result.weights_bin[i * 4 + std::size_t(b)] = std::uint8_t(bits >> (8 * b));
    }
    return result;
}

// [SECTION] Import

std::vector<std::string> tfjs_weight_paths(const std::string& model_json) {
    const json root = parse_model_json(model_json);
    std::vector<std::string> paths;
    for (const json& group : manifest_of(root)) {
        const json* list = member(group, "paths");
        if (!list || !list->is_array()) fail("a weightsManifest group has no list of paths");
        for (const json& p : *list) {
            if (!p.is_string() || p.get<std::string>().empty()) fail("a weightsManifest path is not a file name");
            const std::string path = p.get<std::string>();
            const bool escapes = path[0] == '/' || path.find('\\') != std::string::npos || path.find(':') != std::string::npos ||
                                 path == ".." || path.rfind("../", 0) == 0 || path.find("/../") != std::string::npos ||
                                 ends_with(path, "/..") || path.find('\0') != std::string::npos;
            if (escapes) fail("weights path '" + path + "' leaves model.json's folder; ConvPad reads weight files beside it");
            paths.push_back(path);
        }
    }
    return paths;
}

Model import_tfjs(const std::string& model_json, const std::uint8_t* bin, std::size_t size) {
    if (!bin && size) fail("no weight data");
    const json root = parse_model_json(model_json);
    const std::vector<KerasLayer> layers = read_layers(root);
    const Plan plan = plan_layers(layers);
    std::string arch;
    for (const std::string& token : plan.tokens) arch += (arch.empty() ? "" : "-") + token;
    Model model = [&] {
        try {
            return Model(arch);
        } catch (const ArchError& e) {
            // The token at e.position names the Keras layer it came from.
            std::size_t token = 0;
            for (std::size_t at = 0; at < e.position && at < arch.size(); ++at) token += arch[at] == '-';
            const KerasLayer& from = *plan.owners[std::min(token, plan.owners.size() - 1)];
            from.refuse(std::string("ConvPad cannot build it: ") + e.what());
        }
    }();

    Manifest manifest = read_manifest(root);
    if (manifest.total_bytes != size)
        fail("the weights manifest describes " + std::to_string(manifest.total_bytes) + " bytes but the weight data has " +
             std::to_string(size) + (size < manifest.total_bytes ? " (truncated)" : " (extra bytes after the last weight)"));

    // One weight of a layer, checked against the manifest: present, float32, the expected shape.
    auto take = [&](const WeightStep& step, const char* what, const std::vector<long>& shape) {
        const std::string name = step.layer->name + "/" + what;
        auto it = manifest.by_name.find(name);
        if (it == manifest.by_name.end())
            fail("weight '" + name + "' of " + step.layer->who() + " is missing from the weights manifest");
        ManifestWeight& w = manifest.weights[it->second];
        if (!w.model) fail("weight '" + name + "' of " + step.layer->who() + " is in the manifest's optimizer group");
        w.used = true;
        if (w.shape != shape)
            fail("weight '" + name + "' has shape " + shape_text(w.shape) + " but " + step.layer->who() + " needs " +
                 shape_text(shape));
        return decode(w, bin);
    };
    auto order_of = [](const std::optional<Shape3>& flattened, long n) {
        return flattened ? nhwc_order(*flattened) : identity_order(std::size_t(n));
    };

    std::vector<float> flat;  // Model::weights() order
    flat.reserve(model.num_weights());
    for (const WeightStep& step : plan.steps) {
        if (step.kind == WeightStep::Conv) {
            const long C = step.a, K = step.b, k = step.k;
            const std::vector<float> kernel = take(step, "kernel", {k, k, C, K});
            // [k, k, C, K] -> (K, C, k, k)
            const std::size_t at = flat.size();
            flat.resize(at + std::size_t(K * C * k * k));
            for (long f = 0; f < K; ++f)
                for (long c = 0; c < C; ++c)
                    for (long i = 0; i < k; ++i)
                        for (long j = 0; j < k; ++j)
                            flat[at + std::size_t(((f * C + c) * k + i) * k + j)] = kernel[std::size_t(((i * k + j) * C + c) * K + f)];
            const std::vector<float> bias = step.use_bias ? take(step, "bias", {K}) : std::vector<float>(std::size_t(K), 0.0f);
            flat.insert(flat.end(), bias.begin(), bias.end());
        } else if (step.kind == WeightStep::Dense) {
            const long I = step.a, U = step.b;
            const std::vector<float> kernel = take(step, "kernel", {I, U});
            // [I, U], rows in TensorFlow's flatten order -> (U, I)
            const auto order = order_of(step.flattened, I);
            const std::size_t at = flat.size();
            flat.resize(at + std::size_t(I * U));
            for (long u = 0; u < U; ++u)
                for (long f = 0; f < I; ++f) flat[at + std::size_t(u * I + f)] = kernel[order[std::size_t(f)] * std::size_t(U) + std::size_t(u)];
            const std::vector<float> bias = step.use_bias ? take(step, "bias", {U}) : std::vector<float>(std::size_t(U), 0.0f);
            flat.insert(flat.end(), bias.begin(), bias.end());
        } else {
            const long n = step.a;
            const std::size_t count = std::size_t(n);
            std::vector<float> gamma = step.scale ? take(step, "gamma", {n}) : std::vector<float>(count, 1.0f);
            const std::vector<float> beta = step.center ? take(step, "beta", {n}) : std::vector<float>(count, 0.0f);
            const std::vector<float> mean = take(step, "moving_mean", {n});
            const std::vector<float> var = take(step, "moving_variance", {n});
            for (float v : var)
                if (v < 0.0f) fail("weight '" + step.layer->name + "/moving_variance' has a negative variance");
            // ConvPad's epsilon is 1e-3: another epsilon folds into gamma, gamma * sqrt(var + 1e-3) / sqrt(var + eps).
            if (std::fabs(step.epsilon - double(BatchNorm::kEpsilon)) > 1e-9)
                for (std::size_t c = 0; c < count; ++c)
                    gamma[c] = float(double(gamma[c]) * std::sqrt((double(var[c]) + double(BatchNorm::kEpsilon)) /
                                                                  (double(var[c]) + step.epsilon)));
            const auto order = order_of(step.flattened, n);
            for (const std::vector<float>* values : {&std::as_const(gamma), &beta, &mean, &var})
                for (std::size_t f = 0; f < count; ++f) flat.push_back((*values)[order[f]]);
        }
    }
    for (const ManifestWeight& w : manifest.weights)
        if (w.model && !w.used) fail("the weights manifest has '" + w.name + "', which no layer of the model uses");
    model.set_weights(flat);
    return model;
}

}  // namespace convpad
