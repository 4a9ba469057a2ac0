// TensorFlow.js Layers format (exchange/tfjs_model.h): export -> import round trips, the channels-last
// layouts checked against a plain NHWC forward pass of the exported json, and every refusal with its message.
// tests/browser/tfjs_exchange.mjs compares with real TensorFlow.js.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "engine/batch_norm.h"
#include "engine/conv2d.h"
#include "engine/dense.h"
#include "engine/model.h"
#include "exchange/tfjs_model.h"

using namespace convpad;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

// Every weight of the model drawn at random (running variances positive), so nothing is left at 0 or 1.
void randomise(Model& model, std::uint64_t seed) {
    Rng rng(seed);
    for (const LayerPtr& layer : model.layers()) {
        for (const ParamRef& p : layer->params())
            for (std::size_t i = 0; i < p.size; ++i) p.value[i] = 0.5f * rng.normal();
        for (const ParamRef& p : layer->state())
            for (std::size_t i = 0; i < p.size; ++i)
                p.value[i] = p.name == "running_var" ? 0.2f + rng.uniform() : 0.3f * rng.normal();
    }
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<std::uint8_t> float_bytes(const std::vector<float>& values) {
    std::vector<std::uint8_t> out(values.size() * 4);
    std::memcpy(out.data(), values.data(), out.size());  // the tests run on little-endian machines
    return out;
}

Model import_bytes(const std::string& model_json, const std::vector<std::uint8_t>& bin) {
    return import_tfjs(model_json, bin.data(), bin.size());
}

// The message import_tfjs refuses with ("" when it accepts).
std::string refusal(const std::string& model_json, const std::vector<std::uint8_t>& bin) {
    try {
        import_bytes(model_json, bin);
    } catch (const TfjsError& e) {
        return e.what();
    }
    return "";
}

// [SECTION] TensorFlow's semantics, written out: a forward pass over the exported json alone, channels-last.
struct Nhwc {
    int h = 0, w = 0, c = 0;  // h = w = 0: flat, c features
    std::vector<float> v;     // (h, w, c) or (c)
};

std::map<std::string, std::vector<float>> manifest_values(const json& root, const std::vector<std::uint8_t>& bin) {
    std::map<std::string, std::vector<float>> out;
    std::size_t at = 0;
    for (const json& w : root["weightsManifest"][0]["weights"]) {
        std::size_t count = 1;
        for (const json& d : w["shape"]) count *= d.get<std::size_t>();
        std::vector<float> values(count);
        std::memcpy(values.data(), bin.data() + at, count * 4);
        at += count * 4;
        out[w["name"].get<std::string>()] = values;
    }
    REQUIRE(at == bin.size());
    return out;
}

std::vector<float> tf_forward(const TfjsModel& tfjs, const float* image) {
    const json root = json::parse(tfjs.model_json);
    auto weights = manifest_values(root, tfjs.weights_bin);
    Nhwc x{28, 28, 1, std::vector<float>(image, image + 784)};  // one channel: (1,28,28) = (28,28,1)
    for (const json& layer : root["modelTopology"]["config"]["layers"]) {
        const std::string cls = layer["class_name"], name = layer["config"]["name"];
        const json& cfg = layer["config"];
        Nhwc y;
        if (cls == "Conv2D") {
            const auto& kernel = weights[name + "/kernel"];
            const auto& bias = weights[name + "/bias"];
            const int k = cfg["kernel_size"][0], K = cfg["filters"], C = x.c;
            const bool same = cfg["padding"] == "same";
            const int before = same ? (k - 1) / 2 : 0;  // TensorFlow: the odd pixel of padding goes after
            y = {same ? x.h : x.h - k + 1, same ? x.w : x.w - k + 1, K, {}};
            y.v.assign(std::size_t(y.h) * y.w * K, 0.0f);
            for (int r = 0; r < y.h; ++r)
                for (int s = 0; s < y.w; ++s)
                    for (int f = 0; f < K; ++f) {
                        double sum = bias[f];
                        for (int i = 0; i < k; ++i)
                            for (int j = 0; j < k; ++j) {
                                const int yy = r + i - before, xx = s + j - before;
                                if (yy < 0 || yy >= x.h || xx < 0 || xx >= x.w) continue;
                                for (int c = 0; c < C; ++c)
                                    sum += double(x.v[(std::size_t(yy) * x.w + xx) * C + c]) *
                                           kernel[((std::size_t(i) * k + j) * C + c) * K + f];
                            }
                        y.v[(std::size_t(r) * y.w + s) * K + f] = float(sum);
                    }
        } else if (cls == "MaxPooling2D") {
            const int s = cfg["pool_size"][0];
            y = {x.h / s, x.w / s, x.c, {}};
            y.v.assign(std::size_t(y.h) * y.w * y.c, -INFINITY);
            for (int r = 0; r < y.h * s; ++r)
                for (int q = 0; q < y.w * s; ++q)
                    for (int c = 0; c < x.c; ++c) {
                        float& m = y.v[(std::size_t(r / s) * y.w + q / s) * y.c + c];
                        m = std::max(m, x.v[(std::size_t(r) * x.w + q) * x.c + c]);
                    }
        } else if (cls == "Flatten") {
            y = {0, 0, int(x.v.size()), x.v};  // (h,w,c) order as it is
        } else if (cls == "GlobalAveragePooling2D") {
            y = {0, 0, x.c, std::vector<float>(std::size_t(x.c), 0.0f)};
            for (int c = 0; c < x.c; ++c) {
                double sum = 0;
                for (int p = 0; p < x.h * x.w; ++p) sum += x.v[std::size_t(p) * x.c + c];
                y.v[std::size_t(c)] = float(sum / (x.h * x.w));
            }
        } else if (cls == "BatchNormalization") {
            const auto &g = weights[name + "/gamma"], &b = weights[name + "/beta"];
            const auto &m = weights[name + "/moving_mean"], &var = weights[name + "/moving_variance"];
            const double eps = cfg["epsilon"];
            y = x;
            for (std::size_t i = 0; i < y.v.size(); ++i) {
                const std::size_t c = i % std::size_t(x.c);  // the last axis
                y.v[i] = float(g[c] * (x.v[i] - m[c]) / std::sqrt(var[c] + eps) + b[c]);
            }
        } else if (cls == "Dense") {
            const auto& kernel = weights[name + "/kernel"];
            const auto& bias = weights[name + "/bias"];
            const int U = cfg["units"], I = x.c;
            REQUIRE(x.h == 0);
            y = {0, 0, U, std::vector<float>(std::size_t(U))};
            for (int u = 0; u < U; ++u) {
                double sum = bias[u];
                for (int r = 0; r < I; ++r) sum += double(x.v[std::size_t(r)]) * kernel[std::size_t(r) * U + u];
                y.v[std::size_t(u)] = float(sum);
            }
        } else if (cls == "Activation" && cfg["activation"] == "relu") {
            y = x;
            for (float& v : y.v) v = std::max(v, 0.0f);
        } else if (cls == "Activation" && cfg["activation"] == "softmax") {
            y = x;
            const float top = *std::max_element(y.v.begin(), y.v.end());
            double total = 0;
            for (float& v : y.v) total += (v = std::exp(v - top));
            for (float& v : y.v) v = float(v / total);
        } else if (cls == "Dropout") {
            y = x;
        } else {
            FAIL("the exported json has a layer the reference does not know: " << cls);
        }
        x = std::move(y);
    }
    return x.v;
}

// [SECTION] A small valid model.json: Flatten, then Dense(10) with softmax; tests change one thing each.
const char* const kTinyJson = R"({
  "format": "layers-model",
  "modelTopology": {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": [
    {"class_name": "Flatten", "config": {"name": "flatten_1", "batch_input_shape": [null, 28, 28, 1], "dtype": "float32"}},
    {"class_name": "Dense", "config": {"name": "dense_1", "units": 10, "activation": "softmax", "use_bias": true}}]}},
  "weightsManifest": [{"paths": ["w.bin"], "weights": [
    {"name": "dense_1/kernel", "shape": [784, 10], "dtype": "float32"},
    {"name": "dense_1/bias", "shape": [10], "dtype": "float32"}]}]
})";

