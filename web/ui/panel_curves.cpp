// The live curves panel (middle top): training loss per optimiser step (raw, faint, and smoothed
// with TensorBoard's debiased EMA) on the left axis, validation loss per epoch on the same axis and
// validation accuracy per epoch on a right axis, and the learning rate of every step scaled to the plot's
// height (its own scale, 0 to the run's highest rate; values in the tooltip). The x axis spans the planned run, so the curves
// grow left to right and epochs stay where they are. Long runs are decimated to one bucket per
// pixel column (plot.h); hovering shows a cursor line and the values under it.
#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "web/ui/app.h"
#include "web/ui/plot.h"
#include "web/ui/widgets.h"

namespace convpad::app {

namespace {

constexpr ImU32 kRawColor = IM_COL32(77, 141, 246, 60);
constexpr ImU32 kRawLineColor = IM_COL32(77, 141, 246, 95);
constexpr ImU32 kSmoothColor = IM_COL32(96, 156, 250, 255);
constexpr ImU32 kValLossColor = IM_COL32(245, 158, 66, 255);
constexpr ImU32 kRateColor = IM_COL32(176, 120, 230, 170);
constexpr float kMarkerRadius = 3.5f;
constexpr float kSnapPixels = 10;  // the cursor snaps to an epoch marker this close

struct Options {
    float smoothing = 0.95f;   // EMA weight of the previous value; 0 = raw
    bool show_raw = true;
    bool accuracy_full_range = false;  // right axis 0..1 instead of fitted to the data
};
Options g_options;

// TensorBoard's smoothing: an EMA debiased for its zero start, so the first values are not pulled to 0.
std::vector<float> smooth(const std::vector<LossPoint>& points, float weight) {
    std::vector<float> out(points.size());
    double last = 0, debias = 1;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const double v = points[i].loss;
        if (!std::isfinite(v)) {
            out[i] = i ? out[i - 1] : 0.0f;
            continue;
        }
        last = last * weight + (1.0 - weight) * v;
        debias *= weight;
        out[i] = weight > 0 ? float(last / (1.0 - debias)) : float(v);
    }
    return out;
}

std::string percent_text(double fraction, int decimals) {
    char text[16];
    std::snprintf(text, sizeof text, "%.*f%%", decimals, 100.0 * fraction);
    return text;
}

// Legend entries and the smoothing slider, flowing onto a second line when the panel is narrow.
void draw_header() {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float right = ImGui::GetWindowContentRegionMax().x;
    const float swatch_w = std::round(ImGui::GetTextLineHeight() * 1.2f) + 4.0f;
    bool first = true;
    auto place = [&](float width, float gap) {  // SameLine when the item fits on the current line
        if (!first) {
            ImGui::SameLine(0, gap);
            if (ImGui::GetCursorPosX() + width > right) ImGui::NewLine();
        }
        first = false;
    };
    struct Entry { ImU32 color; const char* name; bool line; };
    const Entry entries[] = {{kRawLineColor, "loss per step", true}, {kSmoothColor, "smoothed", true},
                             {kValLossColor, "val loss", false}, {colors::right(), "val accuracy", false},
                             {kRateColor, "learning rate", true}};
    ImGui::AlignTextToFramePadding();
    for (const Entry& e : entries) {
        place(swatch_w + ImGui::CalcTextSize(e.name).x, 14);
        plot::legend_item(e.color, e.name, e.line);
    }

    const float slider_w = 110, label_w = ImGui::CalcTextSize("smoothing").x + style.ItemSpacing.x;
    place(label_w + slider_w, 14);
    if (ImGui::GetCursorPosX() < right - slider_w - label_w) ImGui::SetCursorPosX(right - slider_w - label_w);
    ImGui::TextDisabled("smoothing");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(slider_w);
    ImGui::SliderFloat("##smoothing", &g_options.smoothing, 0.0f, 0.99f, "%.2f", ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Weight of the exponential moving average (0 = no smoothing)");
}

// The series of one run, in plot units.
struct Series {
    std::vector<double> steps;     // x of every loss point
    std::vector<float> raw, smooth;
    std::vector<float> rate;       // learning rate of every step
    float rate_min = INFINITY, rate_max = 0;
    const std::vector<EpochReport>* epochs = nullptr;
    long steps_per_epoch = 0;
    double x_max = 1;
    bool has_val = false;
};

Series collect(const EngineView& engine) {
    Series s;
    const std::vector<LossPoint>& losses = engine.losses();
    const RunStatus& run = engine.status();
    s.epochs = &engine.epochs();
    s.steps.reserve(losses.size());
    s.raw.reserve(losses.size());
    for (const LossPoint& p : losses) {
        s.steps.push_back(double(p.step));
        s.raw.push_back(p.loss);
        s.rate.push_back(p.learning_rate);
        if (!std::isfinite(p.learning_rate)) continue;
        s.rate_min = std::min(s.rate_min, p.learning_rate);
        s.rate_max = std::max(s.rate_max, p.learning_rate);
    }
    s.smooth = smooth(losses, g_options.smoothing);
    const long last_step = losses.empty() ? 0 : losses.back().step;
    if (run.has_run) s.steps_per_epoch = run.steps_per_epoch;
    else if (!s.epochs->empty()) s.steps_per_epoch = std::max(1L, last_step / long(s.epochs->size()));
    // Until the run ends, the axis spans the planned run; afterwards just what happened (early stop).
    const bool running = run.phase == Phase::Training || run.phase == Phase::Paused;
    double planned = last_step;
    if (run.has_run && running) planned = double(run.epochs) * double(s.steps_per_epoch);
    else if (run.has_run) planned = std::max<double>(last_step, double(s.epochs->size()) * double(s.steps_per_epoch));
    s.x_max = std::max(1.0, planned);
    for (const EpochReport& e : *s.epochs) s.has_val |= std::isfinite(e.val_loss);
    return s;
}

double epoch_x(const Series& s, int epoch) { return double(epoch) * double(s.steps_per_epoch); }

void draw_tooltip(const Series& s, int step_index, int epoch_index) {
    ImGui::BeginTooltip();
    if (step_index >= 0) {
        const long step = long(s.steps[std::size_t(step_index)]);
        if (s.steps_per_epoch > 0) {
            const long epoch = (step - 1) / s.steps_per_epoch + 1, in_epoch = (step - 1) % s.steps_per_epoch + 1;
            ImGui::Text("step %s  (epoch %ld, step %s of %s)", plot::format_count(step).c_str(), epoch,
                        plot::format_count(in_epoch).c_str(), plot::format_count(s.steps_per_epoch).c_str());
        } else {
            ImGui::Text("step %s", plot::format_count(step).c_str());
        }
        ImGui::TextColored(to_vec4(kSmoothColor), "loss %.4f", double(s.raw[std::size_t(step_index)]));
        ImGui::SameLine();
        ImGui::TextDisabled("smoothed %.4f", double(s.smooth[std::size_t(step_index)]));
        if (std::isfinite(s.rate[std::size_t(step_index)]))
            ImGui::TextColored(to_vec4(kRateColor | 0xFF000000u), "learning rate %.3g", double(s.rate[std::size_t(step_index)]));
    }
    if (epoch_index >= 0) {
        const EpochReport& e = (*s.epochs)[std::size_t(epoch_index)];
        if (step_index >= 0) ImGui::Separator();
        ImGui::Text("end of epoch %d%s", e.epoch, e.improved ? "  (best so far)" : "");
        if (std::isfinite(e.val_loss)) {
            ImGui::TextColored(to_vec4(kValLossColor), "val loss %.4f", e.val_loss);
            ImGui::SameLine();
            ImGui::TextColored(to_vec4(colors::right()), "val accuracy %s", percent_text(e.val_accuracy, 2).c_str());
        } else {
            ImGui::TextDisabled("no validation set");
        }
        ImGui::TextDisabled("train loss %.4f, train accuracy %s, lr %.2g", e.train_loss,
                            percent_text(e.train_accuracy, 2).c_str(), double(e.learning_rate));
    }
    ImGui::TextDisabled("Right-click for plot options");
    ImGui::EndTooltip();
}

void draw_plot(const Series& s, ImVec2 origin, ImVec2 size) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float line = ImGui::GetTextLineHeight();
    const std::vector<EpochReport>& epochs = *s.epochs;

    // [SECTION] Ranges
    double loss_hi = 0;
    for (float v : s.smooth) loss_hi = std::max(loss_hi, double(v));
    double raw_hi = 0;
    for (float v : s.raw)
        if (std::isfinite(v)) raw_hi = std::max(raw_hi, double(v));
    // Raw spikes may go above the frame rather than squash everything else.
    loss_hi = std::max(loss_hi, std::min(raw_hi, loss_hi * 1.25));
    double acc_lo = 1, acc_hi = 1;
    for (const EpochReport& e : epochs) {
        if (std::isfinite(e.val_loss)) loss_hi = std::max(loss_hi, e.val_loss);
        if (std::isfinite(e.val_accuracy)) acc_lo = std::min(acc_lo, e.val_accuracy);
    }
    double loss_lo = 0;
    if (!(loss_hi > 0)) loss_hi = 1;
    const plot::Ticks loss_ticks = plot::nice_axis(loss_lo, loss_hi, 5);
    acc_lo = g_options.accuracy_full_range || acc_lo >= 1 ? 0.0 : std::max(0.0, std::floor(acc_lo * 10 - 0.5) / 10);
    const plot::Ticks acc_ticks = plot::nice_ticks(acc_lo, acc_hi, 5);

    // [SECTION] Frame: margins fit the tick labels
    float left_w = 0;
    for (double v : loss_ticks.values) left_w = std::max(left_w, ImGui::CalcTextSize(plot::format_tick(v, loss_ticks.step).c_str()).x);
    const float right_w = ImGui::CalcTextSize("100%").x;
    const ImVec2 p0(origin.x + left_w + 8, origin.y + line + 4);
    const ImVec2 p1(origin.x + size.x - right_w - 8, origin.y + size.y - 2 * line - 6);
    if (p1.x - p0.x < 40 || p1.y - p0.y < 30) return;
    const plot::Scale x{0, s.x_max, p0.x, p1.x};
    const plot::Scale y{loss_lo, loss_hi, p1.y, p0.y};
    const plot::Scale ya{acc_lo, acc_hi, p1.y, p0.y};
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_TextDisabled);

