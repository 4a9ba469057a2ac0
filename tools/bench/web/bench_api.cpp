// C functions behind the benchmark page (tools/bench/web/bench.js): the engine alone, no SDL/ImGui, compiled into
// convpad_bench.js (single thread) and convpad_bench_mt.js (-pthread) by tools/bench/web/bench_web.cmake.
//
// Same conventions as web/ui/js_api.cpp: extern "C" + EMSCRIPTEN_KEEPALIVE, every call that can fail
// returns a JSON string (the result or {"error": "message"}; every exception is caught here), the
// returned char* lives until the next call, and every argument is checked here as well as in JS.
//
// The page's sequence: set_threads -> set_data_file x4 -> start(options) -> train_steps / epoch_slice
// -> evaluate -> infer -> classify_sketch. Timings are taken here, around engine calls only, with a
// steady clock; the page times the same calls from JS as well.
#include <emscripten.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/js_reply.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "data/image.h"
#include "engine/conv2d.h"
#include "engine/dense.h"
#include "engine/loss.h"
#include "engine/model.h"
#include "kernels/parallel.h"
#include "train/metrics.h"
#include "session/data_store.h"
#include "train/evaluator.h"
#include "train/trainer.h"

namespace convpad::bench {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// [SECTION] Replies

using js::guarded;
using js::number_or_null;
using js::reply;

// [SECTION] State

struct State {
    DataStore data;            // train: all 60k images (no validation split), test: 10k
    DataView no_validation;

    std::unique_ptr<Model> model;
    std::unique_ptr<Trainer> trainer;
    int batch_size = 64;
    std::vector<float> probs;  // scratch for infer()
};

State& state() {
    static State s;
    return s;
}

void require_data() {
    if (!state().data.ready()) throw std::logic_error("the data set is not loaded: call convpad_bench_set_data_file for all 4 files first");
}

Model& require_model() {
    if (!state().model) throw std::logic_error("no model: call convpad_bench_start first");
    return *state().model;
}

Trainer& require_trainer() {
    if (!state().trainer) throw std::logic_error("no training run: call convpad_bench_start first");
    return *state().trainer;
}

// [SECTION] FLOPs
// Multiply-adds of the convolutions and dense layers, 2 FLOPs each, from the layer shapes; bias,
// activations, pooling, loss and optimiser (together < 1% for the seed CNN) are not counted.
// Training = forward + weight gradients + input gradients of every layer but the first (Model::backward
// skips the image's gradient).
struct Flops {
    double forward = 0, training = 0;
};

Flops count_flops(const Model& model) {
    Flops f;
    const auto& layers = model.layers();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        double macs = 0;
        const Shape3 out = layers[i]->output_shape();
        if (const auto* conv = dynamic_cast<const Conv2D*>(layers[i].get())) {
            const auto& s = conv->weight.shape();  // (K, C, k, k)
            macs = double(s[0]) * double(s[1]) * double(s[2]) * double(s[3]) * double(out.h) * double(out.w);
        } else if (const auto* dense = dynamic_cast<const Dense*>(layers[i].get())) {
            const auto& s = dense->weight.shape();  // (U, I)
            macs = double(s[0]) * double(s[1]);
        }
        f.forward += 2 * macs;
        f.training += 2 * macs * (i == 0 ? 2 : 3);
    }
    return f;
}

// [SECTION] Options

long long integer_option(const json& options, const char* key, long long fallback, long long lo, long long hi) {
    if (!options.contains(key)) return fallback;
    const json& v = options[key];
    const std::string expected = std::string(key) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    if (!v.is_number_integer()) throw std::invalid_argument(expected + " (got " + v.dump() + ")");
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(hi)) throw std::invalid_argument(expected + " (got " + v.dump() + ")");
    const long long x = v.get<long long>();  // fits: an unsigned value is at most hi here
    if (x < lo || x > hi) throw std::invalid_argument(expected + " (got " + v.dump() + ")");
    return x;
}

constexpr long long kMaxSeed = (1LL << 53) - 1;

}  // namespace
}  // namespace convpad::bench

using namespace convpad;
using namespace convpad::bench;