std::vector<float> tiny_values() {
    std::vector<float> v(7850);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(int(i % 17) - 8) / 64.0f;
    return v;
}

json tiny() { return json::parse(kTinyJson); }
json& tiny_layers(json& root) { return root["modelTopology"]["config"]["layers"]; }
json& tiny_weights(json& root) { return root["weightsManifest"][0]["weights"]; }

}  // namespace

// [SECTION] Round trips

TEST_CASE("export then import gives the same architecture and bit-identical weights", "[tfjs]") {
    const char* archs[] = {
        kDefaultArch,
        "conv32k3same-bn-relu-pool2-conv64k3same-bn-relu-gap-dense10",
        "conv32k3same-bn-relu-pool2-conv64k3same-bn-relu-conv64k3same-bn-relu-pool2-conv128k3same-bn-relu-"
        "conv128k3same-bn-relu-gap-dense10",
        "conv8k3-relu-pool2-flatten-bn-drop0.25-dense32-bn-relu-dense10",  // bn on a flattened image, on a dense
        "conv4k2same-relu-conv6k4same-pool3-flatten-dense10",              // even kernels: asymmetric padding
    };
    for (const char* arch : archs) {
        INFO(arch);
        Model model(arch, 3);
        randomise(model, 11);
        const TfjsModel tfjs = export_tfjs(model);
        const Model back = import_bytes(tfjs.model_json, tfjs.weights_bin);
        CHECK(back.arch() == model.arch());
        CHECK(bit_identical(back.weights(), model.weights()));
    }
    for (const ArchPreset& preset : kArchPresets) {
        INFO(preset.arch);
        Model model(preset.arch, 5);
        const TfjsModel tfjs = export_tfjs(model);
        const Model back = import_bytes(tfjs.model_json, tfjs.weights_bin);
        CHECK(back.arch() == model.arch());
        CHECK(bit_identical(back.weights(), model.weights()));
    }
}

