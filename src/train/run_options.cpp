#include "train/run_options.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "engine/arch.h"
#include "train/augment.h"

namespace convpad {

namespace {

constexpr double kMaxSeed = 9007199254740991.0;  // 2^53 - 1: every integer a JS number holds exactly
constexpr double kMaxArchLength = 1000;

OptionValue number_value(double x) {
    OptionValue v;
    v.number = x;
    return v;
}
OptionValue text_value(std::string text) {
    OptionValue v;
    v.text = std::move(text);
    return v;
}
OptionValue flag_value(bool on) {
    OptionValue v;
    v.flag = on;
    return v;
}

// The augmentation words its own range messages ("augmentation: rotate must be in [0, 45] degrees, got 90").
template <float Augmentation::*field>
void check_augmentation_field(const OptionValue& value) {
    Augmentation a;
    a.*field = float(value.number);
    check_augmentation(a);
}

void check_arch(const OptionValue& value) {
    if (value.text.empty()) throw std::invalid_argument("arch must be a non-empty string");
    if (value.text.size() > kMaxArchLength)
        throw std::invalid_argument("arch is too long (" + std::to_string(value.text.size()) + " characters)");
    parse_arch(value.text);  // throws ArchError, whose message points at the bad token
}

std::vector<RunOption> make_table() {
    using K = OptionKind;
    std::vector<RunOption> t;
    auto add = [&](RunOption o) { t.push_back(std::move(o)); };
    add({"epochs", "epochs", {}, K::Integer, 1, 1000, false, false, {}, false, "maximum epochs",
         [](const RunSettings& s) { return number_value(s.epochs); },
         [](RunSettings& s, const OptionValue& v) { s.epochs = int(v.number); }});
    add({"batchSize", "batch", {"batchSize"}, K::Integer, 1, 4096, false, false, {}, false, "batch size",
         [](const RunSettings& s) { return number_value(s.batch_size); },
         [](RunSettings& s, const OptionValue& v) { s.batch_size = int(v.number); }});
    add({"learningRate", "lr", {"learningRate"}, K::Number, 0, 1, true, false, {}, false, "learning rate",
         [](const RunSettings& s) { return number_value(s.learning_rate); },
         [](RunSettings& s, const OptionValue& v) { s.learning_rate = float(v.number); }});
    add({"arch", "arch", {}, K::Text, 1, kMaxArchLength, false, false, {}, false,
         "architecture string (README \"Architecture strings\"; `convpad archs`)",
         [](const RunSettings& s) { return text_value(s.arch); },
         [](RunSettings& s, const OptionValue& v) { s.arch = v.text; }, check_arch});
    add({"optimizer", "optimizer", {}, K::Choice, 0, 0, false, false, {"adam", "adamw", "sgd"}, false,
         "adam, adamw (decoupled weight decay) or sgd (with momentum)",
         [](const RunSettings& s) { return text_value(s.optimizer); },
         [](RunSettings& s, const OptionValue& v) { s.optimizer = v.text; }});
    add({"dropout", "dropout", {}, K::Number, 0, 1, false, true, {}, true,
         "replaces the rate of every drop<R> layer of arch (null or absent on the command line: arch's own)",
         [](const RunSettings& s) {
             OptionValue v = number_value(s.dropout);
             v.null = s.dropout < 0;
             return v;
         },
         [](RunSettings& s, const OptionValue& v) { s.dropout = v.null ? -1.0f : float(v.number); }});
    add({"validation", "val", {"validation"}, K::Integer, 0, 59999, false, false, {}, false,
         "validation images held out of the end of the training set",
         [](const RunSettings& s) { return number_value(s.validation); },
         [](RunSettings& s, const OptionValue& v) { s.validation = int(v.number); }});
    add({"patience", "patience", {}, K::Integer, 0, 1000, false, false, {}, false, "early-stopping patience in epochs, 0 = off",
         [](const RunSettings& s) { return number_value(s.patience); },
         [](RunSettings& s, const OptionValue& v) { s.patience = int(v.number); }});
    add({"lrPatience", "lr-patience", {"lrPatience"}, K::Integer, 0, 1000, false, false, {}, false,
         "plateau schedule: halve the learning rate after this many epochs without a better validation loss, 0 = off",
         [](const RunSettings& s) { return number_value(s.lr_patience); },
         [](RunSettings& s, const OptionValue& v) { s.lr_patience = int(v.number); }});
    add({"subset", "subset", {"limit"}, K::Integer, 0, 60000, false, false, {}, false,
         "train on the first N images left after the validation split, 0 = all",
         [](const RunSettings& s) { return number_value(s.subset); },
         [](RunSettings& s, const OptionValue& v) { s.subset = int(v.number); }});
    add({"seed", "seed", {}, K::Integer, 0, kMaxSeed, false, false, {}, false, "weights, dropout, shuffling, augmentation",
         [](const RunSettings& s) { return number_value(double(s.seed)); },
         [](RunSettings& s, const OptionValue& v) { s.seed = std::uint64_t(v.number); }});
    add({"shift", "shift", {}, K::Number, 0, 8, false, false, {}, false, "random shifts up to this many pixels",
         [](const RunSettings& s) { return number_value(s.augment.shift); },
         [](RunSettings& s, const OptionValue& v) { s.augment.shift = float(v.number); },
         check_augmentation_field<&Augmentation::shift>});
    add({"rotate", "rotate", {}, K::Number, 0, 45, false, false, {}, false, "random rotations up to this many degrees",
         [](const RunSettings& s) { return number_value(s.augment.rotate); },
         [](RunSettings& s, const OptionValue& v) { s.augment.rotate = float(v.number); },
         check_augmentation_field<&Augmentation::rotate>});
    add({"scale", "scale", {}, K::Number, 0, 0.5, false, true, {}, false, "random size changes up to this fraction",
         [](const RunSettings& s) { return number_value(s.augment.scale); },
         [](RunSettings& s, const OptionValue& v) { s.augment.scale = float(v.number); },
         check_augmentation_field<&Augmentation::scale>});
    add({"flip", "flip", {}, K::Flag, 0, 0, false, false, {}, false, "mirror half the images (fashion only)",
         [](const RunSettings& s) { return flag_value(s.augment.flip); },
         [](RunSettings& s, const OptionValue& v) { s.augment.flip = v.flag; }});
    add({"drawn", "drawn", {}, K::Number, 0, 1, false, false, {}, false,
         "re-render this fraction of the images to look drawn (a silhouette or its outline)",
         [](const RunSettings& s) { return number_value(s.augment.drawn); },
         [](RunSettings& s, const OptionValue& v) { s.augment.drawn = float(v.number); },
         check_augmentation_field<&Augmentation::drawn>});
    add({"sketches", "sketches", {}, K::Integer, 0, kMaxSketchRepeat, false, false, {}, false,
         "also train on the data set's sketch set, each drawing this many times (fashion only)",
         [](const RunSettings& s) { return number_value(s.sketches); },
         [](RunSettings& s, const OptionValue& v) { s.sketches = int(v.number); }});
    add({"schedule", "schedule", {}, K::Choice, 0, 0, false, false, {"plateau", "step", "cosine", "onecycle"}, false,
         "learning-rate schedule (README \"Learning-rate schedules\")",
         [](const RunSettings& s) { return text_value(schedule_name(s.schedule.kind)); },
         [](RunSettings& s, const OptionValue& v) { s.schedule.kind = schedule_from_name(v.text); }});
    add({"warmup", "warmup", {}, K::Number, 0, 1000, false, false, {}, false,
         "epochs of linear warm-up for step, cosine and onecycle (0 with onecycle: 30% of the run)",
         [](const RunSettings& s) { return number_value(s.schedule.warmup_epochs); },
         [](RunSettings& s, const OptionValue& v) { s.schedule.warmup_epochs = float(v.number); }});
    add({"weightDecay", "weight-decay", {"weightDecay", "decay"}, K::Number, 0, 1, false, false, {}, false,
         "adamw's decoupled weight decay of conv and dense weights",
         [](const RunSettings& s) { return number_value(s.weight_decay); },
         [](RunSettings& s, const OptionValue& v) { s.weight_decay = float(v.number); }});
    add({"labelSmoothing", "label-smoothing", {"labelSmoothing", "smoothing"}, K::Number, 0, 0.5, false, false, {}, false,
         "training targets (1-S) one-hot + S/classes",
         [](const RunSettings& s) { return number_value(s.label_smoothing); },
         [](RunSettings& s, const OptionValue& v) { s.label_smoothing = float(v.number); }});
    return t;
}

// Whole numbers in full ("60000", not "6e+04"), others in the fewest digits that read back the same.
std::string number_text(double x) {
    char text[40];
    if (x == std::floor(x) && std::fabs(x) < 1e16) {
        std::snprintf(text, sizeof text, "%.0f", x);
        return text;
    }
    for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(text, sizeof text, "%.*g", digits, x);
        if (std::strtod(text, nullptr) == x) break;
    }
    return text;
}


bool in_range(const RunOption& o, double x) {
    if (!std::isfinite(x)) return false;
    const bool above = o.min_open ? x > o.min : x >= o.min;
    const bool below = o.max_open ? x < o.max : x <= o.max;
    return above && below;
}

std::string quoted_list(const std::vector<const char*>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += std::string("'") + names[i] + "'";
    }
    return out;
}

}  // namespace

