// The Training panel (left column): the architecture and hyper-parameters of the next run (they edit
// edited_settings()), the run controls, live progress, saving/loading the model and the test-set
// evaluation. Buttons send commands to the engine (engine_view.h); the progress shown is its snapshot.
#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "session/protocol.h"
#include "train/memory_estimate.h"
#include "train/run_options.h"
#include "web/ui/app.h"
#include "web/ui/plot.h"
#include "web/ui/widgets.h"

namespace convpad::app {

namespace {

constexpr int kBatchSizes[] = {8, 16, 32, 64, 128, 256, 512};
// The learning-rate slider's span; a typed value (Ctrl+click) may go to the option's own bounds.
constexpr float kSliderMinLearningRate = 1e-5f;

// [SECTION] Bounds
// Sliders show a comfortable span of each option; what they accept, typed or dragged, is the option's
// whole range (train/run_options.h), the same as train() and `convpad train` accept.
const RunOption& option(const char* key) {
    static const RunOption fallback{};
    const RunOption* o = option_by_key(key);
    return o ? *o : fallback;
}

float clamp_to_option(const char* key, float value) {
    const RunOption& o = option(key);
    const float lo = o.min_open ? std::nextafter(float(o.min), float(o.max)) : float(o.min);
    const float hi = o.max_open ? std::nextafter(float(o.max), float(o.min)) : float(o.max);
    return std::isfinite(value) ? std::clamp(value, lo, hi) : lo;
}

int clamp_to_option(const char* key, int value) {
    const RunOption& o = option(key);
    return std::clamp(value, int(o.min), int(o.max));
}

// A slider over [lo, hi] whose typed values are clamped to the option's range instead of the slider's.
bool option_slider(const char* key, const char* id, float* value, float lo, float hi, const char* format,
                   ImGuiSliderFlags flags = 0) {
    const bool changed = ImGui::SliderFloat(id, value, lo, hi, format, flags);
    if (changed) *value = clamp_to_option(key, *value);
    return changed;
}

// [SECTION] Architecture check
// The parse of the string being edited (engine/arch.h), redone only when the string changes.
struct ArchCheck {
    std::string arch;
    bool ok = false;
    std::string error;                        // the ArchError's first line
    std::size_t bad_at = std::string::npos;   // byte offset of the offending token
    std::size_t params = 0;
    int layers = 0;
    bool has_dropout = false;
};

// The tokens as typed, for the chips: also those of a string that does not parse.
std::vector<std::string> split_tokens(const std::string& arch) {
    std::vector<std::string> tokens;
    std::size_t pos = 0;
    while (pos <= arch.size()) {
        std::size_t end = arch.find('-', pos);
        if (end == std::string::npos) end = arch.size();
        tokens.push_back(arch.substr(pos, end - pos));
        pos = end + 1;
    }
    return tokens;
}

const ArchCheck& check_arch(const std::string& arch) {
    static ArchCheck check;
    static bool checked = false;
    if (checked && check.arch == arch) return check;
    checked = true;
    check = ArchCheck{};
    check.arch = arch;
    try {
        const ArchSpec spec = parse_arch(arch);
        check.ok = true;
        check.params = spec.params;
        check.layers = int(spec.layers.size());
        check.has_dropout = spec.has_dropout();
    } catch (const ArchError& e) {
        const std::string what = e.what();
        check.error = what.substr(0, what.find('\n'));
        check.bad_at = e.position;
    } catch (const std::exception& e) {
        check.error = e.what();
    }
    return check;
}

// [SECTION] Small widgets

void section(const char* title) {
    ImGui::Dummy(ImVec2(0, 2));
    ImGui::PushStyleColor(ImGuiCol_Text, colors::section());
    ImGui::TextUnformatted(title);
    ImGui::PopStyleColor();
    ImGui::Separator();
}

// Label on the left, the next widget filling the rest of the row (ImGui's labels sit on the right).
void field(const char* label, float label_w, const char* help = nullptr) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(label);
    if (help && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", help);
    ImGui::SameLine(label_w);
    ImGui::SetNextItemWidth(-FLT_MIN);
}

// Shown on hover even when the item is disabled: why it is disabled, or what it does.
void item_tooltip(const char* text) {
    if (text && *text && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", text);
}

// Wrapped text that may also break after a '-', so architecture strings wrap between tokens
// (ImGui's own wrapping breaks only at spaces, and inside a word when the word is too long).
void text_wrapped_at_dashes(const std::string& text, ImU32 color) {
    const float line_h = ImGui::GetTextLineHeight(), pitch = ImGui::GetTextLineHeightWithSpacing();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float width = std::max(ImGui::GetContentRegionAvail().x, 20.0f);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    float x = 0, y = 0, bottom = line_h;
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t end = text.find_first_of(" -", begin);
        end = end == std::string::npos ? text.size() : end + 1;  // the separator stays on its line
        const char* a = text.c_str() + begin;
        const char* b = text.c_str() + end;
        begin = end;
        float w = ImGui::CalcTextSize(a, b).x;
        if (x > 0 && x + w > width) {
            x = 0, y += pitch;
            if (*a == ' ') w = ImGui::CalcTextSize(++a, b).x;
        }
        if (w > width) {  // longer than a line on its own: ImGui breaks it inside
            const float h = ImGui::CalcTextSize(a, b, false, width).y;
            draw->AddText(nullptr, 0.0f, ImVec2(origin.x, origin.y + y), color, a, b, width);
            bottom = y + h;
            x = 0, y += h - line_h + pitch;
            continue;
        }
        draw->AddText(ImVec2(origin.x + x, origin.y + y), color, a, b);
        x += w;
        bottom = y + line_h;
    }
    ImGui::Dummy(ImVec2(width, bottom));
}

ImU32 token_color(const std::string& t) {
    if (t.rfind("conv", 0) == 0) return IM_COL32(77, 141, 246, 70);
    if (t.rfind("pool", 0) == 0) return IM_COL32(160, 110, 230, 70);
    if (t.rfind("dense", 0) == 0) return IM_COL32(235, 150, 60, 70);
    if (t.rfind("drop", 0) == 0) return IM_COL32(60, 180, 170, 70);
    if (t == "bn") return IM_COL32(120, 190, 90, 70);
    if (t == "gap") return IM_COL32(160, 110, 230, 70);  // a pooling
    return colors::ink(22);  // relu, flatten
}

// The architecture as wrapped chips, one per layer token; the token an ArchError points at is red.
void arch_chips(const std::string& arch, std::size_t bad_at) {
    const ImVec2 pad(4, 1);
    const float gap = 3, line_h = ImGui::GetTextLineHeight() + 2 * pad.y;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float right = origin.x + ImGui::GetContentRegionAvail().x;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    float x = origin.x, y = origin.y;
    std::size_t at = 0;
    for (const std::string& token : split_tokens(arch)) {
        const bool bad = bad_at != std::string::npos && bad_at >= at && bad_at <= at + token.size();
        const std::string shown = token.empty() ? std::string("?") : token;
        const float w = ImGui::CalcTextSize(shown.c_str()).x + 2 * pad.x;
        if (x > origin.x && x + w > right) x = origin.x, y += line_h + gap;
        draw->AddRectFilled(ImVec2(x, y), ImVec2(x + w, y + line_h), bad ? IM_COL32(240, 96, 90, 90) : token_color(token), 3);
        if (bad) draw->AddRect(ImVec2(x, y), ImVec2(x + w, y + line_h), colors::wrong(), 3);
        draw->AddText(ImVec2(x + pad.x, y + pad.y), bad ? colors::wrong() : ImGui::GetColorU32(ImGuiCol_Text),
                      shown.c_str());
        x += w + gap;
        at += token.size() + 1;
    }
    ImGui::Dummy(ImVec2(right - origin.x, y + line_h - origin.y));
}

// [SECTION] Settings

// Fashion-MNIST or MNIST digits. The page keeps each data set's model, run and curves, so switching
// back finds them as they were (a run in progress is paused).
void draw_dataset_choice(const EngineView& view) {
    const DatasetInfo& current = view.dataset();
    ImGui::SetNextItemWidth(-FLT_MIN);
    if (ImGui::BeginCombo("##dataset", current.title)) {
        for (DatasetId id : {DatasetId::Fashion, DatasetId::Digits}) {
            const DatasetInfo& info = dataset_info(id);
            if (ImGui::Selectable(info.title, id == current.id) && id != current.id)
                command((std::string("dataset:") + info.name).c_str());
        }
        ImGui::EndCombo();
    }
    item_tooltip("The data set to train and evaluate on, and what the drawing pad reads.\n"
                 "Each keeps its own model, run and curves; a run in progress is paused when you switch.");
}

void draw_architecture(RunSettings& s, bool locked) {
    const float label_w = ImGui::CalcTextSize("Architecture").x + ImGui::GetStyle().ItemSpacing.x * 2;
    int preset = -1;
    for (std::size_t i = 0; i < kArchPresets.size(); ++i)
        if (s.arch == kArchPresets[i].arch) preset = int(i);

    ImGui::BeginDisabled(locked);
    field("Architecture", label_w, "A preset, or edit the string below (grammar: README, `convpad archs`)");
    if (ImGui::BeginCombo("##preset", preset >= 0 ? kArchPresets[std::size_t(preset)].name : "custom")) {
        for (std::size_t i = 0; i < kArchPresets.size(); ++i) {
            if (ImGui::Selectable(kArchPresets[i].name, int(i) == preset)) {
                // The best preset comes with its recipe; the others change the architecture only.
                if (std::string(kArchPresets[i].arch) == kBestArch) {
                    const RunSettings recipe = best_run_settings(engine().dataset());
                    const std::uint64_t seed = s.seed;
                    s = recipe;
                    s.seed = seed;
                } else {
                    s.arch = kArchPresets[i].arch;
                }
            }
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kArchPresets[i].arch);
        }
        ImGui::EndCombo();
    }

