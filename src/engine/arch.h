// Architecture strings, parsed once: parse_arch() checks a string and returns its layers with their shapes
// and parameter counts without building a model (no weights are allocated), for Model, the settings'
// checks, the Training panel and with_dropout().
//
// Grammar (tokens joined by '-', case-sensitive):
//   conv<F>k<K>[same]   convolution, F filters of KxK, stride 1; `valid` padding unless `same`
//   pool<S>             max pooling, SxS window, stride S
//   dense<U>            fully connected, U units (flattens its input)
//   relu                rectified linear unit
//   drop<R>             dropout with rate R in [0, 1), e.g. drop0.5
//   flatten             (C,H,W) -> (C*H*W)
//   bn                  batch normalisation per channel (after a convolution) or per unit (after a dense layer)
//   gap                 global average pooling, (C,H,W) -> (C)
// A model owns its input shape (one 28x28 grayscale image unless told otherwise) and its class count
// (10 unless told otherwise): the last layer must produce that many outputs (the logits).
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/shape.h"

namespace convpad {

constexpr Shape3 kDefaultInputShape{1, 28, 28};
constexpr int kDefaultClasses = 10;

// The Keras project's CNN: conv 32@3x3 -> pool -> conv 64@3x3 -> pool -> dense 128 -> dropout -> dense 10.
constexpr const char* kDefaultArch = "conv32k3-relu-pool2-conv64k3-relu-pool2-flatten-dense128-relu-drop0.5-dense10";

// The "best" preset: batch-normalised 3x3 convolutions in three stages (28, 14, 7 pixels), global average
// pooling and one dense layer; trained by train/run_settings.h's best_run_settings().
constexpr const char* kBestArch =
    "conv48k3same-bn-relu-pool2-conv96k3same-bn-relu-conv96k3same-bn-relu-pool2-conv192k3same-bn-relu-"
    "conv192k3same-bn-relu-gap-dense10";

struct ArchPreset {
    const char* name;
    const char* arch;
};
extern const std::vector<ArchPreset> kArchPresets;  // small / default / two convs first / large / best, for the UI and CLI

// A bad architecture string. `position` is the byte offset of the offending token.
struct ArchError : std::invalid_argument {
    ArchError(const std::string& message, std::size_t position)
        : std::invalid_argument(message), position(position) {}
    std::size_t position;
};

enum class Padding { Valid, Same };
enum class LayerKind { Conv, Pool, Dense, ReLU, Flatten, BatchNorm, GlobalAvgPool, Dropout };

// One token of the string, checked, with what it does to the shape.
struct LayerSpec {
    LayerKind kind;
    std::size_t position = 0, length = 0;  // the token in the string
    int size = 0;          // conv: filters; dense: units; pool: window
    int kernel = 0;        // conv
    Padding padding = Padding::Valid;  // conv
    float rate = 0;        // dropout
    Shape3 input, output;
    std::size_t params = 0;  // trained values
    std::size_t state = 0;   // stored values that are not trained (batch norm's running statistics)
};

struct ArchSpec {
    std::vector<LayerSpec> layers;
    std::size_t params = 0;   // trained values
    std::size_t weights = 0;  // what a model file stores: parameters and state
    bool has_dropout() const;
};

// Throws ArchError, whose message quotes the bad token and marks it with a caret.
ArchSpec parse_arch(const std::string& arch, Shape3 input = kDefaultInputShape, int classes = kDefaultClasses);

}  // namespace convpad