std::string shortest_decimal(float x) {
    if (x == std::floor(x) && std::fabs(x) < 1e7f) return number_text(x);
    char text[32];
    for (int digits = 1; digits <= 9; ++digits) {
        std::snprintf(text, sizeof text, "%.*g", digits, double(x));
        if (std::strtof(text, nullptr) == x) break;
    }
    return text;
}

const std::vector<RunOption>& run_options() {
    static const std::vector<RunOption> table = make_table();
    return table;
}

const RunOption* option_by_key(const std::string& key) {
    for (const RunOption& o : run_options())
        if (key == o.key) return &o;
    return nullptr;
}

const RunOption* option_by_flag(const std::string& flag) {
    for (const RunOption& o : run_options()) {
        if (flag == o.flag) return &o;
        for (const char* alias : o.aliases)
            if (flag == alias && std::string(alias) != o.key) return &o;  // --limit, --decay; never camelCase
    }
    return nullptr;
}

const RunOption* option_by_url_name(const std::string& name) {
    for (const RunOption& o : run_options()) {
        if (name == o.flag || name == o.key) return &o;
        for (const char* alias : o.aliases)
            if (name == alias) return &o;
    }
    return nullptr;
}

std::string option_range_text(const RunOption& o) {
    switch (o.kind) {
    case OptionKind::Integer:
        return "an integer from " + number_text(o.min) + " to " + number_text(o.max);
    case OptionKind::Number:
        return std::string("in ") + (o.min_open ? "(" : "[") + number_text(o.min) + ", " + number_text(o.max) +
               (o.max_open ? ")" : "]");
    case OptionKind::Text:
        return "a non-empty string of at most " + number_text(o.max) + " characters";
    case OptionKind::Choice:
        return quoted_list(o.choices);
    case OptionKind::Flag:
        return "true or false";
    }
    return "";
}