TEST_CASE("layers without a TensorFlow.js counterpart of their own export as their equivalent", "[tfjs]") {
    // A dense reading an image flattens it itself: TensorFlow.js needs a Flatten, which import keeps.
    // A flatten of a flat input is a no-op that TensorFlow.js refuses: export leaves it out.
    const std::pair<const char*, const char*> cases[] = {
        {"conv4k3-relu-pool2-dense16-relu-dense10", "conv4k3-relu-pool2-flatten-dense16-relu-dense10"},
        {"conv8k3-gap-flatten-dense10", "conv8k3-gap-dense10"},
        {"conv10k15-pool8", "conv10k15-pool8-flatten"},  // class scores as (10, 1, 1): flattened for TensorFlow.js
    };
    for (const auto& [arch, imported] : cases) {
        INFO(arch);
        Model model(arch, 2);
        randomise(model, 4);
        const TfjsModel tfjs = export_tfjs(model);
        const Model back = import_bytes(tfjs.model_json, tfjs.weights_bin);
        CHECK(back.arch() == imported);
        CHECK(bit_identical(back.weights(), model.weights()));
    }
}

TEST_CASE("the exported json predicts what ConvPad predicts, computed channels-last", "[tfjs]") {
    const char* archs[] = {
        "conv3k3same-relu-pool2-conv4k2same-relu-pool2-flatten-dense12-relu-drop0.5-dense10",
        "conv3k3-bn-relu-pool2-flatten-bn-dense10",
        "conv5k3same-bn-relu-gap-dense10",
        "pool2-dense10",
    };
    Rng rng(9);
    std::vector<float> image(784);
    for (float& p : image) p = rng.uniform();
    for (const char* arch : archs) {
        INFO(arch);
        Model model(arch, 6);
        randomise(model, 8);
        std::vector<float> expected(10);
        model.predict(image.data(), 1, expected.data());
        const std::vector<float> tf = tf_forward(export_tfjs(model), image.data());
        REQUIRE(tf.size() == 10);
        for (int c = 0; c < 10; ++c) CHECK(tf[std::size_t(c)] == Approx(expected[std::size_t(c)]).margin(2e-6));
    }
}

TEST_CASE("a ConvPad weight lands at its TensorFlow.js index", "[tfjs]") {
    Model model("conv3k3-flatten-dense10", 1);
    auto* conv = dynamic_cast<Conv2D*>(model.layers()[0].get());
    auto* dense = dynamic_cast<Dense*>(model.layers()[2].get());
    REQUIRE(conv);
    REQUIRE(dense);
    conv->weight.fill(0.0f);
    dense->weight.fill(0.0f);
    // conv (K=3, C=1, 3, 3): filter 2, row 0, column 1  ->  kernel [3, 3, 1, 3] at [0][1][0][2]
    conv->weight(2, 0, 0, 1) = 1.5f;
    // dense (10, 3*26*26) reads (c, h, w) = (1, 4, 7) for unit 6  ->  kernel [26*26*3, 10] row (4*26+7)*3+1
    dense->weight(6, (1 * 26 + 4) * 26 + 7) = -2.5f;
    const TfjsModel tfjs = export_tfjs(model);
    auto weights = manifest_values(json::parse(tfjs.model_json), tfjs.weights_bin);
    const auto& kernel = weights["conv2d_1/kernel"];
    REQUIRE(kernel.size() == 27);
    CHECK(kernel[((0 * 3 + 1) * 1 + 0) * 3 + 2] == 1.5f);
    CHECK(std::count(kernel.begin(), kernel.end(), 0.0f) == 26);
    const auto& dense_kernel = weights["dense_1/kernel"];
    REQUIRE(dense_kernel.size() == 2028 * 10);
    CHECK(dense_kernel[std::size_t((4 * 26 + 7) * 3 + 1) * 10 + 6] == -2.5f);
    CHECK(std::count(dense_kernel.begin(), dense_kernel.end(), 0.0f) == 20279);
}

TEST_CASE("the exported model.json is what TensorFlow.js's model.save writes", "[tfjs]") {
    Model model("conv8k3same-bn-relu-pool2-drop0.3-flatten-dense10", 1);
    const TfjsModel tfjs = export_tfjs(model);
    const json root = json::parse(tfjs.model_json);
    CHECK(root["format"] == "layers-model");
    CHECK(root["generatedBy"] == "ConvPad");
    CHECK(root["modelTopology"]["class_name"] == "Sequential");
    CHECK(root["modelTopology"]["backend"] == "tensor_flow.js");
    const json& layers = root["modelTopology"]["config"]["layers"];
    std::vector<std::string> classes;
    for (const json& l : layers) classes.push_back(l["class_name"]);
    CHECK(classes == std::vector<std::string>{"Conv2D", "BatchNormalization", "Activation", "MaxPooling2D", "Dropout",
                                              "Flatten", "Dense", "Activation"});
    CHECK(layers[0]["config"]["batch_input_shape"] == json::parse("[null, 28, 28, 1]"));
    CHECK(layers[0]["config"]["name"] == "conv2d_1");
    CHECK(layers[0]["config"]["data_format"] == "channels_last");
    CHECK(layers[1]["config"]["epsilon"] == 0.001);
    CHECK(layers[1]["config"]["momentum"] == 0.9);
    CHECK(layers[4]["config"]["rate"] == 0.3);
    CHECK(layers.back()["config"]["activation"] == "softmax");
    const json& manifest = root["weightsManifest"];
    REQUIRE(manifest.size() == 1);
    CHECK(manifest[0]["paths"] == json::parse(R"(["model.weights.bin"])"));
    std::vector<std::string> names;
    for (const json& w : manifest[0]["weights"]) {
        names.push_back(w["name"]);
        CHECK(w["dtype"] == "float32");
    }
    CHECK(names == std::vector<std::string>{"conv2d_1/kernel", "conv2d_1/bias", "batch_normalization_1/gamma",
                                            "batch_normalization_1/beta", "batch_normalization_1/moving_mean",
                                            "batch_normalization_1/moving_variance", "dense_1/kernel", "dense_1/bias"});
    CHECK(tfjs.weights_bin.size() == model.num_weights() * 4);
    CHECK(tfjs_weight_paths(tfjs.model_json) == std::vector<std::string>{"model.weights.bin"});
}

