#include "session/protocol.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <type_traits>

#include "engine/arch.h"  // ArchError
#include "train/run_options.h"

namespace convpad::protocol {

namespace {

std::string got(const json& v) { return " (got " + v.dump(-1, ' ', false, json::error_handler_t::replace) + ")"; }

// A whole number in lo..hi, read as 64 bits whatever the build's long (wasm32's is 32 bits: get<long>() there
// reads 4294967306 as 10); the message names the field.
std::int64_t whole_number(const json& v, const std::string& key, std::int64_t lo, std::int64_t hi) {
    const bool in_int64 = v.is_number_integer() && !(v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX));
    if (!in_int64 || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi)
        throw std::invalid_argument(key + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + got(v));
    return v.get<std::int64_t>();
}

// A whole number for a field of type T, in the range T has in every build: long and std::size_t are 32 bits on
// wasm32, so native refuses what the page could not hold.
template <class T>
T whole_field(const json& v, const std::string& key) {
    static_assert(std::is_integral_v<T> && sizeof(T) >= 4, "a 32-bit or wider integer field");
    constexpr std::int64_t lo = std::is_signed_v<T> ? INT32_MIN : 0;
    constexpr std::int64_t hi = std::is_signed_v<T> ? INT32_MAX : UINT32_MAX;
    return T(whole_number(v, key, lo, hi));
}

double number_option(const json& v, const std::string& key) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) throw std::invalid_argument(key + " must be a finite number" + got(v));
    return v.get<double>();
}

template <class T>
T field(const json& o, const char* key, T fallback) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) return fallback;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        return whole_field<T>(*it, key);
    } else {
        try {
            return it->get<T>();
        } catch (const json::type_error&) {
            throw std::invalid_argument(std::string(key) + " has the wrong type" + got(*it));
        }
    }
}

}  // namespace

json decimal_json(float x) { return json(std::strtod(shortest_decimal(x).c_str(), nullptr)); }

json number_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }
double number_or_nan(const json& v) { return v.is_number() ? v.get<double>() : NAN; }

// [SECTION] Run settings (train/run_options.h: the table of options)

namespace {

// The JSON value of one option, in the option's kind; type errors name the option as the table's range does.
OptionValue option_value(const RunOption& o, const json& v) {
    const std::string key = o.key;
    OptionValue out;
    if (v.is_null() && o.nullable) {
        out.null = true;
        return out;
    }
    switch (o.kind) {
    case OptionKind::Integer:
        out.number = double(whole_number(v, key, std::int64_t(o.min), std::int64_t(o.max)));
        return out;
    case OptionKind::Number:
        out.number = number_option(v, key);
        return out;
    case OptionKind::Text:
        if (!v.is_string() || v.get<std::string>().empty()) throw std::invalid_argument(key + " must be a non-empty string" + got(v));
        out.text = v.get<std::string>();
        return out;
    case OptionKind::Choice:
        if (!v.is_string()) throw std::invalid_argument(key + " must be " + option_range_text(o) + got(v));
        out.text = v.get<std::string>();
        return out;
    case OptionKind::Flag:
        if (!v.is_boolean()) throw std::invalid_argument(key + " must be true or false" + got(v));
        out.flag = v.get<bool>();
        return out;
    }
    return out;
}

std::string known_keys() {
    std::string keys;
    for (const RunOption& o : run_options()) keys += (keys.empty() ? "" : ", ") + std::string(o.key);
    return keys;
}

}  // namespace

void apply_option(const std::string& key, const json& v, RunSettings& s) {
    const RunOption* o = option_by_key(key);
    if (!o) throw std::invalid_argument("unknown option '" + key + "' (known: " + known_keys() + ")");
    const OptionValue value = option_value(*o, v);
    try {
        check_option(*o, value, key);
    } catch (const ArchError&) {
        throw;  // its message points at the bad token
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(e.what() + (o->check ? std::string() : got(v)));
    }
    o->set(s, value);
}

json settings_json(const RunSettings& s) {
    json out = json::object();
    for (const RunOption& o : run_options()) {
        const OptionValue v = o.get(s);
        if (v.null) {
            out[o.key] = nullptr;
            continue;
        }
        switch (o.kind) {
        case OptionKind::Integer: out[o.key] = (long long)v.number; break;
        case OptionKind::Number: out[o.key] = decimal_json(float(v.number)); break;
        case OptionKind::Text:
        case OptionKind::Choice: out[o.key] = v.text; break;
        case OptionKind::Flag: out[o.key] = v.flag; break;
        }
    }
    return out;
}

RunSettings settings_from_json(const json& object) {
    if (!object.is_object()) throw std::invalid_argument("options must be an object");
    RunSettings s;
    for (const auto& [key, value] : object.items()) apply_option(key, value, s);
    return s;
}

