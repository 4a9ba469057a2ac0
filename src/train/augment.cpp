// Augmentation of one 28x28 image: the "drawn" re-rendering on bit masks, then one bilinear resample.
// Everything lives in fixed-size arrays on the stack, so the trainer can run it on worker threads.
#include "train/augment.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "data/dataset.h"

namespace convpad {

namespace {

constexpr int kSide = kImageSide;
static_assert(kSide < 32, "a mask row is one 32-bit word");

using Image = std::array<float, kImagePixels>;  // (28, 28)
using Mask = std::array<std::uint32_t, kSide>;   // bit x of word y is pixel (x, y)

// [SECTION] Checks

std::string number(float v) {  // "8", "0.5", "nan" (std::to_string would say "8.000000")
    char text[32];
    std::snprintf(text, sizeof text, "%g", double(v));
    return text;
}

void check_range(const char* name, float value, float low, float high, bool high_inclusive, const char* unit) {
    if (value >= low && (high_inclusive ? value <= high : value < high)) return;  // false for NaN
    throw std::invalid_argument(std::string("augmentation: ") + name + " must be in [" + number(low) + ", " +
                                number(high) + (high_inclusive ? "]" : ")") + unit + ", got " + number(value));
}

// [SECTION] "Drawn" re-rendering
// The pad renders round-brush strokes at full brightness with one pixel of anti-aliasing, crops to the
// drawing and shrinks it to 28x28 by area averaging: ink is 1 with a thin fractional fringe. Users draw
// shapes as outlines or fill them by scribbling, so a photograph becomes its silhouette, filled or as an
// outline 1-3 px thick, with a soft fringe around it.

// Silhouette threshold, drawn per image. Fashion-MNIST's background is 0 and every image peaks at 1, but dark
// garments have bodies at 0.15-0.3: above ~0.2 a coat falls apart into fragments.
constexpr float kLevelMin = 0.03f, kLevelMax = 0.15f;
constexpr int kMaxOutline = 3;                         // outline thickness 1..3 px
constexpr float kFringeMin = 0.5f, kFringeMax = 1.5f;  // fringe strength: 1 gives 1/4 beside a straight edge

Mask silhouette(const float* in, float level) {
    Mask m{};
    for (int y = 0; y < kSide; ++y) {
        std::uint32_t row = 0;
        for (int x = 0; x < kSide; ++x) row |= std::uint32_t(in[y * kSide + x] > level) << x;
        m[y] = row;
    }
    return m;
}

// A pixel survives when all its 4 (cross) or 8 (square) neighbours are set; outside the image counts as
// unset, so a shape cut by the frame gets an outline along the frame, as a drawing would. Alternating the
// two makes thick outlines roughly round (octagonal) rather than square.
std::uint32_t row_core(std::uint32_t r) { return r & (r << 1) & (r >> 1); }  // x-1, x and x+1 all set

Mask erode_cross(const Mask& m) {
    Mask e{};
    for (int y = 0; y < kSide; ++y) {
        const std::uint32_t up = y > 0 ? m[y - 1] : 0, down = y + 1 < kSide ? m[y + 1] : 0;
        e[y] = row_core(m[y]) & up & down;
    }
    return e;
}

Mask erode_square(const Mask& m) {
    Mask core{}, e{};
    for (int y = 0; y < kSide; ++y) core[y] = row_core(m[y]);
    for (int y = 0; y < kSide; ++y) {
        const std::uint32_t up = y > 0 ? core[y - 1] : 0, down = y + 1 < kSide ? core[y + 1] : 0;
        e[y] = core[y] & up & down;
    }
    return e;
}

// Background pixels are unset pixels 4-connected to the frame; the rest of the unset pixels are holes.
// Holes smaller than kMaxSpeck pixels are texture the threshold cut out of a dark or patterned garment
// (nobody draws those) and are filled; bigger ones (a bag's handle, the gaps of a sandal) stay.
constexpr int kMaxSpeck = 8;

void fill_specks(Mask& m) {
    constexpr std::uint32_t kRow = (1u << kSide) - 1;
    Mask outside{};  // grows from the frame through unset pixels
    for (int y = 0; y < kSide; ++y) {
        const std::uint32_t edge = y == 0 || y == kSide - 1 ? kRow : (1u | 1u << (kSide - 1));
        outside[y] = edge & ~m[y];
    }
    for (bool grew = true; grew;) {
        grew = false;
        for (int y = 0; y < kSide; ++y) {
            const std::uint32_t up = y > 0 ? outside[y - 1] : 0, down = y + 1 < kSide ? outside[y + 1] : 0;
            const std::uint32_t r = outside[y];
            const std::uint32_t next = (r | (r << 1) | (r >> 1) | up | down) & ~m[y] & kRow;
            grew |= next != r;
            outside[y] = next;
        }
    }
    Mask hole{};
    std::uint32_t any_hole = 0;
    for (int y = 0; y < kSide; ++y) any_hole |= hole[y] = ~m[y] & ~outside[y] & kRow;
    if (!any_hole) return;
    // Each hole's pixels by a flood fill (4-connected, like the background).
    std::array<std::uint16_t, kImagePixels> stack, found;
    for (int y0 = 0; y0 < kSide; ++y0)
        for (int x0 = 0; x0 < kSide && hole[y0]; ++x0) {
            if (!((hole[y0] >> x0) & 1u)) continue;
            int top = 0, count = 0;
            hole[y0] &= ~(1u << x0);
            stack[top++] = std::uint16_t(y0 * kSide + x0);
            while (top > 0) {
                const int p = stack[--top], y = p / kSide, x = p % kSide;
                found[count++] = std::uint16_t(p);
                auto visit = [&](int ny, int nx) {
                    if (ny < 0 || ny >= kSide || nx < 0 || nx >= kSide || !((hole[ny] >> nx) & 1u)) return;
                    hole[ny] &= ~(1u << nx);
                    stack[top++] = std::uint16_t(ny * kSide + nx);
                };
                visit(y - 1, x);
                visit(y + 1, x);
                visit(y, x - 1);
                visit(y, x + 1);
            }
            if (count < kMaxSpeck)
                for (int i = 0; i < count; ++i) m[found[i] / kSide] |= 1u << (found[i] % kSide);
        }
}

// Ink = 1; every other pixel gets fringe * (its [1 2 1] x [1 2 1] / 16 blur of the mask), clipped to 1.
void render_mask(const Mask& m, float fringe, float* out) {
    std::array<std::array<std::uint8_t, kSide>, kSide + 2> h{};  // [1 2 1] row sums, one zero row each side
    for (int y = 0; y < kSide; ++y) {
        const std::uint32_t r = m[y];
        for (int x = 0; x < kSide; ++x)
            h[y + 1][x] = std::uint8_t(2 * ((r >> x) & 1u) + (((r << 1) >> x) & 1u) + (((r >> 1) >> x) & 1u));
    }
    const float weight = fringe * (1.0f / 16.0f);
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x) {
            if ((m[y] >> x) & 1u) {
                out[y * kSide + x] = 1.0f;
                continue;
            }
            const int sum = h[y][x] + 2 * h[y + 1][x] + h[y + 2][x];  // 0..12 for an unset pixel
            out[y * kSide + x] = std::min(1.0f, weight * float(sum));
        }
}

// Leaves `out` a copy of `in` when nothing in it reaches the drawn level (an empty image stays empty).
void render_drawn(const float* in, float* out, Rng& rng) {
    const float level = kLevelMin + (kLevelMax - kLevelMin) * rng.uniform();
    Mask mask = silhouette(in, level);
    const bool outline = rng.below(2) == 1;
    const int thickness = 1 + int(rng.below(kMaxOutline));
    const float fringe = kFringeMin + (kFringeMax - kFringeMin) * rng.uniform();
    std::uint32_t any_ink = 0;
    for (std::uint32_t r : mask) any_ink |= r;
    if (!any_ink) {
        std::memcpy(out, in, sizeof(float) * kImagePixels);
        return;
    }
    fill_specks(mask);
    if (outline) {
        Mask inner = mask;
        for (int i = 0; i < thickness; ++i) inner = i % 2 == 0 ? erode_square(inner) : erode_cross(inner);
        for (int y = 0; y < kSide; ++y) mask[y] &= ~inner[y];
    }
    render_mask(mask, fringe, out);
}

// [SECTION] Geometry

void mirror(const float* in, float* out) {
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x) out[y * kSide + x] = in[y * kSide + (kSide - 1 - x)];
}

