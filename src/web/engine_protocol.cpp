#include "web/engine_protocol.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "engine/model.h"

namespace convpad::protocol {

namespace {

std::string got(const json& v) { return " (got " + v.dump(-1, ' ', false, json::error_handler_t::replace) + ")"; }

long long integer_option(const json& v, const std::string& key, long long lo, long long hi) {
    const std::string expected = key + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    if (!v.is_number_integer()) throw std::invalid_argument(expected + got(v));
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u < std::uint64_t(lo) || u > std::uint64_t(hi)) throw std::invalid_argument(expected + got(v));
        return static_cast<long long>(u);
    }
    const auto x = v.get<long long>();
    if (x < lo || x > hi) throw std::invalid_argument(expected + got(v));
    return x;
}

double number_option(const json& v, const std::string& key) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) throw std::invalid_argument(key + " must be a finite number" + got(v));
    return v.get<double>();
}

constexpr long long kMaxSeed = (1LL << 53) - 1;  // every integer a JS number holds exactly

template <class T>
T field(const json& o, const char* key, T fallback) {
    const auto it = o.find(key);
    return it == o.end() || it->is_null() ? fallback : it->get<T>();
}

}  // namespace

json decimal_json(float x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.7g", double(x));
    return json(std::strtod(text, nullptr));
}

json number_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }
double number_or_nan(const json& v) { return v.is_number() ? v.get<double>() : NAN; }

// [SECTION] Run settings

void apply_option(const std::string& key, const json& v, RunSettings& s) {
    if (key == "epochs") {
        s.epochs = int(integer_option(v, key, 1, 1000));
    } else if (key == "batchSize") {
        s.batch_size = int(integer_option(v, key, 1, 4096));
    } else if (key == "learningRate") {
        const double lr = number_option(v, key);
        if (!(lr > 0 && lr <= 1)) throw std::invalid_argument("learningRate must be in (0, 1]" + got(v));
        s.learning_rate = float(lr);
    } else if (key == "arch") {
        if (!v.is_string() || v.get<std::string>().empty()) throw std::invalid_argument("arch must be a non-empty string" + got(v));
        const std::string arch = v.get<std::string>();
        if (arch.size() > 1000) throw std::invalid_argument("arch is too long (" + std::to_string(arch.size()) + " characters)");
        Model check(arch);  // throws ArchError, whose message points at the bad token
        s.arch = arch;
    } else if (key == "optimizer") {
        if (!v.is_string() || (v != "adam" && v != "adamw" && v != "sgd"))
            throw std::invalid_argument("optimizer must be 'adam', 'adamw' or 'sgd'" + got(v));
        s.optimizer = v.get<std::string>();
    } else if (key == "weightDecay") {
        const double decay = number_option(v, key);
        if (!(decay >= 0 && decay <= 1)) throw std::invalid_argument("weightDecay must be in [0, 1]" + got(v));
        s.weight_decay = float(decay);
    } else if (key == "labelSmoothing") {
        const double smoothing = number_option(v, key);
        if (!(smoothing >= 0 && smoothing <= 0.5)) throw std::invalid_argument("labelSmoothing must be in [0, 0.5]" + got(v));
        s.label_smoothing = float(smoothing);
    } else if (key == "schedule") {
        if (!v.is_string()) throw std::invalid_argument("schedule must be 'plateau', 'step', 'cosine' or 'onecycle'" + got(v));
        try {
            s.schedule.kind = schedule_from_name(v.get<std::string>());
        } catch (const std::invalid_argument&) {
            throw std::invalid_argument("schedule must be 'plateau', 'step', 'cosine' or 'onecycle'" + got(v));
        }
    } else if (key == "warmup") {
        const double epochs = number_option(v, key);
        if (!(epochs >= 0 && epochs <= 1000)) throw std::invalid_argument("warmup must be in [0, 1000] epochs" + got(v));
        s.schedule.warmup_epochs = float(epochs);
    } else if (key == "dropout") {
        if (v.is_null()) {
            s.dropout = -1;  // keep the rates written in arch
            return;
        }
        const double rate = number_option(v, key);
        if (!(rate >= 0 && rate < 1)) throw std::invalid_argument("dropout must be in [0, 1), or null to keep arch's rates" + got(v));
        s.dropout = float(rate);
    } else if (key == "validation") {
        s.validation = int(integer_option(v, key, 0, 59999));
    } else if (key == "patience") {
        s.patience = int(integer_option(v, key, 0, 1000));
    } else if (key == "subset") {
        s.subset = int(integer_option(v, key, 0, 60000));
    } else if (key == "seed") {
        s.seed = std::uint64_t(integer_option(v, key, 0, kMaxSeed));
    } else if (key == "shift" || key == "rotate" || key == "scale" || key == "drawn") {
        Augmentation a = s.augment;
        float& field = key == "shift" ? a.shift : key == "rotate" ? a.rotate : key == "scale" ? a.scale : a.drawn;
        field = float(number_option(v, key));
        check_augmentation(a);  // names the option and its range
        s.augment = a;
    } else if (key == "sketches") {
        s.sketches = int(integer_option(v, key, 0, kMaxSketchRepeat));
    } else if (key == "flip") {
        if (!v.is_boolean()) throw std::invalid_argument("flip must be true or false" + got(v));
        s.augment.flip = v.get<bool>();
    } else {
        throw std::invalid_argument("unknown option '" + key +
                                    "' (known: epochs, batchSize, learningRate, arch, optimizer, dropout, validation, "
                                    "patience, subset, seed, shift, rotate, scale, flip, drawn, sketches, schedule, warmup, weightDecay, "
                                    "labelSmoothing)");
    }
}