    // While the field is active ImGui edits its own copy; otherwise it shows edited_settings(), so
    // changes from a preset or from JavaScript appear here.
    static char buffer[1024];
    std::snprintf(buffer, sizeof buffer, "%s", s.arch.c_str());
    ImGui::SetNextItemWidth(-FLT_MIN);
    if (ImGui::InputTextWithHint("##arch", "conv32k3-relu-pool2-flatten-dense10", buffer, sizeof buffer,
                                 ImGuiInputTextFlags_AutoSelectAll | ImGuiInputTextFlags_CharsNoBlank))
        s.arch = buffer;
    item_tooltip("Tokens joined by '-': conv<F>k<K>[same], pool<S>, dense<U>, relu, drop<R>, flatten, bn, gap.\n"
                 "The last layer must give the 10 class scores.");
    ImGui::EndDisabled();

    const ArchCheck& check = check_arch(s.arch);
    arch_chips(s.arch, check.bad_at);
    if (check.ok) {
        ImGui::TextDisabled("%d layers, %s parameters", check.layers, plot::format_count((long long)check.params).c_str());
    } else {
        text_wrapped_at_dashes(check.error, colors::wrong());
    }
}

// The schedule's choice, its warm-up, and a sketch of the rate over the run's epochs.
void draw_schedule(RunSettings& s) {
    static const char* const kDescriptions[] = {
        "constant; halved after an epoch without a better validation loss",
        "x0.1 at half the run and again at three quarters",
        "down to 0 along half a cosine",
        "up during the warm-up (30% unless set), then down along half a cosine",
    };
    const LrSchedule kinds[] = {LrSchedule::Plateau, LrSchedule::Step, LrSchedule::Cosine, LrSchedule::OneCycle};
    if (ImGui::BeginCombo("##schedule", schedule_name(s.schedule.kind))) {
        for (std::size_t i = 0; i < std::size(kinds); ++i) {
            if (ImGui::Selectable(schedule_name(kinds[i]), kinds[i] == s.schedule.kind)) s.schedule.kind = kinds[i];
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kDescriptions[i]);
        }
        ImGui::EndCombo();
    }
    if (s.schedule.kind == LrSchedule::Plateau) return;
    const float label_w = ImGui::CalcTextSize("Learning rate").x + ImGui::GetStyle().ItemSpacing.x * 2;
    field("Warm-up", label_w, "Epochs over which the rate rises from 1/25 of it at the start");
    const float most = std::max(0.0f, float(s.epochs) - 0.5f);
    option_slider("warmup", "##warmup", &s.schedule.warmup_epochs, 0.0f, std::min(most, 20.0f),
                  s.schedule.warmup_epochs > 0 ? "%.1f epochs"
                  : s.schedule.kind == LrSchedule::OneCycle ? "30%% of the run" : "none");
    s.schedule.warmup_epochs = std::min(s.schedule.warmup_epochs, most);

