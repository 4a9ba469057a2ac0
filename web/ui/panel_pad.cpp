// The drawing pad's panel: the canvas that turns mouse and touch input into strokes of the drawing
// (pad_model.h renders them and makes the network's 28x28 input), the toolbar, the live prediction and
// the input preview.
#include "web/ui/pad.h"

#include <SDL.h>
#include <emscripten.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "session/protocol.h"
#include "web/ui/widgets.h"

namespace convpad::app {
namespace {

// [SECTION] The pad's state
constexpr int kDisplayLevels = 32;          // gray steps of the on-screen pad (the model sees floats)
constexpr int kDisplayMaxRects = 14000;     // 56k vertices: under ImGui's 64k per draw list (widgets.h)

// The drawing (pad_model.h) and what the panel makes of it: the network input, the prediction and the
// on-screen runs, each remade only once the drawing's revision has moved past the one it was made from.
struct Pad {
    PadModel drawing;
    float brush = kPadBrushDefault;  // the next stroke's radius

    std::vector<float> input = std::vector<float>(kImagePixels, 0.0f);
    long input_revision = 0;  // the drawing's revision `input` was made from (0: the empty pad, all zeros)
    DatasetId input_for = DatasetId::Fashion;  // whose preprocessing made `input` (the page may switch)
    Prediction prediction;
    long prediction_revision = -1;  // the drawing's revision `prediction` was made from
    long classified_with = -1;  // the UI model's version the prediction was made with
    double classify_ms = 0;

    // What the screen shows: gray runs of the image, found again only when it changed.
    std::vector<GrayRun> display_runs;
    int display_side = kPadSide;  // kPadSide / 2 when full resolution has too many runs for one draw list
    long display_revision = -1;   // the drawing's revision display_runs show

    Rect canvas{0, 0, 0, 0};
    bool bars_expanded = false;
    long announced_revision = 0;  // the drawing's revision the page last heard of (announce_change)
    int drawn_in_frame = -1;      // ImGui's frame count when the pad was last on screen

    bool input_current() const { return input_revision == drawing.revision() && input_for == engine().dataset().id; }
    bool prediction_current() const { return prediction_revision == drawing.revision(); }

    void update_input() {
        if (input_current()) return;
        const DatasetInfo& dataset = engine().dataset();
        input = drawing.network_input(dataset);
        input_for = dataset.id;
        input_revision = drawing.revision();
    }

    // Classifies when the drawing changed or the weights did (snapshots from the engine arrive a few
    // times a second while training).
    void refresh() {
        const long version = engine().model_version();
        if (input_current() && prediction_current() && version == classified_with) return;
        const auto start = std::chrono::steady_clock::now();
        update_input();
        prediction = engine().classify(input.data());
        classify_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        prediction_revision = drawing.revision();
        classified_with = version;
    }

