// The drawing pad's model, without ImGui or SDL (panel_pad.cpp draws it and feeds it the pointer): the
// strokes with their undo history, rendered into a 280x280 grayscale buffer (white on black, anti-aliased
// round brush, centripetal Catmull-Rom through the pointer positions so fast strokes stay smooth and
// continuous), and the network's 28x28 input made from them by preprocess_to_28x28 (data/image.h).
#pragma once
#include <vector>

#include "data/dataset.h"
#include "data/image.h"

namespace convpad::app {

constexpr int kPadSide = 280;  // the drawing buffer is (kPadSide, kPadSide) floats in [0,1]
constexpr int kPadPixels = kPadSide * kPadSide;

// Brush radius in pixels of the 280x280 drawing.
constexpr float kPadBrushMin = 3, kPadBrushMax = 40, kPadBrushDefault = 12;

// [SECTION] Strokes and the rasteriser
struct PadPoint {
    float x, y;  // buffer coordinates: pixel (i, j) covers [i, i+1) x [j, j+1)
};

struct PadStroke {
    std::vector<PadPoint> points;
    float radius = kPadBrushDefault;
};

// Max-composites the capsule of `radius` around segment a-b into buf (kPadSide, kPadSide), with one
// pixel of anti-aliasing: coverage = radius + 0.5 - distance from the pixel centre, clamped to [0,1].
void stamp_capsule(float* buf, PadPoint a, PadPoint b, float radius);

// Renders the whole stroke into buf (kPadSide, kPadSide); a one-point stroke is a dot.
void draw_stroke(float* buf, const PadStroke& stroke);

// [SECTION] The drawing
// Strokes grow point by point while the pointer is down (begin, extend, end); update_live() renders
// what they added, once per frame. Every change of the picture raises revision(), so a caller keeps
// what it derived from the picture (the network input, the on-screen runs) until the revision moves.
class PadModel {
public:
    void begin_stroke(PadPoint p, float radius);
    void extend_stroke(PadPoint p);  // points closer than a fraction of a pixel to the last add nothing
    void update_live();
    void end_stroke();  // keeps the stroke in the history (undoable)

    // Removes every stroke; a stroke in progress is dropped. Undoable, unless the pad was empty already.
    void clear();
    // Removes the last stroke, or brings back what the last clear removed. False (and no change) while a
    // stroke is in progress or when there is nothing to undo.
    bool undo();
    bool can_undo() const { return !history_.empty() && !in_stroke_; }

    bool empty() const { return strokes_since_clear_ == 0 && !in_stroke_; }
    bool in_stroke() const { return in_stroke_; }
    int stroke_count() const { return strokes_since_clear_; }  // finished strokes since the last clear
    long revision() const { return revision_; }
    const GrayImage& image() const { return image_; }  // (kPadSide, kPadSide), the live stroke included

    // The strokes on the pad now: those since the last clear, and the one being drawn.
    std::vector<const PadStroke*> visible_strokes() const;

    // The drawing again with one brush radius, chosen from the extent of the stroke points so that once
    // preprocessing has scaled the drawing's longer side to box_side pixels, strokes are `width` pixels
    // thick. An empty pad gives an all-black image.
    GrayImage with_stroke_width(float width, int box_side) const;

    // (784) what the network receives for `dataset`: the drawing (redrawn with the data set's stroke
    // width when it has one) after preprocess_to_28x28. All zeros while the pad is empty.
    std::vector<float> network_input(const DatasetInfo& dataset) const;

private:
    // History entries: a stroke, or a clear (which hides every earlier stroke until undone).
    struct Entry {
        bool is_clear = false;
        PadStroke stroke;
    };

    void image_changed() { ++revision_; }
    void replay();  // rebuilds settled_ and image_ from the history (after an undo)

    GrayImage image_{kPadSide, kPadSide, std::vector<float>(kPadPixels, 0.0f)};
    std::vector<float> settled_ = std::vector<float>(kPadPixels, 0.0f);  // image_ without the live stroke's unfinished tail
    std::vector<Entry> history_;  // oldest first
    int strokes_since_clear_ = 0;
    bool in_stroke_ = false;
    PadStroke live_;
    int live_final_ = 0;  // segments of the live stroke already in settled_
    bool live_changed_ = false;
    long revision_ = 0;
};

}  // namespace convpad::app
