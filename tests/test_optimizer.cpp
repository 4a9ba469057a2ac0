// Optimiser steps against values worked out by hand.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/optimizer.h"

using namespace convpad;

TEST_CASE("Adam's first two steps match the hand-computed update", "[optimizer][adam]") {
    OptimizerConfig config;
    config.learning_rate = 0.1f;
    Adam adam(config);
    float value[2] = {1.0f, -2.0f}, grad[2] = {0.5f, -4.0f};
    std::vector<ParamRef> params = {{"p", value, grad, 2}};
    // Step 1: m = 0.1 g, v = 0.001 g^2; bias-corrected m^ = g, v^ = g^2, so the step is lr * g/(|g| + eps).
    adam.step(params);
    CHECK(value[0] == Approx(1.0 - 0.1 * 0.5 / (0.5 + 1e-7)).epsilon(1e-6));
    CHECK(value[1] == Approx(-2.0 + 0.1 * 4.0 / (4.0 + 1e-7)).epsilon(1e-6));
    // Step 2 with gradient 1.0 for the first parameter:
    //   m = 0.9*0.05 + 0.1*1 = 0.145,  v = 0.999*0.00025 + 0.001*1 = 0.00124975
    //   m^ = 0.145/0.19 = 0.763158,  v^ = 0.00124975/0.001999 = 0.625188,  step = 0.1*0.763158/0.790688 = 0.096518
    grad[0] = 1.0f;
    const float before = value[0];
    adam.step(params);
    CHECK(before - value[0] == Approx(0.0965183).epsilon(1e-4));
    CHECK(adam.steps() == 2);
}

TEST_CASE("SGD with momentum matches the hand-computed update", "[optimizer][sgd]") {
    OptimizerConfig config;
    config.kind = "sgd";
    config.learning_rate = 0.1f;
    config.momentum = 0.9f;
    Sgd sgd(config);
    float value[1] = {1.0f}, grad[1] = {2.0f};
    std::vector<ParamRef> params = {{"p", value, grad, 1}};
    sgd.step(params);  // v = 2,   p = 1 - 0.2 = 0.8
    CHECK(value[0] == Approx(0.8f));
    sgd.step(params);  // v = 0.9*2 + 2 = 3.8,  p = 0.8 - 0.38 = 0.42
    CHECK(value[0] == Approx(0.42f));
    grad[0] = 0.0f;
    sgd.step(params);  // v = 3.42, p = 0.42 - 0.342 = 0.078
    CHECK(value[0] == Approx(0.078f).epsilon(1e-4));
}

TEST_CASE("make_optimizer validates its configuration", "[optimizer]") {
    OptimizerConfig config;
    CHECK(dynamic_cast<Adam*>(make_optimizer(config).get()));
    config.kind = "sgd";
    CHECK(dynamic_cast<Sgd*>(make_optimizer(config).get()));
    config.kind = "rmsprop";
    CHECK_THROWS_WITH(make_optimizer(config), Catch::Matchers::Contains("unknown optimizer 'rmsprop'"));
    config.kind = "adam";
    config.learning_rate = -1.0f;
    CHECK_THROWS_WITH(make_optimizer(config), Catch::Matchers::Contains("learning rate"));
    config.learning_rate = NAN;
    CHECK_THROWS(make_optimizer(config));
}
