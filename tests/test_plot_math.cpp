// The plots' arithmetic (web/ui/plot_math.h): nice ticks and axes, tick labels, the value <-> pixel
// scale, decimation to one bucket per pixel column and the number formats, against hand-worked values.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "web/ui/plot_math.h"

using namespace convpad::app::plot;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

void check_values(const Ticks& ticks, const std::vector<double>& expected) {
    REQUIRE(ticks.values.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(ticks.values[i] == Approx(expected[i]).margin(1e-12));
}

// The step is 1, 2 or 5 times a power of ten.
bool is_nice_step(double step) {
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    return std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 || std::abs(mantissa - 5) < 1e-9;
}

}  // namespace

// [SECTION] Ticks

TEST_CASE("nice_ticks: 1, 2 and 5 x 10^k steps by the raw step (range / target)", "[ui][plot]") {
    // raw 0.2: 2 x 10^-1
    Ticks t = nice_ticks(0, 1, 5);
    CHECK(t.step == Approx(0.2));
    check_values(t, {0, 0.2, 0.4, 0.6, 0.8, 1.0});
    // raw 1.4 (below 1.5): 1
    t = nice_ticks(0, 7, 5);
    CHECK(t.step == Approx(1));
    check_values(t, {0, 1, 2, 3, 4, 5, 6, 7});
    // raw 5 (below 7): 5
    t = nice_ticks(0, 25, 5);
    CHECK(t.step == Approx(5));
    check_values(t, {0, 5, 10, 15, 20, 25});
    // raw 7 (not below 7): the next power of ten
    t = nice_ticks(0, 35, 5);
    CHECK(t.step == Approx(10));
    check_values(t, {0, 10, 20, 30});
    // raw 1.5 (not below 1.5): 2; the first tick is the first multiple at or above lo
    t = nice_ticks(-3, 3, 4);
    CHECK(t.step == Approx(2));
    check_values(t, {-2, 0, 2});
    CHECK(t.values[1] == 0.0);  // exactly zero, never -0 or 1e-17
    // raw 0.148: 0.1, ticks only inside [lo, hi]
    t = nice_ticks(0.13, 0.87, 5);
    CHECK(t.step == Approx(0.1));
    check_values(t, {0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8});
}

TEST_CASE("nice_ticks: every tick inside the range, one step apart, none missing at the ends", "[ui][plot]") {
    const double ranges[][2] = {{0, 1}, {-7.3, 12.9}, {0.0013, 0.0021}, {1e5, 3.7e6}, {-250, -3}, {0.5, 0.51}, {-1e-3, 1e-3}};
    for (const auto& r : ranges)
        for (int target : {2, 3, 5, 8}) {
            const Ticks t = nice_ticks(r[0], r[1], target);
            INFO("range [" << r[0] << ", " << r[1] << "], target " << target << ", step " << t.step);
            CHECK(is_nice_step(t.step));
            REQUIRE(!t.values.empty());
            const double eps = t.step * 1e-6;
            CHECK(t.values.front() >= r[0] - eps);
            CHECK(t.values.front() < r[0] + t.step);  // no multiple of the step left out below the first tick
            CHECK(t.values.back() <= r[1] + eps);
            CHECK(t.values.back() > r[1] - t.step);
            for (std::size_t i = 1; i < t.values.size(); ++i) CHECK(t.values[i] - t.values[i - 1] == Approx(t.step));
            // About `target` ticks: the nice step is within a factor 1.5..2 of the raw one.
            CHECK(t.values.size() <= std::size_t(2 * target + 1));
            CHECK(t.values.size() + 1 >= std::size_t(target / 2));
        }
}

TEST_CASE("nice_ticks: reversed, empty and non-finite ranges", "[ui][plot]") {
    Ticks t = nice_ticks(5, 1, 4);  // hi < lo: no ticks, a step of 1
    CHECK(t.values.empty());
    CHECK(t.step == 1);
    t = nice_ticks(3, 3, 4);  // empty range: step 1, the one tick at 3
    CHECK(t.step == 1);
    check_values(t, {3});
    t = nice_ticks(kNaN, 1, 4);
    CHECK(t.values.empty());
    t = nice_ticks(0, kInf, 4);
    CHECK(t.values.empty());
    t = nice_ticks(0, 10, 0);  // a target below 1 counts as 1: raw 10
    CHECK(t.step == Approx(10));
    check_values(t, {0, 10});
}