    // Finds the on-screen rectangles. A dense scribble with a thin brush can have more runs than one
    // draw list takes; it is then shown at half (or quarter) resolution, which always fits.
    void update_display() {
        if (display_revision == drawing.revision()) return;
        display_revision = drawing.revision();
        std::vector<float> coarse;
        for (int factor = 1;; factor *= 2) {
            const int side = kPadSide / factor;
            const float* pixels = drawing.image().pixels.data();
            if (factor > 1) {
                coarse.assign(std::size_t(side) * side, 0.0f);
                const float weight = 1.0f / float(factor * factor);
                for (int y = 0; y < kPadSide; ++y)
                    for (int x = 0; x < kPadSide; ++x)
                        coarse[std::size_t(y / factor) * side + x / factor] += weight * pixels[std::size_t(y) * kPadSide + x];
                pixels = coarse.data();
            }
            find_gray_runs(pixels, side, side, kDisplayLevels, display_runs);
            display_side = side;
            if (display_runs.size() <= std::size_t(kDisplayMaxRects) || side * side <= kDisplayMaxRects) return;
        }
    }
};

Pad& pad() {
    static Pad instance;
    return instance;
}

// [SECTION] Input watch
// ImGui 1.86 samples the mouse and keys once per frame, and a frame lasts 30+ ms while training: the
// corners of a quick stroke would be cut, and a key tapped within one frame would be missed. An SDL
// event watch (called as each event is queued, before the shell hands it to ImGui's backend) keeps
// every pointer position and key press of the frame. Touch arrives here as mouse events too (SDL
// turns the first finger into the mouse). The browser itself merges the moves within one of its frames
// into one event; the page passes the merged positions in through pad_pointer_sample().
enum class PointerKind { Move, Down, Up };
struct PointerEvent {
    float x, y;  // CSS pixels, like io.MousePos
    PointerKind kind;
};
struct KeyPress {
    SDL_Scancode key;
    bool command;  // Ctrl or Cmd held
    bool repeat;
};
std::vector<PointerEvent> g_pointer_events;  // since the last frame
std::vector<KeyPress> g_key_presses;
bool g_pointer_is_touch = false;  // the last pointer event came from a finger: nothing hovers
constexpr std::size_t kMaxEvents = 4096;

int SDLCALL watch_input(void*, SDL_Event* event) {
    switch (event->type) {
        case SDL_MOUSEMOTION:
            g_pointer_is_touch = event->motion.which == SDL_TOUCH_MOUSEID;
            if (g_pointer_events.size() < kMaxEvents)
                g_pointer_events.push_back({float(event->motion.x), float(event->motion.y), PointerKind::Move});
            break;
        case SDL_MOUSEBUTTONDOWN:
        case SDL_MOUSEBUTTONUP:
            g_pointer_is_touch = event->button.which == SDL_TOUCH_MOUSEID;
            if (event->button.button == SDL_BUTTON_LEFT && g_pointer_events.size() < kMaxEvents)
                g_pointer_events.push_back({float(event->button.x), float(event->button.y),
                                            event->type == SDL_MOUSEBUTTONDOWN ? PointerKind::Down : PointerKind::Up});
            break;
        case SDL_KEYDOWN:
            if (g_key_presses.size() < kMaxEvents)
                g_key_presses.push_back({event->key.keysym.scancode, (event->key.keysym.mod & (KMOD_CTRL | KMOD_GUI)) != 0,
                                         event->key.repeat != 0});
            break;
        default: break;
    }
    return 1;  // a watch cannot drop events; the value is ignored
}

}  // namespace

void pad_pointer_sample(float x, float y) {
    if (!std::isfinite(x) || !std::isfinite(y) || g_pointer_events.size() >= kMaxEvents) return;
    g_pointer_events.push_back({x, y, PointerKind::Move});
}

namespace {

void install_input_watch() {
    static const bool installed = [] {
        SDL_AddEventWatch(watch_input, nullptr);
        return true;
    }();
    (void)installed;
}

// [SECTION] Panel parts

// The canvas in its own child window, so its rectangles get a draw list of their own.
void draw_canvas(Pad& p, float side) {
    ImGuiIO& io = ImGui::GetIO();
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse |
                                   ImGuiWindowFlags_NoNav;
    ImGui::BeginChild("##pad-canvas", ImVec2(side, side), false, flags);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    p.canvas = {origin.x, origin.y, side, side};

    ImGui::InvisibleButton("##pad-surface", ImVec2(side, side));
    const bool hovered = ImGui::IsItemHovered();
    const float to_buffer = float(kPadSide) / side;
    auto buffer_point = [&](ImVec2 m) {
        // Strokes may leave the surface; points far outside add nothing but cost, so they are held close.
        const float margin = kPadBrushMax + 2.0f;
        return PadPoint{std::clamp((m.x - origin.x) * to_buffer, -margin, kPadSide + margin),
                     std::clamp((m.y - origin.y) * to_buffer, -margin, kPadSide + margin)};
    };
    // This frame's pointer path: from the press (if it happened this frame) up to the release (if any).
    const std::vector<PointerEvent>& events = g_pointer_events;
    std::size_t from = 0;
    if (ImGui::IsItemActivated()) {
        ImVec2 press = io.MousePos;
        for (std::size_t i = events.size(); i-- > 0;)
            if (events[i].kind == PointerKind::Down) {
                press = ImVec2(events[i].x, events[i].y);
                from = i + 1;
                break;
            }
        p.drawing.begin_stroke(buffer_point(press), p.brush);
    }
    if (p.drawing.in_stroke()) {
        bool released = false;
        for (std::size_t i = from; i < events.size() && !released; ++i) {
            p.drawing.extend_stroke(buffer_point(ImVec2(events[i].x, events[i].y)));
            released = events[i].kind == PointerKind::Up;
        }
        if (!released && ImGui::IsItemActive()) p.drawing.extend_stroke(buffer_point(io.MousePos));
        if (!ImGui::IsItemActive()) p.drawing.end_stroke();
        else p.drawing.update_live();
    }
    g_pointer_events.clear();

    p.update_display();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw_gray_runs(draw, origin, ImVec2(side, side), p.display_side, p.display_side, p.display_runs);

    if (p.drawing.empty()) {
        const bool digits = engine().dataset().id == DatasetId::Digits;
        const char* lines[] = {digits ? "Draw a digit here" : "Draw a piece of clothing here",
                               digits ? "one of 0 to 9, as large as you like" : "a shirt, trousers, a bag, a shoe..."};
        const float line = ImGui::GetTextLineHeightWithSpacing();
        float y = origin.y + side * 0.5f - line;
        for (int i = 0; i < 2; ++i, y += line) {
            const float w = ImGui::CalcTextSize(lines[i]).x;
            draw->AddText(ImVec2(std::floor(origin.x + (side - w) * 0.5f), std::floor(y)),
                          i == 0 ? IM_COL32(190, 196, 206, 255) : IM_COL32(120, 126, 138, 255), lines[i]);
        }
    }
    if ((hovered || p.drawing.in_stroke()) && !g_pointer_is_touch)  // brush outline under the mouse
        draw->AddCircle(io.MousePos, p.brush / to_buffer, IM_COL32(120, 170, 255, 160), 0, 1.0f);
    draw->AddRect(origin, ImVec2(origin.x + side, origin.y + side), colors::frame());
    ImGui::EndChild();
}

void draw_toolbar(Pad& p) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float undo_w = ImGui::CalcTextSize("Undo").x + 2 * style.FramePadding.x;
    const float clear_w = ImGui::CalcTextSize("Clear").x + 2 * style.FramePadding.x;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Brush");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::max(60.0f, ImGui::GetContentRegionAvail().x - undo_w - clear_w - 2 * style.ItemSpacing.x));
    ImGui::SliderFloat("##brush", &p.brush, kPadBrushMin, kPadBrushMax, "%.0f px", ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Brush radius, in pixels of the 280x280 drawing");

    ImGui::SameLine();
    ImGui::BeginDisabled(!p.drawing.can_undo());
    if (ImGui::Button("Undo")) p.drawing.undo();
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("Undo the last stroke (Ctrl+Z)");
    ImGui::SameLine();
    ImGui::BeginDisabled(p.drawing.empty());
    if (ImGui::Button("Clear")) p.drawing.clear();
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("Clear the pad (Delete)");
}

// Top-3 bars; all ten while the pointer is over them.
void draw_prediction(Pad& p, float rows_height) {
    const ImVec2 start = ImGui::GetCursorScreenPos();
    const float width = ImGui::GetContentRegionAvail().x;
    const float x0 = ImGui::GetCursorPosX();
    ImGui::TextUnformatted("Prediction");
    if (!p.drawing.empty()) {
        const char* hint = p.bars_expanded ? "all classes" : g_pointer_is_touch ? "tap for all 10" : "hover for all 10";
        ImGui::SameLine(x0 + width - ImGui::CalcTextSize(hint).x);
        ImGui::TextDisabled("%s", hint);
    }

    const EngineView& s = engine();
    ImGui::PushTextWrapPos(0.0f);
    if (s.status().run_id == 0 && !s.status().has_run)
        ImGui::TextColored(to_vec4(colors::wrong()), "Untrained network (random weights): train it or load a model.");
    if (p.drawing.empty()) {
        ImGui::TextDisabled(s.dataset().id == DatasetId::Digits
                                ? "Draw a digit to see what the network reads. It learned from handwritten MNIST digits."
                                : "Draw a piece of clothing to see what the network thinks it is.");
        p.bars_expanded = false;
    }
    ImGui::PopTextWrapPos();
    if (!p.drawing.empty()) {
        const auto order = classes_by_probability(p.prediction.probs);
        probability_bars(p.prediction.probs, order.data(), p.bars_expanded ? kNumClasses : 3, p.prediction.label);
    }
    const float bottom = std::max(ImGui::GetCursorScreenPos().y, start.y + rows_height);
    // Hovered this frame decides next frame's row count (the area is the expanded one while expanded).
    p.bars_expanded = !p.drawing.empty() && !p.drawing.in_stroke() && ImGui::IsWindowHovered() &&
                      ImGui::IsMouseHoveringRect(start, ImVec2(start.x + width, bottom));
    ImGui::SetCursorScreenPos(ImVec2(start.x, std::max(ImGui::GetCursorScreenPos().y, start.y + rows_height)));
}

// The 28x28 image the network receives, magnified, with what happened to the drawing.
void draw_input_preview(Pad& p, float side) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw_gray_image(draw, origin, side, p.input.data());
    draw->AddRect(ImVec2(origin.x - 1, origin.y - 1), ImVec2(origin.x + side + 1, origin.y + side + 1), colors::frame());
    ImGui::Dummy(ImVec2(side, side));
    ImGui::SameLine(0, 12);
    ImGui::BeginGroup();
    ImGui::TextUnformatted("Network input, 28x28");
    ImGui::PushTextWrapPos(0.0f);
    if (engine().dataset().id == DatasetId::Digits)
        ImGui::TextDisabled("Your drawing with MNIST-thick strokes, cropped, scaled into 20x20 and centred by mass in "
                            "the 28x28 frame, like MNIST.");
    else
        ImGui::TextDisabled("Your drawing cropped, scaled to fill the frame and centred by mass, like Fashion-MNIST.");
    ImGui::PopTextWrapPos();
    if (p.prediction_current() && !p.drawing.empty()) ImGui::TextDisabled("%.2f ms per prediction", p.classify_ms);
    ImGui::EndGroup();
}

// Delete/Backspace clear while the pointer is over the pad or the pad has the keyboard; Ctrl+Z (Cmd+Z) undoes anywhere, unless a
// text field has the keyboard.
void handle_keys(Pad& p) {
    const bool text_input = ImGui::GetIO().WantTextInput;
    const bool targeted = ImGui::IsWindowHovered(ImGuiHoveredFlags_RootAndChildWindows) ||
                          ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows);
    for (const KeyPress& k : g_key_presses) {
        if (text_input) break;
        if ((k.key == SDL_SCANCODE_DELETE || k.key == SDL_SCANCODE_BACKSPACE) && targeted && !k.repeat) p.drawing.clear();
        if (k.key == SDL_SCANCODE_Z && k.command) p.drawing.undo();
    }
    g_key_presses.clear();
}

}  // namespace

