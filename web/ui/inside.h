// The Inside view (panel_inside.cpp): what the network sees of one image, from input to prediction: the
// input with its saliency map, the first convolution's filters, every convolution's feature maps and the
// prediction (train/inspect.h computes them). The image is the pad's drawing or a test image, whichever the
// user touched last. js_api.cpp's convpad.inspect() reads and steers the view through these functions.
#pragma once
#include <cstdint>
#include <vector>

#include "web/ui/app.h"
#include "train/inspect.h"

namespace convpad::app {

enum class InsideSource { Pad, Test };

struct InsideState {
    InsideSource source = InsideSource::Pad;
    int test_index = -1;                       // the test image (index in the current test set) when source is Test
    bool empty = true;                         // nothing to show: an empty pad, or no test image yet
    const Inspection* inspection = nullptr;    // null before the first weight snapshot, or when empty
    const std::vector<float>* input = nullptr; // (784) the image `inspection` was made from
    long model_version = -1;                   // the UI model's version `inspection` was made with
    long drawn_version = -1;                   // the model version the panel last drew with (-1: never drawn)
    long drawn_frame = -1;                     // ImGui's frame count when the panel was last drawn
};

// Brings the view up to date (it recomputes only when the input or the model version changed) and returns it.
InsideState inside_state();

// Shows the drawing (Pad) or test image `test_index` of the current data set (Test). Throws std::invalid_argument
// when the index is outside the test set or the test set is not loaded yet.
void inside_show(InsideSource source, int test_index = -1);

}  // namespace convpad::app