TEST_CASE("nice_axis widens the range outward to multiples of the step", "[ui][plot]") {
    double lo = 3, hi = 97;  // raw 18.8: step 20
    Ticks t = nice_axis(lo, hi, 5);
    CHECK(lo == Approx(0));
    CHECK(hi == Approx(100));
    check_values(t, {0, 20, 40, 60, 80, 100});

    lo = 0.13, hi = 0.87;  // step 0.1
    t = nice_axis(lo, hi, 5);
    CHECK(lo == Approx(0.1));
    CHECK(hi == Approx(0.9));
    REQUIRE(t.values.size() == 9);
    CHECK(t.values.front() == Approx(lo));
    CHECK(t.values.back() == Approx(hi));

    lo = -0.37, hi = 1.2;  // raw 0.3925: step 0.5
    t = nice_axis(lo, hi, 4);
    CHECK(lo == Approx(-0.5));
    CHECK(hi == Approx(1.5));
    check_values(t, {-0.5, 0, 0.5, 1.0, 1.5});
    CHECK(t.values[1] == 0.0);

    lo = 20, hi = 100;  // already multiples of the step (20): unchanged
    t = nice_axis(lo, hi, 4);
    CHECK(lo == Approx(20));
    CHECK(hi == Approx(100));
    check_values(t, {20, 40, 60, 80, 100});
}

TEST_CASE("nice_axis turns empty and non-finite ranges into small ones", "[ui][plot]") {
    double lo = 0, hi = 0;  // -> [0, 1], step 0.2
    Ticks t = nice_axis(lo, hi, 5);
    CHECK(lo == 0);
    CHECK(hi == Approx(1));
    check_values(t, {0, 0.2, 0.4, 0.6, 0.8, 1.0});

    lo = 2, hi = 2;  // -> [2, 2.2] (10% of |lo|), raw 0.04: step 0.05
    t = nice_axis(lo, hi, 5);
    CHECK(t.step == Approx(0.05));
    CHECK(lo == Approx(2));
    CHECK(hi == Approx(2.2));
    CHECK(t.values.size() == 5);

    lo = 5, hi = 1;  // hi below lo: -> [5, 5.5], raw 0.125: step 0.1
    t = nice_axis(lo, hi, 4);
    CHECK(lo == Approx(5));
    CHECK(hi == Approx(5.5));
    CHECK(t.step == Approx(0.1));
    CHECK(t.values.size() == 6);

    lo = kNaN, hi = kInf;  // -> [0, 1], raw 0.25: step 0.2
    t = nice_axis(lo, hi, 4);
    CHECK(lo == 0);
    CHECK(hi == Approx(1));
    CHECK(t.step == Approx(0.2));
    check_values(t, {0, 0.2, 0.4, 0.6, 0.8, 1.0});

    lo = -5, hi = kNaN;  // -> [-5, -4.5]
    t = nice_axis(lo, hi, 4);
    CHECK(lo == Approx(-5));
    CHECK(hi == Approx(-4.5));
    CHECK(std::isfinite(lo));
    CHECK(std::isfinite(hi));
    CHECK(t.values.size() == 6);
}

TEST_CASE("format_tick: as many decimals as the step needs", "[ui][plot]") {
    CHECK(format_tick(0.25, 0.05) == "0.25");
    CHECK(format_tick(0.2, 0.1) == "0.2");
    CHECK(format_tick(0.002, 0.001) == "0.002");
    CHECK(format_tick(0.5, 0.5) == "0.5");
    CHECK(format_tick(2, 1) == "2");
    CHECK(format_tick(2, 0.5) == "2.0");
    CHECK(format_tick(1500, 500) == "1500");      // no separator below 10,000
    CHECK(format_tick(20000, 5000) == "20,000");  // whole values from 10,000 on
    CHECK(format_tick(-20000, 10000) == "-20,000");
    CHECK(format_tick(12500.5, 0.5) == "12500.5");  // with decimals: no separator
    CHECK(format_tick(0.5, 1e-12) == "0.50000000");  // at most 8 decimals
    CHECK(format_tick(-1e-9, 0.1) == "0.0");         // a rounding residue of zero is not "-0.0"
    CHECK(format_tick(-1e-17, 1) == "0");
}

// [SECTION] Scale

TEST_CASE("Scale maps values to pixels and back, for a y axis that grows upward too", "[ui][plot]") {
    const Scale x{10, 20, 100, 300};
    CHECK(x.to_px(10) == Approx(100));
    CHECK(x.to_px(20) == Approx(300));
    CHECK(x.to_px(12.5) == Approx(150));
    CHECK(x.to_px(25) == Approx(400));  // extrapolates
    CHECK(x.from_px(150) == Approx(12.5));

    const Scale y{0, 1, 100, 0};  // p1 < p0
    CHECK(y.to_px(0) == Approx(100));
    CHECK(y.to_px(1) == Approx(0));
    CHECK(y.to_px(0.25) == Approx(75));
    CHECK(y.from_px(75) == Approx(0.25));
}