    draw->AddRectFilled(p0, p1, colors::well());
    for (double v : loss_ticks.values) {
        const float py = std::round(y.to_px(v)) + 0.5f;
        draw->AddLine(ImVec2(p0.x, py), ImVec2(p1.x, py), colors::ink(16));
        const std::string label = plot::format_tick(v, loss_ticks.step);
        plot::add_text_right(draw, ImVec2(p0.x - 5, py - line * 0.5f), text, label.c_str());
    }
    if (s.has_val)
        for (double v : acc_ticks.values) {
            const float py = std::round(ya.to_px(v)) + 0.5f;
            draw->AddLine(ImVec2(p1.x, py), ImVec2(p1.x + 3, py), colors::ink(70));
            const std::string label = percent_text(v, acc_ticks.step < 0.01 ? 1 : 0);
            draw->AddText(ImVec2(p1.x + 5, py - line * 0.5f), colors::right(), label.c_str());
        }
    const plot::Ticks x_ticks = plot::nice_ticks(0, s.x_max, std::max(2, int((p1.x - p0.x) / 80)));
    for (double v : x_ticks.values) {
        const float px = std::round(x.to_px(v)) + 0.5f;
        draw->AddLine(ImVec2(px, p1.y), ImVec2(px, p1.y + 3), colors::ink(70));
        const std::string label = plot::format_tick(v, x_ticks.step);
        const float w = ImGui::CalcTextSize(label.c_str()).x;
        draw->AddText(ImVec2(std::min(px - w * 0.5f, p1.x - w), p1.y + 4), text, label.c_str());
    }
    // Axis titles: loss above the left axis, accuracy above the right one, steps under the middle.
    draw->AddText(ImVec2(origin.x, origin.y), text, "loss");
    if (s.has_val) plot::add_text_right(draw, ImVec2(origin.x + size.x, origin.y), colors::right(), "val accuracy");
    const char* x_title = "optimiser step";
    draw->AddText(ImVec2(std::round((p0.x + p1.x - ImGui::CalcTextSize(x_title).x) * 0.5f), p1.y + line + 5), text, x_title);

