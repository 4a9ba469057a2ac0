// Sample predictions: the engine's fixed sample of 48 test images with the current model's guesses
// (refreshed during training), mistakes in red; a click shows one image's ten probabilities.
// Drawn inside the bottom tab "Sample predictions" of ui.cpp's window, so it opens child regions only.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "web/ui/app.h"
#include "web/ui/widgets.h"

namespace convpad::app {

namespace {

constexpr float kCellPad = 6;       // inside a cell, around the image and the text
constexpr float kGap = 8;           // between cells
constexpr int kMaxColumns = 16;     // one grid row is one child window: 16 images stay far below 64k vertices
constexpr float kDetailWidth = 250; // the selected image's pane, beside the grid when there is room
constexpr float kDetailImage = 4 * kImageSide;

constexpr int kThumbnailLevels = 32;  // gray steps: indistinguishable from 256 at this size, ~20% fewer rectangles

struct SamplesView {
    int selected = -1;  // position in sample_indices(), or -1
    long selections = 0;  // clicks that selected an image (selected_sample())
    bool only_mistakes = false;
    // The images never change, so their rectangles are found once (per data set).
    std::vector<std::vector<GrayRun>> thumbnails;  // per position in sample_indices()
    const float* thumbnails_of = nullptr;          // test_set().images.data() they were made from
};

SamplesView& view() {
    static SamplesView instance;
    return instance;
}

// `text` shortened with "..." to fit max_width.
std::string fit_text(const char* text, float max_width) {
    std::string s = text;
    if (ImGui::CalcTextSize(s.c_str()).x <= max_width) return s;
    while (!s.empty() && ImGui::CalcTextSize((s + "...").c_str()).x > max_width) s.pop_back();
    return s + "...";
}

// Lines of text centred in the remaining content region, a little above its middle.
void draw_centered_lines(const std::vector<std::pair<std::string, ImU32>>& lines) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float line = ImGui::GetTextLineHeightWithSpacing();
    float y = std::floor(at.y + std::max(0.0f, avail.y * 0.4f - line * float(lines.size()) * 0.5f));
    for (const auto& [text, color] : lines) {
        const float w = ImGui::CalcTextSize(text.c_str()).x;
        ImGui::GetWindowDrawList()->AddText(ImVec2(std::floor(at.x + std::max(0.0f, (avail.x - w) * 0.5f)), y), color,
                                            text.c_str());
        y += line;
    }
}

// Before the test set is in: the download's progress (reported by the engine worker), or why it failed.
void draw_loading() {
    const DatasetProgress& progress = engine().dataset_progress();
    if (!progress.error.empty()) {
        draw_centered_lines({{std::string("The ") + engine().dataset().title + " data set could not be loaded:", colors::wrong()},
                             {progress.error, ImGui::GetColorU32(ImGuiCol_Text)},
                             {"The drawing pad still works; reload the page to try again.",
                              ImGui::GetColorU32(ImGuiCol_TextDisabled)}});
        return;
    }
    // Dots that fill up, so a slow download does not look like a hang.
    const int dots = int(ImGui::GetTime() * 2.5) % 4;
    std::string title = std::string("Loading the ") + engine().dataset().title + " data set";
    title.append(std::size_t(dots), '.');
    title.append(std::size_t(3 - dots), ' ');
    char detail[96] = "";
    if (progress.total > 0 && progress.loaded < progress.total)
        std::snprintf(detail, sizeof detail, "%.1f of %.1f MB", progress.loaded / 1e6, progress.total / 1e6);
    else if (progress.total > 0)
        std::snprintf(detail, sizeof detail, "unpacking %.0f MB", progress.total / 1e6);
    draw_centered_lines({{title, ImGui::GetColorU32(ImGuiCol_Text)},
                         {detail, ImGui::GetColorU32(ImGuiCol_TextDisabled)},
                         {"The sample predictions appear here once the test images are in.",
                          ImGui::GetColorU32(ImGuiCol_TextDisabled)}});
}

// [SECTION] Grid

struct CellLayout {
    float width, height, image;
};

void draw_cell(ImVec2 pos, const CellLayout& cell, const std::vector<GrayRun>& image, int truth, const Prediction& guess,
               bool hovered, bool selected) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 end(pos.x + cell.width, pos.y + cell.height);
    const bool wrong = guess.label != truth;
    draw->AddRectFilled(pos, end, IM_COL32(255, 255, 255, hovered ? 22 : 9), 4.0f);
    if (selected) draw->AddRect(pos, end, colors::accent(), 4.0f, 0, 2.0f);
    else if (wrong) draw->AddRect(pos, end, colors::wrong(), 4.0f, 0, 1.5f);

    const ImVec2 image_at(std::floor(pos.x + (cell.width - cell.image) * 0.5f), pos.y + kCellPad);
    draw_gray_runs(draw, image_at, ImVec2(cell.image, cell.image), kImageSide, kImageSide, image);

