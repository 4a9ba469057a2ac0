// Image decoding and the 28x28 preprocessing, on hand-built pictures whose answer is known.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "data/idx.h"
#include "data/image.h"
#include "test_data_helpers.h"

// The writer is only needed here; static linkage keeps it from clashing with a copy elsewhere.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

using namespace convpad;
using Catch::Contains;

namespace {

GrayImage filled(int width, int height, float value) {
    GrayImage img;
    img.width = width;
    img.height = height;
    img.pixels.assign(std::size_t(width) * height, value);
    return img;
}

void fill_rect(GrayImage& img, int x0, int y0, int w, int h, float value) {
    for (int y = y0; y < y0 + h; ++y)
        for (int x = x0; x < x0 + w; ++x) img.pixels[std::size_t(y) * img.width + x] = value;
}

float at28(const std::vector<float>& frame, int x, int y) { return frame[std::size_t(y) * 28 + x]; }

// Every pixel of the 28x28 frame is `inside` in [x0,x1]x[y0,y1] (inclusive) and 0 elsewhere.
void check_rect(const std::vector<float>& frame, int x0, int y0, int x1, int y1, float inside) {
    REQUIRE(frame.size() == 784);
    int wrong = 0;
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x) {
            bool in = x >= x0 && x <= x1 && y >= y0 && y <= y1;
            float want = in ? inside : 0.0f;
            if (std::fabs(at28(frame, x, y) - want) > 1e-5f) ++wrong;
        }
    CHECK(wrong == 0);
}

double sum(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += x;
    return s;
}

