// The arithmetic behind the plots (plot.h draws them with ImGui): "nice" axis ticks, a linear
// value <-> pixel scale, decimation of long series to one bucket per pixel column, and a few number
// formats. No ImGui here, so the native tests compile it. Positions are CSS pixels (ImGui's coordinates).
#pragma once
#include <string>
#include <vector>

namespace convpad::app::plot {

// [SECTION] Ticks
// Tick values at multiples of a 1, 2 or 5 x 10^k step, about `target` of them inside [lo, hi].
struct Ticks {
    double step = 1;
    std::vector<double> values;
};
Ticks nice_ticks(double lo, double hi, int target);
// Widens [lo, hi] outward to multiples of the nice step for `target` ticks and returns the ticks of
// that step, so the ends of the axis carry ticks. An empty or non-finite range becomes a small one.
Ticks nice_axis(double& lo, double& hi, int target);
// A tick label with as many decimals as `step` needs: "0.25", "2", "1500"; whole values from 10,000 on get
// thousands separators ("20,000").
std::string format_tick(double value, double step);

// [SECTION] Scale
// Maps [lo, hi] onto pixels [p0, p1] (p1 < p0 for a y axis that grows upward).
struct Scale {
    double lo = 0, hi = 1;
    float p0 = 0, p1 = 1;
    float to_px(double v) const { return p0 + float((v - lo) / (hi - lo)) * (p1 - p0); }
    double from_px(float p) const { return lo + double((p - p0) / (p1 - p0)) * (hi - lo); }
};

// [SECTION] Decimation
// Samples (x ascending) grouped by the pixel column their x falls in: per column the range of y
// and the mean, drawn as a min..max band plus a line through the means. Thousands of steps then
// cost at most a few vertices per column.
struct Bucket {
    float px;               // column centre
    float min, max, mean;   // of the y values in the column
};
// xs, ys: n samples; only samples whose column lies in [x.p0, x.p1] (after rounding) are kept.
std::vector<Bucket> decimate(const double* xs, const float* ys, int n, const Scale& x);

// [SECTION] Formats
std::string format_duration(double seconds);  // "mm:ss", "h:mm:ss"; "--:--" when unknown
std::string format_count(long long n);        // "10,000"

}  // namespace convpad::app::plot
