// The Evaluation tab (bottom middle): the current model on the 10,000 test images. A summary line,
// then one grid whose rows are the true classes: the 10x10 confusion-matrix heatmap (columns: the
// predicted class) followed by the class's precision, recall, F1 and support, with macro and
// weighted averages underneath. Clicking a cell shows the test images in it, beside the grid when
// there is room, else in a floating window.
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

constexpr int kMaxThumbnails = 60;
constexpr float kMinCell = 20, kMaxCell = 44;
constexpr float kThumbGap = 4;

struct Cell {
    int truth = -1, predicted = -1;
    bool valid() const { return truth >= 0 && predicted >= 0; }
    bool operator==(const Cell& o) const { return truth == o.truth && predicted == o.predicted; }
};

struct State {
    Cell selected;
    long run_id = -1;            // the selection belongs to this run's evaluation
    bool floating_open = false;  // the floating window of the selected cell (narrow layouts)
    bool place_floating = false; // position it near the mouse on the next frame
    int tooltip_index = -1;      // test image whose prediction the tooltip shows
    Prediction tooltip_prediction;
};
State g_state;

ImU32 with_alpha(ImU32 color, float alpha) {
    return (color & 0x00FFFFFFu) | (ImU32(std::clamp(alpha, 0.0f, 1.0f) * 255.0f + 0.5f) << 24);
}

std::string fixed(double value, int decimals) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

void start_evaluation() { command("evaluate"); }

const char* why_cannot_evaluate(Phase phase) {
    switch (phase) {
        case Phase::Loading: return "The data set is still loading.";
        case Phase::Training: return "Training is running: let it finish, or pause and reset it.";
        case Phase::Paused: return "A run is paused: resume it to the end, or reset it.";
        case Phase::Evaluating: return "Evaluating...";
        case Phase::Idle: return nullptr;
    }
    return nullptr;
}

// [SECTION] Images of one cell

std::vector<int> images_in_cell(const EngineView& engine, Cell cell) {
    std::vector<int> out;
    const Dataset& test = engine.test_set();
    const std::vector<std::uint8_t>& predicted = engine.test_predictions();
    const int n = std::min(test.count(), int(predicted.size()));
    for (int i = 0; i < n; ++i)
        if (test.labels[std::size_t(i)] == cell.truth && predicted[std::size_t(i)] == cell.predicted) out.push_back(i);
    return out;
}

