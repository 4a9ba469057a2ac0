// Model exchange with TensorFlow.js's Layers format (`tf.loadLayersModel`, `model.save`): a model.json
// (a Keras `Sequential` topology and a weights manifest) and the weights' bytes. Bytes in, bytes out: the
// CLI reads and writes the files, the web app passes what the user picked.
//
// ConvPad computes channels-first (C,H,W), TensorFlow.js channels-last (H,W,C). Every weight is laid out
// for TensorFlow.js on export and back on import:
//   conv    ConvPad (K, C, k, k)          <-> Conv2D kernel [k, k, C, K]
//   dense   ConvPad (U, I), y = x W^T + b <-> Dense kernel [I, U], y = x W + b
//   flatten ConvPad flattens (c,h,w), Flatten flattens (h,w,c): the rows of the first Dense after a
//           Flatten of an image (and a BatchNormalization between them) are reordered.
//   bn      gamma, beta, running mean/variance <-> gamma, beta, moving_mean, moving_variance
// Each ReLU becomes an `Activation` layer and the model ends in an `Activation` softmax, so TensorFlow.js's
// predict() returns ConvPad's predict(). Two ConvPad layers have no TensorFlow.js counterpart of their
// own: a `dense` reading an image gets a Flatten before it, and a `flatten` of an already flat input (a
// no-op that TensorFlow.js refuses) is left out. Export then import gives back the model bit for bit
// (weights(), and the architecture except for those two cases).
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace convpad {

class Model;

// A model.json or weights that ConvPad cannot read; the message names the layer or weight and the problem.
struct TfjsError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

struct TfjsModel {
    std::string model_json;                // format "layers-model", its manifest names one weights file
    std::vector<std::uint8_t> weights_bin; // float32 little-endian, in the manifest's order
};

// The weights file's name in an exported model.json (TensorFlow.js's own for a model called "model").
constexpr const char* kTfjsWeightsFile = "model.weights.bin";

// `weights_file`: the path the manifest gives the weights, relative to model.json.
TfjsModel export_tfjs(const Model& model, const std::string& weights_file = kTfjsWeightsFile);

// The weight files model.json's manifest names, in manifest order: import_tfjs takes their bytes
// concatenated in this order. Only relative paths inside model.json's folder (no "..", no absolute path).
// Throws TfjsError.
std::vector<std::string> tfjs_weight_paths(const std::string& model_json);

// A Sequential layers model of Conv2D, MaxPooling2D, Dense, Dropout, Flatten, BatchNormalization,
// GlobalAveragePooling2D, Activation/ReLU (relu, linear; softmax last) and InputLayer, reading
// [null, 28, 28, 1] and giving 10 outputs. Weights are float32, or quantized (uint8/uint16: q*scale+min,
// float16) as TensorFlow.js dequantizes them. `bin`/`size`: the bytes of every path of
// tfjs_weight_paths() in order. Validates everything (layers and their options, shapes, byte counts,
// finite values) and throws TfjsError naming the problem; never reads past `size`.
Model import_tfjs(const std::string& model_json, const std::uint8_t* bin, std::size_t size);

}  // namespace convpad