extern "C" {

// [SECTION] Threads

// n: 1..64 threads (the caller included). A single-thread build always answers 1.
// {threads, supported, hardware}.
EMSCRIPTEN_KEEPALIVE const char* convpad_bench_set_threads(int n) {
    return guarded([&] {
        if (n < 1 || n > kMaxThreads) throw std::invalid_argument("threads must be 1.." + std::to_string(kMaxThreads) + ", got " + std::to_string(n));
        set_num_threads(n);
        return json{{"threads", num_threads()}, {"supported", threads_supported()}, {"hardware", hardware_threads()}};
    });
}

// [SECTION] Data set

// bytes: one gunzipped IDX file; which: 0 train images, 1 train labels, 2 test images, 3 test labels.
// {ready, train, test}: ready once all four are in (train: all 60,000 images, no validation split).
EMSCRIPTEN_KEEPALIVE const char* convpad_bench_set_data_file(int which, const std::uint8_t* data, double size) {
    return guarded([&] {
        if (which < 0 || which > 3) throw std::invalid_argument("data file index must be 0..3, got " + std::to_string(which));
        if (!data || !(size > 0) || size > double(std::size_t(-1))) throw std::invalid_argument("the data file is empty");
        State& s = state();
        s.data.set_file(DataFile(which), data, std::size_t(size));
        return json{{"ready", s.data.ready()}, {"train", s.data.train().count()}, {"test", s.data.test().count()}};
    });
}

// [SECTION] Model and training run

// options: {arch (string), seed (model: weights and dropout; shuffling uses it too), batchSize (1..4096),
// epochs (1..1000)}; all optional (the seed CNN, 42, 64, 1000). Adam with the engine's defaults
// (lr 1e-3, betas 0.9/0.999, eps 1e-7), no validation split, no early stopping or learning-rate cuts.
// {arch, params, batchSize, stepsPerEpoch, flopsForward, flopsTraining} (FLOPs per image).
EMSCRIPTEN_KEEPALIVE const char* convpad_bench_start(const char* options_text) {
    return guarded([&] {
        if (!options_text) throw std::invalid_argument("options missing");
        const json options = json::parse(options_text);
        if (!options.is_object()) throw std::invalid_argument("options must be an object");
        for (const auto& item : options.items())
            if (item.key() != "arch" && item.key() != "seed" && item.key() != "batchSize" && item.key() != "epochs")
                throw std::invalid_argument("unknown option '" + item.key() + "' (known: arch, seed, batchSize, epochs)");
        std::string arch = kDefaultArch;
        if (options.contains("arch")) {
            if (!options["arch"].is_string() || options["arch"].get<std::string>().empty() || options["arch"].get<std::string>().size() > 1000)
                throw std::invalid_argument("arch must be a non-empty string of at most 1000 characters");
            arch = options["arch"].get<std::string>();
        }
        const auto seed = std::uint64_t(integer_option(options, "seed", 42, 0, kMaxSeed));
        const int batch = int(integer_option(options, "batchSize", 64, 1, 4096));
        const int epochs = int(integer_option(options, "epochs", 1000, 1, 1000));
        auto model = std::make_unique<Model>(arch, seed);  // throws ArchError naming the bad token
        require_data();

        State& s = state();
        TrainConfig config;
        config.epochs = epochs;
        config.batch_size = batch;
        config.seed = seed;
        config.patience = 0;
        config.lr_patience = 0;
        s.trainer.reset();
        s.model = std::move(model);
        s.trainer = std::make_unique<Trainer>(*s.model, s.data.train(), s.no_validation, config);
        s.batch_size = batch;
        const Flops flops = count_flops(*s.model);
        return json{{"arch", s.model->arch()},          {"params", s.model->num_params()},
                    {"batchSize", batch},               {"stepsPerEpoch", s.trainer->steps_per_epoch()},
                    {"flopsForward", flops.forward},    {"flopsTraining", flops.training},
                    {"learningRate", s.trainer->learning_rate()}};
    });
}

// Runs `steps` optimiser steps (1..100000) of the current run. {steps, images, seconds, loss, epoch, step}.
EMSCRIPTEN_KEEPALIVE const char* convpad_bench_train_steps(int steps) {
    return guarded([&] {
        if (steps < 1 || steps > 100000) throw std::invalid_argument("steps must be 1..100000, got " + std::to_string(steps));
        Trainer& t = require_trainer();
        const long images0 = t.images_seen();
        const auto t0 = Clock::now();
        int done = 0;
        while (done < steps && t.phase() != TrainPhase::Finished) {
            const int before = t.step();
            t.advance();
            if (t.step() != before) ++done;  // advance() may also finish an epoch (no validation: no extra work)
        }
        const double seconds = seconds_since(t0);
        if (t.phase() == TrainPhase::Finished && done < steps) throw std::runtime_error("the run ended: " + t.stop_reason());
        return json{{"steps", done},     {"images", t.images_seen() - images0}, {"seconds", seconds},
                    {"loss", number_or_null(t.last_loss())}, {"epoch", t.epoch()}, {"step", t.step()}};
    });
}

// Trains for about budget_ms (1..60000; at least one step) of the current run, which was started with
// epochs = 1 for a timed epoch. {done, step, stepsPerEpoch, images, seconds, loss, trainAccuracy}:
// seconds of compute in this call; done once the epoch is over.
EMSCRIPTEN_KEEPALIVE const char* convpad_bench_epoch_slice(double budget_ms) {
    return guarded([&] {
        if (!(budget_ms >= 1 && budget_ms <= 60000)) throw std::invalid_argument("budget_ms must be in [1, 60000]");
        Trainer& t = require_trainer();
        const long images0 = t.images_seen();
        const auto t0 = Clock::now();
        if (t.phase() != TrainPhase::Finished)
            do t.advance();
            while (t.phase() != TrainPhase::Finished && seconds_since(t0) * 1e3 < budget_ms);
        const double seconds = seconds_since(t0);
        json out = {{"done", t.phase() == TrainPhase::Finished},
                    {"step", t.step()},
                    {"stepsPerEpoch", t.steps_per_epoch()},
                    {"images", t.images_seen() - images0},
                    {"seconds", seconds},
                    {"loss", number_or_null(t.last_loss())}};
        if (!t.history().empty()) {
            out["trainLoss"] = number_or_null(t.history().back().train_loss);
            out["trainAccuracy"] = number_or_null(t.history().back().train_accuracy);
        }
        return out;
    });
}

// [SECTION] Evaluation and inference

// The current model on the 10k test set. {accuracy, loss, total, seconds}.
EMSCRIPTEN_KEEPALIVE const char* convpad_bench_evaluate() {
    return guarded([] {
        require_data();
        Model& model = require_model();
        const auto t0 = Clock::now();
        const Evaluation e = evaluate_model(model, state().data.test());
        const double seconds = seconds_since(t0);
        return json{{"accuracy", e.accuracy}, {"loss", number_or_null(e.loss)}, {"total", e.total}, {"seconds", seconds}};
    });
}

// Inference (softmax probabilities) of `batch` test images (1..10000) in one Model::predict call,
// `repeats` times (1..1000). {images, seconds, checksum} (checksum: sum of the predicted labels, so the
// work cannot be skipped and runs can be compared).
EMSCRIPTEN_KEEPALIVE const char* convpad_bench_infer(int batch, int repeats) {
    return guarded([&] {
        require_data();
        if (batch < 1 || batch > state().data.test().count()) throw std::invalid_argument("batch must be 1.." + std::to_string(state().data.test().count()));
        if (repeats < 1 || repeats > 1000) throw std::invalid_argument("repeats must be 1..1000");
        Model& model = require_model();
        std::vector<float>& probs = state().probs;
        probs.resize(std::size_t(batch) * kNumClasses);
        long checksum = 0;
        const auto t0 = Clock::now();
        for (int r = 0; r < repeats; ++r) {
            const int first = (r * batch) % (state().data.test().count() - batch + 1);
            model.predict(state().data.test().image(first), batch, probs.data());
            for (int i = 0; i < batch; ++i) checksum += argmax_class(probs.data() + std::size_t(i) * kNumClasses, kNumClasses);
        }
        const double seconds = seconds_since(t0);
        return json{{"images", double(batch) * repeats}, {"seconds", seconds}, {"checksum", checksum}};
    });
}

// [SECTION] Drawing pad

// The drawing pad's work for one sketch: preprocess_to_28x28 of a (height, width) grayscale buffer in
// [0,1] (white ink on black, as the app's 280x280 pad) and classification of the result.
// width, height: 1..4096. {label, name, ms} (ms: engine time of this call).
EMSCRIPTEN_KEEPALIVE const char* convpad_bench_classify_sketch(const float* pixels, int width, int height) {
    return guarded([&] {
        if (!pixels) throw std::invalid_argument("pixels missing");
        if (width < 1 || width > 4096 || height < 1 || height > 4096)
            throw std::invalid_argument("sketch size must be 1..4096 on each side, got " + std::to_string(width) + "x" + std::to_string(height));
        Model& model = require_model();
        GrayImage image;
        image.width = width;
        image.height = height;
        image.pixels.assign(pixels, pixels + std::size_t(width) * height);
        for (float p : image.pixels)
            if (!(p >= 0.0f && p <= 1.0f)) throw std::invalid_argument("sketch pixels must be in [0, 1]");
        const auto t0 = Clock::now();
        const std::vector<float> input = preprocess_to_28x28(image);
        std::array<float, kNumClasses> probs{};
        model.predict(input.data(), 1, probs.data());
        const int label = argmax_class(probs.data(), kNumClasses);
        const double ms = seconds_since(t0) * 1e3;
        return json{{"label", label}, {"name", dataset_info(DatasetId::Fashion).class_names[std::size_t(label)]}, {"ms", ms}};
    });
}

}  // extern "C"
