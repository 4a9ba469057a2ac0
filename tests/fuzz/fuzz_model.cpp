// libFuzzer target: arbitrary bytes as a model file. Only ModelFileError may escape the loader.
#include <cstdint>
#include <cstdlib>
#include <exception>

#include "engine/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        convpad::Model model = convpad::load_model(data, size);
        // A model that loads must survive a round trip unchanged.
        if (convpad::save_model(model).size() != size) std::abort();
    } catch (const convpad::ModelFileError&) {
    }
    return 0;
}