json settings_json(const RunSettings& s) {
    return {{"epochs", s.epochs},
            {"batchSize", s.batch_size},
            {"learningRate", decimal_json(s.learning_rate)},
            {"arch", s.arch},
            {"optimizer", s.optimizer},
            {"dropout", s.dropout < 0 ? json(nullptr) : decimal_json(s.dropout)},
            {"validation", s.validation},
            {"patience", s.patience},
            {"subset", s.subset},
            {"seed", s.seed},
            {"shift", decimal_json(s.augment.shift)},
            {"rotate", decimal_json(s.augment.rotate)},
            {"scale", decimal_json(s.augment.scale)},
            {"flip", s.augment.flip},
            {"drawn", decimal_json(s.augment.drawn)},
            {"sketches", s.sketches},
            {"schedule", schedule_name(s.schedule.kind)},
            {"warmup", decimal_json(s.schedule.warmup_epochs)},
            {"weightDecay", decimal_json(s.weight_decay)},
            {"labelSmoothing", decimal_json(s.label_smoothing)}};
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
    s.dataset_ready = field<bool>(o, "datasetReady", false);
    s.evaluation_progress = field<double>(o, "evaluationProgress", 0.0);
    s.has_run = field<bool>(o, "hasRun", false);
    s.validating = field<bool>(o, "validating", false);
    if (o.contains("settings") && o["settings"].is_object()) {
        // The engine checked these when the run started: read, do not re-check (checking an arch builds a model).
        const json& r = o["settings"];
        s.settings.arch = field<std::string>(r, "arch", s.settings.arch);
        s.settings.epochs = field<int>(r, "epochs", s.settings.epochs);
        s.settings.batch_size = field<int>(r, "batchSize", s.settings.batch_size);
        s.settings.learning_rate = field<float>(r, "learningRate", s.settings.learning_rate);
        s.settings.optimizer = field<std::string>(r, "optimizer", s.settings.optimizer);
        s.settings.dropout = r.contains("dropout") && r["dropout"].is_null() ? -1.0f : field<float>(r, "dropout", s.settings.dropout);
        s.settings.validation = field<int>(r, "validation", s.settings.validation);
        s.settings.patience = field<int>(r, "patience", s.settings.patience);
        s.settings.subset = field<int>(r, "subset", s.settings.subset);
        s.settings.seed = field<std::uint64_t>(r, "seed", s.settings.seed);
        s.settings.augment.shift = field<float>(r, "shift", 0.0f);
        s.settings.augment.rotate = field<float>(r, "rotate", 0.0f);
        s.settings.augment.scale = field<float>(r, "scale", 0.0f);
        s.settings.augment.flip = field<bool>(r, "flip", false);
        s.settings.augment.drawn = field<float>(r, "drawn", 0.0f);
        s.settings.sketches = field<int>(r, "sketches", 0);
        s.settings.schedule.kind = schedule_from_name(field<std::string>(r, "schedule", "plateau"));
        s.settings.schedule.warmup_epochs = field<float>(r, "warmup", 0.0f);
        s.settings.weight_decay = field<float>(r, "weightDecay", s.settings.weight_decay);
        s.settings.label_smoothing = field<float>(r, "labelSmoothing", 0.0f);
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
        out.push_back({p.at(0).get<long>(), float(number_or_nan(p.at(1))), p.size() > 2 ? float(number_or_nan(p.at(2))) : NAN});
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
        out.push_back({o.at("epoch").get<int>(), number_or_nan(o.value("trainLoss", json())),
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
    p.label = o.at("label").get<int>();
    if (p.label < 0 || p.label >= kNumClasses) throw std::invalid_argument("prediction label out of range");
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
    std::vector<long> confusion;
    for (const json& row : rows) {
        if (row.size() != std::size_t(classes)) throw std::invalid_argument("the confusion matrix must be square");
        for (const json& count : row) confusion.push_back(count.get<long>());
    }
    Evaluation e = evaluation_from_confusion(confusion, classes);
    e.loss = number_or_nan(o.value("loss", json()));
    return e;
}

}  // namespace convpad::protocol
