// The drawing pad (panel_pad.cpp): a 280x280 grayscale drawing, white ink on black, turned into the
// network's 28x28 input by the documented preprocessing (data/image.h) and classified with the
// session's current weights. js_api.cpp drives it from JavaScript through these functions.
#pragma once
#include <vector>

#include "app/app.h"

namespace convpad::app {

constexpr int kPadSide = 280;  // the drawing buffer is (kPadSide, kPadSide) floats in [0,1]

// Removes every stroke (undoable with pad_undo()).
void pad_clear();

// (784) what the network receives: the drawing after preprocess_to_28x28, white on black, row-major.
// All zeros while the pad is empty. Always up to date with the drawing.
const std::vector<float>& pad_input();

// The current model's prediction of pad_input(). Re-classified on demand when the drawing or the
// model (load, reset, a training step) changed since the last call. An empty pad gives the
// prediction of an all-black image: check pad_is_empty() first.
Prediction pad_prediction();

// The drawing surface in CSS pixels of the canvas, as laid out by the last frame ({0,0,0,0} before
// the first one). Mouse or touch input inside it draws.
Rect pad_canvas_rect();

// Removes the last stroke, or brings back what the last clear removed. False when there is nothing to undo.
bool pad_undo();

bool pad_is_empty();
int pad_stroke_count();  // strokes since the last clear

// Brush radius in pixels of the 280x280 drawing (kPadBrushMin..kPadBrushMax); applies to the next stroke.
constexpr float kPadBrushMin = 3, kPadBrushMax = 40, kPadBrushDefault = 12;
float pad_brush_radius();
void pad_set_brush_radius(float radius);  // clamped to the range above

// Time of the last preprocessing + classification, in milliseconds.
double pad_classify_ms();

}  // namespace convpad::app
