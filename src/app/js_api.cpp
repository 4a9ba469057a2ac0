// C functions behind window.convpad (web/loader.js), called with Module.ccall. Documented for users
// in README.md ("JavaScript API"); this file is the C side of that contract.
//
// Conventions, so that nothing JS sends can crash the tab or abort the runtime:
// - Each function is extern "C" + EMSCRIPTEN_KEEPALIVE (exported as Module._<name> without listing
//   it in -sEXPORTED_FUNCTIONS).
// - Functions that can fail return a JSON string: the result, or {"error": "message"}. Every C++
//   exception is caught here and becomes such an error; loader.js turns it into a JS Error.
// - The returned char* points to a buffer that lives until the next call (ccall copies it at once).
// - Arguments are validated here as well as in JS: this layer must be safe on its own.
#include <emscripten.h>
#include <imgui.h>
#include <imgui_internal.h>  // ImGuiContext::Windows, for the window rectangles of layout()

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

#include "app/app.h"
#include "web/js_reply.h"
#include "app/loading.h"
#include "app/pad.h"
#include "app/shell.h"
#include "kernels/parallel.h"

namespace convpad::app {

LoadProgress& dataset_progress() {
    static LoadProgress progress;
    return progress;
}

void request_model_download() { EM_ASM({ if (window.convpad && window.convpad.downloadModel) window.convpad.downloadModel(); }); }
void request_model_upload() { EM_ASM({ if (window.convpad && window.convpad.pickModelFile) window.convpad.pickModelFile(); }); }

namespace {

using nlohmann::json;

// [SECTION] Replies

using js::guarded;
using js::number_or_null;
using js::reply;

// A float setting as the decimal it was typed as (0.001, not 0.0010000000474974513).
json decimal_json(float x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.7g", double(x));
    return json(std::strtod(text, nullptr));
}

json prediction_json(const Prediction& p) {
    return {{"label", p.label}, {"name", kClassNames[p.label]}, {"probs", p.probs}};
}

// [SECTION] Training options
// The keys of train() and of the URL parameters, applied to a SessionSettings. Ranges match the
// Training panel's; the engine re-checks what it depends on (e.g. validation against the data set).

std::string got(const json& v) { return " (got " + v.dump(-1, ' ', false, json::error_handler_t::replace) + ")"; }

long long integer_option(const json& v, const std::string& key, long long lo, long long hi) {
    const std::string expected = key + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    if (!v.is_number_integer()) throw std::invalid_argument(expected + got(v));
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u < std::uint64_t(lo) || u > std::uint64_t(hi)) throw std::invalid_argument(expected + got(v));
        return static_cast<long long>(u);
    }
    const auto x = v.get<long long>();
    if (x < lo || x > hi) throw std::invalid_argument(expected + got(v));
    return x;
}

double number_option(const json& v, const std::string& key) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) throw std::invalid_argument(key + " must be a finite number" + got(v));
    return v.get<double>();
}

constexpr long long kMaxSeed = (1LL << 53) - 1;  // every integer a JS number holds exactly

