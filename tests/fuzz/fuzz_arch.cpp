// libFuzzer target: arbitrary text as an architecture string. Only ArchError may escape, and a
// string that parses must describe itself back exactly.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 512) return 0;
    const std::string arch(reinterpret_cast<const char*>(data), size);
    try {
        convpad::Model model(arch, 1);
        std::string rebuilt;
        for (const auto& layer : model.layers()) rebuilt += (rebuilt.empty() ? "" : "-") + layer->token();
        // Dropout rates print in shortest form ("drop0.50" parses but prints "drop0.5"): compare by re-parsing.
        if (convpad::Model(rebuilt, 1).num_params() != model.num_params()) std::abort();
    } catch (const convpad::ArchError& e) {
        if (e.position > size) std::abort();
    }
    return 0;
}
