// The Inside view's atlas packer (web/ui/atlas_packer.h): tiles in rows with a one-texel border, wrapping,
// the width and height limits, no two tiles overlapping, and the texel and texture-coordinate arithmetic.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "web/ui/atlas_packer.h"

using namespace convpad::app;

namespace {

void check_tile(const AtlasTile& t, int x, int y, int w, int h) {
    INFO("tile {" << t.x << ", " << t.y << ", " << t.w << ", " << t.h << "}, expected {" << x << ", " << y << ", "
                  << w << ", " << h << "}");
    CHECK(t.x == x);
    CHECK(t.y == y);
    CHECK(t.w == w);
    CHECK(t.h == h);
}

// The texels a tile claims: itself and its one-texel border.
bool overlap_with_borders(const AtlasTile& a, const AtlasTile& b) {
    return a.x - 1 < b.x + b.w + 1 && b.x - 1 < a.x + a.w + 1 && a.y - 1 < b.y + b.h + 1 && b.y - 1 < a.y + a.h + 1;
}

}  // namespace

TEST_CASE("AtlasPacker: tiles side by side, each inside a one-texel border", "[ui][atlas]") {
    AtlasPacker packer;
    CHECK(packer.height() == 0);
    CHECK(packer.texture_height() == 1);  // an empty atlas is still one row tall
    check_tile(packer.place(28, 28), 1, 1, 28, 28);   // takes texels 0..29
    check_tile(packer.place(28, 28), 31, 1, 28, 28);  // 30..59
    check_tile(packer.place(5, 5), 61, 1, 5, 5);
    CHECK(packer.height() == 30);  // the row is as tall as its tallest tile plus the border
    CHECK(packer.texture_height() == 30);
}

TEST_CASE("AtlasPacker: a tile that does not fit beside the last starts the next row", "[ui][atlas]") {
    AtlasPacker packer;
    // 30 texels per 28x28 tile: 17 fill 510 of the 512 texels, the 18th wraps.
    for (int k = 0; k < 17; ++k) check_tile(packer.place(28, 28), 1 + 30 * k, 1, 28, 28);
    check_tile(packer.place(28, 28), 1, 31, 28, 28);
    CHECK(packer.height() == 60);

    AtlasPacker mixed;
    check_tile(mixed.place(10, 10), 1, 1, 10, 10);
    check_tile(mixed.place(10, 40), 13, 1, 10, 40);    // the row becomes 42 tall
    check_tile(mixed.place(500, 5), 1, 43, 500, 5);  // 24 + 502 > 512: next row, below the tallest
    CHECK(mixed.height() == 42 + 7);
}

TEST_CASE("AtlasPacker: tiles wider than the atlas or past its height get no place", "[ui][atlas]") {
    AtlasPacker wide;
    CHECK(wide.place(511, 1).w == 0);  // 513 texels with the border
    check_tile(wide.place(510, 1), 1, 1, 510, 1);

    AtlasPacker tall;
    check_tile(tall.place(10, 2046), 1, 1, 10, 2046);  // ends exactly at kAtlasMaxHeight
    CHECK(tall.height() == kAtlasMaxHeight);
    AtlasPacker too_tall;
    CHECK(too_tall.place(10, 2047).w == 0);

    // Four 510x510 tiles, one per row (512 texels each), fill the 2048 rows; the fifth has no room.
    AtlasPacker full;
    for (int k = 0; k < 4; ++k) check_tile(full.place(510, 510), 1, 1 + 512 * k, 510, 510);
    CHECK(full.place(510, 510).w == 0);
    CHECK(full.place(1, 1).w == 0);  // nor anything else below the last row
    CHECK(full.height() == 2048);
    CHECK(full.texture_height() == 2048);
}

TEST_CASE("place_tiles stops at the first tile that does not fit", "[ui][atlas]") {
    AtlasPacker packer;
    CHECK(place_tiles(packer, 0, 28, 28).empty());
    const std::vector<AtlasTile> five = place_tiles(packer, 5, 28, 28);
    REQUIRE(five.size() == 5);
    check_tile(five[4], 1 + 30 * 4, 1, 28, 28);

    AtlasPacker big;
    CHECK(place_tiles(big, 10, 510, 510).size() == 4);
}

