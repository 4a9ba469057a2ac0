// C functions of the UI module behind window.convpad (web/page/api.js and its siblings), called with Module.ccall:
// classification with the UI's copy of the model, the drawing pad, the Training panel's settings,
// layout, notices, and the engine's snapshots handed over from the engine worker (engine_view.h).
// Documented for users in README.md ("JavaScript API"); this file is the C side of that contract.
//
// Conventions, so that nothing JS sends can crash the tab or abort the runtime:
// - Each function is extern "C" + EMSCRIPTEN_KEEPALIVE (exported as Module._<name> without listing
//   it in -sEXPORTED_FUNCTIONS) and named convpad_ui_*, so a ccall says which of the page's two modules
//   it reaches (the engine worker's are convpad_engine_*).
// - Functions that can fail return a JSON string: the result, or {"error": "message"}. Every C++
//   exception is caught here and becomes such an error; uiCall (web/page/calls.js) turns it into a JS Error.
// - The returned char* points to a buffer that lives until the next call (ccall copies it at once).
// - Arguments are validated here as well as in JS: this layer must be safe on its own.
#include <emscripten.h>
#include <imgui.h>
#include <imgui_internal.h>  // ImGuiContext::Windows, for the window rectangles of layout()

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/ui/app.h"
#include "web/ui/inside.h"
#include "web/ui/layout.h"
#include "web/ui/pad.h"
#include "web/ui/shell.h"
#include "web/ui/theme.h"
#include "web/ui/wheel_target.h"
#include "session/protocol.h"
#include "train/run_options.h"
#include "web/js_reply.h"

namespace convpad::app {

void command(const char* call) {
    EM_ASM({
        if (Module['onCommand']) Module['onCommand'](UTF8ToString($0));
    }, call);
}
void request_model_download() { EM_ASM({ if (window.convpad && window.convpad.downloadModel) window.convpad.downloadModel(); }); }
void request_model_upload() { command("load"); }
void request_command_line_copy() { EM_ASM({ if (window.convpad && window.convpad.copyCommandLine) window.convpad.copyCommandLine(); }); }

std::string current_command_line() {
    const EngineView& view = engine();
    const RunSettings& settings = view.status().has_run ? view.status().settings : edited_settings();
    return train_command_line(settings, view.dataset().name);
}

namespace {

using nlohmann::json;

// [SECTION] Replies

using js::guarded;

json options_object(const char* text) {
    if (!text) throw std::invalid_argument("options missing");
    json options = json::parse(text);  // json::parse_error is a std::exception too
    if (!options.is_object()) throw std::invalid_argument("options must be an object");
    return options;
}

json rect_json(float x, float y, float w, float h) { return {{"x", x}, {"y", y}, {"width", w}, {"height", h}}; }

}  // namespace
}  // namespace convpad::app

using namespace convpad;
using namespace convpad::app;

