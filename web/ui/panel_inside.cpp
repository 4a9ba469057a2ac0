// The Inside view: what the network sees of one image, laid out as the data flows, input -> first-layer
// filters -> each convolution's feature maps -> prediction; left to right when the flow fits the tab (wide
// screens), else top to bottom in a scrolling column (the split layout, phones). The numbers come from
// train/inspect.h on a copy of the UI's model, recomputed only when the image or the model version changes
// (weight snapshots arrive while training, so the view follows the run). Every picture lives in one texture,
// rebuilt when the numbers change: a tile is one textured quad, so a frame costs a few hundred vertices.
// Drawn inside ui.cpp's window (bottom tab "Inside", or a tab of its own), so it opens child regions only.
#include "web/ui/inside.h"

#include <GLES3/gl3.h>
#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "web/ui/atlas_packer.h"
#include "web/ui/pad.h"
#include "web/ui/plot.h"
#include "web/ui/widgets.h"

namespace convpad::app {

namespace {

// [SECTION] State

constexpr int kMaxMaps = 64;           // tiles drawn per layer; the rest are counted ("+N more")
constexpr float kGap = 2;              // between the tiles of a grid
constexpr float kArrow = 18;           // the arrow between two stages: its width (left to right) or height (down)
constexpr float kMinZoom = 0.45f, kMaxZoom = 1.25f;  // tile sizes tried for the left-to-right flow
constexpr float kColumnZoom = 0.75f;   // tile size in the top-to-bottom flow

struct Grid {  // the filters, or one convolution's feature maps, as the atlas holds them
    std::vector<AtlasTile> tiles;             // the first ones, at most kMaxMaps
    std::vector<std::pair<float, float>> ranges;  // per tile: its values' min and max
    int total = 0;                            // how many there are
    int side = 0;                             // texels of a tile's longer side (its preferred size on screen)
};

struct View {
    // What is shown: the last thing the user touched.
    InsideSource source = InsideSource::Pad;
    int test_index = -1;
    DatasetId dataset = DatasetId::Fashion;  // test_index belongs to this data set's test set
    bool touched = false;                    // the user (or JS) chose a source: no automatic first test image
    std::vector<float> seen_pad = std::vector<float>(kImagePixels, 0.0f);  // pad_input() when last looked at
    long seen_selection = 0;                 // selected_sample().serial when last looked at
    bool overlay = true;                     // the saliency map over the input
    bool layer_scale = false;                // one scale per layer (else each map its own)

    // The numbers.
    std::unique_ptr<Model> model;  // a copy of the UI's model: inspect() overwrites its activations and gradients
    long model_version = -1;       // of `model`
    std::vector<float> input;      // the image `inspection` was made from
    long inspected_version = -1;
    bool inspected = false;
    Inspection inspection;

    // The pictures.
    GLuint texture = 0;
    int texture_h = 0;
    bool texture_stale = true;
    Theme texture_theme = Theme::Dark;
    bool texture_layer_scale = false;
    AtlasTile input_tile, saliency_tile;
    Grid filters;
    std::vector<Grid> maps;  // per inspection.layers