    // The planned rate over the run, 100 steps per epoch as a stand-in for the real count.
    const float width = ImGui::GetContentRegionAvail().x, height = ImGui::GetTextLineHeight() * 1.6f;
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(o, ImVec2(o.x + width, o.y + height), colors::well(), 3.0f);
    const int per_epoch = 100;
    const long total = long(std::max(1, s.epochs)) * per_epoch;
    const int points = std::max(2, int(width / 2));
    std::vector<ImVec2> line;
    for (int i = 0; i < points; ++i) {
        const long step = long(double(total - 1) * i / (points - 1));
        const float rate = scheduled_learning_rate(s.schedule, 1.0f, step, total, per_epoch);
        line.emplace_back(o.x + width * float(i) / float(points - 1), o.y + height - 2 - (height - 4) * rate);
    }
    draw->AddPolyline(line.data(), int(line.size()), colors::accent(), 0, 1.5f);
    ImGui::Dummy(ImVec2(width, height));
    item_tooltip("The learning rate over the run's epochs, from 0 (bottom) to the rate set above (top)");
}

void draw_hyperparameters(RunSettings& s, bool locked) {
    const float label_w = ImGui::CalcTextSize("Learning rate").x + ImGui::GetStyle().ItemSpacing.x * 2;
    ImGui::BeginDisabled(locked);

    field("Epochs", label_w, "Passes over the training images (early stopping may end the run sooner)");
    if (ImGui::InputInt("##epochs", &s.epochs)) s.epochs = clamp_to_option("epochs", s.epochs);

    field("Batch size", label_w, "Images per optimiser step");
    char batch_text[16];
    std::snprintf(batch_text, sizeof batch_text, "%d", s.batch_size);
    if (ImGui::BeginCombo("##batch", batch_text)) {
        for (int b : kBatchSizes) {
            char text[16];
            std::snprintf(text, sizeof text, "%d", b);
            if (ImGui::Selectable(text, b == s.batch_size)) s.batch_size = b;
        }
        ImGui::EndCombo();
    }

    field("Learning rate", label_w, "Step size of the optimiser (logarithmic slider; Ctrl+click to type)");
    option_slider("learningRate", "##lr", &s.learning_rate, kSliderMinLearningRate, float(option("learningRate").max), "%.2g",
                  ImGuiSliderFlags_Logarithmic);

    field("Schedule", label_w, "How the learning rate moves during the run (README \"Learning-rate schedules\")");
    draw_schedule(s);

    field("Optimiser", label_w);
    if (ImGui::RadioButton("Adam", s.optimizer == "adam")) s.optimizer = "adam";
    ImGui::SameLine();
    if (ImGui::RadioButton("AdamW", s.optimizer == "adamw")) s.optimizer = "adamw";
    item_tooltip("Adam with decoupled weight decay: every step shrinks the weights a little");
    ImGui::SameLine();
    if (ImGui::RadioButton("SGD", s.optimizer == "sgd")) s.optimizer = "sgd";
    item_tooltip("Stochastic gradient descent with momentum 0.9");
    if (s.optimizer == "adamw") {
        field("Weight decay", label_w, "AdamW: each step multiplies the conv and dense weights by 1 - lr x decay");
        option_slider("weightDecay", "##decay", &s.weight_decay, 0.0f, 0.5f, "%.3f");
    }

    field("Smoothing", label_w,
          "Label smoothing: train towards 0.9 for the right class and 0.01 for each other (at 0.1) rather than 1 and 0, "
          "so the network is less over-confident");
    option_slider("labelSmoothing", "##smoothing", &s.label_smoothing, 0.0f, 0.3f, s.label_smoothing > 0 ? "%.2f" : "off");

    const bool has_dropout = check_arch(s.arch).has_dropout;
    field("Dropout", label_w, "Rate of every drop<R> layer of the architecture");
    if (has_dropout) {
        float dropout = std::max(s.dropout, 0.0f);  // < 0: keep the architecture's own rates
        if (option_slider("dropout", "##dropout", &dropout, 0.0f, 0.9f, s.dropout < 0 ? "as in the architecture" : "%.2f"))
            s.dropout = dropout;
    } else {
        ImGui::TextDisabled("none in this architecture");
    }

    field("Validation", label_w, "Training images held out (the last ones) to measure validation loss and accuracy");
    const int max_validation = engine().dataset().train_count - 1;  // one image must stay for training
    if (ImGui::InputInt("##val", &s.validation, 100, 1000))
        s.validation = std::min(clamp_to_option("validation", s.validation), max_validation);

    field("Patience", label_w, "Early stopping: epochs without a better validation loss (0 = off)");
    if (ImGui::InputInt("##patience", &s.patience)) s.patience = clamp_to_option("patience", s.patience);

    if (s.schedule.kind == LrSchedule::Plateau) {
        field("LR patience", label_w, "Halve the learning rate after this many epochs without a better validation loss (0 = off)");
        if (ImGui::InputInt("##lr-patience", &s.lr_patience)) s.lr_patience = clamp_to_option("lrPatience", s.lr_patience);
    }

    field("Seed", label_w, "Initial weights, dropout and shuffling: the same seed gives the same run");
    const std::uint64_t seed_step = 1;
    if (ImGui::InputScalar("##seed", ImGuiDataType_U64, &s.seed, &seed_step))
        s.seed = std::min<std::uint64_t>(s.seed, std::uint64_t(option("seed").max));

    ImGui::EndDisabled();
}