    // Epoch boundaries, each epoch's span labelled when there is room.
    if (s.steps_per_epoch > 0) {
        const int planned_epochs = int(std::ceil(s.x_max / double(s.steps_per_epoch) - 1e-9));
        const float span = float(s.steps_per_epoch) / float(s.x_max) * (p1.x - p0.x);
        for (int e = 1; e <= planned_epochs; ++e) {
            const float right = x.to_px(epoch_x(s, e)), left = x.to_px(epoch_x(s, e - 1));
            if (e < planned_epochs) draw->AddLine(ImVec2(std::round(right) + 0.5f, p0.y), ImVec2(std::round(right) + 0.5f, p1.y), colors::ink(30));
            char label[24];
            std::snprintf(label, sizeof label, span > 70 ? "epoch %d" : "%d", e);
            const float w = ImGui::CalcTextSize(label).x;
            if (w + 6 < span && planned_epochs > 1)
                draw->AddText(ImVec2(std::round((left + std::min(right, p1.x) - w) * 0.5f), p0.y + 2),
                              colors::ink(60), label);
        }
    }
    draw->AddLine(ImVec2(p0.x, p1.y + 0.5f), ImVec2(p1.x, p1.y + 0.5f), colors::ink(70));
    draw->AddLine(ImVec2(p0.x - 0.5f, p0.y), ImVec2(p0.x - 0.5f, p1.y), colors::ink(70));
    if (s.has_val) draw->AddLine(ImVec2(p1.x + 0.5f, p0.y), ImVec2(p1.x + 0.5f, p1.y), colors::ink(70));