    long drawn_version = -1;
    long drawn_frame = -1;
};

View& view() {
    static View instance;
    return instance;
}

// [SECTION] Source and numbers

void show(View& v, InsideSource source, int test_index) {
    v.source = source;
    if (source == InsideSource::Test) v.test_index = test_index;
    v.touched = true;
}

// A change of the drawing shows the drawing; a click on an image in Sample predictions shows that image.
void follow_user(View& v) {
    const EngineView& e = engine();
    if (e.dataset().id != v.dataset) {  // another data set: another test set
        v.dataset = e.dataset().id;
        v.test_index = -1;
        v.touched = false;
        v.source = InsideSource::Pad;
    }
    const std::vector<float>& pad = pad_input();
    if (pad != v.seen_pad) {
        v.seen_pad = pad;
        show(v, InsideSource::Pad, -1);
    }
    const SampleSelection selection = selected_sample();
    if (selection.serial != v.seen_selection) {
        v.seen_selection = selection.serial;
        if (selection.index >= 0) show(v, InsideSource::Test, selection.index);
    }
    if (v.test_index >= e.test_set().count()) v.test_index = -1;
    // Nothing touched yet and nothing drawn: the first sample image rather than an empty pad.
    if (!v.touched && v.test_index < 0 && pad_is_empty() && e.has_samples()) {
        v.test_index = e.sample_indices().front();
        v.source = InsideSource::Test;
    }
}

// The image to inspect, or null when there is none (a test image before the test set is in).
const float* current_input(const View& v) {
    if (v.source == InsideSource::Pad) return pad_input().data();
    const Dataset& test = engine().test_set();
    return v.test_index >= 0 && v.test_index < test.count() ? test.image(v.test_index) : nullptr;
}

bool is_empty(const View& v) { return v.source == InsideSource::Pad ? pad_is_empty() : !current_input(v); }

// A few weights of every parameter tensor: each data set's session numbers its own model versions, so after a
// switch a snapshot may carry the version number the copy already has, with other weights.
std::vector<float> weight_sample(const Model& model) {
    std::vector<float> sample;
    for (const LayerPtr& layer : model.layers())
        for (const ParamRef& p : layer->params())
            for (std::size_t k = 0; k < 4 && p.size > 0; ++k) sample.push_back(p.value[(p.size - 1) * k / 3]);
    return sample;
}

void update(View& v) {
    follow_user(v);
    const EngineView& e = engine();
    const Model* ui_model = e.model();
    if (!ui_model) return;
    if (e.model_version() != v.model_version || !v.model || v.model->arch() != ui_model->arch() ||
        weight_sample(*v.model) != weight_sample(*ui_model)) {
        if (!v.model || v.model->arch() != ui_model->arch()) v.model = std::make_unique<Model>(ui_model->arch());
        v.model->set_weights(ui_model->weights());
        v.model_version = e.model_version();
        v.inspected = false;  // the same version number may come with other weights
    }
    const float* x = current_input(v);
    if (!x) return;
    if (v.inspected && v.inspected_version == v.model_version && std::equal(x, x + kImagePixels, v.input.begin()))
        return;
    v.input.assign(x, x + kImagePixels);
    v.inspection = inspect(*v.model, v.input.data());
    v.inspected = true;
    v.inspected_version = v.model_version;
    v.texture_stale = true;
}

// [SECTION] Pictures

struct Rgba {
    std::uint8_t r, g, b, a;
};

Rgba rgba_of(ImU32 color, float brightness, float alpha) {
    const ImVec4 c = ImGui::ColorConvertU32ToFloat4(color);
    auto byte = [](float v) { return std::uint8_t(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f); };
    return {byte(c.x * brightness), byte(c.y * brightness), byte(c.z * brightness), byte(alpha)};
}

// t in [-1, 1] on black: the positive or the negative colour, as bright as |t|.
Rgba diverging(float t) { return rgba_of(t >= 0 ? colors::positive() : colors::negative(), std::fabs(t), 1.0f); }

Rgba gray(float t) {
    const auto v = std::uint8_t(std::clamp(t, 0.0f, 1.0f) * 255.0f + 0.5f);
    return {v, v, v, 255};
}

float largest_magnitude(const float* values, std::size_t n) {
    float m = 0;
    for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(values[i]));
    return m;
}

float saliency_display_scale(const std::vector<float>& saliency) {
    std::vector<float> magnitudes(saliency.size());
    for (std::size_t i = 0; i < saliency.size(); ++i) magnitudes[i] = std::fabs(saliency[i]);
    if (magnitudes.empty()) return 0;
    const auto k = magnitudes.begin() + long(0.98 * double(magnitudes.size() - 1));
    std::nth_element(magnitudes.begin(), k, magnitudes.end());
    return *k;
}

// Lays out every picture in the atlas (atlas_packer.h), paints it and uploads it.
void bake(View& v) {
    const Inspection& r = v.inspection;
    AtlasPacker packer;
    v.input_tile = packer.place(kImageSide, kImageSide);
    v.saliency_tile = packer.place(kImageSide, kImageSide);
    v.filters = Grid{};
    v.filters.total = r.filters.count;
    v.filters.side = r.filters.kernel;
    v.filters.tiles = place_tiles(packer, std::min(r.filters.count, kMaxMaps), r.filters.kernel, r.filters.kernel);
    v.maps.assign(r.layers.size(), Grid{});
    for (std::size_t l = 0; l < r.layers.size(); ++l) {
        const Shape3 s = r.layers[l].shape;
        Grid& g = v.maps[l];
        g.total = s.c;
        g.side = std::max(s.h, s.w);
        g.tiles = place_tiles(packer, std::min(s.c, kMaxMaps), s.w, s.h);
    }

    const int height = packer.texture_height();
    std::vector<Rgba> pixels(std::size_t(kAtlasWidth) * height, Rgba{0, 0, 0, 0});
    auto at = [&](const AtlasTile& t, int x, int y) -> Rgba& { return pixels[atlas_texel(t, x, y)]; };

    for (int i = 0; i < kImagePixels; ++i) at(v.input_tile, i % kImageSide, i / kImageSide) = gray(v.input[std::size_t(i)]);
    // Saliency: signed, scaled by the 98th percentile of its magnitudes (a few extreme pixels would leave the rest
    // invisible); the alpha grows with the magnitude, so where the gradient is small the input shows through.
    const float saliency_scale = saliency_display_scale(r.saliency);
    for (int i = 0; i < kImagePixels; ++i) {
        const float t = saliency_scale > 0 ? std::clamp(r.saliency[std::size_t(i)] / saliency_scale, -1.0f, 1.0f) : 0.0f;
        at(v.saliency_tile, i % kImageSide, i / kImageSide) =
            rgba_of(t >= 0 ? colors::positive() : colors::negative(), 1.0f, std::fabs(t) * 0.85f);
    }
    // Filters: channel 0 of each (the first convolution of a grayscale input has only that one), each scaled to its
    // own largest weight, or all to the layer's (r.filters.values are in [-1, 1] already).
    const int kk = r.filters.kernel * r.filters.kernel;
    for (std::size_t k = 0; k < v.filters.tiles.size(); ++k) {
        const float* w = r.filters.values.data() + k * std::size_t(r.filters.channels) * kk;
        const float own = largest_magnitude(w, std::size_t(kk));
        const float inv = v.layer_scale ? 1.0f : own > 0 ? 1.0f / own : 0.0f;
        float lo = w[0], hi = w[0];
        for (int i = 0; i < kk; ++i) {
            at(v.filters.tiles[k], i % r.filters.kernel, i / r.filters.kernel) = diverging(w[i] * inv);
            lo = std::min(lo, w[i]), hi = std::max(hi, w[i]);
        }
        v.filters.ranges.emplace_back(lo * r.filters.scale, hi * r.filters.scale);
    }
    // Feature maps: grey from 0 to the largest value when none is negative (after a ReLU), else two colours.
    for (std::size_t l = 0; l < r.layers.size(); ++l) {
        const FeatureMaps& m = r.layers[l];
        const int plane = m.shape.h * m.shape.w;
        const bool is_signed = m.min < 0;
        const float layer_scale = std::max(std::fabs(m.min), std::fabs(m.max));
        Grid& g = v.maps[l];
        for (std::size_t c = 0; c < g.tiles.size(); ++c) {
            const float* p = m.values.data() + c * std::size_t(plane);
            const auto [lo, hi] = std::minmax_element(p, p + plane);
            g.ranges.emplace_back(*lo, *hi);
            const float scale = v.layer_scale ? layer_scale : largest_magnitude(p, std::size_t(plane));
            const float inv = scale > 0 ? 1.0f / scale : 0.0f;
            for (int i = 0; i < plane; ++i)
                at(g.tiles[c], i % m.shape.w, i / m.shape.w) = is_signed ? diverging(p[i] * inv) : gray(p[i] * inv);
        }
    }

    if (!v.texture) {
        glGenTextures(1, &v.texture);
        glBindTexture(GL_TEXTURE_2D, v.texture);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);  // crisp pixels when magnified
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        v.texture_h = 0;
    }
    glBindTexture(GL_TEXTURE_2D, v.texture);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    if (height != v.texture_h)
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, kAtlasWidth, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    else
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, kAtlasWidth, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    v.texture_h = height;
    v.texture_stale = false;
    v.texture_theme = current_theme();
    v.texture_layer_scale = v.layer_scale;
}