// Random changes to every training image, so the model also reads drawings (README "Augmentation").
void draw_augmentation(RunSettings& s, bool locked, const DatasetInfo& dataset) {
    const float label_w = ImGui::CalcTextSize("Architecture").x + ImGui::GetStyle().ItemSpacing.x * 2;
    ImGui::BeginDisabled(locked);
    Augmentation& a = s.augment;
    field("Shift", label_w, "Move each image by up to this many pixels, in x and y");
    option_slider("shift", "##shift", &a.shift, 0.0f, 4.0f, a.shift > 0 ? "up to %.1f px" : "off");
    field("Rotate", label_w, "Turn each image by up to this many degrees either way");
    option_slider("rotate", "##rotate", &a.rotate, 0.0f, 30.0f, a.rotate > 0 ? "up to %.0f deg" : "off");
    field("Scale", label_w, "Grow or shrink each image by up to this fraction");
    option_slider("scale", "##scale", &a.scale, 0.0f, 0.3f, a.scale > 0 ? "up to %.2f" : "off");
    field("Drawn", label_w,
          "Share of images re-rendered to look drawn: a filled silhouette or its outline, 1-3 px thick, so the "
          "model also reads sketches from the pad");
    option_slider("drawn", "##drawn", &a.drawn, 0.0f, 1.0f, a.drawn > 0 ? "%.2f of images" : "off");
    ImGui::EndDisabled();
    if (!dataset.mirror_invariant) a.flip = false;
    ImGui::BeginDisabled(locked || !dataset.mirror_invariant);
    ImGui::Checkbox("Mirror half the images", &a.flip);
    item_tooltip(dataset.mirror_invariant ? "A shoe pointing right is still a shoe"
                                          : "Not for digits: a mirrored 2 is no 2");
    ImGui::EndDisabled();
    if (!dataset.has_sketches) s.sketches = 0;
    ImGui::BeginDisabled(locked || !dataset.has_sketches);
    field("Sketches", label_w);
    if (ImGui::SliderInt("##sketches", &s.sketches, 0, kMaxSketchRepeat, s.sketches > 0 ? "x%d" : "off"))
        s.sketches = clamp_to_option("sketches", s.sketches);
    item_tooltip(dataset.has_sketches ? "Also train on 350 Quick, Draw! clothing drawings, each this many times"
                                      : "Only fashion has a sketch set");
    ImGui::EndDisabled();
}

