#include "engine/loss.h"

#include <cmath>

namespace convpad {

// Subtracting the row maximum keeps exp() in range; the loss uses log-sum-exp directly rather than
// log(prob), so a confident wrong answer gives a large finite loss instead of log(0).
static double softmax_row(const float* z, int classes, float* p) {
    float zmax = z[0];
    for (int c = 1; c < classes; ++c) zmax = z[c] > zmax ? z[c] : zmax;
    double sum = 0.0;
    for (int c = 0; c < classes; ++c) sum += std::exp(double(z[c] - zmax));
    for (int c = 0; c < classes; ++c) p[c] = float(std::exp(double(z[c] - zmax)) / sum);
    return double(zmax) + std::log(sum);  // log-sum-exp
}

int argmax_class(const float* scores, int classes) {
    int best = 0;
    for (int c = 1; c < classes; ++c)
        if (scores[c] > scores[best]) best = c;
    return best;
}

void softmax(const float* logits, int n, int classes, float* probs) {
    for (int i = 0; i < n; ++i) softmax_row(logits + long(i) * classes, classes, probs + long(i) * classes);
}

double softmax_cross_entropy_forward(const float* logits, const std::uint8_t* labels, int n, int classes,
                                     float* probs) {
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
        const float* z = logits + long(i) * classes;
        double lse = softmax_row(z, classes, probs + long(i) * classes);
        total += lse - double(z[labels[i]]);
    }
    return n > 0 ? total / n : 0.0;
}

void softmax_cross_entropy_backward(const float* probs, const std::uint8_t* labels, int n, int classes,
                                    float* dlogits) {
    const float inv_n = 1.0f / float(n);
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < classes; ++c) {
            long at = long(i) * classes + c;
            dlogits[at] = (probs[at] - (c == labels[i] ? 1.0f : 0.0f)) * inv_n;
        }
}

}  // namespace convpad