void draw_tile(ImDrawList* draw, const View& v, const AtlasTile& t, ImVec2 p0, ImVec2 p1) {
    if (!t.w || !v.texture) return;
    const AtlasUv uv = atlas_uv(t, v.texture_h);
    draw->AddImage(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(v.texture)), p0, p1, ImVec2(uv.u0, uv.v0),
                   ImVec2(uv.u1, uv.v1));
}

// [SECTION] Layout
// Stages of the flow: each has a header (three short lines left to right, one line top to bottom) and a body.

enum class StageKind { Input, Filters, Maps, Prediction };

struct Stage {
    StageKind kind = StageKind::Input;
    int layer = -1;  // Maps: index in inspection.layers
    std::string title, shape, note;
    float tile = 0;  // grid tiles (Filters, Maps), the image's side (Input), a bar row's height (Prediction)
    int shown = 0, cols = 1, rows = 1;
    bool down_columns = false;  // grid tiles fill columns top to bottom (left to right: rows)
    float w = 0, h = 0;  // the body
    float header_w = 0;
};

std::string shape_text(int c, int h, int w) {
    char text[48];
    std::snprintf(text, sizeof text, "%d@%dx%d", c, h, w);
    return text;
}

std::string more_text(int hidden) { return "+" + std::to_string(hidden) + " more"; }