// [SECTION] Run controls and progress

std::string format_number(const char* format, double value) {
    if (!std::isfinite(value)) return "-";
    char text[32];
    std::snprintf(text, sizeof text, format, value);
    return text;
}


// The memory estimate of a run with these settings, redone only when they change.
std::uint64_t training_memory(const RunSettings& s, const EngineView& engine) {
    static std::string key;
    static std::uint64_t bytes = 0;
    const std::string now = protocol::settings_json(s).dump() + engine.dataset().name + std::to_string(engine.engine_threads());
    if (now != key) {
        key = now;
        bytes = estimate_training_memory(s, engine.dataset(), engine.engine_threads()).total();
    }
    return bytes;
}

void draw_controls(const EngineView& engine, const RunSettings& s) {
    const Phase phase = engine.phase();
    const ImGuiStyle& style = ImGui::GetStyle();
    const float half = std::floor((ImGui::GetContentRegionAvail().x - style.ItemSpacing.x) * 0.5f);
    const ImVec2 button(half, ImGui::GetFrameHeight() + 4);

    // Why Start is disabled; while the data set downloads, how far it got.
    const DatasetProgress& data = engine.dataset_progress();
    std::string loading;
    if (phase == Phase::Loading) {
        if (!data.error.empty()) loading = "The data set could not be loaded: " + data.error;
        else if (data.total > 0) loading = std::string("Downloading ") + engine.dataset().title + ": " + format_number("%.1f", data.loaded / 1e6) +
                                           " of " + format_number("%.1f MB", data.total / 1e6);
        else loading = "Loading the data set...";
    }
    const char* reason = nullptr;
    if (phase == Phase::Loading && !engine.data_on_demand()) reason = loading.c_str();
    else if (phase == Phase::Evaluating) reason = "Wait for the evaluation to finish.";
    else if (!check_arch(s.arch).ok) reason = "Fix the architecture first.";

    if (phase == Phase::Training) {
        if (ImGui::Button("Pause", button)) command("pause");
    } else if (phase == Phase::Paused) {
        if (accent_button("Resume", button)) command("resume");
    } else {
        // Accent only when enabled: a faded accent still looks clickable.
        ImGui::BeginDisabled(reason != nullptr);
        if (reason ? ImGui::Button("Start", button) : accent_button("Start", button))
            command("train");
        ImGui::EndDisabled();
        item_tooltip(reason                    ? reason
                     : engine.data_on_demand() ? "Download the data set, then train a freshly initialised model with these settings"
                                               : "Train a freshly initialised model with these settings");
    }

    // Reset throws away a run's weights: ask first when there is a run.
    ImGui::SameLine();
    ImGui::BeginDisabled(phase == Phase::Loading);
    if (ImGui::Button("Reset", button)) {
        if (engine.status().has_run) ImGui::OpenPopup("confirm-reset");
        else command("reset");
    }
    ImGui::EndDisabled();
    item_tooltip("Stop, clear the curves and go back to the model loaded last");
    if (ImGui::BeginPopup("confirm-reset")) {
        ImGui::TextUnformatted("Discard this run's weights and curves?");
        ImGui::TextDisabled("Save the model first to keep it.");
        if (ImGui::Button("Reset")) {
            command("reset");
            ImGui::CloseCurrentPopup();
        }
        ImGui::SameLine();
        if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
        ImGui::EndPopup();
    }
    if (phase != Phase::Training && phase != Phase::Paused && check_arch(s.arch).ok) {
        ImGui::TextDisabled("Needs about %s of memory to train", memory_text(training_memory(s, engine)).c_str());
        item_tooltip("Activations of a batch, the weights with their gradients and optimizer state, and scratch "
                     "space (train/memory_estimate.h). A run that does not fit in the tab is refused.");
    }
    if (reason && phase != Phase::Training && phase != Phase::Paused) {
        ImGui::PushStyleColor(ImGuiCol_Text, !data.error.empty() && phase == Phase::Loading ? colors::wrong()
                                                                                           : ImGui::GetColorU32(ImGuiCol_TextDisabled));
        text_wrapped_at_dashes(reason, ImGui::GetColorU32(ImGuiCol_Text));
        ImGui::PopStyleColor();
        if (phase == Phase::Loading && data.error.empty() && data.total > 0) {
            ImGui::PushStyleColor(ImGuiCol_PlotHistogram, to_vec4(colors::accent()));
            ImGui::ProgressBar(float(std::clamp(data.loaded / data.total, 0.0, 1.0)), ImVec2(-FLT_MIN, 4), "");
            ImGui::PopStyleColor();
        }
    }
}

