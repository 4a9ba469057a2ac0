// A sequential CNN built from an architecture string (engine/arch.h: the grammar and its parser).
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/arch.h"
#include "engine/folded_inference.h"
#include "engine/layer.h"

namespace convpad {

class Model {
public:
    // Throws ArchError, whose message quotes the bad token and marks it with a caret.
    explicit Model(const std::string& arch, std::uint64_t seed = 42, Shape3 input = kDefaultInputShape,
                   int classes = kDefaultClasses);
    Model(Model&&) = default;
    Model& operator=(Model&&) = default;

    const std::string& arch() const { return arch_; }
    const std::vector<LayerPtr>& layers() const { return layers_; }
    std::size_t num_params() const { return num_params_; }    // trained values
    std::size_t num_weights() const { return num_weights_; }  // what a model file stores: parameters and state
    Shape3 input_shape() const { return input_shape_; }
    int input_size() const { return int(input_shape_.size()); }  // floats per image
    int num_classes() const { return num_classes_; }
    std::vector<ParamRef> params();

    // x: (n, input_size()) pixels in [0,1] -> logits (n, num_classes()). Keeps the activations for backward(); x itself is
    // not copied, so it must stay unchanged until backward().
    const float* forward(const float* x, int n, bool training);
    // dlogits: (n, num_classes()) for the batch of the last forward(). Fills every parameter gradient.
    void backward(const float* dlogits, int n);
    // dlogits: as for backward()  dx: (n, input_size()), the gradient with respect to the last forward()'s input
    // (saliency maps). Runs the whole backward pass, so it overwrites every parameter gradient as backward() does.
    void input_gradient(const float* dlogits, int n, float* dx);
    // Logits (n, num_classes()) in inference mode with every batch norm folded into the convolution before it
    // (engine/folded_inference.h): forward(x, n, false)'s values up to float rounding, faster, and no
    // activations kept. Valid until the next infer() or predict().
    const float* infer(const float* x, int n);
    // probs: (n, num_classes()) softmax outputs of infer(), processed in chunks of at most 32 images per thread.
    void predict(const float* x, int n, float* probs);

    // Input of layer i from the last forward(), for i >= 1 (the input image is not copied: activation(0)
    // is empty); activation(layers().size()) is the logits. A convolution or batch norm followed by a ReLU
    // runs the ReLU itself (Conv2D::set_fused_relu, BatchNorm::set_fused_relu), so its output already has
    // the ReLU applied and the ReLU's output is the same buffer.
    const std::vector<float>& activation(std::size_t i) const { return acts_.at(slot_.at(i)); }
    // True when layer i is a ReLU that the layer before it computes (the model skips the layer).
    bool fused_into_previous(std::size_t i) const { return fused_.at(i) != 0; }

    // Every stored value, layer by layer: the layer's params(), then its state() (batch norm's running
    // statistics).
    std::vector<float> weights() const;
    void set_weights(const std::vector<float>& flat);  // size must equal num_weights()

private:
    std::string arch_;
    Shape3 input_shape_;
    int num_classes_;
    std::vector<LayerPtr> layers_;
    std::size_t num_params_ = 0, num_weights_ = 0;
    const float* input_ = nullptr;          // x of the last forward(), the first layer's input
    std::vector<std::vector<float>> acts_;  // acts_[slot_[i]]: input of layer i (i >= 1); logits last
    std::vector<std::size_t> slot_;         // (layers + 1): a fused ReLU's output shares its input's slot
    std::vector<char> fused_;               // (layers): 1 for a ReLU computed by the layer before it
    std::vector<float> grad_a_, grad_b_;    // ping-pong buffers for backward
    std::vector<float> chunk_logits_;
    std::unique_ptr<FoldedInference> folded_;  // made by the first infer()
    void backward_to(const float* dlogits, int n, float* input_dx);  // input_dx: the first layer's dx, or nullptr
    int batch_ = 0;
};

}  // namespace convpad