// [SECTION] API (pad.h)

void pad_clear() { pad().drawing.clear(); }

const std::vector<float>& pad_input() {
    pad().update_input();
    return pad().input;
}

Prediction pad_prediction() {
    Pad& p = pad();
    p.refresh();
    return p.prediction;
}

nlohmann::json pad_prediction_json() {
    nlohmann::json p = protocol::prediction_json(pad_prediction(), engine().dataset());
    p["empty"] = pad_is_empty();
    p["strokes"] = pad_stroke_count();
    return p;
}

Rect pad_canvas_rect() {
    const Pad& p = pad();
    return p.drawn_in_frame == ImGui::GetFrameCount() ? p.canvas : Rect{0, 0, 0, 0};
}
bool pad_undo() { return pad().drawing.undo(); }
bool pad_is_empty() { return pad().drawing.empty(); }
int pad_stroke_count() { return pad().drawing.stroke_count(); }
float pad_brush_radius() { return pad().brush; }
void pad_set_brush_radius(float radius) {
    pad().brush = std::isfinite(radius) ? std::clamp(radius, kPadBrushMin, kPadBrushMax) : kPadBrushDefault;
}
double pad_classify_ms() { return pad().classify_ms; }

// [SECTION] Panel

// Tells the page (web/page/api.js: the 'prediction' event) that the drawing changed, once per frame at
// most, with the new prediction as pad.prediction() gives it.
static void announce_change(Pad& p) {
    if (p.drawing.revision() == p.announced_revision) return;
    p.announced_revision = p.drawing.revision();
    const std::string prediction = pad_prediction_json().dump();
    EM_ASM({
        if (Module['onPadChange']) Module['onPadChange'](UTF8ToString($0));
    }, prediction.c_str());
}