void apply_option(const std::string& key, const json& v, SessionSettings& s) {
    if (key == "epochs") {
        s.epochs = int(integer_option(v, key, 1, 1000));
    } else if (key == "batchSize") {
        s.batch_size = int(integer_option(v, key, 1, 4096));
    } else if (key == "learningRate") {
        const double lr = number_option(v, key);
        if (!(lr > 0 && lr <= 1)) throw std::invalid_argument("learningRate must be in (0, 1]" + got(v));
        s.learning_rate = float(lr);
    } else if (key == "arch") {
        if (!v.is_string() || v.get<std::string>().empty()) throw std::invalid_argument("arch must be a non-empty string" + got(v));
        const std::string arch = v.get<std::string>();
        if (arch.size() > 1000) throw std::invalid_argument("arch is too long (" + std::to_string(arch.size()) + " characters)");
        Model check(arch);  // throws ArchError, whose message points at the bad token
        s.arch = arch;
    } else if (key == "optimizer") {
        if (!v.is_string() || (v != "adam" && v != "sgd")) throw std::invalid_argument("optimizer must be 'adam' or 'sgd'" + got(v));
        s.optimizer = v.get<std::string>();
    } else if (key == "dropout") {
        if (v.is_null()) {
            s.dropout = -1;  // keep the rates written in arch
            return;
        }
        const double rate = number_option(v, key);
        if (!(rate >= 0 && rate < 1)) throw std::invalid_argument("dropout must be in [0, 1), or null to keep arch's rates" + got(v));
        s.dropout = float(rate);
    } else if (key == "validation") {
        s.validation = int(integer_option(v, key, 0, 59999));
    } else if (key == "patience") {
        s.patience = int(integer_option(v, key, 0, 1000));
    } else if (key == "seed") {
        s.seed = std::uint64_t(integer_option(v, key, 0, kMaxSeed));
    } else {
        throw std::invalid_argument("unknown option '" + key +
                                    "' (known: epochs, batchSize, learningRate, arch, optimizer, dropout, validation, "
                                    "patience, seed)");
    }
}

json options_object(const char* text) {
    if (!text) throw std::invalid_argument("options missing");
    json options = json::parse(text);  // json::parse_error is a std::exception too
    if (!options.is_object()) throw std::invalid_argument("options must be an object");
    return options;
}

json settings_json(const SessionSettings& s) {
    return {{"epochs", s.epochs},
            {"batchSize", s.batch_size},
            {"learningRate", decimal_json(s.learning_rate)},
            {"arch", s.arch},
            {"optimizer", s.optimizer},
            {"dropout", s.dropout < 0 ? json(nullptr) : decimal_json(s.dropout)},
            {"validation", s.validation},
            {"patience", s.patience},
            {"seed", s.seed}};
}

// [SECTION] Status

json status_json() {
    Session& s = session();
    const LoadProgress& data = dataset_progress();
    json status = {
        {"phase", phase_name(s.phase())},
        {"runId", s.run_id()},
        {"dataset",
         {{"loaded", data.loaded},
          {"total", data.total},
          {"ready", s.dataset_ready()},
          {"error", data.error.empty() ? json(nullptr) : json(data.error)}}},
        {"arch", s.model().arch()},
        {"message", s.message()},
        {"threads", num_threads()},
        {"mode", engine_mode()},
        {"frames", double(shell_frame_count())},
        {"evaluationProgress", s.evaluation_progress()},
    };
    const Notice& notice = current_notice();
    status["notice"] = notice.text.empty() ? json(nullptr) : json{{"text", notice.text}, {"error", notice.is_error}};
    const Trainer* t = s.trainer();
    const auto& epochs = s.epoch_history();
    status["epoch"] = t ? t->epoch() : 0;
    status["epochs"] = t ? t->config().epochs : 0;
    status["step"] = t ? t->step() : 0;
    status["stepsPerEpoch"] = t ? t->steps_per_epoch() : 0;
    status["trainLoss"] = s.loss_history().empty() ? json(nullptr) : json(s.loss_history().back().loss);
    status["valLoss"] = epochs.empty() ? json(nullptr) : number_or_null(epochs.back().val_loss);
    status["valAccuracy"] = epochs.empty() ? json(nullptr) : number_or_null(epochs.back().val_accuracy);
    status["imagesPerSecond"] = t ? number_or_null(s.wall_images_per_second()) : json(nullptr);
    status["computeImagesPerSecond"] = t ? number_or_null(t->images_per_second()) : json(nullptr);
    status["etaSeconds"] = number_or_null(s.eta_seconds());
    return status;
}