// Maps an output pixel back into the source image: src = c + (1/s) R(-angle) (dst - c - t), with c the
// centre between pixel centres 0..27. Forward, the image turns by `angle`, grows by s and moves by t.
struct InverseAffine {
    float xx, xy, yx, yy, x0, y0;  // src_x = x0 + xx*x + xy*y, src_y = y0 + yx*x + yy*y
};

InverseAffine inverse_affine(float degrees, float factor, float tx, float ty) {
    const double radians = double(degrees) * (3.14159265358979323846 / 180.0);
    // In double and rounded once, so platforms' libm differences almost never reach the float result.
    const float c = float(std::cos(radians)), s = float(std::sin(radians));
    const float inv = 1.0f / factor;
    const float centre = (kSide - 1) * 0.5f;
    InverseAffine m;
    m.xx = c * inv;
    m.xy = s * inv;
    m.yx = -s * inv;
    m.yy = c * inv;
    const float dx = -centre - tx, dy = -centre - ty;  // dst - c - t at pixel (0, 0)
    m.x0 = centre + m.xx * dx + m.xy * dy;
    m.y0 = centre + m.yx * dx + m.yy * dy;
    return m;
}

// floor(v) for v >= -1 without std::floor, which baseline x86-64 compiles to a library call: truncation
// of v + 1 is floor(v + 1), and rounding in v + 1 can only push it up by one, which the test undoes.
int floor_from_minus_one(float v) {
    int i = int(v + 1.0f) - 1;
    if (float(i) > v) --i;
    return i;
}