extern "C" {

// [SECTION] Shell

// Frames the shell has rendered (a double, since JS numbers cannot hold every uint64).
EMSCRIPTEN_KEEPALIVE double convpad_ui_frame_count() { return double(shell_frame_count()); }

// A one-line notice in the status bar: results of drag-and-drop, download errors, bad URL parameters.
EMSCRIPTEN_KEEPALIVE void convpad_ui_notify(const char* text, int is_error) {
    try {
        notify(text ? text : "", is_error != 0);
    } catch (...) {
    }
}

// A pointer position the browser merged into a later move (web/page/pointer_samples.js): pad.h's pad_pointer_sample.
EMSCRIPTEN_KEEPALIVE void convpad_ui_pointer_sample(float x, float y) { pad_pointer_sample(x, y); }

// 1 when a wheel turn at (x, y) scrolls one of the UI's windows (web/page/wheel.js passes it on), else 0.
EMSCRIPTEN_KEEPALIVE int convpad_ui_wheel_scrolls(float x, float y, float dx, float dy) {
    return wheel_scrolls_ui(x, y, dx, dy) ? 1 : 0;
}

// {pad: rect, windows: [{name, x, y, width, height}], scrolling: [{name, x, y, width, height, scrollY,
// scrollMaxY}]} in CSS pixels of the canvas, as the last frame laid them out. windows: the visible
// top-level ImGui windows (the panels), for screenshots and tests; scrolling: the visible windows, child
// windows too, whose content is taller than they are and which the wheel scrolls.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_layout() {
    return guarded([] {
        const Rect pad = pad_canvas_rect();
        json windows = json::array(), scrolling = json::array();
        if (const ImGuiContext* context = ImGui::GetCurrentContext()) {
            for (const ImGuiWindow* w : context->Windows) {
                const bool top_level = !(w->Flags & (ImGuiWindowFlags_ChildWindow | ImGuiWindowFlags_Tooltip |
                                                     ImGuiWindowFlags_Popup));
                if (!w->WasActive || w->Hidden) continue;
                json rect = rect_json(w->Pos.x, w->Pos.y, w->Size.x, w->Size.y);
                rect["name"] = w->Name;
                if (w->ScrollMax.y > 0 && !(w->Flags & ImGuiWindowFlags_NoScrollWithMouse)) {
                    json scroller = rect;
                    scroller["scrollY"] = w->Scroll.y;
                    scroller["scrollMaxY"] = w->ScrollMax.y;
                    scrolling.push_back(scroller);
                }
                if (top_level) windows.push_back(rect);
            }
        }
        const LayoutState& state = layout_state();
        // Keyboard navigation: the window that has it and whether an item is picked (ImGui's nav cursor).
        json keyboard = nullptr;
        if (const ImGuiContext* context = ImGui::GetCurrentContext(); context && context->NavWindow)
            keyboard = {{"window", context->NavWindow->RootWindow->Name}, {"item", context->NavId != 0}};
        return json{{"pad", pad.w > 0 ? rect_json(pad.x, pad.y, pad.w, pad.h) : json(nullptr)},
                    {"windows", windows},
                    {"scrolling", scrolling},
                    {"mode", layout_mode_name(state.mode)},
                    {"keyboard", keyboard},
                    {"tab", state.mode == LayoutMode::Columns ? json(nullptr) : json(panel_name(state.selected))}};
    });
}

// [SECTION] Classification with the UI's copy of the model

// pixels: (784) floats, 28x28 row-major, white on black, each in [0,1]. {label, name, probs}.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_classify(const float* pixels) {
    return guarded([&] {
        if (!pixels) throw std::invalid_argument("pixels missing");
        for (int i = 0; i < kImagePixels; ++i)
            if (!(pixels[i] >= 0.0f && pixels[i] <= 1.0f))  // also refuses NaN
                throw std::invalid_argument("pixels[" + std::to_string(i) + "] = " + std::to_string(pixels[i]) +
                                            " is not in [0, 1]");
        return protocol::prediction_json(engine().classify(pixels), engine().dataset());
    });
}

// [SECTION] Training panel settings

// Prefills the Training panel (URL parameters). Each good option applies; each bad one is listed in
// {errors: ["message", ...]} and leaves its setting unchanged. Also returns the resulting {settings}.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_edit_settings(const char* options_text) {
    return guarded([&] {
        const json options = options_object(options_text);
        json errors = json::array();
        for (const auto& [key, value] : options.items()) {
            try {
                protocol::apply_option(key, value, edited_settings());
            } catch (const std::exception& e) {
                errors.push_back(e.what());
            }
        }
        return json{{"errors", errors}, {"settings", protocol::settings_json(edited_settings())}};
    });
}

// The settings of a run started by train(options): the panel's, with every option applied; {settings}
// or {error}. The panel does not change here: it shows the settings once the engine started the run (convpad_ui_update).
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_run_settings(const char* options_text) {
    return guarded([&] {
        const json options = options_object(options_text);
        RunSettings settings = edited_settings();
        for (const auto& [key, value] : options.items()) protocol::apply_option(key, value, settings);
        return json{{"settings", protocol::settings_json(settings)}};
    });
}

EMSCRIPTEN_KEEPALIVE const char* convpad_ui_settings() {
    return guarded([] { return protocol::settings_json(edited_settings()); });
}