// [SECTION] What TensorFlow.js writes, read back

TEST_CASE("both Sequential topologies and the converter's wrapper are read", "[tfjs]") {
    const auto bin = float_bytes(tiny_values());
    json root = tiny();
    const Model a = import_bytes(root.dump(), bin);
    CHECK(a.arch() == "flatten-dense10");
    // Older TensorFlow.js: config is the list of layers itself.
    json list = root;
    list["modelTopology"]["config"] = tiny_layers(root);
    CHECK(bit_identical(import_bytes(list.dump(), bin).weights(), a.weights()));
    // tensorflowjs_converter: modelTopology {keras_version, backend, model_config: {class_name, config}}.
    json wrapped = root;
    wrapped["modelTopology"] = {{"keras_version", "2.15.0"}, {"backend", "tensorflow"}, {"model_config", root["modelTopology"]}};
    CHECK(bit_identical(import_bytes(wrapped.dump(), bin).weights(), a.weights()));
    // An InputLayer first, as Keras writes Sequential models.
    json input = root;
    tiny_layers(input)[0]["config"].erase("batch_input_shape");
    tiny_layers(input).insert(tiny_layers(input).begin(),
                              json::parse(R"({"class_name": "InputLayer", "config": {"name": "input_1", "batch_shape": [null, 28, 28, 1]}})"));
    CHECK(bit_identical(import_bytes(input.dump(), bin).weights(), a.weights()));
}

TEST_CASE("the dense layer's kernel is transposed and its values kept", "[tfjs]") {
    const std::vector<float> values = tiny_values();
    const Model model = import_bytes(kTinyJson, float_bytes(values));
    const std::vector<float> w = model.weights();  // (10, 784) then bias (10)
    // kernel [784, 10]: row r, column u -> ConvPad (u, r); a flatten of one channel needs no reorder
    for (int u : {0, 3, 9})
        for (int r : {0, 100, 783}) CHECK(w[std::size_t(u) * 784 + std::size_t(r)] == values[std::size_t(r) * 10 + std::size_t(u)]);
    CHECK(w[7840 + 4] == values[7840 + 4]);
}

TEST_CASE("options ConvPad lacks but can express are filled in", "[tfjs]") {
    // Conv2D without bias, with relu folded in; BatchNormalization without scale and center, epsilon 1e-5.
    const std::string model_json = R"({
      "format": "layers-model",
      "modelTopology": {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": 3, "strides": 1, "padding": "valid",
          "activation": "relu", "use_bias": false, "batch_input_shape": [null, 28, 28, 1]}},
        {"class_name": "GlobalAveragePooling2D", "config": {"name": "g"}},
        {"class_name": "BatchNormalization", "config": {"name": "b", "axis": [1], "epsilon": 1e-5, "scale": false, "center": false}},
        {"class_name": "ReLU", "config": {"name": "r", "max_value": null}},
        {"class_name": "Dense", "config": {"name": "d", "units": 10}},
        {"class_name": "Softmax", "config": {"name": "s", "axis": -1}}]}},
      "weightsManifest": [{"paths": ["w.bin"], "weights": [
        {"name": "c/kernel", "shape": [3, 3, 1, 2], "dtype": "float32"},
        {"name": "b/moving_mean", "shape": [2], "dtype": "float32"},
        {"name": "b/moving_variance", "shape": [2], "dtype": "float32"},
        {"name": "d/kernel", "shape": [2, 10], "dtype": "float32"},
        {"name": "d/bias", "shape": [10], "dtype": "float32"},
        {"name": "Adam/iter", "shape": [], "dtype": "int32", "group": "optimizer"}]}]
    })";
    std::vector<float> values(18 + 2 + 2 + 20 + 10 + 1, 0.25f);
    values[18] = 0.5f, values[19] = -1.0f;    // moving mean
    values[20] = 0.004f, values[21] = 2.0f;  // moving variance
    const Model model = import_bytes(model_json, float_bytes(values));
    CHECK(model.arch() == "conv2k3-relu-gap-bn-relu-dense10");
    const auto* bn = dynamic_cast<const BatchNorm*>(model.layers()[3].get());
    REQUIRE(bn);
    const std::vector<float> w = model.weights();
    CHECK(std::count(w.begin() + 18, w.begin() + 20, 0.0f) == 2);  // conv bias: zeros
    // gamma 1 with epsilon 1e-5 folded into ConvPad's 1e-3: sqrt((var + 1e-3) / (var + 1e-5))
    CHECK(bn->gamma(0) == Approx(std::sqrt((0.004 + 1e-3) / (0.004 + 1e-5))).epsilon(1e-6));
    CHECK(bn->gamma(1) == Approx(std::sqrt((2.0 + 1e-3) / (2.0 + 1e-5))).epsilon(1e-6));
    CHECK(bn->beta(0) == 0.0f);
    CHECK(bn->running_mean(1) == -1.0f);
    CHECK(bn->running_var(0) == 0.004f);
}

