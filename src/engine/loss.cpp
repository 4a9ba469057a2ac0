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

// -sum_c target_c * log p_c = lse - sum_c target_c * z_c, since the targets sum to 1.
double softmax_cross_entropy_forward(const float* logits, const std::uint8_t* labels, int n, int classes,
                                     float* probs, float smoothing) {
    const double off = double(smoothing) / classes, on = 1.0 - double(smoothing) + off;
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
        const float* z = logits + long(i) * classes;
        double lse = softmax_row(z, classes, probs + long(i) * classes);
        double target_dot_z = on * double(z[labels[i]]);
        if (smoothing != 0.0f)
            for (int c = 0; c < classes; ++c)
                if (c != labels[i]) target_dot_z += off * double(z[c]);
        total += lse - target_dot_z;
    }
    return n > 0 ? total / n : 0.0;
}

void softmax_cross_entropy_backward(const float* probs, const std::uint8_t* labels, int n, int classes,
                                    float* dlogits, float smoothing) {
    const float inv_n = 1.0f / float(n);
    const float off = smoothing / float(classes), on = 1.0f - smoothing + off;
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < classes; ++c) {
            long at = long(i) * classes + c;
            dlogits[at] = (probs[at] - (c == labels[i] ? on : off)) * inv_n;
        }
}

}  // namespace convpad
