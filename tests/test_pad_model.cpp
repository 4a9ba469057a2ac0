// The drawing pad's model (web/ui/pad_model.h): the rasteriser's anti-aliased capsules, strokes landing
// ink where they were drawn, the live stroke, clear and undo, strokes that leave the surface, and the
// 28x28 network input made from the drawing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "web/ui/pad_model.h"

using namespace convpad;
using namespace convpad::app;

namespace {

float pixel(const std::vector<float>& buf, int x, int y) { return buf[std::size_t(y) * kPadSide + std::size_t(x)]; }
float pixel(const PadModel& pad, int x, int y) { return pixel(pad.image().pixels, x, y); }

float sum(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += x;
    return float(s);
}

int count_nonzero(const std::vector<float>& v) {
    return int(std::count_if(v.begin(), v.end(), [](float x) { return x != 0.0f; }));
}

// A finished stroke through `points`.
void draw(PadModel& pad, std::vector<PadPoint> points, float radius) {
    pad.begin_stroke(points.front(), radius);
    for (std::size_t i = 1; i < points.size(); ++i) pad.extend_stroke(points[i]);
    pad.update_live();
    pad.end_stroke();
}

// Two strokes far apart: a horizontal bar in the top half, a vertical one in the right half.
const std::vector<PadPoint> kTopBar = {{40.0f, 60.0f}, {120.0f, 60.0f}};
const std::vector<PadPoint> kRightBar = {{220.0f, 140.0f}, {220.0f, 250.0f}};

}  // namespace

// [SECTION] Rasteriser

TEST_CASE("stamp_capsule: full ink within the radius, one pixel of anti-aliasing, nothing beyond", "[ui][pad]") {
    std::vector<float> buf(kPadPixels, 0.0f);
    // Pixel (i, j) has its centre at (i + 0.5, j + 0.5); a segment through pixel centres of row 20.
    stamp_capsule(buf.data(), {20.5f, 20.5f}, {60.5f, 20.5f}, 2.0f);
    // coverage = radius + 0.5 - distance, clamped to [0, 1]
    CHECK(pixel(buf, 40, 20) == 1.0f);              // on the segment
    CHECK(pixel(buf, 40, 21) == 1.0f);              // distance 1
    CHECK(pixel(buf, 40, 22) == Approx(0.5f));      // distance 2
    CHECK(pixel(buf, 40, 18) == Approx(0.5f));
    CHECK(pixel(buf, 40, 23) == 0.0f);              // distance 3: beyond radius + 0.5
    CHECK(pixel(buf, 18, 20) == Approx(0.5f));      // round cap: distance 2 from the start
    CHECK(pixel(buf, 17, 20) == 0.0f);
    CHECK(pixel(buf, 62, 20) == Approx(0.5f));
    CHECK(pixel(buf, 63, 20) == 0.0f);
    // Ink only within radius + 0.5 of the segment: rows 18..22, columns 18..62.
    for (int y = 0; y < kPadSide; ++y)
        for (int x = 0; x < kPadSide; ++x)
            if (pixel(buf, x, y) > 0) {
                INFO("ink at (" << x << ", " << y << ")");
                CHECK((x >= 18 && x <= 62 && y >= 18 && y <= 22));
            }
}

TEST_CASE("stamp_capsule keeps the brighter value where strokes overlap", "[ui][pad]") {
    std::vector<float> buf(kPadPixels, 0.0f);
    buf[std::size_t(22) * kPadSide + 40] = 0.8f;  // brighter than the capsule's 0.5 there
    buf[std::size_t(20) * kPadSide + 40] = 0.3f;  // darker than its 1
    stamp_capsule(buf.data(), {20.5f, 20.5f}, {60.5f, 20.5f}, 2.0f);
    CHECK(pixel(buf, 40, 22) == Approx(0.8f));
    CHECK(pixel(buf, 40, 20) == 1.0f);
}