TEST_CASE("quantized weights are dequantized as TensorFlow.js does", "[tfjs]") {
    json root = tiny();
    json& kernel = tiny_weights(root)[0];
    std::vector<std::uint8_t> bin(784 * 10);
    for (std::size_t i = 0; i < bin.size(); ++i) bin[i] = std::uint8_t(i * 7);
    const double scale = 0.0123, min = -1.5;
    SECTION("uint8: q * scale + min") {
        kernel["quantization"] = {{"dtype", "uint8"}, {"scale", scale}, {"min", min}};
        const auto bias = float_bytes(std::vector<float>(10, 0.5f));
        bin.insert(bin.end(), bias.begin(), bias.end());
        const std::vector<float> w = import_bytes(root.dump(), bin).weights();
        for (std::size_t r : {0, 1, 500, 783})
            for (std::size_t u : {0, 9})
                CHECK(w[u * 784 + r] == float(double(bin[r * 10 + u]) * scale + min));
        CHECK(w[7840] == 0.5f);
    }
    SECTION("uint16, little-endian") {
        kernel["quantization"] = {{"dtype", "uint16"}, {"scale", scale}, {"min", min}};
        std::vector<std::uint8_t> q16(784 * 10 * 2);
        for (std::size_t i = 0; i < 7840; ++i) q16[2 * i] = std::uint8_t(i), q16[2 * i + 1] = std::uint8_t(i >> 8);
        const auto bias = float_bytes(std::vector<float>(10, 0.5f));
        q16.insert(q16.end(), bias.begin(), bias.end());
        const std::vector<float> w = import_bytes(root.dump(), q16).weights();
        CHECK(w[3 * 784 + 700] == float(double(700 * 10 + 3) * scale + min));
    }
    SECTION("float16") {
        kernel["quantization"] = {{"dtype", "float16"}};
        std::vector<std::uint8_t> f16(784 * 10 * 2, 0);
        const std::pair<std::uint16_t, float> halves[] = {{0x3c00, 1.0f}, {0xc000, -2.0f}, {0x0001, 5.9604645e-8f},
                                                          {0x7bff, 65504.0f}, {0x3555, 0.33325195f}, {0x8000, -0.0f}};
        for (std::size_t i = 0; i < 6; ++i) f16[2 * i * 10] = std::uint8_t(halves[i].first), f16[2 * i * 10 + 1] = std::uint8_t(halves[i].first >> 8);
        const auto bias = float_bytes(std::vector<float>(10, 0.5f));
        f16.insert(f16.end(), bias.begin(), bias.end());
        const std::vector<float> w = import_bytes(root.dump(), f16).weights();
        for (std::size_t i = 0; i < 6; ++i) CHECK(w[i] == halves[i].second);  // unit 0, row i
        CHECK(std::signbit(w[5]));
        std::uint8_t inf[2] = {0x00, 0x7c};  // +infinity is refused like any non-finite weight
        std::copy(inf, inf + 2, f16.begin() + 20);
        CHECK_THAT(refusal(root.dump(), f16), Contains("'dense_1/kernel' has a non-finite value at index 10"));
    }
}

// [SECTION] Refusals