// The table of run options (train/run_options.h), for the page's URL reader, train()'s checks and embedders:
// [{key, flag, url: [names], kind, min, max, minOpen, maxOpen, choices, nullable, help}].
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_run_options() {
    return guarded([] {
        static const char* const kKinds[] = {"integer", "number", "string", "choice", "boolean"};
        json rows = json::array();
        for (const RunOption& o : run_options()) {
            json url = json::array({o.flag});
            if (std::string(o.flag) != o.key) url.push_back(o.key);
            for (const char* alias : o.aliases)
                if (std::string(alias) != o.key) url.push_back(alias);
            json row = {{"key", o.key}, {"flag", o.flag}, {"url", url}, {"kind", kKinds[int(o.kind)]},
                        {"nullable", o.nullable}, {"help", o.help}, {"range", option_range_text(o)}};
            if (o.kind == OptionKind::Integer || o.kind == OptionKind::Number)
                row.update({{"min", o.min}, {"max", o.max}, {"minOpen", o.min_open}, {"maxOpen", o.max_open}});
            if (o.kind == OptionKind::Choice) row["choices"] = o.choices;
            rows.push_back(row);
        }
        return rows;
    });
}

// The `convpad train` command that trains the same run: the current run's settings, or the panel's when
// there is no run yet. {commandLine}.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_command_line() {
    return guarded([] { return json{{"commandLine", current_command_line()}}; });
}

// A named recipe for the current data set as train() options: "default" (the data set's own) or "best"
// (train/run_settings.h: best_run_settings).
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_recipe(const char* name) {
    return guarded([&] {
        const std::string which = name ? name : "";
        const DatasetInfo& dataset = engine().dataset();
        if (which == "default") return protocol::settings_json(default_run_settings(dataset));
        if (which == "best") return protocol::settings_json(best_run_settings(dataset));
        throw std::invalid_argument("unknown recipe '" + which + "' (known: default, best)");
    });
}

// [SECTION] The engine's snapshots (web/worker/engine_client.js passes on what the engine worker posts)

// update: {status, restart, losses, epochs, evaluation?} as JSON text. What the page announces of it:
// {phaseChanged, epochs: [new epoch records], runEnded, failure: why a run or evaluation just failed, or
// null}, or {error}. A new run's settings show in the
// Training panel.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_update(const char* update_text) {
    return guarded([&] {
        if (!update_text) throw std::invalid_argument("update missing");
        EngineView& view = engine();
        const UpdateNews news = view.apply_update(json::parse(update_text));
        if (news.run_started) edited_settings() = view.status().settings;
        return json{{"phaseChanged", news.phase_changed},
                    {"epochs", protocol::epochs_json(view.epochs(), view.epochs().size() - news.new_epochs)},
                    {"runEnded", news.run_ended},
                    {"failure", news.failure.empty() ? json(nullptr) : json(news.failure)}};
    });
}

// The engine's last status (session/protocol.h: status_json), with the status bar's notice ({text, error}
// or null) and the frames drawn so far; null before the engine's first update.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_status() {
    return guarded([] {
        const EngineView& view = engine();
        if (!view.has_status()) return json(nullptr);
        json status = protocol::status_json(view.status());
        const Notice& notice = current_notice();
        status["notice"] = notice.text.empty() ? json(nullptr) : json{{"text", notice.text}, {"error", notice.is_error}};
        status["frames"] = double(shell_frame_count());
        return status;
    });
}

// 1 while the engine trains or evaluates: frames for input then leave the engine a core.
EMSCRIPTEN_KEEPALIVE int convpad_ui_engine_busy() {
    const Phase phase = engine().status().phase;
    return phase == Phase::Training || phase == Phase::Evaluating;
}

// The current run's logs: {losses: [[step, loss, learning rate], ...], epochs: [{epoch, trainLoss, ...}]}.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_history() {
    return guarded([] {
        const EngineView& view = engine();
        return json{{"losses", protocol::loss_points_json(view.losses(), 0)}, {"epochs", protocol::epochs_json(view.epochs(), 0)}};
    });
}

// The last evaluation's class for every test image, [..], or null without one: kept with the run (store.js).
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_evaluation_predictions() {
    return guarded([] { return engine().evaluation() ? json(engine().test_predictions()) : json(nullptr); });
}