std::string source_text(const View& v) {
    return v.source == InsideSource::Pad ? std::string("drawing") : "test #" + std::to_string(v.test_index);
}

std::vector<Stage> make_stages(const View& v) {
    const Inspection& r = v.inspection;
    std::vector<Stage> stages;
    Stage input;
    input.kind = StageKind::Input;
    input.title = "Input";
    input.shape = source_text(v);
    input.note = "28x28";
    stages.push_back(input);
    if (r.filters.count > 0) {
        Stage f;
        f.kind = StageKind::Filters;
        f.title = "Filters";
        f.shape = shape_text(r.filters.count, r.filters.kernel, r.filters.kernel);
        f.note = r.layers.empty() ? "" : r.layers.front().name + " weights";
        f.shown = int(v.filters.tiles.size());
        stages.push_back(f);
    }
    for (std::size_t l = 0; l < r.layers.size(); ++l) {
        const FeatureMaps& m = r.layers[l];
        Stage s;
        s.kind = StageKind::Maps;
        s.layer = int(l);
        s.title = m.name;
        s.shape = shape_text(m.shape.c, m.shape.h, m.shape.w);
        s.note = m.applied.empty() ? "no activation" : "after " + m.applied;
        s.shown = int(v.maps[l].tiles.size());
        stages.push_back(s);
    }
    Stage p;
    p.kind = StageKind::Prediction;
    p.title = "Prediction";
    const int c = r.predicted;
    p.shape = std::string(class_name(c)) + " " + format_percent(r.probs[std::size_t(c)]);
    p.note = "softmax of the logits";
    stages.push_back(p);
    for (Stage& s : stages)
        s.header_w = std::max({ImGui::CalcTextSize(s.title.c_str()).x, ImGui::CalcTextSize(s.shape.c_str()).x,
                               ImGui::CalcTextSize(s.note.c_str()).x});
    return stages;
}

int grid_total(const View& v, const Stage& s) {
    return s.kind == StageKind::Filters ? v.filters.total : v.maps[std::size_t(s.layer)].total;
}

// A grid's preferred tile side in CSS pixels: small feature maps and filters are magnified more.
float preferred_tile(const View& v, const Stage& s) {
    if (s.kind == StageKind::Filters) return std::clamp(float(v.filters.side) * 8.0f, 24.0f, 40.0f);
    return std::clamp(float(v.maps[std::size_t(s.layer)].side) * 2.0f, 24.0f, 48.0f);
}

float prediction_width() {
    const ImGuiStyle& style = ImGui::GetStyle();
    return class_name_width() + 2 * style.ItemSpacing.x + 48.0f + ImGui::CalcTextSize("100%").x;
}

// Left to right: every body at most body_h tall; grids fill columns top to bottom.
void size_across(const View& v, Stage& s, float zoom, float body_h) {
    const float line = ImGui::GetTextLineHeight();
    switch (s.kind) {
        case StageKind::Input:
            s.tile = zoom >= 0.9f && body_h >= 4 * kImageSide ? 4.0f * kImageSide : 3.0f * kImageSide;
            s.w = s.h = s.tile;
            break;
        case StageKind::Prediction:
            s.tile = std::clamp(std::floor(body_h / kNumClasses), line, line + 6.0f);
            s.w = prediction_width();
            s.h = s.tile * kNumClasses;
            break;
        default: {
            const bool more = s.shown < grid_total(v, s);
            const float grid_h = body_h - (more ? line + 2 : 0.0f);
            s.tile = std::max(6.0f, std::round(preferred_tile(v, s) * zoom));
            const int rows_max = std::max(1, int((grid_h + kGap) / (s.tile + kGap)));
            s.cols = std::max(1, (s.shown + rows_max - 1) / rows_max);
            s.rows = std::max(1, (s.shown + s.cols - 1) / s.cols);
            s.w = float(s.cols) * (s.tile + kGap) - kGap;
            s.h = float(s.rows) * (s.tile + kGap) - kGap + (more ? line + 2 : 0.0f);
            s.down_columns = true;
        }
    }
    s.w = std::max(s.w, s.header_w);
}

