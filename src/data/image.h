// Turning an arbitrary picture into the 28x28 white-on-black input the network was trained on.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace convpad {

// A grayscale picture, values in [0,1], row-major.
struct GrayImage {
    int width = 0, height = 0;
    std::vector<float> pixels;
};

// Decode PNG/PGM (any size, gray/RGB/RGBA; alpha composited over white) from bytes. Throws DataError.
GrayImage decode_image(const std::uint8_t* data, std::size_t size, const std::string& what);
GrayImage load_image(const std::string& path);

// The documented preprocessing (README "Preprocessing"):
//  1. If the picture is dark-on-light (mean border brightness > 0.5), invert it so ink is bright.
//  2. Crop to the bounding box of pixels brighter than `ink_threshold`.
//  3. Scale the box, keeping aspect, so its longer side is box_side px (area-averaging). The default, 28,
//     fills the frame as Fashion-MNIST's own conversion does ("resize the longest edge to 28");
//     MNIST digits use 20.
//  4. Place it in a 28x28 black frame so its centre of mass sits at (14,14) (clamped inside the frame).
// An empty picture (no ink) gives an all-zero 28x28 image.
std::vector<float> preprocess_to_28x28(const GrayImage& img, float ink_threshold = 0.1f, int box_side = 28);

// Fills what an outline encloses: every dark pixel (below ink_threshold) of the (side, side) image that
// the background cannot reach from the frame (4-connected through dark pixels) becomes ink (1). A drawn
// outline of a shirt then looks like Fashion-MNIST's filled silhouettes; open shapes stay as they are.
void fill_enclosed(float* image, int side, float ink_threshold = 0.25f);

}  // namespace convpad