// [SECTION] Snapshots

json status_json(const RunStatus& s) {
    return {{"dataset", dataset_info(s.dataset).name},
            {"phase", phase_name(s.phase)},
            {"runId", s.run_id},
            {"modelVersion", s.model_version},
            {"arch", s.arch},
            {"params", s.params},
            {"message", s.message},
            {"failure", s.failure.empty() ? json(nullptr) : json(s.failure)},
            {"datasetReady", s.dataset_ready},
            {"evaluationProgress", s.evaluation_progress},
            {"hasRun", s.has_run},
            {"validating", s.validating},
            {"settings", s.has_run ? settings_json(s.settings) : json(nullptr)},
            {"epoch", s.epoch},
            {"epochs", s.epochs},
            {"step", s.step},
            {"stepsPerEpoch", s.steps_per_epoch},
            {"stepsDone", s.steps_done},
            {"trainLoss", number_or_null(s.train_loss)},
            {"learningRate", number_or_null(s.learning_rate)},
            {"valLoss", number_or_null(s.val_loss)},
            {"valAccuracy", number_or_null(s.val_accuracy)},
            {"imagesPerSecond", number_or_null(s.images_per_second)},
            {"computeImagesPerSecond", number_or_null(s.compute_images_per_second)},
            {"etaSeconds", number_or_null(s.eta_seconds)}};
}

RunStatus status_from_json(const json& o) {
    RunStatus s;
    if (!o.is_object()) throw std::invalid_argument("a status must be an object");
    s.dataset = dataset_by_name(field<std::string>(o, "dataset", "fashion")).id;
    phase_from_name(field<std::string>(o, "phase", "loading"), s.phase);
    s.run_id = field<long>(o, "runId", 0);
    s.model_version = field<long>(o, "modelVersion", 0);
    s.arch = field<std::string>(o, "arch", "");
    s.params = field<std::size_t>(o, "params", 0);
    s.message = field<std::string>(o, "message", "");
    s.failure = field<std::string>(o, "failure", "");
    s.dataset_ready = field<bool>(o, "datasetReady", false);
    s.evaluation_progress = field<double>(o, "evaluationProgress", 0.0);
    s.has_run = field<bool>(o, "hasRun", false);
    s.validating = field<bool>(o, "validating", false);
    if (o.contains("settings") && o["settings"].is_object()) {
        // The engine checked these when the run started: read, do not check again.
        const json& r = o["settings"];
        for (const RunOption& option : run_options()) {
            const auto it = r.find(option.key);
            if (it == r.end()) continue;
            if (it->is_null() && !option.nullable) continue;
            OptionValue v;
            v.null = it->is_null();
            if (it->is_number()) v.number = it->get<double>();
            if (it->is_string()) v.text = it->get<std::string>();
            if (it->is_boolean()) v.flag = it->get<bool>();
            option.set(s.settings, v);
        }
    }
    s.epoch = field<int>(o, "epoch", 0);
    s.epochs = field<int>(o, "epochs", 0);
    s.step = field<int>(o, "step", 0);
    s.steps_per_epoch = field<int>(o, "stepsPerEpoch", 0);
    s.steps_done = field<long>(o, "stepsDone", 0);
    s.train_loss = number_or_nan(o.value("trainLoss", json()));
    s.learning_rate = number_or_nan(o.value("learningRate", json()));
    s.val_loss = number_or_nan(o.value("valLoss", json()));
    s.val_accuracy = number_or_nan(o.value("valAccuracy", json()));
    s.images_per_second = number_or_nan(o.value("imagesPerSecond", json()));
    s.compute_images_per_second = number_or_nan(o.value("computeImagesPerSecond", json()));
    s.eta_seconds = number_or_nan(o.value("etaSeconds", json()));
    return s;
}

json loss_points_json(const std::vector<LossPoint>& points, std::size_t from) {
    json out = json::array();
    for (std::size_t i = from; i < points.size(); ++i)
        out.push_back({points[i].step, number_or_null(points[i].loss), number_or_null(points[i].learning_rate)});
    return out;
}

std::vector<LossPoint> loss_points_from_json(const json& array) {
    std::vector<LossPoint> out;
    for (const json& p : array)
        out.push_back({whole_field<long>(p.at(0), "a loss point's step"), float(number_or_nan(p.at(1))),
                       p.size() > 2 ? float(number_or_nan(p.at(2))) : NAN});
    return out;
}