TEST_CASE("unsupported layers and options are refused, naming the layer", "[tfjs]") {
    const auto bin = float_bytes(tiny_values());
    struct Case {
        const char* what;
        std::function<void(json&)> change;
        const char* message;
    };
    auto conv = [](const char* extra) {
        return json::parse(std::string(R"({"class_name": "Conv2D", "config": {"name": "conv2d_1", "filters": 4, "kernel_size": [3, 3],
            "padding": "same", "activation": "linear", "batch_input_shape": [null, 28, 28, 1])") + extra + "}}");
    };
    auto first = [](json& root, json layer) { tiny_layers(root)[0]["config"].erase("batch_input_shape"), tiny_layers(root).insert(tiny_layers(root).begin(), layer); };
    const Case cases[] = {
        {"LSTM", [](json& r) { tiny_layers(r).insert(tiny_layers(r).begin() + 1, json::parse(R"({"class_name": "LSTM", "config": {"name": "lstm_1", "units": 8}})")); },
         "layer 'lstm_1' (LSTM) is not supported; ConvPad reads Conv2D, MaxPooling2D, Dense, Dropout, Flatten, "
         "BatchNormalization, GlobalAveragePooling2D, Activation/ReLU, InputLayer"},
        {"strides", [&](json& r) { first(r, conv(R"(, "strides": [2, 2])")); }, "layer 'conv2d_1' (Conv2D): strides [2, 2] are not supported"},
        {"dilation", [&](json& r) { first(r, conv(R"(, "dilation_rate": 2)")); }, "layer 'conv2d_1' (Conv2D): dilation_rate [2, 2] is not supported"},
        {"non-square", [&](json& r) { first(r, conv(R"(, "kernel_size": [3, 5])")); }, "kernel_size [3, 5] is not square"},
        {"channels_first", [&](json& r) { first(r, conv(R"(, "data_format": "channels_first")")); }, "data_format 'channels_first' is not supported"},
        {"tanh", [&](json& r) { first(r, conv(R"(, "activation": "tanh")")); }, "activation 'tanh' is not supported"},
        {"softmax inside", [&](json& r) { first(r, conv(R"(, "activation": "softmax")")); }, "softmax is supported only at the end"},
        {"filters", [&](json& r) { first(r, conv(R"(, "filters": 2000)")); }, "filters 2000 is outside"},
        {"causal", [&](json& r) { first(r, conv(R"(, "padding": "causal")")); }, "padding 'causal' is not supported"},
        {"pool strides", [](json& r) { tiny_layers(r).insert(tiny_layers(r).begin(), json::parse(R"({"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": [2, 2], "strides": [1, 1], "batch_input_shape": [null, 28, 28, 1]}})")); },
         "layer 'p' (MaxPooling2D): strides [1, 1] differ from pool_size [2, 2]"},
        {"pool same", [](json& r) { tiny_layers(r).insert(tiny_layers(r).begin(), json::parse(R"({"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": 3, "padding": "same", "batch_input_shape": [null, 28, 28, 1]}})")); },
         "padding 'same' is not supported"},
        {"input shape", [](json& r) { tiny_layers(r)[0]["config"]["batch_input_shape"] = json::parse("[null, 32, 32, 3]"); },
         "the model's input is [null,32,32,3]; ConvPad reads one 28x28 grayscale image: [null, 28, 28, 1]"},
        {"no input shape", [](json& r) { tiny_layers(r)[0]["config"].erase("batch_input_shape"); }, "has no batch_input_shape"},
        {"layer dtype", [](json& r) { tiny_layers(r)[0]["config"]["dtype"] = "float16"; }, "dtype 'float16' is not supported"},
        {"12 outputs", [](json& r) { tiny_layers(r)[1]["config"]["units"] = 12; }, "the model outputs 12 values per image; ConvPad's models have 10 classes"},
        {"dense on an image", [](json& r) { tiny_layers(r)[0] = json::parse(R"({"class_name": "Dropout", "config": {"name": "d", "rate": 0.1, "batch_input_shape": [null, 28, 28, 1]}})"); },
         "layer 'dense_1' (Dense): it reads an image (H, W, C)"},
        {"image output", [](json& r) { tiny_layers(r) = json::array({json::parse(R"({"class_name": "Dropout", "config": {"name": "d", "rate": 0.1, "batch_input_shape": [null, 28, 28, 1]}})")}); },
         "the model outputs an image (28, 28, 1)"},
        {"gap keepdims", [](json& r) { tiny_layers(r)[0] = json::parse(R"({"class_name": "GlobalAveragePooling2D", "config": {"name": "g", "keepdims": true, "batch_input_shape": [null, 28, 28, 1]}})"); },
         "keepdims true is not supported"},
        {"bn axis", [](json& r) { tiny_layers(r).insert(tiny_layers(r).begin() + 1, json::parse(R"({"class_name": "BatchNormalization", "config": {"name": "b", "axis": 0}})")); },
         "layer 'b' (BatchNormalization): axis 0 is not supported"},
        {"leaky relu", [](json& r) { tiny_layers(r).insert(tiny_layers(r).begin() + 1, json::parse(R"({"class_name": "ReLU", "config": {"name": "r", "negative_slope": 0.1}})")); },
         "only a plain ReLU"},
        {"dropout rate", [](json& r) { tiny_layers(r).insert(tiny_layers(r).begin() + 1, json::parse(R"({"class_name": "Dropout", "config": {"name": "d", "rate": 1.5}})")); },
         "layer 'd' (Dropout): rate 1.5"},
        {"functional", [](json& r) { r["modelTopology"]["class_name"] = "Functional"; }, "the model is a 'Functional'; ConvPad reads Sequential models"},
        {"graph model", [](json& r) { r["format"] = "graph-model"; }, "format \"graph-model\""},
        {"same names", [](json& r) { tiny_layers(r)[1]["config"]["name"] = "flatten_1"; }, "two layers are called 'flatten_1'"},
        {"too large for ConvPad", [](json& r) { tiny_layers(r).insert(tiny_layers(r).begin() + 1, json::parse(R"({"class_name": "Dense", "config": {"name": "big", "units": 60000}})")); },
         "layer 'big' (Dense): ConvPad cannot build it: architecture token 'dense60000'"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        json root = tiny();
        c.change(root);
        CHECK_THAT(refusal(root.dump(), bin), Contains(c.message));
    }
}

