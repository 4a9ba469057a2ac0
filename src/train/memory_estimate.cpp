#include "train/memory_estimate.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "engine/arch.h"
#include "engine/conv2d.h"
#include "kernels/im2col.h"
#include "kernels/winograd.h"

namespace convpad {

namespace {
constexpr std::uint64_t kFloat = sizeof(float);
constexpr int kInferenceBatch = 32;  // validation runs in chunks of this many images (train/evaluator.cpp)
// Copies of a value held for each trained parameter: the weight, its gradient, Adam's two moments and
// early stopping's best weights; a convolution adds its eight gradient groups (engine/conv2d.cpp: the
// sums that keep runs equal for any thread count), its Winograd filters (16/9 of the weights) with the
// weights they were made from, and the filters of the input's gradient (16/9 again).
constexpr std::uint64_t kCopiesPerWeight = 5, kCopiesPerConvWeight = 5 + 8 + 3 + 2;
// A convolution with a batch norm after it is folded with it for inference (engine/folded_inference.h): a
// second convolution (weights, their unused gradient, Winograd filters and their source) and the values the
// fold was made from.
constexpr std::uint64_t kCopiesPerFoldedWeight = 2 + 3 + 1;
constexpr std::uint64_t kOverhead = std::uint64_t(1) << 20;  // the model's and trainer's own bookkeeping
constexpr std::uint64_t kGemmPerThread = std::uint64_t(1) << 20;  // sgemm's packed panels (kernels/gemm.cpp)

ConvGeometry conv_geometry(const LayerSpec& conv) {
    const int pad = conv.padding == Padding::Same ? (conv.kernel - 1) / 2 : 0;
    return {conv.input.c, conv.input.h, conv.input.w, conv.kernel, conv.kernel, pad, pad, conv.output.h, conv.output.w};
}
}  // namespace

MemoryEstimate estimate_training_memory(const RunSettings& settings, const DatasetInfo& dataset, int threads,
                                        int sketch_images) {
    const ArchSpec spec = parse_arch(run_arch(settings));
    const std::uint64_t batch = std::uint64_t(std::max(settings.batch_size, kInferenceBatch));
    std::uint64_t per_image = std::uint64_t(kImagePixels) + 2 * kNumClasses;  // the batch's input, probabilities, dlogits
    std::uint64_t widest = std::uint64_t(kImagePixels);
    std::uint64_t per_thread = 0, parameter_copies = 0;
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        const LayerSpec& layer = spec.layers[i];
        parameter_copies += (layer.kind == LayerKind::Conv ? kCopiesPerConvWeight : kCopiesPerWeight) * layer.params +
                            layer.state;
        const bool folded = layer.kind == LayerKind::Conv && i + 1 < spec.layers.size() &&
                            spec.layers[i + 1].kind == LayerKind::BatchNorm;
        if (folded) parameter_copies += kCopiesPerFoldedWeight * layer.params;
        const std::uint64_t out = layer.output.size();
        widest = std::max({widest, out, std::uint64_t(layer.input.size())});
        per_image += out;  // the output, kept for backward (a fused ReLU's is its layer's: room to spare)
        switch (layer.kind) {
            case LayerKind::BatchNorm: per_image += 2 * out; break;            // normalised values, their gradient
            case LayerKind::Pool: case LayerKind::Dropout: per_image += out; break;  // winners, mask
            case LayerKind::Conv: {
                // Each convolution keeps its own buffers for each thread. im2col: one image's patches, their
                // gradient and dy through the ReLU. Winograd: a block's transformed tiles in and out (forward,
                // the weights' gradient, or the input's, whose tiles cover the input), the weight gradient's
                // sums, and the batch's dy through the ReLU.
                const ConvGeometry g = conv_geometry(layer);
                if (layer.input.c >= Conv2D::kWinogradMinChannels && winograd_applies(g)) {
                    // The forward and input-gradient geometries share one scratch (counted as if apart), and
                    // the folded convolution of inference has its own.
                    const ConvGeometry back = winograd_backward_data_geometry(g, layer.size);
                    per_thread += winograd_scratch_floats(g, layer.size) * (folded ? 2 : 1) +
                                  winograd_scratch_floats(back, layer.input.c) +
                                  winograd_filter_gradient_floats(g, layer.size);
                    per_image += out;
                } else {  // the folded convolution's patches besides
                    per_thread += (folded ? 3 : 2) * std::uint64_t(g.patch()) * g.out_pixels() + out;
                }
                break;
            }
            default: break;
        }
    }
    per_image += 2 * widest;  // the backward pass's two gradient buffers, and validation's two of the folded layers

    MemoryEstimate e;
    e.activations = batch * per_image * kFloat + kOverhead;
    e.parameters = parameter_copies * kFloat;
    e.scratch = std::uint64_t(std::max(threads, 1)) * (per_thread * kFloat + kGemmPerThread);
    if (settings.sketches > 0) {
        const std::uint64_t train = std::uint64_t(dataset.train_count - settings.validation);
        const std::uint64_t images = std::min(train, settings.subset > 0 ? std::uint64_t(settings.subset) : train) +
                                   std::uint64_t(sketch_images) * std::uint64_t(settings.sketches);
        e.data = images * (std::uint64_t(kImagePixels) * kFloat + 1);
    }
    return e;
}

std::string memory_text(std::uint64_t bytes) {
    char text[32];
    if (bytes >= std::uint64_t(1) << 30) std::snprintf(text, sizeof text, "%.1f GB", double(bytes) / double(1 << 30));
    else std::snprintf(text, sizeof text, "%.0f MB", std::max(1.0, double(bytes) / double(1 << 20)));
    return text;
}

}  // namespace convpad
