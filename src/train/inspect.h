// What a network does with one image, for the app's "Inside" view (web/ui/panel_inside.cpp): the first
// convolution's filters, every convolution's feature maps as the next layer receives them, and a saliency
// map (the gradient of the predicted class's logit with respect to the input pixels). No UI here.
#pragma once
#include <string>
#include <vector>

#include "engine/model.h"

namespace convpad {

// The first convolution's weights, divided by their largest magnitude: values in [-1, 1] with 0 kept at 0,
// so a two-colour map shows each weight's sign and relative strength. count 0 when the model has no convolution.
struct FilterImages {
    int layer = -1;                           // index in Model::layers()
    int count = 0, channels = 0, kernel = 0;  // K, C, k
    float scale = 0;                          // the largest |weight|: what 1 stands for (0 for all-zero weights)
    std::vector<float> values;                // (K, C, k, k)
};
FilterImages first_conv_filters(const Model& model);

// One convolution's output as the network passes it on: after the batch norm and ReLU that directly follow
// it, if any (Model runs a ReLU right after a convolution inside the convolution). A dropout after them is
// the identity at inference and changes nothing.
struct FeatureMaps {
    std::string name;           // "conv1", "conv2", ...: convolutions counted in model order
    int conv_layer = -1;        // the Conv2D's index in Model::layers()
    int output_layer = -1;      // index of the last layer applied: the convolution itself, its bn or its relu
    std::string applied;        // the layers applied after the convolution: "relu", "bn, relu", "bn" or "" (raw)
    Shape3 shape;               // (C, H, W)
    std::vector<float> values;  // (C, H, W)
    float min = 0, max = 0;     // over all values
};

struct Inspection {
    FilterImages filters;
    std::vector<FeatureMaps> layers;   // one per convolution, in model order
    std::vector<float> logits, probs;  // (classes)
    int predicted = 0;                 // the largest logit's class
    // d logits[predicted] / d x, (input_size()): one value per input pixel, with the model in inference mode
    // (batch norm uses its running averages, dropout is off). Positive: more ink at that pixel raises the
    // predicted class's score; negative: it lowers it.
    std::vector<float> saliency;
    float saliency_min = 0, saliency_max = 0;
};

// x: (model.input_size()) one image. Runs one forward and one backward pass on `model` in inference mode, so
// its activations and parameter gradients are overwritten (the weights are not changed).
Inspection inspect(Model& model, const float* x);

}  // namespace convpad
