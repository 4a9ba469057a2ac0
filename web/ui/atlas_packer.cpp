#include "web/ui/atlas_packer.h"

#include <algorithm>

namespace convpad::app {

AtlasTile AtlasPacker::place(int w, int h) {
    if (x_ + w + 2 > kAtlasWidth) x_ = 0, y_ += row_h_, row_h_ = 0;
    if (w + 2 > kAtlasWidth || y_ + h + 2 > kAtlasMaxHeight) return {};
    const AtlasTile t{x_ + 1, y_ + 1, w, h};
    x_ += w + 2;
    row_h_ = std::max(row_h_, h + 2);
    return t;
}

std::vector<AtlasTile> place_tiles(AtlasPacker& packer, int count, int w, int h) {
    std::vector<AtlasTile> tiles;
    for (int k = 0; k < count; ++k) {
        const AtlasTile t = packer.place(w, h);
        if (!t.w) break;
        tiles.push_back(t);
    }
    return tiles;
}

AtlasUv atlas_uv(const AtlasTile& tile, int texture_height) {
    const float w = float(kAtlasWidth), h = float(texture_height);
    return {float(tile.x) / w, float(tile.y) / h, float(tile.x + tile.w) / w, float(tile.y + tile.h) / h};
}

}  // namespace convpad::app
