// parse_arch (engine/arch.h): the layers, shapes and counts of an architecture string without a model,
// the same as the model built from it, and every refusal with the token it points at.
#include <catch2/catch.hpp>

#include <string>

#include "engine/arch.h"
#include "engine/model.h"

using namespace convpad;
using Catch::Contains;

namespace {

// What the built model has: trained values and every stored value, counted from its layers.
void count_model(Model& model, std::size_t& params, std::size_t& weights) {
    params = weights = 0;
    for (const LayerPtr& layer : model.layers()) {
        for (const ParamRef& p : layer->params()) params += p.size, weights += p.size;
        for (const ParamRef& p : layer->state()) weights += p.size;
    }
}

}  // namespace

TEST_CASE("parse_arch: the seed CNN's layers, shapes and parameters, worked by hand", "[arch]") {
    const ArchSpec spec = parse_arch(kDefaultArch);
    REQUIRE(spec.layers.size() == 11);
    const LayerSpec& conv1 = spec.layers[0];
    CHECK(conv1.kind == LayerKind::Conv);
    CHECK(conv1.size == 32);
    CHECK(conv1.kernel == 3);
    CHECK(conv1.output == Shape3{32, 26, 26});
    CHECK(conv1.params == 32 * (1 * 9 + 1));
    CHECK(spec.layers[2].output == Shape3{32, 13, 13});   // pool2
    CHECK(spec.layers[3].output == Shape3{64, 11, 11});   // conv64k3
    CHECK(spec.layers[5].output == Shape3{64, 5, 5});     // pool2 rounds down
    CHECK(spec.layers[6].output == Shape3{1600, 1, 1});   // flatten
    CHECK(spec.layers[7].params == 128 * (1600 + 1));
    CHECK(spec.layers[9].kind == LayerKind::Dropout);
    CHECK(spec.layers[9].rate == 0.5f);
    CHECK(spec.layers.back().output == Shape3{10, 1, 1});
    CHECK(spec.params == 320 + 18496 + 204928 + 1290);
    CHECK(spec.weights == spec.params);
    CHECK(spec.has_dropout());
    // Each token's place in the string, for messages and for rewriting tokens (with_dropout).
    const std::string arch = kDefaultArch;
    CHECK(arch.substr(spec.layers[3].position, spec.layers[3].length) == "conv64k3");
}

TEST_CASE("parse_arch: same padding, batch norm's state and global pooling", "[arch]") {
    const ArchSpec spec = parse_arch("conv8k3same-bn-relu-gap-dense10");
    CHECK(spec.layers[0].output == Shape3{8, 28, 28});
    CHECK(spec.layers[1].params == 16);   // gamma, beta
    CHECK(spec.layers[1].state == 16);    // running mean, variance
    CHECK(spec.layers[3].output == Shape3{8, 1, 1});
    CHECK(spec.weights == spec.params + 16);
    CHECK_FALSE(spec.has_dropout());
}

TEST_CASE("parse_arch counts what the model it describes allocates, for every preset", "[arch][model]") {
    for (const ArchPreset& preset : kArchPresets) {
        INFO(preset.name);
        const ArchSpec spec = parse_arch(preset.arch);
        Model model(preset.arch);
        std::size_t params = 0, weights = 0;
        count_model(model, params, weights);
        CHECK(spec.params == params);
        CHECK(spec.weights == weights);
        CHECK(model.num_params() == params);
        REQUIRE(spec.layers.size() == model.layers().size());
        for (std::size_t i = 0; i < spec.layers.size(); ++i) {
            CHECK(spec.layers[i].input == model.layers()[i]->input_shape());
            CHECK(spec.layers[i].output == model.layers()[i]->output_shape());
        }
    }
}

TEST_CASE("parse_arch refuses what a model cannot be, pointing at the token, before any allocation", "[arch]") {
    CHECK_THROWS_WITH(parse_arch("conv8k3-relu-oops-dense10"), Contains("'oops' at position 13"));
    CHECK_THROWS_WITH(parse_arch("conv8k31-dense10"), Contains("expected conv<filters 1..1024>k<kernel 1..15>"));
    CHECK_THROWS_WITH(parse_arch("pool8-pool8-dense10"), Contains("pool window 8 is larger than its 3x3 input"));
    CHECK_THROWS_WITH(parse_arch("conv8k15-conv8k15-dense10"), Contains("kernel 15 is larger than its 14x14 input"));
    CHECK_THROWS_WITH(parse_arch("dense64-conv8k3-dense10"), Contains("needs an image input"));
    CHECK_THROWS_WITH(parse_arch("dense64"), Contains("must output 10 class scores"));
    // 1024 x 1024 x 9 weights in each of many layers: refused by counting, not by running out of memory.
    std::string huge = "conv1024k3same";
    for (int i = 0; i < 30; ++i) huge += "-conv1024k3same";
    CHECK_THROWS_WITH(parse_arch(huge + "-gap-dense10"), Contains("too large"));
    // 3000 units on 802,816 inputs: 2.4 G weights, counted in 64 bits also where long has 32.
    CHECK_THROWS_WITH(parse_arch("conv1024k3same-flatten-dense3000-dense10"), Contains("too large"));
    try {
        parse_arch("conv8k3-relu--dense10");
        FAIL("an empty token parsed");
    } catch (const ArchError& e) {
        CHECK(e.position == 13);
    }
}