// Two label/value pairs per row.
void stat_row(const char* label_a, const std::string& value_a, const char* label_b, const std::string& value_b) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextDisabled("%s", label_a);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(value_a.c_str());
    ImGui::TableNextColumn();
    ImGui::TextDisabled("%s", label_b);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(value_b.c_str());
}

void draw_progress(const EngineView& engine) {
    const RunStatus& t = engine.status();
    const Phase phase = engine.phase();
    if (!t.has_run) {
        if (phase != Phase::Loading) ImGui::TextDisabled("No run yet: press Start.");
        return;
    }
    const bool finished = phase != Phase::Training && phase != Phase::Paused;

    char text[64];
    std::snprintf(text, sizeof text, "Epoch %d of %d", t.epoch, t.epochs);
    ImGui::TextUnformatted(text);
    const char* state = finished ? "finished" : phase == Phase::Paused ? "paused" : t.validating ? "validating" : "";
    if (*state) {
        ImGui::SameLine();
        const float w = ImGui::CalcTextSize(state).x;
        ImGui::SetCursorPosX(std::max(ImGui::GetCursorPosX(), ImGui::GetWindowContentRegionMax().x - w));
        ImGui::TextDisabled("%s", state);
    }
    // Finished runs show their last epoch complete.
    const int steps = t.steps_per_epoch;
    const int step = finished || t.validating ? steps : t.step;
    std::snprintf(text, sizeof text, "step %s / %s", plot::format_count(step).c_str(), plot::format_count(steps).c_str());
    ImGui::PushStyleColor(ImGuiCol_PlotHistogram, to_vec4(colors::accent()));
    ImGui::ProgressBar(steps > 0 ? float(step) / float(steps) : 0.0f, ImVec2(-FLT_MIN, 0), text);
    const double done = finished ? 1.0 : (double(t.epoch - 1) + double(step) / std::max(steps, 1)) / std::max(t.epochs, 1);
    ImGui::PushStyleColor(ImGuiCol_PlotHistogram, ImVec4(0.45f, 0.5f, 0.58f, 1.0f));
    ImGui::ProgressBar(float(done), ImVec2(-FLT_MIN, 4), "");
    ImGui::PopStyleColor(2);
    item_tooltip("Whole run");

    if (ImGui::BeginTable("stats", 4, ImGuiTableFlags_SizingStretchProp)) {
        const std::string speed = t.images_per_second > 0 ? plot::format_count(std::llround(t.images_per_second)) : "-";
        stat_row("images/s", speed, "ETA", finished ? "done" : plot::format_duration(t.eta_seconds));
        stat_row("loss", format_number("%.4f", t.train_loss), "lr", format_number("%.2g", t.learning_rate));
        ImGui::EndTable();
    }
    ImGui::TextDisabled("engine: %s", engine_description().c_str());
}

