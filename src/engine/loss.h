// Softmax fused with categorical cross-entropy, the numerically stable way (log-sum-exp).
#pragma once
#include <cstdint>

namespace convpad {

// With label smoothing s (Szegedy et al. 2016) the target of each image is (1 - s) * onehot(label) + s / classes,
// as Keras' CategoricalCrossentropy(label_smoothing=s); s = 0 is the plain one-hot target.
// logits: (n, classes)  labels: (n)  probs: (n, classes) out.  Returns the mean loss over the batch.
double softmax_cross_entropy_forward(const float* logits, const std::uint8_t* labels, int n, int classes,
                                     float* probs, float smoothing = 0.0f);
// dlogits (n, classes) = (probs - target) / n, the gradient of the mean loss.
void softmax_cross_entropy_backward(const float* probs, const std::uint8_t* labels, int n, int classes,
                                    float* dlogits, float smoothing = 0.0f);
// Index of the largest of `classes` values (the first on ties): the predicted class.
int argmax_class(const float* scores, int classes);
// probs (n, classes) = softmax(logits), row by row.
void softmax(const float* logits, int n, int classes, float* probs);

}  // namespace convpad
