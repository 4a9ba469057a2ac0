// Training-time data augmentation: random shifts, rotations, scaling and mirroring of 28x28 images, and a
// re-rendering that makes a grey photograph look like a drawing from the pad (a stroke outline or a filled
// silhouette), so a model trained on Fashion-MNIST also recognises what users draw.
#pragma once

#include "engine/rng.h"

namespace convpad {

// Every field off by default: no augmentation.
struct Augmentation {
    float shift = 0;    // max translation in pixels, x and y drawn independently, uniform in [-shift, shift]
    float rotate = 0;   // max rotation in degrees, uniform in [-rotate, rotate]
    float scale = 0;    // max relative size change, factor uniform in [1-scale, 1+scale]
    bool flip = false;  // mirror left-right with probability 1/2 (fashion only: a shoe pointing right is still a shoe)
    float drawn = 0;    // probability in [0,1] that an image is first re-rendered to look drawn
    bool any() const { return geometric() || flip || drawn > 0; }
    bool geometric() const { return shift > 0 || rotate > 0 || scale > 0; }  // needs the affine resample
};

// Throws std::invalid_argument naming the field for values out of range: negative or NaN, shift > 8,
// rotate > 45, scale >= 0.5, drawn outside [0,1].
void check_augmentation(const Augmentation& a);

// in, out: (28, 28), in != out. Writes an augmented copy of `in`, taking all randomness from `rng` (give
// every image its own stream and the result depends on nothing else: not on threads, not on order).
// Order: the "drawn" re-rendering (of the original), then the mirror, then one bilinear resample that
// combines rotation about the centre, scale and shift (outside the image = 0). With every field off it
// copies `in` exactly. Allocates nothing; a few microseconds per image.
void augment_image(const float* in, float* out, const Augmentation& a, Rng& rng);

}  // namespace convpad