// A grid of thumbnails filling the content width, one child window per row (each thumbnail is one
// textured quad from the widgets.h atlas, rectangles only when the atlas is full).
void draw_thumbnails(EngineView& view, Cell cell) {
    const std::vector<int> indices = images_in_cell(view, cell);
    const bool correct = cell.truth == cell.predicted;
    ImGui::TextColored(to_vec4(correct ? colors::right() : colors::wrong()), "%s", correct ? "correct" : "mistaken");
    ImGui::SameLine();
    ImGui::Text("true %s, predicted %s: %s image%s", class_name(cell.truth),
                class_name(cell.predicted), plot::format_count(long(indices.size())).c_str(),
                indices.size() == 1 ? "" : "s");
    if (indices.empty()) {
        ImGui::TextDisabled("No test image landed in this cell.");
        return;
    }
    const float avail = ImGui::GetContentRegionAvail().x;
    const float side = avail > 420 ? 2.0f * kImageSide : 1.5f * kImageSide;
    const int per_row = std::max(1, int((avail + kThumbGap) / (side + kThumbGap)));
    const int shown = std::min<int>(int(indices.size()), kMaxThumbnails);
    const Dataset& test = view.test_set();
    for (int row = 0; row * per_row < shown; ++row) {
        ImGui::PushID(row);
        ImGui::BeginChild("thumbs", ImVec2(avail, side + 2), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
        ImDrawList* draw = ImGui::GetWindowDrawList();
        for (int k = row * per_row; k < std::min(shown, (row + 1) * per_row); ++k) {
            const int index = indices[std::size_t(k)];
            const ImVec2 pos = ImGui::GetCursorScreenPos();
            ImGui::PushID(k);
            ImGui::InvisibleButton("image", ImVec2(side, side));
            ImGui::PopID();
            draw_gray_image(draw, pos, side, test.image(index));
            const bool hovered = ImGui::IsItemHovered();
            draw->AddRect(pos, ImVec2(pos.x + side, pos.y + side), hovered ? colors::accent() : colors::frame());
            if (hovered) {
                // The current model's probabilities for this image (the model is the evaluated one:
                // any change to it clears the evaluation).
                if (g_state.tooltip_index != index) {
                    g_state.tooltip_prediction = view.classify(test.image(index));
                    g_state.tooltip_index = index;
                }
                ImGui::BeginTooltip();
                ImGui::Text("test image #%s", plot::format_count(index).c_str());
                const ImVec2 at = ImGui::GetCursorScreenPos();
                draw_gray_image(ImGui::GetWindowDrawList(), at, 4.0f * kImageSide, test.image(index));
                ImGui::Dummy(ImVec2(4.0f * kImageSide, 4.0f * kImageSide));
                ImGui::Dummy(ImVec2(std::max(4.0f * kImageSide, class_name_width() * 3.2f), 0));  // room for the bars
                const auto order = classes_by_probability(g_state.tooltip_prediction.probs);
                probability_bars(g_state.tooltip_prediction.probs, order.data(), 3, g_state.tooltip_prediction.label,
                                 cell.truth);
                ImGui::EndTooltip();
            }
            if (k + 1 < std::min(shown, (row + 1) * per_row)) ImGui::SameLine(0, kThumbGap);
        }
        ImGui::EndChild();
        ImGui::PopID();
    }
    if (int(indices.size()) > shown)
        ImGui::TextDisabled("+%s more", plot::format_count(long(indices.size()) - shown).c_str());
}

// [SECTION] Confusion matrix and per-class report

struct GridLayout {
    float label_w, header_h, cell, metric_w, row_h_extra, width, height;
    int metrics;                  // metric columns shown: precision, recall, F1 and (when there is room) support
    bool upright_metric_headers;  // narrow: "Precision" ... turned like the class names
};

// Tries, widest first: metric headers level; headers upright; without the support column (the
// cell tooltip still tells it). Takes the first with cells of at least kComfortableCell pixels.
GridLayout layout_grid(float avail_w, float avail_h) {
    constexpr float kComfortableCell = 24;
    const float line = ImGui::GetTextLineHeight();
    GridLayout g;
    g.label_w = class_name_width() + 10;
    g.header_h = class_name_width() + 8;  // predicted class names, turned upright
    g.row_h_extra = line + 8;              // macro / weighted rows
    const float fixed_h = g.header_h + 2 * g.row_h_extra + 6;
    const float by_h = (avail_h - fixed_h) / kNumClasses;
    const float wide_metric = std::max(ImGui::CalcTextSize("Precision").x, ImGui::CalcTextSize("10,000").x) + 12;
    const float narrow_metric = ImGui::CalcTextSize("10,000").x + 8;
    const struct { float metric_w; int metrics; bool upright; } tiers[] = {
        {wide_metric, 4, false}, {narrow_metric, 4, true}, {narrow_metric, 3, true}};
    for (const auto& tier : tiers) {
        g.metric_w = tier.metric_w;
        g.metrics = tier.metrics;
        g.upright_metric_headers = tier.upright;
        const float fixed_w = g.label_w + 12 + float(g.metrics) * g.metric_w;
        const float by_w = (avail_w - fixed_w) / kNumClasses;
        g.cell = std::floor(std::clamp(std::min(by_w, by_h), kMinCell, kMaxCell));
        g.width = fixed_w + g.cell * kNumClasses;
        if (by_w >= kComfortableCell) break;
    }
    g.height = fixed_h + g.cell * kNumClasses;
    return g;
}

// Draws the grid at the cursor; returns the cell clicked this frame (or an invalid one).
Cell draw_grid(const Evaluation& e, const GridLayout& g, Cell selected) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const float line = ImGui::GetTextLineHeight();
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const ImVec2 m0(o.x + g.label_w, o.y + g.header_h);  // matrix top-left
    const float matrix_w = g.cell * kNumClasses;
    const float metrics_x = m0.x + matrix_w + 12;

    // Hit test first so the hover bands draw under the cells.
    ImGui::InvisibleButton("confusion", ImVec2(g.width, g.height));
    const bool hovered_item = ImGui::IsItemHovered();
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    int hover_row = -1, hover_col = -1;
    if (hovered_item) {
        const int r = int(std::floor((mouse.y - m0.y) / g.cell));
        const int c = int(std::floor((mouse.x - m0.x) / g.cell));
        if (r >= 0 && r < kNumClasses && mouse.y >= m0.y) {
            hover_row = r;
            if (c >= 0 && c < kNumClasses && mouse.x >= m0.x) hover_col = c;
        }
    }
    Cell clicked;
    if (hover_row >= 0 && hover_col >= 0 && e.at(hover_row, hover_col) > 0 && ImGui::IsItemClicked(ImGuiMouseButton_Left))
        clicked = {hover_row, hover_col};

    // Axis titles in the corner: "predicted" over the columns, "true" over the row labels.
    draw->AddText(ImVec2(o.x, m0.y - line - 2), dim, "true class");
    plot::add_text_right(draw, ImVec2(m0.x - 6, o.y), dim, "predicted");

    // Metric headers, right-aligned over their columns.
    const char* headers[] = {"Precision", "Recall", "F1", "Support"};
    for (int k = 0; k < g.metrics; ++k) {
        const float right = metrics_x + g.metric_w * float(k + 1);
        if (g.upright_metric_headers) plot::add_text_vertical(draw, ImVec2(right - line - 2, m0.y - 4), dim, headers[k]);
        else plot::add_text_right(draw, ImVec2(right, m0.y - line - 2), dim, headers[k]);
    }

    // Hover bands: the row across labels, cells and metrics; the column up to its label.
    if (hover_row >= 0)
        draw->AddRectFilled(ImVec2(o.x, m0.y + g.cell * hover_row), ImVec2(o.x + g.width, m0.y + g.cell * (hover_row + 1)), colors::ink(14));
    if (hover_col >= 0)
        draw->AddRectFilled(ImVec2(m0.x + g.cell * hover_col, o.y), ImVec2(m0.x + g.cell * (hover_col + 1), m0.y + matrix_w), colors::ink(14));

    // Column labels: predicted class names, upright, ending just above the matrix.
    for (int c = 0; c < kNumClasses; ++c) {
        const float x = m0.x + g.cell * c + std::floor((g.cell - line) * 0.5f);
        plot::add_text_vertical(draw, ImVec2(x, m0.y - 4), c == hover_col ? text : dim, class_name(c));
    }

    // Cells: diagonal blue, mistakes red; strength by share of the true class (square root, so the
    // small mistakes stay visible next to the big diagonal).
    const float font_size = ImGui::GetFontSize() * (g.cell < 30 ? 0.8f : 0.9f);
    ImFont* font = ImGui::GetFont();
    for (int r = 0; r < kNumClasses; ++r) {
        const ClassReport& cr = e.per_class[std::size_t(r)];
        const float y = m0.y + g.cell * r;
        const float text_y = y + std::floor((g.cell - line) * 0.5f);
        plot::add_text_right(draw, ImVec2(m0.x - 6, text_y), r == hover_row ? text : dim, class_name(r));
        for (int c = 0; c < kNumClasses; ++c) {
            const long count = e.at(r, c);
            const float share = cr.support > 0 ? float(count) / float(cr.support) : 0.0f;
            const ImVec2 a(m0.x + g.cell * c, y), b(a.x + g.cell, a.y + g.cell);
            const float strength = r == c ? share : std::sqrt(share);
            if (count > 0) draw->AddRectFilled(ImVec2(a.x + 1, a.y + 1), ImVec2(b.x - 1, b.y - 1),
                                               with_alpha(r == c ? colors::accent() : colors::wrong(), 0.12f + 0.88f * strength));
            else draw->AddRectFilled(ImVec2(a.x + 1, a.y + 1), ImVec2(b.x - 1, b.y - 1), colors::ink(8));
            const std::string label = std::to_string(count);
            const ImVec2 ts = font->CalcTextSizeA(font_size, FLT_MAX, 0, label.c_str());
            draw->AddText(font, font_size, ImVec2(std::round(a.x + (g.cell - ts.x) * 0.5f), std::round(a.y + (g.cell - ts.y) * 0.5f)),
                          count > 0 ? text : colors::ink(50), label.c_str());
            if (Cell{r, c} == selected) draw->AddRect(ImVec2(a.x, a.y), b, colors::ink(255), 0, 0, 2.0f);
            else if (r == hover_row && c == hover_col) draw->AddRect(ImVec2(a.x, a.y), b, colors::ink(160));
        }
        // The class's report, coloured by F1 from red (bad) to neutral.
        const std::string values[] = {fixed(cr.precision, 3), fixed(cr.recall, 3), fixed(cr.f1, 3),
                                      plot::format_count(cr.support)};
        for (int k = 0; k < g.metrics; ++k)
            plot::add_text_right(draw, ImVec2(metrics_x + g.metric_w * float(k + 1), text_y),
                                 k == 2 && cr.f1 < 0.75 ? colors::wrong() : text, values[std::size_t(k)].c_str());
        if (r > 0) draw->AddLine(ImVec2(metrics_x, y), ImVec2(metrics_x + float(g.metrics) * g.metric_w, y), colors::ink(18));
    }

    // Averages under the metric columns.
    const float avg_y = m0.y + matrix_w + 6;
    draw->AddLine(ImVec2(o.x, avg_y - 3), ImVec2(o.x + g.width, avg_y - 3), colors::ink(50));
    const std::pair<const char*, const ClassReport*> averages[] = {{"macro avg", &e.macro}, {"weighted avg", &e.weighted}};
    for (int i = 0; i < 2; ++i) {
        const float y = avg_y + g.row_h_extra * i + std::floor((g.row_h_extra - line) * 0.5f);
        const ClassReport& cr = *averages[i].second;
        plot::add_text_right(draw, ImVec2(metrics_x - 8, y), dim, averages[i].first);
        const std::string values[] = {fixed(cr.precision, 3), fixed(cr.recall, 3), fixed(cr.f1, 3), plot::format_count(cr.support)};
        for (int k = 0; k < g.metrics; ++k)
            plot::add_text_right(draw, ImVec2(metrics_x + g.metric_w * float(k + 1), y), text, values[std::size_t(k)].c_str());
    }

    if (hover_row >= 0 && hover_col >= 0) {
        const long count = e.at(hover_row, hover_col);
        const long support = e.per_class[std::size_t(hover_row)].support;
        ImGui::BeginTooltip();
        ImGui::Text("true %s, predicted %s", class_name(hover_row), class_name(hover_col));
        ImGui::Text("%s image%s (%s of the %s)", plot::format_count(count).c_str(), count == 1 ? "" : "s",
                    (fixed(support > 0 ? 100.0 * double(count) / double(support) : 0.0, 1) + "%").c_str(),
                    class_name(hover_row));
        if (count > 0) ImGui::TextDisabled("Click to see them");
        ImGui::EndTooltip();
    }
    return clicked;
}