    const float line = ImGui::GetTextLineHeight();
    const float text_y = image_at.y + cell.image + 4;
    const float inner = cell.width - 2 * kCellPad;
    const std::string percent = format_percent(guess.probs[guess.label]);
    const float percent_w = ImGui::CalcTextSize(percent.c_str()).x;
    const std::string name = fit_text(class_name(guess.label), inner - percent_w - 6);
    draw->AddText(ImVec2(pos.x + kCellPad, text_y), wrong ? colors::wrong() : ImGui::GetColorU32(ImGuiCol_Text),
                  name.c_str());
    draw->AddText(ImVec2(pos.x + cell.width - kCellPad - percent_w, text_y), ImGui::GetColorU32(ImGuiCol_TextDisabled),
                  percent.c_str());
    if (wrong) {
        const std::string label = fit_text((std::string("true: ") + class_name(truth)).c_str(), inner);
        draw->AddText(ImVec2(pos.x + kCellPad, text_y + line), ImGui::GetColorU32(ImGuiCol_Text), label.c_str());
    } else {
        draw->AddText(ImVec2(pos.x + kCellPad, text_y + line), colors::right(), "correct");
    }
}

void draw_grid(const std::vector<int>& shown, float image_side) {
    const EngineView& s = engine();
    const std::vector<int>& indices = s.sample_indices();
    const std::vector<Prediction>& predictions = s.sample_predictions();
    SamplesView& v = view();

    const float width = ImGui::GetContentRegionAvail().x;
    const float min_cell = std::max(class_name_width() + ImGui::CalcTextSize(" 100%").x + 2 * kCellPad + 4,
                                    image_side + 2 * kCellPad);
    const int columns = std::clamp(int((width + kGap) / (min_cell + kGap)), 1, kMaxColumns);
    CellLayout cell;
    cell.width = std::floor((width - kGap * float(columns - 1)) / float(columns));
    cell.image = image_side;
    cell.height = kCellPad + image_side + 4 + 2 * ImGui::GetTextLineHeight() + kCellPad;

    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(kGap, kGap));
    const int rows = (int(shown.size()) + columns - 1) / columns;
    const ImVec2 row_size(width, cell.height);
    for (int r = 0; r < rows; ++r) {
        if (!ImGui::IsRectVisible(row_size)) {  // scrolled away: keep its space, draw nothing
            ImGui::Dummy(row_size);
            continue;
        }
        ImGui::PushID(r);
        ImGui::BeginChild("##row", row_size, false,
                          ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_NoNav);
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        for (int c = 0; c < columns && r * columns + c < int(shown.size()); ++c) {
            const int k = shown[std::size_t(r * columns + c)];
            const ImVec2 pos(origin.x + float(c) * (cell.width + kGap), origin.y);
            ImGui::SetCursorScreenPos(pos);
            ImGui::PushID(k);
            if (ImGui::InvisibleButton("##cell", ImVec2(cell.width, cell.height))) {
                v.selected = v.selected == k ? -1 : k;
                v.selections += v.selected >= 0;
            }
            const bool hovered = ImGui::IsItemHovered();
            ImGui::PopID();
            const int index = indices[std::size_t(k)];
            draw_cell(pos, cell, v.thumbnails[std::size_t(k)], s.test_set().labels[std::size_t(index)],
                      predictions[std::size_t(k)], hovered, v.selected == k);
            if (hovered) ImGui::SetTooltip("Test image #%d: click for all ten probabilities", index);
        }
        ImGui::EndChild();
        ImGui::PopID();
    }
    ImGui::PopStyleVar();
}

// [SECTION] Selected image

void draw_detail(int k) {
    const EngineView& s = engine();
    const int index = s.sample_indices()[std::size_t(k)];
    const int truth = s.test_set().labels[std::size_t(index)];
    const Prediction& guess = s.sample_predictions()[std::size_t(k)];

    ImGui::AlignTextToFramePadding();
    ImGui::Text("Test image #%d", index);
    ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - ImGui::GetFrameHeight());
    if (ImGui::Button("x", ImVec2(ImGui::GetFrameHeight(), ImGui::GetFrameHeight()))) view().selected = -1;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Close");

    const ImVec2 at = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw_gray_image(draw, at, kDetailImage, s.test_set().image(index));
    draw->AddRect(ImVec2(at.x - 1, at.y - 1), ImVec2(at.x + kDetailImage + 1, at.y + kDetailImage + 1), colors::frame());
    ImGui::Dummy(ImVec2(kDetailImage, kDetailImage));
    ImGui::SameLine(0, 12);
    ImGui::BeginGroup();
    ImGui::TextDisabled("True label");
    ImGui::TextColored(to_vec4(colors::right()), "%s", class_name(truth));
    ImGui::Dummy(ImVec2(0, 4));
    ImGui::TextDisabled("Guess");
    ImGui::TextColored(to_vec4(guess.label == truth ? colors::accent() : colors::wrong()), "%s",
                       class_name(guess.label));
    ImGui::TextDisabled("%s sure", format_percent(guess.probs[guess.label]).c_str());
    ImGui::EndGroup();

    ImGui::Dummy(ImVec2(0, 2));
    int classes[kNumClasses];
    for (int c = 0; c < kNumClasses; ++c) classes[c] = c;
    probability_bars(guess.probs, classes, kNumClasses, guess.label, truth, ImGui::GetTextLineHeight() + 4);
}

}  // namespace