json epochs_json(const std::vector<EpochReport>& epochs, std::size_t from) {
    json out = json::array();
    for (std::size_t i = from; i < epochs.size(); ++i) {
        const EpochReport& e = epochs[i];
        out.push_back({{"epoch", e.epoch},
                       {"trainLoss", number_or_null(e.train_loss)},
                       {"trainAccuracy", number_or_null(e.train_accuracy)},
                       {"valLoss", number_or_null(e.val_loss)},
                       {"valAccuracy", number_or_null(e.val_accuracy)},
                       {"improved", e.improved},
                       {"learningRate", decimal_json(e.learning_rate)},
                       {"seconds", e.seconds}});
    }
    return out;
}

std::vector<EpochReport> epochs_from_json(const json& array) {
    std::vector<EpochReport> out;
    for (const json& o : array)
        out.push_back({whole_field<int>(o.at("epoch"), "epoch"), number_or_nan(o.value("trainLoss", json())),
                       number_or_nan(o.value("trainAccuracy", json())), number_or_nan(o.value("valLoss", json())),
                       number_or_nan(o.value("valAccuracy", json())), o.value("improved", false),
                       float(number_or_nan(o.value("learningRate", json()))), o.value("seconds", 0.0)});
    return out;
}

json prediction_json(const Prediction& p, const DatasetInfo& dataset) {
    return {{"label", p.label}, {"name", dataset.class_names[std::size_t(p.label)]}, {"probs", p.probs}};
}

Prediction prediction_from_json(const json& o) {
    Prediction p;
    p.label = int(whole_number(o.at("label"), "a prediction's label", 0, kNumClasses - 1));
    const json& probs = o.at("probs");
    if (!probs.is_array() || probs.size() != std::size_t(kNumClasses)) throw std::invalid_argument("prediction needs 10 probabilities");
    for (int c = 0; c < kNumClasses; ++c) p.probs[std::size_t(c)] = float(number_or_nan(probs[std::size_t(c)]));
    return p;
}

json evaluation_json(const Evaluation& e, const DatasetInfo& dataset) {
    json precision = json::array(), recall = json::array(), f1 = json::array(), support = json::array();
    for (const ClassReport& c : e.per_class) {
        precision.push_back(c.precision);
        recall.push_back(c.recall);
        f1.push_back(c.f1);
        support.push_back(c.support);
    }
    json confusion = json::array();
    for (int truth = 0; truth < e.num_classes; ++truth) {
        json row = json::array();
        for (int predicted = 0; predicted < e.num_classes; ++predicted) row.push_back(e.at(truth, predicted));
        confusion.push_back(row);
    }
    return {{"accuracy", e.accuracy}, {"precision", precision}, {"recall", recall}, {"f1", f1},
            {"support", support},     {"macroF1", e.macro.f1},  {"weightedF1", e.weighted.f1},
            {"loss", e.loss},         {"total", e.total},       {"confusion", confusion},
            {"classNames", dataset.class_names}};
}

Evaluation evaluation_from_json(const json& o) {
    const json& rows = o.at("confusion");
    const int classes = int(rows.size());
    // Small enough that the matrix's sums (in long) fit every build's 32 bits.
    const std::int64_t max_count = INT32_MAX / std::max<std::int64_t>(1, std::int64_t(classes) * classes);
    std::vector<long> confusion;
    for (const json& row : rows) {
        if (row.size() != std::size_t(classes)) throw std::invalid_argument("the confusion matrix must be square");
        for (const json& count : row) confusion.push_back(long(whole_number(count, "a count of the confusion matrix", 0, max_count)));
    }
    Evaluation e = evaluation_from_confusion(confusion, classes);
    e.loss = number_or_nan(o.value("loss", json()));
    return e;
}

KeptRun kept_run_from_json(const json& o) {
    if (!o.is_object()) throw std::invalid_argument("a kept run must be an object");
    KeptRun run;
    run.settings = settings_from_json(o.at("settings"));
    run.losses = loss_points_from_json(o.at("losses"));
    run.epochs = epochs_from_json(o.at("epochs"));
    const json& evaluation = o.contains("evaluation") ? o["evaluation"] : json();
    if (!evaluation.is_null()) {
        run.evaluation = evaluation_from_json(evaluation);
        const json& predicted = evaluation.at("predicted");
        if (!predicted.is_array()) throw std::invalid_argument("a kept evaluation's predicted classes must be an array");
        run.predicted.reserve(predicted.size());
        for (const json& label : predicted) {
            const bool in_range = label.is_number_unsigned() ? label.get<std::uint64_t>() <= 255
                                  : label.is_number_integer() && label.get<std::int64_t>() >= 0 && label.get<std::int64_t>() <= 255;
            if (!in_range) throw std::invalid_argument("a kept evaluation's predicted class must be a whole number from 0 to 255");
            run.predicted.push_back(std::uint8_t(label.get<std::int64_t>()));
        }
    }
    return run;
}

}  // namespace convpad::protocol
