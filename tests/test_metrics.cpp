// Classification metrics against hand-worked confusion matrices.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "train/metrics.h"

using namespace convpad;
using Catch::Contains;

namespace {

// Expands a confusion matrix (truth, predicted) back into label lists.
void labels_from_confusion(const std::vector<long>& confusion, int n, std::vector<std::uint8_t>& truth,
                           std::vector<std::uint8_t>& predicted) {
    for (int t = 0; t < n; ++t)
        for (int p = 0; p < n; ++p)
            for (long k = 0; k < confusion[std::size_t(t) * n + p]; ++k) {
                truth.push_back(std::uint8_t(t));
                predicted.push_back(std::uint8_t(p));
            }
}

// Rows are the true class:
//          pred 0  pred 1  pred 2   support
// true 0      3       1       0        4
// true 1      1       2       1        4
// true 2      0       0       2        2
// predicted   4       3       3       10
//
// class 0: P = 3/4,  R = 3/4,  F1 = 3/4
// class 1: P = 2/3,  R = 2/4,  F1 = 2*(1/3)/(7/6) = 4/7
// class 2: P = 2/3,  R = 2/2,  F1 = 2*(2/3)/(5/3) = 4/5
// accuracy = 7/10
// macro:    P = (3/4 + 2/3 + 2/3)/3 = 25/36,  R = (3/4 + 1/2 + 1)/3 = 3/4,  F1 = (3/4 + 4/7 + 4/5)/3 = 297/420
// weighted: P = (4*3/4 + 4*2/3 + 2*2/3)/10 = 7/10,  R = 7/10 (always the accuracy),
//           F1 = (4*3/4 + 4*4/7 + 2*4/5)/10 = 241/350
const std::vector<long> kThreeClass = {3, 1, 0, 1, 2, 1, 0, 0, 2};

void check_three_class(const Evaluation& e) {
    REQUIRE(e.num_classes == 3);
    REQUIRE(e.per_class.size() == 3);
    CHECK(e.total == 10);
    CHECK(e.accuracy == Approx(0.7));
    CHECK(e.per_class[0].precision == Approx(0.75));
    CHECK(e.per_class[0].recall == Approx(0.75));
    CHECK(e.per_class[0].f1 == Approx(0.75));
    CHECK(e.per_class[1].precision == Approx(2.0 / 3.0));
    CHECK(e.per_class[1].recall == Approx(0.5));
    CHECK(e.per_class[1].f1 == Approx(4.0 / 7.0));
    CHECK(e.per_class[2].precision == Approx(2.0 / 3.0));
    CHECK(e.per_class[2].recall == Approx(1.0));
    CHECK(e.per_class[2].f1 == Approx(0.8));
    CHECK(e.per_class[0].support == 4);
    CHECK(e.per_class[1].support == 4);
    CHECK(e.per_class[2].support == 2);
    CHECK(e.macro.precision == Approx(25.0 / 36.0));
    CHECK(e.macro.recall == Approx(0.75));
    CHECK(e.macro.f1 == Approx(297.0 / 420.0));
    CHECK(e.macro.support == 10);
    CHECK(e.weighted.precision == Approx(0.7));
    CHECK(e.weighted.recall == Approx(0.7));
    CHECK(e.weighted.f1 == Approx(241.0 / 350.0));
    CHECK(e.weighted.support == 10);
    CHECK(e.at(1, 2) == 1);
    CHECK(e.at(2, 1) == 0);
}

}  // namespace

TEST_CASE("metrics: a hand-worked 3-class confusion matrix", "[metrics]") {
    check_three_class(evaluation_from_confusion(kThreeClass, 3));

    std::vector<std::uint8_t> truth, predicted;
    labels_from_confusion(kThreeClass, 3, truth, predicted);
    Evaluation e = evaluate_predictions(truth, predicted, 3);
    CHECK(e.confusion == kThreeClass);
    check_three_class(e);
}