// Bilinear, pixels outside the image are 0: the source is copied into a frame with a one-pixel zero
// border, so every sample whose four neighbours touch the image reads memory without a bounds check.
void resample(const float* in, const InverseAffine& m, float* out) {
    constexpr int kPadded = kSide + 2;
    std::array<float, kPadded * kPadded> src{};
    for (int y = 0; y < kSide; ++y) std::memcpy(&src[(y + 1) * kPadded + 1], in + y * kSide, sizeof(float) * kSide);
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x) {
            const float sx = m.x0 + m.xx * float(x) + m.xy * float(y);
            const float sy = m.y0 + m.yx * float(x) + m.yy * float(y);
            // The border is one pixel: -1 <= floor(s) <= kSide - 1 keeps both neighbours inside the frame.
            if (!(sx >= -1.0f && sx < float(kSide) && sy >= -1.0f && sy < float(kSide))) {
                out[y * kSide + x] = 0.0f;
                continue;
            }
            const int ix = floor_from_minus_one(sx), iy = floor_from_minus_one(sy);
            const float ax = sx - float(ix), ay = sy - float(iy);
            const float* p = &src[(iy + 1) * kPadded + ix + 1];
            const float top = p[0] + ax * (p[1] - p[0]);
            const float bottom = p[kPadded] + ax * (p[kPadded + 1] - p[kPadded]);
            out[y * kSide + x] = top + ay * (bottom - top);
        }
}

float symmetric(Rng& rng, float max) { return max * (2.0f * rng.uniform() - 1.0f); }  // uniform in [-max, max)

}  // namespace

void check_augmentation(const Augmentation& a) {
    check_range("shift", a.shift, 0.0f, 8.0f, true, " pixels");
    check_range("rotate", a.rotate, 0.0f, 45.0f, true, " degrees");
    check_range("scale", a.scale, 0.0f, 0.5f, false, "");
    check_range("drawn", a.drawn, 0.0f, 1.0f, true, " (a probability)");
}

void augment_image(const float* in, float* out, const Augmentation& a, Rng& rng) {
    // Random numbers are drawn in a fixed order and only for options that are on.
    Image drawn, mirrored;
    const float* image = in;
    if (a.drawn > 0 && rng.uniform() < a.drawn) {
        render_drawn(image, drawn.data(), rng);
        image = drawn.data();
    }
    const bool flip = a.flip && rng.below(2) == 1;
    if (!a.geometric()) {
        if (flip)
            mirror(image, out);
        else
            std::memcpy(out, image, sizeof(float) * kImagePixels);
        return;
    }
    if (flip) {
        mirror(image, mirrored.data());
        image = mirrored.data();
    }
    const float degrees = a.rotate > 0 ? symmetric(rng, a.rotate) : 0.0f;
    const float factor = a.scale > 0 ? 1.0f + symmetric(rng, a.scale) : 1.0f;
    const float tx = a.shift > 0 ? symmetric(rng, a.shift) : 0.0f;
    const float ty = a.shift > 0 ? symmetric(rng, a.shift) : 0.0f;
    resample(image, inverse_affine(degrees, factor, tx, ty), out);
}

}  // namespace convpad
