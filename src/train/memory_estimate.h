// How much memory a training run will take, from its settings alone (no model is built), so that a run
// that cannot fit is refused with a reason before anything is replaced, and the Training panel can show
// its cost before Start. The estimate errs high: tests/test_alloc.cpp holds it between the measured peak
// of the first training steps and twice that.
#pragma once
#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "train/run_settings.h"

namespace convpad {

// In bytes, 64-bit also in wasm32: a run the estimate refuses may need far more than 4 GB.
struct MemoryEstimate {
    std::uint64_t activations = 0;  // per batch: the layers' outputs, their saved state and the gradients
    std::uint64_t parameters = 0;   // weights, gradients, optimizer state and early stopping's best weights
    std::uint64_t scratch = 0;      // per thread: each convolution's patches, their gradients, Winograd tiles
    std::uint64_t data = 0;         // images the run copies (the sketch set joined to the training images)
    std::uint64_t total() const { return activations + parameters + scratch + data; }
};

// sketch_images: the data set's sketch set, which a run with settings.sketches copies with the training
// images (0 when not known yet: then only the training images count). Throws like parse_arch (ArchError)
// for a bad architecture.
MemoryEstimate estimate_training_memory(const RunSettings& settings, const DatasetInfo& dataset, int threads,
                                        int sketch_images = 0);

// "85 MB", "1.2 GB": a size for messages.
std::string memory_text(std::uint64_t bytes);

}  // namespace convpad
