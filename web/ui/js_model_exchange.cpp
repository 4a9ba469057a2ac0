// C functions of the UI module for model files in TensorFlow.js's Layers format (web/page/models.js:
// exportModel('tfjs'), loadModel(json, bin), dropping both files). The conversion runs on this thread
// on the bytes of a .cpm file, so the engine itself only ever sees .cpm files. Conventions as in
// js_api.cpp: JSON replies, {"error": message} for any exception.
#include <emscripten.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/ui/app.h"
#include "engine/model_file.h"
#include "exchange/tfjs_model.h"
#include "web/js_reply.h"

namespace {

using nlohmann::json;

// Binary results stay here until the next call; the reply gives their address and size for JS to copy.
std::vector<std::uint8_t>& binary_reply() {
    static std::vector<std::uint8_t> bytes;
    return bytes;
}

json binary_json(std::vector<std::uint8_t> bytes) {
    binary_reply() = std::move(bytes);
    return {{"pointer", double(reinterpret_cast<std::uintptr_t>(binary_reply().data()))},
            {"size", double(binary_reply().size())}};
}

}  // namespace

namespace convpad::app {
void request_tfjs_download() {
    EM_ASM({ if (window.convpad && window.convpad.downloadTfjsModel) window.convpad.downloadTfjsModel(); });
}
}  // namespace convpad::app

extern "C" {

// A .cpm file's bytes -> {modelJson, weights: {pointer, size}} (the weights file is model.weights.bin).
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_export_tfjs(const std::uint8_t* cpm, double size) {
    return convpad::js::guarded([&] {
        const convpad::Model model = convpad::load_model(cpm, std::size_t(size));
        convpad::TfjsModel exported = convpad::export_tfjs(model);
        json reply = {{"modelJson", exported.model_json}, {"weightsFile", convpad::kTfjsWeightsFile}};
        reply["weights"] = binary_json(std::move(exported.weights_bin));
        return reply;
    });
}

// A model.json's text -> {paths: [...]}: the weight files its manifest names, in the order import wants them.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_tfjs_weight_paths(const char* model_json) {
    return convpad::js::guarded([&] { return json{{"paths", convpad::tfjs_weight_paths(model_json ? model_json : "")}}; });
}

// A model.json and its weight files' bytes, concatenated in manifest order -> {arch, cpm: {pointer, size}}.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_import_tfjs(const char* model_json, const std::uint8_t* bin, double size) {
    return convpad::js::guarded([&] {
        const convpad::Model model = convpad::import_tfjs(model_json ? model_json : "", bin, std::size_t(size));
        json reply = {{"arch", model.arch()}};
        reply["cpm"] = binary_json(convpad::save_model(model));
        return reply;
    });
}

// The UI's copy of the model (the engine's last snapshot) as a .cpm file, {pointer, size}: what the error
// screen saves once the engine has stopped and can no longer save its own.
EMSCRIPTEN_KEEPALIVE const char* convpad_ui_save_model() {
    return convpad::js::guarded([] {
        const convpad::Model* model = convpad::app::engine().model();
        if (!model) throw std::logic_error("the app has no model yet");
        return binary_json(convpad::save_model(*model));
    });
}

}  // extern "C"