// The last evaluation of the current model (session/protocol.h: evaluation_json), or null.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_evaluation() {
    return guarded([] {
        const Evaluation* evaluation = engine().evaluation();
        return evaluation ? protocol::evaluation_json(*evaluation, engine().dataset()) : json(nullptr);
    });
}

// meta: {version, arch, samples}; weights: (count) floats. {ok} or {error}.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_snapshot(const char* meta_text, const float* weights, double count) {
    return guarded([&] {
        if (!meta_text || !weights || !(count > 0)) throw std::invalid_argument("snapshot missing");
        const json meta = json::parse(meta_text);
        engine().apply_snapshot(long(whole_number(meta.at("version"), 0, std::numeric_limits<long>::max(), "version")), meta.at("arch").get<std::string>(), weights,
                                std::size_t(count), meta.at("samples"));
        return json{{"ok", true}};
    });
}

// dataset: "fashion" | "digits"; its test files (gunzipped IDX) for the thumbnails. {ok} or {error}.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_set_test_set(const char* dataset, const std::uint8_t* images, double images_size,
                                                         const std::uint8_t* labels, double labels_size) {
    return guarded([&] {
        const DatasetInfo& info = dataset_by_name(dataset ? dataset : "");
        if (!images || !labels || !(images_size > 0) || !(labels_size > 0)) throw std::invalid_argument("test files missing");
        engine().set_test_set(info.id, images, std::size_t(images_size), labels, std::size_t(labels_size));
        return json{{"ok", true}};
    });
}

// Bytes of the current data set's four .gz files downloaded so far, of total (0: not known yet).
EMSCRIPTEN_KEEPALIVE void convpad_ui_dataset_progress(int requested, double loaded, double total) {
    DatasetProgress& p = engine().dataset_progress();
    p.requested = requested != 0;
    p.loaded = std::isfinite(loaded) && loaded > 0 ? loaded : 0;
    p.total = std::isfinite(total) && total > 0 ? total : 0;
}

// Why the current data set could not be loaded; shown as an error notice. null: no error (after a switch).
EMSCRIPTEN_KEEPALIVE void convpad_ui_dataset_error(const char* message) {
    try {
        if (!message) {
            engine().dataset_progress().error.clear();
            return;
        }
        engine().dataset_progress().error = *message ? message : "the data set could not be loaded";
        notify("data set: " + engine().dataset_progress().error, true);
    } catch (...) {
    }
}

// kind: "worker" or "pthreads"; threads: how many the engine uses.
EMSCRIPTEN_KEEPALIVE void convpad_ui_set_engine(const char* kind, int threads) {
    try {
        engine().set_engine(kind ? kind : "worker", threads > 0 ? threads : 1);
    } catch (...) {
    }
}

// Shows the Evaluation tab (evaluate() from JS).
EMSCRIPTEN_KEEPALIVE void convpad_ui_show_evaluation() { show_bottom_tab(BottomTab::Evaluation); }

// [SECTION] Page configuration (the URL's panels= and theme=)

// names: comma-separated panel names (layout.h). {ok} or {error}; on error nothing changes.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_set_panels(const char* names) {
    return guarded([&] {
        if (!names) throw std::invalid_argument("panels missing");
        std::vector<std::string> list;
        std::string text = names;
        for (std::size_t start = 0; start <= text.size();) {
            const std::size_t comma = std::min(text.find(',', start), text.size());
            if (comma > start) list.push_back(text.substr(start, comma - start));
            start = comma + 1;
        }
        set_shown_panels(list);
        return json{{"ok", true}};
    });
}

// Brings a panel on screen: in tab mode its tab is selected (columns show every panel anyway). {ok} or {error}.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_show_panel(const char* name) {
    return guarded([&] {
        const Panel panel = panel_from_name(name ? name : "");
        show_panel(panel);  // throws when the panel is not shown
        if (panel == Panel::Samples) show_bottom_tab(BottomTab::Predictions);  // they share a window in columns
        if (panel == Panel::Evaluation) show_bottom_tab(BottomTab::Evaluation);
        if (panel == Panel::Inside) show_bottom_tab(BottomTab::Inside);
        return json{{"ok", true}};
    });
}

// theme: "light" or "dark" (anything else: dark).
EMSCRIPTEN_KEEPALIVE void convpad_ui_set_theme(const char* theme) {
    set_theme(theme && std::string(theme) == "light" ? Theme::Light : Theme::Dark);
}