TEST_CASE("weights that do not fit the manifest or the layers are refused", "[tfjs]") {
    const std::vector<float> values = tiny_values();
    const auto bin = float_bytes(values);
    SECTION("sizes") {
        CHECK_THAT(refusal(kTinyJson, std::vector<std::uint8_t>(bin.begin(), bin.end() - 4)),
                   Contains("describes 31400 bytes but the weight data has 31396 (truncated)"));
        auto longer = bin;
        longer.push_back(0);
        CHECK_THAT(refusal(kTinyJson, longer), Contains("(extra bytes after the last weight)"));
        CHECK_THAT(refusal(kTinyJson, {}), Contains("truncated"));
    }
    SECTION("shapes, names, values") {
        struct Case {
            const char* what;
            std::function<void(json&)> change;
            const char* message;
        };
        const Case cases[] = {
            {"shape", [](json& r) { tiny_weights(r)[0]["shape"] = {10, 784}; }, "weight 'dense_1/kernel' has shape [10, 784] but layer 'dense_1' (Dense) needs [784, 10]"},
            {"missing", [](json& r) { tiny_weights(r)[1]["name"] = "dense_2/bias"; }, "weight 'dense_1/bias' of layer 'dense_1' (Dense) is missing"},
            {"int32", [](json& r) { tiny_weights(r)[1]["dtype"] = "int32"; }, "weight 'dense_1/bias' has dtype int32; ConvPad reads float32 weights"},
            {"float16 dtype", [](json& r) { tiny_weights(r)[1]["dtype"] = "float16"; }, "weight 'dense_1/bias' has dtype float16"},
            {"string", [](json& r) { tiny_weights(r)[1]["dtype"] = "string"; }, "has dtype string"},
            {"quantization", [](json& r) { tiny_weights(r)[0]["quantization"] = {{"dtype", "int4"}, {"scale", 1}, {"min", 0}}; },
             "has quantization \"int4\"; TensorFlow.js quantizes to uint8, uint16 or float16"},
            {"scale", [](json& r) { tiny_weights(r)[0]["quantization"] = {{"dtype", "uint8"}}; }, "without a numeric scale and min"},
            {"duplicate", [](json& r) { tiny_weights(r)[1]["name"] = "dense_1/kernel"; }, "lists 'dense_1/kernel' twice"},
            {"bad shape", [](json& r) { tiny_weights(r)[0]["shape"] = {784, -10}; }, "is not a list of sizes"},
        };
        for (const Case& c : cases) {
            INFO(c.what);
            json root = tiny();
            c.change(root);
            CHECK_THAT(refusal(root.dump(), bin), Contains(c.message));
        }
        json extra = tiny();
        tiny_weights(extra).push_back({{"name", "dense_9/kernel"}, {"shape", {1}}, {"dtype", "float32"}});
        auto more = bin;
        more.insert(more.end(), 4, 0);
        CHECK_THAT(refusal(extra.dump(), more), Contains("has 'dense_9/kernel', which no layer of the model uses"));
        auto nan = values;
        nan[1234] = std::nanf("");
        CHECK_THAT(refusal(kTinyJson, float_bytes(nan)), Contains("weight 'dense_1/kernel' has a non-finite value at index 1234"));
    }
    SECTION("batch norm's variance") {
        json root = tiny();
        tiny_layers(root).insert(tiny_layers(root).begin() + 1, json::parse(R"({"class_name": "BatchNormalization", "config": {"name": "b"}})"));
        for (const char* w : {"gamma", "beta", "moving_mean", "moving_variance"})
            tiny_weights(root).push_back({{"name", std::string("b/") + w}, {"shape", {784}}, {"dtype", "float32"}});
        auto with_bn = values;
        with_bn.resize(7850 + 4 * 784, 1.0f);
        CHECK(import_bytes(root.dump(), float_bytes(with_bn)).arch() == "flatten-bn-dense10");
        with_bn[7850 + 3 * 784 + 5] = -0.5f;
        CHECK_THAT(refusal(root.dump(), float_bytes(with_bn)), Contains("'b/moving_variance' has a negative variance"));
    }
}

