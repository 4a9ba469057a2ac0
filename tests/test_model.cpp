// Architecture strings, whole-model gradients, and the model file format.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

#include "data/dataset.h"
#include "engine/activations.h"
#include "engine/loss.h"
#include "engine/maxpool2d.h"
#include "engine/model.h"
#include "engine/model_file.h"
#include "gradcheck.h"

using namespace convpad;
using namespace convpad::testing;
using Catch::Matchers::Contains;

TEST_CASE("the default architecture is the Keras seed CNN", "[model][arch]") {
    Model model(kDefaultArch);
    const auto& layers = model.layers();
    REQUIRE(layers.size() == 11);
    CHECK(layers[0]->output_shape() == Shape3{32, 26, 26});
    CHECK(layers[2]->output_shape() == Shape3{32, 13, 13});
    CHECK(layers[3]->output_shape() == Shape3{64, 11, 11});
    CHECK(layers[5]->output_shape() == Shape3{64, 5, 5});
    CHECK(layers[6]->output_shape() == Shape3{1600, 1, 1});
    // conv1 320 + conv2 18,496 + dense1 204,928 + dense2 1,290 (Keras' model.summary() agrees)
    CHECK(model.num_params() == 320 + 18496 + 204928 + 1290);
    std::string rebuilt;
    for (const auto& l : layers) rebuilt += (rebuilt.empty() ? "" : "-") + l->token();
    CHECK(rebuilt == kDefaultArch);
}

TEST_CASE("every preset parses", "[model][arch]") {
    for (const ArchPreset& p : kArchPresets) CHECK_NOTHROW(Model(p.arch));
}

TEST_CASE("bad architecture strings name the bad token and its position", "[model][arch]") {
    struct Case {
        const char* arch;
        const char* message_part;
        std::size_t position;
    };
    const Case cases[] = {
        {"", "empty", 0},
        {"conv32k3-relu-pool2-foo-dense10", "'foo' at position 20", 20},
        {"conv32x3-dense10", "expected conv<filters", 0},
        {"conv0k3-dense10", "conv<filters 1..1024>", 0},
        {"conv32k3--dense10", "empty token", 9},
        {"conv32k3-dense10-", "empty token", 17},
        {"dense64-conv8k3-dense10", "needs an image input", 8},
        {"pool4-conv8k9-dense10", "larger than its 7x7 input", 6},
        {"pool9-dense10", "expected pool<size 2..8>", 0},
        {"drop1.5-dense10", "expected drop<rate", 0},
        {"drop-0.5-dense10", "expected drop<rate", 0},
        {"conv8k3-dense12", "must output 10 class scores", 8},
        {"dense65536-dense10", "too large", 0},
    };
    for (const Case& c : cases) {
        INFO("arch '" << c.arch << "'");
        try {
            Model m(c.arch);
            FAIL("accepted a bad architecture");
        } catch (const ArchError& e) {
            CHECK_THAT(e.what(), Contains(c.message_part));
            CHECK(e.position == c.position);
        }
    }
}

TEST_CASE("the same seed gives bit-identical weights, another seed does not", "[model][determinism]") {
    Model a(kDefaultArch, 7), b(kDefaultArch, 7), c(kDefaultArch, 8);
    CHECK(a.weights() == b.weights());
    CHECK(a.weights() != c.weights());
}

TEST_CASE("initialisation has the He/Glorot scale", "[model][init]") {
    Model model("conv32k3-relu-flatten-dense10", 1);
    auto params = model.params();
    // conv weight: He normal sqrt(2/9) truncated at 2 standard deviations, whose own std is 0.88 of that
    const double he_std = std::sqrt(2.0 / 9.0);
    double sum_sq = 0, largest = 0;
    for (std::size_t i = 0; i < params[0].size; ++i) {
        sum_sq += double(params[0].value[i]) * params[0].value[i];
        largest = std::max(largest, std::fabs(double(params[0].value[i])));
    }
    CHECK(std::sqrt(sum_sq / params[0].size) == Approx(0.8796 * he_std).epsilon(0.08));
    CHECK(largest <= 2.0 * he_std);
    CHECK(largest > 1.5 * he_std);  // 288 draws: some land beyond 1.5 std
    // final dense: Glorot uniform, limit sqrt(6/(fan_in+fan_out))
    const double limit = std::sqrt(6.0 / (32 * 26 * 26 + 10));
    float max_abs = 0;
    for (std::size_t i = 0; i < params[2].size; ++i) max_abs = std::max(max_abs, std::fabs(params[2].value[i]));
    CHECK(max_abs <= limit);
    CHECK(max_abs > 0.95 * limit);
}


