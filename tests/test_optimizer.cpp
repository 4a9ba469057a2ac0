// Optimiser steps against values worked out by hand.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/optimizer.h"
#include "train/lr_schedule.h"

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

TEST_CASE("AdamW shrinks the decaying parameters by lr * decay before Adam's step, and only those", "[optimizer][adamw]") {
    OptimizerConfig config;
    config.kind = "adamw";
    config.learning_rate = 0.1f;
    config.weight_decay = 0.5f;
    auto adamw = make_optimizer(config);
    float weight[1] = {2.0f}, bias[1] = {2.0f}, grad[2] = {0.5f, 0.5f};
    std::vector<ParamRef> params = {{"w", weight, grad, 1, true}, {"b", bias, grad + 1, 1, false}};
    adamw->step(params);
    // Adam's first step is lr * g/(|g| + eps) = 0.1; the weight first becomes 2 * (1 - 0.1 * 0.5) = 1.9.
    CHECK(weight[0] == Approx(1.9 - 0.1).epsilon(1e-6));
    CHECK(bias[0] == Approx(2.0 - 0.1).epsilon(1e-6));
    // Plain Adam ignores the decay.
    config.kind = "adam";
    auto adam = make_optimizer(config);
    float w2[1] = {2.0f};
    std::vector<ParamRef> one = {{"w", w2, grad, 1, true}};
    adam->step(one);
    CHECK(w2[0] == Approx(2.0 - 0.1).epsilon(1e-6));
}

TEST_CASE("learning-rate schedules: warm-up, steps, cosine and one-cycle", "[optimizer][schedule]") {
    const long total = 1000;
    const int per_epoch = 100;
    ScheduleConfig plateau;
    CHECK(scheduled_learning_rate(plateau, 0.01f, 500, total, per_epoch) == 0.01f);

    ScheduleConfig step{LrSchedule::Step, 0.0f};
    CHECK(scheduled_learning_rate(step, 1.0f, 0, total, per_epoch) == 1.0f);
    CHECK(scheduled_learning_rate(step, 1.0f, 499, total, per_epoch) == 1.0f);
    CHECK(scheduled_learning_rate(step, 1.0f, 500, total, per_epoch) == Approx(0.1f));
    CHECK(scheduled_learning_rate(step, 1.0f, 750, total, per_epoch) == Approx(0.01f));

    ScheduleConfig cosine{LrSchedule::Cosine, 2.0f};  // 200 warm-up steps from 1/25 of the rate
    CHECK(warmup_steps(cosine, total, per_epoch) == 200);
    CHECK(scheduled_learning_rate(cosine, 1.0f, 0, total, per_epoch) == Approx(0.04f));
    CHECK(scheduled_learning_rate(cosine, 1.0f, 100, total, per_epoch) == Approx(0.04 + 0.96 * 0.5));
    CHECK(scheduled_learning_rate(cosine, 1.0f, 200, total, per_epoch) == Approx(1.0f));
    CHECK(scheduled_learning_rate(cosine, 1.0f, 600, total, per_epoch) == Approx(0.5f));  // half-way down
    CHECK(scheduled_learning_rate(cosine, 1.0f, 999, total, per_epoch) < 1e-4f);

    ScheduleConfig one_cycle{LrSchedule::OneCycle, 0.0f};  // 30% warm-up by default
    CHECK(warmup_steps(one_cycle, total, per_epoch) == 300);
    float previous = 0.0f;
    for (long s = 0; s <= 300; ++s) {  // rises to the peak ...
        const float lr = scheduled_learning_rate(one_cycle, 1.0f, s, total, per_epoch);
        REQUIRE(lr > previous);
        previous = lr;
    }
    CHECK(previous == Approx(1.0f));
    for (long s = 301; s < total; ++s) {  // ... then only falls, to 1e-4 of it
        const float lr = scheduled_learning_rate(one_cycle, 1.0f, s, total, per_epoch);
        REQUIRE(lr < previous);
        previous = lr;
    }
    CHECK(previous == Approx(1e-4).margin(1e-5));

    CHECK(schedule_from_name("onecycle") == LrSchedule::OneCycle);
    CHECK_THROWS_WITH(schedule_from_name("exp"), Catch::Matchers::Contains("expected plateau, step, cosine or onecycle"));
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
    config.learning_rate = 1e-3f;
    config.kind = "adamw";
    CHECK(dynamic_cast<Adam*>(make_optimizer(config).get()));
    config.weight_decay = -0.1f;
    CHECK_THROWS_WITH(make_optimizer(config), Catch::Matchers::Contains("weight decay"));
}
