#include "web/ui/pad_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace convpad::app {

namespace {
constexpr float kMinPointGap = 0.75f;  // buffer px: closer pointer positions add nothing
}  // namespace

// [SECTION] Rasteriser

void stamp_capsule(float* buf, PadPoint a, PadPoint b, float radius) {
    const float reach = radius + 0.5f;
    const int x0 = std::max(0, int(std::floor(std::min(a.x, b.x) - reach)));
    const int x1 = std::min(kPadSide - 1, int(std::ceil(std::max(a.x, b.x) + reach)));
    const int y0 = std::max(0, int(std::floor(std::min(a.y, b.y) - reach)));
    const int y1 = std::min(kPadSide - 1, int(std::ceil(std::max(a.y, b.y) + reach)));
    const float dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
    const float inv_len2 = len2 > 1e-12f ? 1.0f / len2 : 0.0f;
    const float reach2 = reach * reach;
    for (int y = y0; y <= y1; ++y) {
        const float py = float(y) + 0.5f - a.y;
        float* row = buf + std::size_t(y) * kPadSide;
        for (int x = x0; x <= x1; ++x) {
            const float px = float(x) + 0.5f - a.x;
            const float t = std::clamp((px * dx + py * dy) * inv_len2, 0.0f, 1.0f);
            const float ex = px - t * dx, ey = py - t * dy, d2 = ex * ex + ey * ey;
            if (d2 >= reach2) continue;
            const float coverage = std::min(1.0f, reach - std::sqrt(d2));
            if (coverage > row[x]) row[x] = coverage;
        }
    }
}

// Segment i of the stroke (points[i] -> points[i+1]) as a centripetal Catmull-Rom curve through its
// neighbours; a missing neighbour (stroke start, or the newest point while drawing) is mirrored, so
// the segment is final only once points[i+2] exists. A one-point stroke is a dot.
static void draw_segment(float* buf, const PadStroke& s, int i) {
    const std::vector<PadPoint>& p = s.points;
    const int n = int(p.size());
    if (n == 1) {
        stamp_capsule(buf, p[0], p[0], s.radius);
        return;
    }
    const PadPoint p1 = p[i], p2 = p[i + 1];
    const PadPoint p0 = i > 0 ? p[i - 1] : PadPoint{2 * p1.x - p2.x, 2 * p1.y - p2.y};
    const PadPoint p3 = i + 2 < n ? p[i + 2] : PadPoint{2 * p2.x - p1.x, 2 * p2.y - p1.y};
    auto knot = [](PadPoint a, PadPoint b) { return std::max(std::sqrt(std::hypot(b.x - a.x, b.y - a.y)), 1e-3f); };
    const float t0 = 0, t1 = t0 + knot(p0, p1), t2 = t1 + knot(p1, p2), t3 = t2 + knot(p2, p3);
    auto lerp = [](PadPoint a, PadPoint b, float ta, float tb, float t) {
        const float u = (t - ta) / (tb - ta);
        return PadPoint{a.x + (b.x - a.x) * u, a.y + (b.y - a.y) * u};
    };
    auto curve = [&](float t) {  // Barry-Goldman pyramid
        const PadPoint a1 = lerp(p0, p1, t0, t1, t), a2 = lerp(p1, p2, t1, t2, t), a3 = lerp(p2, p3, t2, t3, t);
        const PadPoint b1 = lerp(a1, a2, t0, t2, t), b2 = lerp(a2, a3, t1, t3, t);
        return lerp(b1, b2, t1, t2, t);
    };
    // Short pieces keep the polyline within a fraction of a pixel of the curve.
    const float chord = std::hypot(p2.x - p1.x, p2.y - p1.y);
    const int pieces = std::clamp(int(std::ceil(chord / std::max(2.0f, s.radius * 0.25f))), 1, 256);
    PadPoint from = p1;
    for (int k = 1; k <= pieces; ++k) {
        const PadPoint to = k == pieces ? p2 : curve(t1 + (t2 - t1) * float(k) / float(pieces));
        stamp_capsule(buf, from, to, s.radius);
        from = to;
    }
}

void draw_stroke(float* buf, const PadStroke& stroke) {
    const int segments = std::max(1, int(stroke.points.size()) - 1);
    for (int i = 0; i < segments; ++i) draw_segment(buf, stroke, i);
}

// [SECTION] Strokes in progress

void PadModel::begin_stroke(PadPoint p, float radius) {
    in_stroke_ = true;
    live_ = PadStroke{{p}, radius};
    live_final_ = 0;
    live_changed_ = true;
}