void panel_pad(const Rect& area) {
    Pad& p = pad();
    install_input_watch();
    if (p.drawn_in_frame != ImGui::GetFrameCount() - 1) {  // hidden until now (another tab): not for the pad
        g_pointer_events.clear();
        g_key_presses.clear();
    }
    p.drawn_in_frame = ImGui::GetFrameCount();
    ImGui::SetNextWindowPos(ImVec2(area.x, area.y));
    ImGui::SetNextWindowSize(ImVec2(area.w, area.h));
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoScrollbar |
                                   ImGuiWindowFlags_NoScrollWithMouse;
    ImGui::Begin("Drawing pad", nullptr, flags);
    const ImGuiStyle& style = ImGui::GetStyle();
    const ImVec2 avail = ImGui::GetContentRegionAvail();

    // Everything below the canvas, with three prediction rows; the expanded ten may push the preview
    // down (and out of a short window) but never resize the canvas under the pointer.
    const float line = ImGui::GetTextLineHeight();
    const float rows_h = 3 * (line + 6.0f) + ImGui::GetTextLineHeightWithSpacing();  // bars + header
    auto below = [&](float preview) {
        return style.ItemSpacing.y + ImGui::GetFrameHeight() + 2 * (style.ItemSpacing.y + 6.0f) + rows_h +
               style.ItemSpacing.y + preview + 2.0f;
    };
    const float side = std::floor(std::max(120.0f, std::min(avail.x, avail.y - below(3 * kImageSide))));
    // Wide and short (a pad-only frame): the canvas with its toolbar on the left, the rest beside it.
    constexpr float kBesideColumn = 260.0f;
    const float toolbar_h = style.ItemSpacing.y + ImGui::GetFrameHeight();
    const float beside_side = std::floor(std::min(avail.y - toolbar_h, avail.x - kBesideColumn - style.ItemSpacing.x));
    if (beside_side > side + 40.0f) {
        const ImGuiWindowFlags part = ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse;
        ImGui::BeginChild("##pad-left", ImVec2(beside_side, avail.y), false, part);
        draw_canvas(p, beside_side);
        draw_toolbar(p);
        ImGui::EndChild();
        ImGui::SameLine();
        ImGui::BeginChild("##pad-right", ImVec2(0, avail.y), false, part);
        handle_keys(p);
        if (!p.drawing.empty()) p.refresh();
        announce_change(p);
        draw_prediction(p, rows_h);
        ImGui::Dummy(ImVec2(0, 2));
        ImGui::Separator();
        ImGui::Dummy(ImVec2(0, 2));
        p.update_input();
        draw_input_preview(p, 3 * kImageSide);
        ImGui::EndChild();
        ImGui::End();
        return;
    }
    // The preview grows to 4x when the canvas is as wide as the column anyway and height is left.
    const float preview_side = avail.y - below(4 * kImageSide) >= side ? 4 * kImageSide : 3 * kImageSide;

    if (side < avail.x) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + std::floor((avail.x - side) * 0.5f));
    draw_canvas(p, side);
    handle_keys(p);
    if (!p.drawing.empty()) p.refresh();
    announce_change(p);

    draw_toolbar(p);
    ImGui::Dummy(ImVec2(0, 2));
    ImGui::Separator();
    draw_prediction(p, rows_h);
    ImGui::Dummy(ImVec2(0, 2));
    ImGui::Separator();
    ImGui::Dummy(ImVec2(0, 2));
    p.update_input();
    draw_input_preview(p, preview_side);
    ImGui::End();
}

}  // namespace convpad::app