// [SECTION] Model and evaluation

// The site's trained models of this data set: its pretrained CNN, and where there is one the "best" preset's.
void draw_pretrained_choice(const DatasetInfo& dataset, bool busy) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float half = std::floor((ImGui::GetContentRegionAvail().x - style.ItemSpacing.x) * 0.5f);
    ImGui::BeginDisabled(busy);
    if (ImGui::Button("Pretrained CNN", ImVec2(dataset.has_best_model ? half : -FLT_MIN, 0))) command("pretrained:default");
    item_tooltip(busy ? "Reset or let the run finish before loading a model"
                      : "Load the bundled model this data set starts with (assets/, README \"Data sets\")");
    if (dataset.has_best_model) {
        ImGui::SameLine();
        if (ImGui::Button("Pretrained best", ImVec2(-FLT_MIN, 0))) command("pretrained:best");
        item_tooltip(busy ? "Reset or let the run finish before loading a model"
                          : "Load the \"best\" preset trained for 20 epochs: batch norm, global average pooling\n"
                            "(assets/fashion-best.md, README \"The best preset\")");
    }
    ImGui::EndDisabled();
}

void draw_model(const EngineView& engine) {
    const Phase phase = engine.phase();
    const ImGuiStyle& style = ImGui::GetStyle();
    const float half = std::floor((ImGui::GetContentRegionAvail().x - style.ItemSpacing.x) * 0.5f);
    const bool busy = phase == Phase::Training || phase == Phase::Paused || phase == Phase::Evaluating;

    const RunStatus& status = engine.status();
    ImGui::TextDisabled("%s parameters", plot::format_count((long long)status.params).c_str());
    text_wrapped_at_dashes(status.arch, ImGui::GetColorU32(ImGuiCol_TextDisabled));

    if (ImGui::Button("Save model", ImVec2(half, 0))) notify_errors([] { request_model_download(); });
    item_tooltip("Download the current weights as a .cpm file");
    ImGui::SameLine();
    ImGui::BeginDisabled(busy);
    if (ImGui::Button("Load model...", ImVec2(half, 0))) notify_errors([] { request_model_upload(); });
    ImGui::EndDisabled();
    item_tooltip(busy ? "Reset or let the run finish before loading a model"
                      : "Open a .cpm model file, or a TensorFlow.js model.json with its weights file (choose both)");
    draw_pretrained_choice(engine.dataset(), busy);
    if (ImGui::Button("Export for TensorFlow.js", ImVec2(-FLT_MIN, 0))) notify_errors([] { request_tfjs_download(); });
    item_tooltip("Download model.json and model.weights.bin: tf.loadLayersModel reads them (README \"Exchanging models with TensorFlow.js\")");
    ImGui::TextDisabled("or drop a .cpm file, or a model.json with its weights, on the page");

    const bool can_evaluate = phase == Phase::Idle || engine.data_on_demand();
    ImGui::BeginDisabled(!can_evaluate);
    if (ImGui::Button("Evaluate on test set", ImVec2(-FLT_MIN, 0))) {
        command("evaluate");
        show_bottom_tab(BottomTab::Evaluation);
    }
    ImGui::EndDisabled();
    item_tooltip(phase == Phase::Loading      ? "The data set is still loading"
                 : phase == Phase::Evaluating ? "Evaluating..."
                 : !can_evaluate              ? "Let the run finish (or reset it) first"
                                              : "Classify the test images: accuracy, per-class report, confusion matrix");
    if (ImGui::Button("Share / embed...", ImVec2(-FLT_MIN, 0))) command("share");
    item_tooltip("A link to this page with these settings, and the code to embed it in a course page");
    if (phase == Phase::Evaluating) {
        ImGui::PushStyleColor(ImGuiCol_PlotHistogram, to_vec4(colors::accent()));
        ImGui::ProgressBar(float(status.evaluation_progress), ImVec2(-FLT_MIN, 4), "");
        ImGui::PopStyleColor();
    }
}