void check_option(const RunOption& o, const OptionValue& v, const std::string& name) {
    if (v.null) {
        if (!o.nullable) throw std::invalid_argument(name + " must be " + option_range_text(o));
        return;
    }
    if (o.check) {
        o.check(v);
        return;
    }
    bool ok = true;
    switch (o.kind) {
    case OptionKind::Integer:
        ok = in_range(o, v.number) && v.number == std::floor(v.number);
        break;
    case OptionKind::Number:
        ok = in_range(o, v.number);
        break;
    case OptionKind::Text:
        ok = !v.text.empty() && double(v.text.size()) <= o.max;
        break;
    case OptionKind::Choice:
        ok = false;
        for (const char* c : o.choices) ok = ok || v.text == c;
        break;
    case OptionKind::Flag:
        break;
    }
    if (!ok) {
        std::string what = option_range_text(o);
        if (o.nullable) what += ", or null to keep arch's rates";
        throw std::invalid_argument(name + " must be " + what);
    }
}

OptionValue parse_option_text(const RunOption& o, const std::string& text) {
    const std::string name = std::string("--") + o.flag;
    const std::string got = " (got '" + text + "')";
    OptionValue v;
    switch (o.kind) {
    case OptionKind::Integer:
    case OptionKind::Number: {
        char* end = nullptr;
        errno = 0;
        v.number = std::strtod(text.c_str(), &end);
        const bool integer_text = text.find_first_not_of("0123456789") == std::string::npos;
        if (text.empty() || *end || errno == ERANGE || !std::isfinite(v.number) ||
            (o.kind == OptionKind::Integer && !integer_text))
            throw std::invalid_argument(name + " must be " + option_range_text(o) + got);
        break;
    }
    case OptionKind::Text:
    case OptionKind::Choice:
        v.text = text;
        break;
    case OptionKind::Flag:
        v.flag = true;
        break;
    }
    try {
        check_option(o, v, name);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(e.what() + (o.check ? std::string() : got));
    }
    return v;
}

std::string option_text(const RunOption& o, const OptionValue& v) {
    switch (o.kind) {
    case OptionKind::Integer:
        return number_text(v.number);
    case OptionKind::Number:
        return shortest_decimal(float(v.number));
    case OptionKind::Text:
    case OptionKind::Choice:
        return v.text;
    case OptionKind::Flag:
        return v.flag ? "true" : "false";
    }
    return "";
}

std::string train_command_line(const RunSettings& settings, const std::string& dataset_name) {
    std::string line = "convpad train --dataset " + dataset_name;
    for (const RunOption& o : run_options()) {
        const OptionValue v = o.get(settings);
        if (v.null || (o.kind == OptionKind::Flag && !v.flag)) continue;
        line += std::string(" --") + o.flag;
        if (o.kind == OptionKind::Flag) continue;
        line += " " + option_text(o, v);  // no valid value holds a space or a shell character
    }
    return line;
}

std::string train_usage(const RunSettings& defaults) {
    std::string out;
    for (const RunOption& o : run_options()) {
        std::string head = std::string("             --") + o.flag;
        if (o.kind == OptionKind::Integer) head += " N";
        if (o.kind == OptionKind::Number) head += " X";
        if (o.kind == OptionKind::Text || o.kind == OptionKind::Choice) head += " S";
        if (head.size() < 31) head.resize(31, ' ');
        const OptionValue v = o.get(defaults);
        std::string range = o.kind == OptionKind::Flag ? "" : "; " + option_range_text(o);
        std::string fallback = v.null ? "arch's own" : option_text(o, v);
        out += head + " " + o.help + " (" + fallback + range + ")\n";
    }
    return out;
}

}  // namespace convpad