// The current data set's recipe (the Training panel's defaults), as train() options: share links leave
// out what equals it.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_default_settings() {
    return guarded([] { return protocol::settings_json(default_run_settings(engine().dataset())); });
}

// [SECTION] Drawing pad

EMSCRIPTEN_KEEPALIVE const char* convpad_ui_pad_clear() {
    return guarded([] {
        pad_clear();
        return json{{"ok", true}};
    });
}

// {label, name, probs, empty, strokes}: the current model's prediction of the drawing (of a black image when
// empty), and the strokes finished since the last clear.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_pad_prediction() {
    return guarded([] { return pad_prediction_json(); });
}

// (784) the network's input made from the drawing (README "Preprocessing").
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_pad_pixels() {
    return guarded([] { return json(pad_input()); });
}

// [SECTION] The Inside view (inside.h)

// options: {} for what the view shows now; {source: "pad"} or {source: "test", index} switches it first.
// {source, index, empty, modelVersion, arch, filters, layers: [{name, layer, applied, channels, height, width,
// min, max}], saliency: {min, max, values (784)}, prediction: {label, name, probs}, view: {version, frame}}.
// Without an image (an empty pad, no model yet) everything from modelVersion on is null, except view.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_inspect(const char* options_text) {
    return guarded([&] {
        const json options = options_object(options_text);
        for (const auto& [key, value] : options.items())
            if (key != "source" && key != "index")
                throw std::invalid_argument("unknown option '" + key + "' (known: source, index)");
        if (options.contains("source")) {
            const json& source = options["source"];
            if (source == "pad") {
                if (options.contains("index")) throw std::invalid_argument("index is for source 'test' only");
                inside_show(InsideSource::Pad);
            } else if (source == "test") {
                const json& index = options.contains("index") ? options["index"] : json();
                if (!index.is_number_integer()) throw std::invalid_argument("source 'test' needs an integer index");
                const long long i = index.get<long long>();
                if (i < 0 || i > std::numeric_limits<int>::max())
                    throw std::invalid_argument("index " + std::to_string(i) + " is outside the test set");
                inside_show(InsideSource::Test, int(i));
            } else {
                throw std::invalid_argument("source must be 'pad' or 'test', got " + source.dump());
            }
        } else if (options.contains("index")) {
            throw std::invalid_argument("index needs source: 'test'");
        }

        const InsideState s = inside_state();
        json reply = {{"source", s.source == InsideSource::Pad ? "pad" : "test"},
                      {"index", s.test_index >= 0 ? json(s.test_index) : json(nullptr)},
                      {"empty", s.empty},
                      {"view", s.drawn_frame >= 0 ? json{{"version", s.drawn_version}, {"frame", s.drawn_frame}} : json(nullptr)}};
        for (const char* key : {"modelVersion", "arch", "filters", "layers", "saliency", "prediction"}) reply[key] = nullptr;
        if (!s.inspection) return reply;
        const Inspection& r = *s.inspection;
        reply["modelVersion"] = s.model_version;
        reply["arch"] = engine().model()->arch();
        reply["filters"] = r.filters.count ? json{{"count", r.filters.count}, {"channels", r.filters.channels},
                                                  {"kernel", r.filters.kernel}, {"scale", r.filters.scale}}
                                           : json(nullptr);
        json layers = json::array();
        for (const FeatureMaps& m : r.layers)
            layers.push_back({{"name", m.name}, {"layer", m.conv_layer}, {"applied", m.applied}, {"channels", m.shape.c},
                              {"height", m.shape.h}, {"width", m.shape.w}, {"min", m.min}, {"max", m.max}});
        reply["layers"] = layers;
        reply["saliency"] = {{"min", r.saliency_min}, {"max", r.saliency_max}, {"values", r.saliency}};
        Prediction p;
        for (int c = 0; c < kNumClasses && c < int(r.probs.size()); ++c) p.probs[std::size_t(c)] = r.probs[std::size_t(c)];
        p.label = r.predicted;
        reply["prediction"] = protocol::prediction_json(p, engine().dataset());
        return reply;
    });
}

}  // extern "C"
