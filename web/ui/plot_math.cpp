#include "web/ui/plot_math.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace convpad::app::plot {

// [SECTION] Ticks

static double nice_step(double lo, double hi, int target) {
    const double raw = (hi - lo) / double(std::max(target, 1));
    if (!(raw > 0) || !std::isfinite(raw)) return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / magnitude;
    const double nice = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
    return nice * magnitude;
}

static Ticks ticks_with_step(double lo, double hi, double step) {
    Ticks t;
    t.step = step;
    if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo) return t;
    const double eps = step * 1e-6;
    for (double v = std::ceil((lo - eps) / step) * step; v <= hi + eps && t.values.size() < 100; v += step)
        t.values.push_back(std::abs(v) < eps ? 0.0 : v);
    return t;
}

Ticks nice_ticks(double lo, double hi, int target) { return ticks_with_step(lo, hi, nice_step(lo, hi, target)); }

Ticks nice_axis(double& lo, double& hi, int target) {
    if (!std::isfinite(lo)) lo = 0;
    if (!std::isfinite(hi) || hi <= lo) hi = lo + (lo == 0 ? 1 : std::abs(lo) * 0.1);
    const double step = nice_step(lo, hi, target);
    lo = std::floor(lo / step + 1e-9) * step;
    hi = std::ceil(hi / step - 1e-9) * step;
    return ticks_with_step(lo, hi, step);
}

std::string format_tick(double value, double step) {
    if (std::abs(value) < step * 1e-6) value = 0;  // no "-0"
    const int decimals = std::clamp(int(-std::floor(std::log10(step) + 1e-9)), 0, 8);
    if (decimals == 0 && std::abs(value) >= 10000) return format_count((long long)std::llround(value));
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

// [SECTION] Decimation

std::vector<Bucket> decimate(const double* xs, const float* ys, int n, const Scale& x) {
    std::vector<Bucket> out;
    const float left = std::floor(std::min(x.p0, x.p1)), right = std::ceil(std::max(x.p0, x.p1));
    int column = 0, count = 0;
    double sum = 0;
    Bucket b{};
    auto flush = [&] {
        if (count == 0) return;
        b.mean = float(sum / count);
        out.push_back(b);
    };
    for (int i = 0; i < n; ++i) {
        const float y = ys[i];
        if (!std::isfinite(y)) continue;
        const float px = x.to_px(xs[i]);
        if (px < left || px > right + 1) continue;
        const int c = int(std::floor(px));
        if (count == 0 || c != column) {
            flush();
            column = c, count = 0, sum = 0;
            b = Bucket{float(c) + 0.5f, y, y, y};
        }
        b.min = std::min(b.min, y);
        b.max = std::max(b.max, y);
        sum += y;
        ++count;
    }
    flush();
    return out;
}

// [SECTION] Formats

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "--:--";
    const long long s = std::llround(seconds);
    char text[32];
    if (s >= 3600) std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(text, sizeof text, "%02lld:%02lld", s / 60, s % 60);
    return text;
}

std::string format_count(long long n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

}  // namespace convpad::app::plot