// The run as a `convpad train` command, to replay it outside the page (docs/run-options.md).
void draw_command_line() {
    if (!ImGui::TreeNode("Command line")) return;
    const std::string line = current_command_line();
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetColorU32(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%s", line.c_str());
    ImGui::PopStyleColor();
    if (ImGui::Button("Copy")) request_command_line_copy();
    item_tooltip("Trains the same run with the command-line tool: the same weights, bit for bit, from its wasm build");
    ImGui::TreePop();
}

}  // namespace

void panel_training(const Rect& area, const FrameInfo& frame) {
    (void)frame;
    ImGui::SetNextWindowPos(ImVec2(area.x, area.y));
    ImGui::SetNextWindowSize(ImVec2(area.w, area.h));
    ImGui::Begin("Training", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                          ImGuiWindowFlags_NoSavedSettings);
    try {
        const EngineView& s = engine();
        RunSettings& settings = edited_settings();
        const Phase phase = s.phase();
        const bool locked = phase == Phase::Training || phase == Phase::Paused;

        section("Data");
        draw_dataset_choice(s);
        section("Model");
        draw_architecture(settings, locked);
        section("Hyper-parameters");
        draw_hyperparameters(settings, locked);
        section("Augmentation");
        draw_augmentation(settings, locked, s.dataset());
        if (locked) ImGui::TextDisabled("Locked while a run is in progress.");

        section("Run");
        draw_controls(s, settings);
        draw_progress(s);
        if (!s.status().message.empty()) text_wrapped_at_dashes(s.status().message, ImGui::GetColorU32(ImGuiCol_Text));

        draw_command_line();

        section("Current model");
        draw_model(s);
    } catch (const std::exception& e) {
        notify(e.what(), true);
    }
    ImGui::End();
}

}  // namespace convpad::app