TEST_CASE("stamp_capsule clips at the edges of the buffer", "[ui][pad]") {
    std::vector<float> buf(kPadPixels, 0.0f);
    stamp_capsule(buf.data(), {-20.0f, -20.0f}, {-10.0f, -10.0f}, 3.0f);  // wholly outside
    stamp_capsule(buf.data(), {400.0f, 140.0f}, {500.0f, 140.0f}, 3.0f);
    CHECK(count_nonzero(buf) == 0);
    stamp_capsule(buf.data(), {0.5f, 0.5f}, {0.5f, 0.5f}, 2.0f);  // a dot on the corner
    CHECK(pixel(buf, 0, 0) == 1.0f);
    CHECK(pixel(buf, 2, 0) == Approx(0.5f));
    // The part inside the buffer of a dot of radius 2 with its centre on pixel (0, 0): distances below 2.5
    // from (0.5, 0.5) to pixel centres (0..2, 0..2): all but (2, 2) (distance 2.83).
    CHECK(count_nonzero(buf) == 8);
}

TEST_CASE("draw_stroke: a one-point stroke is a dot, a two-point one a straight bar", "[ui][pad]") {
    std::vector<float> buf(kPadPixels, 0.0f);
    draw_stroke(buf.data(), PadStroke{{{100.5f, 50.5f}}, 5.0f});
    CHECK(pixel(buf, 100, 50) == 1.0f);
    CHECK(pixel(buf, 104, 50) == 1.0f);          // distance 4
    CHECK(pixel(buf, 105, 50) == Approx(0.5f));  // distance 5
    CHECK(pixel(buf, 106, 50) == 0.0f);
    CHECK(pixel(buf, 100, 44) == 0.0f);

    // Two points: the mirrored neighbours make the Catmull-Rom segment the straight line between them.
    std::fill(buf.begin(), buf.end(), 0.0f);
    draw_stroke(buf.data(), PadStroke{{{40.0f, 140.0f}, {240.0f, 140.0f}}, 6.0f});
    for (int x = 40; x < 240; ++x) {
        INFO("column " << x);
        CHECK(pixel(buf, x, 140) == 1.0f);  // centre distance 0.5
        CHECK(pixel(buf, x, 134) == 1.0f);  // distance 5.5: coverage min(1, 6.5 - 5.5)
        CHECK(pixel(buf, x, 133) == Approx(0.0f).margin(1e-4));  // distance 6.5
        CHECK(pixel(buf, x, 146) == Approx(0.0f).margin(1e-4));
        CHECK(pixel(buf, x, 120) == 0.0f);
    }
    CHECK(pixel(buf, 20, 140) == 0.0f);
    CHECK(pixel(buf, 260, 140) == 0.0f);
}

// [SECTION] The drawing

TEST_CASE("PadModel: an empty pad", "[ui][pad]") {
    const PadModel pad;
    CHECK(pad.empty());
    CHECK_FALSE(pad.in_stroke());
    CHECK(pad.stroke_count() == 0);
    CHECK(pad.revision() == 0);
    CHECK_FALSE(pad.can_undo());
    CHECK(pad.visible_strokes().empty());
    CHECK(pad.image().width == kPadSide);
    CHECK(pad.image().height == kPadSide);
    REQUIRE(pad.image().pixels.size() == std::size_t(kPadPixels));
    CHECK(count_nonzero(pad.image().pixels) == 0);
    CHECK(count_nonzero(pad.with_stroke_width(2.5f, 20).pixels) == 0);
    for (DatasetId id : {DatasetId::Fashion, DatasetId::Digits}) {
        const std::vector<float> input = pad.network_input(dataset_info(id));
        CHECK(input.size() == std::size_t(kImagePixels));
        CHECK(count_nonzero(input) == 0);
    }
    PadModel copy = pad;
    CHECK_FALSE(copy.undo());
    copy.clear();  // clearing an empty pad changes nothing and leaves nothing to undo
    CHECK(copy.revision() == 0);
    CHECK_FALSE(copy.can_undo());
}