// Whole numbers are read as 64 bits: a narrowing read (long and size_t are 32 bits on wasm32) once loaded
// units 4294967306 as 10 in the page while `convpad import` refused the file. The wasm runner executes this
// case too, so the page's build and the native one refuse each file with the same message.
TEST_CASE("numbers beyond 32 bits are refused alike in every build", "[tfjs]") {
    const auto bin = float_bytes(tiny_values());
    struct Case {
        const char* what;
        std::function<void(json&)> change;
        const char* message;
    };
    auto conv = [](const char* extra) {
        return json::parse(std::string(R"({"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": 3,
            "padding": "same", "batch_input_shape": [null, 28, 28, 1])") + extra + "}}");
    };
    auto first = [](json& root, json layer) { tiny_layers(root)[0]["config"].erase("batch_input_shape"), tiny_layers(root).insert(tiny_layers(root).begin(), layer); };
    const Case cases[] = {
        {"units 2^32 + 10", [](json& r) { tiny_layers(r)[1]["config"]["units"] = json::parse("4294967306"); },
         "layer 'dense_1' (Dense): units 4294967306 is outside what ConvPad supports (1..65536)"},
        {"units -(2^32) + 10", [](json& r) { tiny_layers(r)[1]["config"]["units"] = json::parse("-4294967286"); },
         "layer 'dense_1' (Dense): units -4294967286 is outside what ConvPad supports (1..65536)"},
        {"units 2^64 - 1", [](json& r) { tiny_layers(r)[1]["config"]["units"] = json::parse("18446744073709551615"); },
         "layer 'dense_1' (Dense): units 18446744073709551615 is outside what ConvPad supports (1..65536)"},
        {"filters 2^32 + 4", [&](json& r) { first(r, conv(R"(, "filters": 4294967300)")); },
         "layer 'c' (Conv2D): filters 4294967300 is outside what ConvPad supports (1..1024)"},
        {"groups 2^32 + 1", [&](json& r) { first(r, conv(R"(, "groups": 4294967297)")); },
         "layer 'c' (Conv2D): groups 4294967297 is outside what ConvPad supports (1..1048576)"},
        {"kernel_size 2^32 + 3", [&](json& r) { first(r, conv(R"(, "kernel_size": 4294967299)")); },
         "layer 'c' (Conv2D): kernel_size 4294967299 is outside what ConvPad supports (0..1000000 each)"},
        {"kernel_size [2^32 + 3, 3]", [&](json& r) { first(r, conv(R"(, "kernel_size": [4294967299, 3])")); },
         "layer 'c' (Conv2D): kernel_size [4294967299,3] is outside what ConvPad supports (0..1000000 each)"},
        {"pool_size 2^32 + 2", [](json& r) { tiny_layers(r).insert(tiny_layers(r).begin(), json::parse(R"({"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": 4294967298, "batch_input_shape": [null, 28, 28, 1]}})")); },
         "layer 'p' (MaxPooling2D): pool_size 4294967298 is outside what ConvPad supports (0..1000000 each)"},
        {"input rows 2^32 + 28", [](json& r) { tiny_layers(r)[0]["config"]["batch_input_shape"] = json::parse("[null, 4294967324, 28, 1]"); },
         "layer 'flatten_1' (Flatten): the model's input is [null,4294967324,28,1]; ConvPad reads one 28x28 grayscale image"},
        {"bn axis 2^64 - 1", [](json& r) { tiny_layers(r).insert(tiny_layers(r).begin() + 1, json::parse(R"({"class_name": "BatchNormalization", "config": {"name": "b", "axis": 18446744073709551615}})")); },
         "layer 'b' (BatchNormalization): axis 18446744073709551615 is not supported"},
        // 3000 x (1024*28*28 + 1) weights is beyond 2^31: the architecture parser's long would wrap in wasm32.
        {"dense beyond 2^31 weights", [&](json& r) {
             first(r, conv(R"(, "filters": 1024)"));
             tiny_layers(r).insert(tiny_layers(r).begin() + 2, json::parse(R"({"class_name": "Dense", "config": {"name": "big", "units": 3000}})"));
         },
         "layer 'big' (Dense): 3000 units on 802816 inputs are 2408451000 weights; ConvPad's models have at most 20M parameters"},
        {"shape 2^32 + 1", [](json& r) { tiny_weights(r)[0]["shape"] = json::parse("[4294967297, 10]"); },
         "weight 'dense_1/kernel' has a shape [4294967297,10] that is not a list of sizes (whole numbers 0..2147483647)"},
        {"shape -1", [](json& r) { tiny_weights(r)[1]["shape"] = json::parse("[-1]"); },
         "weight 'dense_1/bias' has a shape [-1] that is not a list of sizes"},
        {"shape 2^64 - 1", [](json& r) { tiny_weights(r)[1]["shape"] = json::parse("[18446744073709551615]"); },
         "weight 'dense_1/bias' has a shape [18446744073709551615] that is not a list of sizes"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        json root = tiny();
        c.change(root);
        CHECK_THAT(refusal(root.dump(), bin), Contains(c.message));
    }
}

TEST_CASE("malformed model.json is refused before anything is built", "[tfjs]") {
    const auto bin = float_bytes(tiny_values());
    CHECK_THAT(refusal("{\"format\": ", bin), Contains("model.json is not valid JSON"));
    // A number beyond a double's range is the parser's out_of_range, not its parse_error (found by fuzz_tfjs).
    CHECK_THAT(refusal(R"({"format": -2e0808})", bin), Contains("model.json is not valid JSON"));
    CHECK_THAT(refusal(std::string(200, '[') + std::string(200, ']'), bin), Contains("nested more than 64 levels"));
    CHECK_THAT(refusal(std::string(17u << 20, ' '), bin), Contains("ConvPad reads at most 16 MiB"));
    CHECK_THAT(refusal("{}", bin), Contains("no modelTopology"));
    CHECK_THAT(refusal(R"({"modelTopology": {"class_name": "Sequential", "config": {"layers": 3}}})", bin), Contains("no list of layers"));
    json no_manifest = tiny();
    no_manifest.erase("weightsManifest");
    CHECK_THAT(refusal(no_manifest.dump(), bin), Contains("no weightsManifest"));
    CHECK_THROWS_AS(import_tfjs(kTinyJson, nullptr, 10), TfjsError);
}

TEST_CASE("weight paths stay beside model.json", "[tfjs]") {
    json root = tiny();
    root["weightsManifest"][0]["paths"] = {"group1-shard1of2.bin", "sub/group1-shard2of2.bin"};
    CHECK(tfjs_weight_paths(root.dump()) == std::vector<std::string>{"group1-shard1of2.bin", "sub/group1-shard2of2.bin"});
    for (const char* bad : {"../secret.bin", "/etc/passwd", "a/../../b.bin", "C:\\w.bin", ".."}) {
        INFO(bad);
        root["weightsManifest"][0]["paths"] = {bad};
        CHECK_THROWS_WITH(tfjs_weight_paths(root.dump()), Contains("leaves model.json's folder"));
    }
    root["weightsManifest"][0]["paths"] = {3};
    CHECK_THROWS_WITH(tfjs_weight_paths(root.dump()), Contains("not a file name"));
}