    // [SECTION] Curves
    draw->PushClipRect(p0, p1, true);
    const int n = int(s.steps.size());
    if (n > 0 && s.rate_max > s.rate_min) {  // under the loss curves: the rate on its own scale, once it has moved
        const plot::Scale yr{0.0, double(s.rate_max) / 0.85, p1.y, p0.y};  // its peak under the epoch labels
        std::vector<ImVec2> pts;
        for (const plot::Bucket& b : plot::decimate(s.steps.data(), s.rate.data(), n, x)) pts.emplace_back(b.px, yr.to_px(b.mean));
        if (pts.size() > 1) draw->AddPolyline(pts.data(), int(pts.size()), kRateColor, 0, 1.5f);
    }
    if (n > 0) {
        if (g_options.show_raw) {
            const std::vector<plot::Bucket> raw = plot::decimate(s.steps.data(), s.raw.data(), n, x);
            for (const plot::Bucket& b : raw) {
                const float top = y.to_px(b.max), bottom = std::max(y.to_px(b.min), top + 1.0f);
                draw->AddRectFilled(ImVec2(b.px - 0.5f, top), ImVec2(b.px + 0.5f, bottom), kRawColor);
            }
            std::vector<ImVec2> pts;
            for (const plot::Bucket& b : raw) pts.emplace_back(b.px, y.to_px(b.mean));
            if (pts.size() > 1) draw->AddPolyline(pts.data(), int(pts.size()), kRawLineColor, 0, 1.0f);
        }
        std::vector<ImVec2> pts;
        for (const plot::Bucket& b : plot::decimate(s.steps.data(), s.smooth.data(), n, x)) pts.emplace_back(b.px, y.to_px(b.mean));
        if (pts.size() > 1) draw->AddPolyline(pts.data(), int(pts.size()), kSmoothColor, 0, 2.0f);
        else if (pts.size() == 1) draw->AddCircleFilled(pts[0], 2.5f, kSmoothColor);
    }
    // Validation: markers at the end of each epoch, joined by thin lines.
    auto epoch_series = [&](double EpochReport::*field, const plot::Scale& scale, ImU32 color) {
        std::vector<ImVec2> pts;
        for (const EpochReport& e : epochs)
            if (std::isfinite(e.*field)) pts.emplace_back(x.to_px(epoch_x(s, e.epoch)), scale.to_px(e.*field));
        if (pts.size() > 1) draw->AddPolyline(pts.data(), int(pts.size()), (color & 0x00FFFFFF) | (150u << 24), 0, 1.5f);
        for (const ImVec2& p : pts) draw->AddCircleFilled(p, kMarkerRadius, color, 12);
    };
    draw->PopClipRect();
    // Markers may stick out of the frame by their radius (the last epoch sits on the right edge).
    draw->PushClipRect(ImVec2(p0.x - kMarkerRadius - 1, p0.y - kMarkerRadius - 1), ImVec2(p1.x + kMarkerRadius + 1, p1.y + kMarkerRadius + 1), true);
    epoch_series(&EpochReport::val_loss, y, kValLossColor);
    epoch_series(&EpochReport::val_accuracy, ya, colors::right());
    draw->PopClipRect();