TEST_CASE("PadModel: a stroke lands its ink where it was drawn", "[ui][pad]") {
    PadModel pad;
    draw(pad, kTopBar, 4.0f);
    CHECK_FALSE(pad.empty());
    CHECK(pad.stroke_count() == 1);
    CHECK(pixel(pad, 40, 60) == 1.0f);
    CHECK(pixel(pad, 80, 60) == 1.0f);
    CHECK(pixel(pad, 119, 60) == 1.0f);
    // The bar runs along y = 60, between pixel rows: coverage = 4.5 - distance to the pixel centre.
    CHECK(pixel(pad, 80, 63) == 1.0f);   // distance 3.5
    CHECK(pixel(pad, 80, 56) == 1.0f);
    CHECK(pixel(pad, 80, 64) == 0.0f);   // distance 4.5
    CHECK(pixel(pad, 80, 55) == 0.0f);
    CHECK(pixel(pad, 35, 60) == 0.0f);   // distance 4.53 from the start
    CHECK(pixel(pad, 37, 60) == 1.0f);   // distance 2.55
    CHECK(pixel(pad, 220, 200) == 0.0f); // where the other stroke will go
    // Ink only around the bar: within radius + 0.5 of the segment (40..120, 60).
    for (int y = 0; y < kPadSide; ++y)
        for (int x = 0; x < kPadSide; ++x)
            if (pixel(pad, x, y) > 0) {
                const float cx = std::clamp(float(x) + 0.5f, 40.0f, 120.0f), dy = float(y) + 0.5f - 60.0f;
                INFO("ink at (" << x << ", " << y << ")");
                CHECK(std::hypot(float(x) + 0.5f - cx, dy) < 4.5f + 1e-3f);
            }
}

TEST_CASE("PadModel: the live stroke shows while drawn and is kept when it ends", "[ui][pad]") {
    const std::vector<PadPoint> points = {{40.0f, 60.0f}, {80.0f, 90.0f}, {120.0f, 60.0f}, {160.0f, 100.0f}};
    PadModel pad;
    pad.begin_stroke(points[0], 4.0f);
    CHECK(pad.in_stroke());
    CHECK_FALSE(pad.empty());
    CHECK(pad.revision() == 0);  // nothing rendered until update_live()
    pad.update_live();
    CHECK(pad.revision() == 1);
    CHECK(pixel(pad, 40, 60) == 1.0f);  // a dot so far
    pad.update_live();  // nothing new: no new revision
    CHECK(pad.revision() == 1);
    for (std::size_t i = 1; i < points.size(); ++i) {
        pad.extend_stroke(points[i]);
        pad.update_live();  // once per frame: the newest segment is drawn before its end is known
    }
    CHECK(pad.revision() == 4);
    CHECK(pixel(pad, 160, 100) == 1.0f);
    CHECK(pad.stroke_count() == 0);  // counts finished strokes
    CHECK(pad.visible_strokes().size() == 1);
    CHECK_FALSE(pad.can_undo());
    CHECK_FALSE(pad.undo());  // not while a stroke is in progress
    CHECK(pad.in_stroke());
    CHECK(pad.revision() == 4);

    pad.end_stroke();
    CHECK_FALSE(pad.in_stroke());
    CHECK(pad.revision() == 5);
    CHECK(pad.stroke_count() == 1);
    CHECK(pad.can_undo());
    // No trace of the provisional segments: the picture is the whole stroke drawn at once.
    std::vector<float> at_once(kPadPixels, 0.0f);
    draw_stroke(at_once.data(), PadStroke{points, 4.0f});
    CHECK(pad.image().pixels == at_once);
    pad.end_stroke();  // no stroke in progress: nothing happens
    CHECK(pad.revision() == 5);
}

TEST_CASE("PadModel: pointer positions closer than the minimum gap add no point", "[ui][pad]") {
    PadModel pad;
    pad.begin_stroke({10.0f, 10.0f}, 4.0f);
    pad.extend_stroke({10.5f, 10.0f});  // 0.5 px away
    pad.extend_stroke({10.0f, 10.7f});
    REQUIRE(pad.visible_strokes().size() == 1);
    CHECK(pad.visible_strokes()[0]->points.size() == 1);
    pad.extend_stroke({11.0f, 10.0f});  // 1 px away
    CHECK(pad.visible_strokes()[0]->points.size() == 2);
    CHECK(pad.visible_strokes()[0]->radius == 4.0f);
}

