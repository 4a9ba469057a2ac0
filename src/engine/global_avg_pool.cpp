#include "engine/global_avg_pool.h"

namespace convpad {

void GlobalAvgPool::forward(const float* x, float* y, int n, bool) {
    const int plane = in_.h * in_.w;
    const long planes = long(n) * in_.c;
    for (long p = 0; p < planes; ++p) {
        const float* v = x + p * plane;
        float sum = 0.0f;
        for (int k = 0; k < plane; ++k) sum += v[k];
        y[p] = sum / float(plane);
    }
}

void GlobalAvgPool::backward(const float*, const float*, const float* dy, float* dx, int n) {
    if (!dx) return;
    const int plane = in_.h * in_.w;
    const long planes = long(n) * in_.c;
    for (long p = 0; p < planes; ++p) {
        const float share = dy[p] / float(plane);
        for (int k = 0; k < plane; ++k) dx[p * plane + k] = share;
    }
}

}  // namespace convpad