    // [SECTION] Hover: a cursor line at the nearest step (or epoch marker) and a tooltip
    ImGui::SetCursorScreenPos(p0);
    ImGui::InvisibleButton("plot-area", ImVec2(p1.x - p0.x, p1.y - p0.y));
    if (ImGui::BeginPopupContextItem("plot-menu")) {
        ImGui::MenuItem("Show raw loss per step", nullptr, &g_options.show_raw);
        ImGui::MenuItem("Accuracy axis from 0%", nullptr, &g_options.accuracy_full_range);
        ImGui::EndPopup();
    }
    if (!ImGui::IsItemHovered() || (n == 0 && epochs.empty())) return;
    const float mouse_x = ImGui::GetIO().MousePos.x;
    int epoch_index = -1;
    float best = kSnapPixels;
    for (std::size_t i = 0; i < epochs.size(); ++i) {
        const float d = std::abs(x.to_px(epoch_x(s, epochs[i].epoch)) - mouse_x);
        if (d <= best) best = d, epoch_index = int(i);
    }
    int step_index = -1;
    if (n > 0) {
        const double at = epoch_index >= 0 ? epoch_x(s, epochs[std::size_t(epoch_index)].epoch) : x.from_px(mouse_x);
        const auto it = std::lower_bound(s.steps.begin(), s.steps.end(), at);
        step_index = int(it - s.steps.begin());
        if (step_index == n || (step_index > 0 && at - s.steps[std::size_t(step_index) - 1] < s.steps[std::size_t(step_index)] - at))
            --step_index;
        // Past the last point of a running run: nothing to read there.
        if (epoch_index < 0 && std::abs(x.to_px(s.steps[std::size_t(step_index)]) - mouse_x) > kSnapPixels * 2) step_index = -1;
    }
    if (step_index < 0 && epoch_index < 0) return;
    const float cx = epoch_index >= 0 ? x.to_px(epoch_x(s, epochs[std::size_t(epoch_index)].epoch))
                                      : x.to_px(s.steps[std::size_t(step_index)]);
    draw->AddLine(ImVec2(std::round(cx) + 0.5f, p0.y), ImVec2(std::round(cx) + 0.5f, p1.y), colors::ink(110));
    draw->PushClipRect(ImVec2(p0.x - 8, p0.y - 8), ImVec2(p1.x + 8, p1.y + 8), true);
    if (step_index >= 0) {
        draw->AddCircleFilled(ImVec2(cx, y.to_px(s.smooth[std::size_t(step_index)])), 3.5f, kSmoothColor, 12);
        if (g_options.show_raw) draw->AddCircle(ImVec2(cx, y.to_px(s.raw[std::size_t(step_index)])), 3.0f, kRawLineColor, 12);
    }
    if (epoch_index >= 0) {
        const EpochReport& e = epochs[std::size_t(epoch_index)];
        if (std::isfinite(e.val_loss)) draw->AddCircle(ImVec2(cx, y.to_px(e.val_loss)), kMarkerRadius + 3, kValLossColor, 16, 1.5f);
        if (std::isfinite(e.val_accuracy)) draw->AddCircle(ImVec2(cx, ya.to_px(e.val_accuracy)), kMarkerRadius + 3, colors::right(), 16, 1.5f);
    }
    draw->PopClipRect();
    // The epoch the hovered step belongs to, once it has finished.
    if (epoch_index < 0 && step_index >= 0 && s.steps_per_epoch > 0) {
        const long e = (long(s.steps[std::size_t(step_index)]) - 1) / s.steps_per_epoch;
        if (e < long(epochs.size())) epoch_index = int(e);
    }
    draw_tooltip(s, step_index, epoch_index);
}

void draw_empty(const EngineView& engine, ImVec2 origin, ImVec2 size) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), colors::well());
    const Phase phase = engine.phase();
    const char* message = engine.data_on_demand()    ? "Press Start to train (the data set downloads first). Curves appear here."
                          : phase == Phase::Loading  ? "Loading the data set; then press Start to train. Curves appear here."
                          : phase == Phase::Training ? "Training: the first steps appear here in a moment."
                                                     : "Press Start to train; curves appear here.";
    const ImVec2 text_size = ImGui::CalcTextSize(message);
    draw->AddText(ImVec2(std::round(origin.x + (size.x - text_size.x) * 0.5f), std::round(origin.y + (size.y - text_size.y) * 0.5f)),
                  ImGui::GetColorU32(ImGuiCol_TextDisabled), message);
}

}  // namespace

void panel_curves(const Rect& area) {
    ImGui::SetNextWindowPos(ImVec2(area.x, area.y));
    ImGui::SetNextWindowSize(ImVec2(area.w, area.h));
    ImGui::Begin("Training curves", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoScrollbar |
                                                 ImGuiWindowFlags_NoScrollWithMouse);
    try {
        const EngineView& view = engine();
        draw_header();
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const ImVec2 size(avail.x, std::max(avail.y, 60.0f));
        if (view.losses().empty() && view.epochs().empty()) draw_empty(view, origin, size);
        else draw_plot(collect(view), origin, size);
    } catch (const std::exception& e) {
        notify(e.what(), true);
    }
    ImGui::End();
}

}  // namespace convpad::app