TEST_CASE("whole-model gradients match finite differences", "[model][gradcheck]") {
    const bool with_bn = GENERATE(false, true);
    // Batch norm in training mode (batch statistics), as a training step runs it.
    Model model(with_bn ? "conv3k3-bn-relu-pool2-conv4k3same-bn-relu-gap-dense8-bn-relu-dense10"
                        : "conv3k3-relu-pool2-conv4k3same-relu-flatten-dense8-relu-dense10",
                5);
    Rng rng(99);
    const int n = 3;
    std::vector<float> x(std::size_t(n) * kImagePixels);
    for (float& v : x) v = rng.uniform();
    const std::uint8_t labels[n] = {2, 7, 0};
    std::vector<float> probs(n * 10), dlogits(n * 10);
    auto loss = [&] {
        const float* logits = model.forward(x.data(), n, with_bn);
        return softmax_cross_entropy_forward(logits, labels, n, 10, probs.data());
    };
    loss();
    const auto base_signature = kink_signature(model);
    softmax_cross_entropy_backward(probs.data(), labels, n, 10, dlogits.data());
    model.backward(dlogits.data(), n);
    auto params = model.params();
    std::vector<std::vector<float>> grads;
    for (const auto& p : params) grads.emplace_back(p.grad, p.grad + p.size);
    int checked = 0, kinks = 0;
    const double h = 5e-4;
    for (std::size_t k = 0; k < params.size(); ++k)
        for (int s = 0; s < 16; ++s) {
            const std::size_t i = rng.below(std::uint32_t(params[k].size));
            float* value = &params[k].value[i];
            bool crosses_kink = false;
            const double numeric = central_difference(value, [&] {
                const double l = loss();
                crosses_kink |= kink_signature(model) != base_signature;
                return l;
            }, h);
            if (crosses_kink) {
                ++kinks;
                continue;
            }
            INFO(params[k].name << "[" << i << "] analytic " << grads[k][i] << " numeric " << numeric);
            CHECK(gradients_close(grads[k][i], numeric, 5e-4, 1e-2));
            ++checked;
        }
    INFO(checked << " samples checked, " << kinks << " skipped at kinks");
    CHECK(kinks * 3 <= checked);
}

// [SECTION] Model files

namespace {
std::vector<std::uint8_t> trained_like_model_bytes(Model& model) {
    Rng rng(3);
    auto params = model.params();
    for (auto& p : params)
        for (std::size_t i = 0; i < p.size; ++i) p.value[i] = rng.normal();
    return save_model(model);
}
}  // namespace

TEST_CASE("a saved model loads back bit-identical and predicts the same", "[model][file]") {
    Model model("conv4k3-relu-pool2-flatten-dense16-relu-drop0.25-dense10", 3);
    const auto bytes = trained_like_model_bytes(model);
    Model loaded = load_model(bytes.data(), bytes.size());
    CHECK(loaded.arch() == model.arch());
    CHECK(loaded.weights() == model.weights());
    std::vector<float> x(kImagePixels, 0.25f), p1(10), p2(10);
    model.predict(x.data(), 1, p1.data());
    loaded.predict(x.data(), 1, p2.data());
    CHECK(p1 == p2);
    CHECK(save_model(loaded) == bytes);
}

TEST_CASE("a batch-norm model saves its running statistics with its parameters", "[model][file][bn]") {
    Model model("conv4k3same-bn-relu-pool2-conv6k3-bn-relu-gap-dense10", 3);
    // conv 4*9+4, bn 4+4 (+4+4 state), conv 6*36+6, bn 6+6 (+6+6 state), dense 6*10+10
    CHECK(model.num_params() == 40 + 8 + 222 + 12 + 70);
    CHECK(model.num_weights() == model.num_params() + 8 + 12);
    // Training moves the running statistics away from (0, 1).
    std::vector<float> x(4 * kImagePixels);
    Rng rng(8);
    for (float& v : x) v = rng.uniform();
    model.forward(x.data(), 4, true);
    const auto bytes = trained_like_model_bytes(model);
    Model loaded = load_model(bytes.data(), bytes.size());
    CHECK(loaded.weights() == model.weights());
    std::vector<float> p1(40), p2(40);
    model.predict(x.data(), 4, p1.data());
    loaded.predict(x.data(), 4, p2.data());
    CHECK(p1 == p2);

    // A negative running variance is refused (its square root would be NaN). The first bn's running_var
    // follows the conv's 36 + 4 values and its own gamma, beta and running_mean (4 each).
    auto bad = bytes;
    const std::size_t first_weight = 28 + model.arch().size(), at = first_weight + 4 * (36 + 4 + 12 + 1);
    const float minus_one = -1.0f;
    std::memcpy(bad.data() + at, &minus_one, 4);
    const std::uint32_t crc = crc32(bad.data() + first_weight, bad.size() - first_weight);
    for (int i = 0; i < 4; ++i) bad[24 + model.arch().size() + i] = std::uint8_t(crc >> (8 * i));
    CHECK_THROWS_WITH(load_model(bad.data(), bad.size()), Contains("negative running variance in its 'bn' layer"));
}

