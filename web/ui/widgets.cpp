#include "web/ui/widgets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <unordered_map>

#include "web/ui/engine_view.h"

#include <GLES3/gl3.h>

namespace convpad::app {

ImVec4 to_vec4(ImU32 color) { return ImGui::ColorConvertU32ToFloat4(color); }

bool accent_button(const char* label, ImVec2 size) {
    ImGui::PushStyleColor(ImGuiCol_Button, IM_COL32(50, 108, 200, 255));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, IM_COL32(66, 128, 226, 255));
    ImGui::PushStyleColor(ImGuiCol_ButtonActive, IM_COL32(40, 92, 176, 255));
    const bool pressed = ImGui::Button(label, size);
    ImGui::PopStyleColor(3);
    return pressed;
}

// [SECTION] Images

void find_gray_runs(const float* pixels, int width, int height, int levels, std::vector<GrayRun>& runs) {
    runs.clear();
    levels = std::clamp(levels, 2, 256);
    const float top_level = float(levels - 1);
    auto level_of = [&](float v) { return int(std::clamp(v, 0.0f, 1.0f) * top_level + 0.5f); };
    for (int y = 0; y < height; ++y) {
        const float* row = pixels + std::size_t(y) * width;
        for (int x = 0; x < width;) {
            const int level = level_of(row[x]);
            int end = x + 1;
            while (end < width && level_of(row[end]) == level) ++end;
            if (level > 0)
                runs.push_back({std::uint16_t(x), std::uint16_t(end), std::uint16_t(y),
                                std::uint8_t(std::max(1, int(float(level) * 255.0f / top_level + 0.5f)))});
            x = end;
        }
    }
}

void draw_gray_runs(ImDrawList* draw, ImVec2 pos, ImVec2 size, int width, int height, const std::vector<GrayRun>& runs) {
    draw->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y), IM_COL32(0, 0, 0, 255));
    if (width <= 0 || height <= 0) return;
    const float sx = size.x / float(width), sy = size.y / float(height);
    for (const GrayRun& r : runs)
        draw->AddRectFilled(ImVec2(pos.x + sx * float(r.x0), pos.y + sy * float(r.y)),
                            ImVec2(pos.x + sx * float(r.x1), pos.y + sy * float(r.y + 1)),
                            IM_COL32(r.gray, r.gray, r.gray, 255));
}

namespace {

// 28x28 images live in one texture atlas, keyed by a hash of their pixels: a thumbnail is then one
// textured quad instead of hundreds of rectangles (SwiftShader and weak GPUs feel every vertex).
// Cells are 30x30 so a black border keeps neighbours from bleeding into each other.
class ImageAtlas {
public:
    static constexpr int kSide = 1020, kCell = 30, kPerRow = kSide / kCell, kCells = kPerRow * kPerRow;

    // Texture and UV rectangle for the image, uploading it if new; false when every cell is in use
    // this frame (the caller then draws rectangles).
    bool find(const float* pixels, ImTextureID& texture, ImVec2& uv0, ImVec2& uv1) {
        if (!texture_ && !create()) return false;
        const std::uint64_t key = hash(pixels);
        const int frame = ImGui::GetFrameCount();
        int cell;
        auto it = cell_of_.find(key);
        if (it != cell_of_.end()) {
            cell = it->second;
        } else {
            cell = least_recently_used();
            if (last_used_[cell] == frame) return false;
            if (key_of_[cell] != 0) cell_of_.erase(key_of_[cell]);
            key_of_[cell] = key;
            cell_of_[key] = cell;
            upload(cell, pixels);
        }
        last_used_[cell] = frame;
        const float x = float((cell % kPerRow) * kCell + 1), y = float((cell / kPerRow) * kCell + 1);
        uv0 = ImVec2(x / kSide, y / kSide);
        uv1 = ImVec2((x + kImageSide) / kSide, (y + kImageSide) / kSide);
        texture = reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(texture_));
        return true;
    }

private:
    bool create() {
        glGenTextures(1, &texture_);
        if (!texture_) return false;
        glBindTexture(GL_TEXTURE_2D, texture_);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);  // crisp pixels when magnified
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        std::vector<std::uint8_t> black(std::size_t(kSide) * kSide * 4, 0);
        for (std::size_t i = 3; i < black.size(); i += 4) black[i] = 255;
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, kSide, kSide, 0, GL_RGBA, GL_UNSIGNED_BYTE, black.data());
        key_of_.assign(kCells, 0);
        last_used_.assign(kCells, -1);
        return true;
    }
    void upload(int cell, const float* pixels) {
        std::uint8_t rgba[kImagePixels * 4];
        for (int i = 0; i < kImagePixels; ++i) {
            const auto v = std::uint8_t(std::clamp(pixels[i], 0.0f, 1.0f) * 255.0f + 0.5f);
            rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = v;
            rgba[4 * i + 3] = 255;
        }
        glBindTexture(GL_TEXTURE_2D, texture_);
        glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
        glTexSubImage2D(GL_TEXTURE_2D, 0, (cell % kPerRow) * kCell + 1, (cell / kPerRow) * kCell + 1, kImageSide,
                        kImageSide, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    }
    int least_recently_used() const {
        return int(std::min_element(last_used_.begin(), last_used_.end()) - last_used_.begin());
    }
    static std::uint64_t hash(const float* pixels) {  // FNV-1a over the quantised pixels; never 0
        std::uint64_t h = 1469598103934665603ull;
        for (int i = 0; i < kImagePixels; ++i) {
            h ^= std::uint64_t(std::clamp(pixels[i], 0.0f, 1.0f) * 255.0f + 0.5f);
            h *= 1099511628211ull;
        }
        return h ? h : 1;
    }

    GLuint texture_ = 0;
    std::unordered_map<std::uint64_t, int> cell_of_;
    std::vector<std::uint64_t> key_of_;
    std::vector<int> last_used_;
};