// Top to bottom: every body as wide as the column; grids fill rows left to right.
void size_down(const View& v, Stage& s, float width) {
    const float line = ImGui::GetTextLineHeight();
    switch (s.kind) {
        case StageKind::Input:
            s.tile = 4.0f * kImageSide;
            s.w = width;
            s.h = s.tile;
            break;
        case StageKind::Prediction:
            s.tile = line + 4.0f;
            s.w = width;
            s.h = s.tile * kNumClasses;
            break;
        default: {
            const bool more = s.shown < grid_total(v, s);
            s.tile = std::round(preferred_tile(v, s) * kColumnZoom);
            s.cols = std::clamp(int((width + kGap) / (s.tile + kGap)), 1, std::max(1, s.shown));
            s.rows = std::max(1, (s.shown + s.cols - 1) / s.cols);
            s.w = width;
            s.h = float(s.rows) * (s.tile + kGap) - kGap + (more ? line + 2 : 0.0f);
        }
    }
}

// A grid narrower than its header (filters, small maps) takes larger tiles that fill the header's width.
void fill_width(const View& v, Stage& s, float body_h) {
    if (s.kind != StageKind::Filters && s.kind != StageKind::Maps) return;
    const float line = ImGui::GetTextLineHeight();
    const float grid_h = body_h - (s.shown < grid_total(v, s) ? line + 2 : 0.0f);
    const float largest = std::round(preferred_tile(v, s) * kMaxZoom);
    for (float t = std::min(largest, s.w); t > s.tile; t -= 1.0f) {
        const int rows_max = int((grid_h + kGap) / (t + kGap));
        const int cols_max = int((s.w + kGap) / (t + kGap));
        if (rows_max < 1 || cols_max < 1 || rows_max * cols_max < s.shown) continue;
        s.tile = t;
        s.cols = std::max(1, (s.shown + rows_max - 1) / rows_max);
        s.rows = std::max(1, (s.shown + s.cols - 1) / s.cols);
        s.h = float(s.rows) * (t + kGap) - kGap + (grid_h < body_h ? line + 2 : 0.0f);
        return;
    }
}

// The largest tiles with which the flow fits `avail` left to right; false when even the smallest do not.
bool layout_across(const View& v, std::vector<Stage>& stages, ImVec2 avail, float header_h) {
    const float body_h = avail.y - header_h;
    for (float zoom = kMaxZoom; zoom >= kMinZoom - 1e-3f; zoom -= 0.05f) {
        float total = kArrow * float(stages.size() - 1);
        float tallest = 0;
        for (Stage& s : stages) {
            size_across(v, s, zoom, body_h);
            total += s.w;
            tallest = std::max(tallest, s.h);
        }
        if (total <= avail.x && tallest <= body_h + 0.5f) {
            for (Stage& s : stages) fill_width(v, s, body_h);
            return true;
        }
    }
    return false;
}

// [SECTION] Drawing

void arrow(ImDrawList* draw, ImVec2 from, ImVec2 to) {
    const ImU32 color = colors::ink(110);
    const float dx = to.x - from.x, dy = to.y - from.y, len = std::max(1.0f, std::hypot(dx, dy));
    const float ux = dx / len, uy = dy / len, head = 6.0f;
    const ImVec2 base(to.x - ux * head, to.y - uy * head);
    draw->AddLine(from, base, color, 1.5f);
    draw->AddTriangleFilled(to, ImVec2(base.x - uy * 4.0f, base.y + ux * 4.0f), ImVec2(base.x + uy * 4.0f, base.y - ux * 4.0f),
                            color);
}

void tooltip_image(const View& v, const AtlasTile& t, float side) {
    const ImVec2 at = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + side, at.y + side), IM_COL32(0, 0, 0, 255));  // images are on black
    draw_tile(ImGui::GetWindowDrawList(), v, t, at, ImVec2(at.x + side, at.y + side));
    ImGui::Dummy(ImVec2(side, side));
}

void draw_input(View& v, const Stage& s, ImVec2 at) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 end(at.x + s.tile, at.y + s.tile);
    draw_tile(draw, v, v.input_tile, at, end);
    if (v.overlay) draw_tile(draw, v, v.saliency_tile, at, end);
    draw->AddRect(ImVec2(at.x - 1, at.y - 1), ImVec2(end.x + 1, end.y + 1), colors::frame());
    if (!ImGui::IsWindowHovered() || !ImGui::IsMouseHoveringRect(at, end)) return;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const int x = std::clamp(int((mouse.x - at.x) / s.tile * kImageSide), 0, kImageSide - 1);
    const int y = std::clamp(int((mouse.y - at.y) / s.tile * kImageSide), 0, kImageSide - 1);
    const std::size_t i = std::size_t(y) * kImageSide + x;
    const Inspection& r = v.inspection;
    ImGui::BeginTooltip();
    ImGui::Text("Input pixel (%d, %d): ink %.2f", x, y, double(v.input[i]));
    ImGui::Text("saliency %+.3g (the range is %.3g to %.3g)", double(r.saliency[i]), double(r.saliency_min),
                double(r.saliency_max));
    ImGui::TextDisabled("d(score of %s) / d(pixel); the saliency alone:", class_name(r.predicted));
    tooltip_image(v, v.saliency_tile, 4.0f * kImageSide);
    ImGui::EndTooltip();
}

