// The interface every layer implements: forward and backward on a batch of flat samples.
//
// Activations travel as (n, in.size()) / (n, out.size()) row-major float buffers; the layer knows
// how to read them as (n, C, H, W). The loss is a mean over the batch, so dy already carries the 1/n.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "engine/tensor.h"

namespace convpad {

// A trainable parameter and its gradient, both contiguous.
struct ParamRef {
    std::string name;  // "conv1.weight"
    float* value;
    float* grad;       // nullptr for state that is not trained (see Layer::state)
    std::size_t size;
    bool decays = false;  // AdamW's weight decay applies (the weights of convolutions and dense layers)
};

class Layer {
public:
    virtual ~Layer() = default;

    virtual std::string token() const = 0;  // this layer's piece of the architecture string
    Shape3 input_shape() const { return in_; }
    Shape3 output_shape() const { return out_; }

    // x: (n, in)  y: (n, out). `training` enables dropout.
    virtual void forward(const float* x, float* y, int n, bool training) = 0;
    // x, y: as in the last forward.  dy: (n, out)  dx: (n, in), or nullptr when not needed.
    // Parameter gradients are overwritten (not accumulated).
    virtual void backward(const float* x, const float* y, const float* dy, float* dx, int n) = 0;

    virtual std::vector<ParamRef> params() { return {}; }
    // Values the layer keeps but does not train (batch norm's running statistics); saved with the model.
    virtual std::vector<ParamRef> state() { return {}; }
    virtual void init_params(Rng&) {}

protected:
    Shape3 in_, out_;
};

using LayerPtr = std::unique_ptr<Layer>;

}  // namespace convpad
