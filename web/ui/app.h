// What the browser app's panels share: the engine's snapshots (engine_view.h), the settings being
// edited, notices, and the browser plumbing that js_api.cpp implements.
#pragma once
#include <string>

#include "web/ui/engine_view.h"
#include "web/ui/shell.h"

namespace convpad::app {

RunSettings& edited_settings();  // what the Training panel edits; Start and train() use it

// A one-line notice in the status bar (also logged to the console): load errors, saved files, ...
void notify(const std::string& text, bool is_error = false);
struct Notice {
    std::string text;
    bool is_error = false;
    double time = 0;  // ImGui::GetTime() when posted
};
const Notice& current_notice();

// Runs a call from the UI; an exception becomes an error notice instead of escaping into the
// frame. Returns whether the call succeeded.
template <class Call>
bool notify_errors(Call&& call) {
    try {
        call();
        return true;
    } catch (const std::exception& e) {
        notify(e.what(), true);
    } catch (...) {
        notify("unexpected error", true);
    }
    return false;
}

// Where the engine runs, as the status bar names it: "worker, 1 thread" or "pthreads, 2 threads".
std::string engine_description();

// Implemented in js_api.cpp by calling into the page (web/page/boot.js, models.js).
// Commands to the engine from the panels. They go through the page's JS API (window.convpad), so a
// button and a call from JS take the same path; failures become notices.
void command(const char* call);  // "train" (with the panel's settings), "pause", "resume", "reset", "evaluate",
                                 // "dataset:<name>", "pretrained:default" / "pretrained:best", "load" (the file
                                 // picker), "share", "data"
void request_model_download();  // saves the current model as a .cpm download
void request_model_upload();    // opens the file picker; the chosen file goes through loadModel
void request_tfjs_download();   // saves the current model as model.json + weights (TensorFlow.js Layers format)
void request_command_line_copy();  // copies current_command_line() to the clipboard

// `convpad train ...` with the current run's settings, or the panel's when there is no run yet.
std::string current_command_line();

// Each panel draws one fixed window filling `area` (CSS pixels).
struct Rect {
    float x, y, w, h;
};
void panel_training(const Rect& area, const FrameInfo& frame);
void panel_curves(const Rect& area);
void panel_samples(const Rect& area);     // drawn inside the bottom tab "Predictions"
void panel_evaluation(const Rect& area);  // drawn inside the bottom tab "Evaluation"
void panel_pad(const Rect& area);
void panel_inside(const Rect& area);      // drawn inside the bottom tab "Inside" (panel_inside.cpp, inside.h)

// Which bottom tab is shown; JS (evaluate()) and panels may switch it.
enum class BottomTab { Predictions, Evaluation, Inside };
void show_bottom_tab(BottomTab tab);

// The test image last selected in the Sample predictions grid (its index in the test set, or -1 when none is
// selected) and a count of selections, which grows with each click on an image: the Inside view follows the
// last thing the user touched.
struct SampleSelection {
    int index = -1;
    long serial = 0;
};
SampleSelection selected_sample();

}  // namespace convpad::app
