// libFuzzer target: arbitrary bytes as a TensorFlow.js Layers model, a model.json (the bytes before the first
// NUL) and its weights (the bytes after it). Only TfjsError may escape the importer.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/model.h"
#include "exchange/tfjs_model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const void* nul = std::memchr(data, 0, size);
    const std::size_t json_size = nul ? std::size_t(static_cast<const std::uint8_t*>(nul) - data) : size;
    const std::string model_json(reinterpret_cast<const char*>(data), json_size);
    const std::uint8_t* bin = nul ? data + json_size + 1 : data + size;
    const std::size_t bin_size = nul ? size - json_size - 1 : 0;
    try {
        const convpad::Model model = convpad::import_tfjs(model_json, bin, bin_size);
        // A model that imports must export and import again to the same weights.
        const convpad::TfjsModel again = convpad::export_tfjs(model);
        const convpad::Model back = convpad::import_tfjs(again.model_json, again.weights_bin.data(), again.weights_bin.size());
        if (back.weights() != model.weights()) std::abort();
    } catch (const convpad::TfjsError&) {
    }
    return 0;
}