json evaluation_json(const Evaluation& e) {
    json precision = json::array(), recall = json::array(), f1 = json::array(), support = json::array();
    for (const ClassReport& c : e.per_class) {
        precision.push_back(c.precision);
        recall.push_back(c.recall);
        f1.push_back(c.f1);
        support.push_back(c.support);
    }
    json confusion = json::array();
    for (int truth = 0; truth < e.num_classes; ++truth) {
        json row = json::array();
        for (int predicted = 0; predicted < e.num_classes; ++predicted) row.push_back(e.at(truth, predicted));
        confusion.push_back(row);
    }
    return {{"accuracy", e.accuracy}, {"precision", precision}, {"recall", recall}, {"f1", f1},
            {"support", support},     {"macroF1", e.macro.f1},  {"weightedF1", e.weighted.f1},
            {"loss", e.loss},         {"total", e.total},       {"confusion", confusion},
            {"classNames", kClassNames}};
}

json rect_json(float x, float y, float w, float h) { return {{"x", x}, {"y", y}, {"width", w}, {"height", h}}; }

DataFile data_file(int which) {
    if (which < 0 || which > 3) throw std::invalid_argument("data file index must be 0..3, got " + std::to_string(which));
    return DataFile(which);
}

void check_buffer(const void* data, double size, const char* what) {
    if (!data || !(size > 0)) throw std::invalid_argument(std::string(what) + " is empty");
}

}  // namespace
}  // namespace convpad::app

using namespace convpad;
using namespace convpad::app;