// [SECTION] Panel

SampleSelection selected_sample() {
    const SamplesView& v = view();
    const std::vector<int>& indices = engine().sample_indices();
    SampleSelection s;
    s.serial = v.selections;
    if (v.selected >= 0 && v.selected < int(indices.size())) s.index = indices[std::size_t(v.selected)];
    return s;
}

void panel_samples(const Rect& area) {
    const EngineView& s = engine();
    SamplesView& v = view();
    ImGui::BeginChild("##samples", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    const std::vector<Prediction>& predictions = s.sample_predictions();
    if (!s.has_samples()) {
        command("data");  // the grid shows test images: the page downloads the data set once it is on screen
        draw_loading();
        ImGui::EndChild();
        return;
    }

    const int count = int(predictions.size());
    if (v.thumbnails_of != s.test_set().images.data() || int(v.thumbnails.size()) != count) {
        v.thumbnails.resize(std::size_t(count));
        for (int k = 0; k < count; ++k)
            find_gray_runs(s.test_set().image(s.sample_indices()[std::size_t(k)]), kImageSide, kImageSide,
                           kThumbnailLevels, v.thumbnails[std::size_t(k)]);
        v.thumbnails_of = s.test_set().images.data();
    }
    std::vector<int> shown;
    int wrong = 0;
    for (int k = 0; k < count; ++k) {
        const bool is_wrong = predictions[std::size_t(k)].label != s.test_set().labels[std::size_t(s.sample_indices()[std::size_t(k)])];
        wrong += is_wrong;
        if (is_wrong || !v.only_mistakes) shown.push_back(k);
    }
    if (v.selected >= count) v.selected = -1;

    // Header: the score of this sample, and the filter.
    ImGui::AlignTextToFramePadding();
    ImGui::Text("%d test images:", count);
    ImGui::SameLine();
    ImGui::TextColored(to_vec4(colors::right()), "%d right", count - wrong);
    ImGui::SameLine(0, 0);
    ImGui::TextUnformatted(",");
    ImGui::SameLine();
    ImGui::TextColored(to_vec4(wrong ? colors::wrong() : colors::right()), "%d wrong", wrong);
    ImGui::SameLine(0, 24);
    ImGui::Checkbox("Only mistakes", &v.only_mistakes);
    const char* legend = "guess, confidence; click for details";
    const float legend_x = ImGui::GetWindowContentRegionMax().x - ImGui::CalcTextSize(legend).x;
    ImGui::SameLine();
    if (legend_x > ImGui::GetCursorPosX() + 16) {
        ImGui::SetCursorPosX(legend_x);
        ImGui::TextDisabled("%s", legend);
    } else {
        ImGui::NewLine();
    }

    // Body: grid, and the selected image beside it (or below it when the tab is narrow).
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const bool has_detail = v.selected >= 0;
    const bool beside = avail.x >= kDetailWidth + 2 * kImageSide + 200;
    const float detail_h = 2 * ImGui::GetFrameHeight() + kDetailImage + kNumClasses * (ImGui::GetTextLineHeight() + 4) + 16;
    const ImVec2 grid_size(has_detail && beside ? avail.x - kDetailWidth - kGap : 0,
                           has_detail && !beside ? std::max(80.0f, avail.y - detail_h) : 0);
    // 2x images keep rows short; 3x once the tab is tall enough for two and a half rows of them.
    const float image_side = avail.y >= 2.5f * (3 * kImageSide + 2 * ImGui::GetTextLineHeight() + 24) ? 3 * kImageSide
                                                                                                       : 2 * kImageSide;
    ImGui::BeginChild("##grid", grid_size, false);
    if (shown.empty()) ImGui::TextDisabled("No mistakes in this sample.");
    else draw_grid(shown, image_side);
    ImGui::EndChild();
    if (has_detail) {
        if (beside) ImGui::SameLine(0, kGap);
        ImGui::BeginChild("##detail", ImVec2(0, 0), true);
        draw_detail(v.selected);
        ImGui::EndChild();
    }
    ImGui::EndChild();
}

}  // namespace convpad::app