TEST_CASE("PadModel: undo removes the last stroke", "[ui][pad]") {
    PadModel pad;
    draw(pad, kTopBar, 4.0f);
    const std::vector<float> top_only = pad.image().pixels;
    draw(pad, kRightBar, 4.0f);
    CHECK(pad.stroke_count() == 2);
    CHECK(pixel(pad, 220, 200) == 1.0f);

    const long before = pad.revision();
    REQUIRE(pad.undo());
    CHECK(pad.revision() > before);
    CHECK(pad.stroke_count() == 1);
    CHECK(pixel(pad, 220, 200) == 0.0f);
    CHECK(pad.image().pixels == top_only);

    REQUIRE(pad.undo());
    CHECK(pad.empty());
    CHECK(count_nonzero(pad.image().pixels) == 0);
    CHECK_FALSE(pad.can_undo());
    CHECK_FALSE(pad.undo());
}

TEST_CASE("PadModel: clear hides every stroke, and undo brings them back", "[ui][pad]") {
    PadModel pad;
    draw(pad, kTopBar, 4.0f);
    draw(pad, kRightBar, 4.0f);
    const std::vector<float> both = pad.image().pixels;

    pad.clear();
    CHECK(pad.empty());
    CHECK(pad.stroke_count() == 0);
    CHECK(pad.visible_strokes().empty());
    CHECK(count_nonzero(pad.image().pixels) == 0);
    CHECK(pad.can_undo());

    const long after_clear = pad.revision();
    pad.clear();  // already empty: no second clear in the history
    CHECK(pad.revision() == after_clear);

    REQUIRE(pad.undo());  // undoes the one clear
    CHECK(pad.stroke_count() == 2);
    CHECK(pad.visible_strokes().size() == 2);
    CHECK(pad.image().pixels == both);
    REQUIRE(pad.undo());  // then the strokes, newest first
    CHECK(pad.stroke_count() == 1);
    CHECK(pixel(pad, 220, 200) == 0.0f);
    CHECK(pixel(pad, 80, 60) == 1.0f);
}

TEST_CASE("PadModel: strokes after a clear are undone before the clear is", "[ui][pad]") {
    PadModel pad;
    draw(pad, kTopBar, 4.0f);
    pad.clear();
    draw(pad, kRightBar, 4.0f);
    CHECK(pad.stroke_count() == 1);
    CHECK(pixel(pad, 80, 60) == 0.0f);  // the cleared stroke stays hidden
    CHECK(pixel(pad, 220, 200) == 1.0f);

    REQUIRE(pad.undo());  // the new stroke goes; the clear still hides the old one
    CHECK(pad.empty());
    CHECK(count_nonzero(pad.image().pixels) == 0);
    CHECK(pad.can_undo());
    REQUIRE(pad.undo());  // the clear goes
    CHECK(pad.stroke_count() == 1);
    CHECK(pixel(pad, 80, 60) == 1.0f);
    CHECK(pixel(pad, 220, 200) == 0.0f);
}

TEST_CASE("PadModel: clear during a stroke drops that stroke", "[ui][pad]") {
    PadModel pad;
    draw(pad, kTopBar, 4.0f);
    pad.begin_stroke(kRightBar[0], 4.0f);
    pad.extend_stroke(kRightBar[1]);
    pad.update_live();
    CHECK(pixel(pad, 220, 200) == 1.0f);

    pad.clear();
    CHECK_FALSE(pad.in_stroke());
    CHECK(pad.empty());
    CHECK(count_nonzero(pad.image().pixels) == 0);
    REQUIRE(pad.undo());  // the clear: only the finished stroke comes back
    CHECK(pad.stroke_count() == 1);
    CHECK(pixel(pad, 80, 60) == 1.0f);
    CHECK(pixel(pad, 220, 200) == 0.0f);
    REQUIRE(pad.undo());
    CHECK_FALSE(pad.can_undo());
}

TEST_CASE("PadModel: strokes may leave the surface; the part inside is drawn", "[ui][pad]") {
    PadModel pad;
    draw(pad, {{-30.0f, 140.0f}, {310.0f, 140.0f}}, 3.0f);  // across the whole width and beyond
    for (int x = 0; x < kPadSide; ++x) CHECK(pixel(pad, x, 140) == 1.0f);
    CHECK(pixel(pad, 140, 130) == 0.0f);
    draw(pad, {{-50.0f, -50.0f}, {-20.0f, -40.0f}}, 3.0f);  // wholly outside: a stroke, but no ink
    CHECK(pad.stroke_count() == 2);
    PadModel bar_only;
    draw(bar_only, {{-30.0f, 140.0f}, {310.0f, 140.0f}}, 3.0f);
    CHECK(pad.image().pixels == bar_only.image().pixels);
}

