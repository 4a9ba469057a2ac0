// What the browser app's panels share: the session, the settings being edited, notices, and the
// browser plumbing that js_api.cpp implements.
#pragma once
#include <string>

#include "app/shell.h"
#include "train/session.h"

namespace convpad::app {

Session& session();
SessionSettings& edited_settings();  // what the Training panel edits; Start uses it

// A one-line notice in the status bar (also logged to the console): load errors, saved files, ...
void notify(const std::string& text, bool is_error = false);
struct Notice {
    std::string text;
    bool is_error = false;
    double time = 0;  // ImGui::GetTime() when posted
};
const Notice& current_notice();

// Runs a Session call from the UI; an exception becomes an error notice instead of escaping into the
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

// Which build runs, as status().mode and the status bar name it: "multi-thread" (convpad_web_mt, built
// with -pthread) or "single-thread" (convpad_web). convpad::num_threads() says how many threads it uses.
const char* engine_mode();
constexpr int kMaxPageThreads = 16;  // the most the page's threads=N URL parameter asks for

// Implemented in js_api.cpp by calling into web/loader.js.
void request_model_download();  // saves the current model as a .cpm download
void request_model_upload();    // opens the file picker; the chosen file goes through loadModel

// Each panel draws one fixed window filling `area` (CSS pixels).
struct Rect {
    float x, y, w, h;
};
void panel_training(const Rect& area, const FrameInfo& frame);
void panel_curves(const Rect& area);
void panel_samples(const Rect& area);     // drawn inside the bottom tab "Predictions"
void panel_evaluation(const Rect& area);  // drawn inside the bottom tab "Evaluation"
void panel_pad(const Rect& area);

// Which bottom tab is shown; JS (evaluate()) and panels may switch it.
enum class BottomTab { Predictions, Evaluation };
void show_bottom_tab(BottomTab tab);

}  // namespace convpad::app
