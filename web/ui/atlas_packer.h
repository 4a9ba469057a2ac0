// Where the Inside view's pictures go in its texture atlas (panel_inside.cpp paints and uploads it): tiles
// placed in rows, the texture's height, texel indices and texture coordinates. No ImGui or GL here, so the
// native tests compile it.
#pragma once
#include <cstddef>
#include <vector>

namespace convpad::app {

constexpr int kAtlasWidth = 512;       // texels; the atlas is as tall as its tiles need, up to kAtlasMaxHeight
constexpr int kAtlasMaxHeight = 2048;  // (a WebGL2 texture may be 2048 high anywhere)

struct AtlasTile {  // texels of one picture in the atlas; w = 0 when the atlas had no room for it
    int x = 0, y = 0, w = 0, h = 0;
};

// Tiles side by side in rows of the atlas, each with a transparent border of one texel (no bleeding when
// the texture is sampled linearly): a (w, h) tile takes (w + 2, h + 2) texels. A row is as tall as its
// tallest tile; a tile that does not fit beside the last one starts the next row.
class AtlasPacker {
public:
    // The tile's place, or w = 0 when it is wider than the atlas or would end below kAtlasMaxHeight.
    AtlasTile place(int w, int h);
    int height() const { return y_ + row_h_; }  // texels used so far
    int texture_height() const { return height() > 1 ? height() : 1; }  // a texture needs at least one row

private:
    int x_ = 0, y_ = 0, row_h_ = 0;
};

// Up to `count` tiles of (w, h), in order; stops at the first that does not fit.
std::vector<AtlasTile> place_tiles(AtlasPacker& packer, int count, int w, int h);

// Index of texel (x, y) of `tile` in the atlas' row-major (texture_height, kAtlasWidth) pixels.
inline std::size_t atlas_texel(const AtlasTile& tile, int x, int y) {
    return std::size_t(tile.y + y) * kAtlasWidth + std::size_t(tile.x + x);
}

// The tile's corners in texture coordinates ([0,1] across the atlas) of an atlas `texture_height` texels tall.
struct AtlasUv {
    float u0, v0, u1, v1;
};
AtlasUv atlas_uv(const AtlasTile& tile, int texture_height);

}  // namespace convpad::app