TEST_CASE("metrics: zero division gives 0, like scikit-learn's zero_division=0", "[metrics]") {
    // 4 classes. truth 0,0,0,1; predicted 0,0,2,0.
    // class 0: TP 2 of 3 predicted, 3 true → P = R = F1 = 2/3
    // class 1: never predicted → P = 0; 1 true, 0 found → R = 0; F1 = 0
    // class 2: predicted once, never true → P = 0, R = 0 (no support), F1 = 0
    // class 3: neither → all 0
    Evaluation e = evaluate_predictions({0, 0, 0, 1}, {0, 0, 2, 0}, 4);
    CHECK(e.accuracy == Approx(0.5));
    CHECK(e.per_class[0].f1 == Approx(2.0 / 3.0));
    for (int k = 1; k < 4; ++k) {
        CHECK(e.per_class[std::size_t(k)].precision == 0.0);
        CHECK(e.per_class[std::size_t(k)].recall == 0.0);
        CHECK(e.per_class[std::size_t(k)].f1 == 0.0);
    }
    CHECK(e.per_class[3].support == 0);
    CHECK(e.macro.precision == Approx(1.0 / 6.0));  // (2/3 + 0 + 0 + 0) / 4
    CHECK(e.weighted.precision == Approx(0.5));     // 3/4 * 2/3

    Evaluation empty = evaluate_predictions({}, {}, 10);
    CHECK(empty.total == 0);
    CHECK(empty.accuracy == 0.0);
    CHECK(empty.macro.f1 == 0.0);
    CHECK(empty.weighted.f1 == 0.0);
    CHECK(std::isfinite(empty.weighted.precision));
}

TEST_CASE("metrics: a perfect classifier", "[metrics]") {
    Evaluation e = evaluate_predictions({0, 1, 2, 2}, {0, 1, 2, 2}, 3);
    CHECK(e.accuracy == 1.0);
    CHECK(e.macro.f1 == Approx(1.0));
    CHECK(e.weighted.f1 == Approx(1.0));
}

TEST_CASE("metrics: bad arguments are rejected", "[metrics]") {
    REQUIRE_THROWS_AS(evaluate_predictions({0, 1}, {0}, 3), std::invalid_argument);
    REQUIRE_THROWS_WITH(evaluate_predictions({0, 3}, {0, 1}, 3), Contains("out of range 0..2"));
    REQUIRE_THROWS_AS(evaluate_predictions({0}, {0}, 0), std::invalid_argument);
    REQUIRE_THROWS_AS(evaluation_from_confusion({1, 2, 3}, 2), std::invalid_argument);
    REQUIRE_THROWS_AS(evaluation_from_confusion({1, -2, 3, 4}, 2), std::invalid_argument);
}

TEST_CASE("metrics: text report", "[metrics]") {
    Evaluation e = evaluation_from_confusion(kThreeClass, 3);
    e.loss = 0.4321;
    std::string report = format_report(e, {"T-shirt/top", "Trouser", "Pullover"});
    CHECK_THAT(report, Contains("precision") && Contains("recall") && Contains("f1-score") && Contains("support"));
    CHECK_THAT(report, Contains("T-shirt/top     0.7500     0.7500     0.7500          4"));
    CHECK_THAT(report, Contains("Trouser     0.6667     0.5000     0.5714          4"));
    CHECK_THAT(report, Contains("accuracy                           0.7000         10"));
    CHECK_THAT(report, Contains("macro avg     0.6944     0.7500     0.7071         10"));
    CHECK_THAT(report, Contains("weighted avg     0.7000     0.7000     0.6886         10"));
    CHECK_THAT(report, Contains("loss") && Contains("0.4321"));
    CHECK_THAT(report, Contains("Confusion matrix"));
    CHECK_THAT(report, Contains("1 Trouser       1  2  1"));
    // Missing names fall back to the class number.
    CHECK_THAT(format_report(e, {}), Contains("           2     0.6667     1.0000     0.8000          2"));
}

TEST_CASE("metrics: JSON parses back with the right values", "[metrics]") {
    Evaluation e = evaluation_from_confusion(kThreeClass, 3);
    e.loss = 0.25;
    auto j = nlohmann::json::parse(format_json(e, {"a", "b", "c"}));
    REQUIRE(j.is_object());
    CHECK(j["accuracy"].get<double>() == Approx(0.7));
    CHECK(j["total"].get<long>() == 10);
    CHECK(j["loss"].get<double>() == 0.25);
    CHECK(j["macro"]["precision"].get<double>() == Approx(25.0 / 36.0));
    CHECK(j["macro"]["recall"].get<double>() == Approx(0.75));
    CHECK(j["macro"]["f1"].get<double>() == Approx(297.0 / 420.0));
    CHECK(j["weighted"]["f1"].get<double>() == Approx(241.0 / 350.0));
    REQUIRE(j["classes"].size() == 3);
    CHECK(j["classes"][1]["name"] == "b");
    CHECK(j["classes"][1]["precision"].get<double>() == Approx(2.0 / 3.0));
    CHECK(j["classes"][1]["recall"].get<double>() == Approx(0.5));
    CHECK(j["classes"][1]["f1"].get<double>() == Approx(4.0 / 7.0));
    CHECK(j["classes"][2]["support"].get<long>() == 2);
    CHECK(j["confusion"] == nlohmann::json::parse("[[3,1,0],[1,2,1],[0,0,2]]"));
}