TEST_CASE("a model file's first bytes are enough to refuse most bad files", "[model][file]") {
    Model model("conv2k3-relu-pool2-flatten-dense10", 3);
    const auto good = save_model(model);
    const std::size_t head = std::min(good.size(), kModelHeaderMaxBytes);
    const ModelFileHeader h = read_model_header(good.data(), head, good.size());
    CHECK(h.arch == model.arch());
    CHECK(h.weight_count == model.num_weights());
    CHECK(h.weights_at == 28 + model.arch().size());
    CHECK_THROWS_WITH(read_model_header(good.data(), head, good.size() + 4), Contains("unexpected bytes after the weights"));
    CHECK_THROWS_WITH(read_model_header(good.data(), head, good.size() - 1), Contains("truncated"));
    // 400 MB of anything else: refused from its first bytes, so nothing more need be copied anywhere.
    const std::vector<std::uint8_t> junk(kModelHeaderMaxBytes, 0x42);
    CHECK_THROWS_WITH(read_model_header(junk.data(), junk.size(), 400'000'000), Contains("wrong magic bytes"));
    auto other = good;
    other[16] = 'x';  // "conv2k3" becomes "xonv2k3"
    CHECK_THROWS_WITH(read_model_header(other.data(), head, other.size()), Contains("architecture is invalid"));
}

TEST_CASE("malformed model files are refused with a message", "[model][file]") {
    Model model("conv2k3-relu-pool2-flatten-dense10", 3);
    const auto good = trained_like_model_bytes(model);
    const std::size_t arch_len = model.arch().size();
    auto refuse = [](std::vector<std::uint8_t> bytes, const char* expected) {
        INFO("expecting: " << expected);
        CHECK_THROWS_WITH(load_model(bytes.data(), bytes.size()), Contains(expected));
    };
    refuse({}, "truncated");
    refuse({good.begin(), good.begin() + 5}, "truncated");
    refuse({good.begin(), good.begin() + 20}, "truncated");
    refuse({good.begin(), good.end() - 1}, "truncated");
    {
        auto b = good;
        b[0] = 'X';
        refuse(b, "wrong magic");
    }
    {
        auto b = good;
        b[8] = 2;
        refuse(b, "version 2 is not supported");
    }
    {
        auto b = good;
        b[12] = 0, b[13] = 0;
        refuse(b, "invalid architecture length");
    }
    {
        auto b = good;
        b.back() ^= 0x40;
        refuse(b, "checksum");
    }
    {
        auto b = good;
        b.push_back(0);
        refuse(b, "unexpected bytes after the weights");
    }
    {
        auto b = good;
        b[16] = 'k';  // "conv2k3..." -> "konv2k3..."
        refuse(b, "architecture is invalid");
    }
    {
        // Another architecture of the same length: the parameter count no longer matches.
        Model other("conv2k5-relu-pool2-flatten-dense10", 3);
        REQUIRE(other.arch().size() == arch_len);
        auto b = good;
        std::memcpy(b.data() + 16, other.arch().data(), arch_len);
        refuse(b, "weights but its architecture");
    }
    {
        auto b = good;
        const std::size_t first_weight = 28 + arch_len;
        const std::uint8_t nan_bits[4] = {0x00, 0x00, 0xc0, 0x7f};
        std::memcpy(b.data() + first_weight, nan_bits, 4);
        // Fix the checksum so that the NaN itself is what gets refused.
        const std::uint32_t crc = crc32(b.data() + first_weight, b.size() - first_weight);
        for (int i = 0; i < 4; ++i) b[24 + arch_len + i] = std::uint8_t(crc >> (8 * i));
        refuse(b, "non-finite weight");
    }
    CHECK_THROWS_WITH(load_model_expecting(good.data(), good.size(), kDefaultArch), Contains("expected"));
    CHECK_NOTHROW(load_model_expecting(good.data(), good.size(), model.arch()));
}

// The weight count is a 64-bit field, compared in 64 bits: wasm32's size_t would keep only its low half (or
// multiply it by 4 into a wrap), and read these as the file's own count. The wasm runner checks that too.
TEST_CASE("a weight count beyond 32 bits is refused alike in every build", "[model][file]") {
    Model model("conv2k3-relu-pool2-flatten-dense10", 3);
    const auto good = trained_like_model_bytes(model);
    const std::size_t count_at = 16 + model.arch().size();
    const std::uint64_t count = model.num_weights();
    const std::string holds = " parameters but holds " + std::to_string(count);
    for (const std::uint64_t forged : {count + (std::uint64_t(1) << 32), count + (std::uint64_t(1) << 62), ~std::uint64_t(0)}) {
        INFO("count " << forged);
        auto b = good;
        for (int i = 0; i < 8; ++i) b[count_at + std::size_t(i)] = std::uint8_t(forged >> (8 * i));
        CHECK_THROWS_WITH(load_model(b.data(), b.size()),
                          Contains("model file is truncated: it declares " + std::to_string(forged) + holds));
    }
}

TEST_CASE("crc32 matches the standard check value", "[model][file]") {
    const char* text = "123456789";
    CHECK(crc32(reinterpret_cast<const std::uint8_t*>(text), 9) == 0xCBF43926u);
}