extern "C" {

// [SECTION] Shell

// Frames the shell has rendered (a double, since JS numbers cannot hold every uint64).
EMSCRIPTEN_KEEPALIVE double convpad_frame_count() { return double(shell_frame_count()); }

// A one-line notice in the status bar: results of drag-and-drop, download errors, bad URL parameters.
EMSCRIPTEN_KEEPALIVE void convpad_notify(const char* text, int is_error) {
    try {
        notify(text ? text : "", is_error != 0);
    } catch (...) {
    }
}

// Threads the engine uses, the page's main thread included (web/loader.js: the URL's threads=N, else
// min(navigator.hardwareConcurrency, 4)). The threaded build has N - 1 pool workers ready before main; a
// worker that is not running yet only means its share runs on the threads that are (kernels/parallel.h).
// A no-op in the single-thread build. {threads, mode} or {error}.
EMSCRIPTEN_KEEPALIVE const char* convpad_set_threads(int threads) {
    return guarded([&] {
        if (threads < 1 || threads > kMaxPageThreads)
            throw std::invalid_argument("threads must be an integer from 1 to " + std::to_string(kMaxPageThreads) +
                                        " (got " + std::to_string(threads) + ")");
        // Safe mid-run: training and evaluation only run inside frames, never during this call, and
        // results are bit-identical for any thread count.
        set_num_threads(threads);
        return json{{"threads", num_threads()}, {"mode", engine_mode()}};
    });
}

// {pad: rect, windows: [{name, x, y, width, height}]} in CSS pixels of the canvas, as the last frame
// laid them out. windows: the visible top-level ImGui windows (the panels), for screenshots and tests.
EMSCRIPTEN_KEEPALIVE const char* convpad_layout() {
    return guarded([] {
        const Rect pad = pad_canvas_rect();
        json windows = json::array();
        if (const ImGuiContext* context = ImGui::GetCurrentContext()) {
            for (const ImGuiWindow* w : context->Windows) {
                const bool top_level = !(w->Flags & (ImGuiWindowFlags_ChildWindow | ImGuiWindowFlags_Tooltip |
                                                     ImGuiWindowFlags_Popup));
                if (!top_level || !w->WasActive || w->Hidden) continue;
                json rect = rect_json(w->Pos.x, w->Pos.y, w->Size.x, w->Size.y);
                rect["name"] = w->Name;
                windows.push_back(rect);
            }
        }
        return json{{"pad", rect_json(pad.x, pad.y, pad.w, pad.h)}, {"windows", windows}};
    });
}

// [SECTION] Model

// bytes: a .cpm file. {arch, params} or {error}; on error the current model stays.
EMSCRIPTEN_KEEPALIVE const char* convpad_load_model(const std::uint8_t* data, double size) {
    return guarded([&] {
        check_buffer(data, size, "the model file");
        session().load_model(data, std::size_t(size));
        return json{{"arch", session().model().arch()}, {"params", session().model().num_params()}};
    });
}

// {ptr, size}: a malloc'd copy of the current model as a .cpm file; the caller frees ptr.
EMSCRIPTEN_KEEPALIVE const char* convpad_save_model() {
    return guarded([] {
        const std::vector<std::uint8_t> bytes = session().save_model();
        auto* copy = static_cast<std::uint8_t*>(std::malloc(bytes.size()));
        if (!copy) throw std::runtime_error("out of memory for the model file (" + std::to_string(bytes.size()) + " bytes)");
        std::memcpy(copy, bytes.data(), bytes.size());
        return json{{"ptr", reinterpret_cast<std::uintptr_t>(copy)}, {"size", bytes.size()}};
    });
}

// pixels: (784) floats, 28x28 row-major, white on black, each in [0,1]. {label, name, probs}.
EMSCRIPTEN_KEEPALIVE const char* convpad_classify(const float* pixels) {
    return guarded([&] {
        if (!pixels) throw std::invalid_argument("pixels missing");
        for (int i = 0; i < kImagePixels; ++i)
            if (!(pixels[i] >= 0.0f && pixels[i] <= 1.0f))  // also refuses NaN
                throw std::invalid_argument("pixels[" + std::to_string(i) + "] = " + std::to_string(pixels[i]) +
                                            " is not in [0, 1]");
        return prediction_json(session().classify(pixels));
    });
}

// [SECTION] Data set

// bytes: one gunzipped IDX file; which: 0 train images, 1 train labels, 2 test images, 3 test labels.
// {ready} (true once all four are in and the data set is built) or {error}.
EMSCRIPTEN_KEEPALIVE const char* convpad_set_data_file(int which, const std::uint8_t* data, double size) {
    return guarded([&] {
        const DataFile file = data_file(which);
        check_buffer(data, size, "the data file");
        session().set_data_file(file, data, std::size_t(size));
        return json{{"ready", session().dataset_ready()}};
    });
}

// Bytes of the four .gz files downloaded so far, of total (0: not known yet).
EMSCRIPTEN_KEEPALIVE void convpad_set_dataset_progress(double loaded, double total) {
    LoadProgress& p = dataset_progress();
    p.loaded = std::isfinite(loaded) && loaded > 0 ? loaded : 0;
    p.total = std::isfinite(total) && total > 0 ? total : 0;
}

// Why the data set could not be loaded; shown as an error notice and kept in status().dataset.error.
EMSCRIPTEN_KEEPALIVE void convpad_set_dataset_error(const char* message) {
    try {
        dataset_progress().error = message && *message ? message : "the data set could not be loaded";
        notify("data set: " + dataset_progress().error, true);
    } catch (...) {
    }
}

// [SECTION] Training

// options: JSON object of train() options; missing ones take the Training panel's values, which then
// show the run's settings. {settings} or {error}; on error nothing changed.
EMSCRIPTEN_KEEPALIVE const char* convpad_train(const char* options_text) {
    return guarded([&] {
        const json options = options_object(options_text);
        SessionSettings settings = edited_settings();
        for (const auto& [key, value] : options.items()) apply_option(key, value, settings);
        session().start_training(settings);
        edited_settings() = settings;
        return json{{"settings", settings_json(settings)}, {"runId", session().run_id()}};
    });
}

// Prefills the Training panel (URL parameters). Each good option applies; each bad one is listed in
// {errors: ["message", ...]} and leaves its setting unchanged. Also returns the resulting {settings}.
EMSCRIPTEN_KEEPALIVE const char* convpad_edit_settings(const char* options_text) {
    return guarded([&] {
        const json options = options_object(options_text);
        json errors = json::array();
        for (const auto& [key, value] : options.items()) {
            try {
                apply_option(key, value, edited_settings());
            } catch (const std::exception& e) {
                errors.push_back(e.what());
            }
        }
        return json{{"errors", errors}, {"settings", settings_json(edited_settings())}};
    });
}

EMSCRIPTEN_KEEPALIVE const char* convpad_settings() {
    return guarded([] { return settings_json(edited_settings()); });
}

// pause() and resume() need a run to act on; Session ignores them otherwise, JS gets an Error.
static const char* control_run(const char* verb, void (Session::*action)()) {
    return guarded([&] {
        const Phase phase = session().phase();
        if (phase != Phase::Training && phase != Phase::Paused)
            throw std::logic_error(std::string("nothing to ") + verb + ": the session is " + phase_name(phase));
        (session().*action)();
        return status_json();
    });
}

EMSCRIPTEN_KEEPALIVE const char* convpad_pause() { return control_run("pause", &Session::pause); }

EMSCRIPTEN_KEEPALIVE const char* convpad_resume() { return control_run("resume", &Session::resume); }

EMSCRIPTEN_KEEPALIVE const char* convpad_reset() {
    return guarded([] {
        session().reset();
        return status_json();
    });
}

EMSCRIPTEN_KEEPALIVE const char* convpad_status() {
    return guarded(status_json);
}

// {losses: [[step, loss], ...], epochs: [{epoch, trainLoss, ...}, ...]} of the current run.
EMSCRIPTEN_KEEPALIVE const char* convpad_history() {
    return guarded([] {
        json losses = json::array(), epochs = json::array();
        for (const LossPoint& p : session().loss_history()) losses.push_back({p.step, number_or_null(p.loss)});
        for (const EpochReport& e : session().epoch_history())
            epochs.push_back({{"epoch", e.epoch},
                              {"trainLoss", number_or_null(e.train_loss)},
                              {"trainAccuracy", number_or_null(e.train_accuracy)},
                              {"valLoss", number_or_null(e.val_loss)},
                              {"valAccuracy", number_or_null(e.val_accuracy)},
                              {"improved", e.improved},
                              {"learningRate", decimal_json(e.learning_rate)},
                              {"seconds", e.seconds}});
        return json{{"losses", losses}, {"epochs", epochs}};
    });
}

// [SECTION] Evaluation

// Starts evaluating the current model on the 10k test set and shows the Evaluation tab. {runId} or {error}.
EMSCRIPTEN_KEEPALIVE const char* convpad_start_evaluation() {
    return guarded([] {
        session().start_evaluation();
        show_bottom_tab(BottomTab::Evaluation);
        return json{{"runId", session().run_id()}};
    });
}

// The last finished evaluation, or null.
EMSCRIPTEN_KEEPALIVE const char* convpad_evaluation() {
    return guarded([] {
        const Evaluation* e = session().last_evaluation();
        return e ? evaluation_json(*e) : json(nullptr);
    });
}

// [SECTION] Drawing pad

EMSCRIPTEN_KEEPALIVE const char* convpad_pad_clear() {
    return guarded([] {
        pad_clear();
        return json{{"ok", true}};
    });
}

// {label, name, probs, empty}: the current model's prediction of the drawing (of a black image when empty).
EMSCRIPTEN_KEEPALIVE const char* convpad_pad_prediction() {
    return guarded([] {
        json p = prediction_json(pad_prediction());
        p["empty"] = pad_is_empty();
        return p;
    });
}

// (784) the network's input made from the drawing (README "Preprocessing").
EMSCRIPTEN_KEEPALIVE const char* convpad_pad_pixels() {
    return guarded([] { return json(pad_input()); });
}

}  // extern "C"