void draw_summary(const EngineView& view, const Evaluation& e) {
    const char* label = "Evaluate again";
    const ImGuiStyle& style = ImGui::GetStyle();
    const float button_w = ImGui::CalcTextSize(label).x + style.FramePadding.x * 2;
    const float right = ImGui::GetWindowContentRegionMax().x;

    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Test accuracy");
    ImGui::SameLine();
    ImGui::TextColored(to_vec4(colors::accent()), "%s%%", fixed(100.0 * e.accuracy, 2).c_str());
    ImGui::SameLine(0, 18);
    ImGui::TextDisabled("loss");
    ImGui::SameLine();
    ImGui::Text("%.4f", e.loss);
    // The counts only when they fit beside the button.
    const std::string counts = plot::format_count(e.total) + " images, " +
                               plot::format_count(e.total - std::lround(e.accuracy * double(e.total))) + " mistaken";
    ImGui::SameLine(0, 18);
    if (ImGui::GetCursorPosX() + ImGui::CalcTextSize(counts.c_str()).x + style.ItemSpacing.x + button_w <= right) {
        ImGui::TextDisabled("%s", counts.c_str());
        ImGui::SameLine();
    }
    ImGui::SetCursorPosX(std::max(ImGui::GetCursorPosX(), right - button_w));
    const char* reason = view.data_on_demand() ? nullptr : why_cannot_evaluate(view.phase());
    ImGui::BeginDisabled(reason != nullptr);
    if (ImGui::Button(label)) start_evaluation();
    ImGui::EndDisabled();
    if (reason && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", reason);
}

void draw_no_evaluation(const EngineView& view) {
    const Phase phase = view.phase();
    if (phase == Phase::Evaluating) {
        const double progress = view.status().evaluation_progress;
        ImGui::Text("Evaluating on %s test images...", plot::format_count(view.test_set().count()).c_str());
        ImGui::PushStyleColor(ImGuiCol_PlotHistogram, to_vec4(colors::accent()));
        char overlay[32];
        std::snprintf(overlay, sizeof overlay, "%.0f%%", 100.0 * progress);
        ImGui::ProgressBar(float(progress), ImVec2(std::min(ImGui::GetContentRegionAvail().x, 420.0f), 0), overlay);
        ImGui::PopStyleColor();
        return;
    }
    ImGui::Dummy(ImVec2(0, 6));
    ImGui::TextUnformatted("How good is the current model on images it has never seen?");
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetColorU32(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("Classifies the %s %s test images: accuracy, precision, recall and F1 per class, "
                       "and a confusion matrix.",
                       plot::format_count(view.dataset().test_count).c_str(), view.dataset().title);
    ImGui::PopStyleColor();
    ImGui::Dummy(ImVec2(0, 4));
    const char* reason = view.data_on_demand() ? nullptr : why_cannot_evaluate(phase);
    ImGui::BeginDisabled(reason != nullptr);
    if (accent_button("Evaluate on test set")) start_evaluation();
    ImGui::EndDisabled();
    if (reason) {
        ImGui::SameLine();
        ImGui::TextDisabled("%s", reason);
    }
}

}  // namespace

void panel_evaluation(const Rect& area) {
    (void)area;  // the tab's content region; the child below fills it
    ImGui::BeginChild("##evaluation", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
    const ImVec2 panel_top = ImGui::GetWindowPos();
    try {
        EngineView& view = engine();
        const Evaluation* e = view.evaluation();
        // A new evaluation (or none) drops the selected cell.
        if (e == nullptr || view.status().run_id != g_state.run_id || view.phase() == Phase::Evaluating) {
            g_state.selected = {};
            g_state.floating_open = false;
            g_state.tooltip_index = -1;
        }
        g_state.run_id = view.status().run_id;

        if (e == nullptr || view.phase() == Phase::Evaluating || e->num_classes != kNumClasses ||
            e->per_class.size() != std::size_t(kNumClasses)) {
            draw_no_evaluation(view);
        } else {
            draw_summary(view, *e);
            ImGui::Dummy(ImVec2(0, 2));
            const ImVec2 avail = ImGui::GetContentRegionAvail();
            const float min_images_w = 6 * (1.5f * kImageSide + kThumbGap) + 20;
            GridLayout g = layout_grid(avail.x, avail.y);
            const bool inline_images = avail.x - g.width >= min_images_w;
            if (!inline_images) g = layout_grid(avail.x, avail.y - ImGui::GetTextLineHeightWithSpacing());  // room for the hint

            const ImVec2 grid_origin = ImGui::GetCursorScreenPos();
            ImGui::BeginGroup();
            const Cell clicked = draw_grid(*e, g, g_state.selected);
            ImGui::EndGroup();
            if (clicked.valid()) {
                const bool same = clicked == g_state.selected;
                g_state.selected = same ? Cell{} : clicked;
                g_state.floating_open = !same;
                g_state.place_floating = !same;
            }

            if (inline_images) {
                ImGui::SameLine(0, 20);
                ImGui::BeginChild("cell-images", ImVec2(0, g.height), false);
                if (g_state.selected.valid()) draw_thumbnails(view, g_state.selected);
                else ImGui::TextDisabled("Click a cell of the matrix to see its test images.");
                ImGui::EndChild();
            } else if (g_state.selected.valid() && g_state.floating_open) {
                if (g_state.place_floating) {
                    // Above the tab (over the curves), so the matrix stays visible for the next click.
                    const ImVec2 display = ImGui::GetIO().DisplaySize;
                    const ImVec2 size(std::min(std::max(g.width, 420.0f), display.x - 20), std::min(330.0f, display.y - 20));
                    ImGui::SetNextWindowPos(ImVec2(std::clamp(grid_origin.x, 10.0f, std::max(10.0f, display.x - size.x - 10)),
                                                   std::max(10.0f, panel_top.y - ImGui::GetFrameHeight() - 20 - size.y)));
                    ImGui::SetNextWindowSize(size);
                    g_state.place_floating = false;
                }
                ImGui::SetNextWindowBgAlpha(1.0f);
                char title[96];
                std::snprintf(title, sizeof title, "Test images: true %s, predicted %s###cell-images-window",
                              class_name(g_state.selected.truth), class_name(g_state.selected.predicted));
                if (ImGui::Begin(title, &g_state.floating_open, ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoCollapse))
                    draw_thumbnails(view, g_state.selected);
                ImGui::End();
                if (!g_state.floating_open) g_state.selected = {};
            } else if (!g_state.selected.valid()) {
                ImGui::TextDisabled("Click a cell of the matrix to see its test images.");
            }
        }
    } catch (const std::exception& ex) {
        notify(ex.what(), true);
    }
    ImGui::EndChild();
}

}  // namespace convpad::app