// [SECTION] What the network receives

TEST_CASE("PadModel::with_stroke_width picks one radius from the drawing's extent", "[ui][pad]") {
    PadModel pad;
    draw(pad, {{40.0f, 140.0f}, {240.0f, 140.0f}}, 30.0f);  // extent 200
    // r = width * extent / (2 * (box_side - width)) = 2.5 * 200 / (2 * 17.5) = 14.2857; reach = 14.7857
    const GrayImage redrawn = pad.with_stroke_width(2.5f, 20);
    CHECK(pixel(redrawn.pixels, 140, 153) == 1.0f);                                    // distance 13.5
    CHECK(pixel(redrawn.pixels, 140, 154) == Approx(14.7857f - 14.5f).margin(1e-3));  // distance 14.5
    CHECK(pixel(redrawn.pixels, 140, 125) == Approx(14.7857f - 14.5f).margin(1e-3));
    CHECK(pixel(redrawn.pixels, 140, 155) == 0.0f);                                    // distance 15.5
    CHECK(pixel(redrawn.pixels, 140, 124) == 0.0f);
    CHECK(pixel(pad, 140, 155) == 1.0f);  // the drawing itself keeps its brush of 30

    // A dot has no extent: the radius is clamped to half the smallest brush, 1.5 (reach 2): the pixel
    // under it, its 4 neighbours (distance 1) and the 4 diagonal ones (distance 1.41, coverage 0.59).
    PadModel dot;
    draw(dot, {{100.5f, 100.5f}}, 20.0f);
    const GrayImage small = dot.with_stroke_width(2.5f, 20);
    CHECK(count_nonzero(small.pixels) == 9);
    CHECK(pixel(small.pixels, 100, 100) == 1.0f);
    CHECK(pixel(small.pixels, 101, 100) == 1.0f);
    CHECK(pixel(small.pixels, 101, 101) == Approx(2.0f - std::sqrt(2.0f)));
}

TEST_CASE("PadModel::network_input follows the data set's preprocessing", "[ui][pad]") {
    auto ink_columns = [](const std::vector<float>& input) {
        int columns = 0;
        for (int x = 0; x < kImageSide; ++x) {
            bool ink = false;
            for (int y = 0; y < kImageSide; ++y) ink = ink || input[std::size_t(y) * kImageSide + x] > 0;
            columns += ink;
        }
        return columns;
    };
    PadModel thin, thick;
    draw(thin, {{40.0f, 140.0f}, {240.0f, 140.0f}}, 3.0f);
    draw(thick, {{40.0f, 140.0f}, {240.0f, 140.0f}}, 30.0f);

    // Fashion-MNIST: the drawing as drawn, its longer side scaled to fill the 28x28 frame.
    const DatasetInfo& fashion = dataset_info(DatasetId::Fashion);
    const std::vector<float> fashion_thin = thin.network_input(fashion);
    REQUIRE(fashion_thin.size() == std::size_t(kImagePixels));
    CHECK(ink_columns(fashion_thin) == 28);
    CHECK(*std::max_element(fashion_thin.begin(), fashion_thin.end()) <= 1.0f);
    CHECK(*std::min_element(fashion_thin.begin(), fashion_thin.end()) >= 0.0f);
    CHECK(sum(thick.network_input(fashion)) > 2 * sum(fashion_thin));  // the brush shows

    // Digits: redrawn with MNIST-thick strokes and fitted into 20x20, so the brush makes no difference.
    const DatasetInfo& digits = dataset_info(DatasetId::Digits);
    const std::vector<float> digits_thin = thin.network_input(digits);
    CHECK(ink_columns(digits_thin) == 20);
    CHECK(digits_thin == thick.network_input(digits));
    CHECK(sum(digits_thin) > 0);
}