// A grid of tiles from the cursor's top-left `at`; hovering one shows its numbers.
void draw_grid(const View& v, const Stage& s, ImVec2 at) {
    const Grid& g = s.kind == StageKind::Filters ? v.filters : v.maps[std::size_t(s.layer)];
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float step = s.tile + kGap;
    auto tile_pos = [&](int k) {
        const int col = s.down_columns ? k / s.rows : k % s.cols, row = s.down_columns ? k % s.rows : k / s.cols;
        return ImVec2(at.x + float(col) * step, at.y + float(row) * step);
    };
    int hovered = -1;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const bool window_hovered = ImGui::IsWindowHovered();
    for (int k = 0; k < s.shown; ++k) {
        const ImVec2 p = tile_pos(k), q(p.x + s.tile, p.y + s.tile);
        draw_tile(draw, v, g.tiles[std::size_t(k)], p, q);
        if (window_hovered && mouse.x >= p.x && mouse.x < q.x && mouse.y >= p.y && mouse.y < q.y) hovered = k;
    }
    if (s.shown < g.total) {
        const float y = at.y + float(s.rows) * step + 1.0f;
        draw->AddText(ImVec2(at.x, y), ImGui::GetColorU32(ImGuiCol_TextDisabled), more_text(g.total - s.shown).c_str());
    }
    if (hovered < 0) return;
    const ImVec2 p = tile_pos(hovered);
    draw->AddRect(ImVec2(p.x - 1, p.y - 1), ImVec2(p.x + s.tile + 1, p.y + s.tile + 1), colors::accent(), 0, 0, 1.5f);
    const auto [lo, hi] = g.ranges[std::size_t(hovered)];
    ImGui::BeginTooltip();
    if (s.kind == StageKind::Filters) {
        const FilterImages& f = v.inspection.filters;
        const char* layer = v.inspection.layers.empty() ? "conv" : v.inspection.layers.front().name.c_str();
        ImGui::Text("Filter %d of %d (%s)", hovered + 1, f.count, layer);
        ImGui::TextDisabled("%dx%d weights from %.3f to %.3f", f.kernel, f.kernel, double(lo), double(hi));
        if (v.layer_scale) ImGui::TextDisabled("red: positive, blue: negative; all filters on one scale (+-%.3f)", double(f.scale));
        else ImGui::TextDisabled("red: positive, blue: negative; scaled to its own largest weight");
        if (f.channels > 1) ImGui::TextDisabled("input channel 1 of %d shown", f.channels);
    } else {
        const FeatureMaps& m = v.inspection.layers[std::size_t(s.layer)];
        ImGui::Text("%s, channel %d of %d", m.name.c_str(), hovered + 1, m.shape.c);
        ImGui::TextDisabled("%dx%d, %s", m.shape.h, m.shape.w, s.note.c_str());
        ImGui::TextDisabled("min %.3f, max %.3f", double(lo), double(hi));
    }
    tooltip_image(v, g.tiles[std::size_t(hovered)], std::min(112.0f, std::max(4.0f * float(g.side), 56.0f)));
    ImGui::EndTooltip();
}

void draw_prediction(const View& v, const Stage& s, ImVec2 at) {
    const Inspection& r = v.inspection;
    std::array<float, kNumClasses> probs{};
    for (int c = 0; c < kNumClasses && c < int(r.probs.size()); ++c) probs[std::size_t(c)] = r.probs[std::size_t(c)];
    int classes[kNumClasses];
    for (int c = 0; c < kNumClasses; ++c) classes[c] = c;
    const int truth = v.source == InsideSource::Test && v.test_index >= 0 ? engine().test_set().labels[std::size_t(v.test_index)] : -1;
    ImGui::SetCursorScreenPos(at);
    ImGui::BeginChild("##inside-bars", ImVec2(s.w, s.h), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    probability_bars(probs, classes, kNumClasses, r.predicted, truth, s.tile);
    ImGui::EndChild();
}

void draw_body(View& v, const Stage& s, ImVec2 at) {
    switch (s.kind) {
        case StageKind::Input: draw_input(v, s, at); break;
        case StageKind::Prediction: draw_prediction(v, s, at); break;
        default: draw_grid(v, s, at);
    }
}

void draw_across(View& v, const std::vector<Stage>& stages, float header_h) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float line = ImGui::GetTextLineHeight();
    float tallest = 0;
    for (const Stage& s : stages) tallest = std::max(tallest, s.h);
    const float body_y = origin.y + header_h;
    const float arrow_y = std::floor(body_y + std::min(tallest, stages.front().h) * 0.5f);
    float x = origin.x;
    for (std::size_t i = 0; i < stages.size(); ++i) {
        const Stage& s = stages[i];
        draw->AddText(ImVec2(x, origin.y), ImGui::GetColorU32(ImGuiCol_Text), s.title.c_str());
        draw->AddText(ImVec2(x, origin.y + line), ImGui::GetColorU32(ImGuiCol_TextDisabled), s.shape.c_str());
        draw->AddText(ImVec2(x, origin.y + 2 * line), ImGui::GetColorU32(ImGuiCol_TextDisabled), s.note.c_str());
        ImGui::PushID(int(i));
        draw_body(v, s, ImVec2(x, body_y));
        ImGui::PopID();
        x += s.w;
        if (i + 1 < stages.size()) {
            arrow(draw, ImVec2(x + 3, arrow_y), ImVec2(x + kArrow - 3, arrow_y));
            x += kArrow;
        }
    }
    ImGui::SetCursorScreenPos(origin);
    ImGui::Dummy(ImVec2(x - origin.x, header_h + tallest));
}