std::vector<std::uint8_t> encode_png(int width, int height, int channels, const std::vector<std::uint8_t>& pixels) {
    std::vector<std::uint8_t> png;
    auto append = [](void* context, void* data, int size) {
        auto* out = static_cast<std::vector<std::uint8_t>*>(context);
        out->insert(out->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
    };
    int ok = stbi_write_png_to_func(append, &png, width, height, channels, pixels.data(), width * channels);
    REQUIRE(ok != 0);
    return png;
}

std::vector<std::uint8_t> bytes_of(const std::string& header, const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> out(header.begin(), header.end());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

}  // namespace

// [SECTION] preprocess_to_28x28

TEST_CASE("preprocess: a white square in a corner ends up centred at 20x20", "[image]") {
    GrayImage img = filled(100, 100, 0.0f);
    fill_rect(img, 0, 0, 10, 10, 1.0f);
    // 10x10 box scaled x2 to 20x20; centre of mass 10 → offset 14 - 10 = 4: pixels 4..23 on both axes.
    check_rect(preprocess_to_28x28(img, 0.1f, 20), 4, 4, 23, 23, 1.0f);
}

TEST_CASE("preprocess: dark-on-light is inverted", "[image]") {
    GrayImage img = filled(100, 100, 1.0f);
    fill_rect(img, 90, 90, 10, 10, 0.0f);  // black square in the bottom-right corner of white paper
    check_rect(preprocess_to_28x28(img, 0.1f, 20), 4, 4, 23, 23, 1.0f);
}

TEST_CASE("preprocess: aspect ratio is kept", "[image]") {
    GrayImage img = filled(80, 60, 0.0f);
    fill_rect(img, 5, 30, 40, 10, 1.0f);
    // 40x10 → 20x5. x: centre 10 → offset 4 (4..23). y: centre 2.5 → floor(14 - 2.5 + 0.5) = 12 (12..16).
    check_rect(preprocess_to_28x28(img, 0.1f, 20), 4, 12, 23, 16, 1.0f);

    GrayImage tall = filled(60, 80, 0.0f);
    fill_rect(tall, 30, 5, 10, 40, 1.0f);
    check_rect(preprocess_to_28x28(tall, 0.1f, 20), 12, 4, 16, 23, 1.0f);
}

TEST_CASE("preprocess: shrinking averages areas", "[image]") {
    // 40x40 box whose columns alternate 1.0 and 0.2: each output pixel covers two columns → 0.6.
    GrayImage img = filled(50, 50, 0.0f);
    for (int x = 0; x < 40; ++x) fill_rect(img, 5 + x, 5, 1, 40, x % 2 == 0 ? 1.0f : 0.2f);
    check_rect(preprocess_to_28x28(img, 0.1f, 20), 4, 4, 23, 23, 0.6f);
}

TEST_CASE("preprocess: a non-integer scale preserves mass per area", "[image]") {
    // Box 30x17 → 20x11 (17 * 20/30 = 11.33). Every output pixel is the mean of an equal-area footprint,
    // so sum(out) = sum(box) * (20*11) / (30*17).
    GrayImage img = filled(40, 30, 0.0f);
    std::uint32_t state = 12345;
    double box_sum = 0;
    for (int y = 3; y < 3 + 17; ++y)
        for (int x = 4; x < 4 + 30; ++x) {
            state = state * 1664525u + 1013904223u;
            float v = 0.2f + 0.8f * float(state >> 8) / 16777216.0f;  // all above the ink threshold
            img.pixels[std::size_t(y) * 40 + x] = v;
            box_sum += v;
        }
    std::vector<float> frame = preprocess_to_28x28(img, 0.1f, 20);
    CHECK(sum(frame) == Approx(box_sum * (20.0 * 11.0) / (30.0 * 17.0)).epsilon(1e-5));
    int inked_rows = 0, inked_cols = 0;
    for (int i = 0; i < 28; ++i) {
        bool row = false, col = false;
        for (int j = 0; j < 28; ++j) {
            row |= at28(frame, j, i) > 0;
            col |= at28(frame, i, j) > 0;
        }
        inked_rows += row;
        inked_cols += col;
    }
    CHECK(inked_cols == 20);
    CHECK(inked_rows == 11);
}

TEST_CASE("preprocess: centring is clamped so nothing is cut off", "[image]") {
    // A 20x20 box (scale 1) whose mass sits in its left column: the centre of mass (x ≈ 0.69) would
    // ask for an offset of 13, which would push the faint right-hand pixel out; it is clamped to 8.
    GrayImage img = filled(30, 30, 0.0f);
    fill_rect(img, 5, 5, 1, 20, 1.0f);
    fill_rect(img, 24, 5, 1, 1, 0.2f);
    std::vector<float> frame = preprocess_to_28x28(img, 0.1f, 20);
    CHECK(sum(frame) == Approx(20.2));
    // y: centre (20*10 + 0.2*0.5) / 20.2 = 9.906 → floor(14 - 9.906 + 0.5) = 4.
    for (int y = 0; y < 20; ++y) CHECK(at28(frame, 8, 4 + y) == Approx(1.0f));
    CHECK(at28(frame, 27, 4) == Approx(0.2f));
}

TEST_CASE("preprocess: empty pictures give zeros", "[image]") {
    std::vector<float> zeros(784, 0.0f);
    CHECK(preprocess_to_28x28(filled(50, 40, 0.0f)) == zeros);
    CHECK(preprocess_to_28x28(filled(50, 40, 1.0f)) == zeros);   // blank white paper
    CHECK(preprocess_to_28x28(filled(50, 40, 0.05f)) == zeros);  // below the ink threshold
    CHECK(preprocess_to_28x28(GrayImage{}, 0.1f, 20) == zeros);
    CHECK(preprocess_to_28x28(filled(1, 1, 0.0f)) == zeros);

    GrayImage broken = filled(10, 10, 0.0f);
    broken.pixels.pop_back();
    REQUIRE_THROWS_AS(preprocess_to_28x28(broken, 0.1f, 20), DataError);
}

TEST_CASE("preprocess: a single pixel and NaN values", "[image]") {
    GrayImage dot = filled(1, 1, 1.0f);  // all border and all ink: mean border 1 → inverted → empty
    CHECK(sum(preprocess_to_28x28(dot, 0.1f, 20)) == 0.0);
    GrayImage speck = filled(9, 9, 0.0f);
    fill_rect(speck, 4, 4, 1, 1, 1.0f);
    check_rect(preprocess_to_28x28(speck, 0.1f, 20), 4, 4, 23, 23, 1.0f);  // 1 px stretched to 20x20

    GrayImage nan = filled(10, 10, 0.0f);
    fill_rect(nan, 2, 2, 4, 4, 1.0f);
    nan.pixels[0] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> frame = preprocess_to_28x28(nan, 0.1f, 20);
    CHECK(std::isfinite(sum(frame)));
    check_rect(frame, 4, 4, 23, 23, 1.0f);
}

// [SECTION] decode_image

TEST_CASE("decode: PNG round trip, gray, RGB and RGBA", "[image]") {
    std::vector<std::uint8_t> gray(7 * 5);
    for (std::size_t i = 0; i < gray.size(); ++i) gray[i] = std::uint8_t(i * 7);
    auto png = encode_png(7, 5, 1, gray);
    GrayImage img = decode_image(png.data(), png.size(), "gray.png");
    REQUIRE(img.width == 7);
    REQUIRE(img.height == 5);
    for (std::size_t i = 0; i < gray.size(); ++i) CHECK(img.pixels[i] == Approx(gray[i] / 255.0f).margin(1e-6));

    // RGB: equal channels give that gray; pure red weighs 0.299.
    std::vector<std::uint8_t> rgb = {200, 200, 200, 255, 0, 0};
    png = encode_png(2, 1, 3, rgb);
    img = decode_image(png.data(), png.size(), "rgb.png");
    CHECK(img.pixels[0] == Approx(200 / 255.0f).margin(1e-5));
    CHECK(img.pixels[1] == Approx(0.299f).margin(1e-5));

    // RGBA: transparent shows white paper, opaque shows the colour, half-transparent black is mid gray.
    std::vector<std::uint8_t> rgba = {0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 51};
    png = encode_png(3, 1, 4, rgba);
    img = decode_image(png.data(), png.size(), "rgba.png");
    CHECK(img.pixels[0] == Approx(1.0f));
    CHECK(img.pixels[1] == Approx(0.0f).margin(1e-6));
    CHECK(img.pixels[2] == Approx(0.8f).margin(1e-5));
}

TEST_CASE("decode: hand-made PGM and PPM", "[image]") {
    auto pgm = bytes_of("P5\n# made by hand\n3 2\n255\n", {0, 51, 255, 10, 20, 30});
    GrayImage img = decode_image(pgm.data(), pgm.size(), "hand.pgm");
    REQUIRE(img.width == 3);
    REQUIRE(img.height == 2);
    CHECK(img.pixels[1] == Approx(0.2f));
    CHECK(img.pixels[2] == Approx(1.0f));
    CHECK(img.pixels[5] == Approx(30 / 255.0f));

    // maxval is full scale, whatever it is.
    auto low = bytes_of("P5 2 1 15\n", {15, 5});
    img = decode_image(low.data(), low.size(), "low.pgm");
    CHECK(img.pixels[0] == Approx(1.0f));
    CHECK(img.pixels[1] == Approx(1.0f / 3.0f));
    auto wide = bytes_of("P5 2 1 1000\n", {0x03, 0xE8, 0x01, 0xF4});  // 1000, 500 big-endian
    img = decode_image(wide.data(), wide.size(), "wide.pgm");
    CHECK(img.pixels[0] == Approx(1.0f));
    CHECK(img.pixels[1] == Approx(0.5f));

    auto ppm = bytes_of("P6 1 1 255\n", {255, 0, 0});
    img = decode_image(ppm.data(), ppm.size(), "red.ppm");
    CHECK(img.pixels[0] == Approx(0.299f).margin(1e-5));
}

TEST_CASE("decode: bad input is a DataError that says why", "[image]") {
    std::vector<std::uint8_t> garbage = {'h', 'e', 'l', 'l', 'o', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    REQUIRE_THROWS_WITH(decode_image(garbage.data(), garbage.size(), "junk.bin"),
                        Contains("junk.bin") && Contains("cannot decode"));
    REQUIRE_THROWS_WITH(decode_image(garbage.data(), 0, "empty.png"), Contains("no data"));

    auto huge_pgm = bytes_of("P5 9000 10 255\n", {0});
    REQUIRE_THROWS_WITH(decode_image(huge_pgm.data(), huge_pgm.size(), "huge.pgm"), Contains("limit"));
    auto overflow = bytes_of("P5 99999999999999 1 255\n", {0});
    REQUIRE_THROWS_WITH(decode_image(overflow.data(), overflow.size(), "o.pgm"), Contains("too many digits"));
    auto short_pgm = bytes_of("P5 4 4 255\n", {1, 2, 3, 4, 5});
    REQUIRE_THROWS_WITH(decode_image(short_pgm.data(), short_pgm.size(), "s.pgm"),
                        Contains("truncated PNM: expected 16 bytes of pixels, file has 5"));
    auto zero_max = bytes_of("P5 1 1 0\n", {0});
    REQUIRE_THROWS_WITH(decode_image(zero_max.data(), zero_max.size(), "z.pgm"), Contains("maxval 0"));

    auto png = encode_png(10, 10, 1, std::vector<std::uint8_t>(100, 128));
    auto huge_png = png;
    huge_png[16] = 0x00, huge_png[17] = 0x00, huge_png[18] = 0x27, huge_png[19] = 0x10;  // IHDR width 10000
    REQUIRE_THROWS_WITH(decode_image(huge_png.data(), huge_png.size(), "huge.png"), Contains("limit"));
    // A forged chunk length must not make the decoder allocate for data that is not there.
    auto forged = png;
    REQUIRE(std::string(forged.begin() + 37, forged.begin() + 41) == "IDAT");  // after the 8+25 bytes of IHDR
    forged[33] = 0x7F, forged[34] = 0xFF;
    REQUIRE_THROWS_WITH(decode_image(forged.data(), forged.size(), "forged.png"),
                        Contains("corrupt PNG") && Contains("claims"));
    auto cut_png = std::vector<std::uint8_t>(png.begin(), png.begin() + png.size() / 2);
    REQUIRE_THROWS_AS(decode_image(cut_png.data(), cut_png.size(), "cut.png"), DataError);
}

TEST_CASE("load_image + preprocess: a black stroke on a white PNG", "[image]") {
    // 56x56 white canvas with a black 28x14 bar, as the drawing pad or a photo of paper would give.
    std::vector<std::uint8_t> rgb(56 * 56 * 3, 255);
    for (int y = 20; y < 34; ++y)
        for (int x = 10; x < 38; ++x)
            for (int c = 0; c < 3; ++c) rgb[(std::size_t(y) * 56 + x) * 3 + c] = 0;
    convpad_test::TempDir dir;
    dir.write("bar.png", encode_png(56, 56, 3, rgb));
    GrayImage img = load_image(dir.file("bar.png"));
    REQUIRE(img.width == 56);
    // 28x14 → 20x10: x 4..23; y centre 5 → offset 9: 9..18.
    check_rect(preprocess_to_28x28(img, 0.1f, 20), 4, 9, 23, 18, 1.0f);
    REQUIRE_THROWS_WITH(load_image(dir.file("missing.png")), Contains("cannot open file"));
}

TEST_CASE("preprocess: the default box fills the frame like Fashion-MNIST", "[image]") {
    // A 10x5 box scaled x2.8 to 28x14: x fills 0..27; y centre 7 -> offset 7: rows 7..20.
    GrayImage img = filled(60, 60, 0.0f);
    fill_rect(img, 3, 40, 10, 5, 1.0f);
    check_rect(preprocess_to_28x28(img), 0, 7, 27, 20, 1.0f);
}

TEST_CASE("preprocess: a drawn stroke and its scaled-up copy give the same input", "[image]") {
    // What the drawing pad relies on: the network sees the same image whatever the pad's size.
    GrayImage small = filled(28, 28, 0.0f), big = filled(280, 280, 0.0f);
    fill_rect(small, 10, 4, 3, 20, 1.0f);
    fill_rect(big, 100, 40, 30, 200, 1.0f);
    const auto a = preprocess_to_28x28(small), b = preprocess_to_28x28(big);
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).margin(1e-5));
}