// [SECTION] Decimation

TEST_CASE("decimate: min, max and mean of y per pixel column", "[ui][plot]") {
    const Scale x{0, 10, 0, 10};  // one unit of x per pixel
    //                 col 0     col 0    col 1   col 1   col 3
    const double xs[] = {0.2, 0.7, 1.5, 1.9, 3.2};
    const float ys[] = {1, 3, -2, 4, 5};
    const std::vector<Bucket> b = decimate(xs, ys, 5, x);
    REQUIRE(b.size() == 3);
    CHECK(b[0].px == 0.5f);
    CHECK(b[0].min == 1);
    CHECK(b[0].max == 3);
    CHECK(b[0].mean == Approx(2));
    CHECK(b[1].px == 1.5f);
    CHECK(b[1].min == -2);
    CHECK(b[1].max == 4);
    CHECK(b[1].mean == Approx(1));
    CHECK(b[2].px == 3.5f);  // column 2 has no sample: no bucket
    CHECK(b[2].min == 5);
    CHECK(b[2].max == 5);
    CHECK(b[2].mean == Approx(5));
}

TEST_CASE("decimate drops samples outside the pixel range and non-finite values", "[ui][plot]") {
    const Scale x{0, 10, 0, 10};
    // -0.5: left of the plot; 2.5 has y NaN; 10.5: the column just right of the end is kept; 11.5: dropped.
    const double xs[] = {-0.5, 0.2, 2.5, 2.7, 10.5, 11.5};
    const float ys[] = {100, 1, std::numeric_limits<float>::quiet_NaN(), 7, 9, 100};
    const std::vector<Bucket> b = decimate(xs, ys, 6, x);
    REQUIRE(b.size() == 3);
    CHECK(b[0].px == 0.5f);
    CHECK(b[0].max == 1);
    CHECK(b[1].px == 2.5f);
    CHECK(b[1].min == 7);
    CHECK(b[1].max == 7);
    CHECK(b[1].mean == Approx(7));
    CHECK(b[2].px == 10.5f);
    CHECK(b[2].mean == Approx(9));

    CHECK(decimate(xs, ys, 0, x).empty());
}

TEST_CASE("decimate reduces a long series to one bucket per column", "[ui][plot]") {
    // x / 1024 * 64 is exact in float, so sample i falls in column i / 16 with no rounding at the edges.
    const int n = 1024;
    std::vector<double> xs(n);
    std::vector<float> ys(n);
    for (int i = 0; i < n; ++i) xs[std::size_t(i)] = i, ys[std::size_t(i)] = float(i % 16);
    const Scale x{0, double(n), 0, 64};  // 16 samples per column, each column sees 0..15 once
    const std::vector<Bucket> b = decimate(xs.data(), ys.data(), n, x);
    REQUIRE(b.size() == 64);
    for (std::size_t c = 0; c < b.size(); ++c) {
        INFO("column " << c);
        CHECK(b[c].px == float(c) + 0.5f);
        CHECK(b[c].min == 0);
        CHECK(b[c].max == 15);
        CHECK(b[c].mean == Approx(7.5));
    }
}

// [SECTION] Formats

TEST_CASE("format_duration: mm:ss below an hour, h:mm:ss from one, --:-- when unknown", "[ui][plot]") {
    CHECK(format_duration(0) == "00:00");
    CHECK(format_duration(59.4) == "00:59");
    CHECK(format_duration(59.5) == "01:00");  // rounded to the second
    CHECK(format_duration(754) == "12:34");
    CHECK(format_duration(3599) == "59:59");
    CHECK(format_duration(3600) == "1:00:00");
    CHECK(format_duration(3725) == "1:02:05");
    CHECK(format_duration(36000 + 61) == "10:01:01");
    CHECK(format_duration(-1) == "--:--");
    CHECK(format_duration(kNaN) == "--:--");
    CHECK(format_duration(kInf) == "--:--");
}

TEST_CASE("format_count: thousands separators", "[ui][plot]") {
    CHECK(format_count(0) == "0");
    CHECK(format_count(7) == "7");
    CHECK(format_count(999) == "999");
    CHECK(format_count(1000) == "1,000");
    CHECK(format_count(10000) == "10,000");
    CHECK(format_count(100000) == "100,000");
    CHECK(format_count(1234567) == "1,234,567");
    CHECK(format_count(-1234) == "-1,234");
    CHECK(format_count(-999) == "-999");
}