ImageAtlas& image_atlas() {
    static ImageAtlas atlas;
    return atlas;
}

}  // namespace

int draw_gray_image(ImDrawList* draw, ImVec2 pos, ImVec2 size, const float* pixels, int width, int height,
                    int levels) {
    ImTextureID texture;
    ImVec2 uv0, uv1;
    if (width == kImageSide && height == kImageSide && image_atlas().find(pixels, texture, uv0, uv1)) {
        draw->AddImage(texture, pos, ImVec2(pos.x + size.x, pos.y + size.y), uv0, uv1);
        return 1;
    }
    static std::vector<GrayRun> runs;  // reused: no allocation per image
    find_gray_runs(pixels, std::max(width, 0), std::max(height, 0), levels, runs);
    draw_gray_runs(draw, pos, size, width, height, runs);
    return int(runs.size()) + 1;
}

// [SECTION] Probabilities

std::string format_percent(float probability) {
    const float percent = 100.0f * std::clamp(probability, 0.0f, 1.0f);
    char text[16];
    if (percent >= 9.95f) std::snprintf(text, sizeof text, "%.0f%%", double(percent));
    else if (percent >= 0.05f) std::snprintf(text, sizeof text, "%.1f%%", double(percent));
    else if (percent > 0.0f) std::snprintf(text, sizeof text, "<0.1%%");
    else std::snprintf(text, sizeof text, "0%%");
    return text;
}

std::array<int, kNumClasses> classes_by_probability(const std::array<float, kNumClasses>& probs) {
    std::array<int, kNumClasses> order;
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return probs[a] > probs[b]; });
    return order;
}

const char* class_name(int c) {
    return c >= 0 && c < kNumClasses ? engine().dataset().class_names[std::size_t(c)] : "?";
}

float class_name_width() {
    float widest = 0;
    for (const char* name : engine().dataset().class_names) widest = std::max(widest, ImGui::CalcTextSize(name).x);
    return widest;
}

void probability_bars(const std::array<float, kNumClasses>& probs, const int* classes, int count, int guess,
                      int truth, float row_height) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float line = ImGui::GetTextLineHeight();
    if (row_height <= 0) row_height = line + 6.0f;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float width = std::max(ImGui::GetContentRegionAvail().x, 120.0f);
    const float name_w = class_name_width();
    const float percent_w = ImGui::CalcTextSize("100%").x;
    const float bar_x0 = origin.x + name_w + style.ItemSpacing.x;
    const float bar_x1 = std::max(bar_x0 + 20.0f, origin.x + width - percent_w - style.ItemSpacing.x);
    const float bar_h = std::round(line * 0.6f);
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
    const ImU32 guess_color = truth >= 0 && guess != truth ? colors::wrong() : colors::accent();

    ImDrawList* draw = ImGui::GetWindowDrawList();
    for (int row = 0; row < count; ++row) {
        const int c = classes[row];
        if (c < 0 || c >= kNumClasses) continue;
        const float y = origin.y + row_height * float(row);
        const float text_y = y + std::floor((row_height - line) * 0.5f);
        draw->AddText(ImVec2(origin.x, text_y), c == truth ? colors::right() : text, class_name(c));

        const float bar_y = y + std::floor((row_height - bar_h) * 0.5f);
        draw->AddRectFilled(ImVec2(bar_x0, bar_y), ImVec2(bar_x1, bar_y + bar_h), colors::bar_track(), 2.0f);
        const float p = std::clamp(probs[c], 0.0f, 1.0f);
        const float fill = (bar_x1 - bar_x0) * p;
        if (fill >= 0.5f)
            draw->AddRectFilled(ImVec2(bar_x0, bar_y), ImVec2(bar_x0 + std::max(fill, 2.0f), bar_y + bar_h),
                                c == guess ? guess_color : colors::bar_fill(), 2.0f);

        const std::string percent = format_percent(p);
        const float percent_x = origin.x + width - ImGui::CalcTextSize(percent.c_str()).x;
        draw->AddText(ImVec2(percent_x, text_y), c == guess ? text : ImGui::GetColorU32(ImGuiCol_TextDisabled),
                      percent.c_str());
    }
    ImGui::Dummy(ImVec2(width, row_height * float(count)));  // reserves the rows in the layout
}

}  // namespace convpad::app