void draw_down(View& v, std::vector<Stage>& stages) {
    const float width = ImGui::GetContentRegionAvail().x;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    for (std::size_t i = 0; i < stages.size(); ++i) {
        Stage& s = stages[i];
        size_down(v, s, width);
        ImGui::TextUnformatted(s.title.c_str());
        ImGui::SameLine();
        ImGui::TextDisabled("%s, %s", s.shape.c_str(), s.note.c_str());
        const ImVec2 at = ImGui::GetCursorScreenPos();
        ImGui::PushID(int(i));
        if (s.kind == StageKind::Input) {
            draw_input(v, s, at);
            ImGui::Dummy(ImVec2(s.tile, s.tile));
            ImGui::SameLine(0, 12);
            ImGui::BeginGroup();
            ImGui::PushTextWrapPos(0.0f);
            if (v.overlay)
                ImGui::TextDisabled("Saliency over the input: how each pixel moves the score of the guess, %s.",
                                    class_name(v.inspection.predicted));
            else
                ImGui::TextDisabled("The network's 28x28 input (saliency overlay off).");
            ImGui::PopTextWrapPos();
            ImGui::EndGroup();
        } else {
            draw_body(v, s, at);
            ImGui::SetCursorScreenPos(at);
            ImGui::Dummy(ImVec2(s.w, s.h));
        }
        ImGui::PopID();
        if (i + 1 < stages.size()) {
            const ImVec2 p = ImGui::GetCursorScreenPos();
            const float cx = std::floor(p.x + std::min(width, 4.0f * kImageSide) * 0.5f);
            arrow(draw, ImVec2(cx, p.y), ImVec2(cx, p.y + kArrow - 4));
            ImGui::Dummy(ImVec2(width, kArrow - ImGui::GetStyle().ItemSpacing.y));
        }
    }
}

// Items of the options bar side by side, wrapping to a new line when the next one does not fit.
void same_line_if_fits(float next_width) {
    const float spacing = ImGui::GetStyle().ItemSpacing.x * 2;
    ImGui::SameLine(0, spacing);
    if (ImGui::GetCursorPosX() + next_width > ImGui::GetWindowContentRegionMax().x) ImGui::NewLine();
}

float checkbox_width(const char* label) {
    return ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label).x;
}

void draw_options(View& v) {
    const EngineView& e = engine();
    // Test image: the one shown last, else the first of the sample grid.
    const int test_index = v.test_index >= 0 ? v.test_index : e.has_samples() ? e.sample_indices().front() : -1;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Show");
    ImGui::SameLine();
    if (ImGui::RadioButton("drawing", v.source == InsideSource::Pad)) show(v, InsideSource::Pad, -1);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The pad's drawing, as the network receives it");
    const std::string test_label = test_index >= 0 ? "test image #" + std::to_string(test_index) : std::string("test image");
    same_line_if_fits(checkbox_width(test_label.c_str()));
    ImGui::BeginDisabled(test_index < 0);
    if (ImGui::RadioButton(test_label.c_str(), v.source == InsideSource::Test)) show(v, InsideSource::Test, test_index);
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip(test_index < 0 ? "The test images are still loading" : "Select another in Sample predictions");
    same_line_if_fits(checkbox_width("saliency"));
    ImGui::Checkbox("saliency", &v.overlay);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Saliency: the gradient of the guessed class's score (its logit) with respect to each input pixel,\n"
                          "by one backward pass with the network in inference mode. Red: more ink there raises the\n"
                          "score; blue: it lowers it; clear: the pixel hardly matters.");
    same_line_if_fits(checkbox_width("one scale per layer"));
    ImGui::Checkbox("one scale per layer", &v.layer_scale);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Filters and feature maps (bright = strongly active). Off: each scaled to its own largest\n"
                          "value; on: all of a layer share one scale, so weak filters and channels look dark.");
    const float legend_w = ImGui::CalcTextSize("raises  lowers the score").x + 2 * ImGui::GetTextLineHeight();
    same_line_if_fits(legend_w);
    ImGui::BeginGroup();
    ImGui::AlignTextToFramePadding();
    plot::legend_item(colors::positive(), "raises", false);
    ImGui::SameLine();
    plot::legend_item(colors::negative(), "lowers the score", false);
    ImGui::EndGroup();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Colours of the saliency overlay and of the filters (signed weights)");
}

