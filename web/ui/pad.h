// The drawing pad (panel_pad.cpp): a 280x280 grayscale drawing, white ink on black, turned into the
// network's 28x28 input by the documented preprocessing (data/image.h) and classified with the
// UI's copy of the model (the engine's last snapshot). js_api.cpp drives it from JavaScript through these functions.
// The strokes, their rendering and undo are pad_model.h's; this is the panel's side.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "web/ui/app.h"
#include "web/ui/pad_model.h"

namespace convpad::app {

// Removes every stroke (undoable with pad_undo()).
void pad_clear();

// (784) what the network receives: the drawing after preprocess_to_28x28, white on black, row-major.
// All zeros while the pad is empty. Always up to date with the drawing.
const std::vector<float>& pad_input();

// The current model's prediction of pad_input(). Re-classified on demand when the drawing or the
// model (load, reset, a training step) changed since the last call. An empty pad gives the
// prediction of an all-black image: check pad_is_empty() first.
Prediction pad_prediction();
// {label, name, probs, empty, strokes}: pad_prediction() as the page's pad.prediction() and 'prediction' event
// give it, with the strokes finished since the last clear.
nlohmann::json pad_prediction_json();

// The drawing surface in CSS pixels of the canvas, as laid out by the last frame ({0,0,0,0} before
// the first one). Mouse or touch input inside it draws.
Rect pad_canvas_rect();

// Removes the last stroke, or brings back what the last clear removed. False when there is nothing to undo.
bool pad_undo();

bool pad_is_empty();
int pad_stroke_count();  // strokes since the last clear

// Brush radius in pixels of the 280x280 drawing (kPadBrushMin..kPadBrushMax, pad_model.h); applies to the next stroke.
float pad_brush_radius();
void pad_set_brush_radius(float radius);  // clamped to the range above

// Time of the last preprocessing + classification, in milliseconds.
double pad_classify_ms();

// A pointer position (CSS pixels of the canvas) that the browser merged into a later move event: the page
// passes each one (PointerEvent.getCoalescedEvents) before SDL queues that event, so a quick stroke keeps
// its curves when frames are slow. Positions that are not finite are ignored.
void pad_pointer_sample(float x, float y);

}  // namespace convpad::app