void PadModel::extend_stroke(PadPoint p) {
    const PadPoint last = live_.points.back();
    if (std::hypot(p.x - last.x, p.y - last.y) < kMinPointGap) return;
    live_.points.push_back(p);
    live_changed_ = true;
}

// Segment i is final once points[i+2] exists; the rest is drawn on a copy of settled_.
void PadModel::update_live() {
    if (!in_stroke_ || !live_changed_) return;
    live_changed_ = false;
    const int n = int(live_.points.size());
    for (; live_final_ <= n - 3; ++live_final_) draw_segment(settled_.data(), live_, live_final_);
    std::memcpy(image_.pixels.data(), settled_.data(), sizeof(float) * kPadPixels);
    if (n == 1) draw_segment(image_.pixels.data(), live_, 0);
    for (int i = live_final_; i <= n - 2; ++i) draw_segment(image_.pixels.data(), live_, i);
    image_changed();
}

void PadModel::end_stroke() {
    if (!in_stroke_) return;
    in_stroke_ = false;
    const int n = int(live_.points.size());
    if (n == 1) draw_segment(settled_.data(), live_, 0);
    for (; live_final_ <= n - 2; ++live_final_) draw_segment(settled_.data(), live_, live_final_);
    image_.pixels = settled_;
    history_.push_back(Entry{false, std::move(live_)});
    live_ = PadStroke{};
    ++strokes_since_clear_;
    image_changed();
}

// [SECTION] Clear and undo

void PadModel::replay() {
    std::fill(settled_.begin(), settled_.end(), 0.0f);
    std::size_t first = 0;
    for (std::size_t i = history_.size(); i-- > 0;)
        if (history_[i].is_clear) {
            first = i + 1;
            break;
        }
    strokes_since_clear_ = 0;
    for (std::size_t i = first; i < history_.size(); ++i) {
        draw_stroke(settled_.data(), history_[i].stroke);
        ++strokes_since_clear_;
    }
    image_.pixels = settled_;
    image_changed();
}

void PadModel::clear() {
    if (in_stroke_) {  // a stroke in progress is dropped, not kept
        in_stroke_ = false;
        live_ = PadStroke{};
        replay();
    }
    if (strokes_since_clear_ == 0) return;
    history_.push_back(Entry{true, {}});
    std::fill(settled_.begin(), settled_.end(), 0.0f);
    image_.pixels = settled_;
    strokes_since_clear_ = 0;
    image_changed();
}

bool PadModel::undo() {
    if (in_stroke_ || history_.empty()) return false;
    history_.pop_back();
    replay();
    return true;
}

// [SECTION] What the network receives

std::vector<const PadStroke*> PadModel::visible_strokes() const {
    std::vector<const PadStroke*> out;
    for (std::size_t i = history_.size(); i-- > 0 && !history_[i].is_clear;) out.push_back(&history_[i].stroke);
    std::reverse(out.begin(), out.end());
    if (in_stroke_) out.push_back(&live_);
    return out;
}

// Strokes `width` px thick after scaling: 2r * box_side / (extent + 2r) = width, so
// r = width * extent / (2 * (box_side - width)). Digits then look like MNIST's whatever the brush.
GrayImage PadModel::with_stroke_width(float width, int box_side) const {
    GrayImage out{kPadSide, kPadSide, std::vector<float>(kPadPixels, 0.0f)};
    const std::vector<const PadStroke*> strokes = visible_strokes();
    float x0 = kPadSide, y0 = kPadSide, x1 = 0, y1 = 0;
    for (const PadStroke* s : strokes)
        for (const PadPoint& p : s->points) x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
    if (strokes.empty() || x1 < x0) return out;
    const float extent = std::max(x1 - x0, y1 - y0);
    const float radius = std::clamp(width * extent / (2.0f * (float(box_side) - width)), kPadBrushMin * 0.5f, kPadBrushMax);
    for (const PadStroke* s : strokes) draw_stroke(out.pixels.data(), PadStroke{s->points, radius});
    return out;
}

std::vector<float> PadModel::network_input(const DatasetInfo& dataset) const {
    if (dataset.pad_stroke_width > 0)
        return preprocess_to_28x28(with_stroke_width(dataset.pad_stroke_width, dataset.box_side), 0.1f, dataset.box_side);
    return preprocess_to_28x28(image_, 0.1f, dataset.box_side);
}

}  // namespace convpad::app