// Lines of text in the middle of the remaining space.
void draw_message(const char* first, const char* second) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float line = ImGui::GetTextLineHeightWithSpacing();
    float y = std::floor(at.y + std::max(0.0f, avail.y * 0.4f - line));
    for (const char* text : {first, second}) {
        const float w = ImGui::CalcTextSize(text).x;
        ImGui::GetWindowDrawList()->AddText(ImVec2(std::floor(at.x + std::max(0.0f, (avail.x - w) * 0.5f)), y),
                                            ImGui::GetColorU32(text == first ? ImGuiCol_Text : ImGuiCol_TextDisabled), text);
        y += line;
    }
}

}  // namespace

// [SECTION] API (inside.h)

InsideState inside_state() {
    View& v = view();
    update(v);
    InsideState s;
    s.source = v.source;
    s.test_index = v.source == InsideSource::Test ? v.test_index : -1;
    s.empty = is_empty(v);
    const float* x = current_input(v);
    const bool current = x && !s.empty && v.inspected && v.inspected_version == engine().model_version() &&
                         std::equal(x, x + kImagePixels, v.input.begin());
    s.inspection = current ? &v.inspection : nullptr;
    s.input = current ? &v.input : nullptr;
    s.model_version = current ? v.inspected_version : -1;
    s.drawn_version = v.drawn_version;
    s.drawn_frame = v.drawn_frame;
    return s;
}

void inside_show(InsideSource source, int test_index) {
    View& v = view();
    if (source == InsideSource::Test) {
        const int count = engine().test_set().count();
        if (count == 0) throw std::invalid_argument("the test images are not loaded yet (await convpad.datasetReady)");
        if (test_index < 0 || test_index >= count)
            throw std::invalid_argument("index " + std::to_string(test_index) + " is outside the test set (0 to " +
                                        std::to_string(count - 1) + ")");
    }
    show(v, source, test_index);
}

// [SECTION] Panel

void panel_inside(const Rect& area) {
    View& v = view();
    ImGui::BeginChild("##inside", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    notify_errors([&] { update(v); });
    draw_options(v);
    ImGui::Separator();
    const EngineView& e = engine();
    const float* x = current_input(v);
    if (!e.model()) {
        draw_message("Waiting for the network's weights...", "The view appears once the model is loaded.");
    } else if (v.source == InsideSource::Test && !x) {
        command("data");  // a test image is wanted: the page downloads the data set once it is on screen
        draw_message("Loading the test images...", "Or draw on the pad to look inside with your drawing.");
    } else if (is_empty(v)) {
        // Nothing to show yet: the test images let the view start with one (follow_user picks the first sample).
        if (e.test_set().count() == 0) command("data");
        draw_message("The pad is empty.", "Draw on the pad, or pick a test image in Sample predictions.");
    } else if (v.inspected) {
        if (v.texture_stale || v.texture_theme != current_theme() || v.texture_layer_scale != v.layer_scale) bake(v);
        std::vector<Stage> stages = make_stages(v);
        const float header_h = 3 * ImGui::GetTextLineHeight() + 4.0f;
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const bool across = layout_across(v, stages, ImVec2(avail.x, avail.y - ImGui::GetStyle().ScrollbarSize), header_h);
        ImGui::BeginChild("##flow", ImVec2(0, 0), false, across ? ImGuiWindowFlags_HorizontalScrollbar : 0);
        if (across) draw_across(v, stages, header_h);
        else draw_down(v, stages);
        ImGui::EndChild();
        v.drawn_version = v.inspected_version;
        v.drawn_frame = ImGui::GetFrameCount();
    }
    ImGui::EndChild();
}

}  // namespace convpad::app