TEST_CASE("AtlasPacker: the Inside view's pictures for a small network", "[ui][atlas]") {
    // input and saliency 28x28 (30 each), 8 filters 3x3 (5 each), 8 maps 26x26 (28 each): 60 + 40 + 224 = 324
    // texels, one row 30 tall. Then 16 maps 13x13 (15 each): 12 more fit in the row (324 + 180 = 504), the
    // other 4 start a row at y = 30, 15 tall.
    AtlasPacker packer;
    check_tile(packer.place(28, 28), 1, 1, 28, 28);
    check_tile(packer.place(28, 28), 31, 1, 28, 28);
    const std::vector<AtlasTile> filters = place_tiles(packer, 8, 3, 3);
    const std::vector<AtlasTile> maps1 = place_tiles(packer, 8, 26, 26);
    const std::vector<AtlasTile> maps2 = place_tiles(packer, 16, 13, 13);
    REQUIRE(filters.size() == 8);
    REQUIRE(maps1.size() == 8);
    REQUIRE(maps2.size() == 16);
    check_tile(filters[0], 61, 1, 3, 3);
    check_tile(maps1[0], 101, 1, 26, 26);
    check_tile(maps2[0], 325, 1, 13, 13);
    check_tile(maps2[11], 325 + 15 * 11, 1, 13, 13);
    check_tile(maps2[12], 1, 31, 13, 13);
    check_tile(maps2[15], 46, 31, 13, 13);
    CHECK(packer.height() == 45);
}

TEST_CASE("AtlasPacker: placed tiles never overlap and stay inside the atlas", "[ui][atlas]") {
    std::mt19937 rng(7);
    for (int round = 0; round < 20; ++round) {
        std::uniform_int_distribution<int> side(1, round < 10 ? 40 : 200);
        AtlasPacker packer;
        std::vector<AtlasTile> placed;
        for (int k = 0; k < 400; ++k) {
            const int w = side(rng), h = side(rng);
            const AtlasTile t = packer.place(w, h);
            if (!t.w) continue;
            CHECK(t.w == w);
            CHECK(t.h == h);
            placed.push_back(t);
        }
        REQUIRE(!placed.empty());
        // Counted rather than checked pair by pair: up to 80,000 pairs a round.
        int outside = 0, overlaps = 0;
        for (std::size_t i = 0; i < placed.size(); ++i) {
            const AtlasTile& a = placed[i];
            if (a.x < 1 || a.y < 1 || a.x + a.w + 1 > kAtlasWidth || a.y + a.h + 1 > packer.height()) ++outside;
            for (std::size_t j = i + 1; j < placed.size(); ++j) overlaps += overlap_with_borders(a, placed[j]);
        }
        INFO("round " << round << ": " << placed.size() << " tiles, atlas height " << packer.height());
        CHECK(outside == 0);
        CHECK(overlaps == 0);
        CHECK(packer.height() <= kAtlasMaxHeight);
        if (round >= 10) CHECK(placed.size() < 400);  // large tiles: the atlas filled up and refused some
    }
}

TEST_CASE("atlas_texel and atlas_uv: where a tile's texels are", "[ui][atlas]") {
    const AtlasTile first{1, 1, 28, 28}, second{31, 1, 28, 28};
    CHECK(atlas_texel(first, 0, 0) == 1 * 512 + 1);
    CHECK(atlas_texel(second, 2, 3) == 4 * 512 + 33);
    CHECK(atlas_texel(first, 27, 27) == std::size_t(28) * 512 + 28);
    // Every texel of a tile, in a texture of the packer's height, lands inside the texture.
    AtlasPacker packer;
    const AtlasTile t = packer.place(28, 28);
    CHECK(atlas_texel(t, t.w - 1, t.h - 1) < std::size_t(kAtlasWidth) * std::size_t(packer.texture_height()));

    const AtlasUv uv = atlas_uv(first, 60);
    CHECK(uv.u0 == Approx(1.0 / 512));
    CHECK(uv.v0 == Approx(1.0 / 60));
    CHECK(uv.u1 == Approx(29.0 / 512));
    CHECK(uv.v1 == Approx(29.0 / 60));
    const AtlasUv whole = atlas_uv(AtlasTile{0, 0, kAtlasWidth, 30}, 30);
    CHECK(whole.u0 == 0.0f);
    CHECK(whole.v0 == 0.0f);
    CHECK(whole.u1 == 1.0f);
    CHECK(whole.v1 == 1.0f);
}