TEST_CASE("fill_enclosed: a closed outline becomes a silhouette; an open one stays", "[image]") {
    // A square outline (2 px thick) from (4,4) to (19,19), and a U open at the top beside it.
    std::vector<float> image(28 * 28, 0.0f);
    auto set = [&](int x, int y, float v) { image[std::size_t(y) * 28 + x] = v; };
    for (int i = 4; i <= 19; ++i)
        for (int t = 0; t < 2; ++t) set(i, 4 + t, 1), set(i, 18 + t, 1), set(4 + t, i, 1), set(18 + t, i, 1);
    for (int y = 4; y <= 19; ++y) set(22, y, 0.8f), set(26, y, 0.8f);
    for (int x = 22; x <= 26; ++x) set(x, 19, 0.8f);
    set(12, 12, 0.1f);  // a faint mark inside the square: filled too
    fill_enclosed(image.data(), 28);
    for (int y = 6; y <= 17; ++y)
        for (int x = 6; x <= 17; ++x) REQUIRE(image[std::size_t(y) * 28 + x] == 1.0f);
    for (int y = 4; y <= 18; ++y)
        for (int x = 23; x <= 25; ++x) REQUIRE(image[std::size_t(y) * 28 + x] == 0.0f);  // inside the open U
    CHECK(image[0] == 0.0f);
    CHECK(image[std::size_t(22) * 28 + 12] == 0.0f);  // below the square
    CHECK(image[std::size_t(4) * 28 + 22] == 0.8f);   // ink keeps its value
}
